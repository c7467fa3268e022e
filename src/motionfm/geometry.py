"""Quaternions and rotation matrices, in numpy and torch with one code path.

Conventions (everywhere in motionfm):
- quaternions are scalar-first (w, x, y, z), unit norm, shape (..., 4);
- rotation matrices act on column vectors, shape (..., 3, 3); ``R @ v`` maps the body frame to the world;
- Euler angles are in radians unless ``degrees=True``; an order such as "ZXY" is *intrinsic* (rotate about
  Z, then the new X, then the new Y: R = Rz @ Rx @ Ry), the convention of BVH files; lower-case orders
  ("zxy") are extrinsic (R = Ry @ Rx @ Rz), as in scipy.

Each function takes numpy arrays or torch tensors and returns the same kind.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import torch
from scipy.spatial.transform import Rotation

Array = Any  # np.ndarray | torch.Tensor


def _is_torch(x: Array) -> bool:
    return isinstance(x, torch.Tensor)


def _stack(parts: list, axis: int) -> Array:
    return torch.stack(parts, dim=axis) if _is_torch(parts[0]) else np.stack(parts, axis=axis)


def _xp(x: Array):
    return torch if _is_torch(x) else np


def _cross(a: Array, b: Array) -> Array:
    return torch.linalg.cross(a, b, dim=-1) if _is_torch(a) else np.cross(a, b)


def _cat(parts: list, axis: int) -> Array:
    return torch.cat(parts, dim=axis) if _is_torch(parts[0]) else np.concatenate(parts, axis=axis)


def quat_multiply(a: Array, b: Array) -> Array:
    """Hamilton product a * b of quaternions (..., 4); the result rotates by b first, then a."""
    aw, ax, ay, az = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bw, bx, by, bz = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return _stack([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    ], axis=-1)


def quat_conjugate(q: Array) -> Array:
    """Conjugate (= inverse for unit quaternions) of q (..., 4)."""
    sign = q.new_tensor([1.0, -1.0, -1.0, -1.0]) if _is_torch(q) else np.array([1.0, -1.0, -1.0, -1.0], q.dtype)
    return q * sign


def quat_normalize(q: Array, eps: float = 1e-12) -> Array:
    """Scale quaternions (..., 4) to unit norm."""
    norm = _xp(q).sqrt((q * q).sum(axis=-1, keepdims=True))
    return q / (norm.clamp(min=eps) if _is_torch(q) else np.maximum(norm, eps))


def quat_rotate(q: Array, v: Array) -> Array:
    """Rotate vectors v (..., 3) by unit quaternions q (..., 4): returns q v q*."""
    w, u = q[..., :1], q[..., 1:]
    t = 2.0 * _cross(u, v)
    return v + w * t + _cross(u, t)


def quat_to_matrix(q: Array) -> Array:
    """Rotation matrices (..., 3, 3) from unit quaternions (..., 4)."""
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    rows = [
        _stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        _stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        _stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ]
    return _stack(rows, -2)


def matrix_to_quat(m: Array) -> Array:
    """Unit quaternions (..., 4) with w >= 0 from rotation matrices (..., 3, 3).

    Numerically stable: computes the four candidate solutions and keeps, per matrix, the one whose
    pivot component is largest (Shepperd's method), with no branch per element.
    """
    xp = _xp(m)
    m00, m01, m02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    m10, m11, m12 = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    m20, m21, m22 = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    pivots = _stack([1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22], -1)
    candidates = _stack([
        _stack([pivots[..., 0], m21 - m12, m02 - m20, m10 - m01], -1),
        _stack([m21 - m12, pivots[..., 1], m10 + m01, m02 + m20], -1),
        _stack([m02 - m20, m10 + m01, pivots[..., 2], m12 + m21], -1),
        _stack([m10 - m01, m02 + m20, m12 + m21, pivots[..., 3]], -1),
    ], -2)  # (..., 4 candidates, 4)
    best = pivots.argmax(axis=-1) if not _is_torch(m) else pivots.argmax(dim=-1)
    if _is_torch(m):
        chosen = torch.gather(candidates, -2, best[..., None, None].expand(*best.shape, 1, 4)).squeeze(-2)
    else:
        chosen = np.take_along_axis(candidates, best[..., None, None], axis=-2)[..., 0, :]
    q = quat_normalize(chosen)
    sign = xp.where(q[..., :1] < 0, -1.0, 1.0)
    return q * sign


_AXES = {"x": 0, "y": 1, "z": 2}


def axis_angle_matrix(axis: str, angle: Array) -> Array:
    """Rotation matrices (..., 3, 3) about a principal axis 'x', 'y' or 'z' by angle (...) radians."""
    xp = _xp(angle)
    c, s = xp.cos(angle), xp.sin(angle)
    one, zero = xp.ones_like(angle), xp.zeros_like(angle)
    i = _AXES[axis.lower()]
    if i == 0:
        rows = [[one, zero, zero], [zero, c, -s], [zero, s, c]]
    elif i == 1:
        rows = [[c, zero, s], [zero, one, zero], [-s, zero, c]]
    else:
        rows = [[c, -s, zero], [s, c, zero], [zero, zero, one]]
    return _stack([_stack(r, -1) for r in rows], -2)


def _check_order(order: str) -> None:
    if len(order) != 3 or set(order.lower()) - set("xyz") or not (order.isupper() or order.islower()):
        raise ValueError(f"Euler order must be three of x/y/z, all upper (intrinsic) or lower (extrinsic); got {order!r}")


def euler_to_matrix(angles: Array, order: str, degrees: bool = False) -> Array:
    """Rotation matrices (..., 3, 3) from Euler angles (..., 3) given in the sequence ``order``.

    Upper-case order = intrinsic (BVH: "ZXY" means R = Rz(a0) @ Rx(a1) @ Ry(a2)); lower-case = extrinsic.
    """
    _check_order(order)
    if degrees:
        angles = angles * (np.pi / 180.0)
    mats = [axis_angle_matrix(order[k], angles[..., k]) for k in range(3)]
    if order.isupper():
        return mats[0] @ mats[1] @ mats[2]
    return mats[2] @ mats[1] @ mats[0]


def matrix_to_euler(m: Array, order: str, degrees: bool = False) -> Array:
    """Euler angles (..., 3) in the sequence ``order`` (see euler_to_matrix) from matrices (..., 3, 3).

    Computed with scipy in float64; a torch input comes back as a tensor on its device (no gradient).
    At gimbal lock the third angle is set to zero: the angles still reproduce the matrix exactly.
    """
    _check_order(order)
    arr = m.detach().cpu().double().numpy() if _is_torch(m) else np.asarray(m, dtype=np.float64)
    flat = arr.reshape(-1, 3, 3)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Gimbal lock detected")
        out = Rotation.from_matrix(flat).as_euler(order, degrees=degrees).reshape(arr.shape[:-2] + (3,))
    if _is_torch(m):
        return torch.as_tensor(out, dtype=m.dtype, device=m.device)
    return out.astype(arr.dtype if np.issubdtype(np.asarray(m).dtype, np.floating) else np.float64)


def slerp(q0: Array, q1: Array, t: Array | float) -> Array:
    """Spherical linear interpolation between unit quaternions q0, q1 (..., 4) at fraction t (...) in [0, 1].

    Takes the short way round (flips q1 when q0 . q1 < 0); falls back to normalised lerp when nearly equal.
    """
    xp = _xp(q0)
    if not _is_torch(q0):
        t = np.asarray(t, dtype=q0.dtype)
    elif not _is_torch(t):
        t = torch.as_tensor(t, dtype=q0.dtype, device=q0.device)
    t = t[..., None]
    dot = (q0 * q1).sum(axis=-1, keepdims=True)
    q1 = xp.where(dot < 0, -q1, q1)
    dot = xp.abs(dot).clip(max=1.0) if not _is_torch(q0) else dot.abs().clamp(max=1.0)
    theta = xp.arccos(dot)
    sin_theta = xp.sin(theta)
    small = sin_theta < 1e-6
    safe = xp.where(small, xp.ones_like(sin_theta), sin_theta)
    w0 = xp.where(small, 1.0 - t, xp.sin((1.0 - t) * theta) / safe)
    w1 = xp.where(small, t, xp.sin(t * theta) / safe)
    return quat_normalize(w0 * q0 + w1 * q1)


def random_quaternions(n: int | tuple[int, ...], generator: np.random.Generator | torch.Generator | None = None,
                       device: str | torch.device | None = None, dtype=None) -> Array:
    """Uniformly distributed unit quaternions (Haar measure on SO(3)), shape (*n, 4), w >= 0.

    With a numpy Generator (or None and no device) returns numpy; with a torch Generator or a device, torch.
    """
    shape = (n,) if isinstance(n, int) else tuple(n)
    if isinstance(generator, torch.Generator) or device is not None:
        gdev = generator.device if isinstance(generator, torch.Generator) else device
        q = torch.randn(*shape, 4, generator=generator, device=gdev, dtype=dtype or torch.float32)
        q = q.to(device) if device is not None else q
    else:
        rng = generator if generator is not None else np.random.default_rng()
        q = rng.standard_normal(shape + (4,)).astype(dtype or np.float64)
    q = quat_normalize(q)
    return q * _xp(q).where(q[..., :1] < 0, -1.0, 1.0)


def random_rotation_matrices(n: int | tuple[int, ...], generator: np.random.Generator | torch.Generator | None = None,
                             device: str | torch.device | None = None, dtype=None) -> Array:
    """Uniformly distributed rotation matrices, shape (*n, 3, 3); see random_quaternions."""
    return quat_to_matrix(random_quaternions(n, generator, device, dtype))


def quat_between(u: Array, v: Array, eps: float = 1e-9) -> Array:
    """Shortest-arc unit quaternions (..., 4) rotating direction u onto direction v, both (..., 3)."""
    xp = _xp(u)
    u = u / (xp.sqrt((u * u).sum(axis=-1, keepdims=True)) + eps)
    v = v / (xp.sqrt((v * v).sum(axis=-1, keepdims=True)) + eps)
    w = 1.0 + (u * v).sum(axis=-1, keepdims=True)
    q = _cat([w, _cross(u, v)], -1)
    # opposite vectors: rotate by pi about any axis orthogonal to u
    half_turn = _cat([xp.zeros_like(w), _cross(u, _any_orthogonal(u))], -1)
    q = xp.where(w < 1e-7, half_turn, q)
    return quat_normalize(q)


def _any_orthogonal(u: Array) -> Array:
    """A unit vector not parallel to each u (..., 3): x unless u is mostly along x, then y."""
    xp = _xp(u)
    ex = xp.zeros_like(u)
    ey = xp.zeros_like(u)
    ex[..., 0] = 1.0
    ey[..., 1] = 1.0
    return xp.where(xp.abs(u[..., :1]) > 0.9, ey, ex)


def quat_make_continuous(q: np.ndarray, axis: int = 0) -> np.ndarray:
    """Flip signs along ``axis`` (time) so that consecutive quaternions have a positive dot product.

    q and -q are the same rotation; differentiating a sequence needs them on one hemisphere.
    """
    q = np.moveaxis(np.asarray(q), axis, 0)
    dots = (q[1:] * q[:-1]).sum(-1)
    flips = np.concatenate([np.ones((1,) + dots.shape[1:]), np.cumprod(np.where(dots < 0, -1.0, 1.0), axis=0)])
    return np.moveaxis(q * flips[..., None], 0, axis)
