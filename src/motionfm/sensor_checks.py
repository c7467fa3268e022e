"""Does a sensor's data look like a working sensor's? Dead or stuck axes, clipping.

Samples are (T, 6) = [ax, ay, az, gx, gy, gz] in SI units (m/s^2, rad/s); the gyroscope columns are ignored
when the sensor has none. A working MEMS sensor's noise moves every axis by a few least significant bits, so
an axis that reads one value throughout while the sensor moves is dead or stuck, and the model would read it
as real motion; an axis that sits at one extreme value for many samples is clipped by the sensor's range.
Used on user recordings (``motionfm.io``) and on the Python API's input (``motionfm.api``).
"""

from __future__ import annotations

import numpy as np

from .units import GRAVITY

MOVING_ACC = 0.5  # m/s^2 peak-to-peak on some accelerometer axis: the sensor was moved (beyond noise)
MOVING_GYRO = 0.1  # rad/s peak-to-peak on some gyroscope axis: the sensor turned (beyond noise)
CLIP_SHARE = 0.005  # this share of a column's samples at its exact maximum (or minimum) means clipping
CLIP_MIN_SAMPLES = 10


class StuckAxisError(ValueError):
    """An axis reads one value throughout while the sensor moves; ``gyro`` says whether it is a gyroscope axis."""

    def __init__(self, message: str, gyro: bool) -> None:
        super().__init__(message)
        self.gyro = gyro


def _columns(has_gyro: bool) -> range:
    return range(6 if has_gyro else 3)


def check_stuck_axes(x: np.ndarray, names: tuple[str, ...], has_gyro: bool) -> str | None:
    """StuckAxisError when an axis of ``x`` (T, 6) SI reads one value throughout while the sensor moves (an
    accelerometer axis first); a warning text when axes are constant and the sensor never moves (still, or
    dead); None otherwise. ``names`` (6,) name the columns in messages."""
    ptp = np.ptp(x[:, :6 if has_gyro else 3], axis=0)
    stuck = [c for c in _columns(has_gyro) if ptp[c] == 0]
    if not stuck:
        return None
    moving = bool(np.any(ptp[:3] > MOVING_ACC) or has_gyro and np.any(ptp[3:6] > MOVING_GYRO))
    if not moving:
        return (f"{', '.join(names[c] for c in stuck)} read one value throughout and the sensor never moves: "
                f"a still sensor, or a dead one")
    acc = [c for c in stuck if c < 3]
    cols = acc or stuck
    what = "accelerometer" if acc else "gyroscope"
    values = ", ".join(f"{names[c]} = {x[0, c]:.4g} {'m/s^2' if c < 3 else 'rad/s'}" for c in cols)
    raise StuckAxisError(f"{what} column(s) read one value throughout ({values}) while the sensor moves: a dead "
                         f"or stuck axis, which the model would read as real motion", gyro=not acc)


def clipping_warnings(x: np.ndarray, names: tuple[str, ...], has_gyro: bool) -> list[str]:
    """Warnings for columns of ``x`` (T, 6) SI that sit at their exact maximum or minimum in at least
    CLIP_SHARE of the samples (the sensor's range clipped the motion)."""
    out = []
    for c in _columns(has_gyro):
        col = x[:, c]
        for side, value in (("maximum", col.max()), ("minimum", col.min())):
            count = int(np.count_nonzero(col == value))
            if count >= max(CLIP_MIN_SAMPLES, CLIP_SHARE * len(col)) and count < len(col):
                unit = f"{value / GRAVITY:.2f} g" if c < 3 else f"{value:.3g} rad/s"
                out.append(f"{names[c]} sits at its {side} ({unit}) in {100 * count / len(col):.1f} % of the "
                           f"samples: the sensor's range clips this motion, so labels of vigorous activities may "
                           f"be off")
    return out
