"""Which WHARF activity each of the 12 labels in the shipped WHARF.npz is: the evidence, as one table.

    python benchmarks/wharf_evidence.py          # reads $MOTIONFM_DATA or ../shared/data

The shipped file (X (3871, 1, 160, 3) raw 6-bit codes, y one-hot (12), 16 leave-one-subject-out folds) is the
LOSO packaging of Jordao et al. 2018, "Human Activity Recognition Based on Wearable Sensor Data: A
Standardization of the State-of-the-Art" (arXiv 1806.05226; github.com/arturjordao/WearableSensorData,
data/LOSO/WHARF.npz), which ships no label list. WHARF itself is Bruno et al. 2014 (UCI "Dataset for ADL
Recognition with Wrist-worn Accelerometer"; 14 activities). Four lines of evidence, one column group each:

1. fingerprint: 16 consecutive raw samples copied from one UCI recording of each activity (volunteer f1; the
   files named below, read from the public mirror github.com/wchill/HMP_Dataset) occur verbatim in one window
   of the .npz (two overlapping ones for comb_hair) and nowhere else; column "raw fingerprint" names the
   activity found in the row's label. Codes are integers, so an exact match of 48 numbers identifies, it does
   not resemble. The eat_meat and eat_soup snippets occur nowhere: those two (5 and 3 recordings) are left out.
2. packaging rule: the label order equals the order of each activity's earliest recording time in the UCI file
   names (standup 2011-03-23 first ... brush_teeth 2011-04-11 last), eat_meat/eat_soup dropped.
3. counts: subjects per label ("subj") equal the volunteers in the activity's UCI file names ("vols": 3 for
   brush_teeth, telephone, descend_stairs; 4 liedown; 5 comb; 10 the rest), and windows per published
   recording (5 s windows, 2.5 s stride) follow the recordings' lengths (brush_teeth ~70 s -> ~30 windows
   each; sitdown/standup ~5 s -> 1-2).
4. physics in the wrist frame (MANUAL: x toward the hand, y to the left, z perpendicular to the hand): gait
   periodicity for walk/stairs with the arm hanging (g along -x); the hand raised to the head (g toward +x)
   for telephone/comb/drink; the sign of the posture change (first second -> last second) tells sit down from
   stand up and lie down from get up (time-reversed pairs).
"""

from __future__ import annotations

import numpy as np
from _common import DATA

from motionfm.har import get_spec

RATE = 32.0  # Hz
# recordings per activity in the UCI release (MANUAL.txt, "Files tree")
PUBLISHED_RECORDINGS = {
    "brush_teeth": 12, "climb_stairs": 102, "comb_hair": 31, "descend_stairs": 42, "drink_glass": 100,
    "eat_meat": 5, "eat_soup": 3, "getup_bed": 101, "liedown_bed": 28, "pour_water": 100, "sitdown_chair": 100,
    "standup_chair": 102, "use_telephone": 13, "walk": 100,
}
# volunteers in the UCI file names of each activity (climb, getup, standup: from their first 100 files)
UCI_VOLUNTEERS = {
    "brush_teeth": "f1 m1 m2", "climb_stairs": "f1 f2 f3 m1 m2 m3 m4 m5 m6 m7", "comb_hair": "f1 f2 f4 m1 m2",
    "descend_stairs": "f1 m1 m2", "drink_glass": "f1 f2 f3 f4 m1 m2 m3 m4 m8 m9", "eat_meat": "f1",
    "eat_soup": "f1", "getup_bed": "f1 f2 f3 f4 f5 m1 m2 m3 m4 m10", "liedown_bed": "f1 f4 m1 m2",
    "pour_water": "f1 f2 f3 f4 m1 m2 m3 m4 m9 m11", "sitdown_chair": "f1 f2 f3 f4 m1 m2 m3 m4 m8 m9",
    "standup_chair": "f1 f2 f3 f4 m1 m2 m3 m4 m8 m9", "use_telephone": "f1 m1 m2",
    "walk": "f1 f2 f3 m1 m2 m3 m4 m5 m6 m7",
}
# (earliest recording of the activity, recording the 16 samples x y z come from; its first 16 samples, except
# comb_hair and eat_soup: a stretch further in, where the arm moves)
RAW_SNIPPETS = {
    "standup_chair": ("2011-03-23-10-39-18", "2011-03-23-10-39-18-standup_chair-f1",
                      "30 40 51 30 41 51 31 41 51 29 42 51 30 43 52 30 40 52 31 41 52 32 39 52 "
                      "29 38 52 29 38 50 28 40 50 31 38 51 30 39 51 30 39 50 31 39 51 30 38 52"),
    "comb_hair": ("2011-03-24-09-44-34", "2011-03-24-09-44-34-comb_hair-f1",
                  "09 37 36 09 37 36 08 41 36 08 42 37 09 43 39 11 43 37 12 45 38 14 44 39 "
                  "16 47 38 16 50 37 17 50 38 19 51 37 22 50 37 23 53 37 25 55 38 27 54 37"),
    "sitdown_chair": ("2011-03-24-09-50-16", "2011-03-29-09-06-48-sitdown_chair-f1",
                      "11 33 30 11 35 30 12 35 30 12 35 31 11 36 31 10 36 30 11 36 31 12 35 31 "
                      "12 36 32 12 36 30 12 37 32 14 36 32 13 36 32 12 37 32 13 37 31 13 37 32"),
    "walk": ("2011-03-24-09-51-07", "2011-03-24-09-51-07-walk-f1",
             "32 47 40 32 47 40 32 48 37 31 46 34 29 44 34 26 48 34 24 44 33 21 46 32 "
             "10 55 32 11 48 32 11 45 35 09 45 35 08 43 35 09 41 36 09 41 39 09 40 39"),
    "pour_water": ("2011-03-24-10-04-32", "2011-03-24-10-04-32-pour_water-f1",
                   "30 53 49 31 49 47 32 53 47 33 52 46 32 52 45 33 51 46 34 50 46 36 48 46 "
                   "34 48 45 36 46 45 36 45 46 36 44 47 34 42 46 32 42 47 32 40 48 31 38 49"),
    "drink_glass": ("2011-03-24-10-07-02", "2011-03-24-10-07-02-drink_glass-f1",
                    "29 47 46 29 47 46 27 46 47 27 47 47 27 47 46 28 46 47 28 47 46 28 47 46 "
                    "27 47 47 28 47 46 28 48 47 28 47 47 29 47 47 28 47 46 27 45 46 27 47 46"),
    "descend_stairs": ("2011-03-24-10-24-02", "2011-03-24-10-24-02-descend_stairs-f1",
                       "37 44 45 36 45 43 36 49 43 33 46 40 33 45 38 30 52 38 30 49 36 30 48 34 "
                       "26 53 35 25 54 34 23 53 33 21 54 33 20 51 34 20 50 35 16 48 36 16 46 38"),
    "climb_stairs": ("2011-03-24-10-24-39", "2011-03-24-10-24-39-climb_stairs-f1",
                     "05 39 34 02 41 34 05 39 34 12 38 34 09 38 30 10 36 29 10 36 30 12 36 30 "
                     "16 36 29 16 37 30 16 36 30 17 37 30 18 37 30 16 37 31 16 36 31 15 39 31"),
    "eat_meat": ("2011-03-24-13-06-15", "2011-03-24-13-06-15-eat_meat-f1",
                 "48 37 33 40 43 48 40 44 48 39 45 49 39 43 48 40 44 48 39 45 48 41 44 49 "
                 "38 43 48 41 44 49 40 44 48 39 46 49 39 43 49 39 44 48 39 43 48 39 43 48"),
    "eat_soup": ("2011-03-24-13-33-22", "2011-03-24-13-33-22-eat_soup-f1",
                 "33 52 45 33 53 45 34 50 45 35 51 45 36 51 44 35 50 43 35 49 44 35 48 44 "
                 "36 48 45 35 49 46 35 47 45 35 47 45 35 47 45 36 46 45 35 47 45 36 48 45"),
    "liedown_bed": ("2011-03-29-09-19-22", "2011-03-29-09-19-22-liedown_bed-f1",
                    "38 41 50 38 41 50 38 41 49 39 41 48 37 40 50 37 43 50 38 41 49 36 42 51 "
                    "38 43 53 37 41 49 35 42 50 37 41 50 37 40 50 35 40 49 35 40 48 34 37 45"),
    "getup_bed": ("2011-03-29-09-21-17", "2011-03-29-09-21-17-getup_bed-f1",
                  "17 38 44 17 36 43 15 39 43 13 37 44 15 39 43 16 38 43 14 38 42 13 38 45 "
                  "14 36 45 15 40 44 17 40 40 17 40 40 18 44 39 19 45 39 19 43 40 20 47 39"),
    "use_telephone": ("2011-03-29-09-30-56", "2011-03-29-09-30-56-use_telephone-f1",
                      "28 44 49 28 44 49 28 44 49 40 28 44 28 46 49 28 46 33 31 45 50 30 43 50 "
                      "30 42 49 32 43 49 32 43 49 33 43 50 33 43 51 34 42 50 35 43 51 34 42 49"),
    "brush_teeth": ("2011-04-11-13-28-18", "2011-04-11-13-28-18-brush_teeth-f1",
                    "22 49 35 22 49 35 22 52 35 22 52 35 21 52 34 22 51 34 20 50 35 22 52 34 "
                    "22 50 34 22 51 35 21 51 33 20 50 34 21 49 33 21 49 33 20 51 35 18 49 34"),
}


def load_codes(path=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw codes (N, 160, 3) int, label (N,) and subject (N,) 1..16 (fold number) of the shipped file."""
    z = np.load(path or DATA / "utd_mhad_wharf/WHARF.npz", allow_pickle=True)
    codes = z["X"][:, 0].astype(np.int64)
    subject = np.zeros(len(codes), dtype=np.int64)
    for k, (_, test) in enumerate(z["folds"]):
        subject[np.asarray(test, dtype=np.int64)] = k + 1
    return codes, z["y"].argmax(axis=1), subject


def snippet(text: str) -> np.ndarray:
    """The (T, 3) integer codes of a snippet string 'x y z x y z ...'."""
    return np.array(text.split(), dtype=np.int64).reshape(-1, 3)


def windows_containing(codes: np.ndarray, part: np.ndarray) -> np.ndarray:
    """Indices of the windows of codes (N, W, 3) that hold the samples part (T, 3) consecutively."""
    runs = np.lib.stride_tricks.sliding_window_view(codes, part.shape[0], axis=1)  # (N, W-T+1, 3, T)
    return np.nonzero((runs == part.T[None, None]).all(axis=(2, 3)).any(axis=1))[0]


def to_g(codes: np.ndarray) -> np.ndarray:
    """Acceleration in g from the 6-bit codes: 0..63 spans -1.5 g .. +1.5 g."""
    return -1.5 + codes * (3.0 / 63.0)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def physics(acc: np.ndarray) -> dict[str, np.ndarray]:
    """Per-window features of acc (N, T, 3) in g at 32 Hz, wrist frame (x toward the hand).

    g: mean acceleration direction (N, 3) (opposite to gravity pull: g_x = -1 means hand hanging down);
    dgx: g_x of the last second minus g_x of the first; turn: angle (deg) between those two directions;
    gait: the highest autocorrelation of |a| at lags 0.35-1.3 s (one step at 0.8-2.9 Hz); spread: std of |a|.
    """
    one_s = int(RATE)
    start, end = _unit(acc[:, :one_s].mean(1)), _unit(acc[:, -one_s:].mean(1))
    mag = np.linalg.norm(acc, axis=-1)
    dev = mag - mag.mean(1, keepdims=True)
    lags = range(int(0.35 * RATE), int(1.3 * RATE) + 1)
    ac = np.stack([(dev[:, :-k] * dev[:, k:]).mean(1) for k in lags], 1) / (dev.var(1)[:, None] + 1e-12)
    return {"g": _unit(acc.mean(1)), "dgx": end[:, 0] - start[:, 0],
            "turn": np.degrees(np.arccos(np.clip((start * end).sum(-1), -1.0, 1.0))),
            "gait": ac.max(1), "spread": mag.std(1)}


def fingerprint_labels(codes: np.ndarray, labels: np.ndarray) -> dict[str, list[int]]:
    """For each UCI activity, the labels of the windows that contain its raw snippet (empty: absent)."""
    return {name: sorted({int(labels[i]) for i in windows_containing(codes, snippet(s[2]))})
            for name, s in RAW_SNIPPETS.items()}


HEAD = (f"{'lab':>3} {'registry name':<24} {'raw fingerprint':<15} {'windows':>7} {'subj':>4} {'vols':>4} "
        f"{'recs':>4} {'win/rec':>7} {'earliest rec':<19} {'g_x':>5} {'g_y':>5} {'g_z':>5} {'dg_x':>5} "
        f"{'turn':>5} {'gait':>5} {'|a|sd':>5}")


def _row(k: int, name: str, raw: str, sel: np.ndarray, subject: np.ndarray, feats: dict) -> str:
    n, recs = int(sel.sum()), PUBLISHED_RECORDINGS.get(raw, 0)
    med = {key: np.median(v[sel], 0) for key, v in feats.items()}
    vols = len(UCI_VOLUNTEERS.get(raw, "").split())
    return (f"{k:>3} {name:<24} {raw:<15} {n:>7} {len(np.unique(subject[sel])):>4} {vols:>4} {recs:>4} "
            f"{n / max(recs, 1):>7.1f} {RAW_SNIPPETS.get(raw, ('-',))[0]:<19} "
            + " ".join(f"{x:>+5.2f}" for x in (*med["g"], med["dgx"]))
            + f" {med['turn']:>5.1f} {med['gait']:>5.2f} {med['spread']:>5.3f}")


def main() -> None:
    codes, labels, subject = load_codes()
    spec = get_spec("wharf")
    found = fingerprint_labels(codes, labels)
    by_label = {ls[0]: n for n, ls in found.items() if len(ls) == 1}
    feats = physics(to_g(codes))
    print(HEAD)
    for k in range(labels.max() + 1):
        print(_row(k, spec.classes[k], by_label.get(k, "-"), labels == k, subject, feats))
    absent = [n for n, ls in found.items() if not ls]
    by_time = [n for n in sorted(RAW_SNIPPETS, key=lambda n: RAW_SNIPPETS[n][0]) if n not in absent]
    agree = all(n.replace("_", " ") in spec.prompts_for(spec.classes[k]) for k, n in by_label.items())
    print(f"\nsnippets found in no window: {', '.join(absent) or 'none'}")
    in_order = by_time == [by_label.get(k) for k in range(labels.max() + 1)]
    print(f"label order = order of earliest recording (eat_* left out): {in_order}")
    print(f"registry names agree with the fingerprints (UCI name among each class's prompts): {agree}")


if __name__ == "__main__":
    main()
