"""The one place where raw batches are augmented and moved to the training device.

Gyro dropout (issue 12 item 7): each window loses its gyroscope with probability ``gyro_dropout`` (channels
zeroed, marked absent in ``channel_mask``), so the encoder learns acc-only input, which real phones, watches
and data sets without a gyroscope give, as its own case rather than as a sensor that never rotated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..augment import mask_joints, random_gravity_removal, random_rotation
from ..windows import RATE_HZ
from .sampler import RawBatch

GYRO = slice(3, 6)  # gyroscope channels of [ax, ay, az, gx, gy, gz]


@dataclass
class Batch:
    """A training batch on the device."""

    x: torch.Tensor  # (B, T, 22, 6) augmented windows, absent/masked joints and absent channels zero
    mask: torch.Tensor  # (B, 22) bool, joints kept after masking
    caption: torch.Tensor  # (B,) index into Material.captions
    video: torch.Tensor | None = None  # (B, video_dim) precomputed video features (zeros where none)
    has_video: torch.Tensor | None = None  # (B,) bool
    valid_len: torch.Tensor | None = None  # (B,) int64 real leading samples (the rest repeats them)
    channel_mask: torch.Tensor | None = None  # (B, 6) bool measured channels (after gyro dropout)


def drop_gyro(x: torch.Tensor, channel_mask: torch.Tensor, p: float,
              generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Remove each window's gyroscope with probability ``p``: x (B, T, J, 6), channel_mask (B, 6) bool ->
    (x with those windows' gyro channels zero, channel_mask with them False). p = 0 draws nothing."""
    if not p:
        return x, channel_mask
    drop = torch.rand(len(x), generator=generator, device=x.device) < p  # (B,)
    channel_mask = channel_mask.clone()
    channel_mask[:, GYRO] &= ~drop[:, None]
    return x * channel_mask.to(x.dtype)[:, None, None, :], channel_mask


def augment_batch(raw: RawBatch, device: str | torch.device = "cpu", generator: torch.Generator | None = None,
                  rotate: bool = True, max_keep: int = 5, gyro_dropout: float = 0.0,
                  gravity_removal: float = 0.0, rotation: str = "so3", max_tilt_deg: float = 30.0) -> Batch:
    """Move a raw batch to ``device``, rotate each sensor frame at random (``rotate``; ``rotation`` 'so3' or
    'upright' with tilts up to ``max_tilt_deg``: augment.random_rotation), keep
    k ~ U{1..max_keep} of each window's present joints, drop each window's gyroscope with probability
    ``gyro_dropout`` and take gravity out of its acceleration with probability ``gravity_removal`` (random
    draws from ``generator``, on ``device``, in that order; a probability of 0 draws nothing)."""
    x = torch.from_numpy(raw.x).to(device)
    n = len(x)
    valid = torch.from_numpy(raw.valid_len if raw.valid_len is not None else np.full(n, x.shape[1])).to(device)
    channels = torch.from_numpy(raw.channel_mask if raw.channel_mask is not None else np.ones((n, 6), bool))
    if rotate:
        x = random_rotation(x, generator, rotation, max_tilt_deg)
    x, kept = mask_joints(x, torch.from_numpy(raw.present).to(device), max_keep, generator)
    x, channels = drop_gyro(x, channels.to(device), gyro_dropout, generator)
    if gravity_removal:
        x = random_gravity_removal(x, gravity_removal, RATE_HZ, generator)
    batch = Batch(x, kept, torch.from_numpy(raw.caption).to(device), valid_len=valid, channel_mask=channels)
    if raw.video is not None:
        has = ~np.isnan(raw.video).any(axis=1)
        batch.video = torch.from_numpy(np.nan_to_num(raw.video)).to(device)
        batch.has_video = torch.from_numpy(has).to(device)
    return batch
