"""Contrastive losses, one per concept (as in open_clip / lightly).

All take L2-normalisable embeddings (n, d). Under DDP (torch.distributed initialised, world > 1) the
negatives are gathered from every rank with a differentiable all_gather.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

MAX_LOGIT_SCALE = math.log(100.0)


def caption_ids(captions: Sequence[str]) -> torch.Tensor:
    """Stable int64 id per caption text (equal texts -> equal ids, on every rank and run)."""
    return torch.tensor([int.from_bytes(hashlib.blake2b(c.encode(), digest_size=8).digest(), "little", signed=True)
                         for c in captions], dtype=torch.int64)


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


def gather(x: torch.Tensor) -> torch.Tensor:
    """Concatenate x from every rank along dim 0 (gradients flow back to each rank's own part)."""
    if not _distributed():
        return x
    from torch.distributed.nn.functional import all_gather
    return torch.cat(all_gather(x), dim=0)


def _rank_offset(n: int) -> int:
    return dist.get_rank() * n if _distributed() else 0


def info_nce(query: torch.Tensor, keys: torch.Tensor, targets: torch.Tensor, scale: torch.Tensor,
             same: torch.Tensor | None = None) -> torch.Tensor:
    """Cross-entropy of scale * cos(query, keys) against ``targets``; ``same`` (n, m) marks false negatives.

    A key that shares the positive's content (same caption) is removed from the denominator, not pushed away.
    """
    logits = scale * F.normalize(query, dim=-1) @ F.normalize(keys, dim=-1).T
    if same is not None:
        positive = F.one_hot(targets, keys.shape[0]).bool()
        logits = logits.masked_fill(same & ~positive, float("-inf"))
    return F.cross_entropy(logits, targets)


class ClipLoss(nn.Module):
    """Symmetric InfoNCE between paired embeddings with a learnable temperature (log scale, clamped).

    forward(a (n, d), b (n, d), ids (n,) optional) -> scalar. Pairs with equal ids (identical captions) are
    not treated as negatives of each other.
    """

    def __init__(self, init_temperature: float = 0.07, learn_temperature: bool = True) -> None:
        super().__init__()
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / init_temperature)),
                                        requires_grad=learn_temperature)

    def scale(self) -> torch.Tensor:
        return self.logit_scale.clamp(max=MAX_LOGIT_SCALE).exp()

    def forward(self, a: torch.Tensor, b: torch.Tensor, ids: torch.Tensor | None = None) -> torch.Tensor:
        n = a.shape[0]
        targets = torch.arange(n, device=a.device) + _rank_offset(n)
        all_a, all_b = gather(a), gather(b)
        same = None
        if ids is not None:
            ids = ids.to(a.device)
            same = ids[:, None] == gather(ids)[None, :]
        scale = self.scale()
        return 0.5 * (info_nce(a, all_b, targets, scale, same) + info_nce(b, all_a, targets, scale, same))
