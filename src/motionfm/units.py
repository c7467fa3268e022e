"""Unit conversion to the canonical m/s^2 (gravity included) and rad/s, and unit checks against physics.

Two physical facts check a unit claim: a worn sensor's acceleration averages to gravity (1 g) over
seconds, and the direction of gravity in the sensor frame turns exactly as fast as the gyroscope says
(perpendicular to gravity), so a gyroscope off by 180/pi (deg/s read as rad/s or back) shows. On real
recordings with the right units (UCI-HAPT, USC-HAD trials) the gyro/gravity turning ratio lies in 0.11..3.4;
a mix-up moves it by 57x, so it is refused outside 0.03..10 and doubted outside 0.08..4.
"""

from __future__ import annotations

import numpy as np

GRAVITY = 9.80665  # standard gravity, m/s^2

ACC_UNITS = ("m/s2", "g", "mg", "wharf-code")
USER_ACC_UNITS = ACC_UNITS[:3]  # what a user may declare (wharf-code is the WHARF data set's own)
GYRO_UNITS = ("rad/s", "deg/s")
_ALIASES = {"m/s^2": "m/s2", "ms2": "m/s2", "mps2": "m/s2", "m/s²": "m/s2", "dps": "deg/s", "deg": "deg/s",
            "°/s": "deg/s", "rads": "rad/s", "rad": "rad/s", "milli-g": "mg", "millig": "mg"}
_ACC_SCALE = {"m/s2": 1.0, "g": GRAVITY, "mg": GRAVITY / 1000.0}
DEG = 180.0 / np.pi  # the factor a deg/s / rad/s mix-up is off by


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
    if unit == "wharf-code":
        return (-1.5 + acc * (3.0 / 63.0)) * GRAVITY
    return acc * _ACC_SCALE[unit] if unit != "m/s2" else acc


def acc_scale(unit: str) -> float:
    """Factor from a user unit (m/s2, g, mg) to m/s^2: for in-place conversion of long recordings."""
    return _ACC_SCALE[normalise_unit(unit, USER_ACC_UNITS, "accelerometer")]


def gyro_to_rads(gyro: np.ndarray, unit: str) -> np.ndarray:
    """Gyroscope values (..., 3) in ``unit`` -> rad/s."""
    unit = normalise_unit(unit, GYRO_UNITS, "gyroscope")
    return np.deg2rad(gyro) if unit == "deg/s" else gyro


SAMPLE_SPANS, SPAN_S = 48, 150.0  # long recordings are checked on 48 spread spans of 150 s (2 h in all)


def sample_spans(length: int, fps: float) -> list[slice]:
    """Up to SAMPLE_SPANS evenly spread slices of SPAN_S seconds covering a recording of ``length`` samples
    (one slice of everything when it is shorter than their total): bounded work and memory for the checks."""
    span = max(2, int(SPAN_S * fps))
    if length <= span * SAMPLE_SPANS:
        return [slice(0, length)]
    starts = np.linspace(0, length - span, SAMPLE_SPANS).astype(int)
    return [slice(int(a), int(a) + span) for a in starts]


def _block_means(x: np.ndarray, n: int) -> np.ndarray:
    """(T, C) -> (T // n, C) means of consecutive blocks of n samples (one row when T < n)."""
    n = max(1, min(n, len(x)))
    k = len(x) // n
    return np.nanmean(x[:k * n].reshape(k, n, -1), axis=1, dtype=np.float64)


def static_magnitude(acc: np.ndarray, fps: float = 50.0) -> float:
    """Median over 1 s blocks of |mean acceleration|: gravity's size in the data's units (robust to motion).

    acc: (T, 3) in any unit; movement averages out within a second, gravity does not.
    """
    n = int(round(fps))
    means = np.concatenate([_block_means(acc[s], n) for s in sample_spans(len(acc), fps)])
    return float(np.nanmedian(np.linalg.norm(means, axis=-1)))


def units_fitting_gravity(magnitude: float, low: float = 0.7, high: float = 1.4) -> list[str]:
    """The accelerometer units ('m/s2', 'g', 'mg', in that order) in which ``magnitude`` (the data's gravity
    size in their own unit, e.g. static_magnitude) reads between ``low`` and ``high`` g."""
    return [unit for unit, scale in _ACC_SCALE.items() if low < magnitude * scale / GRAVITY < high]


def guess_acc_unit(acc: np.ndarray, fps: float = 50.0) -> str:
    """'g', 'm/s2' or 'mg' from gravity's size (static_magnitude); ValueError if none fits."""
    median = static_magnitude(acc, fps)
    fits = units_fitting_gravity(median)
    if fits:
        return fits[0]
    raise ValueError(f"cannot tell accelerometer units: gravity reads {median:.3g}, neither ~1 (g), ~9.8 (m/s^2) "
                     f"nor ~1000 (mg); give the units explicitly")


def check_acc_unit(acc: np.ndarray, unit: str, fps: float = 50.0) -> str | None:
    """Check a declared unit against gravity: ValueError when impossible, a warning text when doubtful, else None.

    acc: (T, 3) in the declared ``unit`` (one of USER_ACC_UNITS).
    """
    magnitude = static_magnitude(acc, fps)
    gravity = magnitude * _ACC_SCALE[unit]
    ratio = gravity / GRAVITY
    if 0.7 < ratio < 1.4:
        return None
    fits = units_fitting_gravity(magnitude)
    if ratio < 0.2 and not fits:
        raise ValueError(f"with accelerometer units {unit} gravity reads {gravity:.3g} m/s^2 (should be 9.8): the "
                         f"data look like acceleration with gravity removed (linear/user acceleration); give total "
                         f"acceleration (add the gravity columns) or pass --acc-gravity removed")
    if fits:
        raise ValueError(f"with accelerometer units {unit} gravity reads {ratio:.3g} g (should be 1): the data are in "
                         f"{fits[0]}; pass --acc-units {fits[0]}")
    if 0.4 < ratio < 2.5:
        return f"gravity reads {ratio:.2f} g with accelerometer units {unit} (expected ~1): check --acc-units"
    raise ValueError(f"with accelerometer units {unit} gravity reads {ratio:.3g} g (should be 1) and no unit "
                     f"(g, m/s2, mg) fits; check the columns (--acc-cols) and units (--acc-units)")


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    """Moving average over n samples along axis 0 (same length; 'valid' part padded at the edges)."""
    if n <= 1 or len(x) <= n:
        return x
    c = np.cumsum(np.concatenate([np.zeros((1, x.shape[1])), x]), axis=0)
    mid = (c[n:] - c[:-n]) / n
    pad = len(x) - len(mid)
    return np.concatenate([np.repeat(mid[:1], pad // 2, 0), mid, np.repeat(mid[-1:], pad - pad // 2, 0)])


def gyro_gravity_ratio(acc: np.ndarray, gyro: np.ndarray, fps: float) -> tuple[float, float]:
    """How fast the gyroscope says the sensor turns vs how fast gravity turns in the sensor frame.

    acc (T, 3) any unit, gyro (T, 3) rad/s as declared, at ``fps`` Hz. Gravity's direction u obeys
    du/dt = -w x u, so the part of w perpendicular to u is du/dt x u. Both are smoothed over 0.5 s
    (linear acceleration is not gravity) and compared as RMS over the recording (over sample_spans of a
    long one).
    Returns (gyro RMS / gravity-turn RMS, gravity-turn RMS in rad/s); the ratio is ~1 for right units,
    ~57 for deg/s read as rad/s and ~1/57 for the reverse.
    """
    return _ratio([_turn_sums(acc[span], gyro[span], fps) for span in sample_spans(len(acc), fps)])


def gyro_gravity_ratio_windows(acc: np.ndarray, gyro: np.ndarray, fps: float) -> tuple[float, float]:
    """gyro_gravity_ratio pooled over separate windows: acc, gyro (n, T, 3) at ``fps`` Hz (gyro in rad/s as
    declared); each window is smoothed and differentiated on its own, so no jump between windows counts."""
    return _ratio([_turn_sums(a, w, fps) for a, w in zip(acc, gyro)])


def _turn_sums(acc: np.ndarray, gyro: np.ndarray, fps: float) -> tuple[float, float, int]:
    """(sum of squared gravity-turn rates, sum of squared gyro rates perpendicular to gravity, samples) of one
    stretch (T, 3) of samples, both smoothed over 0.5 s."""
    n = max(1, int(round(0.5 * fps)))
    if len(acc) < 2:
        return 0.0, 0.0, 0
    a = _smooth(acc.astype(np.float64), n)
    u = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    turn = np.cross(np.gradient(u, 1.0 / fps, axis=0), u)  # (T, 3) rad/s, perpendicular to gravity
    w = _smooth(gyro.astype(np.float64), n)
    w_perp = w - u * np.sum(w * u, axis=1, keepdims=True)
    return float(np.sum(turn ** 2)), float(np.sum(w_perp ** 2)), len(u)


def _ratio(sums: list[tuple[float, float, int]]) -> tuple[float, float]:
    """(gyro RMS / gravity-turn RMS, gravity-turn RMS) from _turn_sums of the stretches of a recording."""
    turn_ss, gyro_ss, count = (sum(s[k] for s in sums) for k in range(3))
    turn_rms, gyro_rms = np.sqrt(turn_ss / max(count, 1)), np.sqrt(gyro_ss / max(count, 1))
    return float(gyro_rms / max(turn_rms, 1e-12)), float(turn_rms)


def check_gyro_unit(acc: np.ndarray, gyro: np.ndarray, fps: float, unit: str) -> str | None:
    """ValueError when the gyroscope, read in ``unit``, cannot agree with gravity's turning; a warning text
    when doubtful; None when consistent or when too little turning happens to tell (still, or noise only).

    acc (T, 3) any unit, gyro (T, 3) already converted to rad/s from the declared ``unit``.
    """
    return judge_gyro_ratio(*gyro_gravity_ratio(acc, gyro, fps), unit)


def judge_gyro_ratio(ratio: float, turn: float, unit: str, fix: str = "pass --gyro-units {other}",
                     check: str = "check --gyro-units and --gyro-cols") -> str | None:
    """check_gyro_unit's verdict on a gyro_gravity_ratio result (ratio, gravity-turn RMS rad/s) for ``unit``;
    ``fix`` (formatted with the other unit) ends the error, ``check`` the warning."""
    gyro_rms = ratio * turn
    if max(gyro_rms, turn) < 0.05:  # both under 3 deg/s: nothing to compare
        return None
    if unit == "rad/s" and ratio > 10 or unit == "deg/s" and ratio < 0.03:
        other = "deg/s" if unit == "rad/s" else "rad/s"
        raise ValueError(f"the gyroscope read in {unit} turns {ratio:.3g}x as fast as gravity turns in the sensor "
                         f"frame (should be ~1); the data look like {other}: {fix.format(other=other)}")
    if gyro_rms < 1e-6:
        return "the gyroscope columns are all zero while gravity turns: is the gyroscope off? (--gyro-cols none)"
    if ratio > 4 or ratio < 0.08:
        return f"the gyroscope read in {unit} turns {ratio:.2g}x as fast as gravity (expected ~1): {check}"
    return None
