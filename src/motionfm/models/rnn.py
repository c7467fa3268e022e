"""PRIMUS IMU encoder: GroupNorm input, three dilated Conv1d blocks with pooling, GroupNorm, GRU over time.

One sensor at a time: (N, T, 6) -> (N, hidden). Canonical multi-joint windows (B, T, 22, 6) + mask are
encoded sensor by sensor (only the present ones) and the features averaged over the present sensors.
Windows arrive at 20 Hz (the toolkit's canonical rate); with ``rate_hz`` != 20 they are resampled first so
that the kernels span the durations of the paper's 50 Hz setting.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..skeleton import NUM_JOINTS
from ..windows import RATE_HZ


@dataclass
class PrimusConfig:
    """Encoder shape (defaults: the paper's layout, about 1.38 M parameters with both heads)."""

    in_channels: int = 6
    conv_channels: int = 32
    kernels: tuple[int, ...] = (10, 5, 5)
    dilation: int = 2
    pool: int = 3
    pooled_steps: int = 32  # AdaptiveAvgPool after the last conv
    hidden: int = 512  # GRU width = feature size
    rate_hz: float = 50.0  # rate the convolutions run at
    name: str = "primus"

    def __post_init__(self) -> None:
        self.kernels = tuple(self.kernels)

    @property
    def out_dim(self) -> int:
        return self.hidden

    def min_samples(self) -> int:
        """Shortest input (samples at rate_hz) the conv/pool stack accepts."""
        n = 1
        for i, k in reversed(list(enumerate(self.kernels))):
            n = n + self.dilation * (k - 1)
            if i > 0:
                n *= self.pool
        return n


CONFIGS: dict[str, PrimusConfig] = {
    "primus": PrimusConfig(),
    "primus-tiny": PrimusConfig(conv_channels=8, hidden=32, pooled_steps=8, name="primus-tiny"),  # tests
}


def primus_config(name: str, **overrides) -> PrimusConfig:
    """A named configuration ('primus', 'primus-tiny') with optional field overrides."""
    if name not in CONFIGS:
        raise ValueError(f"unknown PRIMUS config {name!r}; known: {', '.join(CONFIGS)}")
    base = CONFIGS[name]
    return PrimusConfig(**{**base.__dict__, **overrides})


class AdaptiveAvgPool(nn.Module):
    """Same bins as nn.AdaptiveAvgPool1d, computed as a matmul so that ONNX export works for any length
    (the exporter only handles output sizes that divide the input length)."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, C, L) -> (N, C, steps)
        length = x.shape[-1]
        i = torch.arange(self.steps, device=x.device)
        start = torch.div(i * length, self.steps, rounding_mode="floor")
        end = torch.div((i + 1) * length + self.steps - 1, self.steps, rounding_mode="floor")
        t = torch.arange(length, device=x.device)[:, None]
        bins = ((t >= start) & (t < end)).to(x.dtype)  # (L, steps)
        return x @ (bins / bins.sum(0, keepdim=True))


class PrimusEncoder(nn.Module):
    """(B, T, 22, 6) + (B, 22) mask, or one sensor (B, T, 6) -> (B, hidden) features (T at 20 Hz)."""

    def __init__(self, config: PrimusConfig) -> None:
        super().__init__()
        self.config = config
        c, layers, cin = config.conv_channels, [], config.in_channels
        self.input_norm = nn.GroupNorm(2, config.in_channels)
        for i, k in enumerate(config.kernels):
            last = i == len(config.kernels) - 1
            pool = AdaptiveAvgPool(config.pooled_steps) if last else nn.MaxPool1d(config.pool)
            layers += [nn.Conv1d(cin, c, k, dilation=config.dilation), nn.ReLU(inplace=True), pool]
            cin = c
        self.convs = nn.Sequential(*layers)
        self.norm = nn.GroupNorm(4, c)
        self.gru = nn.GRU(c, config.hidden, batch_first=True)

    @property
    def out_dim(self) -> int:
        return self.config.out_dim

    def encode_sensor(self, x: torch.Tensor) -> torch.Tensor:
        """One sensor's windows (N, T, 6) at 20 Hz -> (N, hidden): the GRU's last hidden state."""
        if x.ndim != 3 or x.shape[-1] != self.config.in_channels:
            raise ValueError(f"expected one sensor's windows (N, T, {self.config.in_channels}); got {tuple(x.shape)}")
        x = x.transpose(1, 2)  # (N, C, T)
        if self.config.rate_hz != RATE_HZ:
            x = F.interpolate(x, scale_factor=self.config.rate_hz / RATE_HZ, mode="linear", align_corners=False)
        if x.shape[-1] < self.config.min_samples():
            seconds = self.config.min_samples() / self.config.rate_hz
            raise ValueError(f"window too short for the PRIMUS encoder: needs at least {seconds:.1f} s")
        h = self.norm(self.convs(self.input_norm(x)))  # (N, C, steps)
        _, last = self.gru(h.transpose(1, 2))
        return last[-1]

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if x.ndim == 3:
            return self.encode_sensor(x)
        if x.ndim != 4 or x.shape[2] != NUM_JOINTS:
            raise ValueError(f"expected (B, T, {NUM_JOINTS}, 6) windows or one sensor (B, T, 6); got {tuple(x.shape)}")
        b = x.shape[0]
        mask = torch.ones(b, NUM_JOINTS, dtype=torch.bool, device=x.device) if mask is None else mask.bool()
        rows, joints = mask.nonzero(as_tuple=True)
        feats = self.encode_sensor(x[rows, :, joints])  # (N, hidden), N = present sensors in the batch
        weights = F.one_hot(rows, b).T.to(feats.dtype)  # (B, N): average over each window's sensors
        return (weights @ feats) / weights.sum(1, keepdim=True).clamp(min=1)
