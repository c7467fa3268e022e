"""Adapting a pre-trained model to a task: zero-shot from label names, fine-tuning, linear probing.

Windows are CanonicalWindows (motionfm.windows): x (n, T, 22, 6) with joint masks (n, 22); labels y (n,) int.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .models import ImuTextModel
from .text import TEMPLATES, label_embeddings, load_text_encoder
from .text import prompts as prompt_texts
from .windows import CanonicalWindows


def _batches(n: int, size: int):
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def embed(model: ImuTextModel, windows: CanonicalWindows, batch_size: int = 256,
          projected: bool = True) -> torch.Tensor:
    """(n, d) embeddings of n windows: unit vectors in the shared space (projected) or raw encoder features.

    Runs in eval mode under inference_mode, ``batch_size`` windows at a time (results do not depend on it;
    on a 2-core CPU 64-256 are equally fast)."""
    model.eval()
    device = next(model.parameters()).device
    out = []
    with torch.inference_mode():
        for s in _batches(len(windows), batch_size):
            xb, mb = torch.as_tensor(windows.x[s], device=device), torch.as_tensor(windows.mask[s], device=device)
            out.append((model.embed_imu(xb, mb) if projected else model.features(xb, mb)).cpu())
    dim = model.config.embed_dim if projected else model.encoder.out_dim
    return torch.cat(out).clone() if out else torch.zeros(0, dim)


PROMPT_MODES = ("text-mean", "ensemble", "name")


@torch.no_grad()
def label_matrix(model: ImuTextModel, labels: Sequence[str], synonyms: dict[str, Sequence[str]] | None = None,
                 prompts: str = "text-mean", templates: Sequence[str] = TEMPLATES) -> torch.Tensor:
    """(n_labels, d) unit vectors, one per label, from its prompts (templates x the label and its synonyms).

    prompts: 'text-mean' averages the prompts' text features, then projects; 'ensemble' projects each prompt
    into the shared space, normalises, averages and renormalises (open_clip's prompt ensemble); 'name' uses
    the label alone, one prompt.
    """
    if prompts not in PROMPT_MODES:
        raise ValueError(f"unknown prompts {prompts!r}; use {', '.join(PROMPT_MODES)}")
    encoder = load_text_encoder(model.config.text_encoder)
    device = next(model.parameters()).device
    if prompts == "name":
        return model.embed_text(encoder.encode(list(labels)).to(device)).cpu()
    if prompts == "text-mean":
        return model.embed_text(label_embeddings(encoder, labels, synonyms, templates).to(device)).cpu()
    synonyms = synonyms or {}
    rows = [model.embed_text(encoder.encode(prompt_texts(label, synonyms.get(label, ()), templates)).to(device))
            .mean(0) for label in labels]
    return F.normalize(torch.stack(rows), dim=-1).cpu()


def zero_shot_scores(model: ImuTextModel, windows: CanonicalWindows, labels: Sequence[str],
                     synonyms: dict[str, Sequence[str]] | None = None) -> torch.Tensor:
    """(n, n_labels) cosine similarity of each window to each label; argmax is the prediction."""
    return embed(model, windows) @ label_matrix(model, labels, synonyms).T


def few_shot_indices(y: np.ndarray, k: int, seed: int, candidates: np.ndarray | None = None) -> np.ndarray:
    """k indices per class (all of a class if it has fewer), drawn from ``candidates`` with a seeded RNG."""
    candidates = np.arange(len(y)) if candidates is None else np.asarray(candidates)
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(y[candidates]):
        pool = candidates[y[candidates] == c]
        picked.append(rng.choice(pool, size=min(k, len(pool)), replace=False))
    return np.sort(np.concatenate(picked))


class Classifier(nn.Module):
    """A pre-trained (or fresh) encoder with a classification head: (B, T, 22, 6), (B, 22) -> (B, n_classes).

    With ``text_init`` (n_classes, d) the head is cosine similarity in the shared space against the class
    names' text embeddings (trainable), so fine-tuning starts from the zero-shot classifier; otherwise a
    plain linear head on the encoder features.
    """

    def __init__(self, model: ImuTextModel, n_classes: int, text_init: torch.Tensor | None = None) -> None:
        super().__init__()
        self.encoder = model.encoder
        self.text_init = text_init is not None
        if self.text_init:
            self.proj = model.imu_proj
            self.head = nn.Linear(model.config.embed_dim, n_classes, bias=True)
            with torch.no_grad():
                self.head.weight.copy_(F.normalize(text_init.float(), dim=-1) * float(model.loss.scale().clamp(max=30)))
                self.head.bias.zero_()
        else:
            self.head = nn.Linear(model.encoder.out_dim, n_classes)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        z = self.encoder(x, mask)
        return self.head(F.normalize(self.proj(z), dim=-1) if self.text_init else z)


@dataclass
class FineTuneConfig:
    """Fine-tuning schedule by optimizer steps; early stopping watches accuracy on the validation subjects."""

    epochs: int = 30
    min_steps: int = 150  # small (few-shot) training sets still get this many updates
    max_steps: int = 3000
    batch_size: int = 64
    lr: float = 5e-4
    weight_decay: float = 1e-4
    patience: int = 5  # validations without improvement
    seed: int = 0
    freeze_encoder: bool = False


@torch.no_grad()
def predict_logits(net: nn.Module, windows: CanonicalWindows, batch_size: int = 256) -> torch.Tensor:
    """(n, n_classes) logits of a classifier on n windows."""
    net.eval()
    device = next(net.parameters()).device
    x, mask = windows.x, windows.mask
    return torch.cat([net(torch.as_tensor(x[s], device=device), torch.as_tensor(mask[s], device=device)).cpu()
                      for s in _batches(len(x), batch_size)])


def _accuracy(net: nn.Module, windows: CanonicalWindows) -> float:
    return float((predict_logits(net, windows).argmax(1).numpy() == windows.y).mean())


def fine_tune(model: ImuTextModel, train: CanonicalWindows, val: CanonicalWindows, n_classes: int,
              config: FineTuneConfig | None = None, text_init: torch.Tensor | None = None) -> Classifier:
    """Train encoder + head on labelled ``train`` windows; keep the weights with the best ``val`` accuracy.

    Runs max(epochs, min_steps) worth of updates (capped by max_steps), validating about once an epoch
    (at least every 25 steps); stops after ``patience`` validations without improvement. Never sees test data.
    """
    config = config or FineTuneConfig()
    if train.y is None or val.y is None:
        raise ValueError("fine-tuning needs labelled windows: give y for the training and validation windows")
    torch.manual_seed(config.seed)
    net = Classifier(copy.deepcopy(model), n_classes, text_init)
    net.encoder.requires_grad_(not config.freeze_encoder)
    device = next(model.parameters()).device
    net.to(device)
    opt = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=config.lr,
                            weight_decay=config.weight_decay)
    rng = np.random.default_rng(config.seed)
    x, mask, y = train.x, train.mask, train.y
    batch = min(config.batch_size, len(y))
    per_epoch = max(1, len(y) // batch)
    total = min(config.max_steps, max(config.min_steps, config.epochs * per_epoch))
    every = max(min(per_epoch, 100), 25)
    best, best_state, waited = _accuracy(net, val), copy.deepcopy(net.state_dict()), 0
    for step in range(1, total + 1):
        net.train()
        idx = rng.choice(len(y), size=max(batch, 2), replace=len(y) < max(batch, 2))
        logits = net(torch.as_tensor(x[idx], device=device), torch.as_tensor(mask[idx], device=device))
        loss = F.cross_entropy(logits, torch.as_tensor(y[idx], device=device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % every and step != total:
            continue
        acc = _accuracy(net, val)
        if acc > best:
            best, best_state, waited = acc, copy.deepcopy(net.state_dict()), 0
        else:
            waited += 1
            if waited >= config.patience:
                break
    net.load_state_dict(best_state)
    return net.eval()


def linear_probe(features: torch.Tensor, y: np.ndarray, n_classes: int, init: torch.Tensor | None = None,
                 epochs: int = 300, lr: float = 0.05, weight_decay: float = 1e-4, seed: int = 0) -> nn.Linear:
    """Logistic regression on frozen, L2-normalised features (full batch, Adam).

    ``init`` (n_classes, d), e.g. the class names' text embeddings, initialises the weights (PRIMUS).
    """
    torch.manual_seed(seed)
    f = F.normalize(features.float(), dim=-1)
    head = nn.Linear(f.shape[1], n_classes)
    if init is not None:
        with torch.no_grad():
            head.weight.copy_(F.normalize(init.float(), dim=-1) * 10.0)
            head.bias.zero_()
    opt = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=weight_decay)
    target = torch.as_tensor(y)
    for _ in range(epochs):
        loss = F.cross_entropy(head(f), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return head.eval()


def probe_predict(head: nn.Linear, features: torch.Tensor) -> torch.Tensor:
    """(n, n_classes) logits of a linear probe on (n, d) features (normalised as in training)."""
    with torch.no_grad():
        return head(F.normalize(features.float(), dim=-1))
