"""Upright sensor frames (issue 12 item 9): rotate each sensor so its typical gravity direction is +z.

The alternative to teaching the encoder that orientation does not matter (a uniform SO(3) rotation of every
window) is to put every sensor in a frame that means the same thing everywhere, and to augment only what is
still unknown. Gravity fixes one axis without labels: a sensor's *typical* gravity direction (the geometric median
over its windows of the per-window mean acceleration direction) is where "up" is for it most of the time, so
the rotation taking it to +z puts simulated segments, data-set sensors and user recordings in comparable
frames; the heading about that axis stays unknown (``augment.random_rotation(mode="upright")`` turns about z
and tilts a little). Postures keep their difference: a lying window's gravity is far from +z while a standing
one's is near it. Rotations are per recording unit: per simulated joint over a whole corpus, per
(subject, sensor) of a data set, per sensor of a user recording.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .geometry import quat_between, quat_to_matrix

UP = np.array([0.0, 0.0, 1.0])
MIN_GRAVITY = 0.3 * 9.80665  # m/s^2: a sensor's median window mean below this carries no gravity
ROTATIONS = ("so3", "upright")  # the pre-training choices: uniform random frames, or upright frames + heading


def window_gravity_directions(acc: np.ndarray) -> np.ndarray:
    """Unit mean-acceleration direction of each window: acc (n, T, 3) m/s^2 with gravity -> (n, 3).

    ValueError when the windows carry no gravity (median |mean| below 0.3 g, e.g. linear acceleration): the
    frame is found from gravity, and gravity-free input would be turned by noise."""
    mean = acc.mean(axis=1, dtype=np.float64)
    norm = np.linalg.norm(mean, axis=-1, keepdims=True)
    if not len(norm) or np.median(norm) < MIN_GRAVITY:
        raise ValueError("the acceleration carries no gravity (median window mean below 0.3 g): upright frames "
                         "are found from gravity, so gravity-free input cannot be aligned")
    return mean / np.maximum(norm, 1e-9)


def typical_gravity(directions: np.ndarray, iterations: int = 50) -> np.ndarray:
    """The typical direction (3,) of (n, 3) unit gravity directions: their geometric median (Weiszfeld's
    iteration from the mean), normalised. It turns with the frame (a component-wise median would not, so two
    mountings would get frames differing by more than a heading) and resists a minority of postures."""
    point = directions.mean(axis=0)
    for _ in range(iterations):
        w = 1.0 / np.maximum(np.linalg.norm(directions - point, axis=1), 1e-9)
        point = (directions * w[:, None]).sum(axis=0) / w.sum()
    if np.linalg.norm(point) < 1e-6:
        raise ValueError("the gravity directions cancel out: no typical direction to align to")
    return point / np.linalg.norm(point)


def upright_matrix(direction: np.ndarray) -> np.ndarray:
    """(3, 3) rotation taking the unit ``direction`` (3,) to +z by the shortest arc."""
    return quat_to_matrix(quat_between(np.asarray(direction, np.float64), UP))


def rotate_channels(x: np.ndarray, rot: np.ndarray, vectors: int = 1 << 20) -> np.ndarray:
    """Rotate [ax, ay, az, gx, gy, gz] (..., 6) by (3, 3): both vectors turn with the sensor frame. Computed in
    float32 (float64 for float64 input), about ``vectors`` rows of 6 at a time; returns the input's dtype."""
    work = np.float64 if x.dtype == np.float64 else np.float32
    r = np.kron(np.eye(2), rot).T.astype(work)  # (6, 6): acc and gyro by the same rotation
    out = np.empty(x.shape, x.dtype)
    step = max(1, vectors * len(x) // max(1, x.size // 6)) if x.ndim > 1 else len(x)
    for i in range(0, len(x), step):
        out[i:i + step] = x[i:i + step].astype(work) @ r
    return out


def upright_windows(x: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Windows (N, T, S, 6) with every (group, sensor) rotated so its typical gravity is +z; ``groups`` (N,)
    names the recording unit of each window (e.g. the subject). Returns a new array."""
    out = np.empty_like(x)
    for g in np.unique(groups):
        rows = np.nonzero(groups == g)[0]
        for s in range(x.shape[2]):
            part = x[rows, :, s]
            rot = upright_matrix(typical_gravity(window_gravity_directions(part[..., :3])))
            out[rows, :, s] = rotate_channels(part, rot)
    return out


def upright_stream(x: np.ndarray, window: int) -> np.ndarray:
    """A recording (T, 6 S) (S sensors side by side) with each sensor rotated so its typical gravity, over
    consecutive ``window``-sample pieces (the whole recording when shorter), is +z."""
    pieces = max(len(x) // window, 1)
    out = np.empty_like(x)
    for s in range(x.shape[1] // 6):
        cols = slice(6 * s, 6 * s + 6)
        acc = x[: min(len(x), pieces * window), 6 * s: 6 * s + 3].reshape(pieces, -1, 3)
        out[:, cols] = rotate_channels(x[:, cols], upright_matrix(typical_gravity(window_gravity_directions(acc))))
    return out


def upright_clips(imu: np.ndarray, lengths: np.ndarray) -> None:
    """Clips back to back, imu (samples, J, 6) with clip ``lengths`` (clips,): each joint rotated in place by
    one matrix, the one taking its typical gravity over the clips' mean directions to +z (a corpus-level frame
    per body segment, so each clip keeps its posture)."""
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    sums = np.add.reduceat(imu[..., :3], starts, axis=0, dtype=np.float64)  # (clips, J, 3)
    for j in range(imu.shape[1]):
        norm = np.linalg.norm(sums[:, j], axis=-1, keepdims=True)
        dirs = sums[:, j][norm[:, 0] > 1e-6] / norm[norm[:, 0] > 1e-6]
        imu[:, j] = rotate_channels(imu[:, j], upright_matrix(typical_gravity(dirs)))


def upright_canonical(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Canonical windows x (n, T, 22, 6) with each worn joint (``mask`` (n, 22)) rotated so its typical gravity
    over the windows wearing it is +z: the windows are taken as one recording unit. Returns a new array."""
    out = x.copy()
    for j in np.nonzero(mask.any(axis=0))[0]:
        rows = np.nonzero(mask[:, j])[0]
        out[rows, :, j] = upright_windows(x[rows, :, j:j + 1], np.zeros(len(rows)))[:, :, 0]
    return out


def require_gravity(acc_gravity: str) -> None:
    """ValueError for gravity-free input (``acc_gravity='removed'``) to an upright model: its frames are found
    from gravity."""
    if acc_gravity == "removed":
        raise ValueError("this model reads sensors in upright frames, found from gravity: it cannot read "
                         "gravity-free acceleration (use a model pre-trained with rotation: so3)")


def model_rotation(model) -> str:
    """The sensor frames a model was pre-trained in: 'so3' (any frame; older models) or 'upright'."""
    return (getattr(model, "metadata", {}) or {}).get("pretrain_config", {}).get("rotation", "so3")


def windows_for(model, ws, acc_gravity: str = "included"):
    """A data set's WindowSet (x (N, T, S, 6) m/s^2, rad/s) as ``model`` reads it: per-subject upright frames
    for an upright model (ValueError for gravity-free input, ``acc_gravity='removed'``), else unchanged."""
    if model_rotation(model) != "upright":
        return ws
    require_gravity(acc_gravity)
    return dataclasses.replace(ws, x=upright_windows(ws.x, ws.subject))
