"""scikit-learn style estimators over the pre-trained model.

X is either single-sensor recordings (n, time, 6) — [ax, ay, az] m/s^2 with gravity, [gx, gy, gz] rad/s,
sampled at ``fps`` and worn at ``placement`` — or canonical windows (n, time, 22, 6) at ``fps`` (resampled to RATE_HZ, 20 Hz).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .adapt import embed, label_matrix, linear_probe, probe_predict
from .hub import load_model
from .resampling import resample
from .skeleton import NUM_JOINTS, placement_to_joint
from .windows import RATE_HZ, CanonicalWindows, place_sensors


def to_canonical(X, fps: float = RATE_HZ, placement: str = "left_wrist") -> CanonicalWindows:
    """Canonical windows at RATE_HZ from single-sensor (n, T, 6) or canonical (n, T, 22, 6) input at ``fps`` Hz.

    Single-sensor data is placed at ``placement``; for canonical input a joint is present where it is non-zero.
    """
    X = np.asarray(X, dtype=np.float32)  # finiteness is checked by CanonicalWindows
    if X.ndim == 4 and X.shape[2:] == (NUM_JOINTS, 6):
        X = _resample_time(X, fps) if fps != RATE_HZ else X
        return CanonicalWindows(X, np.abs(X).sum(axis=(1, 3)) > 0)
    if X.ndim != 3 or X.shape[2] != 6:
        raise ValueError(f"X must be (n, time, 6) single-sensor recordings or (n, time, 22, 6) windows; got {X.shape}")
    joint = placement_to_joint(placement)
    return CanonicalWindows(*place_sensors(_resample_time(X, fps) if fps != RATE_HZ else X, joint))


def _resample_time(X: np.ndarray, fps: float) -> np.ndarray:
    """Resample (n, time, ...) along time from ``fps`` to RATE_HZ."""
    return np.moveaxis(resample(np.moveaxis(X, 1, 0), fps, RATE_HZ), 0, 1).astype(np.float32)


class _Base(BaseEstimator):
    def _model(self):
        if getattr(self, "model_", None) is None or getattr(self, "_loaded_from", None) != self.model:
            self.model_ = load_model(self.model)
            self._loaded_from = self.model
        return self.model_

    def _embed(self, X) -> torch.Tensor:
        return embed(self._model(), to_canonical(X, self.fps, self.placement))


class Embedder(_Base, TransformerMixin):
    """Windows -> unit-norm embeddings in the shared IMU-text space: transform(X) -> (n, d)."""

    def __init__(self, model: str = "default", fps: float = RATE_HZ, placement: str = "left_wrist") -> None:
        self.model, self.fps, self.placement = model, fps, placement

    def fit(self, X=None, y=None) -> Embedder:
        self._model()
        return self

    def transform(self, X) -> np.ndarray:
        return self._embed(X).numpy()


class ZeroShotClassifier(_Base, ClassifierMixin):
    """Classify windows by any label names, with no training: predict(X) -> labels."""

    def __init__(self, labels: Sequence[str] = ("walking", "sitting"), synonyms: dict | None = None,
                 model: str = "default", fps: float = RATE_HZ, placement: str = "left_wrist") -> None:
        self.labels, self.synonyms, self.model, self.fps, self.placement = labels, synonyms, model, fps, placement

    def fit(self, X=None, y=None) -> ZeroShotClassifier:
        """Nothing to learn; builds the label embeddings."""
        if len(self.labels) < 2:
            raise ValueError("give at least two labels")
        self.classes_ = np.array(list(self.labels))
        self.label_matrix_ = label_matrix(self._model(), list(self.labels), self.synonyms)
        return self

    def decision_function(self, X) -> np.ndarray:
        """(n, n_labels) cosine similarities."""
        if not hasattr(self, "label_matrix_"):
            self.fit()
        return (self._embed(X) @ self.label_matrix_.T).numpy()

    def predict_proba(self, X) -> np.ndarray:
        scale = float(self._model().loss.scale().detach())
        return torch.softmax(torch.as_tensor(self.decision_function(X)) * scale, dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.decision_function(X).argmax(axis=1)]


class LinearProbeClassifier(_Base, ClassifierMixin):
    """A linear classifier on frozen embeddings: fit(X, y).predict(X)."""

    def __init__(self, model: str = "default", fps: float = RATE_HZ, placement: str = "left_wrist",
                 epochs: int = 300, init_from_text: bool = True) -> None:
        self.model, self.fps, self.placement, self.epochs, self.init_from_text = model, fps, placement, epochs, init_from_text

    def fit(self, X, y) -> LinearProbeClassifier:
        y = np.asarray(y)
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("need at least two classes to fit a classifier")
        init = label_matrix(self._model(), [str(c) for c in self.classes_]) if self.init_from_text \
            and self.classes_.dtype.kind in "US" else None
        self.head_ = linear_probe(self._embed(X), codes, len(self.classes_), init=init, epochs=self.epochs)
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "head_")
        return torch.softmax(probe_predict(self.head_, self._embed(X)), dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "head_")
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
