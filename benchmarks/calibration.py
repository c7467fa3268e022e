"""Calibration of zero-shot probabilities on a data set kept out of pre-training (UCI-HAR by default).

The temperature is fitted (ZeroShotClassifier.calibrate) on windows of the training subjects and judged on
the test subjects: log loss and expected calibration error (15 bins) before (the model's pre-training
temperature) and after; accuracy is unchanged by construction.

    python benchmarks/calibration.py                     # UCI-HAR, 600 calibration windows
    python benchmarks/calibration.py --calibration 100   # fewer labelled windows
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.metrics import log_loss

from motionfm.api import ZeroShotClassifier
from motionfm.evaluate.metrics import calibration_error
from motionfm.har import load_dataset
from motionfm.har.registry import get_spec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="uci-har")
    parser.add_argument("--calibration", type=int, default=600, help="labelled training windows to fit on")
    parser.add_argument("--model", default="default")
    args = parser.parse_args()
    ws = load_dataset(args.dataset)
    placement = get_spec(args.dataset).placements[0]
    rng = np.random.default_rng(0)
    train = rng.permutation(np.nonzero(ws.split == "train")[0])[:args.calibration]
    test = np.nonzero(ws.split == "test")[0]
    names, classes = np.array(ws.class_names), np.arange(len(ws.class_names))
    clf = ZeroShotClassifier(labels=ws.class_names, model=args.model, placement=placement).fit()
    x = lambda idx: ws.x[idx][:, :, 0]  # noqa: E731  the data set's first sensor, at placements[0]
    before = clf.predict_proba(x(test))
    after = clf.calibrate(x(train), names[ws.y[train]]).predict_proba(x(test))
    print(f"{args.dataset}: {len(test)} test windows, temperature fitted on {len(train)} training windows "
          f"(inverse temperature {float(clf._model().loss.scale()):.1f} -> {clf.scale_:.1f})")
    print(f"accuracy {np.mean(after.argmax(1) == ws.y[test]):.3f} (unchanged)")
    for name, p in (("before", before), ("after", after)):
        print(f"{name:>6}: log loss {log_loss(ws.y[test], p, labels=classes):.3f}, "
              f"ECE {calibration_error(ws.y[test], p):.3f}, mean confidence {p.max(1).mean():.3f}")


if __name__ == "__main__":
    main()
