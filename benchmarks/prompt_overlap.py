"""How many of a data set's zero-shot prompts are verbatim pre-training captions of labelled real windows.

    python benchmarks/prompt_overlap.py                          # bundled default model, UCI-HAR
    python benchmarks/prompt_overlap.py --model FAMILY/without-dsads/model --dataset dsads

The zero-shot prompts are what ``motionfm evaluate`` embeds per class (text.prompts: the templates x the class
name and its registry synonyms). The pre-training captions of real windows are rebuilt exactly as the
trainer built them (Material.from_sources on the train splits of the model's ``real_datasets``, with the
model's ``real_synonyms`` setting), counting only classes that have train windows. A prompt found there is
text the model was trained to align with labelled real IMU of some other data set's activity: a zero-shot
figure over such prompts measures cross-data-set transfer, not the simulation-only zero-shot of the UniMTS
paper. Motion-corpus captions are not counted (they caption simulated clips, not real windows).
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import numpy as np

from motionfm.har import get_spec, load_dataset
from motionfm.hub import load_model
from motionfm.pretrain import Material
from motionfm.text import prompts


def real_window_captions(metadata: dict) -> dict[str, set[tuple[str, str]]]:
    """caption -> {(data set, class)} over the labelled real train windows a model was pre-trained on."""
    config = metadata.get("pretrain_config") or {}
    real = [load_dataset(n, show_progress=False).subset("train") for n in metadata.get("real_datasets", [])]
    material = Material.from_sources([], real, 200, config.get("real_synonyms", True)) if real else None
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in material.real if material else []:
        for c in np.unique(r.windows.y):
            for caption in r.captions[int(c)]:
                out[material.captions[caption]].add((r.name, r.windows.class_names[int(c)]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default", help="bundled model name or model folder")
    parser.add_argument("--dataset", default="uci-har", help="the data set whose zero-shot prompts are checked")
    args = parser.parse_args()
    metadata = load_model(args.model).metadata
    spec = get_spec(args.dataset)
    seen = real_window_captions(metadata)
    total, hits = 0, 0
    print(f"model {args.model}: pre-trained on real {', '.join(metadata.get('real_datasets', [])) or 'none'}; "
          f"zero-shot prompts of {spec.name}")
    print(f"| {spec.name} class | prompts | verbatim real-window captions | captioning classes (data set: class) |")
    print("|---|---|---|---|")
    for label in spec.classes:
        texts = prompts(label, spec.synonyms.get(label, ()))
        found = [t for t in texts if t in seen]
        sources = sorted({f"{d}: {c}" for t in found for d, c in seen[t]})
        total, hits = total + len(texts), hits + len(found)
        print(f"| {label} | {len(texts)} | {len(found)} | {'; '.join(sources)} |")
    print(f"| all | {total} | {hits} | |")
    print(f"{hits} of {total} zero-shot prompts of {spec.name} ({100 * hits / max(1, total):.0f} %) are verbatim "
          "pre-training captions of labelled real windows")


if __name__ == "__main__":
    main()
