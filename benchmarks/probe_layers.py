"""Probe accuracy from each ST-GCN block's pooled output, and from all blocks together (--probe-layers blocks),
for a pre-trained model and the same architecture randomly initialised (issue 13: where the information a
probe needs sits in the encoder).

    python benchmarks/probe_layers.py wharf /tmp/lodo-family-cpu-small-sparse-1500/without-wharf/model
    python benchmarks/probe_layers.py uci-har default --max-windows 400

Same splits, cap and probe (StandardScaler + logistic regression, C chosen by macro-F1 on the validation
subjects) as `motionfm evaluate`; full-shot, test accuracy %.
"""

from __future__ import annotations

import argparse

import numpy as np

from motionfm.adapt import embed, fit_probe
from motionfm.evaluate.benchmark import EvalConfig, Evaluator
from motionfm.evaluate.metrics import classification_metrics
from motionfm.hub import load_model


def block_accuracies(features: list[np.ndarray], splits, channels: tuple[int, ...], n_classes: int) -> list[float]:
    """Test accuracy % of a probe on each block's slice of the every-block features, then on all of them."""
    (train, val, test), (f_train, f_val, f_test) = splits, features
    edges = np.concatenate([[0], np.cumsum(channels)])
    cuts = [slice(a, b) for a, b in zip(edges[:-1], edges[1:])] + [slice(0, edges[-1])]
    out = []
    for cut in cuts:
        probe = fit_probe(f_train[:, cut], train.y, n_classes, f_val[:, cut], val.y)
        out.append(100 * classification_metrics(test.y, probe.scores(f_test[:, cut]))["accuracy"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset")
    ap.add_argument("model")
    ap.add_argument("--max-windows", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0, help="seed of the random-init encoder")
    args = ap.parse_args()
    net = load_model(args.model).eval()
    evaluator = Evaluator(net, args.model, EvalConfig([args.dataset], max_windows=args.max_windows))
    ws, *splits = evaluator.data(args.dataset)
    channels = net.encoder.config.channels
    print(f"{args.dataset}, {args.model}: probe test accuracy % per block (channels {channels}), then all blocks")
    for name, model in (("pre-trained", net), ("random-init", evaluator.random_init(args.seed))):
        feats = [embed(model, s, projected=False, layers="blocks").numpy() for s in splits]
        acc = block_accuracies(feats, splits, channels, len(ws.class_names))
        print(f"{name:<12} " + "  ".join(f"{a:5.1f}" for a in acc[:-1]) + f"  | all blocks {acc[-1]:5.1f}")


if __name__ == "__main__":
    main()
