"""Raw training batches drawn reproducibly from a torch.Generator: no augmentation, no device.

Simulated clips give a random crop of ``material.window`` samples (short clips wrap around; ``valid_len``
says how much of the row is the clip, so encoders ignore the repeat) with all 22 joints present (or only the
offered ``sim_joints``) and all six channels; real windows come from the train splits, captioned by class,
with their own valid lengths and channels (no gyro channels for accelerometer-only data sets). Each row picks
one of its captions at random.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..skeleton import NUM_JOINTS
from .material import Material


@dataclass
class RawBatch:
    """x (B, T, 22, 6) float32, present (B, 22) bool, caption (B,) int64 ids into Material.captions,
    video (B, video_dim) float32 with NaN rows where none (None when the material has no video),
    is_real (B,) bool, valid_len (B,) int64 real leading samples, channel_mask (B, 6) bool measured channels."""

    x: np.ndarray
    present: np.ndarray
    caption: np.ndarray
    video: np.ndarray | None
    is_real: np.ndarray
    valid_len: np.ndarray | None = None  # (B,) int64 real leading samples (None: all)
    channel_mask: np.ndarray | None = None  # (B, 6) bool measured channels (None: all)


def _pick(options: list[int], u: float) -> int:
    return options[min(int(u * len(options)), len(options) - 1)]


def _rows(table: np.ndarray | None, rows: np.ndarray, dim: int) -> np.ndarray:
    return np.full((len(rows), dim), np.nan, np.float32) if table is None else table[rows]


def _sim_rows(m: Material, n: int, gen: torch.Generator):
    clip = torch.randint(m.n_sim, (n,), generator=gen).numpy()
    u = torch.rand(n, 2, generator=gen, dtype=torch.float64).numpy()
    length = m.sim.lengths[clip]
    start = (u[:, 0] * np.maximum(length - m.window + 1, 1)).astype(np.int64)
    idx = m.sim.offsets[clip, None] + (start[:, None] + np.arange(m.window)[None]) % length[:, None]
    caps = [_pick(m.sim.captions[c], v) for c, v in zip(clip, u[:, 1])]
    valid = np.minimum(length, m.window)  # a clip shorter than the window fills its start, then repeats
    return (m.sim.imu[idx], np.ones((n, NUM_JOINTS), bool), caps, _rows(m.sim.video, clip, m.video_dim), valid,
            np.ones((n, 6), bool))


def _real_rows(m: Material, n: int, gen: torch.Generator):
    sizes = np.array([len(r) for r in m.real], dtype=np.int64)
    g = torch.randint(m.n_real, (n,), generator=gen).numpy()
    u = torch.rand(n, generator=gen, dtype=torch.float64).numpy()
    which = np.searchsorted(np.cumsum(sizes), g, side="right")
    local = g - np.concatenate([[0], np.cumsum(sizes)])[which]
    x = np.zeros((n, m.window, NUM_JOINTS, 6), np.float32)
    mask = np.zeros((n, NUM_JOINTS), bool)
    caps = [0] * n
    video = np.full((n, m.video_dim), np.nan, np.float32)
    valid, channels = np.full(n, m.window, np.int64), np.ones((n, 6), bool)
    for k in np.unique(which):
        rows, real = np.nonzero(which == k)[0], m.real[k]
        w = real.windows.canonical(local[rows])
        x[rows], mask[rows], valid[rows], channels[rows] = w.x, w.mask, w.valid_len, w.channel_mask
        video[rows] = _rows(real.video, local[rows], m.video_dim)
        for r in rows:
            caps[r] = _pick(real.captions[real.windows.y[local[r]]], u[r])
    return x, mask, caps, video, valid, channels


def draw(material: Material, batch_size: int, gen: torch.Generator, real_fraction: float = 0.0,
         sim_joints: list[int] | None = None) -> RawBatch:
    """A batch whose rows are real with probability ``real_fraction`` (all simulated without real windows,
    all real without clips). ``sim_joints``: the joints simulated rows offer (None: all 22)."""
    m = material
    is_real = torch.rand(batch_size, generator=gen).numpy() < (real_fraction if m.n_real else 0.0)
    if not m.n_sim:
        is_real[:] = True
    x = np.zeros((batch_size, m.window, NUM_JOINTS, 6), np.float32)
    present = np.zeros((batch_size, NUM_JOINTS), bool)
    caps = np.zeros(batch_size, np.int64)
    video = np.full((batch_size, m.video_dim), np.nan, np.float32)
    valid, channels = np.full(batch_size, m.window, np.int64), np.ones((batch_size, 6), bool)
    for flag, rows_of in ((False, _sim_rows), (True, _real_rows)):
        rows = np.nonzero(is_real == flag)[0]
        if len(rows):
            x[rows], present[rows], c, video[rows], valid[rows], channels[rows] = rows_of(m, len(rows), gen)
            caps[rows] = c
    if sim_joints is not None:
        offered = np.zeros(NUM_JOINTS, bool)
        offered[list(sim_joints)] = True
        present[~is_real] &= offered
    return RawBatch(x, present, caps, video if m.video_dim else None, is_real, valid, channels)
