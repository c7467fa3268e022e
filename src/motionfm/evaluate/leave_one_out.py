"""The leave-one-data-set-out protocol: for each data set D, the family's model trained without D, zero-shot
on D's test subjects; the simulation-only model zero-shot on every D as its own column; the UniMTS paper's
figures beside them.

Records {dataset, model, column, prompts, accuracy, macro_f1, r_at_2, n} (or ``skipped`` with the reason);
``write_report`` writes results.json and results.md (one row per D, then the mean).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..adapt import PROMPT_MODES, embed, label_matrix
from ..atomic import atomic_path
from ..har import get_spec, load_dataset, registry_names
from ..orientation import windows_for
from ..pretrain.family import SIM_ONLY, member_name, zero_shot_datasets
from .benchmark import SeenInPretrainingError, check_zero_shot_allowed
from .metrics import classification_metrics
from .report import PUBLISHED_UNIMTS

PROTOCOL = "leave-one-dataset-out"
COLUMNS = ("leave-one-out", SIM_ONLY)
PAPER_MEAN = (27.6, 21.1)  # UniMTS paper zero-shot mean over the five (acc, macro-F1 %)


def family_models(family_dir: str | Path, datasets: Sequence[str]) -> dict[tuple[str, str], Path]:
    """(column, data set) -> model folder of every score the family can give; ValueError naming a missing
    leave-one-out model (the sim-only column is optional)."""
    family_dir = Path(family_dir)
    if not family_dir.is_dir():
        raise ValueError(f"no model family at {family_dir}: train one with motionfm pretrain-family")
    out = {}
    for d in datasets:
        folder = family_dir / member_name(d) / "model"
        if not (folder / "config.json").exists():
            raise ValueError(f"{family_dir} has no model trained without {get_spec(d).name} ({folder}): train it "
                             f"with motionfm pretrain-family --only {member_name(d)}")
        out["leave-one-out", get_spec(d).name] = folder
    sim = family_dir / SIM_ONLY / "model"
    if (sim / "config.json").exists():
        out.update({(SIM_ONLY, get_spec(d).name): sim for d in datasets})
    return out


def zero_shot_record(model, model_name: str, dataset: str, prompts: str = "ensemble", device: str = "cpu",
                     max_windows: int = 0) -> dict:
    """Zero-shot accuracy/F1 of ``model`` on ``dataset``'s test subjects (guarded: a model whose metadata
    lists the data set as seen gives a ``skipped`` record instead). ``max_windows`` > 0 scores an evenly
    spaced subset of the test windows (a quick look; the record's ``n`` says how many)."""
    spec = get_spec(dataset)
    base = {"dataset": spec.name, "model": model_name, "prompts": prompts}
    try:
        check_zero_shot_allowed(model_name, getattr(model, "metadata", {}), spec.name)
    except SeenInPretrainingError as err:
        return {**base, "skipped": str(err)}
    ws = windows_for(model, load_dataset(spec.name, show_progress=False))
    idx = np.nonzero(ws.split == "test")[0]
    if 0 < max_windows < len(idx):
        idx = idx[np.linspace(0, len(idx) - 1, max_windows).astype(int)]
    test = ws.canonical(idx)
    labels = label_matrix(model, ws.class_names, spec.synonyms, prompts=prompts)
    scores = (embed(model.to(device), test) @ labels.T).numpy()
    return {**base, **classification_metrics(test.y, scores)}


def leave_one_out(family_dir: str | Path, datasets: Sequence[str] | None = None, prompts: str = "ensemble",
                  device: str = "cpu", on_done: Callable[[dict], None] = lambda r: None,
                  max_windows: int = 0) -> list[dict]:
    """Every family score: per data set D the model without D, then (when trained) the sim-only model.

    family_dir: written by ``motionfm pretrain-family``; datasets: default all five with class names;
    prompts: 'ensemble' (templates x names and synonyms, averaged in the shared space) or 'name' (the class
    name alone); max_windows: > 0 for a quick look at a subset of each test split.
    """
    from ..hub import load_model

    if prompts not in PROMPT_MODES:
        raise ValueError(f"unknown prompts {prompts!r}; use {', '.join(PROMPT_MODES)}")
    names = registry_names(datasets or zero_shot_datasets())
    records, loaded = [], {}
    for (column, dataset), folder in family_models(family_dir, names).items():
        if folder not in loaded:
            loaded[folder] = load_model(folder, device)
        record = {"column": column, **zero_shot_record(loaded[folder], folder.parent.name, dataset, prompts,
                                                       device, max_windows)}
        records.append(record)
        on_done(record)
    return records


def _cell(r: dict | None) -> str:
    if r is None:
        return ""
    if "skipped" in r:
        return "not reported (seen in pre-training)"
    return f"{100 * r['accuracy']:.1f} / {100 * r['macro_f1']:.1f}"


def _mean(rows: list[dict | None]) -> str:
    scored = [r for r in rows if r is not None and "skipped" not in r]
    if not scored:
        return ""
    acc, f1 = (100 * np.mean([r[k] for r in scored]) for k in ("accuracy", "macro_f1"))
    note = "" if len(scored) == len(rows) else f" (over {len(scored)} of {len(rows)})"
    return f"{acc:.1f} / {f1:.1f}{note}"


def _paper_mean(datasets: list[str]) -> str:
    """The paper's zero-shot mean over the same data sets (27.6 / 21.1 over all five)."""
    figures = [PUBLISHED_UNIMTS[d]["zero-shot"] for d in datasets if d in PUBLISHED_UNIMTS]
    if not figures:
        return ""
    note = "" if len(figures) == len(PUBLISHED_UNIMTS) else f" (over these {len(figures)})"
    return f"{np.mean([f[0] for f in figures]):.1f} / {np.mean([f[1] for f in figures]):.1f}{note}"


def markdown(records: list[dict], title: str = "") -> str:
    """One row per data set (leave-one-out, sim-only, UniMTS paper: acc / macro-F1 %), then the mean."""
    by = {(r["column"], r["dataset"]): r for r in records}
    datasets = list(dict.fromkeys(r["dataset"] for r in records))
    lines = ([f"# {title}", ""] if title else []) + [
        "| data set | leave-one-out model | zero-shot acc / F1 % | sim-only acc / F1 % | UniMTS paper acc / F1 % "
        "| test windows |", "|---|---|---|---|---|---|"]
    for d in datasets:
        loo, sim = by.get(("leave-one-out", d)), by.get((SIM_ONLY, d))
        paper = PUBLISHED_UNIMTS.get(d, {}).get("zero-shot")
        n = next((r["n"] for r in (loo, sim) if r is not None and "n" in r), "")
        lines.append(f"| {d} | {member_name(d)} | {_cell(loo)} | {_cell(sim)} | "
                     f"{f'{paper[0]} / {paper[1]}' if paper else ''} | {n} |")
    sim = _mean([by.get((SIM_ONLY, d)) for d in datasets]) if any(k[0] == SIM_ONLY for k in by) else ""
    lines.append(f"| mean | | {_mean([by.get(('leave-one-out', d)) for d in datasets])} | {sim} | "
                 f"{_paper_mean(datasets)} | |")
    return "\n".join(lines) + "\n"


def write_report(records: list[dict], out_dir: str | Path, title: str = "") -> list[Path]:
    """out_dir/results.json and out_dir/results.md (atomically)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "results.json", out_dir / "results.md"]
    with atomic_path(paths[0], suffix=".json") as tmp:
        tmp.write_text(json.dumps(records, indent=1))
    with atomic_path(paths[1], suffix=".md") as tmp:
        tmp.write_text(markdown(records, title))
    return paths
