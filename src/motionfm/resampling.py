"""Anti-aliased resampling and fixed-length windowing along the time axis (axis 0)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly


def resample(x: np.ndarray, fps_in: float, fps_out: float) -> np.ndarray:
    """Anti-aliased polyphase resampling along axis 0 (edges continue the signal's local trend).

    The mean is taken out before filtering and put back after, so a constant (gravity) passes exactly.
    Output length is ceil(T * fps_out / fps_in).
    """
    ratio = Fraction(fps_out / fps_in).limit_denominator(200)
    if ratio == 1:
        return x
    mean = x.mean(axis=0, keepdims=True)
    return resample_poly(x - mean, ratio.numerator, ratio.denominator, axis=0, padtype="line") + mean


def sliding_windows(x: np.ndarray, length: int, stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut (T, ...) into windows (n, length, ...), returning (windows, start indices, valid lengths).

    Windows start every ``stride`` samples; a recording shorter than ``length`` gives one window padded
    by repeating the recording from its start (valid length < length says how much is real). The tail
    that does not fill a whole window is dropped when at least one full window exists.
    """
    if length <= 0 or stride <= 0:
        raise ValueError("window length and stride must be positive")
    n = len(x)
    if n == 0:
        raise ValueError("cannot window an empty recording")
    if n < length:
        reps = -(-length // n)
        return np.concatenate([x] * reps)[:length][None], np.array([0]), np.array([n])
    starts = np.arange(0, n - length + 1, stride)
    idx = starts[:, None] + np.arange(length)[None]
    return x[idx], starts, np.full(len(starts), length)
