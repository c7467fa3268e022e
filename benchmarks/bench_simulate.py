"""Speed of the physics engine on the Bandai-Namco corpus.

    python benchmarks/bench_simulate.py [--limit N]

Prints clips/s and simulated seconds per wall second for reading+simulating and for simulating alone.
"""

from __future__ import annotations

import argparse
import time

from _common import DATA
from motionfm.motion import expand_inputs, read_bvh
from motionfm.simulate import simulate_clip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N clips (0 = all)")
    args = ap.parse_args()
    archive = DATA / "bandai_namco/bandai_namco_motiondataset_1_2_bvh.tar.xz"
    with expand_inputs([archive]) as files:
        files = files[: args.limit] if args.limit else files
        start = time.perf_counter()
        clips = [read_bvh(f) for f in files]
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        out = [simulate_clip(c) for c in clips]
        sim_s = time.perf_counter() - start
    motion_s = sum(c.duration for c in clips)
    print(f"clips: {len(clips)}, motion: {motion_s / 60:.1f} min, IMU windows out: {sum(len(o) for o in out)} samples")
    print(f"read BVH:          {read_s:7.2f} s  {len(clips) / read_s:8.1f} clips/s")
    print(f"simulate:          {sim_s:7.2f} s  {len(clips) / sim_s:8.1f} clips/s  "
          f"{motion_s / sim_s:8.0f} simulated s/s")
    total = read_s + sim_s
    print(f"read + simulate:   {total:7.2f} s  {len(clips) / total:8.1f} clips/s  {motion_s / total:8.0f} simulated s/s")


if __name__ == "__main__":
    main()
