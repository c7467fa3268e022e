"""Turn a registered data set into RATE_HZ windows, cached on disk after the first conversion."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import track

from ..gravity import ACC_GRAVITY, remove_gravity
from ..paths import cache_dir, data_root
from ..resampling import resample, sliding_windows
from ..values import is_real
from ..windows import MIN_WINDOW_S, RATE_HZ
from .registry import DatasetSpec, get_spec
from .sources import READER_VERSION, Segment
from .windows import WindowSet

CONVERT_VERSION = 1  # bump when the conversion changes: old caches are then ignored


def _source_files(spec: DatasetSpec, root: Path) -> list[Path]:
    files = [root / f for f in spec.files]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise FileNotFoundError(f"{spec.name}: data files not found: {', '.join(missing)}. "
                                f"Set MOTIONFM_DATA (or pass --data) to the folder that holds them.")
    return files


def cache_key(spec: DatasetSpec, files: list[Path], window: int, stride: int) -> str:
    """12 hex digits over everything that defines the windows: the registry entry (rate, units, placements,
    classes, splits), the canonical rate, the window, the converter and reader versions and the source files."""
    defining = dict(name=spec.name, rate_hz=spec.rate_hz, acc_unit=spec.acc_unit, gyro_unit=spec.gyro_unit,
                    placements=spec.placements, classes=spec.classes, test=spec.test_subjects,
                    val=spec.val_subjects, val_within=[spec.val_within, spec.val_share], reader=spec.reader.__qualname__, versions=[CONVERT_VERSION, READER_VERSION],
                    rate=RATE_HZ, window=window, stride=stride)
    h = hashlib.sha1(json.dumps(defining, sort_keys=True).encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.name}|{st.st_size}|{int(st.st_mtime)}".encode())
    return h.hexdigest()[:12]


def windows_from_segments(spec: DatasetSpec, segments: list[Segment], window: int, stride: int,
                          show_progress: bool = True) -> WindowSet:
    """Resample each segment to RATE_HZ and cut it into windows of ``window`` samples every ``stride``."""
    xs, joints, ys, subjects, valid = [], [], [], [], []
    items = track(segments, description=f"converting {spec.name}", console=Console(stderr=True),
                  disable=not show_progress)
    for seg in items:
        w, _, v = sliding_windows(resample(seg.x, spec.rate_hz, RATE_HZ).astype(np.float32), window, stride)
        xs.append(w)
        valid.append(v)
        joints.append(np.broadcast_to(np.asarray(seg.joints), (len(w), len(seg.joints))))
        ys.append(np.full(len(w), seg.label))
        subjects.append(np.full(len(w), seg.subject))
    subject = np.concatenate(subjects)
    split = spec.splits(subject, np.concatenate(ys))
    return WindowSet(spec.name, np.concatenate(xs), np.concatenate(joints).astype(np.int64),
                     np.concatenate(ys).astype(np.int64), subject.astype(np.int64),
                     np.concatenate(valid).astype(np.int64), split, list(spec.classes), spec.has_gyro)


def load_dataset(name: str, root: str | Path | None = None, window_s: float = 10.0, stride_s: float = 5.0,
                 use_cache: bool = True, show_progress: bool = True, acc_gravity: str = "included") -> WindowSet:
    """Windows of a registered data set (see ``motionfm datasets list``) at RATE_HZ (20 Hz).

    The first call converts and caches under ``paths.cache_dir('har')``; later calls load the cache. Windows
    are ``window_s`` long, every ``stride_s``; shorter recordings give one window padded by repetition.
    ``acc_gravity='removed'``: gravity is taken out of each continuous recording at its own rate the way a
    phone exports linear acceleration (``motionfm.gravity.remove_gravity``) before windowing.
    """
    if acc_gravity not in ACC_GRAVITY:
        raise ValueError(f"unknown acc_gravity {acc_gravity!r}; use one of {', '.join(ACC_GRAVITY)}")
    for arg, value, low in (("window_s", window_s, MIN_WINDOW_S), ("stride_s", stride_s, 1.0 / RATE_HZ)):
        if not (is_real(value) and value >= low):
            raise ValueError(f"{arg} must be a number of seconds >= {low:g}; got {value!r}")
    spec, root = get_spec(name), data_root(root)
    files = _source_files(spec, root)
    window, stride = int(round(window_s * RATE_HZ)), int(round(stride_s * RATE_HZ))
    tag = "" if acc_gravity == "included" else "-linear"
    path = cache_dir("har") / f"{spec.name}-{window}-{stride}{tag}-{cache_key(spec, files, window, stride)}.npz"
    if use_cache and path.exists():
        return WindowSet.load(path)
    segments = list(spec.reader(spec, root))
    if acc_gravity == "removed":
        segments = [_without_gravity(seg, spec.rate_hz) for seg in segments]
    ws = windows_from_segments(spec, segments, window, stride, show_progress)
    if use_cache:
        ws.save(path)
    return ws


def _without_gravity(seg: Segment, fps: float) -> Segment:
    """The segment with each sensor's acceleration (T, S, 0:3) replaced by linear acceleration."""
    x = seg.x.copy()
    x[..., :3] = np.moveaxis(remove_gravity(np.moveaxis(x[..., :3], 1, 0), fps), 0, 1)
    return replace(seg, x=x)
