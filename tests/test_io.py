"""User recordings: a generated recording round-trips; each kind of bad input gets its message."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import with_sensor_noise

from motionfm.io import RecordingError, RecordingFormat, describe, read_recording, recording_windows
from motionfm.skeleton import joint_index, placement_to_joint

G = 9.80665


def make_recording(seconds=30.0, fps=50.0, jitter=0.0, seed=0) -> pd.DataFrame:
    """A wrist sensor: gravity on z plus a 1 Hz swing on x (in g), a 0.5 Hz gyro on y (rad/s), and a working
    sensor's noise on every axis."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * fps)) / fps + rng.uniform(-jitter, jitter, int(seconds * fps))
    t[0] = 0.0
    return with_sensor_noise(pd.DataFrame({"time": t, "ax": 0.3 * np.sin(2 * np.pi * t), "ay": 0.0 * t, "az": 1.0 + 0 * t,
                                    "gx": 0.0 * t, "gy": 2.0 * np.sin(np.pi * t), "gz": 0.0 * t}), rng)


def write(df, tmp_path, name="rec.csv"):
    path = tmp_path / name
    df.to_parquet(path) if name.endswith(".parquet") else df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("name", ["rec.csv", "rec.parquet"])
@pytest.mark.parametrize("fps,jitter", [(50.0, 0.0), (100.0, 0.002), (32.0, 0.005)])
def test_round_trip(tmp_path, name, fps, jitter):
    df = make_recording(fps=fps, jitter=jitter)
    rec = read_recording(write(df, tmp_path, name), "left_wrist", RecordingFormat(acc_units="g"))
    assert abs(rec.fps - fps) / fps < 0.01 and rec.joint == joint_index("left_wrist") and rec.has_gyro
    np.testing.assert_allclose(rec.x[:, 2], G, atol=1e-4)
    np.testing.assert_allclose(np.abs(rec.x[:, 0]).max(), 0.3 * G, rtol=0.03)
    w = recording_windows(rec, window_s=10.0)
    assert w.x.shape == (3, 200, 22, 6) and w.mask[:, joint_index("left_wrist")].all() and w.mask.sum() == 3
    assert w.start_s.tolist() == pytest.approx([0.0, 10.0, 20.0], abs=0.05)
    assert w.valid_len.tolist() == [200, 200, 200] and w.channel_mask.all() and w.y is None
    t20 = np.arange(200) / 20.0
    np.testing.assert_allclose(w.x[0, :, joint_index("left_wrist"), 4], 2.0 * np.sin(np.pi * t20), atol=0.05)


def test_units_guess_and_flags(tmp_path):
    df = make_recording()
    rec = read_recording(write(df, tmp_path), "waist")  # guessed from gravity
    assert rec.acc_units == "g"
    df2 = df.assign(ax=df.ax * G, ay=df.ay * G, az=df.az * G, gy=np.degrees(df.gy))
    rec2 = read_recording(write(df2, tmp_path, "b.csv"), "waist", RecordingFormat(gyro_units="deg/s"))
    assert rec2.acc_units == "m/s2"
    np.testing.assert_allclose(rec2.x, rec.x, atol=1e-3)


def test_accelerometer_only_and_custom_columns(tmp_path):
    df = make_recording()[["time", "ax", "ay", "az"]].rename(columns={"time": "ts", "ax": "x", "ay": "y", "az": "z"})
    df["ts"] = df["ts"] * 1000  # milliseconds: recognised from the step size
    fmt = RecordingFormat(time_col="ts", acc_cols=("x", "y", "z"), acc_units="g")
    rec = read_recording(write(df, tmp_path), "right_pocket", fmt)
    assert not rec.has_gyro and abs(rec.fps - 50) < 0.1 and (rec.x[:, 3:] == 0).all()
    w = recording_windows(rec)
    assert w.channel_mask.shape == (len(w), 6) and w.channel_mask[:, :3].all() and not w.channel_mask[:, 3:].any()


def test_no_time_column_with_fps(tmp_path):
    df = make_recording().drop(columns="time")
    rec = read_recording(write(df, tmp_path), "waist", RecordingFormat(fps=50.0, acc_units="g"))
    assert rec.fps == pytest.approx(50.0)


def test_gaps_split_the_recording(tmp_path):
    df = make_recording(seconds=60.0)
    df.loc[df.time >= 25.0, "time"] += 30.0  # a 30 s hole
    rec = read_recording(write(df, tmp_path), "waist", RecordingFormat(acc_units="g"))
    assert len(rec.segments) == 2
    w = recording_windows(rec, 10.0)
    assert len(w.x) == 2 + 3  # 25 s -> 2 windows, 35 s -> 3 windows; none spans the hole
    assert w.start_s[2] == pytest.approx(55.0, abs=0.1)


def test_short_nan_runs_are_filled(tmp_path):
    df = make_recording()
    df.loc[100:102, "ax"] = np.nan
    rec = read_recording(write(df, tmp_path), "waist", RecordingFormat(acc_units="g"))
    assert np.isfinite(rec.x).all()


def _bad(df, tmp_path, fmt=None, placement="waist", name="rec.csv"):
    with pytest.raises(RecordingError) as info:
        read_recording(write(df, tmp_path, name), placement, fmt or RecordingFormat(acc_units="g"))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_non_monotonic_time(tmp_path):
    df = make_recording()
    df.loc[[50, 51], "time"] = df.loc[[51, 50], "time"].to_numpy()
    assert "time does not increase at row 51" in _bad(df, tmp_path) and "sort" in _bad(df, tmp_path)


def test_nan_run(tmp_path):
    df = make_recording()
    df.loc[200:260, "gy"] = np.nan
    assert "column gy has 61 missing values in a row from t=4.00 s" in _bad(df, tmp_path)


def test_too_short(tmp_path):
    with pytest.raises(RecordingError, match="recording is 4.0 s long.*needs 10 s.*--window"):
        rec = read_recording(write(make_recording(seconds=4.0), tmp_path), "waist", RecordingFormat(acc_units="g"))
        recording_windows(rec, 10.0)


def test_unknown_columns(tmp_path):
    df = make_recording().rename(columns={"ax": "acc_x"})
    assert "accelerometer column(s) ax not found; the file has: time, acc_x" in _bad(df, tmp_path)


def test_missing_time_column(tmp_path):
    assert "--time-col or give the rate with --fps" in _bad(make_recording().drop(columns="time"), tmp_path)


@pytest.mark.parametrize("fmt,placement,message", [
    (RecordingFormat(acc_units="furlongs"), "waist", "unknown accelerometer unit 'furlongs'"),
    (RecordingFormat(acc_units="g", gyro_units="rpm"), "waist", "unknown gyroscope unit 'rpm'"),
    (RecordingFormat(acc_units="g"), "tail", "unknown placement 'tail'"),
    (RecordingFormat(acc_units="g", time_unit="fortnight"), "waist", "unknown time unit"),
])
def test_bad_options(tmp_path, fmt, placement, message):
    assert message in _bad(make_recording(), tmp_path, fmt, placement)


@pytest.mark.parametrize("kwargs,message", [
    ({"acc_cols": "ax,ay,az"}, "acc_cols \\(--acc-cols\\) must be three column names"),  # was read as letters
    ({"acc_cols": ("ax", "ay", "az", "gx")}, "must be three column names"),  # gx went into the gyro slot
    ({"gyro_cols": ("gx", "gy")}, "gyro_cols \\(--gyro-cols\\) must be three"),
    ({"fps": 0}, "fps \\(--fps\\) must be a positive number"),
    ({"fps": float("nan")}, "fps \\(--fps\\) must be a positive number"),
    ({"max_gap_s": 0}, "max_gap_s must be a positive number"),  # gave one segment per sample
    ({"max_gap_s": float("nan")}, "max_gap_s must be a positive number"),  # turned gap splitting off
    ({"acc_units": 9.81}, "acc_units must be a string"),
])
def test_recording_format_values_of_the_wrong_kind_are_named(kwargs, message):
    with pytest.raises(RecordingError, match=message):
        RecordingFormat(**kwargs)


def test_placement_of_the_wrong_kind_is_named(tmp_path):
    with pytest.raises(RecordingError, match="placement must be a body-site name"):
        read_recording(tmp_path / "r.csv", ["waist"])


def test_gyro_in_degrees_detected(tmp_path):
    df = make_recording().assign(gy=lambda d: np.degrees(d.gy) * 20)
    assert "--gyro-units deg/s" in _bad(df, tmp_path)


def test_unguessable_acc_units(tmp_path):
    df = make_recording().assign(az=500.0)
    assert "--acc-units" in _bad(df, tmp_path, RecordingFormat())


def test_unsupported_and_missing_file(tmp_path):
    (tmp_path / "rec.xlsx").write_text("x")
    with pytest.raises(RecordingError, match="unsupported file type '.xlsx'"):
        read_recording(tmp_path / "rec.xlsx", "waist")
    with pytest.raises(RecordingError, match="no such file"):
        read_recording(tmp_path / "none.csv", "waist")


def turning_recording(seconds=30.0, fps=50.0, amplitude=0.8, freq=0.4) -> pd.DataFrame:
    """A sensor tilting about its x axis by theta(t) = A sin(2 pi f t): gravity (0, sin, cos) g, gyro (theta', 0, 0)
    rad/s, so the gyroscope agrees with gravity's turning by construction."""
    t = np.arange(int(seconds * fps)) / fps
    theta = amplitude * np.sin(2 * np.pi * freq * t)
    rate = amplitude * 2 * np.pi * freq * np.cos(2 * np.pi * freq * t)
    return with_sensor_noise(pd.DataFrame({"time": t, "ax": 0 * t, "ay": np.sin(theta), "az": np.cos(theta),
                                    "gx": rate, "gy": 0 * t, "gz": 0 * t}))


@pytest.mark.parametrize("column,value", [("ax", np.inf), ("gy", -np.inf), ("az", 1e30), ("gz", 1e30)])
def test_infinite_or_absurd_values_are_refused_naming_row_and_column(tmp_path, column, value):
    df = make_recording()
    df.loc[321, column] = value
    message = _bad(df, tmp_path)
    assert f"column {column}" in message and "row 321 (file line 323)" in message


@pytest.mark.parametrize("scale,declared,message", [
    (G, "g", "the data are in m/s2; pass --acc-units m/s2"),  # m/s^2 declared g: gravity reads 9.8 g
    (1.0, "m/s2", "the data are in g; pass --acc-units g"),
    (1000.0, "g", "the data are in mg; pass --acc-units mg"),
    (0.02, "g", "gravity removed"),
])
def test_acc_units_checked_against_gravity(tmp_path, scale, declared, message):
    df = make_recording()
    df[["ax", "ay", "az"]] *= scale
    assert message in _bad(df, tmp_path, RecordingFormat(acc_units=declared))


def test_milli_g_guessed_and_converted(tmp_path):
    df = make_recording()
    df[["ax", "ay", "az"]] *= 1000.0
    rec = read_recording(write(df, tmp_path), "waist")
    assert rec.acc_units == "mg" and rec.x[:, 2] == pytest.approx(G, abs=1e-3)


def test_doubtful_gravity_is_a_warning(tmp_path):
    df = make_recording()
    df[["ax", "ay", "az"]] *= 1.6  # a badly calibrated or clipped sensor: accepted, but said
    rec = read_recording(write(df, tmp_path), "waist", RecordingFormat(acc_units="g"))
    assert any("gravity reads 1.60 g" in w for w in rec.warnings)


@pytest.mark.parametrize("factor,declared,message", [
    (np.degrees(1.0), "rad/s", "pass --gyro-units deg/s"),  # deg/s data declared rad/s
    (1.0, "deg/s", "pass --gyro-units rad/s"),  # rad/s data declared deg/s
])
def test_gyro_units_checked_against_gravity_turning(tmp_path, factor, declared, message):
    df = turning_recording()
    df[["gx", "gy", "gz"]] *= factor
    assert message in _bad(df, tmp_path, RecordingFormat(acc_units="g", gyro_units=declared))


def test_consistent_gyro_passes_in_either_unit(tmp_path):
    df = turning_recording()
    rec = read_recording(write(df, tmp_path), "waist", RecordingFormat(acc_units="g"))
    df2 = df.assign(gx=np.degrees(df.gx))
    rec2 = read_recording(write(df2, tmp_path, "d.csv"), "waist", RecordingFormat(acc_units="g", gyro_units="deg/s"))
    assert not rec.warnings and not rec2.warnings
    np.testing.assert_allclose(rec2.x, rec.x, atol=1e-4)


def test_real_recording_deg_s_mislabel_is_refused(tmp_path):
    example = Path(__file__).resolve().parents[1] / "examples/uci_hapt_subject02.csv"
    rec = read_recording(example, "waist", RecordingFormat(acc_units="g"))  # UCI-HAPT: g and rad/s
    assert rec.has_gyro and not rec.warnings
    with pytest.raises(RecordingError, match="pass --gyro-units rad/s"):
        read_recording(example, "waist", RecordingFormat(acc_units="g", gyro_units="deg/s"))
    df = pd.read_csv(example)
    df[["gx", "gy", "gz"]] = np.degrees(df[["gx", "gy", "gz"]])  # deg/s data, still (sitting/lying) included
    assert "pass --gyro-units deg/s" in _bad(df, tmp_path)


def test_mistyped_gyro_columns(tmp_path):
    df = make_recording()
    assert "gyroscope column(s) gq not found" in _bad(df, tmp_path, RecordingFormat(acc_units="g",
                                                                                   gyro_cols=("gx", "gy", "gq")))
    renamed = df.rename(columns={"gx": "wx1", "gy": "wy1", "gz": "wz1"})  # names no rule knows
    rec = read_recording(write(renamed, tmp_path, "r.csv"), "waist", RecordingFormat(acc_units="g"))
    assert not rec.has_gyro and any("unused numeric columns: wx1, wy1, wz1" in w and "--gyro-cols" in w
                                    for w in rec.warnings)


@pytest.mark.parametrize("seconds,window,expected", [(19.9, 10.0, 9.9), (30.0, 10.0, 0.0), (25.0, 5.0, 0.0),
                                                     (33.0, 10.0, 3.0)])
def test_unclassified_tail(tmp_path, seconds, window, expected):
    from motionfm.io import unclassified_tail

    rec = read_recording(write(make_recording(seconds=seconds), tmp_path), "waist", RecordingFormat(acc_units="g"))
    w = recording_windows(rec, window)
    assert unclassified_tail(rec, w.start_s, window) == pytest.approx(expected, abs=0.03)


def test_clock_of_the_recording(tmp_path):
    df = make_recording()
    df["time"] = pd.Timestamp("2024-05-01 08:00:00") + pd.to_timedelta(df.time, unit="s")
    rec = read_recording(write(df, tmp_path), "waist", RecordingFormat(acc_units="g"))
    assert rec.start_time == pd.Timestamp("2024-05-01 08:00:00")
    unix = make_recording().assign(time=lambda d: d.time + 1.7e9)
    rec = read_recording(write(unix, tmp_path, "u.csv"), "waist", RecordingFormat(acc_units="g"))
    assert rec.start_time == pd.Timestamp(1.7e9, unit="s", tz="UTC")


def dsads_walking_csv(tmp_path, units=("T", "RL", "LL")) -> Path:
    """Subject 1 walking in DSADS (real, 25 Hz, m/s^2 + rad/s): one column group per unit, e.g. RL_ax..RL_gz."""
    from conftest import need

    z = np.load(need("dsads/dsads_25hz_5s_accgyro_f16.npz"))
    names = [str(c) for c in z["channels"]]
    walking = [str(n) for n in z["activity_names"]].index("walking in a parking lot") + 1
    sel = np.nonzero((z["subject"] == 1) & (z["activity"] == walking))[0]
    x = z["X"][sel[np.argsort(z["segment"][sel])]].astype(np.float32).reshape(-1, len(names))
    table = {"time": np.arange(len(x)) / 25.0}
    for u in units:
        for kind, short in (("acc", "a"), ("gyro", "g")):
            for axis in "xyz":
                table[f"{u}_{short}{axis}"] = x[:, names.index(f"{u}_{kind}{axis}")]
    return write(pd.DataFrame(table), tmp_path, "dsads.csv")


def group(unit: str, site: str, gyro: bool = True):
    from motionfm.io import SensorColumns

    return SensorColumns(site, tuple(f"{unit}_a{a}" for a in "xyz"), tuple(f"{unit}_g{a}" for a in "xyz") if gyro
                         else None)


SITES = {"T": "torso", "RL": "right_thigh", "LL": "left_thigh"}  # the DSADS registry's placements


def test_several_sensors_in_one_file_equal_each_sensor_read_alone(tmp_path):
    path = dsads_walking_csv(tmp_path)
    both = recording_windows(read_recording(path, [group(u, s) for u, s in SITES.items()]), 10.0)
    assert both.mask.sum(1).tolist() == [3] * len(both) and both.channel_mask.all()
    for unit, site in SITES.items():
        fmt = RecordingFormat(acc_cols=group(unit, site).acc_cols, gyro_cols=group(unit, site).gyro_cols)
        alone = recording_windows(read_recording(path, site, fmt), 10.0)
        j = placement_to_joint(site)
        assert alone.mask[:, j].all() and alone.mask.sum() == len(alone)
        np.testing.assert_array_equal(both.x[:, :, j], alone.x[:, :, j])
    assert read_recording(path, [group(u, s) for u, s in SITES.items()]).acc_units == "m/s2"


@pytest.mark.parametrize("sensors,message", [
    ([("T", "torso"), ("RL", "chest")], "both placed on"),
    ([("T", "torso"), ("T", "right_thigh")], "is given to both"),
    ([("T", "torso"), ("RL", "knee of the tail")], "unknown placement"),
    ([("T", "torso"), ("XX", "right_thigh")], "XX_ax"),
])
def test_several_sensors_bad_groups(tmp_path, sensors, message):
    with pytest.raises(RecordingError, match=message):
        read_recording(dsads_walking_csv(tmp_path), [group(u, s) for u, s in sensors])


def test_several_sensors_need_gyro_on_all_or_none(tmp_path):
    path = dsads_walking_csv(tmp_path)
    with pytest.raises(RecordingError, match=r"sensor\(s\) right_thigh have no gyroscope columns"):
        read_recording(path, [group("T", "torso"), acc_only("RL", "right_thigh")])
    rec = read_recording(path, [acc_only(u, s) for u, s in SITES.items()])
    assert not rec.has_gyro and not recording_windows(rec, 10.0).channel_mask[:, 3:].any()


def acc_only(unit, site):
    return group(unit, site, gyro=False)


def test_several_sensors_units_are_checked_per_sensor(tmp_path):
    df = pd.read_csv(dsads_walking_csv(tmp_path))
    df[["RL_gx", "RL_gy", "RL_gz"]] *= 180 / np.pi  # one sensor's gyroscope in deg/s, declared rad/s
    with pytest.raises(RecordingError, match="sensor right_thigh: .*deg/s"):
        read_recording(write(df, tmp_path, "deg.csv"), [group(u, s) for u, s in SITES.items()])


EXAMPLE = Path(__file__).resolve().parents[1] / "examples/uci_hapt_subject02.csv"  # real: waist, g, rad/s, 50 Hz


def linear_example(tmp_path, names=("ax", "ay", "az")) -> tuple[Path, pd.DataFrame]:
    """The bundled real recording with gravity removed as a phone would (in g), acc columns renamed to names."""
    from motionfm.gravity import remove_gravity

    df = pd.read_csv(EXAMPLE)
    df[["ax", "ay", "az"]] = remove_gravity(df[["ax", "ay", "az"]].to_numpy(), 50.0)
    return write(df.rename(columns=dict(zip(("ax", "ay", "az"), names))), tmp_path, "linear.csv"), df


def test_gravity_free_acceleration_read_when_declared(tmp_path):
    path, df = linear_example(tmp_path)
    rec = read_recording(path, "waist", RecordingFormat(acc_units="g", acc_gravity="removed"))
    assert rec.acc_gravity == "removed" and "gravity removed" in describe(rec)
    np.testing.assert_allclose(rec.x[:, :3], df[["ax", "ay", "az"]].to_numpy() * G, atol=2e-4)
    assert any("gyroscope units not checked" in w for w in rec.warnings)
    with pytest.raises(RecordingError, match="--acc-gravity removed"):  # undeclared: refused, the flag named
        read_recording(path, "waist", RecordingFormat(acc_units="g"))


@pytest.mark.parametrize("file,fmt,message", [
    ("linear", RecordingFormat(acc_gravity="removed"), "give --acc-units"),
    ("total", RecordingFormat(acc_units="g", acc_gravity="removed"), "gravity is in the data"),
    ("total", RecordingFormat(acc_units="m/s2", acc_gravity="removed"), r"1.0\d g in g\); drop .* \(g\?\)"),
    ("linear", RecordingFormat(acc_units="g", acc_gravity="gone"), "unknown --acc-gravity"),
])
def test_gravity_free_claims_checked(tmp_path, file, fmt, message):
    path = linear_example(tmp_path)[0] if file == "linear" else EXAMPLE
    with pytest.raises(RecordingError, match=message):
        read_recording(path, "waist", fmt)


def test_user_acceleration_alone_is_linear_acceleration(tmp_path):
    """Core Motion's userAcceleration without its gravity columns: accepted only as gravity-free."""
    path, _ = linear_example(tmp_path, ("userAcceleration.x", "userAcceleration.y", "userAcceleration.z"))
    rec = read_recording(path, "waist", RecordingFormat(acc_units="g", acc_gravity="removed"))
    assert rec.acc_gravity == "removed" and abs(rec.x[:, :3].mean(0)).max() < 0.1
    with pytest.raises(RecordingError, match="not found"):
        read_recording(path, "waist", RecordingFormat(acc_units="g"))


def test_several_sensors_with_different_units_say_to_drop_acc_units(tmp_path):
    df = pd.read_csv(dsads_walking_csv(tmp_path))
    df[["T_ax", "T_ay", "T_az"]] /= G  # the torso unit in g, the thighs in m/s^2
    path = write(df, tmp_path, "mixed.csv")
    with pytest.raises(RecordingError, match="drop --acc-units to have each sensor's unit found"):
        read_recording(path, [group(u, s) for u, s in SITES.items()], RecordingFormat(acc_units="m/s2"))
    rec = read_recording(path, [group(u, s) for u, s in SITES.items()])  # guessed per sensor
    assert rec.acc_units == "g, m/s2, m/s2"


def test_several_accelerometers_without_gyro_columns_warn_about_unused_ones(tmp_path):
    rec = read_recording(dsads_walking_csv(tmp_path), [acc_only(u, s) for u, s in SITES.items()])
    assert any("no gyroscope columns given; unused numeric columns: T_gx" in w for w in rec.warnings)


@pytest.mark.parametrize("change,message", [
    (lambda d: d.assign(ax=d.ax.mean(), ay=d.ay.mean(), az=d.az.mean()),
     "accelerometer column(s) read one value throughout"),  # a frozen accelerometer while the gyroscope turns
    (lambda d: d.assign(ay=0.0), "ay = 0 m/s^2) while the sensor moves"),
    (lambda d: d.assign(gz=0.0), "gz = 0 rad/s) while the sensor moves"),
    (lambda d: d.assign(gx=0.1), "--gyro-cols none"),
])
def test_a_dead_or_stuck_axis_is_refused(tmp_path, change, message):
    assert message in _bad(change(make_recording()), tmp_path)


def test_clipping_and_interpolation_are_warned(tmp_path):
    df = make_recording()
    df["ax"] = (8 * df.ax).clip(-1.5, 1.5)  # a 2.4 g swing on a +-1.5 g sensor
    df.loc[df.index % 3 == 0, "ay"] = np.nan  # a third of the samples missing, one at a time
    rec = read_recording(write(df, tmp_path), "waist", RecordingFormat(acc_units="g"))
    assert any(w.startswith("ax sits at its maximum (1.50 g)") for w in rec.warnings), rec.warnings
    assert any("column ay: 500 of 1500 samples (33.3 %) were missing and are interpolated" in w
               for w in rec.warnings), rec.warnings


def test_the_real_example_has_no_dead_clipped_or_filled_axis():
    rec = read_recording(EXAMPLE, "waist", RecordingFormat(acc_units="g"))
    assert not [w for w in rec.warnings if "sits at" in w or "one value" in w or "interpolated" in w], rec.warnings


def test_cells_that_are_not_numbers_are_refused_naming_the_first(tmp_path):
    df = make_recording()
    df["ax"] = df.ax.astype(object)
    df.loc[4::2, "ax"] = "ERR"
    assert "column ax holds 'ERR' at row 4 (file line 6), which is not a number" in _bad(df, tmp_path)


def test_rate_and_time_unit(tmp_path):
    df = make_recording(seconds=60.0, fps=50.0)
    assert "give one of them" in _bad(df, tmp_path, RecordingFormat(acc_units="g", fps=50.0))
    slow = make_recording(seconds=300.0, fps=1.0)  # 1 s steps
    rec = read_recording(write(slow, tmp_path, "slow.csv"), "waist", RecordingFormat(acc_units="g"))
    assert rec.fps == pytest.approx(1000.0) and any("read as milliseconds" in w for w in rec.warnings)
    assert "sampled at 1 Hz" in _bad(slow, tmp_path, RecordingFormat(acc_units="g", time_unit="s"))
    drifting = make_recording(seconds=60.0, fps=10.0 / 1.002)  # a 10 Hz clock running 0.2 % slow: kept
    rec = read_recording(write(drifting, tmp_path, "ten.csv"), "waist", RecordingFormat(acc_units="g"))
    assert rec.fps == pytest.approx(9.98, abs=0.01) and not any("Hz:" in w for w in rec.warnings)
    low = read_recording(write(make_recording(seconds=60.0, fps=6.25), tmp_path, "low.csv"), "waist",
                         RecordingFormat(acc_units="g"))
    assert any(w.startswith("sampled at 6.25 Hz: motion above 3.12 Hz") for w in low.warnings), low.warnings


def test_iso_times_with_fractions_on_some_rows_only(tmp_path):
    df = make_recording(seconds=20.0)
    stamps = pd.Timestamp("2024-01-01 00:00:00+01:00") + pd.to_timedelta(np.arange(len(df)) / 50.0, unit="s")
    df["time"] = [s.isoformat() for s in stamps]  # the first row has no fractional part
    rec = read_recording(write(df, tmp_path), "waist", RecordingFormat(acc_units="g"))
    assert rec.fps == pytest.approx(50.0) and rec.start_time == stamps[0]


@pytest.mark.parametrize("window,stride,message", [(0.5, None, "a window of 0.5 s is too short"),
                                                   (0.01, None, "too short"), (10.0, 0.01, "shorter than one sample"),
                                                   (10.0, 0.025, "shorter than one sample")])
def test_windows_too_short_for_the_models_are_refused(tmp_path, window, stride, message):
    rec = read_recording(write(make_recording(), tmp_path), "waist", RecordingFormat(acc_units="g"))
    with pytest.raises(RecordingError, match=message):
        recording_windows(rec, window, stride)


def test_a_column_given_twice_to_one_sensor_is_named_so(tmp_path):
    assert "column ax is given twice to 'waist'" in _bad(make_recording(), tmp_path,
                                                         RecordingFormat(acc_units="g", acc_cols=("ax", "ax", "az")))


def test_decimal_comma_files_name_the_bad_cell(tmp_path):
    df = make_recording(seconds=20.0)
    df["ax"] = df.ax.astype(object)
    df.loc[7, "ax"] = "x"
    path = tmp_path / "comma.csv"
    df.to_csv(path, sep=";", decimal=",", index=False)
    with pytest.raises(RecordingError, match=r"column ax holds 'x' at row 7 \(file line 9\).*\(1 of 1000\)"):
        read_recording(path, "waist", RecordingFormat(acc_units="g"))


def test_times_across_a_clock_change_are_read_in_utc(tmp_path):
    df = make_recording(seconds=20.0)
    stamps = pd.date_range("2024-03-31 01:59:50", periods=len(df), freq="20ms", tz="Europe/Berlin")
    df["time"] = [s.isoformat() for s in stamps]  # +01:00, then +02:00 after 02:00
    rec = read_recording(write(df, tmp_path), "waist", RecordingFormat(acc_units="g"))
    assert rec.fps == pytest.approx(50.0) and rec.duration == pytest.approx(20.0, abs=0.05)


def test_a_missing_time_column_lists_every_column_of_the_file(tmp_path):
    message = _bad(make_recording(), tmp_path, RecordingFormat(acc_units="g", time_col="t_s"))
    assert "no time column 't_s' (file has: time, ax, ay, az, gx, gy, gz)" in message
