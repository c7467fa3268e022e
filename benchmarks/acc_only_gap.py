"""Zero-shot accuracy with and without the gyroscope (issue 12 item 7), and with padding read or ignored
(item 6), on one data set's test subjects.

    python benchmarks/acc_only_gap.py                          # bundled model, UCI-HAR test split
    python benchmarks/acc_only_gap.py --model runs/x --dataset wharf --max-windows 0

The same windows are scored in one run: acc+gyro as recorded, then acc-only (gyro channels zeroed and marked
absent in ``channel_mask``); each once with their ``valid_len`` (padding ignored by the encoder) and, when
some windows are padded, once with valid_len = T (the repeated padding read as signal, what code before
issue 12 item 6 did). Code before these changes ignores both fields, so the script runs on either version.
Prints accuracy and macro-F1 (%) of each and the acc+gyro - acc-only gap in points.
"""

from __future__ import annotations

import argparse

import numpy as np

from motionfm.adapt import embed, label_matrix
from motionfm.evaluate.metrics import classification_metrics
from motionfm.har import get_spec, load_dataset
from motionfm.hub import load_model
from motionfm.orientation import windows_for
from motionfm.windows import CanonicalWindows


def acc_only(w: CanonicalWindows) -> CanonicalWindows:
    """The same windows with the gyroscope removed: channels 3-5 zero and marked absent."""
    x = w.x.copy()
    x[..., 3:] = 0.0
    channels = w.channel_mask.copy()
    channels[:, 3:] = False
    return CanonicalWindows(x, w.mask, w.y, w.valid_len, channels, w.start_s)


def padding_read(w: CanonicalWindows) -> CanonicalWindows:
    """The same windows with every sample counted as real (valid_len = T): padding reaches the encoder."""
    return CanonicalWindows(w.x, w.mask, w.y, None, w.channel_mask, w.start_s)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="default")
    p.add_argument("--dataset", default="uci-har")
    p.add_argument("--max-windows", type=int, default=0, help="evenly spaced test windows (0: all)")
    args = p.parse_args()
    model, spec = load_model(args.model), get_spec(args.dataset)
    ws = windows_for(model, load_dataset(spec.name, show_progress=False))
    idx = np.nonzero(ws.split == "test")[0]
    if args.max_windows and len(idx) > args.max_windows:
        idx = idx[np.linspace(0, len(idx) - 1, args.max_windows).round().astype(int)]
    test = ws.canonical(idx)
    labels = label_matrix(model, ws.class_names, spec.synonyms)
    padded = int((test.valid_len < test.length).sum())
    print(f"{spec.name}: {len(test)} test windows, {padded} padded (valid_len < {test.length}), "
          f"gyro {'recorded' if test.channel_mask[:, 3:].all() else 'absent'}")
    variants = [("valid_len", lambda w: w)] + [("padding read", padding_read)] * bool(padded)
    for padding, view in variants:
        rows = {}
        for name, windows in (("acc+gyro", view(test)), ("acc-only", view(acc_only(test)))):
            scores = (embed(model, windows, batch_size=64) @ labels.T).numpy()
            rows[name] = classification_metrics(windows.y, scores)
            print(f"  zero-shot {name:<8} {padding:<12} accuracy {100 * rows[name]['accuracy']:5.1f} %  "
                  f"macro-F1 {100 * rows[name]['macro_f1']:5.1f} %")
        gap = 100 * (rows["acc+gyro"]["accuracy"] - rows["acc-only"]["accuracy"])
        print(f"  gap (acc+gyro - acc-only, {padding}): {gap:.1f} accuracy points")


if __name__ == "__main__":
    main()
