"""PRIMUS IMU encoder: GroupNorm input, three dilated Conv1d blocks with pooling, GroupNorm, GRU over time.

One sensor at a time: (N, T, 6) -> (N, hidden). Canonical multi-joint windows (B, T, 22, 6) + mask are
encoded sensor by sensor (only the present ones) and the features averaged over the present sensors.
Windows arrive at 20 Hz (the toolkit's canonical rate); with ``rate_hz`` != 20 they are resampled first so
that the kernels span the durations of the paper's 50 Hz setting. ``valid_len`` and ``channel_mask`` say
which samples and channels are real (padding carries no signal; absent channels get learned values); see
``presence`` for the design.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..skeleton import NUM_JOINTS
from ..windows import RATE_HZ
from .presence import MISSING, absent_channels, fill_missing_parameter, time_mask, valid_lengths


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
    masked_padding: bool = True  # read only each window's valid_len samples; False: padding read as signal
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

    def min_input(self) -> int:
        """Shortest input in samples at the canonical 20 Hz: min_samples() once resampled to rate_hz."""
        n = math.ceil(self.min_samples() * RATE_HZ / self.rate_hz)
        while math.floor(n * self.rate_hz / RATE_HZ) < self.min_samples():  # guard against rounding
            n += 1
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

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """(N, C, L) -> (N, C, steps); with ``lengths`` (N,) each row pools only its first lengths[n] steps."""
        length = x.shape[-1]
        i = torch.arange(self.steps, device=x.device)
        t = torch.arange(length, device=x.device)[:, None]
        if lengths is None:
            start = torch.div(i * length, self.steps, rounding_mode="floor")
            end = torch.div((i + 1) * length + self.steps - 1, self.steps, rounding_mode="floor")
            bins = ((t >= start) & (t < end)).to(x.dtype)  # (L, steps)
            return x @ (bins / bins.sum(0, keepdim=True))
        n = lengths[:, None, None]
        start = torch.div(i * n, self.steps, rounding_mode="floor")  # (N, 1, steps)
        end = torch.div((i + 1) * n + self.steps - 1, self.steps, rounding_mode="floor")
        bins = ((t >= start) & (t < end)).to(x.dtype)  # (N, L, steps)
        return torch.bmm(x, bins / bins.sum(1, keepdim=True))


def _group_norm_valid(norm: nn.GroupNorm, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """GroupNorm of x (N, C, T) with each row's statistics over its first lengths[n] steps only."""
    n, c, t = x.shape
    g = x.view(n, norm.num_groups, -1, t)
    m = time_mask(lengths, t, x.dtype)[:, None, None]  # (N, 1, 1, T)
    count = m.sum(-1, keepdim=True) * g.shape[2]
    mean = (g * m).sum((2, 3), keepdim=True) / count
    var = (((g - mean) * m) ** 2).sum((2, 3), keepdim=True) / count
    y = ((g - mean) / torch.sqrt(var + norm.eps)).view(n, c, t)
    return y * norm.weight[:, None] + norm.bias[:, None] if norm.affine else y


def _valid_after(layer: nn.Module, lengths: torch.Tensor) -> torch.Tensor:
    """Valid steps after an unpadded conv or a max-pool (outputs whose whole window lies in the valid part)."""
    if isinstance(layer, nn.Conv1d):
        return lengths - layer.dilation[0] * (layer.kernel_size[0] - 1)
    if isinstance(layer, nn.MaxPool1d):
        return torch.div(lengths, layer.kernel_size, rounding_mode="floor")
    return lengths


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
        # learned input of absent channels (after the input norm); zero = the behaviour of older weights
        setattr(self, MISSING, nn.Parameter(torch.zeros(config.in_channels)))

    @property
    def out_dim(self) -> int:
        return self.config.out_dim

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        fill_missing_parameter(self, state_dict, prefix)  # weights saved before channel presence existed
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def encode_sensor(self, x: torch.Tensor, valid_len: torch.Tensor | None = None,
                      channel_mask: torch.Tensor | None = None) -> torch.Tensor:
        """One sensor's windows (N, T, 6) at 20 Hz -> (N, hidden): the GRU's last hidden state.

        valid_len (N,): real leading samples (the rest is ignored); channel_mask (N, 6) or (6,): measured channels.
        """
        if x.ndim != 3 or x.shape[-1] != self.config.in_channels:
            raise ValueError(f"expected one sensor's windows (N, T, {self.config.in_channels}); got {tuple(x.shape)}")
        lengths = valid_lengths(valid_len, x.shape[0], x.shape[1], x.device) if self.config.masked_padding else None
        absent = absent_channels(channel_mask, x.shape[0], x.shape[2], x.dtype, x.device)
        x = x.transpose(1, 2)  # (N, C, T)
        if absent is not None:
            x = x * (1 - absent)[:, :, None]
        if lengths is not None:
            x, lengths = self._fill_padding(x, lengths)
        if self.config.rate_hz != RATE_HZ:
            x = F.interpolate(x, scale_factor=self.config.rate_hz / RATE_HZ, mode="linear", align_corners=False)
            if lengths is not None:  # what interpolating the valid part alone gives
                lengths = torch.floor(lengths.double() * (self.config.rate_hz / RATE_HZ)).long()
        if x.shape[-1] < self.config.min_samples():
            seconds = self.config.min_samples() / self.config.rate_hz
            raise ValueError(f"window too short for the PRIMUS encoder: needs at least {seconds:.1f} s")
        h = self.input_norm(x) if lengths is None else _group_norm_valid(self.input_norm, x, lengths)
        if absent is not None:
            h = h + (absent * getattr(self, MISSING))[:, :, None]
        if lengths is None:
            h = self.convs(h)
        else:
            for layer in self.convs:
                h = layer(h, lengths) if isinstance(layer, AdaptiveAvgPool) else layer(h)
                lengths = _valid_after(layer, lengths)
        _, last = self.gru(self.norm(h).transpose(1, 2))  # (N, C, steps) -> GRU over the steps
        return last[-1]

    def _fill_padding(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (N, C, T) with every padded sample replaced from the valid part: the valid part tiled up to the
        encoder's shortest input (``min_input``, when it is shorter), then its last sample held. Returns the
        filled x and the lengths the encoder reads (N,)."""
        t = x.shape[-1]
        used = lengths.clamp(min=min(self.config.min_input(), t))
        steps = torch.arange(t, device=x.device)[None]
        index = torch.minimum(steps, used[:, None] - 1) % lengths[:, None]  # (N, T) source sample of each step
        return x.gather(2, index[:, None].expand_as(x)), used

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, valid_len: torch.Tensor | None = None,
                channel_mask: torch.Tensor | None = None) -> torch.Tensor:
        """(B, T, 22, 6) + mask (B, 22), or one sensor (B, T, 6); valid_len (B,) real leading samples,
        channel_mask (B, 6) or (6,) measured channels -> (B, hidden)."""
        if x.ndim == 3:
            return self.encode_sensor(x, valid_len, channel_mask)
        if x.ndim != 4 or x.shape[2] != NUM_JOINTS:
            raise ValueError(f"expected (B, T, {NUM_JOINTS}, 6) windows or one sensor (B, T, 6); got {tuple(x.shape)}")
        b = x.shape[0]
        mask = torch.ones(b, NUM_JOINTS, dtype=torch.bool, device=x.device) if mask is None else mask.bool()
        rows, joints = mask.nonzero(as_tuple=True)
        lengths = valid_lengths(valid_len, b, x.shape[1], x.device) if self.config.masked_padding else None
        absent = absent_channels(channel_mask, b, x.shape[3], torch.bool, x.device)
        feats = self.encode_sensor(x[rows, :, joints], None if lengths is None else lengths[rows],
                                   None if absent is None else ~absent[rows])  # (N, hidden), N = present sensors
        weights = F.one_hot(rows, b).T.to(feats.dtype)  # (B, N): average over each window's sensors
        return (weights @ feats) / weights.sum(1, keepdim=True).clamp(min=1)
