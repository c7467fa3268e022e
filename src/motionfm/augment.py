"""Batch augmentations for multi-joint IMU windows, vectorised in torch (CPU or GPU).

Windows are (B, T, J, 6) tensors: [ax, ay, az, gx, gy, gz] per joint, in each sensor's own frame.
"""

from __future__ import annotations

import torch

from .geometry import random_rotation_matrices


def random_rotation(imu: torch.Tensor, generator: torch.Generator | None = None, mode: str = "so3",
                    max_tilt_deg: float = 30.0) -> torch.Tensor:
    """Rotate each joint's sensor frame of each sample by its own random rotation.

    ``mode="so3"``: uniform in SO(3) (a sensor strapped on at an unknown angle). ``mode="upright"``: for frames
    already upright (motionfm.orientation: typical gravity along +z), a uniform turn about z (the unknown
    heading) followed by a tilt of at most ``max_tilt_deg`` about a random horizontal axis (uniform over that
    cap of directions). The same rotation applies to acc and gyro of that joint for all time steps.
    imu: (B, T, J, 6) -> (B, T, J, 6); per-joint |acc| and |gyro| are unchanged.
    """
    _check(imu)
    b, _, j, _ = imu.shape
    if mode == "so3":
        rot = random_rotation_matrices((b, j), generator=generator, device=imu.device, dtype=imu.dtype)
    elif mode == "upright":
        rot = upright_rotations((b, j), max_tilt_deg, generator, imu.device, imu.dtype)
    else:
        raise ValueError(f"unknown rotation mode {mode!r}; known: so3, upright")
    vecs = imu.reshape(*imu.shape[:3], 2, 3)
    return torch.einsum("bjxy,btjcy->btjcx", rot, vecs).reshape(imu.shape)


def upright_rotations(shape: tuple[int, ...], max_tilt_deg: float, generator: torch.Generator | None = None,
                      device: str | torch.device | None = None, dtype=None) -> torch.Tensor:
    """Rotation matrices (*shape, 3, 3): a uniform turn about z, then a tilt by alpha about a horizontal axis at
    a uniform angle, cos(alpha) uniform in [cos(max_tilt), 1] (so +z lands uniformly in that cap)."""
    u = torch.rand(*shape, 3, generator=generator, device=device, dtype=torch.float64)
    heading, phi = 2 * torch.pi * u[..., 0], 2 * torch.pi * u[..., 1]
    cos_max = torch.cos(torch.deg2rad(torch.tensor(float(max_tilt_deg), dtype=torch.float64)))
    alpha = torch.arccos(1 - u[..., 2] * (1 - cos_max))
    zero, one = torch.zeros_like(heading), torch.ones_like(heading)
    c, s = torch.cos(heading), torch.sin(heading)
    turn = torch.stack([c, -s, zero, s, c, zero, zero, zero, one], -1).reshape(*shape, 3, 3)
    axis = torch.stack([torch.cos(phi), torch.sin(phi), zero], -1)  # (..., 3) horizontal unit axis
    k = torch.zeros(*shape, 3, 3, dtype=torch.float64, device=heading.device)
    k[..., 0, 2], k[..., 1, 2] = axis[..., 1], -axis[..., 0]
    k[..., 2, 0], k[..., 2, 1] = -axis[..., 1], axis[..., 0]
    sa, ca = torch.sin(alpha)[..., None, None], torch.cos(alpha)[..., None, None]
    tilt = torch.eye(3, dtype=torch.float64, device=heading.device) + sa * k + (1 - ca) * (k @ k)  # Rodrigues
    return (tilt @ turn).to(dtype or torch.float32)


def random_joint_mask(present: torch.Tensor, max_keep: int = 5,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """Per sample keep k ~ U{1..max_keep} of the present joints (fewer if fewer are present).

    present: (B, J) bool. Returns a (B, J) bool mask of the kept joints, a subset of ``present``.
    """
    b, j = present.shape
    k = torch.randint(1, max_keep + 1, (b, 1), generator=generator, device=present.device)
    k = torch.minimum(k, present.sum(dim=1, keepdim=True).clamp(min=1))
    scores = torch.rand(b, j, generator=generator, device=present.device).masked_fill(~present, 2.0)
    rank = scores.argsort(dim=1).argsort(dim=1)  # 0 = smallest score
    return (rank < k) & present


def mask_joints(imu: torch.Tensor, present: torch.Tensor, max_keep: int = 5,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Joint masking: zero all but k ~ U{1..max_keep} present joints per sample.

    imu (B, T, J, 6), present (B, J) bool -> (masked imu, kept (B, J) bool).
    """
    _check(imu)
    kept = random_joint_mask(present, max_keep, generator)
    return imu * kept[:, None, :, None].to(imu.dtype), kept


def _check(imu: torch.Tensor) -> None:
    if imu.ndim != 4 or imu.shape[-1] != 6:
        raise ValueError(f"expected IMU windows of shape (B, T, J, 6); got {tuple(imu.shape)}")


def random_scale(imu: torch.Tensor, low: float = 0.8, high: float = 1.2,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Multiply each sample's each sensor (acc and gyro alike) by its own factor ~ U(low, high)."""
    _check(imu)
    b, _, j, _ = imu.shape
    factor = low + (high - low) * torch.rand(b, 1, j, 1, generator=generator, device=imu.device, dtype=imu.dtype)
    return imu * factor


def time_reverse(imu: torch.Tensor, generator: torch.Generator | None = None,
                 valid_len: torch.Tensor | None = None) -> torch.Tensor:
    """Play the windows backwards: acc(t) -> acc(-t), gyro(t) -> -gyro(-t) (what sensors would read if the
    motion ran in reverse: acceleration is even under time reversal, angular velocity odd).

    ``valid_len`` (B,): reverse only each window's first valid_len samples, so the padding stays at the end."""
    _check(imu)
    if valid_len is None:
        out = imu.flip(1)
    else:
        t = torch.arange(imu.shape[1], device=imu.device)[None]
        n = torch.as_tensor(valid_len, device=imu.device)[:, None]
        index = torch.where(t < n, n - 1 - t, t)  # (B, T) source step of each step
        out = imu.gather(1, index[:, :, None, None].expand_as(imu))
    return torch.cat([out[..., :3], -out[..., 3:]], dim=-1)


def jitter(imu: torch.Tensor, relative_std: float = 0.05, generator: torch.Generator | None = None) -> torch.Tensor:
    """Add Gaussian noise with std = relative_std x each window's per-channel std (zeros stay zero-scaled)."""
    _check(imu)
    scale = imu.std(dim=1, keepdim=True) * relative_std
    return imu + scale * torch.randn(imu.shape, generator=generator, device=imu.device, dtype=imu.dtype)


AUGMENTATIONS = {"scale": random_scale, "reverse": time_reverse, "rotate": random_rotation, "jitter": jitter}


def check_augmentations(names: list[str]) -> list[str]:
    """Validate augmentation names (ValueError listing the known ones)."""
    unknown = [n for n in names if n not in AUGMENTATIONS]
    if unknown:
        raise ValueError(f"unknown augmentation(s) {', '.join(unknown)}; known: {', '.join(AUGMENTATIONS)}")
    return list(names)


TIME_ORDER = {"reverse"}  # augmentations that move samples in time, so they need each window's valid length


def augment_view(imu: torch.Tensor, names: list[str], generator: torch.Generator | None = None,
                 valid_len: torch.Tensor | None = None) -> torch.Tensor:
    """A second view of a batch (B, T, J, 6): the named augmentations applied in order (those that move
    samples in time act on each window's first ``valid_len`` (B,) samples when given)."""
    for name in check_augmentations(names):
        extra = {"valid_len": valid_len} if name in TIME_ORDER and valid_len is not None else {}
        imu = AUGMENTATIONS[name](imu, generator=generator, **extra)
    return imu


def random_gravity_removal(imu: torch.Tensor, p: float, fps: float,
                           generator: torch.Generator | None = None) -> torch.Tensor:
    """With probability ``p`` per sample, replace every joint's acceleration by linear acceleration (minus
    the low-pass gravity estimate of ``motionfm.gravity``, as phones export it); gyroscopes unchanged.

    imu: (B, T, J, 6) at ``fps`` Hz -> (B, T, J, 6). The estimate runs as a causal convolution with the
    filter's impulse response over the whole window (started from the first sample, like the filter).
    """
    from .gravity import gravity_fir

    _check(imu)
    b, t, j, _ = imu.shape
    pick = torch.rand(b, generator=generator, device=imu.device) < p
    if not pick.any():
        return imu
    kernel = torch.as_tensor(gravity_fir(fps, t)[::-1].copy(), dtype=imu.dtype, device=imu.device)
    acc = imu[pick][..., :3].permute(0, 2, 3, 1).reshape(-1, 1, t)  # (b' * J * 3, 1, T)
    padded = torch.nn.functional.pad(acc, (t - 1, 0), mode="replicate")
    gravity = torch.nn.functional.conv1d(padded, kernel.view(1, 1, t)).view(-1, j, 3, t).permute(0, 3, 1, 2)
    out = imu.clone()
    out[pick, ..., :3] = imu[pick][..., :3] - gravity
    return out
