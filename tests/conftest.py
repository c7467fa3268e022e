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


@pytest.fixture(scope="session")
def dataset():
    """Load a registered data set (cached for the session), skipping when its files are absent."""
    from motionfm.har import get_spec, load_dataset

    def load(name: str):
        for f in get_spec(name).files:
            need(f)
        return load_dataset(name, show_progress=False)
    return load


def tiny_config(out_dir, **over):
    """A seconds-long UniMTS pre-training config on 8 CMU clips + USC-HAD (skips without the data)."""
    from motionfm.pretrain import PretrainConfig

    need("cmu_mocap")
    need("usc_had")
    base = dict(out_dir=str(out_dir), model={"encoder": "tiny", "embed_dim": 32}, motion_corpora=["cmu"],
                real_datasets=["usc-had"], max_clips=8, batch_size=8, steps=6, warmup_steps=2, checkpoint_every=2)
    return PretrainConfig.from_dict({**base, **over})


def primus_config(out_dir, primus=None, **over):
    """The PRIMUS counterpart of tiny_config: primus-tiny encoder, one simulated site, a small queue."""
    from motionfm.pretrain import PretrainConfig

    need("cmu_mocap")
    need("usc_had")
    base = dict(out_dir=str(out_dir), recipe="primus", model={"arch": "primus", "encoder": "primus-tiny", "embed_dim": 32},
                motion_corpora=["cmu"], real_datasets=["usc-had"], max_clips=8, batch_size=8, steps=6,
                warmup_steps=2, checkpoint_every=2, sim_joints=["right_wrist"], max_keep_joints=1,
                primus={"queue_size": 32, "nn_min_fill": 8, **(primus or {})})
    return PretrainConfig.from_dict({**base, **over})


def window_set(name: str, y, length: int = 200, seed: int = 0):
    """A WindowSet of registry data set ``name`` (its class names), one right-hip sensor, classes ``y``,
    random signals; every window in the train split."""
    from motionfm.har import WindowSet, get_spec
    from motionfm.skeleton import placement_to_joint

    y = np.asarray(y, np.int64)
    n = len(y)
    x = np.random.default_rng(seed).normal(size=(n, length, 1, 6)).astype(np.float32)
    return WindowSet(name=name, x=x, joints=np.full((n, 1), placement_to_joint("right_hip")), y=y,
                     subject=np.zeros(n, np.int64), valid_len=np.full(n, length), split=np.full(n, "train"),
                     class_names=list(get_spec(name).classes))


def sim_material(real=(), lengths=(3, 250), window: int = 200, text_dim: int = 0):
    """Material with simulated clips of ``lengths`` whose channel 0 of every joint counts samples (0, 1, ...),
    one caption per clip ('clip 0', ...), corpus 'cmu', plus the given real window sets."""
    import torch

    from motionfm.pretrain import Material
    from motionfm.pretrain.material import SimStore

    base = Material.from_sources([], list(real), window) if real else None
    captions = list(base.captions) if base else []
    imu = np.zeros((sum(lengths), NUM_JOINTS, 6), np.float32)
    imu[:, :, 0] = np.arange(sum(lengths))[:, None]
    sim_caps = []
    for k in range(len(lengths)):
        sim_caps.append([len(captions)])
        captions.append(f"clip {k}")
    store = SimStore(imu, np.asarray(lengths, np.int64), sim_caps, {"cmu": (0, len(lengths))})
    features = torch.randn(len(captions), text_dim, generator=torch.Generator().manual_seed(0)) if text_dim else None
    return Material(window, store, base.real if base else [], captions, features)


def pack_config(tmp_path, **over):
    """A UniMTS config training from a synthetic data pack (2 clips + 2 USC-HAD windows, 4-d text features)
    in tmp_path/pack: seconds per run, no data files needed."""
    from motionfm.pretrain import PretrainConfig, save_pack

    if not (tmp_path / "pack" / "meta.json").exists():
        save_pack(sim_material([window_set("usc-had", [0, 1])], text_dim=384), tmp_path / "pack")
    base = dict(out_dir=str(tmp_path / "run"), data_pack=str(tmp_path / "pack"), motion_corpora=["cmu"],
                real_datasets=["usc-had"], steps=4, batch_size=4, warmup_steps=1, checkpoint_every=2,
                model={"encoder": "tiny", "embed_dim": 8, "text_dim": 384})
    return PretrainConfig.from_dict({**base, **over})


def with_sensor_noise(df, rng=None):
    """A working sensor's noise added to a synthetic recording's ax..gz columns (2e-6 g, 1e-5 rad/s), so no
    axis reads one value throughout (motionfm.sensor_checks refuses such a dead axis)."""
    rng = rng or np.random.default_rng(0)
    for cols, sd in ((["ax", "ay", "az"], 2e-6), (["gx", "gy", "gz"], 1e-5)):
        present = [c for c in cols if c in df]
        df[present] = df[present] + rng.normal(0.0, sd, (len(df), len(present)))
    return df
