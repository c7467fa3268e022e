"""Figures people would rather look at than read: activity timeline, confusion matrix, few-shot curve, t-SNE."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def timeline(starts: np.ndarray, ends: np.ndarray, labels: Sequence[str], predicted: np.ndarray,
             scores: np.ndarray, path: str | Path, title: str = "") -> Path:
    """Predicted activity per window as coloured bars over time, with the top score below."""
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(12, 3.6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(labels), 2)))
    for k, name in enumerate(labels):
        sel = predicted == k
        ax.barh(np.full(sel.sum(), k), (ends - starts)[sel], left=starts[sel], color=colours[k], height=0.8)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_title(title or "predicted activity per window")
    ax2.plot((starts + ends) / 2, scores.max(axis=1), ".-", color="k")
    ax2.set_ylabel("score")
    ax2.set_xlabel("time (s)")
    return _save(fig, path)


def confusion_matrix_plot(matrix: np.ndarray, class_names: Sequence[str], path: str | Path, title: str = "") -> Path:
    """Row-normalised confusion matrix with counts."""
    norm = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    size = max(5, 0.45 * len(class_names))
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(class_names)), class_names, rotation=75, ha="right", fontsize=7)
    ax.set_yticks(range(len(class_names)), class_names, fontsize=7)
    for (i, j), v in np.ndenumerate(matrix):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=6, color="white" if norm[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.04)
    return _save(fig, path)


def few_shot_curve(curves: dict[str, tuple[list[int], list[float], list[float]]], path: str | Path,
                   title: str = "") -> Path:
    """Accuracy vs labelled windows per class: {model: (ks, mean accuracy, std)}."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, (ks, mean, std) in curves.items():
        ax.errorbar(ks, mean, yerr=std, marker="o", capsize=3, label=name)
    ax.set_xscale("log")
    ax.set_xticks(sorted({k for ks, _, _ in curves.values() for k in ks}))
    ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.set_xlabel("labelled windows per class (k)")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title)
    return _save(fig, path)


def tsne_plot(embeddings: np.ndarray, y: np.ndarray, class_names: Sequence[str], path: str | Path,
              title: str = "", seed: int = 0) -> Path:
    """2-D t-SNE of embeddings coloured by class."""
    from sklearn.manifold import TSNE

    xy = TSNE(n_components=2, random_state=seed, init="pca",
              perplexity=min(30.0, max(2.0, (len(embeddings) - 1) / 3))).fit_transform(embeddings)
    fig, ax = plt.subplots(figsize=(7, 6))
    cmap = plt.get_cmap("tab20")
    for k, name in enumerate(class_names):
        sel = y == k
        if sel.any():
            ax.scatter(xy[sel, 0], xy[sel, 1], s=6, color=cmap(k % 20), label=name)
    ax.legend(fontsize=6, markerscale=2, loc="best")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    return _save(fig, path)
