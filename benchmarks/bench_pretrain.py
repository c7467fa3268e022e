"""Pre-training throughput (windows/s) and achieved FLOP/s of a training step.

    python benchmarks/bench_pretrain.py --config configs/default.yaml [--steps 50] [--peak-tflops 989]

Uses the config's data (or its data_pack). FLOPs per step are counted once with torch's FlopCounterMode
(forward + backward of the encoder and projections); achieved FLOP/s = FLOPs per step x steps/s, shown
against --peak-tflops (dense bf16 peak of the GPU; H100 SXM: 989) when the device is a GPU.
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from motionfm.pretrain import PretrainConfig, Trainer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--config", required=True)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--batch", type=int, default=0, help="override the batch size")
    ap.add_argument("--encoder", default="", help="override the encoder config name")
    ap.add_argument("--peak-tflops", type=float, default=989.0)
    args = ap.parse_args()
    cfg = PretrainConfig.from_file(args.config)
    cfg.out_dir = "/tmp/motionfm-bench-pretrain"
    cfg.batch_size = args.batch or cfg.batch_size
    cfg.model.encoder = args.encoder or cfg.model.encoder
    trainer = Trainer(cfg, show_progress=False)
    sync = torch.cuda.synchronize if trainer.device.type == "cuda" else (lambda: None)
    with FlopCounterMode(display=False) as counter:
        trainer.train_step()
    flops = counter.get_total_flops()
    for _ in range(5):
        trainer.train_step()
    sync()
    start = time.perf_counter()
    for _ in range(args.steps):
        trainer.train_step()
    sync()
    seconds = (time.perf_counter() - start) / args.steps
    print(f"device {trainer.device} ({torch.cuda.get_device_name() if trainer.device.type == 'cuda' else 'cpu'}), "
          f"encoder {cfg.model.encoder}, batch {cfg.batch_size}, amp {cfg.amp and trainer.device.type == 'cuda'}")
    print(f"step {seconds * 1e3:.1f} ms  {cfg.batch_size / seconds:.0f} windows/s  "
          f"{flops / 1e9:.1f} GFLOP/step  {flops / seconds / 1e12:.2f} TFLOP/s achieved")
    if trainer.device.type == "cuda":
        print(f"= {100 * flops / seconds / 1e12 / args.peak_tflops:.2f}% of {args.peak_tflops:g} TFLOP/s peak")


if __name__ == "__main__":
    main()
