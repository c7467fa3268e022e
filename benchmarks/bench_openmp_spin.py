"""OpenMP spinning: pre-training windows/s of one job alone and of two jobs at once, with libgomp's default
spin and with what `motionfm` sets at start-up (motionfm.cli.limit_openmp_spinning).

    python benchmarks/bench_openmp_spin.py [--config configs/default.yaml] [--encoder small-sparse] [--steps 40]

Each case runs benchmarks/bench_pretrain.py in fresh processes (the setting acts when torch loads libgomp); the
pair runs two at once on the same cores, as when a user trains while an evaluation runs. Prints windows/s per
process and the ratio of the motionfm setting to the default for each case. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMITED = ("from motionfm.cli import limit_openmp_spinning; limit_openmp_spinning(); import runpy, sys; "
           "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def throughput(jobs: int, limited: bool, args: list[str]) -> list[float]:
    """windows/s of each of ``jobs`` simultaneous bench_pretrain.py processes."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    bench = [str(ROOT / "benchmarks" / "bench_pretrain.py"), *args]
    cmd = [sys.executable, "-c", LIMITED, *bench] if limited else [sys.executable, *bench]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(jobs)]
    rates = []
    for p in procs:
        out = p.communicate()[0]
        found = re.search(r"([\d.]+) windows/s", out)
        if p.returncode or not found:
            raise SystemExit(f"bench_pretrain.py failed:\n{out[-2000:]}")
        rates.append(float(found.group(1)))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/default.yaml")
    parser.add_argument("--encoder", default="small-sparse")
    parser.add_argument("--steps", type=int, default=40)
    a = parser.parse_args()
    args = ["--config", a.config, "--encoder", a.encoder, "--batch", "64", "--steps", str(a.steps)]
    for jobs in (1, 2):
        default, limited = throughput(jobs, False, args), throughput(jobs, True, args)
        print(f"{jobs} job(s) at once: default {', '.join(f'{r:.0f}' for r in default)} windows/s, motionfm "
              f"{', '.join(f'{r:.0f}' for r in limited)} windows/s: {sum(limited) / sum(default):.2f}x")


if __name__ == "__main__":
    main()
