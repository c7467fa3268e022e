"""Acceleration with gravity removed, the way phones and watches export "linear" or "user" acceleration.

Platforms estimate gravity with a low-pass filter (or a sensor-fusion filter whose gravity estimate behaves
like one) and subtract it; UCI-HAR's body acceleration is the same idea (a 0.3 Hz Butterworth). Here the
estimate is a causal 3rd-order Butterworth low-pass at ``GRAVITY_CUTOFF_HZ``, started at the first sample
(no start-up transient for a still sensor), so a recording and its windows see what a phone would export.
"""

from __future__ import annotations

import numpy as np

GRAVITY_CUTOFF_HZ = 0.3
ACC_GRAVITY = ("included", "removed")  # what an accelerometer's values hold


def gravity_estimate(acc: np.ndarray, fps: float, cutoff_hz: float = GRAVITY_CUTOFF_HZ) -> np.ndarray:
    """Low-pass estimate of gravity along the time axis: acc (..., T, 3) in any unit at ``fps`` Hz -> same shape."""
    if not 0 < cutoff_hz < fps / 2:
        raise ValueError(f"cutoff {cutoff_hz} Hz must lie between 0 and half the rate ({fps / 2:g} Hz)")
    from scipy.signal import butter, sosfilt, sosfilt_zi  # lazy: scipy.signal costs ~0.5 s to import

    acc = np.asarray(acc, dtype=np.float64)
    sos = butter(3, cutoff_hz, fs=fps, output="sos")
    zi = sosfilt_zi(sos)  # (sections, 2): the state of a filter that has seen a constant 1 forever
    first = np.moveaxis(acc[..., :1, :], -2, 0)  # (1, ..., 3)
    state = zi.reshape(zi.shape[0], 2, *([1] * (acc.ndim - 1))) * first[None]
    out, _ = sosfilt(sos, acc, axis=-2, zi=np.moveaxis(state, 1, -2) if acc.ndim > 1 else state)
    return out


def remove_gravity(acc: np.ndarray, fps: float, cutoff_hz: float = GRAVITY_CUTOFF_HZ) -> np.ndarray:
    """Linear acceleration: acc (..., T, 3) minus its low-pass gravity estimate (same shape and unit, float32)."""
    return (np.asarray(acc, dtype=np.float64) - gravity_estimate(acc, fps, cutoff_hz)).astype(np.float32)


def gravity_fir(fps: float, taps: int, cutoff_hz: float = GRAVITY_CUTOFF_HZ) -> np.ndarray:
    """The low-pass gravity estimate's impulse response, first ``taps`` samples (taps,), scaled to unit sum
    (a constant passes exactly): convolved causally with a signal padded by its first sample, it gives
    gravity_estimate up to the truncated tail (1e-4 of gravity at 10 s, 20 Hz)."""
    from scipy.signal import butter, sosfilt

    sos = butter(3, cutoff_hz, fs=fps, output="sos")
    impulse = np.zeros(taps)
    impulse[0] = 1.0
    response = sosfilt(sos, impulse)
    return response / response.sum()
