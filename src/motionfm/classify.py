"""The main job: zero-shot activity labels for each window of a user's recording."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .adapt import zero_shot_scores
from .atomic import atomic_path
from .hub import load_model
from .windows import CanonicalWindows


@dataclass
class Classification:
    """Scores (n_windows, n_labels) of every window for every label, with window start times (s)."""

    labels: list[str]
    start_s: np.ndarray
    window_s: float
    scores: np.ndarray

    def rows(self) -> list[dict]:
        order = np.argsort(-self.scores, axis=1)
        return [{"start_s": float(t), "end_s": float(t + self.window_s), "label": self.labels[o[0]],
                 "score": float(s[o[0]]), "second": self.labels[o[1]], "second_score": float(s[o[1]])}
                for t, s, o in zip(self.start_s, self.scores, order)]


def classify_windows(model: str, windows: CanonicalWindows, labels: Sequence[str], window_s: float) -> Classification:
    """Score each window (with start times) against each label with the model (bundled name or folder)."""
    if windows.start_s is None:
        raise ValueError("windows need start times (start_s) to be reported on a timeline")
    net = load_model(model)
    scores = zero_shot_scores(net, windows, list(labels)).numpy()
    return Classification(list(labels), windows.start_s, window_s, scores)


def summary(result: Classification) -> dict[str, float]:
    """Seconds attributed to each label (a window's time goes to its top label), largest first."""
    totals = {name: 0.0 for name in result.labels}
    for row in result.rows():
        totals[row["label"]] += result.window_s
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def write_predictions(result: Classification, path: str | Path) -> None:
    """CSV: start_s, end_s, label, score, second, second_score, then one score column per label."""
    table = pd.DataFrame(result.rows())
    for k, name in enumerate(result.labels):
        table[f"score:{name}"] = result.scores[:, k]
    with atomic_path(path, suffix=".csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.4f")
