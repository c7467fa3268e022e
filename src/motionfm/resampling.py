"""Anti-aliased resampling and fixed-length windowing along the time axis (axis 0).

The polyphase resampler is scipy.signal.resample_poly's (Kaiser-windowed FIR, beta 5, 10 taps per rate step,
``padtype="line"``), written out in NumPy because importing scipy.signal takes ~0.6 s of the CLI's start-up;
tests/test_resampling.py checks it equals scipy's to 1e-12. Inputs above SCIPY_ABOVE values go to scipy's
own (faster, C) implementation, so the same numbers come out whichever runs.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

SCIPY_ABOVE = 1_000_000  # values (samples x columns) above which resample() uses scipy.signal itself


def resample(x: np.ndarray, fps_in: float, fps_out: float) -> np.ndarray:
    """Anti-aliased polyphase resampling along axis 0 (edges continue the signal's local trend).

    The mean is taken out before filtering and put back after, so a constant (gravity) passes exactly.
    Output length is ceil(T * fps_out / fps_in).
    """
    ratio = rate_ratio(fps_in, fps_out)
    if ratio == 1:
        return x
    mean = x.mean(axis=0, keepdims=True)
    if x.size > SCIPY_ABOVE:  # large inputs: scipy's C polyphase filter pays for its import (same numbers)
        from scipy.signal import resample_poly
        return resample_poly(x - mean, ratio.numerator, ratio.denominator, axis=0, padtype="line") + mean
    return resample_poly_line(x - mean, ratio.numerator, ratio.denominator) + mean


RATE_TOLERANCE = 2e-3  # relative error of the rate ratio: 20 ms over a 10 s window (29.97 Hz -> 20 Hz as 2/3)


def rate_ratio(fps_in: float, fps_out: float) -> Fraction:
    """fps_out / fps_in as a fraction up/down with a small denominator (the filter grows with it) within
    RATE_TOLERANCE of the true ratio: denominators up to 200 first (29.97 Hz -> 20 Hz: 2/3, 0.1 % off), then up
    to 1,000 and 10,000 (5 kHz -> 20 Hz needs 1/250; limited to 200 it became 1/200, windows 25 % short).
    ValueError for rates that are not positive and finite, or a ratio none of them meets."""
    if not (math.isfinite(fps_in) and math.isfinite(fps_out) and fps_in > 0 and fps_out > 0):
        raise ValueError(f"resampling needs positive, finite rates; got {fps_in!r} Hz -> {fps_out!r} Hz")
    exact = fps_out / fps_in
    for limit in (200, 1000, 10000):
        ratio = Fraction(exact).limit_denominator(limit)
        if ratio > 0 and abs(float(ratio) / exact - 1) <= RATE_TOLERANCE:
            return ratio
    raise ValueError(f"cannot resample {fps_in:g} Hz to {fps_out:g} Hz: their ratio needs a filter for a "
                     f"denominator above 10,000; resample the input to a round rate first")


def lowpass_taps(up: int, down: int) -> tuple[np.ndarray, int]:
    """The anti-alias filter of resampling by up/down: (taps (2 * half + 1,), scaled to gain ``up``; half)."""
    max_rate = max(up, down)
    half = 10 * max_rate
    m = np.arange(2 * half + 1) - half
    h = np.sinc(m / max_rate) * np.kaiser(2 * half + 1, 5.0)
    return h / h.sum() * up, half


def resample_poly_line(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """Resample (T, ...) by up/down along axis 0 with edges extended by the line through the first and last
    samples; (ceil(T * up / down), ...), the input's float dtype (equals scipy.signal.resample_poly(x, up, down,
    axis=0, padtype="line"))."""
    g = math.gcd(up, down)
    up, down = up // g, down // g
    x2 = x.reshape(len(x), -1).astype(np.float64)
    n_in = len(x2)
    n_out = -(-n_in * up // down)
    h, half = lowpass_taps(up, down)
    pre_pad = down - half % down
    h = np.concatenate([np.zeros(pre_pad), h])
    pad = len(h) // up + 2  # input samples each side: every kept output reads real or extended input
    slope = (x2[-1] - x2[0]) / max(n_in - 1, 1)
    xp = np.asfortranarray(np.concatenate([x2[0] + slope * np.arange(-pad, 0)[:, None], x2,
                         x2[-1] + slope * np.arange(1, pad + 1)[:, None]]))  # columns contiguous
    # output r is sample k[r] of the full convolution of h with xp stuffed with up - 1 zeros per sample
    k = ((half + pre_pad) // down + np.arange(n_out)) * down + pad * up
    out = np.empty((n_out, x2.shape[1]))
    for phase in range(up):
        rows = np.nonzero(k % up == phase)[0]
        at = (k[rows] - phase) // up  # output rows[i] = (taps of this phase convolved with xp)[at[i]]
        for c in range(x2.shape[1]):  # np.convolve per column: contiguous, and memory of one column
            out[rows, c] = np.convolve(xp[:, c], h[phase::up])[at]
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    return out.reshape((n_out,) + x.shape[1:]).astype(dtype, copy=False)


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
