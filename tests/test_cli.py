"""The motionfm command line, run in-process with typer's runner."""

import numpy as np
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
        assert list(z["joint_names"][:2]) == ["pelvis", "left_hip"] and z["source_fps"][0] == 20.0


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


EXAMPLE = "examples/uci_hapt_subject02.csv"


def test_classify_reads_the_example():
    from pathlib import Path
    example = Path(__file__).resolve().parents[1] / EXAMPLE
    result = runner.invoke(app, ["classify", str(example), "--placement", "waist", "--acc-units", "g"])
    assert result.exit_code == 0, result.output
    assert "26 windows" in result.output


def test_classify_bad_input_exits_with_one_line(tmp_path):
    path = tmp_path / "rec.csv"
    path.write_text("time,ax,ay\n0,1,2\n0.02,1,2\n")
    result = runner.invoke(app, ["classify", str(path), "--placement", "waist"])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "az not found" in result.output
