"""pretrain/batch.py: rotation keeps magnitudes, masking keeps 1..max_keep present joints, video flags, gyro
dropout, valid lengths and channel presence."""

import numpy as np
import pytest
import torch

from conftest import sim_material, tiny_config, window_set
from motionfm.pretrain import augment_batch, build_data, draw


def test_batches_are_rotated_and_masked():
    material = sim_material()
    material.sim.imu[:] = np.random.default_rng(0).normal(size=material.sim.imu.shape)
    raw = draw(material, 16, torch.Generator().manual_seed(1))
    batch = augment_batch(raw, "cpu", torch.Generator().manual_seed(0), rotate=True, max_keep=5)
    kept = batch.mask
    assert kept.sum(1).min() >= 1 and kept.sum(1).max() <= 5
    assert (batch.x[~kept[:, None, :].expand(-1, batch.x.shape[1], -1)] == 0).all()
    x = batch.x.numpy()
    for b in range(4):
        j = int(np.nonzero(kept[b].numpy())[0][0])
        for part in (slice(0, 3), slice(3, 6)):  # a rotation: magnitudes kept, components changed
            np.testing.assert_allclose(np.linalg.norm(x[b, :, j, part], axis=-1),
                                       np.linalg.norm(raw.x[b, :, j, part], axis=-1), rtol=1e-4, atol=1e-4)
        assert np.abs(x[b, :, j] - raw.x[b, :, j]).max() > 0.1
    plain = augment_batch(raw, "cpu", torch.Generator().manual_seed(0), rotate=False, max_keep=22)
    torch.testing.assert_close(plain.x, torch.from_numpy(raw.x) * plain.mask[:, None, :, None])


def test_video_rows_get_a_presence_flag():
    material = sim_material([window_set("usc-had", [0, 1])])
    material.attach_video("cmu", np.array([[1.0, 2.0], [np.nan, np.nan]], np.float32))
    batch = augment_batch(draw(material, 32, torch.Generator().manual_seed(0), 0.5), "cpu",
                          torch.Generator().manual_seed(0))
    assert batch.video.shape == (32, 2) and torch.isfinite(batch.video).all()
    assert 0 < batch.has_video.sum() < 32 and (batch.video[~batch.has_video] == 0).all()


def test_real_windows_keep_their_one_sensor(tmp_path):
    data = build_data(tiny_config(tmp_path), show_progress=False)
    batch = augment_batch(draw(data, 16, torch.Generator().manual_seed(2), 1.0), "cpu", torch.Generator().manual_seed(0))
    assert (batch.mask.sum(1) == 1).all()  # USC-HAD has one sensor


@pytest.mark.parametrize("p, dropped", [(0.0, (0, 0)), (1.0, (400, 400)), (0.3, (80, 160))])
def test_gyro_dropout_zeroes_and_marks_a_share_of_windows(p, dropped):
    material = sim_material()
    material.sim.imu[:] = np.random.default_rng(0).normal(size=material.sim.imu.shape)
    raw = draw(material, 400, torch.Generator().manual_seed(0))
    batch = augment_batch(raw, "cpu", torch.Generator().manual_seed(0), rotate=False, max_keep=22, gyro_dropout=p)
    gone = ~batch.channel_mask[:, 3:].any(1)
    assert dropped[0] <= int(gone.sum()) <= dropped[1]
    assert (batch.channel_mask[gone, 3:] == 0).all() and batch.channel_mask[:, :3].all()
    assert (batch.x[gone][..., 3:] == 0).all() and (batch.x[~gone][..., 3:].abs().sum((1, 2, 3)) > 0).all()
    torch.testing.assert_close(batch.x[..., :3], torch.from_numpy(raw.x[..., :3]) * batch.mask[:, None, :, None])


def test_gyro_dropout_leaves_rotation_and_masking_draws_alone():
    raw = draw(sim_material(), 32, torch.Generator().manual_seed(3))
    a, b = (augment_batch(raw, "cpu", torch.Generator().manual_seed(0), gyro_dropout=p) for p in (0.0, 0.5))
    assert torch.equal(a.mask, b.mask) and torch.equal(a.x[..., :3], b.x[..., :3])


def test_valid_lengths_and_acc_only_real_windows_reach_the_batch():
    acc_only = window_set("usc-had", [0, 1])
    acc_only.has_gyro, acc_only.valid_len = False, np.array([120, 200])
    acc_only.x[:, :, :, 3:] = 0
    material = sim_material([acc_only], lengths=(3, 250))
    raw = draw(material, 64, torch.Generator().manual_seed(0), 0.5)
    batch = augment_batch(raw, "cpu", torch.Generator().manual_seed(0), gyro_dropout=0.0)
    real = torch.from_numpy(raw.is_real)
    assert real.any() and (~real).any()
    assert (batch.channel_mask[real, 3:] == 0).all() and batch.channel_mask[~real].all()
    assert set(batch.valid_len[real].tolist()) <= {120, 200}
    short = torch.tensor([material.captions[c] == "clip 0" for c in raw.caption])
    assert (batch.valid_len[short & ~real] == 3).all() and (batch.valid_len[~short & ~real] == 200).all()


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_gravity_removal_makes_linear_acceleration(p):
    """Simulated windows with gravity: with gravity_removal=1 every kept joint's acceleration averages ~0 over
    the window (gravity gone, after rotation), with 0 they keep 9.8 m/s^2; gyroscopes and masks unchanged."""
    material = sim_material()
    material.sim.imu[:] = 0.0
    material.sim.imu[..., 2] = 9.80665  # a still sensor, z up
    raw = draw(material, 64, torch.Generator().manual_seed(0))
    a, b = (augment_batch(raw, "cpu", torch.Generator().manual_seed(0), gravity_removal=q) for q in (0.0, p))
    kept = b.mask[:, None, :].expand(-1, b.x.shape[1], -1)
    gravity = b.x[..., :3][kept].norm(dim=-1)
    assert torch.equal(a.mask, b.mask) and torch.equal(a.x[..., 3:], b.x[..., 3:])
    assert (gravity.max() < 1e-3) if p else (gravity - 9.80665).abs().max() < 1e-3
