"""The PRIMUS model: the CNN+GRU encoder with its two heads and the loss L = a*L_ss + b*L_mm + c*L_nn.

Heads: ``imu_proj`` (inherited) is the multimodal head into the space shared with text (and video);
``ss_head`` is the self-supervised head for SimCLR. The text side is a frozen encoder with a trainable
projection, as in the UniMTS model; precomputed video features get a projection when ``video_dim`` > 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import nearest_neighbour_loss, nt_xent
from .imu_text import ImuTextModel, ModelConfig


@dataclass
class PrimusWeights:
    """Loss weights (the paper uses 1, 1, 1; a zero weight switches its term off, for ablations) and the
    SimCLR temperature of the self-supervised term."""

    ss: float = 1.0
    mm: float = 1.0
    nn: float = 1.0
    ss_temperature: float = 0.1


@dataclass
class Neighbours:
    """Features of the support-set rows retrieved for each window of a batch (PRIMUS's L_nn positives)."""

    imu: torch.Tensor  # (B, d) IMU embeddings stored when the row was pushed
    text: torch.Tensor  # (B, text_dim) frozen text features
    text_id: torch.Tensor  # (B,) caption ids (equal captions -> equal ids)
    video: torch.Tensor | None  # (B, video_dim) frozen video features, or None without video
    has_video: torch.Tensor  # (B,) bool


@dataclass
class PrimusOutput:
    loss: torch.Tensor
    terms: dict[str, torch.Tensor]  # the unweighted terms that ran
    imu: torch.Tensor  # (B, embed_dim) unit vectors of the un-augmented windows, detached (for the queue)


class PrimusModel(ImuTextModel):
    """ImuTextModel plus the self-supervised head (and a video projection)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(config)
        hidden = self.encoder.out_dim
        self.ss_head = nn.Linear(hidden, hidden)
        self.video_proj = nn.Linear(config.video_dim, config.embed_dim) if config.video_dim else None

    def embed_video(self, video: torch.Tensor) -> torch.Tensor:
        """(n, video_dim) frozen video features -> (n, embed_dim) unit vectors."""
        if self.video_proj is None:
            raise ValueError("this model has no video projection (video_dim = 0)")
        return F.normalize(self.video_proj(torch.nan_to_num(video)), dim=-1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, text_features: torch.Tensor, ids: torch.Tensor,
                x_aug: torch.Tensor | None = None, weights: PrimusWeights | None = None,
                video: torch.Tensor | None = None, has_video: torch.Tensor | None = None,
                neighbours: Neighbours | None = None, valid_len: torch.Tensor | None = None,
                channel_mask: torch.Tensor | None = None) -> PrimusOutput:
        """The PRIMUS loss of a batch: x, x_aug (B, T, 22, 6) two views, mask (B, 22), text_features
        (B, text_dim), ids (B,) caption ids, video (B, video_dim) with has_video (B,), the queue
        neighbours of each window (None until the queue has filled), valid_len (B,) and channel_mask (B, 6)
        of both views."""
        w = weights or PrimusWeights()
        h = self.encoder(x, mask, valid_len, channel_mask)
        imu = self.project_features(h)
        terms: dict[str, torch.Tensor] = {}
        if w.ss:
            if x_aug is None:
                raise ValueError("the self-supervised term needs the augmented view x_aug")
            h_aug = self.encoder(x_aug, mask, valid_len, channel_mask)
            terms["ss"] = nt_xent(self.ss_head(h), self.ss_head(h_aug), w.ss_temperature)
        if w.mm:
            terms["mm"] = self.loss(imu, self.embed_text(text_features), ids)
            if self._video_ok(video, has_video):
                terms["mm"] = terms["mm"] + self.loss(imu, self.embed_video(video), None, has_video)
        if w.nn and neighbours is not None:
            positives = [(neighbours.imu, None, None), (self.embed_text(neighbours.text), neighbours.text_id, None)]
            if self._video_ok(neighbours.video, neighbours.has_video):
                positives.append((self.embed_video(neighbours.video), None, neighbours.has_video))
            terms["nn"] = nearest_neighbour_loss(self.loss, imu, positives)
        if not terms:
            raise ValueError("no PRIMUS loss term ran (ss and mm are 0 and nn has no queue neighbours yet)")
        return PrimusOutput(sum(getattr(w, k) * v for k, v in terms.items()), terms, imu.detach())

    def _video_ok(self, video: torch.Tensor | None, has_video: torch.Tensor | None) -> bool:
        return self.video_proj is not None and video is not None and has_video is not None

