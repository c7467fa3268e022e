"""Simulate many motion files into one array file (the `motionfm simulate` command's engine)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .motion import MotionFormatError, load_motion
from .motion.quality import GlitchCheck, clean_clip, doubts
from .simulate import ClipTooShortError, SimConfig, simulate_clip
from .skeleton import JOINT_NAMES


@dataclass
class SimulatedCorpus:
    """Variable-length clips stored back to back: clip i is imu[offsets[i]:offsets[i+1]] (T_i, 22, 6)."""

    imu: np.ndarray
    offsets: np.ndarray
    sources: list[str]
    fps: float
    failures: list[str] = field(default_factory=list)  # 'FILE: reason' of each skipped file
    trimmed: list[str] = field(default_factory=list)  # 'FILE: what was wrong: kept frames a-b of n'
    warnings: list[str] = field(default_factory=list)  # 'FILE: doubt' of a simulated clip (quality.doubts)

    def clip(self, i: int) -> np.ndarray:
        return self.imu[self.offsets[i]:self.offsets[i + 1]]

    def __len__(self) -> int:
        return len(self.sources)

    def save(self, path: str | Path) -> None:
        """Write an .npz (atomically) with the arrays and metadata (sources, fps, joint names)."""
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez(tmp, imu=self.imu, offsets=self.offsets, sources=np.array(self.sources),
                     fps=self.fps, joint_names=np.array(JOINT_NAMES),
                     channels=np.array(["ax", "ay", "az", "gx", "gy", "gz"]), units=np.array(["m/s^2", "rad/s"]),
                     failures=np.array(self.failures, dtype=str), trimmed=np.array(self.trimmed, dtype=str),
                     warnings=np.array(self.warnings, dtype=str))

    @classmethod
    def load(cls, path: str | Path) -> SimulatedCorpus:
        with np.load(path) as z:
            notes = [[str(s) for s in z[k]] if k in z else [] for k in ("failures", "trimmed", "warnings")]
            return cls(z["imu"], z["offsets"], [str(s) for s in z["sources"]], float(z["fps"]),
                       *notes)


def simulate_files(files: Iterable[Path], config: SimConfig,
                   progress: Callable[[Iterable[Path]], Iterable[Path]] = lambda x: x,
                   check: GlitchCheck | None = None) -> SimulatedCorpus:
    """Read, check and simulate each file (file k draws its noise from (config.seed, k)).

    Files that cannot be read, or whose motion is implausible beyond trimming, are listed in ``failures``
    with the reason; clips trimmed of a glitch at an end are listed in ``trimmed``, and simulated clips
    whose motion is doubtful (quality.doubts: e.g. Z-up) in ``warnings``. No clip with a non-finite value
    enters the corpus.
    """
    arrays, sources, failures, trimmed, warned = [], [], [], [], []
    for k, path in enumerate(progress(files)):
        try:
            clip, note = clean_clip(load_motion(path), check)
            imu = simulate_clip(clip, config, clip_index=k)
            if not np.isfinite(imu).all():
                raise ValueError("simulated IMU has NaN or infinite values")
        except (MotionFormatError, ClipTooShortError, ValueError, OSError, EOFError) as err:  # this file only
            failures.append(f"{path}: {err}" if str(path) not in str(err) else str(err))
            continue
        if note:
            trimmed.append(f"{path}: {note}")
        warned += [f"{path}: {doubt}" for doubt in doubts(clip)]
        arrays.append(imu)
        sources.append(str(path))
    lengths = [len(a) for a in arrays]
    imu = np.concatenate(arrays) if arrays else np.zeros((0, len(JOINT_NAMES), 6), np.float32)
    return SimulatedCorpus(imu, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), sources,
                           config.fps_out, failures, trimmed, warned)
