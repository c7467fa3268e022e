"""The motionfm command line, run in-process with typer's runner."""

import re

import numpy as np
import pandas as pd
import pytest
from pathlib import Path
from typer.testing import CliRunner

from conftest import need, with_sensor_noise
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
    df = with_sensor_noise(pd.DataFrame({"time": t, "ax": 0.1 * np.sin(t), "ay": 0.0 * t, "az": 1.0 + 0 * t,
                                         "gx": 0 * t, "gy": 0 * t, "gz": 0 * t}))
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
    (["--labels", "walking,Walking "], None, "'walking' and 'Walking' are the same label"),
    (["--window", "0.5"], None, "a window of 0.5 s is too short"),
    (["--window", "0.01"], None, "too short"),
    (["--fps", "50"], None, "give one of them"),
    (["--time-unit", "fortnight"], None, "unknown time unit"),
    ([], lambda d: d.assign(ay=0.0, ax=4 * d.ax), "a dead or stuck axis"),
    ([], lambda d: d.assign(ax=d.ax.astype(object).where(d.index % 2 == 1, "ERR")), "which is not a number"),
    (["--model", "/nonexistent"], None, "no model at"),
    (["--placement", "waist", "--placement", "chest"], None, "one --placement per file"),
    (["--placement", "waist=ax,ay,az", "--placement", "chest"], None, "got both kinds"),
    (["--placement", "waist=ax,ay"], None, "3 or 6 column names"),
    (["--placement", "waist=ax,ay,az", "--acc-cols", "ax,ay,az"], None, "drop --acc-cols"),
    (["--placement", "waist=ax,ay,az,gx,gy,gz", "--placement", "chest=gx,gy,gz"], None, "is given to both"),
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


def _bytes(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _scaled(tmp_path, name, **columns):
    """The standard test recording with some columns multiplied, written to ``name``."""
    def change(d):
        for col, factor in columns.items():
            d[col] = d[col] * factor
        return d
    return _recording(tmp_path, change).rename(tmp_path / name)


def _one_bad_value(value):
    def change(d):
        d.loc[77, "ay"] = value
        return d
    return change


def _turning(tmp_path, factor=1.0):
    """A sensor tilting about x: gravity (0, sin, cos) g and a gyroscope that agrees (rad/s, times factor)."""
    t = np.arange(1500) / 50.0
    theta = 0.8 * np.sin(2 * np.pi * 0.4 * t)
    df = with_sensor_noise(pd.DataFrame({"time": t, "ax": 0 * t, "ay": np.sin(theta), "az": np.cos(theta),
                                         "gx": factor * np.gradient(theta, t), "gy": 0 * t, "gz": 0 * t}))
    path = tmp_path / "turn.csv"
    df.to_csv(path, index=False)
    return path


# Every bad input a user can give: (command line built from tmp_path, text the one-line error must hold).
BAD_INPUTS = {
    "empty file": (lambda p: ["classify", str(_bytes(p, "e.csv", b""))], "the file is empty"),
    "gzip named .csv": (lambda p: ["classify", str(_bytes(p, "z.csv", __import__("gzip").compress(b"a,b\n1,2\n")))],
                        "gzip-compressed"),
    "binary named .csv": (lambda p: ["classify", str(_bytes(p, "b.csv", bytes(range(256)) * 8))], "binary"),
    "a directory": (lambda p: ["classify", str(p)], "is a folder"),
    "corrupt parquet": (lambda p: ["classify", str(_bytes(p, "c.parquet", b"PAR1garbage" * 30))],
                        "not a readable Parquet file"),
    "window 0": (lambda p: ["classify", str(_recording(p)), "--window", "0"], "--window must be a positive"),
    "window -5": (lambda p: ["classify", str(_recording(p)), "--window", "-5"], "--window must be a positive"),
    "window nan": (lambda p: ["classify", str(_recording(p)), "--window", "nan"], "--window must be a positive"),
    "stride inf": (lambda p: ["classify", str(_recording(p)), "--stride", "inf"], "--stride must be a positive"),
    "fps 0": (lambda p: ["classify", str(_recording(p)), "--fps", "0"], "--fps must be a positive"),
    "two acc columns": (lambda p: ["classify", str(_recording(p)), "--acc-cols", "ax,ay"], "three comma-separated"),
    "mistyped gyro columns": (lambda p: ["classify", str(_recording(p)), "--gyro-cols", "gx,gy,gq"],
                              "gyroscope column(s) gq not found"),
    "infinite value": (lambda p: ["classify", str(_recording(p, _one_bad_value(np.inf)))],
                       "column ay is infinite (inf) at row 77 (file line 79)"),
    "1e30 value": (lambda p: ["classify", str(_recording(p, _one_bad_value(1e30)))],
                   "column ay reads 9.807e+30 m/s^2 at row 77"),
    "m/s2 declared g": (lambda p: ["classify", str(_scaled(p, "ms2.csv", ax=9.80665, ay=9.80665, az=9.80665)),
                                   "--acc-units", "g"], "pass --acc-units m/s2"),
    "deg/s declared rad/s": (lambda p: ["classify", str(_turning(p, np.degrees(1.0)))],
                             "pass --gyro-units deg/s"),
    "rad/s declared deg/s": (lambda p: ["classify", str(_turning(p)), "--gyro-units", "deg/s"],
                             "pass --gyro-units rad/s"),
    "out is a folder": (lambda p: ["classify", str(_recording(p)), "--out", str(p)], "is a folder"),
    "out not writable": (lambda p: ["classify", str(_recording(p)), "--out", "/proc/motionfm/x.csv"],
                         "cannot write in /proc"),
    "out is a symlink": (lambda p: ["classify", str(_recording(p)), "--out",
                                    str((p / "l.csv").symlink_to(p / "t.csv") or p / "l.csv")], "a symbolic link"),
    "plot not writable": (lambda p: ["classify", str(_recording(p)), "--plot", "/proc/x.png"], "cannot write in"),
    "evaluate --shots a": (lambda p: ["evaluate", "--shots", "a"], "--shots takes comma-separated whole numbers"),
    "evaluate --shots 0": (lambda p: ["evaluate", "--shots", "0,1"], "--shots takes comma-separated whole numbers"),
    "evaluate --seeds 0": (lambda p: ["evaluate", "--seeds", "0"], "--seeds must be a whole number >= 1"),
    "evaluate --device tpu": (lambda p: ["evaluate", "--device", "tpu", "--out", str(p / "e")], "unknown --device"),
    "evaluate --out is a file": (lambda p: ["evaluate", "--out", str(_bytes(p, "f", b"x"))], "is a file"),
    "embed --limit 0": (lambda p: ["embed", "uci-har", "--limit", "0"], "--limit must be at least 3"),
    "embed --limit 1": (lambda p: ["embed", "uci-har", "--limit", "1"], "--limit must be at least 3"),
    "embed --plot is a folder": (lambda p: ["embed", "uci-har", "--plot", str(p)], "is a folder"),
    "simulate corrupt archive": (lambda p: ["simulate", str(_bytes(p, "m.tar.gz", b"not a tar")), "-o",
                                            str(p / "s.npz")], "cannot unpack the archive"),
    "simulate --out folder": (lambda p: ["simulate", str(p), "-o", str(p)], "is a folder"),
    "export --opset 3": (lambda p: ["export", "--onnx", str(p / "m.onnx"), "--opset", "3"], "--opset must be"),
    # each of these ran and exited 0 (or ended in a traceback) before
    "evaluate a data set twice": (lambda p: ["evaluate", "--datasets", "uci-har,uci-har"], "uci-har more than once"),
    "evaluate a data set in two spellings": (lambda p: ["evaluate", "--datasets", "UCI-HAR,uci-har"],
                                             "uci-har more than once"),
    "evaluate no data set": (lambda p: ["evaluate", "--datasets", ""], "--datasets names no data set"),
    "evaluate no setting": (lambda p: ["evaluate", "--settings", ","], "--settings names no setting"),
    "evaluate no adaptation": (lambda p: ["evaluate", "--adapt", ""], "--adapt names no adaptation"),
    "evaluate --lr-head -1": (lambda p: ["evaluate", "--lr-head", "-1"], "--lr-head must be a learning rate"),
    "evaluate --lr-encoder nan": (lambda p: ["evaluate", "--lr-encoder", "nan"], "--lr-encoder must be a learning"),
    "evaluate --min-steps -3": (lambda p: ["evaluate", "--min-steps", "-3"], "--min-steps must be 0 or more"),
    "evaluate --prompts unknown": (lambda p: ["evaluate", "--prompts", "foo"], "unknown --prompts 'foo'"),
    "evaluate --prompts ignored": (lambda p: ["evaluate", "--prompts", "name"], "leave-one-dataset-out protocol's"),
    "evaluate --max-windows -5": (lambda p: ["evaluate", "--max-windows", "-5"], "--max-windows must be 0"),
    "evaluate --report-only broken": (lambda p: ["evaluate", "--report-only", "--out",
                                                 str(_bytes(p, "results.json", b'{"records": [1]}').parent)],
                                      "not a results.json written by motionfm evaluate"),
    "evaluate --report-only leave-one-out": (lambda p: ["evaluate", "--report-only", "--out", str(_bytes(
        p, "results.json", b'[{"column": "leave-one-out", "dataset": "uci-har"}]').parent)],
                                             "a leave-one-dataset-out result"),
    "simulate --seed -1": (lambda p: ["simulate", str(p), "-o", str(p / "s.npz"), "--seed", "-1"],
                           "--seed must be a whole number >= 0"),  # every file was 'skipped' for it
    "simulate --offset-std inf": (lambda p: ["simulate", str(p), "-o", str(p / "s.npz"), "--offset-std", "inf"],
                                  "--offset-std must be 0 to 0.5 m"),
    "simulate --offset-std -0.05": (lambda p: ["simulate", str(p), "-o", str(p / "s.npz"), "--offset-std",
                                               "-0.05"], "--offset-std must be 0 to 0.5 m"),  # was ignored
    "pretrain-family no data set": (lambda p: ["pretrain-family", "--config", "c.yaml", "--out-dir", str(p / "f"),
                                               "--datasets", ""], "--datasets names no data set"),  # trained all
    "pretrain-family --only empty": (lambda p: ["pretrain-family", "--config", "c.yaml", "--out-dir", str(p / "f"),
                                                "--only", ""], "--only names no member"),
    "pretrain-family --out-dir a file": (lambda p: ["pretrain-family", "--config", "c.yaml", "--out-dir",
                                                    str(_bytes(p, "f", b"x"))], "is a file"),
    "export --labels the same twice": (lambda p: ["export", "--onnx", str(p / "m.onnx"), "--labels", "walk,Walk"],
                                       "are the same label"),
    "export one label": (lambda p: ["export", "--onnx", str(p / "m.onnx"), "--labels", "walking"],
                         "at least two comma-separated --labels"),
    "export --labels ,": (lambda p: ["export", "--onnx", str(p / "m.onnx"), "--labels", ","], "at least two"),
    "embed --plot .txt": (lambda p: ["embed", "uci-har", "--plot", str(p / "t.txt")], "an image file is named .png"),
    "classify --plot .csv": (lambda p: ["classify", str(_recording(p)), "--plot", str(p / "t.csv")],
                             "an image file is named .png"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_every_bad_input_is_one_line_and_exit_2(tmp_path, case):
    build, message = BAD_INPUTS[case]
    args = build(tmp_path)
    if args[0] == "classify" and "--placement" not in args:
        args += ["--placement", "waist"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and message in result.output, result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, (ValueError, OSError))


def test_device_cuda_without_cuda(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    result = runner.invoke(app, ["evaluate", "--device", "cuda", "--out", str(tmp_path / "e")])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "no CUDA GPU" in result.output


def test_version_and_short_help():
    from motionfm import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"motionfm {__version__}"
    for args in (["-h"], ["classify", "-h"], ["datasets", "show", "-h"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage" in result.output


def _commands(group, prefix=()):
    import click

    for name, cmd in group.commands.items():
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))
        else:
            yield prefix + (name,), cmd


def test_every_option_has_help():
    import typer.main

    group = typer.main.get_command(app)
    missing = [f"{' '.join(path)} {p.name}" for path, cmd in _commands(group) for p in cmd.params
               if not getattr(p, "help", None) and p.name not in ("help",)]
    assert not missing, missing


def test_startup_imports_no_heavy_library():
    """`motionfm --help` must not import torch, numpy or pandas (the cost of each command is its own)."""
    import subprocess
    import sys

    code = ("import sys, motionfm.cli; "
            "print(sorted(m for m in ('torch', 'numpy', 'pandas', 'scipy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_classify_reports_placement_score_meaning_and_unclassified_tail(tmp_path):
    path = _recording(tmp_path, rows=int(25.0 * 50))  # 25 s: two 10 s windows, 5 s left over
    result = runner.invoke(app, ["classify", str(path), "--placement", "waist", "--gyro-cols", "none"])
    assert result.exit_code == 0, result.output
    assert "waist (joint pelvis)" in result.output and "cosine similarity" in result.output
    assert "5.0 s of 25.0 s not classified" in result.output
    quiet = runner.invoke(app, ["classify", str(path), "--placement", "waist", "--gyro-cols", "none", "--quiet",
                                "--out", str(tmp_path / "p.csv")])
    assert quiet.exit_code == 0 and quiet.output.strip() == f"wrote {tmp_path / 'p.csv'}"


def test_classify_long_recording_summarised_with_clock(tmp_path):
    rows = int(30 * 60 * 20)  # 30 min at 20 Hz: 180 windows
    t = pd.Timestamp("2024-05-01 08:00:00") + pd.to_timedelta(np.arange(rows) / 20.0, unit="s")
    still = pd.DataFrame({"time": t, "ax": 0.0, "ay": 0.0, "az": 1.0})
    path = tmp_path / "long.csv"
    still.to_csv(path, index=False)
    out = tmp_path / "p.csv"
    result = runner.invoke(app, ["classify", str(path), "--placement", "waist", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "180 windows as runs of one label" in result.output and "2024-05-01T08:00:00" in result.output
    preds = pd.read_csv(out)
    assert len(preds) == 180 and preds.columns[0] == "start_time"
    assert pd.Timestamp(preds.start_time[1]) == pd.Timestamp("2024-05-01 08:00:10")


def test_simulate_archive_reports_member_names(tmp_path):
    import tarfile

    good = need("humanml3d_format/HumanML3D_new_joints_000000.npy")
    bad = tmp_path / "broken.bvh"
    bad.write_text("HIERARCHY\nROOT Hips\n{\n")
    archive = tmp_path / "clips.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(bad, arcname="set/broken.bvh")
        tar.add(good, arcname="set/good.npy")
    out = tmp_path / "sim.npz"
    result = runner.invoke(app, ["simulate", str(archive), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{archive}:set/broken.bvh" in result.output and "motionfm-" not in result.output
    assert SimulatedCorpus.load(out).sources == [f"{archive}:set/good.npy"]


def test_brackets_in_messages_are_printed_verbatim(tmp_path):
    df = pd.DataFrame({"time": np.arange(100) / 50, "AccX [g]": 0.0, "AccY [g]": 0.0})
    df.to_csv(tmp_path / "r.csv", index=False)
    result = runner.invoke(app, ["classify", str(tmp_path / "r.csv"), "--placement", "waist"])
    assert result.exit_code == 2 and "AccX [g]" in result.output


def test_classify_several_sensors_in_one_file(tmp_path):
    """Real DSADS walking (torso + both thighs) as one file: all three sensors reach the model, and the
    placements the user typed are shown."""
    from test_io import SITES, dsads_walking_csv

    path = dsads_walking_csv(tmp_path)
    args = [a for unit, site in SITES.items() for a in ("--placement", f"{site}={unit}_ax,{unit}_ay,{unit}_az,"
                                                                       f"{unit}_gx,{unit}_gy,{unit}_gz")]
    out = tmp_path / "p.csv"
    result = runner.invoke(app, ["classify", str(path), *args, "--labels", "walking,sitting,lying down",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "torso (joint spine3), right_thigh (joint right_hip), left_thigh (joint left_hip)" in " ".join(result.output.split())
    assert (pd.read_csv(out).label == "walking").mean() > 0.5
    assert len(pd.read_csv(out)) == 30  # 300 s of walking in 10 s windows


def test_classify_gravity_free_recording(tmp_path):
    """The bundled real recording as linear acceleration: read when declared, the model's limit said."""
    from test_io import linear_example

    path, _ = linear_example(tmp_path)
    result = runner.invoke(app, ["classify", str(path), "--placement", "waist", "--acc-units", "g",
                                 "--acc-gravity", "removed", "--labels", "walking,sitting,lying down"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "gravity removed" in text and "pre-trained on acceleration with gravity only" in text
    refused = runner.invoke(app, ["classify", str(path), "--placement", "waist", "--acc-units", "g"])
    assert refused.exit_code == 2 and "--acc-gravity removed" in refused.output


def test_classify_imports_neither_scipy_signal_nor_sklearn_and_leaves_gc_on():
    """Start-up of `motionfm classify` (issue 15): scipy.signal and scikit-learn are not loaded (0.6-1 s), and
    the collector, paused while the model's modules import, is on again for the rest of the run. The second
    run is the one checked: the first may load the text encoder to fill the label-feature cache."""
    import subprocess
    import sys

    code = ("import gc, sys; from motionfm.cli import app\n"
            f"sys.argv = ['motionfm', 'classify', {str(EXAMPLE)!r}, '--placement', 'waist', '--acc-units', 'g', '-q']\n"
            "try:\n    app()\nexcept SystemExit:\n    pass\n"
            "print(gc.isenabled(), sorted(m for m in ('scipy.signal', 'sklearn') if m in sys.modules))")
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "True []"


@pytest.mark.parametrize("given,expected", [(None, "10000"), ("0", "0"), ("300000", "300000")])
def test_cli_limits_openmp_spinning_unless_the_user_chose(given, expected):
    """`motionfm` sets GOMP_SPINCOUNT before torch loads libgomp (two jobs on 2 cores: 4-5x faster), and keeps a
    value the user set."""
    from motionfm.cli import limit_openmp_spinning

    env = {} if given is None else {"GOMP_SPINCOUNT": given}
    limit_openmp_spinning(env)
    assert env["GOMP_SPINCOUNT"] == expected


def test_console_entry_sets_the_spin_limit_before_torch():
    import os
    import subprocess
    import sys

    code = ("import os, sys; from motionfm import cli; sys.argv = ['motionfm', '--help']\n"
            "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
            "print(os.environ.get('GOMP_SPINCOUNT'), 'torch' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.split()[-2:] == ["10000", "False"]


def test_classify_without_placement_says_what_it_assumed(tmp_path):
    result = runner.invoke(app, ["classify", str(_recording(tmp_path, lambda d: d.drop(columns=["az"])))])
    assert result.exit_code == 2 and "no --placement given: reading the recording as a watch on the left wrist" \
        in result.output and "az not found" in result.output, result.output
