"""One evaluation protocol for every model: zero-shot, few-shot and full-shot, adapted by a probe or by LP-FT.

Records are {dataset, model, adaptation, setting, k, seed, accuracy, macro_f1, r_at_2, n, seen_in_pretraining,
...}; see report.py for the Markdown table and figures. Every model (the pre-trained one, the same architecture
randomly initialised, MiniRocket, the majority class, the fused embedding + MiniRocket) sees the same windows and
splits. Only validation subjects steer the probe's C and early stopping; test subjects are scored once.
Embeddings (raw encoder features) and MiniRocket features are computed once per data set and reused across
seeds, settings and k.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from ..adapt import (FUSION_WEIGHTS, PROBE_CS, FineTuneConfig, embed, few_shot_indices, fine_tune, fit_probe,
                     fuse_features, label_matrix, macro_f1, minirocket_transform, predict_logits)
from ..atomic import atomic_path
from ..har import WindowSet, get_spec, load_dataset
from ..models import ImuTextModel, create_model
from ..models.imu_text import LAYERS
from ..orientation import windows_for
from ..windows import CanonicalWindows
from .metrics import classification_metrics, confusion

SETTINGS = ("zero-shot", "few-shot", "full-shot")
PROTOCOL = 2  # 2: fusion weight chosen on validation (FUSION_WEIGHTS), one random encoder per seed
ADAPTATIONS = ("probe", "fine-tune")
BASELINES = ("random-init", "minirocket", "majority")
FEATURES = ("motionfm", "motionfm+minirocket")
PROBE_LAYERS = LAYERS  # EvalConfig.probe_layers
PARTS = ("train", "val", "test")


class SeenInPretrainingError(ValueError):
    """Zero-shot was asked on a data set the model saw during pre-training."""


PROVENANCE_KEYS = ("seen_datasets", "real_datasets", "data")


def _registry_name(name: str) -> str:
    try:
        return get_spec(name).name
    except ValueError:  # a motion corpus, or a data set this version does not know
        return name.strip().lower()


def seen_in_pretraining(metadata: dict) -> set[str] | None:
    """Data sets (registry spelling) a model's metadata says it was pre-trained on: ``seen_datasets``,
    ``real_datasets`` and the ``data`` mix together; None when it records none of them (no provenance)."""
    if not any(k in metadata for k in PROVENANCE_KEYS):
        return None
    return {_registry_name(n) for k in PROVENANCE_KEYS for n in metadata.get(k) or []}


def check_zero_shot_allowed(model_name: str, metadata: dict, dataset: str) -> None:
    """Raise SeenInPretrainingError when the model's metadata lists ``dataset`` (in any spelling) as seen in
    pre-training, or records no pre-training data at all (then it may have seen anything)."""
    seen = seen_in_pretraining(metadata)
    if seen is None:
        raise SeenInPretrainingError(
            f"{model_name} records no pre-training data (no seen_datasets in its config.json), so it may have "
            f"seen {dataset}; zero-shot needs a model whose metadata lists what it was pre-trained on")
    if _registry_name(dataset) in seen:
        raise SeenInPretrainingError(
            f"{model_name} saw {_registry_name(dataset)} during pre-training (seen_datasets: {', '.join(sorted(seen))}); "
            f"a zero-shot figure on it would not be zero-shot. Use a model pre-trained without it.")


def was_seen(metadata: dict, dataset: str) -> bool:
    """Whether a row of ``dataset`` comes from a model that saw it in pre-training (any spelling); a model
    without provenance counts as having seen it, as in the zero-shot guard."""
    seen = seen_in_pretraining(metadata)
    return seen is None or _registry_name(dataset) in seen


@dataclass
class EvalConfig:
    """What one run scores. ``fine_tune_settings`` limits LP-FT to some settings (a CPU schedule: full-shot);
    ``max_windows`` caps each split at that many windows, evenly spaced over the split (0: all);
    ``probe_layers`` which encoder features the probe, the fused rows and the LP-FT head read, for the model and
    random-init alike ('blocks': every ST-GCN block's pooled output side by side; encoders without blocks use
    'last')."""

    datasets: list[str]
    settings: list[str] = field(default_factory=lambda: list(SETTINGS))
    shots: tuple[int, ...] = (1, 2, 3, 5, 10)
    seeds: int = 3
    baselines: list[str] = field(default_factory=lambda: list(BASELINES))
    finetune: FineTuneConfig = field(default_factory=FineTuneConfig)
    device: str = "cpu"
    adaptations: list[str] = field(default_factory=lambda: list(ADAPTATIONS))
    fine_tune_settings: list[str] = field(default_factory=lambda: ["few-shot", "full-shot"])
    fine_tune_seeds: int | None = None  # None: seeds
    features: list[str] = field(default_factory=lambda: ["motionfm"])
    probe_cs: tuple[float, ...] = PROBE_CS
    max_windows: int = 0
    acc_gravity: str = "included"  # 'removed': data sets as linear acceleration (har.load_dataset)
    probe_layers: str = PROBE_LAYERS[0]  # probe, fused rows, LP-FT head: 'blocks' (every block pooled) or 'last'

    def describe(self) -> dict:
        """The settings a table ran with (JSON-ready), with the protocol version."""
        d = asdict(self)
        d.pop("device")
        return {**d, "protocol": PROTOCOL}


@dataclass
class Task:
    dataset: str
    model: str
    adaptation: str
    setting: str
    k: int | None
    seed: int


def _seeds(setting: str, adaptation: str, model: str, config: EvalConfig) -> range:
    """Seeds a cell runs with; deterministic cells (no sampling, no random weights) run once."""
    if setting == "zero-shot" or model == "majority":
        return range(1)
    if adaptation == "fine-tune":
        return range(config.fine_tune_seeds or config.seeds)
    if setting == "full-shot" and model != "random-init":  # probe / ridge on fixed features: deterministic
        return range(1)  # (random-init: each seed is its own random encoder)
    return range(config.seeds)


def _cells(config: EvalConfig, model_name: str) -> list[tuple[str, str]]:
    """(model, adaptation) pairs of the run, cheap ones (on cached features) first."""
    cells = [(model_name, "zero-shot")]
    if "probe" in config.adaptations:
        cells += [(model_name, "probe")] + [("random-init", "probe")] * ("random-init" in config.baselines)
    cells += [("minirocket", "ridge")] * ("minirocket" in config.baselines)
    cells += [(f"{model_name}+minirocket", "ridge")] * ("motionfm+minirocket" in config.features)
    cells += [("majority", "none")] * ("majority" in config.baselines)
    if "fine-tune" in config.adaptations:
        cells += [(model_name, "fine-tune")] + [("random-init", "fine-tune")] * ("random-init" in config.baselines)
    return cells


def plan(config: EvalConfig, model_name: str) -> list[Task]:
    """Every (data set, model, adaptation, setting, k, seed) the run will score, in order."""
    cells = _cells(config, model_name)  # cheap cells of every data set first, then fine-tuning (costly)
    passes = [[c for c in cells if c[1] != "fine-tune"], [c for c in cells if c[1] == "fine-tune"]]
    tasks = []
    for ds, cells in ((ds, cells) for cells in passes for ds in config.datasets):
        for model, adaptation in cells:
            for setting in config.settings:
                if (adaptation == "zero-shot") != (setting == "zero-shot"):
                    continue
                if (adaptation == "fine-tune" and setting not in config.fine_tune_settings) or \
                        (model == "majority" and setting != "full-shot"):
                    continue
                seeds = _seeds(setting, adaptation, model, config)
                shots = config.shots if setting == "few-shot" else (None,)
                tasks += [Task(ds, model, adaptation, setting, k, s) for k in shots for s in seeds]
    return tasks


def _cap(n: int, cap: int) -> np.ndarray:
    """Indices of at most ``cap`` of n windows, evenly spaced (all when cap is 0 or n <= cap)."""
    return np.arange(n) if not cap or n <= cap else np.linspace(0, n - 1, cap).round().astype(int)


def ridge_scores(train_f: np.ndarray, train_y: np.ndarray, test_f: np.ndarray, n_classes: int,
                 scale: bool = True) -> np.ndarray:
    """MiniRocket's own classifier: (scaled) features, RidgeClassifierCV; (n, n_classes) scores, -inf if unseen.

    ``scale=False`` for features already standardised (the fused ones, whose block weights scaling would undo).
    """
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    clf = make_pipeline(*[StandardScaler(with_mean=False)] * scale, RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))
    clf.fit(train_f, train_y)
    scores = clf.decision_function(test_f)
    full = np.full((len(test_f), n_classes), -np.inf)
    full[:, clf.classes_] = scores if scores.ndim == 2 else np.stack([-scores, scores], 1)
    return full


def majority_scores(train_y: np.ndarray, n: int, n_classes: int) -> np.ndarray:
    """(n, n_classes) scores of the majority-class rule: the training set's class frequencies for every window."""
    return np.tile(np.bincount(train_y, minlength=n_classes).astype(float), (n, 1))


class Evaluator:
    """Runs the plan for one pre-trained model (its baselines share the data, the splits and the caches)."""

    def __init__(self, model: ImuTextModel, model_name: str, config: EvalConfig) -> None:
        # encoders without blocks (PRIMUS) probe their output, and results.json says so
        config = replace(config, probe_layers=model.layers_for(config.probe_layers))
        self.model, self.name, self.config = model.to(config.device).eval(), model_name, config
        self.metadata = getattr(model, "metadata", {})
        self._data: dict[str, tuple[WindowSet, CanonicalWindows, CanonicalWindows, CanonicalWindows]] = {}
        self._features: dict[tuple[str, str, int, str], list[np.ndarray]] = {}
        self._random: dict[int, ImuTextModel] = {}
        self.confusions: dict[str, tuple[int, str, np.ndarray]] = {}

    @property
    def probe_layers(self) -> str:
        """The features the probe, the fused rows and the LP-FT head read (the config's, as this model gives them)."""
        return self.config.probe_layers

    def data(self, name: str):
        """(WindowSet, train, val, test) of a data set, each split capped at max_windows."""
        if name not in self._data:
            ws = load_dataset(name, show_progress=False, acc_gravity=self.config.acc_gravity)
            ws = windows_for(self.model, ws, self.config.acc_gravity)  # an upright model's frames, for every row alike
            splits = []
            for s in PARTS:
                idx = np.nonzero(ws.split == s)[0]
                splits.append(ws.canonical(idx[_cap(len(idx), self.config.max_windows)]))
            self._data[name] = (ws, *splits)
        return self._data[name]

    def random_init(self, seed: int) -> ImuTextModel:
        """The pre-trained model's architecture with fresh weights drawn with ``seed``."""
        if seed not in self._random:
            torch.manual_seed(seed)
            self._random[seed] = create_model(self.model.config).to(self.config.device).eval()
        return self._random[seed]

    def features(self, dataset: str, kind: str, seed: int = 0, layers: str = "last") -> list[np.ndarray]:
        """[train, val, test] features of a data set, computed once: 'motionfm' (raw encoder features),
        'random-init' (the raw features of the random encoder drawn with ``seed``), 'minirocket'; ``layers``
        as in ImuTextModel.features."""
        if kind != "minirocket" and layers == "last" and self.model.has_blocks:  # the last columns of 'blocks'
            return [f[:, -self.model.encoder.out_dim:] for f in self.features(dataset, kind, seed, "blocks")]
        key = (dataset, kind, seed if kind == "random-init" else 0, layers if kind != "minirocket" else "")
        if key not in self._features:
            _, *parts = self.data(dataset)
            if kind in ("motionfm", "random-init"):
                net = self.model if kind == "motionfm" else self.random_init(seed)
                feats = [embed(net, p, projected=False, layers=layers).numpy() for p in parts]
            else:
                feats = minirocket_transform(*parts)
            self._features[key] = feats
        return self._features[key]

    def _fused_scores(self, task: Task, train: CanonicalWindows, val: CanonicalWindows, chosen: np.ndarray,
                      n_classes: int) -> tuple[np.ndarray, dict]:
        """Ridge on the fused embedding + MiniRocket features, the embedding block's weight chosen by macro-F1
        on the validation subjects (ties: the smaller weight); test scores and the weight."""
        emb = self.features(task.dataset, "motionfm", layers=self.probe_layers)
        rocket = self.features(task.dataset, "minirocket")
        best = (-1.0, FUSION_WEIGHTS[0], None)
        for weight in FUSION_WEIGHTS:
            f_train, f_val, f_test = (fuse_features(e, r, (emb[0], rocket[0]), weight) for e, r in zip(emb, rocket))
            clf_scores = ridge_scores(f_train[chosen], train.y[chosen], np.concatenate([f_val, f_test]), n_classes,
                                      scale=False)
            f1 = macro_f1(val.y, clf_scores[:len(f_val)])
            if f1 > best[0]:
                best = (f1, weight, clf_scores[len(f_val):])
        return best[2], {"fusion_weight": best[1]}

    def _chosen(self, task: Task, train: CanonicalWindows) -> np.ndarray:
        return few_shot_indices(train.y, task.k, task.seed) if task.setting == "few-shot" else np.arange(len(train.y))

    def run_task(self, task: Task) -> dict:
        ws, train, val, test = self.data(task.dataset)
        n_classes = len(ws.class_names)
        if task.setting == "zero-shot":
            return self._zero_shot(task, ws, test)
        chosen = self._chosen(task, train)
        if task.model == "majority":
            return self._record(task, test.y, majority_scores(train.y[chosen], len(test.y), n_classes))
        if task.adaptation == "ridge" and task.model == "minirocket":  # MiniRocket's own classifier
            f_train, _, f_test = self.features(task.dataset, "minirocket")
            return self._record(task, test.y, ridge_scores(f_train[chosen], train.y[chosen], f_test, n_classes))
        if task.adaptation == "ridge":  # the same classifier on the fused features
            scores, extra = self._fused_scores(task, train, val, chosen, n_classes)
            return self._record(task, test.y, scores, {**extra, "layers": self.probe_layers})
        if task.adaptation == "probe":
            kind = "motionfm" if task.model == self.name else "random-init"
            f_train, f_val, f_test = self.features(task.dataset, kind, task.seed, self.probe_layers)
            probe = fit_probe(f_train[chosen], train.y[chosen], n_classes, f_val, val.y, self.config.probe_cs,
                              seed=task.seed)
            scores = probe.scores(f_test)
            extra = {"C": probe.C, "layers": self.probe_layers}
        else:
            scores, extra = self._fine_tune(task, train.take(chosen), val, test, chosen, n_classes)
        self._keep_confusion(task, test.y, scores, n_classes)
        return self._record(task, test.y, scores, extra)

    def _fine_tune(self, task: Task, chosen_windows: CanonicalWindows, val: CanonicalWindows,
                   test: CanonicalWindows, chosen: np.ndarray, n_classes: int) -> tuple[np.ndarray, dict]:
        """LP-FT; the LP head comes from the network's cached raw features (each random encoder's too) and reads
        the probe's layers."""
        ft = FineTuneConfig(**{**self.config.finetune.__dict__, "seed": task.seed})
        ours = task.model == self.name
        net = self.model if ours else self.random_init(task.seed)
        f_train, f_val, _ = self.features(task.dataset, "motionfm" if ours else "random-init", task.seed,
                                          self.probe_layers)
        probe = fit_probe(f_train[chosen], chosen_windows.y, n_classes, f_val, val.y, self.config.probe_cs,
                          seed=task.seed)
        clf = fine_tune(net, chosen_windows, val, n_classes, ft, probe=probe, layers=self.probe_layers)
        return predict_logits(clf, test).numpy(), {"steps": clf.steps_run, "best_step": clf.best_step,
                                                   "layers": self.probe_layers}

    def _record(self, task: Task, y: np.ndarray, scores: np.ndarray, extra: dict | None = None) -> dict:
        uses_model = task.model in (self.name, f"{self.name}+minirocket")
        return {**task.__dict__, **classification_metrics(y, scores), **(extra or {}),
                "seen_in_pretraining": uses_model and was_seen(self.metadata, task.dataset)}

    def _zero_shot(self, task: Task, ws: WindowSet, test: CanonicalWindows) -> dict:
        spec = get_spec(task.dataset)
        if spec.supervised_only:
            return {**task.__dict__, "skipped": f"{task.dataset} has no class names: zero-shot does not apply"}
        try:
            check_zero_shot_allowed(self.name, self.metadata, task.dataset)
        except SeenInPretrainingError as err:
            return {**task.__dict__, "skipped": str(err)}
        labels = label_matrix(self.model, ws.class_names, spec.synonyms)
        with torch.no_grad():  # the shared space from the cached raw features: embed_imu without a second pass
            raw = torch.as_tensor(self.features(task.dataset, "motionfm")[2], device=self.config.device)
            shared = self.model.project_features(raw).cpu()
        scores = (shared @ labels.T).numpy()
        self._keep_confusion(task, test.y, scores, len(ws.class_names))
        return self._record(task, test.y, scores)

    def _keep_confusion(self, task: Task, y: np.ndarray, scores: np.ndarray, n: int) -> None:
        """The pre-trained model's confusion per data set: full-shot if run (fine-tune over probe), else the latest."""
        if task.model != self.name or task.seed != 0:
            return
        rank = {"full-shot": 2, "zero-shot": 1, "few-shot": 0}[task.setting] + 0.5 * (task.adaptation == "fine-tune")
        current = self.confusions.get(task.dataset)
        if current is None or rank >= current[0]:
            self.confusions[task.dataset] = (rank, f"{task.setting} ({task.adaptation})",
                                             confusion(y, scores.argmax(1), n))


def _key(r: dict | Task) -> tuple:
    d = r if isinstance(r, dict) else r.__dict__
    return d["dataset"], d["model"], d.get("adaptation"), d["setting"], d["k"], d["seed"]


def run(evaluator: Evaluator, tasks: list[Task], out_dir: Path, on_done: Callable[[dict], None] = lambda r: None,
        resume: bool = False) -> list[dict]:
    """Run every task, rewriting out_dir/results.json after each (an interrupted run keeps its results).

    results.json is {"settings": EvalConfig.describe(), "records": [...]}. With ``resume`` the records already
    there are kept and their tasks skipped.
    """
    path = out_dir / "results.json"
    saved = json.loads(path.read_text()) if resume and path.exists() else []
    _check_same_data(saved, evaluator.config)
    results = _records(saved)
    done = {_key(r) for r in results}
    for task in tasks:
        if _key(task) in done:
            on_done({**task.__dict__, "resumed": True})
            continue
        results.append(evaluator.run_task(task))
        with atomic_path(path, suffix=".json") as tmp:
            tmp.write_text(json.dumps({"settings": evaluator.config.describe(), "records": results}, indent=1))
        on_done(results[-1])
    return results


def _check_same_data(saved: dict | list, config: EvalConfig) -> None:
    """Refuse to resume results computed on other data (gravity removed or not, another window cap)."""
    before = saved.get("settings", {}) if isinstance(saved, dict) else {}
    now = config.describe()
    for key, default in (("acc_gravity", "included"), ("max_windows", 0), ("protocol", 1), ("probe_layers", "last")):
        if before and before.get(key, default) != now[key]:
            raise ValueError(f"results.json was computed with {key}={before.get(key, default)!r}, this run has "
                             f"{now[key]!r}; use another --out folder or drop --resume")
    # LP-FT heads read the last layer until they read probe_layers (such records carry no 'layers')
    heads = {r.get("layers", "last") for r in _records(saved) if r.get("adaptation") == "fine-tune"}
    if heads - {now["probe_layers"]}:
        raise ValueError(f"results.json holds LP-FT rows whose head read {sorted(heads)}, this run's reads "
                         f"{now['probe_layers']!r}; use another --out folder or drop --resume")


def _records(saved: dict | list) -> list[dict]:
    return saved["records"] if isinstance(saved, dict) else saved
