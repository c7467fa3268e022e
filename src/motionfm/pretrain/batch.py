"""The one place where raw batches are augmented and moved to the training device."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..augment import mask_joints, random_rotation
from .sampler import RawBatch


@dataclass
class Batch:
    """A training batch on the device."""

    x: torch.Tensor  # (B, T, 22, 6) augmented windows, absent/masked joints zero
    mask: torch.Tensor  # (B, 22) bool, joints kept after masking
    caption: torch.Tensor  # (B,) index into Material.captions
    video: torch.Tensor | None = None  # (B, video_dim) precomputed video features (zeros where none)
    has_video: torch.Tensor | None = None  # (B,) bool


def augment_batch(raw: RawBatch, device: str | torch.device = "cpu", generator: torch.Generator | None = None,
                  rotate: bool = True, max_keep: int = 5) -> Batch:
    """Move a raw batch to ``device``, rotate each sensor frame at random (``rotate``) and keep
    k ~ U{1..max_keep} of each window's present joints (random draws from ``generator``, on ``device``)."""
    x = torch.from_numpy(raw.x).to(device)
    if rotate:
        x = random_rotation(x, generator)
    x, kept = mask_joints(x, torch.from_numpy(raw.present).to(device), max_keep, generator)
    batch = Batch(x, kept, torch.from_numpy(raw.caption).to(device))
    if raw.video is not None:
        has = ~np.isnan(raw.video).any(axis=1)
        batch.video = torch.from_numpy(np.nan_to_num(raw.video)).to(device)
        batch.has_video = torch.from_numpy(has).to(device)
    return batch
