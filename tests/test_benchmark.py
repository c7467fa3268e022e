"""The evaluation harness: the seen-in-pretraining guard, the plan, resume, report and figures."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from motionfm.cli import app
from motionfm.evaluate import (EvalConfig, Evaluator, SeenInPretrainingError, check_zero_shot_allowed, markdown_table,
                               plan, was_seen)
from motionfm.evaluate.benchmark import Task, majority_scores
from motionfm.hub import load_model
from motionfm.adapt import embed

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
    records = json.loads((out / "results.json").read_text())["records"]
    assert "records no pre-training data" in records[0]["skipped"] and "accuracy" not in records[0]


def test_plan_covers_the_grid():
    tasks = plan(EvalConfig(["uci-har", "dsads"], features=["motionfm", "motionfm+minirocket"],
                            fine_tune_settings=["full-shot"], fine_tune_seeds=1), "default")
    cells = {(t.model, t.adaptation, t.setting) for t in tasks}
    assert ("minirocket", "ridge", "few-shot") in cells and ("default+minirocket", "ridge", "full-shot") in cells
    assert ("random-init", "probe", "few-shot") in cells and ("random-init", "fine-tune", "full-shot") in cells
    assert ("majority", "none", "full-shot") in cells and not any(m == "minirocket" and s == "zero-shot"
                                                                   for m, _, s in cells)
    assert ("default", "fine-tune", "few-shot") not in cells  # fine-tuning only where asked (a CPU schedule)
    few = [t for t in tasks if (t.dataset, t.model, t.adaptation, t.setting) == ("uci-har", "default", "probe", "few-shot")]
    assert sorted({t.k for t in few}) == [1, 2, 3, 5, 10] and len(few) == 15  # k x 3 seeds
    full = [t for t in tasks if t.setting == "full-shot" and t.adaptation in ("probe", "ridge", "none")]
    deterministic = [t for t in full if t.model != "random-init"]
    assert {t.seed for t in deterministic} == {0}  # fixed features, no sampling: one run, no spread to report
    assert {t.seed for t in full if t.model == "random-init"} == {0, 1, 2}  # each seed its own random encoder
    assert len({(t.dataset, t.model, t.adaptation, t.setting, t.k, t.seed) for t in tasks}) == len(tasks)
    first_ft = next(i for i, t in enumerate(tasks) if t.adaptation == "fine-tune")
    assert all(t.adaptation == "fine-tune" for t in tasks[first_ft:])  # the costly cells come last


def _record(model, setting, k, seed, acc, seen=False, adaptation="probe", ds="uci-har"):
    return {"dataset": ds, "model": model, "adaptation": adaptation, "setting": setting, "k": k, "seed": seed,
            "accuracy": acc, "macro_f1": acc, "r_at_2": acc, "n": 10, "seen_in_pretraining": seen}


def test_table_reports_sample_spread_with_n_and_marks_seen_rows():
    results = [{**_record("m", "zero-shot", None, 0, 0.5), "adaptation": "zero-shot", "macro_f1": 0.4, "r_at_2": 0.7},
               {"dataset": "dsads", "model": "m", "adaptation": "zero-shot", "setting": "zero-shot", "k": None,
                "seed": 0, "skipped": "m saw dsads"},
               *[_record("m", "few-shot", 1, s, a) for s, a in enumerate((0.5, 0.6, 0.7))],
               _record("m", "full-shot", None, 0, 0.8, seen=True, ds="dsads")]
    table = markdown_table(results, "m", {"max_windows": 400})
    assert "| uci-har | m | zero-shot | zero-shot |  | 50.0 | 40.0 | 70.0 | 10 | no | 35.2 / 22.0 |" in table
    assert "not reported: m saw dsads" in table
    assert "| 60.0 ± 10.0 (n=3) |" in table  # sample standard deviation of 50, 60, 70
    assert "| dsads | m | probe | full-shot |  | 80.0 | 80.0 | 80.0 | 10 | **yes (not comparable)** |" in table
    assert "± 0.0" not in table and "Settings of this table: max_windows=400" in table


def test_majority_scores_pick_the_training_majority():
    scores = majority_scores(np.array([2, 2, 1, 0, 2]), 4, 3)
    assert scores.shape == (4, 3) and (scores.argmax(1) == 2).all()


@pytest.fixture(scope="module")
def uci_evaluator():
    return Evaluator(load_model("default"), "default", EvalConfig(["uci-har"], max_windows=90))


def test_seen_in_pretraining_is_read_from_the_metadata(uci_evaluator):
    meta = uci_evaluator.metadata
    assert [was_seen(meta, d) for d in ("dsads", "USC-HAD", "utd-mhad", "uci-har", "wharf")] == \
        [True, True, True, False, False]
    assert uci_evaluator._record(Task("dsads", "default", "probe", "full-shot", None, 0), np.zeros(2, int),
                                 np.eye(2))["seen_in_pretraining"]
    assert uci_evaluator._record(Task("dsads", "default+minirocket", "ridge", "full-shot", None, 0), np.zeros(2, int),
                                 np.eye(2))["seen_in_pretraining"]
    assert not uci_evaluator._record(Task("dsads", "random-init", "probe", "full-shot", None, 0), np.zeros(2, int),
                                     np.eye(2))["seen_in_pretraining"]


def test_random_init_probe_is_above_the_majority_class_on_uci_har(dataset, uci_evaluator):
    """Standardised raw features of a random encoder carry signal; the old projected, normalised probe did not."""
    dataset("uci-har")
    probe = uci_evaluator.run_task(Task("uci-har", "random-init", "probe", "full-shot", None, 0))
    majority = uci_evaluator.run_task(Task("uci-har", "majority", "none", "full-shot", None, 0))
    assert majority["accuracy"] < 0.3 and probe["accuracy"] > majority["accuracy"] + 0.2
    assert probe["macro_f1"] > 2 * majority["macro_f1"]


def test_full_shot_uses_all_training_subjects(dataset):
    ws = dataset("uci-har")
    evaluator = Evaluator(load_model("default"), "default", EvalConfig(["uci-har"]))
    _, train, val, test = evaluator.data("uci-har")
    chosen = evaluator._chosen(Task("uci-har", "default", "probe", "full-shot", None, 0), train)
    assert len(chosen) == len(train.y) == (ws.split == "train").sum()
    np.testing.assert_array_equal(np.bincount(train.y[chosen]), ws.class_counts("train"))
    few = evaluator._chosen(Task("uci-har", "default", "probe", "few-shot", 3, 0), train)
    assert np.bincount(train.y[few]).tolist() == [3] * 6


def test_evaluate_command_writes_results_and_figures(tmp_path, dataset):
    dataset("uci-har")
    out = tmp_path / "eval"
    args = ["evaluate", "--datasets", "uci-har,usc-had", "--settings", "zero-shot,few-shot", "--shots", "2",
            "--seeds", "1", "--baselines", "none", "--out", str(out), "--device", "cpu", "--adapt", "probe",
            "--max-windows", "60"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "zero-shot not reported on usc-had" in result.output  # the bundled model saw USC-HAD
    saved = json.loads((out / "results.json").read_text())
    records = saved["records"]
    assert saved["settings"]["max_windows"] == 60 and saved["settings"]["adaptations"] == ["probe"]
    assert {(r["dataset"], r["setting"]) for r in records} == {("uci-har", "zero-shot"), ("uci-har", "few-shot"),
                                                               ("usc-had", "zero-shot"), ("usc-had", "few-shot")}
    zs = next(r for r in records if r["dataset"] == "uci-har" and r["setting"] == "zero-shot")
    assert zs["accuracy"] > 1 / 3 and zs["n"] == 60
    assert (out / "confusion_uci-har.png").exists() and (out / "fewshot_usc-had.png").exists()
    assert "35.2 / 22.0" in (out / "results.md").read_text()
    again = runner.invoke(app, args + ["--resume"])  # nothing left to do: the records are kept as they are
    assert again.exit_code == 0 and json.loads((out / "results.json").read_text())["records"] == records
    (out / "results.md").unlink()
    report = runner.invoke(app, ["evaluate", "--report-only", "--out", str(out)])  # runs nothing, rewrites the table
    assert report.exit_code == 0 and "35.2 / 22.0" in (out / "results.md").read_text()


def test_evaluate_rejects_unknown_names(tmp_path):
    assert "unknown data set" in runner.invoke(app, ["evaluate", "--datasets", "mnist", "--out", str(tmp_path)]).output
    result = runner.invoke(app, ["evaluate", "--settings", "two-shot", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown setting" in result.output
    result = runner.invoke(app, ["evaluate", "--features", "minirocket-only", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "unknown --features value" in result.output


def test_embed_plot(tmp_path, dataset):
    dataset("usc-had")
    result = runner.invoke(app, ["embed", "usc-had", "--limit", "120", "--plot", str(tmp_path / "t.png"),
                                 "--out", str(tmp_path / "e.npz")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "t.png").stat().st_size > 10_000


@pytest.mark.parametrize("fused", [False, True])
def test_minirocket_and_fused_features_on_synthetic_classes(fused):
    pytest.importorskip("aeon")
    from motionfm.adapt import fuse_features, minirocket_transform
    from motionfm.evaluate.benchmark import ridge_scores
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
    f_train, f_test = minirocket_transform(train, test, seed=0)
    if fused:  # an uninformative 'embedding' beside the MiniRocket block: the block weighting keeps both
        e_train, e_test = rng.normal(size=(20, 16)), rng.normal(size=(20, 16))
        d_rocket = f_train.shape[1]
        f_train, f_test = (fuse_features(e, f, (e_train, f_train)) for e, f in ((e_train, f_train), (e_test, f_test)))
        assert f_train.shape[1] == 16 + d_rocket
        np.testing.assert_allclose(f_train[:, :16].var(0).sum(), d_rocket, rtol=1e-4)  # as much as all rocket columns
        assert f_train[:, 16:].var(0).max() <= 1 + 1e-4
    scores = ridge_scores(f_train, train.y, f_test, 2, scale=not fused)
    assert scores.shape == (20, 2) and (scores.argmax(1) == test.y).mean() == 1.0


def test_primus_linear_probe_through_the_evaluate_command(tmp_path, dataset):
    dataset("uci-har")
    from conftest import primus_config
    from motionfm.pretrain import pretrain

    pretrain(primus_config(tmp_path / "primus", steps=4), show_progress=False)
    out = tmp_path / "eval"
    args = ["evaluate", "--model", str(tmp_path / "primus" / "model"), "--datasets", "uci-har,usc-had", "--settings",
            "full-shot,zero-shot", "--adapt", "probe", "--seeds", "1", "--baselines", "none", "--out", str(out),
            "--device", "cpu", "--max-windows", "200"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    records = {(r["dataset"], r["setting"]): r for r in json.loads((out / "results.json").read_text())["records"]}
    assert records[("uci-har", "full-shot")]["accuracy"] > 1 / 6 and records[("uci-har", "full-shot")]["n"] == 200
    assert "skipped" in records[("usc-had", "zero-shot")]  # the PRIMUS run saw USC-HAD: no zero-shot claim
    assert "accuracy" in records[("uci-har", "zero-shot")]


@pytest.mark.parametrize("saved,config,ok", [
    ({"acc_gravity": "removed", "protocol": 2}, {}, False),
    ({"protocol": 2}, {"acc_gravity": "removed"}, False),  # results.json from before the key: gravity included
    ({"max_windows": 200, "protocol": 2, "probe_layers": "blocks"}, {"max_windows": 200}, True),
    ({"max_windows": 200, "protocol": 2}, {"max_windows": 200}, False),  # from before the key: the last layer
    ({"max_windows": 200, "protocol": 2}, {"max_windows": 200, "probe_layers": "last"}, True),
    ({"max_windows": 200, "protocol": 2}, {}, False),
    ({}, {}, False),  # protocol 1: fixed fusion weight, one random encoder for every seed
])
def test_resume_refuses_results_of_other_data(tmp_path, saved, config, ok):
    import json
    from types import SimpleNamespace

    from motionfm.evaluate.benchmark import EvalConfig, run

    (tmp_path / "results.json").write_text(json.dumps({"settings": {"datasets": ["uci-har"], **saved},
                                                       "records": []}))
    evaluator = SimpleNamespace(config=EvalConfig(["uci-har"], **config))
    if ok:
        assert run(evaluator, [], tmp_path, resume=True) == []
    else:
        with pytest.raises(ValueError, match="drop --resume"):
            run(evaluator, [], tmp_path, resume=True)


@pytest.mark.parametrize("head,probe_layers,ok", [
    (None, "blocks", False),  # LP-FT from before its head read probe_layers: the last layer
    (None, "last", True), ("blocks", "blocks", True), ("blocks", "last", False)])
def test_resume_refuses_lp_ft_rows_of_another_head(tmp_path, head, probe_layers, ok):
    import json
    from types import SimpleNamespace

    from motionfm.evaluate.benchmark import EvalConfig, run

    record = {"dataset": "uci-har", "model": "m", "adaptation": "fine-tune", "setting": "full-shot", "k": None,
              "seed": 0, **({"layers": head} if head else {})}
    probe = {**record, "adaptation": "probe", "layers": probe_layers}  # probe rows agree in every case
    (tmp_path / "results.json").write_text(json.dumps({"settings": {"protocol": 2, "probe_layers": probe_layers},
                                                       "records": [record, probe]}))
    evaluator = SimpleNamespace(config=EvalConfig(["uci-har"], probe_layers=probe_layers))
    if ok:
        assert len(run(evaluator, [], tmp_path, resume=True)) == 2
    else:
        with pytest.raises(ValueError, match="LP-FT rows whose head read"):
            run(evaluator, [], tmp_path, resume=True)


@pytest.mark.parametrize("informative,weights", [("embedding", (2.0, 4.0)), ("rocket", (0.0, 0.1, 0.25))])
def test_fusion_weight_is_chosen_on_validation(informative, weights):
    """Fused rows weigh the embedding block by validation macro-F1: an informative embedding beside noise
    'MiniRocket' features gets a large weight, a noise embedding a small one; test scores follow."""
    from types import SimpleNamespace

    from motionfm.evaluate.benchmark import Evaluator

    rng = np.random.default_rng(0)
    y = {part: np.repeat(np.arange(3), 30) for part in ("train", "val", "test")}
    def block(part, signal, d, copies):  # the class one-hot in ``copies`` x 3 columns, the rest noise
        f = rng.normal(size=(90, d))
        if signal:
            f[:, :3 * copies] += 1.5 * np.tile(np.eye(3)[y[part]], copies)
        return f
    ev = Evaluator.__new__(Evaluator)
    ev.config = SimpleNamespace(probe_layers="blocks")
    ev._features = {("d", "motionfm", 0, "blocks"): [block(p, informative == "embedding", 16, 1) for p in y],
                    ("d", "minirocket", 0, ""): [block(p, informative == "rocket", 400, 10) for p in y]}
    task = Task("d", "default+minirocket", "ridge", "full-shot", None, 0)
    scores, extra = ev._fused_scores(task, SimpleNamespace(y=y["train"]), SimpleNamespace(y=y["val"]),
                                     np.arange(90), 3)
    assert extra["fusion_weight"] in weights
    assert (scores.argmax(1) == y["test"]).mean() > 0.6


@pytest.mark.parametrize("layers", ["blocks", "last"])
def test_probe_reads_the_configured_layers_for_model_and_random_init(dataset, layers):
    """Both rows read the same kind of features (a fair baseline); fine-tuning's LP head keeps the last layer."""
    dataset("uci-har")
    evaluator = Evaluator(load_model("default"), "default", EvalConfig(["uci-har"], max_windows=60,
                                                                       probe_layers=layers))
    for model in ("default", "random-init"):
        record = evaluator.run_task(Task("uci-har", model, "probe", "full-shot", None, 0))
        assert record["layers"] == layers and record["accuracy"] > 0.3
    encoder = evaluator.model.encoder
    blocks, last = evaluator.features("uci-har", "motionfm", layers="blocks"), evaluator.features("uci-har", "motionfm")
    assert [f.shape[1] for f in blocks + last] == [encoder.every_block_dim] * 3 + [encoder.out_dim] * 3
    np.testing.assert_array_equal(last[2], embed(evaluator.model, evaluator.data("uci-har")[3], projected=False))
    assert {k[3] for k in evaluator._features} == {"blocks"}  # 'last' is read from the same encoder pass


def test_encoders_without_blocks_probe_their_output_and_say_so():
    from motionfm.models import ModelConfig, create_model

    net = create_model(ModelConfig(arch="primus", encoder="primus", embed_dim=512))
    evaluator = Evaluator(net, "primus", EvalConfig(["uci-har"], probe_layers="blocks"))
    assert evaluator.probe_layers == "last" and evaluator.config.describe()["probe_layers"] == "last"


def test_resume_refuses_results_of_other_probe_layers(tmp_path, dataset):
    dataset("uci-har")
    out = tmp_path / "eval"
    args = ["evaluate", "--datasets", "uci-har", "--settings", "full-shot", "--seeds", "1", "--baselines", "none",
            "--out", str(out), "--device", "cpu", "--adapt", "probe", "--max-windows", "60"]
    assert runner.invoke(app, args + ["--probe-layers", "last"]).exit_code == 0
    again = runner.invoke(app, args + ["--resume"])
    assert again.exit_code == 2 and "probe_layers='last'" in again.output
    assert "unknown --probe-layers" in runner.invoke(app, args + ["--probe-layers", "all"]).output
