"""Speed of the motion readers and the physics engine, optionally old vs new in one run.

    python benchmarks/bench_simulate.py [--limit N] [--old REV] [--repeats 3]

Stages, each timed on its own: reading the Bandai-Namco BVH files (the first --limit, 0 = all), simulating
them, and reading the CMU sample's 28 ASF/AMC files. Alone it prints seconds, clips/s and simulated seconds
per wall second. With --old, the code at git revision REV (a temporary worktree, its src/ on PYTHONPATH) and
this checkout each run the stages as their own process, alternating for --repeats rounds so both see the
same machine load; the medians and old/new ratios are printed. Threads are not pinned: set OMP_NUM_THREADS
to compare at a fixed count.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from _common import DATA, old_checkout

BANDAI = DATA / "bandai_namco/bandai_namco_motiondataset_1_2_bvh.tar.xz"
CMU = DATA / "cmu_mocap/cmu_bvh_amc_sample.tar.xz"


def stages(limit: int) -> dict[str, float]:
    """Seconds for each stage, plus the counts that turn them into rates, in this process's motionfm."""
    from motionfm.motion import read_amc, read_bvh
    from motionfm.simulate import simulate_clip

    with tempfile.TemporaryDirectory() as tmp:
        for archive in (BANDAI, CMU):
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
        bvh = sorted(Path(tmp).glob("dataset/**/*.bvh"))
        bvh = bvh[:limit] if limit else bvh
        amc = sorted(Path(tmp).glob("asfamc/**/*.amc"))
        start = time.perf_counter()
        clips = [read_bvh(f) for f in bvh]
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        for clip in clips:
            simulate_clip(clip)
        sim_s = time.perf_counter() - start
        start = time.perf_counter()
        for f in amc:
            read_amc(f)
        amc_s = time.perf_counter() - start
    return {"read BVH": read_s, "simulate": sim_s, "read AMC": amc_s,
            "clips": len(clips), "motion_s": sum(c.duration for c in clips), "amc_files": len(amc)}


def report(result: dict[str, float]) -> None:
    """Seconds and rates of one run of ``stages``."""
    print(f"Bandai-Namco clips: {result['clips']}, motion {result['motion_s'] / 60:.1f} min; "
          f"CMU AMC files: {result['amc_files']}")
    print(f"read BVH:  {result['read BVH']:7.2f} s  {result['clips'] / result['read BVH']:8.1f} clips/s")
    print(f"simulate:  {result['simulate']:7.2f} s  {result['clips'] / result['simulate']:8.1f} clips/s  "
          f"{result['motion_s'] / result['simulate']:8.0f} simulated s/s")
    print(f"read AMC:  {result['read AMC']:7.2f} s  {result['amc_files'] / result['read AMC']:8.1f} files/s")


def compare(rev: str, limit: int, repeats: int) -> None:
    """Old (``rev``) vs this checkout, each stage's median over alternating rounds of separate processes."""
    here = Path(__file__).resolve()
    times: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    with old_checkout(rev) as tree:
        trees = {"old": tree, "new": here.parents[1]}
        for _ in range(repeats):
            for name, root in trees.items():
                env = dict(os.environ, PYTHONPATH=str(root / "src"))
                out = subprocess.run([sys.executable, str(here), "--limit", str(limit), "--json"], env=env,
                                     check=True, capture_output=True, text=True).stdout
                for stage, seconds in json.loads(out.splitlines()[-1]).items():
                    times[name].setdefault(stage, []).append(seconds)
    for stage in ("read BVH", "simulate", "read AMC"):
        old, new = (statistics.median(times[k][stage]) for k in ("old", "new"))
        print(f"{stage:>9s}: old {old:7.2f} s, new {new:7.2f} s, speed-up {old / new:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="use only the first N Bandai-Namco clips (0 = all)")
    ap.add_argument("--old", help="git revision to compare against")
    ap.add_argument("--repeats", type=int, default=3, help="rounds with --old")
    ap.add_argument("--json", action="store_true", help="print the stage times as one JSON line")
    args = ap.parse_args()
    if args.old:
        compare(args.old, args.limit, args.repeats)
    elif args.json:
        print(json.dumps(stages(args.limit)))
    else:
        report(stages(args.limit))


if __name__ == "__main__":
    main()
