"""IMU encoder + projections into a space shared with a frozen text encoder (UniMTS-style model)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import ClipLoss
from .encoders import get_encoder
from .rnn import PrimusConfig
from .stgcn import STGCNConfig

MINILM_DIM = 384  # all-MiniLM-L6-v2's width (text.MiniLMEncoder.dim; tested equal)


@dataclass
class ModelConfig:
    """Which encoder, how wide the shared space is, and which text encoder the text side expects."""

    arch: str = "stgcn"  # or "primus"
    encoder: str = "small"  # a named encoder config of that architecture
    encoder_overrides: dict = field(default_factory=dict)
    embed_dim: int = 256
    text_encoder: str = "minilm"
    text_dim: int = 384
    init_temperature: float = 0.07
    video_dim: int = 0  # > 0: a projection for precomputed video features (PRIMUS)
    # The encoder reads only each window's valid_len samples (models.presence). Models saved before this
    # existed were trained on padding by repetition and load with False (hub.load_model): they read padding
    # as they were trained to.
    masked_padding: bool = True

    def __post_init__(self) -> None:
        """ValueError for sizes or a temperature no model can have, or a text side that cannot be built."""
        for key, low in (("embed_dim", 1), ("text_dim", 1), ("video_dim", 0)):
            value = getattr(self, key)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"model.{key} must be a whole number >= {low}; got {value!r}")
        t = self.init_temperature
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not (math.isfinite(t) and t > 0):
            raise ValueError(f"model.init_temperature must be a positive number (0.07 in UniMTS); got {t!r}")
        if not isinstance(self.text_encoder, str) or not (self.text_encoder == "minilm"
                                                          or self.text_encoder.startswith("clip:")):
            raise ValueError(f"unknown model.text_encoder {self.text_encoder!r}; use 'minilm' or "
                             f"'clip:/path/to/local/clip'")
        if self.text_encoder == "minilm" and self.text_dim != MINILM_DIM:
            raise ValueError(f"model.text_dim must be {MINILM_DIM} for the minilm text encoder; got {self.text_dim}")

    def encoder_config(self) -> STGCNConfig | PrimusConfig:
        """The named encoder configuration of ``arch`` with ``masked_padding`` and ``encoder_overrides`` applied."""
        return get_encoder(self.arch).config(self.encoder, **{"masked_padding": self.masked_padding,
                                                              **self.encoder_overrides})

    def to_dict(self) -> dict:
        return asdict(self)


def build_encoder(config: ModelConfig) -> nn.Module:
    """The IMU encoder named by the config; it maps ((B, T, 22, C), mask, valid_len, channel_mask) -> (B, out_dim)."""
    return get_encoder(config.arch).module(config.encoder_config())


LAYERS = ("blocks", "last")  # what ImuTextModel.features can return: every block pooled, or the encoder output


class ImuTextModel(nn.Module):
    """IMU windows and text features in one embedding space.

    embed_imu: (B, T, 22, 6) + (B, 22) mask -> (B, embed_dim) unit vectors.
    embed_text: (n, text_dim) frozen text features -> (n, embed_dim) unit vectors.
    The IMU side also takes ``valid_len`` (B,) real leading samples and ``channel_mask`` (B, 6) measured
    channels (None: all real; see ``models.presence``).
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = build_encoder(config)
        self.imu_proj = nn.Linear(self.encoder.out_dim, config.embed_dim)
        self.text_proj = nn.Linear(config.text_dim, config.embed_dim)
        self.loss = ClipLoss(config.init_temperature)

    @property
    def has_blocks(self) -> bool:
        """Whether the encoder can give every block's pooled output (``features(..., layers='blocks')``)."""
        return hasattr(self.encoder, "every_block_dim")

    def layers_for(self, layers: str) -> str:
        """The ``layers`` this model gives for a request: ValueError when unknown; 'last' where the encoder has
        no blocks (PRIMUS), so a probe asking for every block reads the encoder output there."""
        if layers not in LAYERS:
            raise ValueError(f"unknown layers {layers!r}; use {' or '.join(repr(v) for v in LAYERS)}")
        return layers if self.has_blocks else "last"

    def feature_dim(self, layers: str = "last") -> int:
        """Width of ``features(..., layers=layers)``: encoder.out_dim, or encoder.every_block_dim for 'blocks'."""
        return self.encoder.every_block_dim if self.layers_for(layers) == "blocks" else self.encoder.out_dim

    def features(self, x: torch.Tensor, mask: torch.Tensor | None = None, valid_len: torch.Tensor | None = None,
                 channel_mask: torch.Tensor | None = None, layers: str = "last") -> torch.Tensor:
        """Encoder output before projection, (B, out_dim); ``layers='blocks'``: every block's pooled output side
        by side, (B, encoder.every_block_dim) (ST-GCN encoders; the last out_dim columns are the usual output)."""
        if self.layers_for(layers) != layers:
            raise ValueError(f"the {self.config.encoder} encoder has no blocks to pool: use layers='last'")
        if layers == "last":
            return self.encoder(x, mask, valid_len, channel_mask)
        return self.encoder(x, mask, valid_len, channel_mask, every_block=True)

    def embed_imu(self, x: torch.Tensor, mask: torch.Tensor | None = None, valid_len: torch.Tensor | None = None,
                  channel_mask: torch.Tensor | None = None) -> torch.Tensor:
        """(B, embed_dim) unit vectors in the shared space."""
        return self.project_features(self.encoder(x, mask, valid_len, channel_mask))

    def project_features(self, features: torch.Tensor) -> torch.Tensor:
        """Encoder output (B, out_dim) -> (B, embed_dim) unit vectors in the shared space."""
        return F.normalize(self.imu_proj(features), dim=-1)

    def embed_text(self, text_features: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text_proj(text_features), dim=-1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, text_features: torch.Tensor,
                ids: torch.Tensor | None = None, valid_len: torch.Tensor | None = None,
                channel_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Contrastive loss of a batch of (window, caption) pairs."""
        return self.loss(self.embed_imu(x, mask, valid_len, channel_mask), self.embed_text(text_features), ids)
