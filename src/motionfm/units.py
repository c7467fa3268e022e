"""Unit conversion to the canonical m/s^2 (gravity included) and rad/s, and a gravity-based unit check."""

from __future__ import annotations

import numpy as np

GRAVITY = 9.80665  # standard gravity, m/s^2

ACC_UNITS = ("m/s2", "g", "wharf-code")
GYRO_UNITS = ("rad/s", "deg/s")
_ALIASES = {"m/s^2": "m/s2", "ms2": "m/s2", "mps2": "m/s2", "dps": "deg/s", "deg": "deg/s", "rads": "rad/s",
            "rad": "rad/s"}


def normalise_unit(unit: str, valid: tuple[str, ...], kind: str) -> str:
    """Canonical spelling of a unit name; ValueError listing the valid ones."""
    key = _ALIASES.get(unit.strip().lower(), unit.strip().lower())
    if key not in valid:
        raise ValueError(f"unknown {kind} unit {unit!r}; use one of: {', '.join(valid)}")
    return key


def acc_to_ms2(acc: np.ndarray, unit: str) -> np.ndarray:
    """Accelerometer values (..., 3) in ``unit`` -> m/s^2.

    'wharf-code' is the WHARF data set's 6-bit code: value 0..63 spans -1.5 g .. +1.5 g.
    """
    unit = normalise_unit(unit, ACC_UNITS, "accelerometer")
    if unit == "g":
        return acc * GRAVITY
    if unit == "wharf-code":
        return (-1.5 + acc * (3.0 / 63.0)) * GRAVITY
    return acc


def gyro_to_rads(gyro: np.ndarray, unit: str) -> np.ndarray:
    """Gyroscope values (..., 3) in ``unit`` -> rad/s."""
    unit = normalise_unit(unit, GYRO_UNITS, "gyroscope")
    return np.deg2rad(gyro) if unit == "deg/s" else gyro


def guess_acc_unit(acc: np.ndarray) -> str:
    """'g' or 'm/s2' from the median magnitude (gravity dominates most recordings); ValueError if neither fits."""
    median = float(np.nanmedian(np.linalg.norm(acc, axis=-1)))
    if 0.7 < median < 1.4:
        return "g"
    if 7.0 < median < 13.5:
        return "m/s2"
    raise ValueError(f"cannot tell accelerometer units: median magnitude {median:.3g} is neither ~1 (g) "
                     f"nor ~9.8 (m/s^2); give the units explicitly")
