"""ST-GCN: spatio-temporal graph convolution over the 22-joint skeleton (UniMTS's IMU encoder).

Input (B, T, 22, C) windows and a (B, 22) joint-presence mask; output (B, out_dim) embeddings.
Layout follows Yan et al. 2018 as used by UniMTS: input batch-norm over joints x channels, blocks of
graph conv (K=3 'spatial' partition, A D^-1) + temporal conv, learnable edge importance, residuals,
global average pooling over time and joints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ..skeleton import NUM_JOINTS, spatial_partition


@dataclass
class STGCNConfig:
    """Encoder shape. ``channels[i]``/``strides[i]`` describe block i; strides act on time."""

    in_channels: int = 6
    channels: tuple[int, ...] = (64, 64, 64, 64, 128, 128, 128, 256, 256, 512)
    strides: tuple[int, ...] = (1, 1, 1, 1, 2, 1, 1, 2, 1, 1)
    temporal_kernel: int = 9
    edge_importance: bool = True
    dropout: float = 0.0
    name: str = "custom"
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.channels, self.strides = tuple(self.channels), tuple(self.strides)
        if len(self.channels) != len(self.strides):
            raise ValueError("channels and strides need one entry per block")

    @property
    def out_dim(self) -> int:
        return self.channels[-1]


CONFIGS: dict[str, STGCNConfig] = {
    # exactly the reference layout (5.18 M parameters with 3 input channels)
    "unimts-reference": STGCNConfig(name="unimts-reference"),
    # CPU-friendly: a quarter of the width, six blocks, time quartered within the first two blocks
    "small": STGCNConfig(channels=(32, 32, 64, 64, 128, 128), strides=(2, 2, 1, 2, 1, 1), name="small"),
    # for tests and smoke runs
    "tiny": STGCNConfig(channels=(8, 16), strides=(2, 2), temporal_kernel=5, name="tiny"),
}


def stgcn_config(name: str, **overrides) -> STGCNConfig:
    """A named configuration ('unimts-reference', 'small', 'tiny') with optional field overrides."""
    if name not in CONFIGS:
        raise ValueError(f"unknown ST-GCN config {name!r}; known: {', '.join(CONFIGS)}")
    base = CONFIGS[name]
    fields = {k: getattr(base, k) for k in ("in_channels", "channels", "strides", "temporal_kernel",
                                            "edge_importance", "dropout", "name")}
    return STGCNConfig(**{**fields, **overrides})


class GraphConv(nn.Module):
    """Spatial graph convolution with K adjacency slices: sum_k (x W_k) A_k."""

    def __init__(self, cin: int, cout: int, k: int) -> None:
        super().__init__()
        self.k = k
        self.conv = nn.Conv2d(cin, cout * k, kernel_size=1)

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:  # x (B, C, T, V), a (K, V, V)
        b, _, t, v = x.shape
        x = self.conv(x).view(b, self.k, -1, t, v)
        return torch.einsum("bkctv,kvw->bctw", x, a)


class STGCNBlock(nn.Module):
    """Graph conv -> BN-ReLU-temporal conv (stride on time)-BN, plus a residual, then ReLU."""

    def __init__(self, cin: int, cout: int, stride: int, kernel: int, k: int, residual: bool, dropout: float):
        super().__init__()
        self.gcn = GraphConv(cin, cout, k)
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, (kernel, 1), (stride, 1), ((kernel - 1) // 2, 0)),
            nn.BatchNorm2d(cout), nn.Dropout(dropout, inplace=True),
        )
        if not residual:
            self.residual = None
        elif cin == cout and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(nn.Conv2d(cin, cout, 1, (stride, 1)), nn.BatchNorm2d(cout))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        out = self.tcn(self.gcn(x, a))
        if self.residual is not None:
            out = out + self.residual(x)
        return self.relu(out)


class STGCN(nn.Module):
    """ST-GCN encoder: (B, T, 22, C) + mask (B, 22) -> (B, out_dim)."""

    def __init__(self, config: STGCNConfig) -> None:
        super().__init__()
        self.config = config
        a = torch.as_tensor(spatial_partition())
        self.register_buffer("adjacency", a, persistent=False)
        self.data_bn = nn.BatchNorm1d(config.in_channels * NUM_JOINTS)
        cins = (config.in_channels,) + config.channels[:-1]
        self.blocks = nn.ModuleList(
            STGCNBlock(cin, cout, s, config.temporal_kernel, a.shape[0], residual=i > 0, dropout=config.dropout)
            for i, (cin, cout, s) in enumerate(zip(cins, config.channels, config.strides)))
        shape = (len(self.blocks),) + tuple(a.shape)
        self.edge_importance = nn.Parameter(torch.ones(shape), requires_grad=config.edge_importance)

    @property
    def out_dim(self) -> int:
        return self.config.out_dim

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        b, t, v, c = x.shape
        if v != NUM_JOINTS or c != self.config.in_channels:
            raise ValueError(f"expected (B, T, {NUM_JOINTS}, {self.config.in_channels}); got {tuple(x.shape)}")
        keep = torch.ones(b, v, device=x.device, dtype=x.dtype) if mask is None else mask.to(x.dtype)
        x = self.data_bn(x.permute(0, 2, 3, 1).reshape(b, v * c, t)).view(b, v, c, t)
        x = (x * keep[:, :, None, None]).permute(0, 2, 3, 1)  # absent joints stay exactly zero: (B, C, T, V)
        for block, importance in zip(self.blocks, self.edge_importance):
            x = block(x, self.adjacency * importance)
        return x.mean(dim=(2, 3))
