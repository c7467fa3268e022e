"""What one pre-training step optimises: UniMTS (IMU-text InfoNCE) or PRIMUS (ss + mm + nn); recipes.py says which.

An objective turns a sampled batch into (loss, {term: value}) through the (possibly DDP-wrapped) model,
and carries whatever state must survive a checkpoint (PRIMUS: the nearest-neighbour feature queue).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from ..augment import augment_view, check_augmentations
from ..losses import gather
from ..models import PrimusWeights
from .batch import Batch
from .feature_queue import FeatureQueue


@dataclass
class PrimusRecipe:
    """PRIMUS loss settings: L = ss * L_ss + mm * L_mm + nn * L_nn (0 switches a term off)."""

    ss: float = 1.0
    mm: float = 1.0
    nn: float = 1.0
    ss_augmentations: list[str] = field(default_factory=lambda: ["scale", "reverse"])
    ss_temperature: float = 0.1
    queue_size: int = 8192
    nn_min_fill: int = 1024  # L_nn waits until the queue holds this many rows (capped at queue_size)

    def __post_init__(self) -> None:
        check_augmentations(self.ss_augmentations)
        if not (self.ss or self.mm or self.nn):
            raise ValueError("every PRIMUS loss term is switched off (ss, mm and nn are all 0)")
        if not (self.ss or self.mm):
            raise ValueError("nn alone has nothing to learn from until the queue fills: combine it with ss or mm")

    def weights(self) -> PrimusWeights:
        return PrimusWeights(self.ss, self.mm, self.nn, self.ss_temperature)

    def to_dict(self) -> dict:
        return asdict(self)


class ClipObjective:
    """UniMTS: symmetric InfoNCE between windows and their captions (identical captions not negatives)."""

    def __call__(self, net: nn.Module, batch: Batch, text_features: torch.Tensor,
                 generator: torch.Generator) -> tuple[torch.Tensor, dict[str, float]]:
        loss = net(batch.x, batch.mask, text_features[batch.caption], batch.caption, batch.valid_len,
                   batch.channel_mask)
        return loss, {}

    term_names: tuple[str, ...] = ()  # no separate terms: the loss is the InfoNCE

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


class PrimusObjective:
    """PRIMUS: SimCLR between a window and its augmented view, IMU-text (+video) InfoNCE, and InfoNCE with
    the features of each window's nearest queue entry. The queue is filled with every rank's batch."""

    def __init__(self, recipe: PrimusRecipe, embed_dim: int, text_dim: int, video_dim: int,
                 device: torch.device) -> None:
        self.recipe = recipe
        self.term_names = tuple(k for k in ("ss", "mm", "nn") if getattr(recipe, k))
        self.queue = FeatureQueue(recipe.queue_size, embed_dim, text_dim, video_dim, device)

    def __call__(self, net: nn.Module, batch: Batch, text_features: torch.Tensor,
                 generator: torch.Generator) -> tuple[torch.Tensor, dict[str, float]]:
        r = self.recipe
        text = text_features[batch.caption]
        x_aug = None
        if r.ss:
            x_aug = augment_view(batch.x, r.ss_augmentations, generator, batch.valid_len)
            x_aug = x_aug * batch.mask[:, None, :, None].to(batch.x.dtype)
        neighbours = None
        if r.nn and self.queue.ready(r.nn_min_fill):
            neighbours = self.queue.take(self.queue.nearest(text, batch.video, batch.has_video))
        out = net(batch.x, batch.mask, text, batch.caption, x_aug=x_aug, weights=r.weights(),
                  video=batch.video, has_video=batch.has_video, neighbours=neighbours, valid_len=batch.valid_len,
                  channel_mask=batch.channel_mask)
        if r.nn:
            self._push(out.imu, text, batch)
        return out.loss, {k: float(v.detach()) for k, v in out.terms.items()}

    def _push(self, imu: torch.Tensor, text: torch.Tensor, batch: Batch) -> None:
        video = None if batch.video is None else gather(batch.video)
        has = None if batch.has_video is None else gather(batch.has_video.to(torch.uint8)).bool()
        self.queue.push(gather(imu), gather(text), gather(batch.caption), video, has)

    def state_dict(self) -> dict:
        return {"queue": self.queue.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.queue.load_state_dict(state["queue"])

