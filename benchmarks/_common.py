"""Helpers shared by the benchmark scripts: where the data is, a best-of-N timer, an old checkout."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
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


@contextmanager
def old_checkout(rev: str):
    """A temporary git worktree of this repository at ``rev``; yields its path, removed afterwards. Run the old
    code with ``PYTHONPATH=<path>/src`` to compare old and new in one benchmark run."""
    root = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(root), "worktree", "add", "-q", "--detach", str(tree), rev], check=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)], check=True)
