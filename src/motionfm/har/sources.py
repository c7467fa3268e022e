"""Raw readers of the staged data sets: labelled recordings at their native rate, in SI units.

Each reader takes its registry entry and the data root and yields Segments; units and placements come from
the entry (``spec.acc_unit``, ``spec.gyro_unit``, ``spec.placements``), never from the reader. Windowing,
resampling and caching happen in ``motionfm.har.convert``.
"""

from __future__ import annotations

import codecs
import pickle
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib import format as npy_format

from ..skeleton import placement_to_joint
from ..units import acc_to_ms2, gyro_to_rads

if TYPE_CHECKING:
    from .registry import DatasetSpec

READER_VERSION = 1  # bump when a reader changes what it yields: cached windows are then rebuilt


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


def _joints(spec: DatasetSpec) -> tuple[int, ...]:
    return tuple(placement_to_joint(p) for p in spec.placements)


def read_hapt(spec: DatasetSpec, root: Path) -> Iterator[Segment]:
    """UCI HAPT raw recordings (one phone, 50 Hz): each run of one label 1..6 is a segment."""
    z = np.load(root / spec.files[0])
    x, label, subject, recording = z["X"], z["label"], z["subject"], z["recording"]
    key = recording.astype(np.int64) * 100 + label  # a run ends at a new label or a new recording
    for a, b in _runs(key):
        if 1 <= label[a] <= 6:
            yield Segment(to_si(x[a:b], spec.acc_unit, spec.gyro_unit)[:, None], int(label[a]) - 1,
                          int(subject[a]), _joints(spec))


DSADS_UNITS = ("T", "RA", "LA", "RL", "LL")  # the file's unit codes, in the order of the registry's placements


def read_dsads(spec: DatasetSpec, root: Path) -> Iterator[Segment]:
    """DSADS (5 units, 25 Hz): the 60 consecutive 5 s segments of a subject's activity form one recording."""
    z = np.load(root / spec.files[0])
    x, activity, subject, segment = z["X"], z["activity"], z["subject"], z["segment"]
    channels = [str(c) for c in z["channels"]]
    order = [channels.index(f"{u}_{kind}{axis}") for u in DSADS_UNITS for kind in ("acc", "gyro") for axis in "xyz"]
    for s in np.unique(subject):
        for a in np.unique(activity):
            sel = np.nonzero((subject == s) & (activity == a))[0]
            sel = sel[np.argsort(segment[sel])]
            rec = x[sel][:, :, order].reshape(-1, len(DSADS_UNITS), 6)  # (60*125, 5, 6)
            yield Segment(to_si(rec, spec.acc_unit, spec.gyro_unit), int(a) - 1, int(s), _joints(spec))


def read_usc_had(spec: DatasetSpec, root: Path) -> Iterator[Segment]:
    """USC-HAD (one sensor, 100 Hz): one segment per trial."""
    z = np.load(root / spec.files[0])
    x, offsets = z["X"], z["offsets"]
    for i, (a, b) in enumerate(zip(offsets[:-1], offsets[1:])):
        yield Segment(to_si(x[a:b], spec.acc_unit, spec.gyro_unit)[:, None], int(z["activity"][i]) - 1,
                      int(z["subject"][i]), _joints(spec))


def fold_subjects(folds: np.ndarray, n: int) -> np.ndarray:
    """Subject id (1-based fold number) of each window from leave-one-subject-out (train, test) folds."""
    subject = np.zeros(n, dtype=np.int64)
    for k, (_, test) in enumerate(folds):
        subject[np.asarray(test, dtype=np.int64)] = k + 1
    if (subject == 0).any():
        raise ValueError("folds do not cover every window: cannot tell subjects apart")
    return subject


_RECONSTRUCT = np.ndarray(0).__reduce__()[0]  # numpy's array-unpickling helper, wherever this numpy keeps it


class _ArraysOnly(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else: no arbitrary code, unlike np.load(allow_pickle=True)."""

    ALLOWED = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype, ("_codecs", "encode"): codecs.encode,
               ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
               ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a data file (arrays only)")
        return self.ALLOWED[module, name]


def read_folds(path: Path) -> np.ndarray:
    """The ``folds`` object array ((k, 2) of (train, test) index arrays) of an .npz, read without allow_pickle."""
    with zipfile.ZipFile(path) as zf, zf.open("folds.npy") as f:
        version = npy_format.read_magic(f)
        read_header = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}[version]
        shape, fortran, dtype = read_header(f)
        if dtype != object:
            raise ValueError(f"{path}: folds are {dtype}, expected an object array of index pairs")
        folds = _ArraysOnly(f, encoding="latin1").load()
    return np.asarray(folds, dtype=object).reshape(shape, order="F" if fortran else "C")


def _read_windows_npz(path: Path, acc_unit: str, gyro_unit: str | None, placement: str,
                      label_offset: int = 0) -> Iterator[Segment]:
    z = np.load(path)
    x, y = z["X"][:, 0], z["y"].argmax(axis=1)
    subject = fold_subjects(read_folds(path), len(x))
    joint = (placement_to_joint(placement),)
    si = to_si(x, acc_unit, gyro_unit)
    for i in range(len(x)):
        yield Segment(si[i][:, None], int(y[i]) + label_offset, int(subject[i]), joint)


def read_utd_mhad(spec: DatasetSpec, root: Path) -> Iterator[Segment]:
    """UTD-MHAD 1 s windows at 50 Hz: a1..a21 from the first file and sensor site, a22..a27 from the second.

    Units are undocumented: |acc| of about 1 says g; gyro peaks at the +-1000 range of a deg/s sensor.
    """
    (wrist_file, thigh_file), (wrist, thigh) = spec.files, spec.placements
    yield from _read_windows_npz(root / wrist_file, spec.acc_unit, spec.gyro_unit, wrist)
    yield from _read_windows_npz(root / thigh_file, spec.acc_unit, spec.gyro_unit, thigh, label_offset=21)


def read_wharf(spec: DatasetSpec, root: Path) -> Iterator[Segment]:
    """WHARF 5 s windows at 32 Hz, one wrist sensor, accelerometer only, 6-bit coded values."""
    yield from _read_windows_npz(root / spec.files[0], spec.acc_unit, spec.gyro_unit, spec.placements[0])
