"""Read a user's recording (CSV or Parquet) and turn it into canonical windows.

Columns: a time column plus ax, ay, az [, gx, gy, gz] (names configurable). The sampling rate is inferred
from the timestamps (median step, robust to jitter); gaps longer than ``max_gap_s`` split the recording and
no window crosses them. Errors are one line and say how to fix the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .resampling import resample, sliding_windows
from .skeleton import JOINT_NAMES, placement_to_joint
from .units import acc_to_ms2, guess_acc_unit, gyro_to_rads, normalise_unit, ACC_UNITS, GYRO_UNITS
from .windows import RATE_HZ, CanonicalWindows, place_sensors

TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
MAX_NAN_FILL = 5  # NaN runs up to this many samples are interpolated; longer ones are an error


class RecordingError(ValueError):
    """The recording cannot be used as given; the message says what to change."""


@dataclass
class RecordingFormat:
    """How to read a recording file."""

    time_col: str | None = "time"  # None: no time column, give fps
    acc_cols: tuple[str, str, str] = ("ax", "ay", "az")
    gyro_cols: tuple[str, str, str] | None = ("gx", "gy", "gz")  # used when present in the file
    acc_units: str | None = None  # 'g' | 'm/s2'; None: guessed from gravity
    gyro_units: str = "rad/s"
    time_unit: str = "auto"  # 's' | 'ms' | 'us' | 'ns' | 'auto'
    fps: float | None = None  # required when there is no time column
    max_gap_s: float = 1.0


@dataclass
class Recording:
    """A single-sensor recording on a uniform grid: x (T, 6) m/s^2 + rad/s at ``fps``; segments split at gaps."""

    x: np.ndarray
    fps: float
    joint: int
    has_gyro: bool
    segments: list[tuple[int, int]] = field(default_factory=list)  # (start, stop) sample ranges
    t0: float = 0.0
    source: str = ""
    acc_units: str = ""

    @property
    def duration(self) -> float:
        return len(self.x) / self.fps


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise RecordingError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return pd.read_csv(path)
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    raise RecordingError(f"{path}: unsupported file type {suffix!r}; use .csv or .parquet")


def _columns(df: pd.DataFrame, names: tuple[str, ...], what: str, flag: str) -> np.ndarray:
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise RecordingError(f"{what} column(s) {', '.join(missing)} not found; the file has: "
                             f"{', '.join(map(str, df.columns))}. Name them with {flag}")
    values = df[list(names)].apply(pd.to_numeric, errors="coerce")
    return values.to_numpy(dtype=np.float64)


def _times_seconds(df: pd.DataFrame, fmt: RecordingFormat) -> np.ndarray:
    if fmt.time_col is None or fmt.time_col not in df.columns:
        if fmt.fps:
            return np.arange(len(df)) / fmt.fps
        raise RecordingError(f"no time column {fmt.time_col!r} (file has: {', '.join(map(str, df.columns))}); "
                             f"name it with --time-col or give the rate with --fps")
    col = df[fmt.time_col]
    if not pd.api.types.is_numeric_dtype(col):
        stamps = pd.to_datetime(col, errors="coerce")
        if stamps.isna().any():
            raise RecordingError(f"time column {fmt.time_col!r} has values that are neither numbers nor dates "
                                 f"(row {int(np.argmax(stamps.isna().to_numpy()))})")
        return (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy()
    t = col.to_numpy(dtype=np.float64)
    if fmt.time_unit != "auto":
        if fmt.time_unit not in TIME_UNITS:
            raise RecordingError(f"unknown time unit {fmt.time_unit!r}; use one of {', '.join(TIME_UNITS)}")
        return t * TIME_UNITS[fmt.time_unit]
    step = np.median(np.diff(t)) if len(t) > 1 else 1.0
    unit = "s" if step < 0.5 else "ms" if step < 500 else "us" if step < 5e5 else "ns"
    return t * TIME_UNITS[unit]


def _check_time(t: np.ndarray) -> None:
    if np.isnan(t).any():
        raise RecordingError(f"time column has an empty or non-numeric value at row {int(np.argmax(np.isnan(t)))}")
    bad = np.nonzero(np.diff(t) <= 0)[0]
    if len(bad):
        raise RecordingError(f"time does not increase at row {bad[0] + 1} (data rows from 0; t={t[bad[0]]:.4f} then "
                             f"{t[bad[0] + 1]:.4f}); sort the file by time and drop duplicate rows")


def _fill_short_nan_runs(x: np.ndarray, t: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    """Interpolate NaN runs of up to MAX_NAN_FILL samples; longer runs are an error naming where."""
    x = x.copy()
    for c in range(x.shape[1]):
        nan = np.isnan(x[:, c])
        if not nan.any():
            continue
        edges = np.diff(np.concatenate([[0], nan.astype(np.int8), [0]]))
        starts, stops = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
        longest = int(np.argmax(stops - starts))
        if stops[longest] - starts[longest] > MAX_NAN_FILL or nan.all():
            raise RecordingError(f"column {names[c]} has {stops[longest] - starts[longest]} missing values in a row "
                                 f"from t={t[starts[longest]]:.2f} s; fill or drop those rows "
                                 f"(runs of up to {MAX_NAN_FILL} are interpolated)")
        x[nan, c] = np.interp(t[nan], t[~nan], x[~nan, c])
    return x


def _uniform(t: np.ndarray, x: np.ndarray, max_gap_s: float) -> tuple[np.ndarray, float, list[tuple[int, int]]]:
    """Resample onto a uniform grid at the median rate; return (x, fps, segments between gaps)."""
    dt = np.diff(t)
    fps = 1.0 / float(np.median(dt))
    grid = np.arange(t[0], t[-1] + 0.5 / fps, 1.0 / fps)
    out = np.stack([np.interp(grid, t, x[:, c]) for c in range(x.shape[1])], axis=1)
    gap_starts = t[:-1][dt > max_gap_s]
    gap_stops = t[1:][dt > max_gap_s]
    cuts = [0]
    for a, b in zip(gap_starts, gap_stops):
        cuts += [int(np.searchsorted(grid, a, "right")), int(np.searchsorted(grid, b, "left"))]
    cuts.append(len(grid))
    segments = [(cuts[k], cuts[k + 1]) for k in range(0, len(cuts), 2) if cuts[k + 1] > cuts[k]]
    return out, fps, segments


def read_recording(path: str | Path, placement: str, fmt: RecordingFormat | None = None) -> Recording:
    """Read a CSV/Parquet recording of one sensor worn at ``placement`` (e.g. 'left_wrist', 'waist')."""
    fmt, path = fmt or RecordingFormat(), Path(path)
    try:
        joint = placement_to_joint(placement)
    except ValueError as err:
        raise RecordingError(str(err)) from None
    df = _read_table(path)
    if len(df) < 2:
        raise RecordingError(f"{path}: has {len(df)} rows; a recording needs many samples")
    t = _times_seconds(df, fmt)
    _check_time(t)
    acc = _columns(df, fmt.acc_cols, "accelerometer", "--acc-cols")
    has_gyro = fmt.gyro_cols is not None and all(c in df.columns for c in fmt.gyro_cols)
    gyro = _columns(df, fmt.gyro_cols, "gyroscope", "--gyro-cols") if has_gyro else np.zeros_like(acc)
    names = tuple(fmt.acc_cols) + (tuple(fmt.gyro_cols) if has_gyro else ("-", "-", "-"))
    raw = _fill_short_nan_runs(np.concatenate([acc, gyro], axis=1), t, names)
    acc_units = _acc_units(raw[:, :3], fmt.acc_units)
    x = np.concatenate([acc_to_ms2(raw[:, :3], acc_units), _gyro(raw[:, 3:], fmt.gyro_units, has_gyro)], axis=1)
    x, fps, segments = _uniform(t, x, fmt.max_gap_s)
    return Recording(x.astype(np.float32), fps, joint, has_gyro, segments, float(t[0]), str(path), acc_units)


def _acc_units(acc: np.ndarray, given: str | None) -> str:
    try:
        return normalise_unit(given, ACC_UNITS[:2], "accelerometer") if given else guess_acc_unit(acc)
    except ValueError as err:
        raise RecordingError(f"{err} (--acc-units g or m/s2)") from None


def _gyro(gyro: np.ndarray, units: str, has_gyro: bool) -> np.ndarray:
    try:
        units = normalise_unit(units, GYRO_UNITS, "gyroscope")
    except ValueError as err:
        raise RecordingError(f"{err} (--gyro-units)") from None
    if has_gyro and units == "rad/s" and np.percentile(np.abs(gyro), 99) > 35.0:
        raise RecordingError("gyroscope values exceed 35 rad/s (2000 deg/s): they look like deg/s; "
                             "pass --gyro-units deg/s")
    return gyro_to_rads(gyro, units)


def recording_windows(rec: Recording, window_s: float = 10.0, stride_s: float | None = None) -> CanonicalWindows:
    """Resample to RATE_HZ and cut windows of ``window_s`` every ``stride_s`` (default: back to back).

    Returns canonical windows with start times (s from the first sample), valid lengths and channel presence.
    """
    length, stride = int(round(window_s * RATE_HZ)), int(round((stride_s or window_s) * RATE_HZ))
    usable = [(a, b) for a, b in rec.segments if (b - a) / rec.fps >= window_s]
    if not usable:
        longest = max((b - a) / rec.fps for a, b in rec.segments)
        raise RecordingError(f"recording is {longest:.1f} s long (longest stretch without a gap) but one window "
                             f"needs {window_s:g} s; record longer or pass a shorter --window")
    xs, starts, valid = [], [], []
    for a, b in usable:
        w, s, v = sliding_windows(resample(rec.x[a:b], rec.fps, RATE_HZ), length, stride)
        xs.append(w)
        starts.append(a / rec.fps + s / RATE_HZ)
        valid.append(v)
    x, mask = place_sensors(np.concatenate(xs), rec.joint)
    return CanonicalWindows(x, mask, valid_len=np.concatenate(valid), channel_mask=[True] * 3 + [rec.has_gyro] * 3,
                            start_s=np.concatenate(starts))


def describe(rec: Recording) -> str:
    """One line about a recording: duration, rate, placement, channels."""
    return (f"{rec.source}: {rec.duration:.1f} s at {rec.fps:.1f} Hz, {JOINT_NAMES[rec.joint]}, "
            f"acc{' + gyro' if rec.has_gyro else ' only'} (acc units {rec.acc_units}), {len(rec.segments)} segment(s)")
