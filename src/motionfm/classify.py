"""The main job: zero-shot activity labels for each window of a user's recording.

Long recordings are classified in chunks (an hour of signal at a time by default), so memory stays bounded
whatever the recording's length: the canonical 22-joint windows of a day at 10 s take ~1 GB at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .adapt import embed, label_matrix
from .atomic import atomic_path
from .hub import load_model
from .io import Recording, RecordingError, recording_windows
from .labels import check_distinct_labels
from .orientation import model_rotation, require_gravity, upright_stream
from .values import is_real

CHUNK_S = 3600.0  # seconds of recording turned into windows at a time
MARGIN_S = 5.0  # context kept on each side of a chunk so resampling at its edges sees the real neighbours
BATCH = 32  # windows per forward pass: activations of 256 windows take ~1 GB on the 22-joint layout


@dataclass
class Classification:
    """Scores (n_windows, n_labels) of every window for every label, with window start times (s).

    ``start_time`` is the recording's clock at t = 0 when known (then rows carry absolute times too).
    """

    labels: list[str]
    start_s: np.ndarray
    window_s: float
    scores: np.ndarray
    start_time: pd.Timestamp | None = None

    def rows(self) -> list[dict]:
        order = np.argsort(-self.scores, axis=1)
        clock = self.clock(self.start_s)
        return [{**({"start_time": c.isoformat()} if c is not None else {}), "start_s": float(t),
                 "end_s": float(t + self.window_s), "label": self.labels[o[0]], "score": float(s[o[0]]),
                 "second": self.labels[o[1]], "second_score": float(s[o[1]])}
                for t, s, o, c in zip(self.start_s, self.scores, order, clock)]

    def clock(self, seconds: np.ndarray) -> list[pd.Timestamp | None]:
        """Absolute times of offsets (s) from the recording's start, or Nones without a clock."""
        if self.start_time is None:
            return [None] * len(seconds)
        return list(self.start_time + pd.to_timedelta(np.asarray(seconds, dtype=np.float64), unit="s"))


def chunks(rec: Recording, window_s: float, stride_s: float, chunk_s: float = CHUNK_S
           ) -> Iterator[tuple[Recording, float, float, float, float]]:
    """Pieces of ``rec`` as (sub-recording, its start s, keep windows starting in [lo, hi) s, seconds of
    the recording the piece accounts for).

    Each piece holds ``chunk_s`` seconds of window starts plus MARGIN_S of context each side (a whole
    number of strides, so windows fall where they would without chunking). A recording of one chunk is
    passed whole: results equal classifying it at once.
    """
    chunk_s = max(stride_s, round(chunk_s / stride_s) * stride_s)
    margin = np.ceil(MARGIN_S / stride_s) * stride_s
    for a, b in rec.segments:
        length = (b - a) / rec.fps
        if length <= chunk_s + window_s:
            yield replace(rec, segments=[(a, b)]), 0.0, -np.inf, np.inf, length
            continue
        for lo in np.arange(0.0, length - window_s + 1e-9, chunk_s):
            left = max(0.0, lo - margin)
            right = min(length, lo + chunk_s + window_s + margin)
            i, j = a + int(round(left * rec.fps)), a + int(round(right * rec.fps))
            sub = replace(rec, x=rec.x[i:j], segments=[(0, j - i)])
            yield sub, i / rec.fps, a / rec.fps + lo, a / rec.fps + lo + chunk_s, min(chunk_s, length - lo)


def upright_recording(rec: Recording, window_s: float) -> Recording:
    """The recording with each sensor in its upright frame (motionfm.orientation), for models pre-trained in
    such frames; its typical gravity is taken over ``window_s`` pieces of the whole recording."""
    try:
        require_gravity(rec.acc_gravity)
        return replace(rec, x=upright_stream(rec.x, max(int(round(window_s * rec.fps)), 1)))
    except ValueError as err:  # declared gravity-free, or a sensor without gravity (dead, or linear acceleration)
        raise RecordingError(str(err)) from None


def classify_recording(model, rec: Recording, labels: Sequence[str], window_s: float,
                       stride_s: float | None = None, chunk_s: float = CHUNK_S,
                       progress: Callable[[float], None] = lambda seconds: None) -> Classification:
    """Classify a whole recording chunk by chunk (bounded memory); ``progress`` gets seconds done.

    ``model``: a bundled name, a model folder or a loaded ImuTextModel.
    """
    check_distinct_labels(labels)  # before list(): a string would become its letters
    stride_s = window_s if stride_s is None else stride_s
    for name, value in (("window_s", window_s), ("stride_s", stride_s), ("chunk_s", chunk_s)):
        if not (is_real(value) and value > 0):
            raise ValueError(f"{name} must be a positive number of seconds; got {value!r}")
    net = load_model(model) if isinstance(model, (str, Path)) else model
    rec = upright_recording(rec, window_s) if model_rotation(net) == "upright" else rec
    text = label_matrix(net, list(labels))
    starts, scores = [], []
    for sub, offset, lo, hi, seconds in chunks(rec, window_s, stride_s, chunk_s):
        try:
            w = recording_windows(sub, window_s, stride_s)
        except RecordingError:  # a segment shorter than a window
            progress(seconds)
            continue
        t = w.start_s + offset
        keep = (t >= lo - 1e-6) & (t < hi - 1e-6)
        if keep.any():
            scores.append((embed(net, w.take(keep), batch_size=BATCH) @ text.T).numpy())
            starts.append(t[keep])
        progress(seconds)
    if not starts:
        recording_windows(rec, window_s, stride_s)  # raises the one-line 'too short' error
    return Classification(list(labels), np.concatenate(starts), window_s, np.concatenate(scores), rec.start_time)


def summary(result: Classification) -> dict[str, float]:
    """Seconds attributed to each label (a window's time goes to its top label), largest first."""
    totals = {name: 0.0 for name in result.labels}
    for k in result.scores.argmax(1):
        totals[result.labels[k]] += result.window_s
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def runs(result: Classification) -> list[dict]:
    """Consecutive windows with the same top label merged: start_s, end_s, label, windows, mean score."""
    top = result.scores.argmax(1)
    out: list[dict] = []
    for k, (t, label) in enumerate(zip(result.start_s, top)):
        score = float(result.scores[k, label])
        last = out[-1] if out else None
        if last and last["label"] == result.labels[label] and t <= last["end_s"] + 1e-6:
            last["end_s"], last["windows"] = float(t + result.window_s), last["windows"] + 1
            last["score"] += (score - last["score"]) / last["windows"]
        else:
            out.append({"start_s": float(t), "end_s": float(t + result.window_s), "label": result.labels[label],
                        "windows": 1, "score": score})
    return out


def write_predictions(result: Classification, path: str | Path) -> None:
    """CSV: [start_time,] start_s, end_s, label, score, second, second_score, then one score column per label.

    start_time (ISO 8601) is there when the recording has a clock (dates or Unix times in its time column).
    """
    table = pd.DataFrame(result.rows())
    for k, name in enumerate(result.labels):
        table[f"score:{name}"] = result.scores[:, k]
    with atomic_path(path, suffix=".csv") as tmp:
        table.to_csv(tmp, index=False, float_format="%.4f")
