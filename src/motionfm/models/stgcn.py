"""ST-GCN: spatio-temporal graph convolution over the 22-joint skeleton (UniMTS's IMU encoder).

Input (B, T, 22, C) windows and a (B, 22) joint-presence mask; output (B, out_dim) embeddings.
Layout follows Yan et al. 2018 as used by UniMTS: input batch-norm over joints x channels, blocks of
graph conv (K=3 'spatial' partition, A D^-1) + temporal conv, learnable edge importance, residuals,
global average pooling over time and joints.

Two ways through the same weights: ``graph='full'`` computes all 22 joints (the published maths; tensors
stay (B, C, T, V) and the graph convolution is one matmul over the joint axis plus one 1x1 conv),
``graph='present'`` computes only the present joints and their ``hops``-hop neighbourhood as a flat list of
nodes (cheaper by design; a different function of the same parameters).

Both take ``valid_len`` (padding carries no signal) and ``channel_mask`` (absent channels, e.g. no gyroscope,
get the learned ``channel_missing`` values after the input norm); see ``presence`` for the design.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..skeleton import NUM_JOINTS, spatial_partition
from .presence import (MISSING, absent_channels, downsampled, fill_missing_parameter, masked_time_mean, time_mask,
                       valid_lengths)


GRAPHS = ("full", "present")


@dataclass
class STGCNConfig:
    """Encoder shape. ``channels[i]``/``strides[i]`` describe block i; strides act on time."""

    in_channels: int = 6
    channels: tuple[int, ...] = (64, 64, 64, 64, 128, 128, 128, 256, 256, 512)
    strides: tuple[int, ...] = (1, 1, 1, 1, 2, 1, 1, 2, 1, 1)
    temporal_kernel: int = 9
    edge_importance: bool = True
    dropout: float = 0.0
    graph: str = "full"  # 'full': all 22 joints; 'present': only present joints + their neighbourhood
    hops: int = 0  # graph='present': neighbourhood radius (graph hops) around the present joints
    masked_padding: bool = True  # read only each window's valid_len samples; False: padding read as signal
    name: str = "custom"
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.channels, self.strides = tuple(self.channels), tuple(self.strides)
        if len(self.channels) != len(self.strides):
            raise ValueError("channels and strides need one entry per block")
        if self.graph not in GRAPHS:
            raise ValueError(f"unknown graph mode {self.graph!r}; known: {', '.join(GRAPHS)}")

    @property
    def out_dim(self) -> int:
        return self.channels[-1]


CONFIGS: dict[str, STGCNConfig] = {
    # exactly the reference layout (5.18 M parameters with 3 input channels)
    "unimts-reference": STGCNConfig(name="unimts-reference"),
    # CPU-friendly: a quarter of the width, six blocks, time quartered within the first two blocks
    "small": STGCNConfig(channels=(32, 32, 64, 64, 128, 128), strides=(2, 2, 1, 2, 1, 1), name="small"),
    # cheaper by design: small's weights, computed on the present joints only (1-5 nodes instead of 22)
    "small-sparse": STGCNConfig(channels=(32, 32, 64, 64, 128, 128), strides=(2, 2, 1, 2, 1, 1),
                                graph="present", hops=0, name="small-sparse"),
    # between the two: the present joints and their skeleton neighbours (e.g. wrist + elbow), small's weights
    "small-local": STGCNConfig(channels=(32, 32, 64, 64, 128, 128), strides=(2, 2, 1, 2, 1, 1),
                               graph="present", hops=1, name="small-local"),
    # for tests and smoke runs
    "tiny": STGCNConfig(channels=(8, 16), strides=(2, 2), temporal_kernel=5, name="tiny"),
}


def stgcn_config(name: str, **overrides) -> STGCNConfig:
    """A named configuration ('unimts-reference', 'small', 'small-sparse', 'small-local', 'tiny') with optional field overrides."""
    if name not in CONFIGS:
        raise ValueError(f"unknown ST-GCN config {name!r}; known: {', '.join(CONFIGS)}")
    base = CONFIGS[name]
    fields = {k: getattr(base, k) for k in ("in_channels", "channels", "strides", "temporal_kernel",
                                            "edge_importance", "dropout", "graph", "hops", "name")}
    return STGCNConfig(**{**fields, **overrides})


def _conv(conv: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """A (kT, 1) Conv2d applied as conv1d over time to node-major x (N, Ci, T) -> (N, Co, T')."""
    return F.conv1d(x, conv.weight.squeeze(-1), conv.bias, conv.stride[0], conv.padding[0])


def _norm(bn: nn.BatchNorm2d, x: torch.Tensor) -> torch.Tensor:
    """A BatchNorm2d over the channels of node-major x (N, C, T): statistics over nodes and time."""
    momentum = 0.0 if bn.momentum is None else bn.momentum
    if bn.training and bn.num_batches_tracked is not None:
        bn.num_batches_tracked.add_(1)
        if bn.momentum is None:  # cumulative moving average, as nn.BatchNorm2d does
            momentum = 1.0 / float(bn.num_batches_tracked)
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias,
                        bn.training or bn.running_mean is None, momentum, bn.eps)


@dataclass
class Edges:
    """The graph between computed nodes: each node's self weight, and directed messages src -> dst."""

    self_weight: torch.Tensor  # (N,) A_0[v, v] times the block's edge importance
    src: torch.Tensor  # (E,) node ids
    dst: torch.Tensor
    part: torch.Tensor  # (E,) adjacency slice of each edge
    weight: torch.Tensor  # (E,) A_part[v_src, v_dst] times the block's edge importance


class GraphConv(nn.Module):
    """Spatial graph convolution with K adjacency slices: y = sum_k A_k^T (x W_k + b_k) over the joint axis."""

    def __init__(self, cin: int, cout: int, k: int) -> None:
        super().__init__()
        self.k = k
        self.conv = nn.Conv2d(cin, cout * k, kernel_size=1)  # output channel k * cout + c belongs to slice k

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """Node-major x (B*V, Ci, T), a (K, V, V), or one adjacency per window (B, K, V, V) -> (B*V, Co, T).

        Joints are aggregated first, on the Ci input channels (fewer than K x Co), by one batched matmul
        over the joint axis whose output is already laid out (B, W, K, Ci, T); one 1x1 conv then mixes
        (K, Ci) -> Co and the conv bias becomes a per-joint bias sum_k b_k colsum(A_k). No permutes; same
        maths as einsum('bkctv,kvw->bctw', conv(x), a) in (B, C, T, V) layout.
        """
        n, ci, t = x.shape
        k, v = self.k, a.shape[-1]
        rows = a.transpose(-1, -3).transpose(-1, -2).reshape(*a.shape[:-3], v * k, v)  # row (w, k) = A_k[:, w]
        z = torch.matmul(rows, x.view(n // v, v, ci * t)).view(n, k * ci, t)
        weight = self.conv.weight.view(k, -1, ci).permute(1, 0, 2).reshape(-1, k * ci)  # (Co, K*Ci)
        bias = a.sum(dim=-2).transpose(-1, -2) @ self.conv.bias.view(k, -1)  # ([B,] W, Co)
        # conv1d is the fast kernel on CPU; the ONNX exporter needs a kernel of static shape, matmul is the same
        y = torch.matmul(weight, z) if torch.onnx.is_in_onnx_export() else F.conv1d(z, weight[..., None])
        return (y.view(n // v, v, -1, t) + bias[..., None]).view(n, -1, t)

    def forward_nodes(self, x: torch.Tensor, edges: Edges) -> torch.Tensor:
        """x (N, Ci, T) node features -> (N, Co, T): self term plus the messages along the edges."""
        z = F.conv1d(x, self.conv.weight.squeeze(-1), self.conv.bias).view(x.shape[0], self.k, -1, x.shape[2])
        y = z[:, 0] * edges.self_weight[:, None, None]
        if len(edges.src):
            y = y.index_add(0, edges.dst, z[edges.src, edges.part] * edges.weight[:, None, None])
        return y


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
        self.stride = stride

    def forward(self, x: torch.Tensor, graph: torch.Tensor | Edges, lengths: torch.Tensor | None = None
                ) -> torch.Tensor:
        """Node-major x (N, C, T): all joints (N = B*V) with an adjacency (K, V, V), or some, with Edges.

        The modules are the (B, C, T, V) ones (Conv2d (kT, 1), BatchNorm2d), applied as conv1d / batch norm
        over the node-major layout; same weights, same maths. ``lengths`` (N,): valid steps of each node; the
        temporal conv then reads zeros after them (as it would at the end of the truncated window).
        """
        y = self.gcn.forward_nodes(x, graph) if isinstance(graph, Edges) else self.gcn(x, graph)
        bn1, _, conv, bn2, drop = self.tcn
        h = torch.relu_(_norm(bn1, y))
        if lengths is not None:
            h = h * time_mask(lengths, h.shape[-1], h.dtype)[:, None]
        out = drop(_norm(bn2, _conv(conv, h)))
        if isinstance(self.residual, nn.Sequential):
            out = out + _norm(self.residual[1], _conv(self.residual[0], x))
        elif self.residual is not None:
            out = out + x
        return torch.relu_(out)


class STGCN(nn.Module):
    """ST-GCN encoder: (B, T, 22, C) + mask (B, 22) -> (B, out_dim), or (B, every_block_dim) with every block."""

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
        # learned input of absent channels (after the input norm); zero = the behaviour of older weights
        setattr(self, MISSING, nn.Parameter(torch.zeros(NUM_JOINTS, config.in_channels)))

    @property
    def out_dim(self) -> int:
        return self.config.out_dim

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        fill_missing_parameter(self, state_dict, prefix)  # weights saved before channel presence existed
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    @property
    def every_block_dim(self) -> int:
        """Width of ``forward(..., every_block=True)``: every block's pooled channels side by side."""
        return sum(self.config.channels)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None, valid_len: torch.Tensor | None = None,
                channel_mask: torch.Tensor | None = None, every_block: bool = False) -> torch.Tensor:
        """x (B, T, 22, C), mask (B, 22) present joints, valid_len (B,) real leading samples (the rest is
        padding and carries no signal), channel_mask (B, C) or (C,) measured channels -> (B, out_dim).

        ``every_block``: each block's output pooled the same way (mean over valid time, then over the joints, or
        over the present nodes with graph='present'), concatenated
        in block order -> (B, every_block_dim); its last out_dim columns are the usual output."""
        b, t, v, c = x.shape
        if v != NUM_JOINTS or c != self.config.in_channels:
            raise ValueError(f"expected (B, T, {NUM_JOINTS}, {self.config.in_channels}); got {tuple(x.shape)}")
        keep = torch.ones(b, v, device=x.device, dtype=x.dtype) if mask is None else mask.to(x.dtype)
        lengths = valid_lengths(valid_len, b, t, x.device) if self.config.masked_padding else None
        absent = absent_channels(channel_mask, b, c, x.dtype, x.device)
        if lengths is not None:  # padded frames are zeros from here on
            x = x * time_mask(lengths, t, x.dtype)[:, :, None, None]
        if absent is not None:
            x = x * (1 - absent)[:, None, None, :]
        # input norm over the (V * C) channels, statistics over batch and time; absent joints stay exactly 0
        x = self.data_bn(x.permute(0, 2, 3, 1).reshape(b, v * c, t)).view(b, v, c, t)
        if absent is not None:
            x = x + (absent[:, None, :] * getattr(self, MISSING))[..., None]
        x = x * keep[:, :, None, None]
        if self.config.graph == "present" and torch.onnx.is_in_onnx_export():  # static shapes for the exporter
            return self._forward_present_dense(x, keep != 0, lengths, every_block)
        if self.config.graph == "present":
            return self._forward_present(x, keep != 0, lengths, every_block)
        x = x.reshape(b * v, c, t)  # node-major: (B, V, C, T) in memory (a view; reshape for torch.compile's strides)
        node_len = None if lengths is None else lengths.repeat_interleave(v)
        pooled = []
        for i, (block, importance) in enumerate(zip(self.blocks, self.edge_importance)):
            x = block(x, self.adjacency * importance, node_len)
            node_len = None if node_len is None else downsampled(node_len, block.stride)
            if every_block or i == len(self.blocks) - 1:
                pooled.append(_pool_joints(x, node_len, b, v))
        return torch.cat(pooled, dim=1) if every_block else pooled[0]

    def _forward_present(self, x: torch.Tensor, keep: torch.Tensor, lengths: torch.Tensor | None = None,
                         every_block: bool = False) -> torch.Tensor:
        """Only the present joints (and their ``hops`` neighbourhood) as nodes; mean over (valid) time and nodes.

        x (B, V, C, T) normalised input, keep (B, V) bool, lengths (B,) valid steps or None -> (B, out_dim)
        (every_block: (B, every_block_dim)).
        """
        nodes = self._nodes(keep, x.dtype)
        sample, joint = nodes.nonzero(as_tuple=True)
        index = torch.full(nodes.shape, -1, dtype=torch.long, device=x.device)
        index[sample, joint] = torch.arange(len(sample), device=x.device)
        part, src_v, dst_v = (self.adjacency * (1 - torch.eye(NUM_JOINTS, device=x.device))).nonzero(as_tuple=True)
        src, dst = index[:, src_v], index[:, dst_v]  # (B, E0) node ids or -1
        ok = (src >= 0) & (dst >= 0)
        e = ok.nonzero(as_tuple=True)[1]
        h = x[sample, joint]  # (N, C, T)
        node_len = None if lengths is None else lengths[sample]
        pooled = []
        for i, (block, importance) in enumerate(zip(self.blocks, self.edge_importance)):
            a = self.adjacency * importance
            h = block(h, Edges(a[0, joint, joint], src[ok], dst[ok], part[e], a[part, src_v, dst_v][e]), node_len)
            node_len = None if node_len is None else downsampled(node_len, block.stride)
            if every_block or i == len(self.blocks) - 1:
                pooled.append(_pool_nodes(h, node_len, sample, nodes))
        return torch.cat(pooled, dim=1) if every_block else pooled[0]


    def _nodes(self, keep: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """(B, V) bool: the present joints and their ``hops``-hop neighbourhood; a window without sensors gets
        the pelvis as its one (all-zero) node."""
        linked = (self.adjacency.sum(0) > 0).to(dtype)
        nodes = keep
        for _ in range(self.config.hops):
            nodes = nodes | ((nodes.to(dtype) @ linked) > 0)
        return torch.cat([nodes[:, :1] | ~nodes.any(1, keepdim=True), nodes[:, 1:]], dim=1)

    def _forward_present_dense(self, x: torch.Tensor, keep: torch.Tensor, lengths: torch.Tensor | None = None,
                               every_block: bool = False) -> torch.Tensor:
        """_forward_present's maths on all 22 joints with static shapes (for ONNX export): each window's
        adjacency keeps only the edges between its nodes, so the other joints, computed but never linked to a
        node, do not reach the nodes' features, and pooling averages over the nodes alone."""
        b, v, c, t = x.shape
        nodes = self._nodes(keep, x.dtype).to(x.dtype)  # (B, V)
        link = nodes[:, None, :, None] * nodes[:, None, None, :]  # (B, 1, V, V): both ends are nodes
        h = x.reshape(b * v, c, t)
        node_len = None if lengths is None else lengths.repeat_interleave(v)
        pooled = []
        for i, (block, importance) in enumerate(zip(self.blocks, self.edge_importance)):
            h = block(h, (self.adjacency * importance)[None] * link, node_len)
            node_len = None if node_len is None else downsampled(node_len, block.stride)
            if every_block or i == len(self.blocks) - 1:
                pooled.append(_pool_joints(h, node_len, b, v, nodes))
        return torch.cat(pooled, dim=1) if every_block else pooled[0]


def _pool_joints(x: torch.Tensor, node_len: torch.Tensor | None, b: int, v: int,
                 nodes: torch.Tensor | None = None) -> torch.Tensor:
    """Node-major block output (B*V, C, T) -> (B, C): mean over (valid) time, then over the V joints, or over
    the joints marked by ``nodes`` (B, V) 0/1 when given."""
    if node_len is None and nodes is None:
        return x.reshape(b, v, x.shape[1], -1).mean(dim=(1, 3))
    per_joint = (x.mean(dim=2) if node_len is None else masked_time_mean(x, node_len)).reshape(b, v, -1)
    if nodes is None:
        return per_joint.mean(dim=1)
    return (per_joint * nodes[..., None]).sum(1) / nodes.sum(1, keepdim=True)


def _pool_nodes(h: torch.Tensor, node_len: torch.Tensor | None, sample: torch.Tensor, nodes: torch.Tensor
                ) -> torch.Tensor:
    """Present-node block output (N, C, T) -> (B, C): mean over (valid) time, then over each window's nodes
    (``sample`` (N,) the window of each node, ``nodes`` (B, V) which joints are nodes)."""
    pooled = h.mean(dim=2) if node_len is None else masked_time_mean(h, node_len)
    total = torch.zeros(len(nodes), pooled.shape[1], device=h.device, dtype=pooled.dtype).index_add_(0, sample, pooled)
    return total / nodes.sum(1, keepdim=True).to(pooled.dtype)
