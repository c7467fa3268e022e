"""pretrain/batch.py: rotation keeps magnitudes, masking keeps 1..max_keep present joints, video flags."""

import numpy as np
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
