"""Classification metrics of the evaluation protocol: accuracy, macro-F1, recall@2; calibration error."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score


def recall_at_k(y: np.ndarray, scores: np.ndarray, k: int = 2) -> float:
    """Fraction of samples whose true class is among the k highest scores (n, n_classes)."""
    top = np.argsort(-scores, axis=1)[:, :k]
    return float((top == y[:, None]).any(axis=1).mean())


def classification_metrics(y: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """{'accuracy', 'macro_f1', 'r_at_2', 'n'} from true labels (n,) and scores (n, n_classes)."""
    pred = scores.argmax(axis=1)
    labels = np.arange(scores.shape[1])
    return {"accuracy": float(accuracy_score(y, pred)),
            "macro_f1": float(f1_score(y, pred, labels=labels, average="macro", zero_division=0)),
            "r_at_2": recall_at_k(y, scores, 2), "n": int(len(y))}


def confusion(y: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) counts, rows = true class."""
    return confusion_matrix(y, pred, labels=np.arange(n_classes))


def calibration_error(y: np.ndarray, proba: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error of the top-class confidence: sum over equal-width confidence bins of
    (share of samples) x |accuracy - mean confidence|. y (n,) class indices, proba (n, n_classes) rows summing
    to 1. 0 for perfectly calibrated probabilities."""
    confidence, pred = proba.max(axis=1), proba.argmax(axis=1)
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    error = 0.0
    for b in np.unique(which):
        sel = which == b
        error += sel.mean() * abs((pred[sel] == y[sel]).mean() - confidence[sel].mean())
    return float(error)
