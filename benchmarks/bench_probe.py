"""LinearProbeClassifier: a fit on cached features against the first fit (which runs the encoder), same run.

    python benchmarks/bench_probe.py [--n 1000] [--C 1.0]

Windows are synthetic single-sensor recordings (n, 200, 6) of 6 classes (sinusoids of class-specific frequency),
so no data set is needed. Prints the first fit (encoder + probe), the cached refit, predict on cached windows, and
the first/cached ratio (the issue's target: a cached fit on 1,000 windows well under a second).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _common import best_of
from motionfm.api import LinearProbeClassifier


def windows(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(n, 200, 6) wrist recordings at 20 Hz: gravity on z, a sinusoid of 0.5 * (class + 1) Hz, noise; labels (n,)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 6
    t = np.arange(200) / 20.0
    x = rng.normal(0, 0.2, (n, 200, 6)).astype(np.float32)
    x[:, :, 2] += 9.81
    x[:, :, 0] += 3 * np.sin(2 * np.pi * 0.5 * (y[:, None] + 1) * t + rng.uniform(0, 6, (n, 1)))
    return x, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--C", type=float, default=1.0)
    args = parser.parse_args()
    x, y = windows(args.n)
    probe = LinearProbeClassifier(C=args.C)
    start = time.perf_counter()
    probe.fit(x, y)
    first = time.perf_counter() - start
    cached = best_of(lambda: probe.fit(x, y))
    predict = best_of(lambda: probe.predict(x))
    print(f"{args.n} windows: first fit {first:.2f} s (encoder + probe), cached fit {cached:.3f} s, "
          f"cached predict {predict:.3f} s; first / cached = {first / cached:.0f}x; "
          f"train accuracy {(probe.predict(x) == y).mean():.3f}")


if __name__ == "__main__":
    main()
