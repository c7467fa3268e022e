"""Issue 13's targets, checked on results.json files (rows from models that saw the data set do not count).

    python benchmarks/eval_targets.py docs/eval/results.json
    python benchmarks/eval_targets.py docs/eval/family/*/results.json --table   # one file per family member

Prints one line per target and data set: the two figures compared (accuracy %, mean over seeds) and met/missed.
The evaluated model of each file is the one that is not a baseline; with several files (e.g. the leave-one-
data-set-out family, each member evaluated on the data set it did not see) every file is checked in turn.
``--table`` also prints the summary row per data set (accuracy %, mean ± sample std over seeds).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from collections import defaultdict

import numpy as np

PAPER_FULL = {"uci-har": 92.1, "dsads": 94.3, "usc-had": 58.3, "utd-mhad": 85.6, "wharf": 82.7}


def records(path: str) -> list[dict]:
    saved = json.loads(open(path).read())
    return saved["records"] if isinstance(saved, dict) else saved


def cells(path: str) -> tuple[dict, set]:
    """(dataset, model, adaptation, setting, k) -> accuracy % per seed, and the data sets seen in pre-training."""
    acc, seen = defaultdict(list), set()
    for r in records(path):
        if "accuracy" in r:
            acc[r["dataset"], r["model"], r.get("adaptation"), r["setting"], r["k"]].append(100 * r["accuracy"])
            if r.get("seen_in_pretraining"):
                seen.add(r["dataset"])
    return acc, seen


def load(path: str) -> tuple[dict, set]:
    acc, seen = cells(path)
    return {k: float(np.mean(v)) for k, v in acc.items()}, seen


def best(acc: dict, ds: str, model: str, setting: str, k=None, adaptations=("probe", "fine-tune")) -> float | None:
    values = [v for (d, m, a, s, kk), v in acc.items() if (d, m, s) == (ds, model, setting) and a in adaptations
              and (k is None or kk == k)]
    return max(values) if values else None


BASELINES = ("random-init", "minirocket", "majority")


def evaluated_model(path: str) -> str:
    """The one model of a results.json that is neither a baseline nor a fused row."""
    models = {r["model"] for r in records(path)} - set(BASELINES)
    models = {m for m in models if not m.endswith("+minirocket")}
    if len(models) != 1:
        raise SystemExit(f"{path}: expected one evaluated model besides the baselines, found {sorted(models)}")
    return models.pop()


def check(path: str, model: str) -> None:
    """One line per target and data set of one results.json."""
    acc, seen = load(path)
    datasets = sorted({k[0] for k in acc})
    line = lambda t, ds, a, b, ok: print(f"{t:<48} {ds:<9} {a:>6} vs {b:>6}  {'met' if ok else 'MISSED'}"  # noqa: E731
                                         + ("  (seen in pre-training: does not count)" if ds in seen else ""))
    fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
    for ds in datasets:
        full, rand = best(acc, ds, model, "full-shot"), best(acc, ds, "random-init", "full-shot")
        few = best(acc, ds, model, "few-shot")
        if full is not None and rand is not None:
            line("full-shot >= random-init full-shot", ds, fmt(full), fmt(rand), full >= rand)
        if full is not None and few is not None:
            line("full-shot >= best few-shot", ds, fmt(full), fmt(few), full >= few)
        ks = sorted({k[4] for k in acc if k[0] == ds and k[1] == model and k[3] == "few-shot"})
        curve = [best(acc, ds, model, "few-shot", k) for k in ks]
        if len(curve) > 1:
            line("few-shot grows with k " + "/".join(map(str, ks)), ds, fmt(curve[0]), fmt(curve[-1]),
                 all(b > a for a, b in zip(curve, curve[1:])))
        p, rp = best(acc, ds, model, "full-shot", adaptations=("probe",)), best(acc, ds, "random-init", "full-shot",
                                                                                 adaptations=("probe",))
        if p is not None and rp is not None:
            line("probe >= random-init probe", ds, fmt(p), fmt(rp), p >= rp)
        for k in (1, 2, 3):
            ours, mr, ri = best(acc, ds, model, "few-shot", k), best(acc, ds, "minirocket", "few-shot", k, ("ridge",)), \
                best(acc, ds, "random-init", "few-shot", k)
            if None not in (ours, mr, ri):
                line(f"k={k}: beats MiniRocket and random-init", ds, fmt(ours), fmt(max(mr, ri)), ours > max(mr, ri))
        if full is not None:
            line("full-shot >= UniMTS paper", ds, fmt(full), fmt(PAPER_FULL.get(ds)), full >= PAPER_FULL.get(ds, 0))
        fused, mr = best(acc, ds, f"{model}+minirocket", "full-shot", adaptations=("ridge",)), \
            best(acc, ds, "minirocket", "full-shot", adaptations=("ridge",))
        if fused is not None and mr is not None:
            line("fused >= MiniRocket (full-shot)", ds, fmt(fused), fmt(mr), fused >= mr)


def table(path: str, model: str) -> None:
    """The summary row per data set: zero-shot, probe k and full-shot, and the baselines at k=1 / full-shot
    (probe rows for the model and random-init, ridge for MiniRocket and the fused row; LP-FT rows not shown)."""
    acc, seen = cells(path)
    adaptation = {"minirocket": "ridge", f"{model}+minirocket": "ridge", "majority": "none"}  # else the probe

    def cell(ds, m, setting, k=None):
        v = acc.get((ds, m, "zero-shot" if setting == "zero-shot" else adaptation.get(m, "probe"), setting, k))
        if not v:
            return "-"
        return f"{np.mean(v):.1f}" + (f" ± {np.std(v, ddof=1):.1f}" if len(v) > 1 else "")
    for ds in sorted({k[0] for k in acc}):
        ks = sorted({k[4] for k in acc if k[0] == ds and k[1] == model and k[3] == "few-shot"})
        name = Path(model).parent.name if Path(model).name == "model" else model  # FAMILY/without-D/model
        row = [ds, name, "**yes**" if ds in seen else "no", cell(ds, model, "zero-shot")] + [cell(ds, model, "few-shot", k) for k in ks] + \
            [cell(ds, model, "full-shot")] + [f"{cell(ds, b, 'few-shot', 1)} / {cell(ds, b, 'full-shot')}"
                                              for b in ("random-init", "minirocket", f"{model}+minirocket")] + \
            [cell(ds, "majority", "full-shot")]
        print("| " + " | ".join(row) + " |")


def main(args: list[str]) -> None:
    paths = [a for a in args if a != "--table"]
    if not paths:
        raise SystemExit(__doc__)
    for path in paths:
        model = evaluated_model(path)
        print(f"# {path} ({model})")
        check(path, model)
    if "--table" in args:
        print("\n| data set | model | saw it in pre-training | zero-shot | probe few-shot, one column per k in the file "
              "| probe full | random-init k=1 / full | MiniRocket k=1 / full | fused k=1 / full | majority |")
        for path in paths:
            table(path, evaluated_model(path))


if __name__ == "__main__":
    main(sys.argv[1:])
