"""One record per pre-training recipe: the only place that knows what 'unimts' and 'primus' mean.

Everything else asks the record (or the model's architecture record in ``models``) instead of comparing
recipe or architecture names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from ..models import Architecture, get_architecture
from .batch import Batch, augment_batch
from .objectives import ClipObjective, PrimusObjective
from .sampler import RawBatch

if TYPE_CHECKING:
    from .config import PretrainConfig

Objective = ClipObjective | PrimusObjective


@dataclass(frozen=True)
class Recipe:
    """How one recipe trains.

    architecture: the ``model.arch`` it trains (its record says ONNX constraints and whether a video head
    exists). objective: (config, device) -> the step's objective. augment: raw batch -> device batch.
    sensor_sites: placements simulated windows offer when the config leaves ``sim_joints`` unset (() = all 22).
    find_unused_parameters: DDP must not wait for gradients of heads an ablation leaves unused.
    """

    name: str
    architecture: str
    objective: Callable[[PretrainConfig, torch.device], Objective]
    augment: Callable[..., Batch]
    sensor_sites: tuple[str, ...]
    find_unused_parameters: bool
    description: str

    @property
    def arch(self) -> Architecture:
        return get_architecture(self.architecture)

    @property
    def video(self) -> bool:
        """Whether the recipe can use precomputed video features (its model has a video head)."""
        return self.arch.video_head

    def make_batch(self, raw: RawBatch, config: PretrainConfig, device: torch.device,
                   generator: torch.Generator) -> Batch:
        """The recipe's augmentation of a raw batch, on ``device``."""
        return self.augment(raw, device, generator, config.rotate, config.max_keep_joints, config.gyro_dropout,
                            config.gravity_removal, config.rotation, config.max_tilt_deg)


def _clip(config: PretrainConfig, device: torch.device) -> Objective:
    return ClipObjective()


def _primus(config: PretrainConfig, device: torch.device) -> Objective:
    m = config.model
    return PrimusObjective(config.primus, m.embed_dim, m.text_dim, m.video_dim, device)


RECIPES: dict[str, Recipe] = {
    "unimts": Recipe("unimts", "stgcn", _clip, augment_batch, sensor_sites=(), find_unused_parameters=False,
                     description="ST-GCN, symmetric IMU-text InfoNCE"),
    "primus": Recipe("primus", "primus", _primus, augment_batch, sensor_sites=("right_wrist",),
                     find_unused_parameters=True, description="CNN+GRU, SimCLR + IMU-text(-video) + nearest neighbour"),
}


def get_recipe(name: str) -> Recipe:
    """The record of a recipe name; ValueError listing the known ones."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; known: {', '.join(RECIPES)}")
    return RECIPES[name]
