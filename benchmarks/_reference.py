"""The ST-GCN forward as it was before the speed work (issue 15): the reference the benchmarks compare with.

Same modules and weights as motionfm's STGCN; layout (B, C, T, V) in memory, data_bn on (B, V*C, T), and the
graph convolution as einsum('bkctv,kvw->bctw') over the 1x1 conv output (which permutes internally).
"""

from __future__ import annotations

import torch


def reference_forward(model, x: torch.Tensor, mask: torch.Tensor | None = None, valid_len=None,
                      channel_mask=None) -> torch.Tensor:
    """(B, T, 22, C) windows + (B, 22) mask -> (B, out_dim) through ``model``'s parameters, the old way.

    ``valid_len`` and ``channel_mask`` are accepted and ignored (the benchmarks' windows are full, all channels
    measured), so the reference stands in for the current forward's signature."""
    b, t, v, c = x.shape
    keep = torch.ones(b, v, dtype=x.dtype) if mask is None else mask.to(x.dtype)
    x = model.data_bn(x.permute(0, 2, 3, 1).reshape(b, v * c, t)).view(b, v, c, t)
    x = (x * keep[:, :, None, None]).permute(0, 2, 3, 1)
    for block, importance in zip(model.blocks, model.edge_importance):
        a = model.adjacency * importance
        y = block.gcn.conv(x).view(b, block.gcn.k, -1, x.shape[2], v)
        out = block.tcn(torch.einsum("bkctv,kvw->bctw", y, a))
        if block.residual is not None:
            out = out + block.residual(x)
        x = block.relu(out)
    return x.mean(dim=(2, 3))
