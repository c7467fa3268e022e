"""Motion readers on the real corpora in ../shared/data and on corrupted copies."""

from pathlib import Path

import numpy as np
import pytest

from conftest import need
from motionfm.motion import MotionFormatError, expand_inputs, load_motion, read_amc, read_bvh, read_humanml3d
from motionfm.motion.bvh import format_bvh, forward_kinematics, parse_bvh, with_rotation_orders
from motionfm.simulate import simulate_clip
from motionfm.skeleton import joint_index


def _bvh_files(mocap_dir: Path, family: str) -> list[Path]:
    pattern = {"bandai": "dataset/**/*.bvh", "cmu": "iclone/**/*.bvh"}[family]
    return sorted(mocap_dir.glob(pattern))


@pytest.mark.parametrize("family,count", [("bandai", 3000), ("cmu", 61)])
def test_every_bvh_parses_and_simulates(mocap_dir, family, count):
    files = _bvh_files(mocap_dir, family)
    assert len(files) >= count
    pelvis = []
    for path in files:
        clip = read_bvh(path)
        imu = simulate_clip(clip)
        assert np.isfinite(imu).all(), path
        pelvis.append(np.median(np.linalg.norm(imu[:, 0, :3], axis=-1)))
        assert 3.0 < pelvis[-1] < 25.0, path  # even a sprint stays within a few g at the pelvis
    assert abs(np.median(pelvis) - 9.81) < 1.0  # the typical clip is dominated by gravity
    assert clip.family == {"bandai": "bandai-namco", "cmu": "cmu-iclone"}[family]


def test_every_amc_parses_and_simulates(mocap_dir):
    files = sorted(mocap_dir.glob("asfamc/**/*.amc"))
    assert len(files) == 28
    for path in files:
        imu = simulate_clip(read_amc(path))
        assert np.isfinite(imu).all(), path


@pytest.mark.parametrize("trial", ["01_01", "02_05", "03_01"])
def test_same_cmu_trial_from_bvh_and_amc_agrees(mocap_dir, trial):
    """Two files of one capture (iClone BVH at 60 fps, ASF/AMC at 120 fps) with different skeletons and
    local frames: the frame-independent |acc| and |gyro| per joint must agree."""
    subject = trial.split("_")[0]
    a = simulate_clip(read_amc(mocap_dir / f"asfamc/data/CMU/asfamc/subjects/{subject}/{trial}.amc"))
    b = simulate_clip(read_bvh(mocap_dir / f"iclone/All_BVH/subjects/0{subject}/0{trial}.bvh"))
    assert len(a) == len(b)
    corr = [[np.corrcoef(np.linalg.norm(a[:, j, s], axis=-1), np.linalg.norm(b[:, j, s], axis=-1))[0, 1]
             for j in range(22)] for s in (slice(0, 3), slice(3, 6))]
    assert min(corr[0]) > 0.9 and np.median(corr[0]) > 0.97
    assert np.median(corr[1]) > 0.95


def test_cmu_bvh_rate_matches_descriptions(mocap_dir):
    """The data README warns about the BVH Frame Time: the frame counts equal the CSV's 60 fps column."""
    import pandas as pd
    table = pd.read_csv(need("cmu_mocap/CMU_data_descriptions.csv"))
    by_trial = {(r["Subject"], r["Trial #"]): r["Frames 60fps"] for _, r in table.iterrows()}
    for path in _bvh_files(mocap_dir, "cmu"):
        subject, trial = (int(x) for x in path.stem.split("_"))
        clip = read_bvh(path)
        assert clip.fps == 60.0 and clip.num_frames == by_trial[(subject, trial)], path


@pytest.mark.parametrize("order", ["XYZ", "YXZ", "ZYX", "XZY"])
def test_bvh_round_trip_with_other_rotation_orders(mocap_dir, order):
    for path in (_bvh_files(mocap_dir, "bandai")[0], _bvh_files(mocap_dir, "cmu")[3]):
        original = parse_bvh(path.read_text(), str(path))
        rewritten = parse_bvh(format_bvh(with_rotation_orders(original, order)), "rewritten")
        assert rewritten.skeleton.channels[1][-3:] == [f"{a}rotation" for a in order]
        _, p0, r0 = forward_kinematics(original)
        _, p1, r1 = forward_kinematics(rewritten)
        np.testing.assert_allclose(p1, p0, atol=1e-3)  # file units (cm), 6 decimals written
        np.testing.assert_allclose(r1, r0, atol=1e-5)


@pytest.mark.parametrize("clip_id", ["000000", "012314"])
def test_humanml3d_joint_order(clip_id):
    clip = read_humanml3d(need(f"humanml3d_format/HumanML3D_new_joints_{clip_id}.npy"))
    p = clip.positions
    assert clip.fps == 20.0 and p.shape[1:] == (22, 3)
    assert (p[:, joint_index("head"), 1] > p[:, joint_index("pelvis"), 1]).all()
    assert (p[:, joint_index("neck"), 1] > p[:, joint_index("spine3"), 1]).mean() > 0.9
    # body's left = up x forward, forward from the heels to the toes
    forward = (p[:, joint_index("left_foot")] - p[:, joint_index("left_ankle")]
               + p[:, joint_index("right_foot")] - p[:, joint_index("right_ankle")])
    forward[:, 1] = 0
    left = np.cross(np.array([0.0, 1.0, 0.0]), forward)
    for l_joint, r_joint in [("left_hip", "right_hip"), ("left_shoulder", "right_shoulder")]:
        side = p[:, joint_index(l_joint)] - p[:, joint_index(r_joint)]
        assert ((side * left).sum(-1) > 0).mean() > 0.95
    assert np.isfinite(simulate_clip(clip)).all()


def test_humanml3d_rejects_feature_vectors():
    with pytest.raises(MotionFormatError, match="new_joint_vecs"):
        read_humanml3d(need("humanml3d_format/HumanML3D_new_joint_vecs_000000.npy"))


@pytest.fixture
def bvh_text(mocap_dir) -> str:
    return _bvh_files(mocap_dir, "bandai")[0].read_text()


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_truncated_bvh_names_file_and_line(tmp_path, bvh_text):
    lines = bvh_text.splitlines()
    path = _write(tmp_path, "cut.bvh", "\n".join(lines[:-20]))
    with pytest.raises(MotionFormatError, match=rf"cut.bvh:{len(lines) - 19}: file truncated"):
        read_bvh(path)
    path = _write(tmp_path, "half.bvh", "\n".join(lines[:40]))
    with pytest.raises(MotionFormatError, match="half.bvh:40: no MOTION section"):
        read_bvh(path)


@pytest.mark.parametrize("corrupt,message", [
    (lambda ls: ls[:-1] + [ls[-1].rsplit(" ", 3)[0]], "expected 132 values per frame"),
    (lambda ls: ls[:-3] + ["1 2 oops"] + ls[-2:], "non-numeric"),
    (lambda ls: ls[:-1] + [" ".join(["nan"] * 132)], "NaN"),
    (lambda ls: ls[:4] + ["  CHANNELS 2 Xposition Wrotation"] + ls[5:], ":5: bad CHANNELS"),
    (lambda ls: ["HIERARCHY", "ROOT x", "{", "OFFSET 0 0 0", "CHANNELS 3 Xrotation Yrotation Zrotation", "}",
                 "MOTION", "Frames: 1", "Frame Time: 0.1", "1 2 3"], "unknown skeleton"),
])
def test_corrupt_bvh_is_reported(tmp_path, bvh_text, corrupt, message):
    path = _write(tmp_path, "bad.bvh", "\n".join(corrupt(bvh_text.splitlines())))
    with pytest.raises(MotionFormatError, match=message):
        read_bvh(path)


def test_corrupt_amc_is_reported(tmp_path, mocap_dir):
    folder = mocap_dir / "asfamc/data/CMU/asfamc/subjects/02"
    text = (folder / "02_01.amc").read_text()
    asf = folder / "02.asf"
    cut = _write(tmp_path, "02_01.amc", text[: len(text) // 2])
    with pytest.raises(MotionFormatError, match="02_01.amc:.*truncated"):
        read_amc(cut, asf)
    lines = text.splitlines()
    lines[20] = "lfemur 1 2"
    bad = _write(tmp_path, "02_02.amc", "\n".join(lines))
    with pytest.raises(MotionFormatError, match="02_02.amc:21: lfemur needs 3 values"):
        read_amc(bad, asf)
    with pytest.raises(MotionFormatError, match="missing ':bonedata'"):
        read_amc(folder / "02_01.amc", _write(tmp_path, "x.asf", ":root\n order TX TY TZ RX RY RZ\n"))


def test_load_motion_dispatch_and_archives(tmp_path):
    with pytest.raises(MotionFormatError, match="unsupported motion file"):
        load_motion(_write(tmp_path, "a.fbx", ""))
    with expand_inputs([need("cmu_mocap/cmu_bvh_amc_sample.tar.xz"), need("humanml3d_format")]) as files:
        suffixes = {f.suffix for f in files}
        assert suffixes == {".bvh", ".amc", ".npy"}
        assert sum(f.suffix == ".npy" for f in files) == 2  # feature vectors and Mean/Std are not clips
    with pytest.raises(FileNotFoundError):
        with expand_inputs([tmp_path / "missing"]):
            pass
