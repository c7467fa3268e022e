"""Adapting a pre-trained model to a task: zero-shot from label names, a linear probe, LP-FT fine-tuning.

Windows are CanonicalWindows (motionfm.windows): x (n, T, 22, 6) with joint masks (n, 22); labels y (n,) int.
Their ``valid_len`` (padding) and ``channel_mask`` (e.g. no gyroscope) reach the encoder in every forward pass.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .labels import PROMPT_MODES, check_distinct_labels, label_synonyms
from .models import ImuTextModel
from .text import TEMPLATES, label_embeddings, load_text_encoder
from .text import prompts as prompt_texts
from .windows import CanonicalWindows

if TYPE_CHECKING:  # scikit-learn loads in the probe's functions: zero-shot classify never needs it (~0.2-1 s)
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler


def _batches(n: int, size: int):
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def model_inputs(windows: CanonicalWindows, index: slice | np.ndarray, device: torch.device | str
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x, mask, valid_len, channel_mask) of the windows at ``index`` as tensors on ``device``: the
    arguments of every encoder, model and Classifier forward."""
    return tuple(torch.as_tensor(np.ascontiguousarray(a[index]), device=device)  # copies only broadcast rows
                 for a in (windows.x, windows.mask, windows.valid_len, windows.channel_mask))


def embed(model: ImuTextModel, windows: CanonicalWindows, batch_size: int = 256,
          projected: bool = True, layers: str = "last") -> torch.Tensor:
    """(n, d) embeddings of n windows: unit vectors in the shared space (projected) or raw encoder features
    (``layers='blocks'``: every encoder block's pooled output side by side, see ImuTextModel.features).

    Runs in eval mode under inference_mode, ``batch_size`` windows at a time (results do not depend on it;
    on a 2-core CPU 64-256 are equally fast)."""
    model.eval()
    device = next(model.parameters()).device
    out = []
    with torch.inference_mode():
        for s in _batches(len(windows), batch_size):
            inputs = model_inputs(windows, s, device)
            out.append((model.embed_imu(*inputs) if projected else model.features(*inputs, layers=layers)).cpu())
    dim = model.config.embed_dim if projected else model.feature_dim(layers)
    return torch.cat(out).clone() if out else torch.zeros(0, dim)




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
    check_distinct_labels(labels)
    synonyms = label_synonyms(labels, synonyms)
    encoder = load_text_encoder(model.config.text_encoder)
    device = next(model.parameters()).device
    if prompts == "name":
        return model.embed_text(encoder.encode(list(labels)).to(device)).cpu()
    if prompts == "text-mean":
        return model.embed_text(label_embeddings(encoder, labels, synonyms, templates).to(device)).cpu()
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


@torch.no_grad()
def predict_logits(net: nn.Module, windows: CanonicalWindows, batch_size: int = 256) -> torch.Tensor:
    """(n, n_classes) logits of a classifier on n windows."""
    net.eval()
    device = next(net.parameters()).device
    return torch.cat([net(*model_inputs(windows, s, device)).cpu() for s in _batches(len(windows), batch_size)])


@dataclass
class Probe:
    """A linear probe: standardisation, then multinomial logistic regression; scores cover all n_classes."""

    scaler: StandardScaler
    model: LogisticRegression
    n_classes: int
    C: float

    def scores(self, features: np.ndarray | torch.Tensor) -> np.ndarray:
        """(n, n_classes) log-probabilities of (n, d) features; -inf for classes absent from training."""
        f = self.scaler.transform(_numpy(features))
        out = np.full((len(f), self.n_classes), -np.inf)
        with np.errstate(divide="ignore"):  # a probability that underflows to 0 is log 0 = -inf: expected
            log_p = self.model.predict_log_proba(f)
        out[:, self.model.classes_] = log_p
        return out


PROBE_CS = (0.001, 0.01, 0.1, 1.0, 10.0)


def _numpy(features: np.ndarray | torch.Tensor) -> np.ndarray:
    return (features.numpy() if isinstance(features, torch.Tensor) else np.asarray(features)).astype(np.float64)


def macro_f1(y: np.ndarray, scores: np.ndarray) -> float:
    """Macro-F1 of the argmax of (n, n_classes) scores over all n_classes (absent classes score 0)."""
    from sklearn.metrics import f1_score
    return float(f1_score(y, scores.argmax(1), labels=np.arange(scores.shape[1]), average="macro", zero_division=0))


def fit_probe(features: np.ndarray | torch.Tensor, y: np.ndarray, n_classes: int,
              val_features: np.ndarray | torch.Tensor | None = None, val_y: np.ndarray | None = None,
              Cs: Sequence[float] = PROBE_CS, seed: int = 0, max_iter: int = 500) -> Probe:
    """Logistic regression on standardised (n, d) features; C is the one with the best macro-F1 on the
    validation features (the largest C of the grid wins ties), or ``Cs[0]`` alone when no validation set is given.

    Each candidate is fitted on the training features only, so the chosen one is the training-set fit at that C.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    f = _numpy(features)
    if len(np.unique(y)) < 2:
        raise ValueError("a probe needs at least two classes in its training labels")
    scaler = StandardScaler().fit(f)
    fs = scaler.transform(f)
    grid = list(Cs) if val_features is not None and val_y is not None else list(Cs)[:1]
    best: tuple[float, Probe] | None = None
    for c in grid:
        lr = LogisticRegression(C=c, max_iter=max_iter, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            lr.fit(fs, y)
        probe = Probe(scaler, lr, n_classes, float(c))
        score = macro_f1(val_y, probe.scores(val_features)) if len(grid) > 1 else 0.0
        if best is None or score >= best[0]:
            best = (score, probe)
    return best[1]


@dataclass
class Rocket:
    """A fitted MiniRocket transform and the joints whose channels it reads."""

    transform: object
    joints: np.ndarray

    def channels(self, windows: CanonicalWindows) -> np.ndarray:
        """(n, 6 * sensors, T) of the fitted joints' channels."""
        x = windows.x[:, :, self.joints]
        return np.ascontiguousarray(np.moveaxis(x, 1, -1).reshape(len(x), -1, x.shape[1]))


def minirocket_fit(windows: CanonicalWindows, seed: int = 0) -> Rocket:
    """MiniRocket (aeon) fitted on the inputs of ``windows`` (no labels): the present joints' channels."""
    from aeon.transformations.collection.convolution_based import MiniRocket

    joints = np.nonzero(windows.mask.any(axis=0))[0]
    rocket = Rocket(MiniRocket(random_state=seed), joints)
    rocket.transform.fit(rocket.channels(windows))
    return rocket


def minirocket_transform(*parts: CanonicalWindows, fit: Rocket | None = None, seed: int = 0) -> list[np.ndarray]:
    """MiniRocket features (n, ~10k) of each part; the transform is ``fit`` or fitted on the first part's inputs."""
    fit = fit or minirocket_fit(parts[0], seed)
    return [np.asarray(fit.transform.transform(fit.channels(p)), dtype=np.float32) for p in parts]


# The embedding block's variance relative to MiniRocket's, chosen on validation; 0 = MiniRocket features alone
# (where the embedding does not help on the validation subjects, the fused row says so with weight 0).
FUSION_WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)


def fuse_features(embedding: np.ndarray, rocket: np.ndarray, reference: tuple[np.ndarray, np.ndarray],
                  weight: float = 1.0) -> np.ndarray:
    """(n, d_e + d_r): each block standardised by the ``reference`` (embedding, rocket) features' statistics
    (training inputs, no labels), the embedding block scaled by sqrt(weight d_r / d_e) so it carries ``weight``
    times the variance of the MiniRocket block (1: equal)."""
    out = []
    for block, ref in zip((embedding, rocket), reference):
        mu, sd = ref.mean(0), ref.std(0)
        out.append((block - mu) / np.where(sd > 0, sd, 1.0))
    out[0] *= np.sqrt(weight * rocket.shape[1] / embedding.shape[1])
    return np.concatenate(out, 1).astype(np.float32)


class Classifier(nn.Module):
    """An encoder with a linear head on its raw features: (B, T, 22, 6), (B, 22) [, valid_len (B,),
    channel_mask (B, 6)] -> (B, n_classes). ``layers``: the features the head reads, as in
    ImuTextModel.features ('last': the encoder output; 'blocks': every block's pooled output side by side).

    ``from_probe`` starts the head from a fitted probe (its standardisation folded into the weights), which is
    the LP step of LP-FT: fine-tuning starts from a trained classifier, never from an untrained one.
    """

    def __init__(self, model: ImuTextModel, n_classes: int, layers: str = "last") -> None:
        super().__init__()
        self.encoder = model.encoder
        self.layers = model.layers_for(layers)
        self.head = nn.Linear(model.feature_dim(self.layers), n_classes)
        self.steps_run = self.best_step = 0  # set by fine_tune: updates made, update of the kept weights

    def from_probe(self, probe: Probe) -> Classifier:
        """Set the head to the probe's decision function: w / sigma, b - w . mu / sigma; absent classes get -30."""
        w = probe.model.coef_ / probe.scaler.scale_[None]
        b = probe.model.intercept_ - w @ probe.scaler.mean_
        if w.shape[0] == 1:  # binary: sklearn keeps one row (class 1 vs 0)
            w, b = np.concatenate([-w / 2, w / 2]), np.array([-b[0] / 2, b[0] / 2])
        weight = np.zeros((probe.n_classes, w.shape[1]))
        bias = np.full(probe.n_classes, -30.0)
        weight[probe.model.classes_], bias[probe.model.classes_] = w, b
        with torch.no_grad():
            self.head.weight.copy_(torch.as_tensor(weight, dtype=self.head.weight.dtype))
            self.head.bias.copy_(torch.as_tensor(bias, dtype=self.head.bias.dtype))
        return self

    def forward(self, x: torch.Tensor, mask: torch.Tensor, valid_len: torch.Tensor | None = None,
                channel_mask: torch.Tensor | None = None) -> torch.Tensor:
        if getattr(self, "layers", "last") == "blocks":  # pickles from before layers existed read the last
            return self.head(self.encoder(x, mask, valid_len, channel_mask, every_block=True))
        return self.head(self.encoder(x, mask, valid_len, channel_mask))


@dataclass
class FineTuneConfig:
    """LP-FT by optimizer steps: a probe head first, then encoder + head with class-balanced batches.

    Early stopping watches macro-F1 on the validation subjects, and only after ``min_steps`` updates.
    """

    epochs: int = 30
    min_steps: int = 150  # updates before early stopping may end the run (and the least any run gets)
    max_steps: int = 3000
    batch_size: int = 64
    lr_head: float = 1e-3
    lr_encoder: float = 1e-4  # lower than the head's: the encoder starts from pre-training
    weight_decay: float = 1e-4
    patience: int = 5  # validations without improvement, counted after min_steps
    validate_every: int = 25  # steps between validations (at most)
    seed: int = 0


def freeze_batchnorm(net: nn.Module) -> nn.Module:
    """Put every BatchNorm layer in eval mode: running statistics stay those of pre-training."""
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
    return net


def balanced_batch(y: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` indices with classes drawn uniformly, then a window of that class uniformly (with replacement)."""
    classes = np.unique(y)
    pools = {c: np.nonzero(y == c)[0] for c in classes}
    picked = rng.choice(classes, size=size)
    return np.array([rng.choice(pools[c]) for c in picked])


def _val_f1(net: nn.Module, val: CanonicalWindows) -> float:
    return macro_f1(val.y, predict_logits(net, val).numpy())


def fine_tune(model: ImuTextModel, train: CanonicalWindows, val: CanonicalWindows, n_classes: int,
              config: FineTuneConfig | None = None, probe: Probe | None = None, layers: str = "last") -> Classifier:
    """LP-FT on labelled ``train`` windows; keeps the weights with the best macro-F1 on ``val``.

    LP: the head starts from ``probe`` (fitted here on the frozen raw features when not given; a given probe
    must have been fitted on the same ``layers``, see Classifier) and reads those features. FT: encoder and
    head train together (AdamW, lr_encoder < lr_head) on class-balanced batches, BatchNorm statistics frozen,
    for max(min_steps, epochs worth of updates) capped at max_steps; after min_steps, ``patience`` validations
    without improvement stop it. The probe's own score is the first candidate, so the result is never untrained.
    """
    config = config or FineTuneConfig()
    if train.y is None or val.y is None:
        raise ValueError("fine-tuning needs labelled windows: give y for the training and validation windows")
    torch.manual_seed(config.seed)
    net = Classifier(copy.deepcopy(model), n_classes, layers)
    device = next(model.parameters()).device
    net.to(device)
    if probe is None:
        probe = fit_probe(embed(model, train, projected=False, layers=net.layers), train.y, n_classes,
                          embed(model, val, projected=False, layers=net.layers), val.y, seed=config.seed)
    net.from_probe(probe)
    opt = torch.optim.AdamW([{"params": net.encoder.parameters(), "lr": config.lr_encoder},
                             {"params": net.head.parameters(), "lr": config.lr_head}],
                            weight_decay=config.weight_decay)
    rng = np.random.default_rng(config.seed)
    y = train.y
    batch = max(2, min(config.batch_size, len(y)))
    total = min(config.max_steps, max(config.min_steps, config.epochs * max(1, len(y) // batch)))
    best, best_state, waited, net.best_step = _val_f1(net, val), copy.deepcopy(net.state_dict()), 0, 0
    for step in range(1, total + 1):
        net.steps_run = step
        freeze_batchnorm(net.train())
        idx = balanced_batch(y, batch, rng)
        logits = net(*model_inputs(train, idx, device))
        loss = F.cross_entropy(logits, torch.as_tensor(y[idx], device=device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % config.validate_every and step != total:
            continue
        score = _val_f1(net, val)
        if score > best:
            best, best_state, waited, net.best_step = score, copy.deepcopy(net.state_dict()), 0, step
        elif step >= config.min_steps:
            waited += 1
            if waited >= config.patience:
                break
    net.load_state_dict(best_state)
    return net.eval()
