"""evaluate/leave_one_out.py: the family's zero-shot table, and the whole path (train family, evaluate) on CPU."""

import json

import numpy as np
import pytest
import torch
import yaml
from typer.testing import CliRunner

from conftest import need, tiny_config
from motionfm.cli import app
from motionfm.evaluate import EvalConfig, Evaluator, check_zero_shot_allowed, leave_one_out
from motionfm.evaluate.benchmark import Task
from motionfm.evaluate.leave_one_out import PAPER_MEAN, family_models, markdown, zero_shot_record
from motionfm.evaluate.report import PUBLISHED_UNIMTS
from motionfm.hub import load_model

runner = CliRunner()


def _rec(column, dataset, acc=None, f1=None, n=10):
    base = {"column": column, "dataset": dataset, "model": "m", "prompts": "ensemble"}
    return {**base, "skipped": "seen"} if acc is None else {**base, "accuracy": acc, "macro_f1": f1, "n": n}


def test_paper_mean_is_the_mean_of_the_five_paper_figures():
    acc, f1 = (np.mean([v["zero-shot"][k] for v in PUBLISHED_UNIMTS.values()]) for k in (0, 1))
    assert PAPER_MEAN == (round(acc, 1), round(f1, 1)) == (27.6, 21.1)


def test_table_rows_mean_and_paper_column():
    records = [_rec("leave-one-out", "usc-had", 0.5, 0.4), _rec("leave-one-out", "dsads", 0.3, 0.2),
               _rec("sim-only", "usc-had", 0.2, 0.1), _rec("sim-only", "dsads")]
    lines = markdown(records).splitlines()
    assert lines[2] == "| usc-had | without-usc-had | 50.0 / 40.0 | 20.0 / 10.0 | 30.5 / 27.8 | 10 |"
    assert lines[3] == "| dsads | without-dsads | 30.0 / 20.0 | not reported (seen in pre-training) | 31.5 / 23.7 | 10 |"
    assert lines[4] == "| mean | | 40.0 / 30.0 | 20.0 / 10.0 (over 1 of 2) | 31.0 / 25.8 (over these 2) | |"
    five = [_rec("leave-one-out", d, 0.5, 0.5) for d in PUBLISHED_UNIMTS]
    assert markdown(five).splitlines()[-1] == "| mean | | 50.0 / 50.0 |  | 27.6 / 21.1 | |"


def test_the_guard_holds_inside_the_protocol(dataset):
    dataset("dsads")
    model = load_model("default")  # saw dsads, usc-had, utd-mhad
    assert "seen_datasets" in zero_shot_record(model, "default", "DSADS")["skipped"]


def test_text_mean_prompts_give_the_standard_protocols_zero_shot_figure(dataset):
    from motionfm.models import ModelConfig, create_model

    dataset("uci-har")
    torch.manual_seed(0)
    model = create_model(ModelConfig(encoder="tiny", embed_dim=32)).eval()
    model.metadata = {"seen_datasets": []}
    mine = zero_shot_record(model, "tiny", "uci-har", prompts="text-mean")
    theirs = Evaluator(model, "tiny", EvalConfig(["uci-har"], ["zero-shot"], baselines=[])).run_task(
        Task("uci-har", "tiny", "zero-shot", "zero-shot", None, 0))
    assert mine["accuracy"] == theirs["accuracy"] and mine["macro_f1"] == theirs["macro_f1"]
    assert mine["n"] == theirs["n"] == int((dataset("uci-har").split == "test").sum())
    part = zero_shot_record(model, "tiny", "uci-har", prompts="ensemble", max_windows=40)
    assert part["n"] == 40 and part["prompts"] == "ensemble"


def test_a_family_without_a_member_is_refused(tmp_path):
    (tmp_path / "without-usc-had" / "model").mkdir(parents=True)
    with pytest.raises(ValueError, match="no model trained without usc-had.*--only without-usc-had"):
        family_models(tmp_path, ["usc-had"])
    with pytest.raises(ValueError, match="no model family at"):
        family_models(tmp_path / "nothing", ["usc-had"])
    with pytest.raises(ValueError, match="unknown prompts 'all'"):
        leave_one_out(tmp_path, ["usc-had"], prompts="all")  # the API: motionfm.evaluate.leave_one_out


def test_family_trained_and_evaluated_end_to_end_on_cpu(tmp_path, dataset):
    """A tiny schedule (6 steps, tiny encoder, 8 CMU clips), two data sets: every member trains, records what
    it saw, and the evaluation scores each data set with the model that never saw it, plus sim-only."""
    need("utd_mhad_wharf")
    cfg = tiny_config(tmp_path / "unused", real_datasets=[], exclude=[], steps=3, checkpoint_every=3,
                      real_synonyms=False)  # fewer captions to encode: seconds matter here
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    family = tmp_path / "family"
    args = ["pretrain-family", "--config", str(tmp_path / "tiny.yaml"), "--out-dir", str(family),
            "--datasets", "usc-had,utd-mhad"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    seen = {m: load_model(family / m / "model").metadata["seen_datasets"]
            for m in ("without-usc-had", "without-utd-mhad", "sim-only")}
    assert seen == {"without-usc-had": ["utd-mhad"], "without-utd-mhad": ["usc-had"], "sim-only": []}
    check_zero_shot_allowed("without-usc-had", load_model(family / "without-usc-had" / "model").metadata, "usc-had")
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and again.output.count(": kept") == 3, again.output

    out = tmp_path / "eval"
    result = runner.invoke(app, ["evaluate", "--protocol", "leave-one-dataset-out", "--family", str(family),
                                 "--datasets", "usc-had,utd-mhad", "--out", str(out), "--device", "cpu",
                                 "--max-windows", "48", "--prompts", "name"])
    assert result.exit_code == 0, result.output
    records = json.loads((out / "results.json").read_text())
    assert [(r["column"], r["dataset"], r["model"]) for r in records] == [
        ("leave-one-out", "usc-had", "without-usc-had"), ("leave-one-out", "utd-mhad", "without-utd-mhad"),
        ("sim-only", "usc-had", "sim-only"), ("sim-only", "utd-mhad", "sim-only")]
    for r in records:
        ws = dataset(r["dataset"])
        assert r["n"] == 48 < int((ws.split == "test").sum()) and 0.0 <= r["accuracy"] <= 1.0
        assert r["prompts"] == "name"
    table = (out / "results.md").read_text()
    loo = [r for r in records if r["column"] == "leave-one-out"]
    mean = f"{100 * np.mean([r['accuracy'] for r in loo]):.1f} / {100 * np.mean([r['macro_f1'] for r in loo]):.1f}"
    assert "prompts: name, at most 48 test windows" in table and "| usc-had | without-usc-had |" in table and "30.5 / 27.8" in table and f"| mean | | {mean} |" in table


def test_family_errors_are_one_line(tmp_path):
    result = runner.invoke(app, ["evaluate", "--protocol", "leave-one-dataset-out"])
    assert result.exit_code == 2 and "needs --family DIR" in result.output
    result = runner.invoke(app, ["evaluate", "--protocol", "loso", "--family", str(tmp_path)])
    assert result.exit_code == 2 and "unknown protocol 'loso'" in result.output
    result = runner.invoke(app, ["evaluate", "--protocol", "leave-one-dataset-out", "--family", str(tmp_path),
                                 "--datasets", "usc-had"])
    assert result.exit_code == 2 and "no model trained without usc-had" in result.output
