"""pretrain/sampler.py: raw batches are reproducible, crops are contiguous (wrapping short clips)."""

import numpy as np
import pytest
import torch

from conftest import sim_material, window_set
from motionfm.pretrain import draw
from motionfm.skeleton import placement_to_joint


def test_same_generator_same_batch():
    material = sim_material([window_set("usc-had", [0, 1, 2, 3])])
    a, b = (draw(material, 32, torch.Generator().manual_seed(5), 0.5) for _ in range(2))
    c = draw(material, 32, torch.Generator().manual_seed(6), 0.5)
    assert all(np.array_equal(getattr(a, k), getattr(b, k)) for k in ("x", "present", "caption", "is_real"))
    assert not np.array_equal(a.caption, c.caption)


def test_simulated_crops_are_contiguous_and_wrap_short_clips():
    material = sim_material(lengths=(3, 250), window=200)
    raw = draw(material, 64, torch.Generator().manual_seed(0))
    counter = raw.x[:, :, 0, 0]  # the sample index within the store
    for row, cap in zip(counter, raw.caption):
        clip = material.captions[cap]
        if clip == "clip 0":  # 3 samples: the crop wraps around 0, 1, 2, 0, ...
            assert set(row.tolist()) == {0, 1, 2} and (np.diff(row)[row[:-1] != 2] == 1).all()
        else:  # 250 samples at offset 3: a contiguous piece
            assert row[0] >= 3 and row[-1] <= 252 and (np.diff(row) == 1).all()
    assert raw.present.all() and raw.video is None and not raw.is_real.any()


@pytest.mark.parametrize("fraction, expected", [(0.0, 0.0), (1.0, 1.0)])
def test_real_fraction_decides_the_source(fraction, expected):
    material = sim_material([window_set("usc-had", [0, 1])])
    raw = draw(material, 16, torch.Generator().manual_seed(0), fraction)
    assert raw.is_real.mean() == expected
    hip = placement_to_joint("right_hip")
    if expected:
        assert (raw.present.sum(1) == 1).all() and raw.present[:, hip].all()


def test_sim_joints_limit_what_simulated_rows_offer():
    material = sim_material()
    wrist = placement_to_joint("right_wrist")
    raw = draw(material, 8, torch.Generator().manual_seed(0), 0.0, [wrist])
    assert (raw.present.sum(1) == 1).all() and raw.present[:, wrist].all()


def test_valid_len_marks_where_a_short_clip_starts_repeating():
    material = sim_material(lengths=(3, 250), window=200)
    raw = draw(material, 64, torch.Generator().manual_seed(0))
    short = np.array([material.captions[c] == "clip 0" for c in raw.caption])
    assert short.any() and (~short).any()
    assert (raw.valid_len[short] == 3).all() and (raw.valid_len[~short] == 200).all()
    counter = raw.x[short, :, 0, 0]
    np.testing.assert_array_equal(counter[:, :3], np.tile([0, 1, 2], (short.sum(), 1)))  # the clip, once, first
    assert raw.channel_mask.all()


@pytest.mark.parametrize("has_gyro", [True, False])
def test_real_rows_carry_their_valid_lengths_and_channels(has_gyro):
    ws = window_set("usc-had", [0, 1, 2])
    ws.valid_len, ws.has_gyro = np.array([20, 200, 150]), has_gyro
    raw = draw(sim_material([ws]), 32, torch.Generator().manual_seed(0), 1.0)
    assert set(raw.valid_len.tolist()) <= {20, 200, 150} and len(set(raw.valid_len.tolist())) > 1
    assert raw.channel_mask[:, :3].all() and (raw.channel_mask[:, 3:] == has_gyro).all()
