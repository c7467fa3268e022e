"""How far the real motion corpora sit from the motion checks' thresholds (motionfm.motion.quality).

    python benchmarks/motion_check_margins.py [--limit N]

Reads every Bandai-Namco BVH, the CMU sample's BVH and ASF/AMC files and the HumanML3D clips in ../shared/data
(the first --limit of each family, 0 = all) and prints, over the clips, the range of: the head-to-ankle body
length (refused outside BODY_LENGTH), the share of frames standing along +y and the largest share along any
other signed axis (warned when +y < 5 % and another >= UPRIGHT_SHARE), the 90th percentile of the knees'
forward offset (refused below KNEE_MIRRORED), for BVH the largest rotation channel (radians suspected
at <= 2 pi), the share of frames repeating the one before (warned above REPEATED_SHARE) and the repetition
factor (read at fps / n when n >= 2). These are the figures behind the thresholds in the README's simulation notes.
"""

from __future__ import annotations

import argparse
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from _common import DATA
from motionfm.motion import load_motion
from motionfm.motion.quality import body_length, knee_forward, repeated_frames, repetition, upright_shares

ARCHIVES = (DATA / "bandai_namco/bandai_namco_motiondataset_1_2_bvh.tar.xz",
            DATA / "cmu_mocap/cmu_bvh_amc_sample.tar.xz")


def margins(path: Path) -> dict[str, float]:
    """The checked quantities of one clip."""
    clip = load_motion(path)
    length = body_length(clip.positions)
    shares = upright_shares(clip.positions, length)
    ahead = knee_forward(clip.positions)
    return {"body length m": length, "standing along +y": shares["+y"],
            "standing along another axis": max(v for k, v in shares.items() if k != "+y"),
            "knee forward p90 cm": 100 * float(np.percentile(ahead[np.isfinite(ahead)], 90)),
            "max rotation channel": clip.meta.get("max_rotation", np.nan),
            "repeated frames": float(repeated_frames(clip).mean()),
            "repetition factor": float(repetition(repeated_frames(clip)))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="clips per family (0 = all)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for archive in ARCHIVES:
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
        families = [sorted(Path(tmp).glob("dataset/**/*.bvh")), sorted(Path(tmp).glob("iclone/**/*.bvh")),
                    sorted(Path(tmp).glob("asfamc/**/*.amc")),
                    sorted((DATA / "humanml3d_format").glob("HumanML3D_new_joints_*.npy"))]
        rows = [margins(p) for files in families for p in (files[:args.limit] if args.limit else files)]
    print(f"clips: {len(rows)}")
    for key in rows[0]:
        values = np.array([r[key] for r in rows], float)
        values = values[np.isfinite(values)]
        print(f"{key:>28s}: min {values.min():8.3f}  max {values.max():8.3f}  ({len(values)} clips)")


if __name__ == "__main__":
    main()
