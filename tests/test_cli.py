"""The motionfm command line, run in-process with typer's runner."""

import re

import numpy as np
import pandas as pd
import pytest
from pathlib import Path
from typer.testing import CliRunner

from conftest import need
from motionfm.cli import app
from motionfm.simulate_corpus import SimulatedCorpus

runner = CliRunner()


def test_simulate_folder_and_files(tmp_path):
    folder = need("humanml3d_format")
    out = tmp_path / "sim.npz"
    result = runner.invoke(app, ["simulate", str(folder), "-o", str(out), "--noise"])
    assert result.exit_code == 0, result.output
    assert "2 clips" in result.output
    corpus = SimulatedCorpus.load(out)
    assert len(corpus) == 2 and corpus.fps == 20.0
    assert corpus.clip(0).shape[1:] == (22, 6) and np.isfinite(corpus.imu).all()
    with np.load(out) as z:
        assert list(z["joint_names"][:2]) == ["pelvis", "left_hip"] and float(z["fps"]) == 20.0


def test_simulate_reports_bad_files_and_keeps_good_ones(tmp_path):
    bad = tmp_path / "broken.bvh"
    bad.write_text("HIERARCHY\nROOT Hips\n{\n")
    good = need("humanml3d_format/HumanML3D_new_joints_000000.npy")
    out = tmp_path / "sim.npz"
    result = runner.invoke(app, ["simulate", str(bad), str(good), "-o", str(out), "--fps-out", "30"])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "broken.bvh" in result.output
    assert SimulatedCorpus.load(out).fps == 30.0


def test_simulate_errors(tmp_path):
    result = runner.invoke(app, ["simulate", str(tmp_path / "nope.bvh"), "-o", str(tmp_path / "x.npz")])
    assert result.exit_code == 2 and "no such file" in result.output
    result = runner.invoke(app, ["simulate", str(tmp_path), "-o", str(tmp_path / "x.npz")])
    assert result.exit_code == 2 and "no motion files" in result.output
    assert not (tmp_path / "x.npz").exists()


def test_datasets_list_and_show():
    need("uci_hapt")
    result = runner.invoke(app, ["datasets", "list"])
    assert result.exit_code == 0, result.output
    for name in ("uci-har", "dsads", "usc-had", "utd-mhad", "wharf"):
        assert name in result.output
    result = runner.invoke(app, ["datasets", "show", "uci-har"])
    assert result.exit_code == 0 and "walking upstairs" in result.output and "2, 4, 9, 10, 12, 13, 18, 20, 24" in result.output
    result = runner.invoke(app, ["datasets", "show", "nope"])
    assert result.exit_code == 2 and "unknown data set" in result.output


EXAMPLE = Path(__file__).resolve().parents[1] / "examples/uci_hapt_subject02.csv"


def test_classify_the_bundled_example_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out, plot = tmp_path / "preds.csv", tmp_path / "timeline.png"
    result = runner.invoke(app, ["classify", str(EXAMPLE), "--placement", "waist", "--acc-units", "g",
                                 "--labels", "walking,sitting,standing,lying down", "--out", str(out),
                                 "--plot", str(plot)])
    assert result.exit_code == 0, result.output
    preds = pd.read_csv(out)
    assert len(preds) == 26 and set(preds.label) <= {"walking", "sitting", "standing", "lying down"}
    assert list(preds.columns[:6]) == ["start_s", "end_s", "label", "score", "second", "second_score"]
    assert plot.stat().st_size > 10_000 and plot.read_bytes()[:4] == b"\x89PNG"
    truth = pd.read_csv(EXAMPLE)
    walking = [truth.activity[(truth.time >= s) & (truth.time < s + 10)].eq("walking").mean() > 0.9 for s in preds.start_s]
    assert (preds.label[walking] == "walking").mean() >= 0.5  # the clearly walking windows
    printed = dict(re.findall(r"^\s*(walking|sitting|standing|lying down): +(\d+) s$", result.output, re.M))
    assert {k: int(v) for k, v in printed.items()} == {k: 10 * int((preds.label == k).sum())
                                                      for k in ("walking", "sitting", "standing", "lying down")}


def _recording(tmp_path, change=None, rows=1500):
    t = np.arange(rows) / 50.0
    df = pd.DataFrame({"time": t, "ax": 0.1 * np.sin(t), "ay": 0.0 * t, "az": 1.0 + 0 * t,
                       "gx": 0 * t, "gy": 0 * t, "gz": 0 * t})
    df = change(df) if change else df
    path = tmp_path / "rec.csv"
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("args,change,message", [
    ([], lambda d: d.drop(columns=["az"]), "az not found"),
    ([], lambda d: d.assign(ax=np.where(d.index.isin(range(100, 201)), np.nan, d.ax)), "missing values"),
    (["--window", "60"], None, "needs 60 s"),
    (["--placement", "tail"], None, "unknown placement 'tail'"),
    (["--acc-units", "furlongs"], None, "unknown accelerometer unit"),
    (["--gyro-units", "rpm"], None, "unknown gyroscope unit"),
    (["--labels", "walking"], None, "at least two"),
    (["--model", "/nonexistent"], None, "no model at"),
])
def test_classify_bad_input_exits_with_one_line(tmp_path, args, change, message):
    path = _recording(tmp_path, change)
    base = ["classify", str(path)] + (["--placement", "waist"] if "--placement" not in args else [])
    result = runner.invoke(app, base + args)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and message in result.output, result.output


@pytest.mark.parametrize("command", [["evaluate", "--datasets", "uci-har"], ["embed", "uci-har"],
                                     ["export", "--onnx", "m.onnx"]])
def test_commands_name_a_missing_model_in_one_line(tmp_path, command, dataset):
    if command[0] == "embed":
        dataset("uci-har")
    result = runner.invoke(app, [*command, "--model", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "no model at" in result.output and "Traceback" not in result.output
