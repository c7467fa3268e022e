"""Helpers shared by the benchmark scripts: where the data is, and a best-of-N timer."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

DATA = Path(os.environ.get("MOTIONFM_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def best_of(fn: Callable[[], object], repeats: int = 3, sync: Callable[[], None] = lambda: None) -> float:
    """Smallest wall time in seconds over ``repeats`` calls of fn (after one warm-up call)."""
    fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return min(times)
