"""Labelled windows of real IMU data, stored compactly (only the joints that carry a sensor)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import atomic_path
from ..windows import RATE_HZ, CanonicalWindows, place_sensors

SPLITS = ("train", "val", "test")


@dataclass
class WindowSet:
    """Windows of one data set at RATE_HZ (20 Hz).

    x: (N, T, S, 6) float32, S sensors per window, [ax, ay, az] m/s^2 with gravity, [gx, gy, gz] rad/s.
    joints: (N, S) joint index of each sensor. y: (N,) class index. subject: (N,).
    valid_len: (N,) real samples in each window; shorter recordings are padded by repetition.
    split: (N,) 'train' / 'val' / 'test' (fixed subject-wise in the registry).
    has_gyro: False for accelerometer-only data: gyro channels are absent (zeros), not measured zeros.
    """

    name: str
    x: np.ndarray
    joints: np.ndarray
    y: np.ndarray
    subject: np.ndarray
    valid_len: np.ndarray
    split: np.ndarray
    class_names: list[str]
    has_gyro: bool = True
    fps: float = RATE_HZ

    def __len__(self) -> int:
        return len(self.y)

    @property
    def channel_mask(self) -> np.ndarray:
        """(6,) bool: which of [ax, ay, az, gx, gy, gz] were measured."""
        return np.array([True] * 3 + [self.has_gyro] * 3)

    def subset(self, index: np.ndarray | str) -> WindowSet:
        """The windows at ``index`` (an index array, a bool mask, or a split name)."""
        if isinstance(index, str):
            if index not in SPLITS:
                raise ValueError(f"unknown split {index!r}; use one of {SPLITS}")
            index = self.split == index
        return WindowSet(self.name, self.x[index], self.joints[index], self.y[index], self.subject[index],
                         self.valid_len[index], self.split[index], self.class_names, self.has_gyro, self.fps)

    def canonical(self, index: np.ndarray | slice | None = None) -> CanonicalWindows:
        """The windows at ``index`` (default all) on the 22-joint layout, with labels, valid lengths, channels."""
        index = slice(None) if index is None else index
        x, mask = place_sensors(self.x[index], self.joints[index])
        return CanonicalWindows(x, mask, self.y[index], self.valid_len[index], self.channel_mask)

    def class_counts(self, split: str | None = None) -> np.ndarray:
        """(n_classes,) windows per class, of one split (train, val, test) or of all."""
        if split is not None and split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; use one of {SPLITS}")
        y = self.y if split is None else self.y[self.split == split]
        return np.bincount(y, minlength=len(self.class_names))

    def save(self, path: str | Path) -> None:
        """Write to .npz atomically."""
        with atomic_path(path, suffix=".npz") as tmp:
            np.savez(tmp, name=self.name, x=self.x, joints=self.joints, y=self.y, subject=self.subject,
                     valid_len=self.valid_len, split=self.split, class_names=np.array(self.class_names),
                     has_gyro=self.has_gyro, fps=self.fps)

    @classmethod
    def load(cls, path: str | Path) -> WindowSet:
        with np.load(path) as z:
            return cls(str(z["name"]), z["x"], z["joints"], z["y"], z["subject"], z["valid_len"], z["split"],
                       [str(c) for c in z["class_names"]], bool(z["has_gyro"]), float(z["fps"]))
