"""The evaluation harness: the seen-in-pretraining guard, the plan, resume, report and figures."""

import json

import pytest
from typer.testing import CliRunner

from motionfm.cli import app
from motionfm.evaluate import EvalConfig, SeenInPretrainingError, check_zero_shot_allowed, markdown_table, plan

runner = CliRunner()


def test_guard_refuses_seen_datasets():
    meta = {"seen_datasets": ["dsads", "usc-had"], "excluded": ["uci-har"]}
    with pytest.raises(SeenInPretrainingError, match="saw dsads during pre-training"):
        check_zero_shot_allowed("default", meta, "dsads")
    check_zero_shot_allowed("default", meta, "uci-har")  # held out: allowed


@pytest.mark.parametrize("meta, dataset", [
    ({"seen_datasets": ["DSADS"]}, "dsads"), ({"seen_datasets": ["dsads"]}, "DSADS"),
    ({"seen_datasets": [" Usc-Had"]}, "usc-had"), ({"seen_datasets": [], "data": ["cmu", "UTD-MHAD"]}, "utd-mhad"),
    ({"real_datasets": ["dsads"]}, "dsads"), ({}, "uci-har"), ({"recipe": "unimts", "steps": 10}, "uci-har")])
def test_guard_normalises_names_and_refuses_models_without_provenance(meta, dataset):
    with pytest.raises(SeenInPretrainingError, match="saw|records no pre-training data"):
        check_zero_shot_allowed("m", meta, dataset)


def test_bundled_model_keeps_zero_shot_on_uci_har():
    from motionfm.hub import read_config
    meta = read_config("default")["metadata"]
    check_zero_shot_allowed("default", meta, "UCI-HAR")
    with pytest.raises(SeenInPretrainingError):
        check_zero_shot_allowed("default", meta, "usc-had")


def test_evaluate_reports_no_zero_shot_for_a_model_without_provenance(tmp_path, dataset):
    dataset("uci-har")
    from motionfm.hub import load_model, save_model
    save_model(load_model("default"), tmp_path / "m")  # the same weights, metadata dropped
    out = tmp_path / "eval"
    result = runner.invoke(app, ["evaluate", "--model", str(tmp_path / "m"), "--datasets", "uci-har", "--settings",
                                 "zero-shot", "--seeds", "1", "--baselines", "none", "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = json.loads((out / "results.json").read_text())
    assert "records no pre-training data" in records[0]["skipped"] and "accuracy" not in records[0]


def test_plan_covers_the_grid():
    tasks = plan(EvalConfig(["uci-har"], shots=(1, 5), seeds=2), "default")
    kinds = {(t.model, t.setting) for t in tasks}
    assert ("minirocket", "zero-shot") not in kinds and ("random-init", "zero-shot") not in kinds
    assert sum(t.model == "default" and t.setting == "few-shot" for t in tasks) == 4
    assert len({(t.dataset, t.model, t.setting, t.k, t.seed) for t in tasks}) == len(tasks)


def test_table_puts_published_figures_beside_ours():
    results = [{"dataset": "uci-har", "model": "m", "setting": "zero-shot", "k": None, "seed": 0, "accuracy": 0.5,
                "macro_f1": 0.4, "r_at_2": 0.7, "n": 10},
               {"dataset": "dsads", "model": "m", "setting": "zero-shot", "k": None, "seed": 0, "skipped": "m saw dsads"}]
    table = markdown_table(results, "m")
    assert "| uci-har | m | zero-shot |  | 50.0 | 40.0 | 70.0 | 10 | 35.2 / 22.0 |" in table
    assert "not reported: m saw dsads" in table


def test_evaluate_command_writes_results_and_figures(tmp_path, dataset):
    dataset("uci-har")
    out = tmp_path / "eval"
    args = ["evaluate", "--datasets", "uci-har,usc-had", "--settings", "zero-shot,few-shot", "--shots", "2",
            "--seeds", "1", "--baselines", "none", "--out", str(out), "--device", "cpu", "--min-steps", "10",
            "--max-steps", "10"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "zero-shot not reported on usc-had" in result.output  # the bundled model saw USC-HAD
    records = json.loads((out / "results.json").read_text())
    assert {(r["dataset"], r["setting"]) for r in records} == {("uci-har", "zero-shot"), ("uci-har", "few-shot"),
                                                               ("usc-had", "zero-shot"), ("usc-had", "few-shot")}
    zs = next(r for r in records if r["dataset"] == "uci-har" and r["setting"] == "zero-shot")
    assert zs["accuracy"] > 1 / 3 and zs["n"] > 400
    assert (out / "confusion_uci-har.png").exists() and (out / "fewshot_usc-had.png").exists()
    assert "35.2 / 22.0" in (out / "results.md").read_text()
    again = runner.invoke(app, args + ["--resume"])  # nothing left to do: the records are kept as they are
    assert again.exit_code == 0 and json.loads((out / "results.json").read_text()) == records


def test_evaluate_rejects_unknown_names(tmp_path):
    assert "unknown data set" in runner.invoke(app, ["evaluate", "--datasets", "mnist", "--out", str(tmp_path)]).output
    result = runner.invoke(app, ["evaluate", "--settings", "two-shot", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown setting" in result.output


def test_embed_plot(tmp_path, dataset):
    dataset("usc-had")
    result = runner.invoke(app, ["embed", "usc-had", "--limit", "120", "--plot", str(tmp_path / "t.png"),
                                 "--out", str(tmp_path / "e.npz")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t.png").stat().st_size > 10_000


def test_minirocket_baseline_on_synthetic_classes():
    pytest.importorskip("aeon")
    import numpy as np

    from motionfm.evaluate.benchmark import _minirocket_scores
    from motionfm.windows import CanonicalWindows

    rng = np.random.default_rng(0)
    t = np.arange(200) / 20.0
    def make(n):
        y = np.repeat([0, 1], n)
        x = np.zeros((2 * n, 200, 22, 6), np.float32)
        x[:, :, 17, 0] = np.sin(2 * np.pi * np.where(y == 0, 1.0, 3.0)[:, None] * t + rng.uniform(0, 6, (2 * n, 1)))
        mask = np.zeros((2 * n, 22), bool)
        mask[:, 17] = True
        return CanonicalWindows(x, mask, y)
    train, test = make(10), make(10)
    scores = _minirocket_scores(train, test, seed=0)
    assert scores.shape == (20, 2) and (scores.argmax(1) == test.y).mean() == 1.0


def test_primus_linear_probe_through_the_evaluate_command(tmp_path, dataset):
    dataset("uci-har")
    from conftest import primus_config
    from motionfm.pretrain import pretrain

    pretrain(primus_config(tmp_path / "primus", steps=4), show_progress=False)
    out = tmp_path / "eval"
    args = ["evaluate", "--model", str(tmp_path / "primus" / "model"), "--datasets", "uci-har,usc-had", "--settings",
            "probe,zero-shot", "--seeds", "1", "--baselines", "none", "--out", str(out), "--device", "cpu"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    records = {(r["dataset"], r["setting"]): r for r in json.loads((out / "results.json").read_text())}
    assert records[("uci-har", "probe")]["accuracy"] > 1 / 6 and records[("uci-har", "probe")]["n"] > 400
    assert "skipped" in records[("usc-had", "zero-shot")]  # the PRIMUS run saw USC-HAD: no zero-shot claim
    assert "accuracy" in records[("uci-har", "zero-shot")]
