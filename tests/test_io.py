"""User recordings: a generated recording round-trips; each kind of bad input gets its message."""

import numpy as np
import pandas as pd
import pytest

from motionfm.io import RecordingError, RecordingFormat, read_recording, recording_windows
from motionfm.skeleton import joint_index

G = 9.80665


def make_recording(seconds=30.0, fps=50.0, jitter=0.0, seed=0) -> pd.DataFrame:
    """A wrist sensor: gravity on z plus a 1 Hz swing on x (in g), a 0.5 Hz gyro on y (rad/s)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * fps)) / fps + rng.uniform(-jitter, jitter, int(seconds * fps))
    t[0] = 0.0
    return pd.DataFrame({"time": t, "ax": 0.3 * np.sin(2 * np.pi * t), "ay": 0.0 * t, "az": 1.0 + 0 * t,
                         "gx": 0.0 * t, "gy": 2.0 * np.sin(np.pi * t), "gz": 0.0 * t})


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
