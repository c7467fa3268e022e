"""Regenerate examples/uci_hapt_subject02.csv from the UCI HAPT raw recordings (CC BY 4.0).

    python examples/make_example.py [--data ../shared/data]

The first 260 s of subject 2's recording: standing, sitting, lying, walking, stairs, with the transitions.
A waist-worn smartphone at 50 Hz; acc in g, gyro in rad/s. The 'activity' column is the data set's label
(not read by motionfm classify; there to compare with).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

LABELS = {-1: "", 1: "walking", 2: "walking upstairs", 3: "walking downstairs", 4: "sitting", 5: "standing",
          6: "lying down", 7: "stand to sit", 8: "sit to stand", 9: "sit to lie", 10: "lie to sit",
          11: "stand to lie", 12: "lie to stand"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "data"))
    ap.add_argument("--seconds", type=float, default=260.0)
    args = ap.parse_args()
    z = np.load(Path(args.data) / "uci_hapt/hapt_raw_50hz.npz")
    sel = np.nonzero((z["subject"] == 2) & (z["recording"] == 2))[0][: int(args.seconds * 50)]
    x = z["X"][sel]
    table = pd.DataFrame({"time": np.round(np.arange(len(sel)) / 50.0, 3)})
    for k, name in enumerate(["ax", "ay", "az", "gx", "gy", "gz"]):
        table[name] = np.round(x[:, k], 4)
    table["activity"] = [LABELS[int(v)] for v in z["label"][sel]]
    out = Path(__file__).with_name("uci_hapt_subject02.csv")
    table.to_csv(out, index=False)
    print(f"wrote {out}: {len(table)} rows, {len(table) / 50:.0f} s")


if __name__ == "__main__":
    main()
