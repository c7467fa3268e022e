"""The canonical window: what every encoder, adapter and evaluator in motionfm takes.

Windows are float32 (n, T, 22, 6) at RATE_HZ on the 22-joint layout of ``motionfm.skeleton``, channels
[ax, ay, az] m/s^2 with gravity and [gx, gy, gz] rad/s in the sensor frame; joints without a sensor are zeros
and marked absent in ``mask``. This module imports only numpy and the skeleton, so models may use RATE_HZ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .skeleton import NUM_JOINTS

RATE_HZ = 20.0  # the canonical sampling rate, saved with every model (hub.save_model)
MIN_WINDOW_S = 1.0  # the shortest windows the models were trained and evaluated on (UTD-MHAD's 1 s clips)
CHANNELS = 6  # ax, ay, az, gx, gy, gz


@dataclass
class CanonicalWindows:
    """n windows on the 22-joint layout, validated once on construction.

    x: (n, T, 22, 6) float32 at RATE_HZ. mask: (n, 22) bool, joints that carry a sensor.
    y: (n,) int class index, or None. valid_len: (n,) real samples per window (the rest is padding by
    repetition); default T. channel_mask: (n, 6) bool, which of [ax, ay, az, gx, gy, gz] were measured (a (6,)
    row is broadcast); default all. start_s: (n,) window start times in seconds, or None.
    """

    x: np.ndarray
    mask: np.ndarray
    y: np.ndarray | None = None
    valid_len: np.ndarray | None = None
    channel_mask: np.ndarray | None = None
    start_s: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.x = np.asarray(self.x, dtype=np.float32)
        if self.x.ndim != 4 or self.x.shape[2:] != (NUM_JOINTS, CHANNELS):
            raise ValueError(f"windows must be (n, time, {NUM_JOINTS}, {CHANNELS}); got {self.x.shape}")
        n, length = self.x.shape[:2]
        if self.x.size and not (np.isfinite(self.x.min()) and np.isfinite(self.x.max())):  # no temporary copy
            raise ValueError("windows contain NaN or infinite values; fill or drop those samples first")
        self.mask = _field(self.mask, (n, NUM_JOINTS), bool, "mask")
        self.valid_len = _field(np.full(n, length) if self.valid_len is None else self.valid_len, (n,), np.int64,
                                "valid_len")
        if n and not ((self.valid_len >= 1) & (self.valid_len <= length)).all():
            raise ValueError(f"valid_len must lie in 1..{length} (the window length)")
        channels = np.ones(CHANNELS, bool) if self.channel_mask is None else np.asarray(self.channel_mask, bool)
        self.channel_mask = _field(np.broadcast_to(channels, (n, CHANNELS)) if channels.ndim == 1 else channels,
                                   (n, CHANNELS), bool, "channel_mask")
        if self.y is not None:
            self.y = _field(self.y, (n,), np.int64, "y")
        if self.start_s is not None:
            self.start_s = _field(self.start_s, (n,), np.float64, "start_s")

    def __len__(self) -> int:
        return len(self.x)

    @property
    def length(self) -> int:
        """Samples per window (T)."""
        return self.x.shape[1]

    def take(self, index: np.ndarray | slice) -> CanonicalWindows:
        """The windows at ``index`` (an index array, a bool mask or a slice), every field alike."""
        return CanonicalWindows(self.x[index], self.mask[index], None if self.y is None else self.y[index],
                                self.valid_len[index], self.channel_mask[index],
                                None if self.start_s is None else self.start_s[index])


def _field(value, shape: tuple[int, ...], dtype, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape} to match the windows; got {arr.shape}")
    return arr.astype(dtype, copy=False)


def place_sensors(x: np.ndarray, joints) -> tuple[np.ndarray, np.ndarray]:
    """Put sensor data on the 22-joint layout.

    x: (n, T, 6) one sensor, or (n, T, S, 6) S sensors. joints: the joint index of each sensor, as an int
    (one sensor), (S,) for all windows alike, or (n, S) per window.
    Returns ((n, T, 22, 6) float32, zeros where no sensor is worn; (n, 22) bool joint-presence mask).
    """
    x = np.asarray(x)
    x = x[:, :, None] if x.ndim == 3 else x
    n, length, sensors, channels = x.shape
    joints = np.broadcast_to(np.reshape(np.asarray(joints, dtype=np.int64), (-1, sensors)), (n, sensors))
    out = np.zeros((n, length, NUM_JOINTS, channels), dtype=np.float32)
    mask = np.zeros((n, NUM_JOINTS), dtype=bool)
    rows = np.arange(n)[:, None]
    out[rows, :, joints] = np.moveaxis(x, 2, 1)  # (n, S, T, c) into the joint slots
    mask[rows, joints] = True
    return out, mask
