import numpy as np
import pytest
import torch

from motionfm.augment import random_rotation, upright_rotations
from motionfm.geometry import random_rotation_matrices
from motionfm.orientation import (model_rotation, rotate_channels, typical_gravity, upright_canonical,
                                  upright_clips, upright_stream, upright_windows, window_gravity_directions)

G = 9.80665


def _windows(gravity_dirs: np.ndarray, mount: np.ndarray, t: int = 40, seed: int = 0) -> np.ndarray:
    """(n, t, 1, 6) windows of a still sensor whose gravity (body frame) points along each row of gravity_dirs,
    read through the sensor mounting ``mount`` (3, 3), with a gyro at a known rate about x."""
    rng = np.random.default_rng(seed)
    acc = G * gravity_dirs[:, None, :] + 0.05 * rng.normal(size=(len(gravity_dirs), t, 3))
    gyro = np.broadcast_to(np.array([0.7, 0.0, 0.0]), acc.shape)
    return (np.concatenate([acc, gyro], -1) @ np.kron(np.eye(2), mount).T)[:, :, None, :]


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    return np.degrees(np.arccos(np.clip((a * b).sum(-1), -1, 1)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_upright_frames_put_typical_gravity_on_z_and_keep_postures(seed):
    """70 % standing (gravity on body +z), 30 % lying (body +x): after alignment standing reads +z and lying
    is still 90 degrees away, whatever the mounting; norms, and the gyro's angle to gravity, are unchanged."""
    mount = random_rotation_matrices(1, np.random.default_rng(seed))[0]
    dirs = np.array([[0, 0, 1.0]] * 7 + [[1.0, 0, 0]] * 3)
    x = _windows(dirs, mount, seed=seed)
    up = upright_windows(x, np.zeros(len(x)))
    g = up[..., :3].mean(axis=1)[:, 0]
    assert _angle_deg(g[:7], np.array([0, 0, 1.0])).max() < 1.0
    assert abs(_angle_deg(g[7:], np.array([0, 0, 1.0])) - 90).max() < 1.0
    np.testing.assert_allclose(np.linalg.norm(up[..., :3], axis=-1), np.linalg.norm(x[..., :3], axis=-1), rtol=1e-5)
    np.testing.assert_allclose((up[..., :3] * up[..., 3:]).sum(-1), (x[..., :3] * x[..., 3:]).sum(-1), atol=1e-4)


def test_two_mountings_differ_only_by_heading_once_upright():
    """The same motion read through two mountings: after alignment the vertical components agree (what is
    left is a turn about z, which pre-training augments)."""
    rng = np.random.default_rng(3)
    dirs = rng.normal(size=(30, 3)) * [0.3, 0.3, 1.0]
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    a, b = (upright_windows(_windows(dirs, random_rotation_matrices(1, rng)[0]), np.zeros(30)) for _ in range(2))
    np.testing.assert_allclose(a[..., 2], b[..., 2], atol=1e-3)  # acc z
    np.testing.assert_allclose(a[..., 5], b[..., 5], atol=1e-3)  # gyro z
    np.testing.assert_allclose(np.linalg.norm(a[..., :2], axis=-1), np.linalg.norm(b[..., :2], axis=-1), atol=1e-3)


def test_each_group_gets_its_own_frame():
    rng = np.random.default_rng(4)
    dirs = np.array([[0, 0, 1.0]] * 10)
    x = np.concatenate([_windows(dirs, random_rotation_matrices(1, rng)[0]) for _ in range(2)])
    up = upright_windows(x, np.repeat([5, 9], 10))
    assert _angle_deg(up[..., :3].mean(axis=1)[:, 0], np.array([0, 0, 1.0])).max() < 1.0


def test_gravity_free_windows_are_refused():
    with pytest.raises(ValueError, match="gravity-free"):
        window_gravity_directions(np.zeros((2, 10, 3)))


def test_typical_gravity_resists_a_minority_of_postures():
    dirs = np.array([[0, 0, 1.0]] * 6 + [[1.0, 0, 0]] * 4)
    assert _angle_deg(typical_gravity(dirs), np.array([0, 0, 1.0])) < 1e-6


def test_stream_canonical_and_clip_forms_agree_with_the_window_form():
    rng = np.random.default_rng(5)
    mount = random_rotation_matrices(1, rng)[0]
    x = _windows(np.array([[0, 0, 1.0]] * 8 + [[0, 1.0, 0]] * 2), mount, t=20)  # (10, 20, 1, 6)
    ref = upright_windows(x, np.zeros(10))
    stream = upright_stream(x[:, :, 0].reshape(-1, 6), 20).reshape(10, 20, 1, 6)
    np.testing.assert_allclose(stream, ref, atol=1e-5)
    canon = np.zeros((10, 20, 22, 6), np.float32)
    canon[:, :, 7] = x[:, :, 0]
    mask = np.zeros((10, 22), bool)
    mask[:, 7] = True
    np.testing.assert_allclose(upright_canonical(canon, mask)[:, :, 7], ref[:, :, 0], atol=1e-5)
    clips = np.repeat(x[:, :, 0].reshape(-1, 6)[:, None], 3, axis=1)  # 10 clips of 20 samples, 3 joints
    upright_clips(clips, np.full(10, 20))
    np.testing.assert_allclose(clips[:, 1].reshape(10, 20, 6), ref[:, :, 0], atol=1e-5)


@pytest.mark.parametrize("max_tilt", [0.0, 10.0, 45.0])
def test_upright_augmentation_turns_about_z_and_tilts_within_the_bound(max_tilt):
    rot = upright_rotations((4000,), max_tilt, torch.Generator().manual_seed(0), dtype=torch.float64)
    torch.testing.assert_close(rot @ rot.transpose(-1, -2), torch.eye(3, dtype=torch.float64).expand(4000, 3, 3))
    torch.testing.assert_close(torch.linalg.det(rot), torch.ones(4000, dtype=torch.float64))
    tilt = torch.rad2deg(torch.arccos(rot[:, 2, 2].clamp(-1, 1)))  # where +z goes
    assert tilt.max() <= max_tilt + 1e-6
    if max_tilt:
        # uniform over the cap: cos(tilt) uniform on [cos(max), 1], so its mean is the midpoint
        mid = (1 + np.cos(np.radians(max_tilt))) / 2
        assert abs(rot[:, 2, 2].mean().item() - mid) < 0.01 * (1 - mid) + 1e-3
    heading = torch.atan2(rot[:, 1, 0], rot[:, 0, 0])
    counts = torch.histc(heading, bins=8, min=-np.pi, max=np.pi)
    assert counts.min() > 0.8 * 4000 / 8  # headings cover the circle evenly


def test_random_rotation_modes():
    x = torch.randn(3, 10, 22, 6)
    gen = torch.Generator().manual_seed(1)
    for mode in ("so3", "upright"):
        y = random_rotation(x, gen, mode)
        torch.testing.assert_close(y[..., :3].norm(dim=-1), x[..., :3].norm(dim=-1))
    flat = random_rotation(x, gen, "upright", max_tilt_deg=0.0)
    torch.testing.assert_close(flat[..., 2], x[..., 2])  # a pure heading turn keeps the vertical component
    with pytest.raises(ValueError, match="unknown rotation mode"):
        random_rotation(x, gen, "yaw")


def test_rotate_channels_turns_both_vectors():
    rot = random_rotation_matrices(1, np.random.default_rng(0))[0]
    v = np.arange(12, dtype=np.float64).reshape(2, 6)
    out = rotate_channels(v, rot)
    np.testing.assert_allclose(out[:, :3], v[:, :3] @ rot.T)
    np.testing.assert_allclose(out[:, 3:], v[:, 3:] @ rot.T)


def test_model_rotation_reads_the_pretraining_config():
    class Net:
        metadata = {"pretrain_config": {"rotation": "upright"}}
    assert model_rotation(Net()) == "upright" and model_rotation(object()) == "so3"


def test_uci_har_upright_frames_separate_standing_from_lying(dataset):
    """Real data: after alignment per subject, UCI-HAR's standing windows read gravity near +z and its lying
    windows far from it, for every test subject (the posture information item 9 of issue 12 is about)."""
    ws = dataset("uci-har")
    up = upright_windows(ws.x, ws.subject)
    g = up[:, :, 0, :3].mean(axis=1)
    angle = _angle_deg(g, np.array([0, 0, 1.0]))
    names = list(ws.class_names)
    stand, lie = names.index("standing"), names.index("lying down")
    for s in np.unique(ws.subject[ws.split == "test"]):
        rows = ws.subject == s
        assert np.median(angle[rows & (ws.y == stand)]) < 20, s
        assert np.median(angle[rows & (ws.y == lie)]) > 45, s
    print(f"UCI-HAR upright: standing median {np.median(angle[ws.y == stand]):.1f} deg, "
          f"lying {np.median(angle[ws.y == lie]):.1f} deg from +z")


def test_upright_models_refuse_gravity_free_data_sets():
    from motionfm.orientation import windows_for

    class Net:
        metadata = {"pretrain_config": {"rotation": "upright"}}
    with pytest.raises(ValueError, match="gravity-free"):
        windows_for(Net(), object(), acc_gravity="removed")
    assert windows_for(object(), "unchanged", acc_gravity="removed") == "unchanged"  # so3 models: nothing to do


def test_linear_acceleration_is_not_aligned_to_noise():
    """Gravity-free windows (small, non-zero means) are refused, not rotated by their noise."""
    acc = 0.05 * np.random.default_rng(0).normal(size=(30, 40, 3)) + 0.01
    with pytest.raises(ValueError, match="carries no gravity"):
        window_gravity_directions(acc)
