"""The motion clip every reader returns: 22 joints in motionfm order, metres, Y up."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..skeleton import JOINT_NAMES, NUM_JOINTS
from ..values import is_real


class MotionFormatError(ValueError):
    """A motion file is corrupt, truncated or of an unknown skeleton; the message names file and line."""


@dataclass
class MotionClip:
    """Joint motion on the 22-joint skeleton.

    positions: (T, 22, 3) global joint positions in metres, world Y up.
    rotations: (T, 22, 4) global orientation (w, x, y, z) of the segment that starts at each joint,
        or None when the source only has positions (HumanML3D).
    fps: frames per second of the arrays.
    """

    positions: np.ndarray
    fps: float
    rotations: np.ndarray | None = None
    source: str = ""
    family: str = ""
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        """ValueError for arrays of another shape or kind and rates that are not positive and finite; values
        that are not finite are kept (motion.quality trims or refuses them, naming the frame)."""
        for name in ("positions", "rotations"):
            value = getattr(self, name)
            if value is None:
                continue
            array = np.asarray(value)
            if array.dtype.kind not in "fiu":
                raise ValueError(f"{name} must be real numbers; got dtype {array.dtype}")
            object.__setattr__(self, name, array if array.dtype.kind == "f" else array.astype(np.float64))
        if self.positions.ndim != 3 or self.positions.shape[1:] != (NUM_JOINTS, 3) or not len(self.positions):
            raise ValueError(f"positions must be (T, {NUM_JOINTS}, 3) with T >= 1 frames; got {self.positions.shape}")
        if self.rotations is not None and self.rotations.shape != self.positions.shape[:2] + (4,):
            raise ValueError(f"rotations must be (T, {NUM_JOINTS}, 4); got {self.rotations.shape}")
        if not (is_real(self.fps) and self.fps > 0):
            raise ValueError(f"fps must be a positive number of frames per second; got {self.fps!r}")

    @property
    def num_frames(self) -> int:
        return self.positions.shape[0]

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.num_frames / self.fps

    @property
    def joint_names(self) -> tuple[str, ...]:
        return JOINT_NAMES
