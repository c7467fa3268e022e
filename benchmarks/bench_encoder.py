"""Forward speed of the encoders in the same run (inference, batch of 10 s windows, one sensor present).

    python benchmarks/bench_encoder.py [--batch 32] [--device cpu]

Prints windows/s per configuration and each one's speed-up over unimts-reference (target: small >= 20x on CPU).
"""

from __future__ import annotations

import argparse

import torch

from _common import best_of
from motionfm.models import ModelConfig, build_encoder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    x = torch.randn(args.batch, 200, 22, 6, device=device)
    mask = torch.zeros(args.batch, 22, dtype=torch.bool, device=device)
    mask[:, 17] = True  # a wrist sensor (ST-GCN's cost does not depend on it; PRIMUS encodes present sensors)
    speed = {}
    for arch, name in (("stgcn", "unimts-reference"), ("stgcn", "small"), ("stgcn", "tiny"), ("primus", "primus")):
        model = build_encoder(ModelConfig(arch=arch, encoder=name)).to(device).eval()
        params = sum(p.numel() for p in model.parameters())
        with torch.inference_mode():
            seconds = best_of(lambda: model(x, mask), repeats=3, sync=sync)
        speed[name] = args.batch / seconds
        print(f"{name:18s} {params / 1e6:6.2f} M params  {speed[name]:9.1f} windows/s  "
              f"{speed[name] / speed['unimts-reference']:6.1f}x reference")
    print(f"device {device}, batch {args.batch}, threads {torch.get_num_threads()}")


if __name__ == "__main__":
    main()
