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
             same: torch.Tensor | None = None, weights: torch.Tensor | None = None,
             key_valid: torch.Tensor | None = None) -> torch.Tensor:
    """Cross-entropy of scale * cos(query, keys) against ``targets``; ``same`` (n, m) marks false negatives.

    A key that shares the positive's content (same caption) is removed from the denominator, not pushed away.
    ``key_valid`` (m,) drops keys that do not exist (e.g. windows without video); ``weights`` (n,) averages
    over the queries that count (a weighted mean; all-zero weights give 0 with the graph kept).
    """
    logits = scale * F.normalize(query, dim=-1) @ F.normalize(keys, dim=-1).T
    drop = same
    if key_valid is not None:
        drop = ~key_valid[None, :] if drop is None else drop | ~key_valid[None, :]
    if drop is not None:
        positive = F.one_hot(targets, keys.shape[0]).bool()
        logits = logits.masked_fill(drop & ~positive, float("-inf"))
    if weights is None:
        return F.cross_entropy(logits, targets)
    losses = F.cross_entropy(logits, targets, reduction="none")
    return (losses * weights).sum() / weights.sum().clamp(min=1)


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

    def forward(self, a: torch.Tensor, b: torch.Tensor, ids: torch.Tensor | None = None,
                valid: torch.Tensor | None = None) -> torch.Tensor:
        """``valid`` (n,) bool: pairs that exist (others are neither anchors nor negatives)."""
        n = a.shape[0]
        targets = torch.arange(n, device=a.device) + _rank_offset(n)
        all_a, all_b = gather(a), gather(b)
        same = None
        if ids is not None:
            ids = ids.to(a.device)
            same = ids[:, None] == gather(ids)[None, :]
        weights = key_valid = None
        if valid is not None:
            valid = valid.to(a.device).bool()
            weights, key_valid = valid.to(a.dtype), gather(valid.to(torch.uint8)).bool()
        scale = self.scale()
        return 0.5 * (info_nce(a, all_b, targets, scale, same, weights, key_valid)
                      + info_nce(b, all_a, targets, scale, same, weights, key_valid))


def nt_xent(a: torch.Tensor, b: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """NT-Xent (SimCLR) between two views (n, d): each window's other view is its positive, the other
    2n - 2 views of the batch (all ranks under DDP) its negatives."""
    n = a.shape[0]
    all_a, all_b = gather(a), gather(b)
    total = all_a.shape[0]
    own = torch.arange(n, device=a.device) + _rank_offset(n)
    keys = torch.cat([all_a, all_b])
    targets = torch.cat([own + total, own])
    itself = F.one_hot(torch.cat([own, own + total]), 2 * total).bool()
    scale = torch.tensor(1.0 / temperature, device=a.device, dtype=a.dtype)
    return info_nce(torch.cat([a, b]), keys, targets, scale, same=itself)


class SimCLRLoss(nn.Module):
    """Module form of nt_xent with a fixed temperature: forward(a (n, d), b (n, d)) -> scalar."""

    def __init__(self, temperature: float = 0.1) -> None:
        super().__init__()
        self.temperature = temperature

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return nt_xent(a, b, self.temperature)


def nearest_neighbour_loss(clip: ClipLoss, imu: torch.Tensor,
                           positives: list[tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]]) -> torch.Tensor:
    """Sum over modalities of the symmetric InfoNCE between each window and its queue neighbour's feature.

    imu (n, d); positives: per modality (features (n, d), ids (n,) or None, valid (n,) or None), e.g. the
    neighbour's IMU, text and video embeddings. Other windows' neighbours are the negatives (NNCLR).
    """
    return sum(clip(imu, feats, ids, valid) for feats, ids, valid in positives)
