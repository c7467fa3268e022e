"""Turn a registered data set into 20 Hz windows, cached on disk after the first conversion."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import track

from ..resampling import resample, sliding_windows
from .registry import DatasetSpec, get_spec
from .sources import Segment
from .windows import WindowSet

CONVERT_VERSION = 1  # bump when the conversion changes: old caches are then ignored
FPS = 20.0


def data_root(root: str | Path | None = None) -> Path:
    """Where the staged data sets live: ``root``, else $MOTIONFM_DATA, else ../shared/data from here."""
    if root is not None:
        return Path(root)
    if "MOTIONFM_DATA" in os.environ:
        return Path(os.environ["MOTIONFM_DATA"])
    return Path.cwd().parent / "shared" / "data"


def cache_dir() -> Path:
    """$MOTIONFM_CACHE, else the user cache folder (e.g. ~/.cache/motionfm)."""
    if "MOTIONFM_CACHE" in os.environ:
        return Path(os.environ["MOTIONFM_CACHE"]) / "har"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("motionfm")) / "har"


def _source_files(spec: DatasetSpec, root: Path) -> list[Path]:
    files = [root / f for f in spec.files]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise FileNotFoundError(f"{spec.name}: data files not found: {', '.join(missing)}. "
                                f"Set MOTIONFM_DATA to the folder that holds them.")
    return files


def _cache_key(spec: DatasetSpec, files: list[Path], window: int, stride: int) -> str:
    h = hashlib.sha1(f"{CONVERT_VERSION}|{spec.name}|{window}|{stride}|{'|'.join(spec.classes)}".encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.name}|{st.st_size}|{int(st.st_mtime)}".encode())
    return h.hexdigest()[:12]


def windows_from_segments(spec: DatasetSpec, segments: list[Segment], window: int, stride: int,
                          show_progress: bool = True) -> WindowSet:
    """Resample each segment to 20 Hz and cut it into windows of ``window`` samples every ``stride``."""
    xs, joints, ys, subjects, valid = [], [], [], [], []
    items = track(segments, description=f"converting {spec.name}", console=Console(stderr=True),
                  disable=not show_progress)
    for seg in items:
        w, _, v = sliding_windows(resample(seg.x, spec.rate_hz, FPS).astype(np.float32), window, stride)
        xs.append(w)
        valid.append(v)
        joints.append(np.broadcast_to(np.asarray(seg.joints), (len(w), len(seg.joints))))
        ys.append(np.full(len(w), seg.label))
        subjects.append(np.full(len(w), seg.subject))
    subject = np.concatenate(subjects)
    split = np.array([spec.split_of(int(s)) for s in subject])
    return WindowSet(spec.name, np.concatenate(xs), np.concatenate(joints).astype(np.int64),
                     np.concatenate(ys).astype(np.int64), subject.astype(np.int64),
                     np.concatenate(valid).astype(np.int64), split, list(spec.classes), spec.has_gyro, FPS)


def load_dataset(name: str, root: str | Path | None = None, window_s: float = 10.0, stride_s: float = 5.0,
                 use_cache: bool = True, show_progress: bool = True) -> WindowSet:
    """Windows of a registered data set (see ``motionfm datasets list``) at 20 Hz.

    The first call converts and caches under ``cache_dir()``; later calls load the cache. Windows are
    ``window_s`` long, every ``stride_s``; shorter recordings give one window padded by repetition.
    """
    spec = get_spec(name)
    files = _source_files(spec, data_root(root))
    window, stride = int(round(window_s * FPS)), int(round(stride_s * FPS))
    path = cache_dir() / f"{spec.name}-{window}-{stride}-{_cache_key(spec, files, window, stride)}.npz"
    if use_cache and path.exists():
        return WindowSet.load(path)
    segments = list(spec.reader(data_root(root)))
    ws = windows_from_segments(spec, segments, window, stride, show_progress)
    if use_cache:
        ws.save(path)
    return ws
