"""Start-up: wall time of `motionfm --help` and of `motionfm classify` on the bundled example, old vs new.

    python benchmarks/bench_startup.py [--old REV] [--repeats 5]

Each command runs as its own process, the way a user runs it, warm (one untimed run first, so the page cache
holds the files and the label features are in the text cache); the median of --repeats is printed. 'new' is
this checkout; 'old' is the code at git revision REV (default 57c2351, before the start-up changes of
issue 15 item 4), checked out in a temporary worktree and run with its src/ first on PYTHONPATH, interleaved
with 'new' so both see the same machine load. For scale, a bare `python -c "import torch, pandas"` process
(default garbage collection, normal shutdown) is timed in the same rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import old_checkout

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "uci_hapt_subject02.csv"
CLASSIFY = ["classify", str(EXAMPLE), "--placement", "waist", "--acc-units", "g", "-q"]


def wall(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds one process takes from start to exit (its output discarded; a failure stops the benchmark)."""
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def medians(commands: dict[str, tuple[list[str], dict[str, str]]], repeats: int) -> dict[str, float]:
    """Median wall time of each command over ``repeats`` interleaved rounds, after one warm-up round."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_ in range(repeats + 1):
        for name, (cmd, env) in commands.items():
            t = wall(cmd, env)
            if round_:
                times[name].append(t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", default="57c2351", help="git revision to compare against")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    with old_checkout(args.old) as old_tree:
        new_env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        old_env = dict(os.environ, PYTHONPATH=str(old_tree / "src"))
        py = [sys.executable, "-m", "motionfm"]
        result = medians({
            "bare import torch, pandas": ([sys.executable, "-c", "import torch, pandas"], new_env),
            "old --help": (py + ["--help"], old_env), "new --help": (py + ["--help"], new_env),
            "old classify": (py + CLASSIFY, old_env), "new classify": (py + CLASSIFY, new_env),
        }, args.repeats)
    for name, seconds in result.items():
        print(f"{name:>28s}: {seconds:6.2f} s")
    for what in ("--help", "classify"):
        print(f"{what}: new {result['new ' + what]:.2f} s, old {result['old ' + what]:.2f} s, "
              f"speed-up {result['old ' + what] / result['new ' + what]:.2f}x")


if __name__ == "__main__":
    main()
