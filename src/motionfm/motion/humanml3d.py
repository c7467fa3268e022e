"""HumanML3D ``new_joints`` reader: (T, 22, 3) SMPL-order joint positions in metres, Y up, 20 fps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..skeleton import NUM_JOINTS, SMPL_TO_OURS
from .clip import MotionClip, MotionFormatError
from .compressed import is_compressed, open_binary

HUMANML3D_FPS = 20.0


def from_smpl_order(joints: np.ndarray) -> np.ndarray:
    """Reorder (..., 22, 3) joint arrays from SMPL/HumanML3D order to motionfm order."""
    return joints[..., list(SMPL_TO_OURS), :]


def read_humanml3d(path: str | Path, fps: float = HUMANML3D_FPS) -> MotionClip:
    """Read a HumanML3D new_joints .npy clip (or clip.npy.gz, .bz2, .xz) onto the 22 joints (positions only;
    no rotations)."""
    path = Path(path)
    try:
        arr = np.load(open_binary(path) if is_compressed(path) else path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise MotionFormatError(f"{path}: not a readable .npy array ({str(err).split('; ')[0]})") from None
    if not isinstance(arr, np.ndarray):  # np.load returns an NpzFile for a .npz renamed .npy
        raise MotionFormatError(f"{path}: an .npz archive, not one .npy array of new_joints")
    if arr.dtype.kind not in "fiu":
        raise MotionFormatError(f"{path}: new_joints must be real numbers (metres); got dtype {arr.dtype}")
    if arr.ndim != 3 or arr.shape[1:] != (NUM_JOINTS, 3):
        hint = " (that is a new_joint_vecs feature file; use new_joints)" if arr.ndim == 2 and arr.shape[1] == 263 else ""
        raise MotionFormatError(f"{path}: expected new_joints of shape (T, 22, 3), got {arr.shape}{hint}")
    if not np.isfinite(arr).all():
        raise MotionFormatError(f"{path}: frame {int(np.nonzero(~np.isfinite(arr).all(axis=(1, 2)))[0][0])} has NaN")
    return MotionClip(from_smpl_order(arr.astype(np.float64)), fps, None, source=str(path), family="humanml3d")
