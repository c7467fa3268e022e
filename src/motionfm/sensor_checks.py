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

MOVING_ACC = 0.3 * GRAVITY  # m/s^2 peak-to-peak on some accelerometer axis: the sensor was clearly moved
MOVING_GYRO = 0.5  # rad/s peak-to-peak on some gyroscope axis: the sensor clearly turned
MOVING_STEPS = 8  # ... and at least this many quantisation steps (coarse sensors flip between a few codes)
CLIP_SHARE = 0.005  # this share of a column's samples at its exact maximum (or minimum) means clipping
CLIP_MIN_SAMPLES = 10
CLIP_PILE = 3  # ... when at least this many times as many samples as at the next value inward (a pile-up)
CLIP_FROM = (1.4 * GRAVITY, 2.0)  # |value| (m/s^2, rad/s) from which a sensor's range can end (+-1.5 g, +-125 deg/s)


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
    moving = any(ptp[c] >= max(MOVING_ACC if c < 3 else MOVING_GYRO, MOVING_STEPS * _step(x[:, c]))
                 for c in _columns(has_gyro))
    if not moving:
        return (f"{', '.join(names[c] for c in stuck)} read one value throughout and the sensor never moves: "
                f"a still sensor, or a dead one")
    acc = [c for c in stuck if c < 3]
    cols = acc or stuck
    what = "accelerometer" if acc else "gyroscope"
    values = ", ".join(f"{names[c]} = {x[0, c]:.4g} {'m/s^2' if c < 3 else 'rad/s'}" for c in cols)
    raise StuckAxisError(f"{what} column(s) read one value throughout ({values}) while the sensor moves: a dead "
                         f"or stuck axis, which the model would read as real motion", gyro=not acc)


def _step(col: np.ndarray) -> float:
    """The smallest non-zero change between consecutive samples: the quantisation step of a coarse sensor."""
    d = np.abs(np.diff(col))
    d = d[d > 0]
    return float(d.min()) if len(d) else 0.0


def _piled(col: np.ndarray, value: float, top: bool) -> int:
    """Samples at the column's extreme ``value`` (its maximum when ``top``) when they pile up: at least
    CLIP_SHARE of the column (and CLIP_MIN_SAMPLES), and CLIP_PILE times as many as at the nearest value
    inward; else 0."""
    count = int(np.count_nonzero(col == value))
    if count < max(CLIP_MIN_SAMPLES, CLIP_SHARE * len(col)) or count == len(col):
        return 0
    nearest = (np.max(col, where=col < value, initial=-np.inf) if top else
               np.min(col, where=col > value, initial=np.inf))
    return count if count >= CLIP_PILE * np.count_nonzero(col == nearest) else 0


def clipping_warnings(x: np.ndarray, names: tuple[str, ...], has_gyro: bool) -> list[str]:
    """Warnings for columns of ``x`` (T, 6) SI whose samples pile up at their exact maximum or minimum
    (_piled) where a sensor's range can end (|value| >= CLIP_FROM): the sensor's range clipped the motion.
    Quantised data whose extreme values merely repeat do not pile up, and their extremes are small."""
    out = []
    for c in _columns(has_gyro):
        col = x[:, c]
        for side, value in (("maximum", col.max()), ("minimum", col.min())):
            if abs(value) < CLIP_FROM[c >= 3]:
                continue
            count = _piled(col, value, top=side == "maximum")
            if count:
                unit = f"{value / GRAVITY:.2f} g" if c < 3 else f"{value:.3g} rad/s"
                out.append(f"{names[c]} sits at its {side} ({unit}) in {100 * count / len(col):.1f} % of the "
                           f"samples: the sensor's range clips this motion, so labels of vigorous activities may "
                           f"be off")
    return out
