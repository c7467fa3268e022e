"""One evaluation protocol for every model: zero-shot, few-shot, full-shot and linear probe, with seeds.

Results are records {dataset, model, setting, k, seed, accuracy, macro_f1, r_at_2, n}; see report.py for the
Markdown table and figures. Only validation subjects steer early stopping; test subjects are scored once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..adapt import FineTuneConfig, embed, few_shot_indices, fine_tune, label_matrix, linear_probe, predict_logits, probe_predict
from ..atomic import atomic_path
from ..har import WindowSet, get_spec, load_dataset
from ..models import ImuTextModel, create_model
from ..windows import CanonicalWindows
from .metrics import classification_metrics, confusion

SETTINGS = ("zero-shot", "few-shot", "full-shot", "probe")
BASELINES = ("random-init", "minirocket")


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


@dataclass
class EvalConfig:
    datasets: list[str]
    settings: list[str] = field(default_factory=lambda: list(SETTINGS))
    shots: tuple[int, ...] = (1, 2, 3, 5, 10)
    seeds: int = 3
    baselines: list[str] = field(default_factory=lambda: list(BASELINES))
    finetune: FineTuneConfig = field(default_factory=FineTuneConfig)
    device: str = "cpu"


@dataclass
class Task:
    dataset: str
    model: str
    setting: str
    k: int | None
    seed: int


def plan(config: EvalConfig, model_name: str) -> list[Task]:
    """Every (data set, model, setting, k, seed) the run will score, in order."""
    tasks = []
    for ds in config.datasets:
        for model in [model_name] + [b for b in config.baselines]:
            for setting in config.settings:
                if model == "minirocket" and setting in ("zero-shot", "probe"):
                    continue
                if model == "random-init" and setting == "zero-shot":
                    continue
                if setting == "few-shot":
                    tasks += [Task(ds, model, setting, k, s) for k in config.shots for s in range(config.seeds)]
                elif setting == "zero-shot":
                    tasks.append(Task(ds, model, setting, None, 0))
                else:
                    tasks += [Task(ds, model, setting, None, s) for s in range(config.seeds)]
    return tasks


def _record(task: Task, y: np.ndarray, scores: np.ndarray) -> dict:
    return {"dataset": task.dataset, "model": task.model, "setting": task.setting, "k": task.k, "seed": task.seed,
            **classification_metrics(y, scores)}


def _minirocket_scores(train: CanonicalWindows, test: CanonicalWindows, seed: int) -> np.ndarray:
    from aeon.transformations.collection.convolution_based import MiniRocket
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def channels(s: CanonicalWindows) -> np.ndarray:  # the present sensors' channels: (n, 6 * sensors, T)
        joints = np.nonzero(s.mask.any(axis=0))[0]
        return np.ascontiguousarray(np.moveaxis(s.x[:, :, joints], 1, -1).reshape(len(s.x), -1, s.x.shape[1]))

    clf = make_pipeline(MiniRocket(random_state=seed), StandardScaler(with_mean=False),
                        RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))
    clf.fit(channels(train), train.y)
    scores = clf.decision_function(channels(test))
    full = np.full((len(test.y), int(max(train.y.max(), test.y.max())) + 1), -np.inf)
    full[:, clf.classes_] = scores if scores.ndim == 2 else np.stack([-scores, scores], 1)
    return full


class Evaluator:
    """Runs the plan for one pre-trained model (its baselines share the data and splits)."""

    def __init__(self, model: ImuTextModel, model_name: str, config: EvalConfig) -> None:
        self.model, self.name, self.config = model.to(config.device).eval(), model_name, config
        self.metadata = getattr(model, "metadata", {})
        self._data: dict[str, tuple[WindowSet, CanonicalWindows, CanonicalWindows, CanonicalWindows]] = {}
        self._embeddings: dict[tuple[str, str], torch.Tensor] = {}
        self.confusions: dict[str, tuple[int, str, np.ndarray]] = {}

    def data(self, name: str):
        if name not in self._data:
            ws = load_dataset(name, show_progress=False)
            self._data[name] = (ws, *(ws.canonical(np.nonzero(ws.split == s)[0]) for s in ("train", "val", "test")))
        return self._data[name]

    def _embed(self, net: ImuTextModel, dataset: str, part: str, split: CanonicalWindows) -> torch.Tensor:
        """Embeddings of a whole split; kept for the frozen pre-trained model (the same for every seed)."""
        if net is not self.model:
            return embed(net, split)
        if (dataset, part) not in self._embeddings:
            self._embeddings[dataset, part] = embed(net, split)
        return self._embeddings[dataset, part]

    def _network(self, task: Task) -> ImuTextModel:
        if task.model != "random-init":
            return self.model
        torch.manual_seed(task.seed)
        return create_model(self.model.config).to(self.config.device)

    def run_task(self, task: Task) -> dict:
        ws, train, val, test = self.data(task.dataset)
        n_classes = len(ws.class_names)
        if task.setting == "zero-shot":
            return self._zero_shot(task, ws, test)
        chosen = train if task.setting != "few-shot" else train.take(few_shot_indices(train.y, task.k, task.seed))
        if task.model == "minirocket":
            return _record(task, test.y, _minirocket_scores(chosen, test, task.seed))
        net = self._network(task)
        init = None if get_spec(task.dataset).supervised_only or task.model == "random-init" \
            else label_matrix(net, ws.class_names, get_spec(task.dataset).synonyms)
        if task.setting == "probe":  # on the whole train split
            head = linear_probe(self._embed(net, task.dataset, "train", train), train.y, n_classes, init=init,
                                seed=task.seed)
            scores = probe_predict(head, self._embed(net, task.dataset, "test", test)).numpy()
        else:
            ft = FineTuneConfig(**{**self.config.finetune.__dict__, "seed": task.seed})
            clf = fine_tune(net, chosen, val, n_classes, ft, text_init=init)
            scores = predict_logits(clf, test).numpy()
        self._keep_confusion(task, test.y, scores, n_classes)
        return _record(task, test.y, scores)

    def _zero_shot(self, task: Task, ws: WindowSet, test: CanonicalWindows) -> dict:
        spec = get_spec(task.dataset)
        if spec.supervised_only:
            return {**task.__dict__, "skipped": f"{task.dataset} has no class names: zero-shot does not apply"}
        try:
            check_zero_shot_allowed(self.name, self.metadata, task.dataset)
        except SeenInPretrainingError as err:
            return {**task.__dict__, "skipped": str(err)}
        labels = label_matrix(self.model, ws.class_names, spec.synonyms)
        scores = (self._embed(self.model, task.dataset, "test", test) @ labels.T).numpy()
        self._keep_confusion(task, test.y, scores, len(ws.class_names))
        return _record(task, test.y, scores)

    def _keep_confusion(self, task: Task, y: np.ndarray, scores: np.ndarray, n: int) -> None:
        """The pretrained model's confusion per data set: full-shot if run, else the latest setting."""
        if task.model != self.name or task.seed != 0:
            return
        rank = {"full-shot": 3, "probe": 2, "zero-shot": 1, "few-shot": 0}[task.setting]
        current = self.confusions.get(task.dataset)
        if current is None or rank >= current[0]:
            self.confusions[task.dataset] = (rank, task.setting, confusion(y, scores.argmax(1), n))


def _key(r: dict | Task) -> tuple:
    d = r if isinstance(r, dict) else r.__dict__
    return d["dataset"], d["model"], d["setting"], d["k"], d["seed"]


def run(evaluator: Evaluator, tasks: list[Task], out_dir: Path, on_done: Callable[[dict], None] = lambda r: None,
        resume: bool = False) -> list[dict]:
    """Run every task, rewriting out_dir/results.json after each (an interrupted run keeps its results).

    With ``resume`` the records already in results.json are kept and their tasks skipped.
    """
    path = out_dir / "results.json"
    results = json.loads(path.read_text()) if resume and path.exists() else []
    done = {_key(r) for r in results}
    for task in tasks:
        if _key(task) in done:
            on_done({**task.__dict__, "resumed": True})
            continue
        results.append(evaluator.run_task(task))
        with atomic_path(out_dir / "results.json", suffix=".json") as tmp:
            tmp.write_text(json.dumps(results, indent=1))
        on_done(results[-1])
    return results
