"""Sensor tables: CSV dialects, gzip, metadata lines, column spellings; each broken file gets one line."""

import gzip

import numpy as np
import pandas as pd
import pytest

from motionfm.io import RecordingFormat, read_recording
from conftest import with_sensor_noise
from motionfm.tables import TableError, find_triplet, key, read_table, ACC_NAMES, GYRO_NAMES

G = 9.80665


def frame(rows=1500, fps=50.0) -> pd.DataFrame:
    t = np.arange(rows) / fps
    return with_sensor_noise(pd.DataFrame({"time": t, "ax": 0.25 * np.sin(2 * np.pi * t), "ay": 0.0 * t + 0.01,
                                           "az": 1.0 + 0 * t, "gx": 0 * t, "gy": 0 * t, "gz": 0 * t}))


@pytest.mark.parametrize("sep,decimal", [(",", "."), (";", ","), ("\t", "."), ("\t", ","), (";", ".")])
def test_dialects(tmp_path, sep, decimal):
    path = tmp_path / "rec.csv"
    frame().to_csv(path, sep=sep, decimal=decimal, index=False)
    table = read_table(path)
    np.testing.assert_allclose(table.frame["ax"].to_numpy(), frame()["ax"].to_numpy(), atol=1e-12)


def test_gzip_csv(tmp_path):
    path = tmp_path / "rec.csv.gz"
    with gzip.open(path, "wt") as f:
        frame().to_csv(f, index=False)
    rec = read_recording(path, "waist", RecordingFormat(acc_units="g"))
    assert rec.fps == pytest.approx(50.0) and rec.x[:, 2] == pytest.approx(G, abs=1e-4)


def test_actigraph_metadata_lines_are_skipped_and_give_the_rate(tmp_path):
    head = ("------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v2.5.0 date format "
            "M/d/yyyy at 30 Hz  Filter Normal -----------\nSerial Number: MOS2E22180349\nStart Time 10:00:00\n"
            "Start Date 5/1/2024\nEpoch Period (hh:mm:ss) 00:00:00\nDownload Time 12:00:00\nDownload Date 5/2/2024\n"
            "Current Memory Address: 0\nCurrent Battery Voltage: 4,18     Mode = 12\n"
            "--------------------------------------------------\n")
    data = frame(rows=900, fps=30.0)[["ax", "ay", "az"]].rename(
        columns={"ax": "Accelerometer X", "ay": "Accelerometer Y", "az": "Accelerometer Z"})
    path = tmp_path / "actigraph.csv"
    path.write_text(head + data.to_csv(index=False))
    table = read_table(path)
    assert table.header_line == 10 and table.fps_hint == 30.0 and len(table.frame) == 900
    rec = read_recording(path, "right_wrist")  # no time column: the rate comes from the metadata
    assert rec.fps == pytest.approx(30.0) and rec.acc_units == "g" and not rec.has_gyro


@pytest.mark.parametrize("acc,gyro", [
    (("acc_x", "acc_y", "acc_z"), ("gyro_x", "gyro_y", "gyro_z")),
    (("Accelerometer X", "Accelerometer Y", "Accelerometer Z"), ("Gyroscope X", "Gyroscope Y", "Gyroscope Z")),
    (("AccX", "AccY", "AccZ"), ("GyrX", "GyrY", "GyrZ")),
    (("ACC X (g)", "ACC Y (g)", "ACC Z (g)"), ("rotationRate.x", "rotationRate.y", "rotationRate.z")),
    (("accelerometer_x", "accelerometer_y", "accelerometer_z"), ("angular_velocity_x", "angular_velocity_y",
                                                                  "angular_velocity_z")),
])
def test_common_column_names(tmp_path, acc, gyro):
    df = frame()
    df = df.rename(columns=dict(zip(("ax", "ay", "az", "gx", "gy", "gz"), acc + gyro)))
    path = tmp_path / "rec.csv"
    df.to_csv(path, index=False)
    rec = read_recording(path, "waist")
    assert rec.has_gyro and rec.acc_units == "g" and rec.x[:, 2] == pytest.approx(G, abs=1e-4)


def test_core_motion_user_acceleration_plus_gravity(tmp_path):
    df = frame()
    out = pd.DataFrame({"loggingTime": df.time, "userAcceleration.x": df.ax, "userAcceleration.y": 0 * df.ay,
                        "userAcceleration.z": 0 * df.az, "gravity.x": 0 * df.ax, "gravity.y": df.ay,
                        "gravity.z": df.az, "rotationRate.x": df.gx, "rotationRate.y": df.gy,
                        "rotationRate.z": df.gz})
    path = tmp_path / "iphone.csv"
    out.to_csv(path, index=False)
    rec = read_recording(path, "right_pocket")
    np.testing.assert_allclose(rec.x[:, :3], frame()[["ax", "ay", "az"]].to_numpy() * G, atol=1e-5)


@pytest.mark.parametrize("name", ["acc_x", "Acc X", "ACC-X", "acc.x", " acc_x (m/s^2)", "AccX [g]"])
def test_key_is_case_space_and_unit_insensitive(name):
    assert key(name) == "accx"
    assert find_triplet([name.replace("x", "X"), "acc_y", "acc_z"], ACC_NAMES) is not None
    assert find_triplet(["gx", "gy"], GYRO_NAMES) is None


def _write_bytes(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make,message", [
    (lambda p: _write_bytes(p, "e.csv", b""), "the file is empty"),
    (lambda p: _write_bytes(p, "e.csv", b"\n\n  \n"), "the file is empty"),
    (lambda p: _write_bytes(p, "z.csv", gzip.compress(b"time,ax,ay,az\n0,0,0,1\n")), "rename it to z.csv.gz"),
    (lambda p: _write_bytes(p, "b.csv", bytes(range(256)) * 10), "binary"),
    (lambda p: _write_bytes(p, "e.parquet", b""), "the file is empty"),
    (lambda p: _write_bytes(p, "c.parquet", b"PAR1" + b"\x00garbage" * 50), "not a readable Parquet file"),
    (lambda p: _write_bytes(p, "t.csv.gz", gzip.compress(b"time,ax\n" * 100)[:30]), "complete .gz"),
    (lambda p: _write_bytes(p, "one.csv", b"hello\nworld\n"), "no delimiter"),
    (lambda p: _write_bytes(p, "nohead.csv", b"0,0,0,1\n0.02,0,0,1\n0.04,0,0,1\n"), "no header line"),
    (lambda p: (p / "folder.csv").mkdir() or p / "folder.csv", "is a folder"),
    (lambda p: p / "missing.csv", "no such file"),
])
def test_broken_files_are_one_line_errors(tmp_path, make, message):
    with pytest.raises(TableError) as info:
        read_table(make(tmp_path))
    assert message in str(info.value) and "\n" not in str(info.value)
