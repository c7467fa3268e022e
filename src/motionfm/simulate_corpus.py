"""Simulate many motion files into one array file (the `motionfm simulate` command's engine)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .motion import MotionFormatError, load_motion
from .simulate import ClipTooShortError, SimConfig, simulate_clip
from .skeleton import JOINT_NAMES


@dataclass
class SimulatedCorpus:
    """Variable-length clips stored back to back: clip i is imu[offsets[i]:offsets[i+1]] (T_i, 22, 6)."""

    imu: np.ndarray
    offsets: np.ndarray
    sources: list[str]
    fps: float
    failures: list[str] = field(default_factory=list)

    def clip(self, i: int) -> np.ndarray:
        return self.imu[self.offsets[i]:self.offsets[i + 1]]

    def __len__(self) -> int:
        return len(self.sources)

    def save(self, path: str | Path) -> None:
        """Write an .npz (atomically) with the arrays and metadata (sources, fps, joint names)."""
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez(tmp, imu=self.imu, offsets=self.offsets, sources=np.array(self.sources),
                     fps=self.fps, joint_names=np.array(JOINT_NAMES),
                     channels=np.array(["ax", "ay", "az", "gx", "gy", "gz"]), units=np.array(["m/s^2", "rad/s"]))

    @classmethod
    def load(cls, path: str | Path) -> SimulatedCorpus:
        with np.load(path) as z:
            return cls(z["imu"], z["offsets"], [str(s) for s in z["sources"]], float(z["fps"]))


def simulate_files(files: Iterable[Path], config: SimConfig,
                   progress: Callable[[Iterable[Path]], Iterable[Path]] = lambda x: x) -> SimulatedCorpus:
    """Read and simulate each file; files that cannot be read are listed in ``failures`` with the reason."""
    arrays, sources, failures = [], [], []
    for path in progress(files):
        try:
            clip = load_motion(path)
            arrays.append(simulate_clip(clip, config))
        except (MotionFormatError, ClipTooShortError, ValueError) as err:
            failures.append(f"{path}: {err}" if str(path) not in str(err) else str(err))
            continue
        sources.append(str(path))
    lengths = [len(a) for a in arrays]
    imu = np.concatenate(arrays) if arrays else np.zeros((0, len(JOINT_NAMES), 6), np.float32)
    return SimulatedCorpus(imu, np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), sources,
                           config.fps_out, failures)
