"""Turn evaluation records into a Markdown table (with the published UniMTS figures) and figures."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from ..har import get_spec
from ..plots import confusion_matrix_plot, few_shot_curve

# UniMTS paper (NeurIPS 2024), accuracy / macro-F1 in %, from DESIGN.md
PUBLISHED_UNIMTS = {
    "uci-har": {"zero-shot": (35.2, 22.0), "full-shot": (92.1, 92.2)},
    "usc-had": {"zero-shot": (30.5, 27.8), "full-shot": (58.3, 63.1)},
    "dsads": {"zero-shot": (31.5, 23.7), "full-shot": (94.3, 94.2)},
    "utd-mhad": {"zero-shot": (22.8, 18.5), "full-shot": (85.6, 83.2)},
    "wharf": {"zero-shot": (18.2, 13.7), "full-shot": (82.7, 51.7)},
}


def _fmt(values: list[float]) -> str:
    """Mean in %; with more than one value, ± the sample standard deviation and n (a single value shows alone)."""
    v = 100 * np.asarray(values, dtype=float)
    return f"{v.mean():.1f} ± {v.std(ddof=1):.1f} (n={len(v)})" if len(v) > 1 else f"{v.mean():.1f}"


def summarise(results: list[dict]) -> dict[tuple, dict[str, list]]:
    """(dataset, model, adaptation, setting, k) -> {metric: [value per seed], 'seen': [...]}; skipped rows keep
    their reason."""
    groups: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r in results:
        key = (r["dataset"], r["model"], r.get("adaptation", ""), r["setting"], r["k"])
        if "skipped" in r:
            groups[key]["skipped"].append(r["skipped"])
            continue
        for m in ("accuracy", "macro_f1", "r_at_2", "n"):
            groups[key][m].append(r[m])
        groups[key]["seen"].append(bool(r.get("seen_in_pretraining", False)))
    return groups


def _paper(ds: str, model: str, setting: str, model_name: str) -> str:
    paper = PUBLISHED_UNIMTS.get(ds, {}).get(setting) if model == model_name else None
    return f"{paper[0]} / {paper[1]}" if paper else ""


def markdown_table(results: list[dict], model_name: str, settings: dict | None = None) -> str:
    """One row per (data set, model, adaptation, setting, k): the mean over seeds ± sample std (n seeds), beside
    the UniMTS paper's figure; rows from a model that saw the data set in pre-training say so. ``settings``
    (EvalConfig.describe()) is written above the table."""
    lines = []
    if settings:
        lines += ["Settings of this table: " + "; ".join(f"{k}={v}" for k, v in settings.items()), ""]
    lines += ["| data set | model | adaptation | setting | k | accuracy % | macro-F1 % | R@2 % | test windows | "
              "saw data set in pre-training | UniMTS paper acc / F1 % |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for (ds, model, adaptation, setting, k), m in summarise(results).items():
        paper = _paper(ds, model, setting, model_name)
        if "skipped" in m:
            lines.append(f"| {ds} | {model} | {adaptation} | {setting} | | not reported: {m['skipped'][0]} | | | | "
                         f"| {paper} |")
            continue
        seen = "**yes (not comparable)**" if any(m["seen"]) else "no"
        lines.append(f"| {ds} | {model} | {adaptation} | {setting} | {k or ''} | {_fmt(m['accuracy'])} | "
                     f"{_fmt(m['macro_f1'])} | {_fmt(m['r_at_2'])} | {m['n'][0]} | {seen} | {paper} |")
    return "\n".join(lines) + "\n"


def figures(results: list[dict], confusions: dict, out_dir: Path) -> list[Path]:
    """A confusion-matrix PNG per data set and a few-shot curve PNG per data set (one line per model)."""
    written = []
    for ds, (_, setting, matrix) in confusions.items():
        written.append(confusion_matrix_plot(matrix, get_spec(ds).classes, out_dir / f"confusion_{ds}.png",
                                             f"{ds}: {setting}"))
    groups = summarise(results)
    for ds in sorted({k[0] for k in groups}):
        curves = {}
        for model, adaptation in sorted({(k[1], k[2]) for k in groups if k[0] == ds}):
            pts = sorted((k[4], v["accuracy"]) for k, v in groups.items()
                         if k[:3] == (ds, model, adaptation) and k[3] == "few-shot" and "accuracy" in v)
            if pts:
                curves[f"{model} ({adaptation})"] = ([p[0] for p in pts], [float(np.mean(p[1])) for p in pts],
                                                    [float(np.std(p[1], ddof=1)) if len(p[1]) > 1 else 0.0 for p in pts])
        if curves:
            written.append(few_shot_curve(curves, out_dir / f"fewshot_{ds}.png", f"{ds}: few-shot"))
    return written
