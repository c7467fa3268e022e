"""Vectorised rotation augmentation against a per-sample, per-joint Python loop, in the same run.

    python benchmarks/bench_augment.py [--batch 256] [--device cpu|cuda]

Prints both timings and their ratio (the issue's target is >= 100x).
"""

from __future__ import annotations

import argparse

import torch

from _common import best_of
from motionfm.augment import random_rotation
from motionfm.geometry import random_rotation_matrices


def loop_rotation(imu: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Reference: the same augmentation written one sample and one joint at a time."""
    out = torch.empty_like(imu)
    for b in range(imu.shape[0]):
        for j in range(imu.shape[2]):
            rot = random_rotation_matrices(1, generator=generator, device=imu.device, dtype=imu.dtype)[0]
            out[b, :, j, :3] = imu[b, :, j, :3] @ rot.T
            out[b, :, j, 3:] = imu[b, :, j, 3:] @ rot.T
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    device = torch.device(args.device)
    imu = torch.randn(args.batch, 200, 22, 6, device=device)
    gen = torch.Generator(device=device).manual_seed(0)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    vec = best_of(lambda: random_rotation(imu, gen), repeats=5, sync=sync)
    loop = best_of(lambda: loop_rotation(imu, gen), repeats=1, sync=sync)
    print(f"device {device}, batch {args.batch} x 200 steps x 22 joints")
    print(f"vectorised: {vec * 1e3:9.2f} ms   ({args.batch / vec:10.0f} windows/s)")
    print(f"loop:       {loop * 1e3:9.2f} ms   ({args.batch / loop:10.0f} windows/s)")
    print(f"speed-up:   {loop / vec:9.1f}x")


if __name__ == "__main__":
    main()
