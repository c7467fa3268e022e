"""Pre-training step speed of the ST-GCN encoders on random batches: old forward vs new, in the same run.

    python benchmarks/bench_train_step.py [--batch 64] [--repeats 3] [--variants old,small,small-sparse]
                                          [--threads 0] [--compile] [--bf16]

A step = ImuTextModel forward (encoder + projections + CLIP loss) + backward + AdamW step, batch of 10 s
windows (200 x 22 x 6) with k ~ U{1..5} present joints per window, as in pre-training (data sampling and
augmentation are not included). 'old' is the pre-issue-15 forward (benchmarks/_reference.py) on the small
config. Variants are timed interleaved (old, new, old, new, ...) so that load from other processes hits
all of them alike; the best step of each is reported with its ratio over 'old', in wall time and in this
process's CPU time (time.process_time: steadier than wall time on a shared machine; use --threads 1 for
the steadiest ratios).
--compile adds torch.compile'd copies of the encoders (compile time printed); --bf16 adds CPU bf16 autocast.
"""

from __future__ import annotations

import argparse
import time
import types

import torch

from _reference import reference_forward
from motionfm.models import ImuTextModel, ModelConfig


def random_batch(batch: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x (B, 200, 22, 6) masked, mask (B, 22) bool with 1-5 joints, text features (B, 384))."""
    g = torch.Generator().manual_seed(seed)
    k = torch.randint(1, 6, (batch, 1), generator=g)
    mask = torch.rand(batch, 22, generator=g).argsort(1).argsort(1) < k
    x = torch.randn(batch, 200, 22, 6, generator=g) * mask[:, None, :, None]
    return x, mask, torch.randn(batch, 384, generator=g)


def build(variant: str) -> ImuTextModel:
    """The model of a variant name: 'old' (reference forward, small), a config name, or name+compile/bf16."""
    base = variant.split("+")[0]
    torch.manual_seed(0)
    model = ImuTextModel(ModelConfig(encoder="small" if base == "old" else base))
    if base == "old":
        model.encoder.forward = types.MethodType(reference_forward, model.encoder)
    if "+compile" in variant:
        model.encoder = torch.compile(model.encoder, dynamic=False)
    return model.train()


def stepper(variant: str, batch: tuple[torch.Tensor, torch.Tensor, torch.Tensor]):
    model = build(variant)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    bf16 = "+bf16" in variant

    def step() -> None:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(*batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--variants", default="old,small,small-sparse")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--compile", action="store_true", help="also time torch.compile'd encoders")
    ap.add_argument("--bf16", action="store_true", help="also time CPU bf16 autocast")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    variants = args.variants.split(",")
    variants += [f"{v}+compile" for v in variants if v != "old"] if args.compile else []
    variants += [f"{v}+bf16" for v in variants if v != "old" and "+" not in v] if args.bf16 else []
    batch = random_batch(args.batch)
    steps, times = {}, {}
    for v in variants:
        steps[v] = stepper(v, batch)
        start = time.perf_counter()
        steps[v]()  # warm-up (and compilation)
        print(f"{v:26s} first step {time.perf_counter() - start:7.1f} s")
        times[v] = []
    for _ in range(args.repeats):
        for v in variants:
            start, cpu = time.perf_counter(), time.process_time()
            steps[v]()
            times[v].append((time.perf_counter() - start, time.process_time() - cpu))
    ref = [min(t[i] for t in times[variants[0]]) for i in (0, 1)]
    for v in variants:
        wall, cpu = (min(t[i] for t in times[v]) for i in (0, 1))
        print(f"{v:26s} {wall * 1e3:8.0f} ms/step  {args.batch / wall:7.1f} windows/s  {ref[0] / wall:5.2f}x {variants[0]}"
              f"  | CPU {cpu * 1e3:8.0f} ms/step  {args.batch / cpu:7.1f} windows/CPU-s  {ref[1] / cpu:5.2f}x")
    print(f"batch {args.batch}, threads {torch.get_num_threads()}, repeats {args.repeats} (best of)")


if __name__ == "__main__":
    main()
