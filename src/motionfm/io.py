"""Read a user's recording (CSV or Parquet) and turn it into canonical windows.

Columns: a time column plus ax, ay, az [, gx, gy, gz] (names configurable), or several sensors in one file
(e.g. ankle, thigh and lower back), each a column group named by a ``SensorColumns``. The sampling rate is
inferred from the timestamps (median step, robust to jitter); gaps longer than ``max_gap_s`` split the
recording and no window crosses them. Errors are one line and say how to fix the input.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .gravity import ACC_GRAVITY
from .resampling import resample, sliding_windows
from .sensor_checks import StuckAxisError, check_stuck_axes, clipping_warnings
from .skeleton import JOINT_NAMES, placement_to_joint
from .tables import (ACC_NAMES, CSV_SUFFIXES, GRAVITY_NAMES, GYRO_NAMES, USER_ACC_NAMES, Table, TableError, find,
                     find_time, find_triplet, read_table)
from .units import (GRAVITY, GYRO_UNITS, USER_ACC_UNITS, acc_scale, check_acc_unit, check_gyro_unit,
                    guess_acc_unit, normalise_unit, sample_spans, static_magnitude, units_fitting_gravity)
from .values import is_real
from .windows import MIN_WINDOW_S, RATE_HZ, CanonicalWindows, place_sensors

TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
MAX_NAN_FILL = 5  # NaN runs up to this many samples are interpolated; longer ones are an error
FILLED_NOTE = 0.01  # a column with more than this share of its samples interpolated gets a warning
MIN_RATE_HZ = 5.0  # below this a recording cannot show gait (steps at ~2 Hz): refused
LOW_RATE_HZ = 9.5  # below this (10 Hz less a clock's drift) a warning: gait harmonics are lost
AMBIGUOUS_STEP = (0.5, 2.0)  # median time steps read as ms (500-2000 Hz) that would be 0.5-2 Hz in seconds


class RecordingError(ValueError):
    """The recording cannot be used as given; the message says what to change."""


DEFAULT_ACC = ("ax", "ay", "az")
DEFAULT_GYRO = ("gx", "gy", "gz")
ACC_LIMIT = 1000 * GRAVITY  # m/s^2: beyond any accelerometer (impact loggers stop near 400 g)
GYRO_LIMIT = 200.0  # rad/s (11,500 deg/s): beyond any gyroscope (they saturate at 35-70 rad/s)


@dataclass
class RecordingFormat:
    """How to read a recording file.

    Column names match case- and punctuation-insensitively; with the default names, common spellings are
    found too (acc_x, Accelerometer X, AccX, userAcceleration.x + gravity.x, gyro_x, rotationRate.x, ...).
    """

    time_col: str | None = "time"  # None: no time column, give fps
    acc_cols: tuple[str, str, str] = DEFAULT_ACC
    gyro_cols: tuple[str, str, str] | None = DEFAULT_GYRO  # the defaults are optional; others must exist
    acc_units: str | None = None  # 'g' | 'm/s2' | 'mg'; None: guessed from gravity
    acc_gravity: str = "included"  # 'removed': linear/user acceleration (then acc_units must be given)
    gyro_units: str = "rad/s"
    time_unit: str = "auto"  # 's' | 'ms' | 'us' | 'ns' | 'auto'
    fps: float | None = None  # required when there is no time column
    max_gap_s: float = 1.0

    def __post_init__(self) -> None:
        """RecordingError naming the field (and its flag) for values of the wrong kind."""
        self.acc_cols = _check_triple(self.acc_cols, "acc_cols (--acc-cols)")
        if self.gyro_cols is not None:
            self.gyro_cols = _check_triple(self.gyro_cols, "gyro_cols (--gyro-cols)")
        for name, value, optional in (("time_col", self.time_col, True), ("acc_units", self.acc_units, True),
                                      ("gyro_units", self.gyro_units, False), ("time_unit", self.time_unit, False),
                                      ("acc_gravity", self.acc_gravity, False)):
            if not (isinstance(value, str) or optional and value is None):
                raise RecordingError(f"{name} must be a string{' or None' if optional else ''}; got {value!r}")
        if self.fps is not None and not (is_real(self.fps) and self.fps > 0):
            raise RecordingError(f"fps (--fps) must be a positive number of samples per second; got {self.fps!r}")
        if not (is_real(self.max_gap_s) and self.max_gap_s > 0):
            raise RecordingError(f"max_gap_s must be a positive number of seconds; got {self.max_gap_s!r}")


def _check_triple(cols, what: str) -> tuple[str, str, str]:
    """``cols`` as a tuple; RecordingError unless it names three columns (x, y, z) in a tuple or list (not one
    string, which would be read as its letters)."""
    if isinstance(cols, str) or not isinstance(cols, (tuple, list)) or len(cols) != 3 \
            or not all(isinstance(c, str) and c for c in cols):
        raise RecordingError(f"{what} must be three column names (x, y, z), e.g. ('ax', 'ay', 'az'); got {cols!r}")
    return tuple(cols)


@dataclass(frozen=True)
class SensorColumns:
    """One sensor of a multi-sensor file: where it was worn and the columns holding it (x, y, z each)."""

    placement: str
    acc_cols: tuple[str, str, str]
    gyro_cols: tuple[str, str, str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.placement, str):
            raise RecordingError(f"placement must be a body-site name; got {self.placement!r}")
        object.__setattr__(self, "acc_cols", _check_triple(self.acc_cols, f"{self.placement}'s acc_cols"))
        if self.gyro_cols is not None:
            object.__setattr__(self, "gyro_cols", _check_triple(self.gyro_cols, f"{self.placement}'s gyro_cols"))


@dataclass
class Recording:
    """A recording of S sensors on a uniform grid: x (T, 6 S) m/s^2 + rad/s at ``fps``, sensor s in columns
    6s..6s+5 ([ax, ay, az, gx, gy, gz]) worn at joint ``joints[s]``; segments split at gaps.

    ``start_time`` is the recording's clock at sample 0 when the file has one (dates or Unix times), and
    ``warnings`` lists doubts about the input (units that barely fit, unused columns) for the caller to show.
    """

    x: np.ndarray
    fps: float
    joints: tuple[int, ...]
    has_gyro: bool
    segments: list[tuple[int, int]] = field(default_factory=list)  # (start, stop) sample ranges
    t0: float = 0.0
    source: str = ""
    acc_units: str = ""
    start_time: pd.Timestamp | None = None
    warnings: list[str] = field(default_factory=list)
    placements: tuple[str, ...] = ()  # as the user named them (joints are where the model puts them)
    acc_gravity: str = "included"  # or 'removed' (linear acceleration)

    @property
    def duration(self) -> float:
        return len(self.x) / self.fps

    @property
    def joint(self) -> int:
        """The joint of a single-sensor recording (the first sensor's otherwise)."""
        return self.joints[0]

    @property
    def placement(self) -> str:
        """The placement(s) as the user typed them, comma-separated."""
        return ", ".join(self.placements)


PEEK_ROWS = 500  # rows read first to find the columns and their types


def _read_table(path: Path, **options) -> Table:
    try:
        return read_table(path, **options)
    except TableError as err:
        raise RecordingError(str(err)) from None


def _values(df: pd.DataFrame, names: tuple[str, ...], what: str, flag: str) -> np.ndarray:
    """(T, len(names)) float32 of the named columns (non-numbers as NaN), or an error listing the file's columns."""
    found = find(list(df.columns), tuple(names))
    if found is None:
        missing = [c for c in names if find(list(df.columns), (c,)) is None]
        raise RecordingError(f"{what} column(s) {', '.join(missing)} not found; the file has: "
                             f"{', '.join(map(str, df.columns))}. Name them with {flag}")
    out = np.empty((len(df), len(found)), dtype=np.float32)
    for k, c in enumerate(found):
        col = df[c]
        out[:, k] = col.to_numpy() if pd.api.types.is_numeric_dtype(col) else pd.to_numeric(col, errors="coerce")
    return out


@dataclass
class _Columns:
    """Which columns of the file hold what (names as the file spells them)."""

    time: str | None
    acc: tuple[str, ...]
    gravity: tuple[str, ...] | None  # added to acc (Core Motion's userAcceleration excludes gravity)
    gyro: tuple[str, ...] | None
    warnings: list[str]

    def sensor_names(self) -> list[str]:
        return list(self.acc) + list(self.gravity or ()) + list(self.gyro or ())


def _plan_columns(df: pd.DataFrame, fmt: RecordingFormat, flags: tuple[str, str] = ("--acc-cols", "--gyro-cols")
                  ) -> _Columns:
    """Find the time, accelerometer (+ gravity) and gyroscope columns in a peek at the file; ``flags`` are
    the options an error tells the user to name them with."""
    cols, warnings = list(df.columns), []
    acc_names = tuple(fmt.acc_cols)
    grav = None
    if acc_names == DEFAULT_ACC and find(cols, acc_names) is None:
        user, grav = find_triplet(cols, USER_ACC_NAMES), find_triplet(cols, GRAVITY_NAMES)
        removed = fmt.acc_gravity == "removed"  # then user acceleration is used as it is
        acc_names = find_triplet(cols, ACC_NAMES) or (user if user and (grav or removed) else acc_names)
        grav = grav if user and acc_names == user and not removed else None
    _values(df.iloc[:0], acc_names, "accelerometer", flags[0])  # names an absent column
    acc_names = find(cols, acc_names) or acc_names
    used = list(acc_names) + list(grav or ())
    gyro_names = tuple(fmt.gyro_cols) if fmt.gyro_cols else None
    if gyro_names == DEFAULT_GYRO and find(cols, gyro_names) is None:
        gyro_names = find_triplet(cols, GYRO_NAMES)
        if gyro_names is None:
            spare = _spare_numeric(df, {*used, fmt.time_col})
            if len(spare) >= 3:
                warnings.append(f"no gyroscope columns gx, gy, gz; unused numeric columns: {', '.join(spare[:8])}; "
                                f"name the gyroscope with --gyro-cols (using the accelerometer only)")
    if gyro_names:
        _values(df.iloc[:0], gyro_names, "gyroscope", flags[1])
        gyro_names = find(cols, gyro_names)
    return _Columns(_time_column(df, fmt), acc_names, grav, gyro_names, warnings)


def _spare_numeric(df: pd.DataFrame, used: set) -> list:
    """The numeric columns of a peek at the file that nothing reads (a gyroscope the user did not name?)."""
    return [c for c in df.columns if c not in used and pd.api.types.is_numeric_dtype(df[c])]


def _time_column(df: pd.DataFrame, fmt: RecordingFormat) -> str | None:
    if fmt.time_col is None:
        return None
    found = find(list(df.columns), (fmt.time_col,))
    if found:
        return found[0]
    return find_time(list(df.columns)) if fmt.time_col == "time" else None


def _times_seconds(df: pd.DataFrame, fmt: RecordingFormat, file_columns: Sequence
                   ) -> tuple[np.ndarray, pd.Timestamp | None, str | None]:
    """Times (T,) in seconds, the clock at the first sample when the file has one, and a warning when the
    time unit was guessed from steps that fit two units. ``df`` holds the columns read; ``file_columns``
    (all of the file's) are listed when the time column is missing."""
    name = _time_column(df, fmt)
    if name is None:
        if fmt.fps:
            return np.arange(len(df)) / fmt.fps, None, None
        raise RecordingError(f"no time column {fmt.time_col!r} (file has: {', '.join(map(str, file_columns))}); "
                             f"name it with --time-col or give the rate with --fps")
    if fmt.fps:
        raise RecordingError(f"the file has a time column ({name!r}) and --fps was given: give one of them "
                             f"(--time-col none reads the samples at --fps)")
    col = df.pop(name)  # the caller's frame: its time column is not needed again
    if not pd.api.types.is_numeric_dtype(col):
        stamps = _dates(col)
        if stamps.isna().any():
            raise RecordingError(f"time column {name!r} has values that are neither numbers nor dates "
                                 f"(row {int(np.argmax(stamps.isna().to_numpy()))})")
        return (stamps - stamps.iloc[0]).dt.total_seconds().to_numpy(), stamps.iloc[0], None
    t = col.to_numpy(dtype=np.float64)
    t = t if t.flags.writeable else t.copy()  # pandas may hand out a read-only view; t is scaled in place
    del col
    note = None
    if fmt.time_unit != "auto":
        if fmt.time_unit not in TIME_UNITS:
            raise RecordingError(f"unknown time unit {fmt.time_unit!r}; use one of {', '.join(TIME_UNITS)}")
        unit = fmt.time_unit
    else:
        step = _median_step(t)
        unit = "s" if step < 0.5 else "ms" if step < 500 else "us" if step < 5e5 else "ns"
        if AMBIGUOUS_STEP[0] <= step < AMBIGUOUS_STEP[1]:
            note = (f"time steps of {step:g} read as milliseconds ({1000 / step:.0f} Hz); if they are seconds "
                    f"({1 / step:.2g} Hz) the rate is far too low for activity recognition. --time-unit s|ms "
                    f"says which")
    t *= TIME_UNITS[unit]
    epoch = 1e9 < t[0] < 4e9 if np.isfinite(t[0]) else False  # Unix seconds between 2001 and 2096
    return t, pd.Timestamp(t[0], unit="s", tz="UTC") if epoch else None, note


def _dates(col: pd.Series) -> pd.Series:
    """Timestamps of a text column (NaT where unreadable): ISO 8601 (fractional seconds on some rows only,
    offsets), else whatever pandas infers from the first value, whichever reads more rows."""
    iso = _to_datetime(col, format="ISO8601")
    if not iso.isna().any():
        return iso
    inferred = _to_datetime(col)
    return iso if iso.isna().sum() <= inferred.isna().sum() else inferred


def _to_datetime(col: pd.Series, **options) -> pd.Series:
    """pd.to_datetime (unreadable: NaT); times with several UTC offsets (a clock change) are read in UTC."""
    try:
        return pd.to_datetime(col, errors="coerce", **options)
    except ValueError:  # "Mixed timezones detected": one instant each, on one clock
        return pd.to_datetime(col, errors="coerce", utc=True, **options)


def _not_increasing(t: np.ndarray, step: int = 1_000_000) -> np.ndarray:
    """Indices i where t[i + 1] <= t[i] (first chunk that has any), a million steps at a time."""
    for a in range(0, max(1, len(t) - 1), step):
        bad = np.nonzero(np.diff(t[a:a + step + 1]) <= 0)[0]
        if len(bad):
            return a + bad
    return np.zeros(0, dtype=np.int64)


def _check_time(t: np.ndarray) -> None:
    if not all(np.isfinite(t[a:a + 1_000_000]).all() for a in range(0, len(t), 1_000_000)):
        raise RecordingError(f"time column has an empty, infinite or non-numeric value at row "
                             f"{int(np.argmax(~np.isfinite(t)))}")
    bad = _not_increasing(t)
    if len(bad):
        raise RecordingError(f"time does not increase at row {bad[0] + 1} (data rows from 0; t={t[bad[0]]:.4f} then "
                             f"{t[bad[0] + 1]:.4f}); sort the file by time and drop duplicate rows")


def _line(row: int, header_line: int | None) -> str:
    return f"row {row} (file line {header_line + 2 + row})" if header_line is not None else f"row {row}"


def _check_finite(x: np.ndarray, names: tuple[str, ...], header_line: int | None) -> None:
    """Refuse infinite values (NaN is handled as missing), naming the first one's row and column."""
    for col in range(x.shape[1]):
        inf = np.isinf(x[:, col])
        if inf.any():
            row = int(np.argmax(inf))
            raise RecordingError(f"column {names[col]} is infinite ({x[row, col]}) at {_line(row, header_line)}; "
                                 f"fix or drop that row")


def _check_range(x: np.ndarray, names: tuple[str, ...], header_line: int | None, limit: float, what: str,
                 hint: str) -> None:
    """Refuse physically impossible values (x already in SI units), naming the first one's row and column."""
    for col in range(x.shape[1]):
        big = np.abs(x[:, col]) > limit
        if big.any():
            row = int(np.argmax(big))
            raise RecordingError(f"column {names[col]} reads {x[row, col]:.4g} {what} at {_line(row, header_line)}, "
                                 f"beyond any sensor (limit {limit:.4g}); {hint}")


def _fill_short_nan_runs(x: np.ndarray, t: np.ndarray, names: tuple[str, ...]) -> list[str]:
    """Interpolate NaN runs of up to MAX_NAN_FILL samples in place; longer runs are an error naming where.
    Returns a warning for each column with more than FILLED_NOTE of its samples interpolated."""
    notes = []
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
        filled = int(nan.sum())
        if filled > FILLED_NOTE * len(nan):
            notes.append(f"column {names[c]}: {filled} of {len(nan)} samples ({100 * filled / len(nan):.1f} %) "
                         f"were missing and are interpolated")
    return notes


def _uniform(t: np.ndarray, x: np.ndarray, max_gap_s: float) -> tuple[np.ndarray, float, list[tuple[int, int]]]:
    """Resample onto a uniform grid at the median rate; return (x, fps, segments between gaps).

    Samples already on the grid (within a quarter step) are kept as they are (no copy); otherwise the grid
    is filled a million samples at a time, so memory stays near one copy of the recording.
    """
    fps = _median_rate(t)
    gaps = _gaps(t, max_gap_s)
    steps, span = len(t) - 1 - len(gaps), t[-1] - t[0] - float(np.sum(t[gaps + 1] - t[gaps]))
    if steps > 0 and span > 0 and abs(steps / span / fps - 1) < 0.01:
        fps = steps / span  # the mean step: exact for clock-driven samples, where a median is quantised
    n = int(np.floor((t[-1] - t[0]) * fps + 0.5)) + 1
    step = 1_000_000
    on_grid = n == len(t) and all(np.all(np.abs(t[a:a + step] - (t[0] + np.arange(a, min(n, a + step)) / fps))
                                         < 0.25 / fps) for a in range(0, n, step))
    if on_grid:
        out = x
    else:
        out = np.empty((n, x.shape[1]), dtype=np.float32, order="F")
        for a in range(0, n, step):
            grid = t[0] + np.arange(a, min(n, a + step)) / fps
            for c in range(x.shape[1]):
                out[a:a + len(grid), c] = np.interp(grid, t, x[:, c])
    cuts = [0]
    for g in gaps:  # grid indices (k = (time - t0) * fps) just after the gap's start and up to its end
        cuts += [int(np.floor((t[g] - t[0]) * fps + 1e-9)) + 1, int(np.ceil((t[g + 1] - t[0]) * fps - 1e-9))]
    cuts.append(n)
    segments = [(cuts[k], cuts[k + 1]) for k in range(0, len(cuts), 2) if cuts[k + 1] > cuts[k]]
    return out, fps, segments


def read_recording(path: str | Path, placement: str | Sequence[SensorColumns],
                   fmt: RecordingFormat | None = None) -> Recording:
    """Read a CSV/Parquet recording of one sensor worn at ``placement`` (e.g. 'left_wrist', 'waist'), or of
    several sensors in one file, each a ``SensorColumns`` (placement + its columns; ``fmt``'s column names
    are then unused).

    Checks every value is finite and physically possible, and each sensor's units against gravity
    (accelerometer) and against gravity's turning (gyroscope); RecordingError (one line) otherwise. Only the
    needed columns are read, as float32, so a week at 50 Hz fits in about one copy of its samples.
    """
    fmt, path = fmt or RecordingFormat(), Path(path)
    if not (isinstance(placement, str) or isinstance(placement, (list, tuple)) and all(
            isinstance(p, SensorColumns) for p in placement)):
        raise RecordingError(f"placement must be a body-site name, or a list of SensorColumns for several "
                             f"sensors; got {placement!r}")
    if fmt.acc_gravity not in ACC_GRAVITY:
        raise RecordingError(f"unknown --acc-gravity {fmt.acc_gravity!r}; use included or removed")
    groups = _sensor_formats(placement, fmt)
    joints = tuple(_joint(name) for name, _ in groups)
    peek = _read_table(path, nrows=PEEK_ROWS)
    flags = ("--acc-cols", "--gyro-cols") if isinstance(placement, str) else ("--placement",) * 2
    plans = [_plan_columns(peek.frame, f, flags) for _, f in groups]
    _check_groups(groups, joints, plans)
    if len(plans) > 1 and plans[0].gyro is None:
        spare = _spare_numeric(peek.frame, {plans[0].time, *(c for plan in plans for c in plan.sensor_names())})
        if len(spare) >= 3:
            plans[0].warnings.append(f"no gyroscope columns given; unused numeric columns: {', '.join(map(str, spare[:8]))}"
                                     f"; give each sensor SITE=ax,ay,az,gx,gy,gz (using the accelerometers only)")
    if fmt.fps is None and peek.fps_hint and plans[0].time is None:
        fmt = replace(fmt, fps=peek.fps_hint)  # a rate stated above the header (ActiGraph)
    sensors = [c for plan in plans for c in plan.sensor_names()]
    table = _read_table(path, usecols=[c for c in [plans[0].time, *sensors] if c], float32=tuple(sensors))
    header = table.header_line if path.name.lower().endswith(CSV_SUFFIXES) else None
    df = table.frame
    if len(df) < 2:
        raise RecordingError(f"{path}: has {len(df)} data rows; a recording needs many samples")
    t, start_time, time_note = _times_seconds(df, fmt, peek.frame.columns)
    _check_time(t)
    fps = _median_rate(t)
    if fps < MIN_RATE_HZ:
        raise RecordingError(f"the recording is sampled at {fps:.3g} Hz (median step {1 / fps:.3g} s); activity "
                             f"recognition needs {MIN_RATE_HZ:g} Hz or more (the models read {RATE_HZ:g} Hz). If the "
                             f"time column is not in seconds, say its unit (--time-unit ms)")
    rate_note = (f"sampled at {fps:.3g} Hz: motion above {fps / 2:.3g} Hz (the harmonics of a step) is lost; the "
                 f"models read {RATE_HZ:g} Hz, so expect lower accuracy") if fps < LOW_RATE_HZ else None
    raw = np.zeros((6 * len(plans), len(df)), dtype=np.float32)  # each frame column is moved in, then dropped
    units, warnings = [], [note for note in (rate_note, time_note) if note]
    for k, ((name, _), plan) in enumerate(zip(groups, plans)):
        try:
            unit, notes = _read_sensor(df, plan, raw[6 * k:6 * k + 6], t, fps, fmt, header)
        except RecordingError as err:
            several = len(plans) > 1
            hint = ("; with several sensors, drop --acc-units to have each sensor's unit found from gravity"
                    if several and fmt.acc_units and "--acc-units" in str(err) and fmt.acc_gravity == "included"
                    else "")
            raise RecordingError(f"sensor {name}: {err}{hint}" if several else str(err)) from None
        units.append(unit)
        warnings += [f"{name}: {n}" if len(plans) > 1 else n for n in plan.warnings + notes]
    del df, table
    x, fps, segments = _uniform(t, raw.T, fmt.max_gap_s)
    acc_units = units[0] if len(set(units)) == 1 else ", ".join(units)
    return Recording(x, fps, joints, plans[0].gyro is not None, segments, float(t[0]), str(path), acc_units,
                     start_time, warnings, tuple(name for name, _ in groups), fmt.acc_gravity)


def _sensor_formats(placement: str | Sequence[SensorColumns], fmt: RecordingFormat
                    ) -> list[tuple[str, RecordingFormat]]:
    """(placement, the format reading its columns) per sensor."""
    if isinstance(placement, str):
        return [(placement, fmt)]
    if not placement:
        raise RecordingError("give at least one sensor (placement and its columns)")
    return [(g.placement, replace(fmt, acc_cols=tuple(g.acc_cols), gyro_cols=g.gyro_cols and tuple(g.gyro_cols)))
            for g in placement]


def _joint(placement: str) -> int:
    try:
        return placement_to_joint(placement)
    except ValueError as err:
        raise RecordingError(str(err)) from None


def _check_groups(groups: list[tuple[str, RecordingFormat]], joints: tuple[int, ...], plans: list[_Columns]) -> None:
    """Several sensors: distinct body sites, no column used twice, gyroscopes on all sensors or on none."""
    names = [name for name, _ in groups]
    for k, j in enumerate(joints):
        if j in joints[:k]:
            other = names[joints.index(j)]
            raise RecordingError(f"sensors {other!r} and {names[k]!r} are both placed on {JOINT_NAMES[j]}; "
                                 f"give each sensor a different body site")
    seen: dict[str, tuple[int, str]] = {}
    for k, (name, plan) in enumerate(zip(names, plans)):
        for col in plan.sensor_names():
            if col in seen:
                twice = seen[col] == (k, name)
                raise RecordingError(f"column {col} is given twice to {name!r}; each axis needs its own column"
                                     if twice else f"column {col} is given to both {seen[col][1]!r} and {name!r}")
            seen[col] = (k, name)
    gyro = [plan.gyro is not None for plan in plans]
    if any(gyro) and not all(gyro):
        lacking = ", ".join(n for n, g in zip(names, gyro) if not g)
        raise RecordingError(f"sensor(s) {lacking} have no gyroscope columns but the others do; give gyroscope "
                             f"columns for every sensor or for none")


def _read_sensor(df: pd.DataFrame, plan: _Columns, out: np.ndarray, t: np.ndarray, fps: float,
                 fmt: RecordingFormat, header: int | None) -> tuple[str, list[str]]:
    """Move one sensor's columns into ``out`` (6, T) as SI units, checked; returns (acc unit, warnings)."""
    has_gyro = plan.gyro is not None
    raw = _sensor_matrix(df, plan, out)
    names = tuple(plan.acc) + (tuple(plan.gyro) if has_gyro else ("-", "-", "-"))
    _check_finite(raw, names, header)
    notes = _fill_short_nan_runs(raw, t, names)
    removed = fmt.acc_gravity == "removed"
    acc_units, note = (_linear_acc_units if removed else _acc_units)(raw[:, :3], fmt.acc_units, fps)
    notes += [note] if note else []
    raw[:, :3] *= np.float32(acc_scale(acc_units))
    _check_range(raw[:, :3], names[:3], header, ACC_LIMIT, "m/s^2", "fix or drop that row")
    gyro_units = _gyro_to_rads(raw[:, 3:], fmt.gyro_units, has_gyro, names[3:], header)
    notes += _working_sensor(raw, names, has_gyro)  # a stuck axis first: it would fail the units check too
    if has_gyro and removed:
        notes.append("gyroscope units not checked against gravity's turning (gravity removed): make sure "
                     "--gyro-units is right")
    elif has_gyro:
        notes += _gyro_units_note(raw[:, :3], raw[:, 3:], fps, gyro_units)
    return acc_units, notes


def _working_sensor(x: np.ndarray, names: tuple[str, ...], has_gyro: bool) -> list[str]:
    """RecordingError for a dead or stuck axis of a moving sensor; warnings for a never-moving one and clipping."""
    try:
        note = check_stuck_axes(x, names, has_gyro)
    except StuckAxisError as err:
        fix = ("use the accelerometers alone: --gyro-cols none (several sensors: SITE=ax,ay,az for every sensor)"
               if err.gyro else "check --acc-cols")
        raise RecordingError(f"{err}; {fix}") from None
    return ([note] if note else []) + clipping_warnings(x, names, has_gyro)


def _acc_units(acc: np.ndarray, given: str | None, fps: float) -> tuple[str, str | None]:
    """(unit, warning or None): the declared unit checked against gravity, or the unit gravity implies."""
    try:
        if not given:
            return guess_acc_unit(acc, fps), None
        unit = normalise_unit(given, USER_ACC_UNITS, "accelerometer")
        return unit, check_acc_unit(acc, unit, fps)
    except ValueError as err:
        text = str(err)
        raise RecordingError(text if "--acc-units" in text else f"{text} (--acc-units g, m/s2 or mg)") from None


def _linear_acc_units(acc: np.ndarray, given: str | None, fps: float) -> tuple[str, str | None]:
    """(unit, None) for acceleration declared gravity-free: the unit must be given (gravity cannot tell it),
    and gravity must indeed be absent."""
    if not given:
        raise RecordingError("with --acc-gravity removed give --acc-units (g, m/s2 or mg): without gravity the "
                             "units cannot be told from the data")
    try:
        unit = normalise_unit(given, USER_ACC_UNITS, "accelerometer")
    except ValueError as err:
        raise RecordingError(f"{err} (--acc-units g, m/s2 or mg)") from None
    still = static_magnitude(acc, fps)
    left = still * acc_scale(unit) / GRAVITY
    if left > 0.5:
        raise RecordingError(f"--acc-gravity removed, but gravity is in the data (the still part reads "
                             f"{left:.2f} g in {unit}); drop --acc-gravity removed")
    fits = units_fitting_gravity(still)  # ~1 g in another unit: total acceleration with its unit mistyped
    if fits:
        raise RecordingError(f"--acc-gravity removed, but gravity is in the data (the still part reads "
                             f"{still * acc_scale(fits[0]) / GRAVITY:.2f} g in {fits[0]}); drop --acc-gravity "
                             f"removed and check --acc-units ({fits[0]}?)")
    return unit, None


def _gyro_to_rads(gyro: np.ndarray, units: str, has_gyro: bool, names: tuple[str, ...],
                  header: int | None) -> str:
    """Convert the gyroscope (T, 3) to rad/s in place and refuse values beyond any sensor; returns the
    declared unit, normalised."""
    try:
        units = normalise_unit(units, GYRO_UNITS, "gyroscope")
    except ValueError as err:
        raise RecordingError(f"{err} (--gyro-units)") from None
    if not has_gyro:
        return units
    if units == "deg/s":
        gyro *= np.float32(np.pi / 180.0)
    hint = "if the gyroscope is in deg/s pass --gyro-units deg/s" if units == "rad/s" else "fix or drop that row"
    _check_range(gyro, names, header, GYRO_LIMIT, "rad/s", hint)
    return units


def _gyro_units_note(acc: np.ndarray, gyro: np.ndarray, fps: float, units: str) -> list[str]:
    """The declared gyroscope ``units`` (gyro already in rad/s) against gravity's turning: RecordingError
    when impossible, a warning when doubtful."""
    try:
        note = check_gyro_unit(acc, gyro, fps, units)
    except ValueError as err:
        raise RecordingError(str(err)) from None
    return [note] if note else []


def _sensor_matrix(df: pd.DataFrame, plan: _Columns, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` (6, T) float32 (zeros) with [acc, gyro] (gyro zero when absent) and return its (T, 6)
    view; each frame column is dropped once copied, so memory holds about one copy of the samples."""
    groups = [(plan.acc, 0, "accelerometer", "--acc-cols"), (plan.gravity, 0, "gravity", "--acc-cols"),
              (plan.gyro, 3, "gyroscope", "--gyro-cols")]
    for cols, first, what, flag in groups:
        if not cols:
            continue
        found = find(list(df.columns), tuple(cols))
        if found is None:
            _values(df.iloc[:0], tuple(cols), what, flag)  # raises naming the missing column
        for k, c in enumerate(found or ()):
            col = df.pop(c)
            out[first + k] += col.to_numpy() if pd.api.types.is_numeric_dtype(col) else \
                pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float32)
            del col
    return out.T


def _median_step(t: np.ndarray) -> float:
    """Median time step (robust to jitter and gaps), from spread spans of a long recording (bounded memory)."""
    if len(t) < 2:
        return 1.0
    spans = sample_spans(len(t), 50.0)
    return float(np.nanmedian(np.concatenate([np.diff(t[s]) for s in spans])))


def _median_rate(t: np.ndarray) -> float:
    """Samples per second from the median time step."""
    return 1.0 / _median_step(t)


def _gaps(t: np.ndarray, max_gap_s: float, step: int = 1_000_000) -> np.ndarray:
    """Indices i where t[i + 1] - t[i] > max_gap_s, a million steps at a time."""
    found = [a + np.nonzero(np.diff(t[a:a + step + 1]) > max_gap_s)[0] for a in range(0, max(1, len(t) - 1), step)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)


def unclassified_tail(rec: Recording, start_s: np.ndarray, window_s: float) -> float:
    """Seconds of the recording's segments that no window starting at ``start_s`` (s) covers (tails and
    segments shorter than a window)."""
    covered = 0.0
    ends = np.sort(np.asarray(start_s, dtype=np.float64))
    last = -np.inf
    for s in ends:  # union of [s, s + window_s)
        covered += max(0.0, s + window_s - max(s, last))
        last = max(last, s + window_s)
    total = sum(b - a for a, b in rec.segments) / rec.fps
    return max(0.0, total - covered)


def check_window(window_s: float, stride_s: float | None = None) -> None:
    """RecordingError for windows shorter than MIN_WINDOW_S or a stride (s) under one sample at RATE_HZ."""
    if not window_s >= MIN_WINDOW_S:
        raise RecordingError(f"a window of {window_s:g} s is too short: the models were trained and evaluated on "
                             f"windows of {MIN_WINDOW_S:g} s and longer; pass --window {MIN_WINDOW_S:g} or more")
    if stride_s is not None and not (math.isfinite(stride_s) and int(round(stride_s * RATE_HZ)) >= 1):
        raise RecordingError(f"a stride of {stride_s:g} s is shorter than one sample at {RATE_HZ:g} Hz; pass "
                             f"--stride {1 / RATE_HZ:g} or more")


def recording_windows(rec: Recording, window_s: float = 10.0, stride_s: float | None = None) -> CanonicalWindows:
    """Resample to RATE_HZ and cut windows of ``window_s`` every ``stride_s`` (default: back to back).

    Returns canonical windows with start times (s from the first sample), valid lengths and channel presence.
    """
    check_window(window_s, stride_s)
    length, stride = int(round(window_s * RATE_HZ)), int(round((stride_s or window_s) * RATE_HZ))
    usable = [(a, b) for a, b in rec.segments if (b - a) / rec.fps >= window_s]
    if not usable:
        longest = max((b - a) / rec.fps for a, b in rec.segments)
        raise RecordingError(f"recording is {longest:.1f} s long (longest stretch without a gap) but one window "
                             f"needs {window_s:g} s; record longer or pass a shorter --window")
    xs, starts, valid = [], [], []
    for a, b in usable:
        w, s, v = sliding_windows(resample(rec.x[a:b], rec.fps, RATE_HZ), length, stride)
        xs.append(w.reshape(*w.shape[:2], len(rec.joints), 6))
        starts.append(a / rec.fps + s / RATE_HZ)
        valid.append(v)
    x, mask = place_sensors(np.concatenate(xs), rec.joints)
    return CanonicalWindows(x, mask, valid_len=np.concatenate(valid), channel_mask=[True] * 3 + [rec.has_gyro] * 3,
                            start_s=np.concatenate(starts))


def describe(rec: Recording) -> str:
    """One line about a recording: duration, rate, placement, channels."""
    where = ", ".join(JOINT_NAMES[j] if name in ("", JOINT_NAMES[j]) else f"{name} (joint {JOINT_NAMES[j]})"
                      for j, name in zip(rec.joints, rec.placements or ("",) * len(rec.joints)))
    clock = f", from {rec.start_time.isoformat()}" if rec.start_time is not None else ""
    return (f"{rec.source}: {rec.duration:.1f} s at {rec.fps:.1f} Hz{clock}, {where}, "
            f"acc{' + gyro' if rec.has_gyro else ' only'} (acc units {rec.acc_units}"
            f"{', gravity removed' if rec.acc_gravity == 'removed' else ''}), {len(rec.segments)} segment(s)")
