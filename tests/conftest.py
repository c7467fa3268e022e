"""Shared fixtures: the real data in ../shared/data (tests skip with a reason when it is absent)."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np
import pytest

from motionfm.geometry import quat_multiply
from motionfm.skeleton import NUM_JOINTS, PARENTS, REST_DIRECTIONS

DATA = Path(os.environ.get("MOTIONFM_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


def need(relative: str) -> Path:
    """Path to a file or folder under the shared data, or skip the test saying what is missing."""
    path = DATA / relative
    if not path.exists():
        pytest.skip(f"real data not available: {path} (set MOTIONFM_DATA or place ../shared/data)")
    return path


@pytest.fixture(scope="session")
def mocap_dir(tmp_path_factory) -> Path:
    """Bandai-Namco and CMU archives unpacked once per test session."""
    out = tmp_path_factory.mktemp("mocap")
    for archive in ("bandai_namco/bandai_namco_motiondataset_1_2_bvh.tar.xz", "cmu_mocap/cmu_bvh_amc_sample.tar.xz"):
        with tarfile.open(need(archive)) as tar:
            tar.extractall(out, filter="data")
    return out


def t_pose(bone: float = 0.2) -> np.ndarray:
    """Joint positions (22, 3) of a T-pose built from REST_DIRECTIONS with equal bone lengths, metres."""
    pos = np.zeros((NUM_JOINTS, 3))
    for j in range(1, NUM_JOINTS):
        pos[j] = pos[PARENTS[j]] + bone * np.asarray(REST_DIRECTIONS[j])
    return pos + np.array([0.0, 1.0, 0.0])


def spin_about_y(omega: float, fps: float, seconds: float, radius_pos: np.ndarray | None = None):
    """A rigid skeleton turning about the vertical axis through the pelvis at omega rad/s.

    Returns (positions (T, 22, 3), rotations (T, 22, 4)).
    """
    t = np.arange(int(seconds * fps)) / fps
    q = np.stack([np.cos(omega * t / 2), 0 * t, np.sin(omega * t / 2), 0 * t], -1)  # about +y
    base = t_pose() if radius_pos is None else radius_pos
    c, s = np.cos(omega * t), np.sin(omega * t)
    rel = base - base[0]
    x = c[:, None] * rel[None, :, 0] + s[:, None] * rel[None, :, 2]
    z = -s[:, None] * rel[None, :, 0] + c[:, None] * rel[None, :, 2]
    pos = np.stack([x, np.broadcast_to(rel[:, 1], x.shape), z], -1) + base[0]
    rot = np.broadcast_to(q[:, None, :], (len(t), NUM_JOINTS, 4)).copy()
    return pos, rot


def tilt(rot: np.ndarray, quat: np.ndarray) -> np.ndarray:
    """Compose every orientation in rot (..., 4) with a fixed body-frame quaternion."""
    return quat_multiply(rot, np.broadcast_to(quat, rot.shape))


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory):
    """Converted data sets go to a per-session cache, and the loaders read ../shared/data."""
    mp = pytest.MonkeyPatch()
    mp.setenv("MOTIONFM_CACHE", str(tmp_path_factory.mktemp("cache")))
    mp.setenv("MOTIONFM_DATA", str(DATA))
    yield
    mp.undo()


def primus_config_for(out_dir, primus=None, **over):
    """A tiny PRIMUS pre-training config (CMU mocap + USC-HAD, a few steps); building it reads no data."""
    from motionfm.pretrain import PretrainConfig

    base = dict(out_dir=str(out_dir), recipe="primus", model={"arch": "primus", "encoder": "primus-tiny", "embed_dim": 32},
                motion_corpora=["cmu"], real_datasets=["usc-had"], max_clips=8, batch_size=8, steps=6,
                warmup_steps=2, checkpoint_every=2, sim_joints=["right_wrist"], max_keep_joints=1,
                primus={"queue_size": 32, "nn_min_fill": 8, **(primus or {})})
    return PretrainConfig.from_dict({**base, **over})


@pytest.fixture
def primus_config():
    """primus_config_for, for tests that train on its data: skips when CMU mocap or USC-HAD is absent."""
    need("cmu_mocap")
    need("usc_had")
    return primus_config_for


@pytest.fixture(scope="session")
def dataset():
    """Load a registered data set (cached for the session), skipping when its files are absent."""
    from motionfm.har import get_spec, load_dataset

    def load(name: str):
        for f in get_spec(name).files:
            need(f)
        return load_dataset(name, show_progress=False)
    return load
