"""Raw readers of the staged data sets: labelled recordings at their native rate, in SI units.

Each reader yields Segments; windowing, resampling and caching happen in ``motionfm.har.convert``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..skeleton import placement_to_joint
from ..units import acc_to_ms2, gyro_to_rads


@dataclass
class Segment:
    """One labelled stretch of recording: x (T, S, 6) in m/s^2 and rad/s at the source rate."""

    x: np.ndarray
    label: int  # 0-based class index
    subject: int
    joints: tuple[int, ...]


def to_si(raw: np.ndarray, acc_unit: str, gyro_unit: str | None) -> np.ndarray:
    """(..., 3 or 6) raw channels -> (..., 6) float32 m/s^2 + rad/s (zeros where there is no gyro)."""
    out = np.zeros(raw.shape[:-1] + (6,), dtype=np.float32)
    out[..., :3] = acc_to_ms2(raw[..., :3].astype(np.float64), acc_unit)
    if gyro_unit is not None:
        out[..., 3:] = gyro_to_rads(raw[..., 3:6].astype(np.float64), gyro_unit)
    return out


def _runs(values: np.ndarray) -> Iterator[tuple[int, int]]:
    """(start, stop) of each run of equal consecutive values."""
    edges = np.nonzero(np.diff(values))[0] + 1
    bounds = np.concatenate([[0], edges, [len(values)]])
    return zip(bounds[:-1], bounds[1:])


def read_hapt(root: Path) -> Iterator[Segment]:
    """UCI HAPT raw recordings (waist phone, 50 Hz): each run of one label 1..6 is a segment."""
    z = np.load(root / "uci_hapt/hapt_raw_50hz.npz")
    x, label, subject, recording = z["X"], z["label"], z["subject"], z["recording"]
    joint = (placement_to_joint("waist"),)
    key = recording.astype(np.int64) * 100 + label  # a run ends at a new label or a new recording
    for a, b in _runs(key):
        if 1 <= label[a] <= 6:
            yield Segment(to_si(x[a:b], "g", "rad/s")[:, None], int(label[a]) - 1, int(subject[a]), joint)


DSADS_UNITS = {"T": "torso", "RA": "right_wrist", "LA": "left_wrist", "RL": "right_thigh", "LL": "left_thigh"}


def read_dsads(root: Path) -> Iterator[Segment]:
    """DSADS (5 units, 25 Hz): the 60 consecutive 5 s segments of a subject's activity form one recording."""
    z = np.load(root / "dsads/dsads_25hz_5s_accgyro_f16.npz")
    x, activity, subject, segment = z["X"], z["activity"], z["subject"], z["segment"]
    channels = [str(c) for c in z["channels"]]
    units = list(DSADS_UNITS)
    order = [channels.index(f"{u}_{kind}{axis}") for u in units for kind in ("acc", "gyro") for axis in "xyz"]
    joints = tuple(placement_to_joint(DSADS_UNITS[u]) for u in units)
    for s in np.unique(subject):
        for a in np.unique(activity):
            sel = np.nonzero((subject == s) & (activity == a))[0]
            sel = sel[np.argsort(segment[sel])]
            rec = x[sel][:, :, order].reshape(-1, len(units), 6)  # (60*125, 5, 6)
            yield Segment(to_si(rec, "m/s2", "rad/s"), int(a) - 1, int(s), joints)


def read_usc_had(root: Path) -> Iterator[Segment]:
    """USC-HAD (front right hip, 100 Hz, acc in g, gyro in deg/s): one segment per trial."""
    z = np.load(root / "usc_had/usc_had_100hz.npz")
    x, offsets = z["X"], z["offsets"]
    joint = (placement_to_joint("right_hip"),)  # a belt clip on the right hip rides on the pelvis
    for i, (a, b) in enumerate(zip(offsets[:-1], offsets[1:])):
        yield Segment(to_si(x[a:b], "g", "deg/s")[:, None], int(z["activity"][i]) - 1, int(z["subject"][i]), joint)


def fold_subjects(folds: np.ndarray, n: int) -> np.ndarray:
    """Subject id (1-based fold number) of each window from leave-one-subject-out (train, test) folds."""
    subject = np.zeros(n, dtype=np.int64)
    for k, (_, test) in enumerate(folds):
        subject[np.asarray(test, dtype=np.int64)] = k + 1
    if (subject == 0).any():
        raise ValueError("folds do not cover every window: cannot tell subjects apart")
    return subject


def _read_windows_npz(path: Path, acc_unit: str, gyro_unit: str | None, placement: str,
                      label_offset: int = 0) -> Iterator[Segment]:
    z = np.load(path, allow_pickle=True)  # the folds are an object array of index pairs
    x, y = z["X"][:, 0], z["y"].argmax(axis=1)
    subject = fold_subjects(z["folds"], len(x))
    joint = (placement_to_joint(placement),)
    si = to_si(x, acc_unit, gyro_unit)
    for i in range(len(x)):
        yield Segment(si[i][:, None], int(y[i]) + label_offset, int(subject[i]), joint)


def read_utd_mhad(root: Path) -> Iterator[Segment]:
    """UTD-MHAD 1 s windows at 50 Hz: a1..a21 on the right wrist, a22..a27 on the right thigh.

    Units are undocumented: |acc| of about 1 says g; gyro peaks at the +-1000 range of a deg/s sensor.
    """
    folder = root / "utd_mhad_wharf"
    yield from _read_windows_npz(folder / "UTD-MHAD1_1s.npz", "g", "deg/s", "right_wrist")
    yield from _read_windows_npz(folder / "UTD-MHAD2_1s.npz", "g", "deg/s", "right_thigh", label_offset=21)


def read_wharf(root: Path) -> Iterator[Segment]:
    """WHARF 5 s windows at 32 Hz, right wrist, accelerometer only, 6-bit coded values."""
    yield from _read_windows_npz(root / "utd_mhad_wharf/WHARF.npz", "wharf-code", None, "right_wrist")
