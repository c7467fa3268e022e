"""Physics engine: virtual IMU signals from joint motion.

For every joint j the sensor sits at the joint (plus an optional small offset) with the orientation R_j of
the segment that starts there, j -> its first child (leaf joints take their parent's segment): the
'right_hip' slot rides on the right thigh, 'right_knee' on the shank, 'right_wrist' on the forearm
(skeleton.SENSOR_SEGMENT names each slot's segment). In the sensor frame:
- accelerometer = R_j^T (a_j - g), the specific force, gravity included: a sensor lying still reads
  +9.80665 m/s^2 on its up axis (world is Y up, g = (0, -9.80665, 0));
- gyroscope = body angular velocity, from q_j^* dq_j/dt.
Positions and orientations are differentiated at the source rate with short quintic Savitzky-Golay filters
(0.2 s, at least 7 frames): at every rate from 30 fps up they keep about 0.98 of the amplitude at 3 Hz and
0.9 at 5 Hz, so walking keeps its step harmonics (the former 0.25 s cubic kept 0.56 and 0.14 at 30 fps),
while marker jitter above ~8 Hz is damped. Then the signals are resampled to ``fps_out`` with an
anti-aliasing polyphase filter. Everything is vectorised over time and joints, except that frames derived
from positions hold their twist frame by frame (one loop over time for all joints).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.signal import savgol_coeffs, savgol_filter

from .geometry import (matrix_to_quat, quat_between, quat_conjugate, quat_make_continuous, quat_multiply,
                       quat_normalize, quat_rotate)
from .motion.clip import MotionClip
from .resampling import resample
from .skeleton import JOINT_NAMES, LEAVES, MAIN_CHILD, NUM_JOINTS, PARENTS, REST_DIRECTIONS, joint_index
from .values import is_real, is_whole
from .units import GRAVITY
from .windows import RATE_HZ

GRAVITY_WORLD = np.array([0.0, -GRAVITY, 0.0])


@dataclass
class SimConfig:
    """How to turn joint motion into IMU signals."""

    fps_out: float = RATE_HZ
    smooth_seconds: float = 0.2  # Savitzky-Golay window for differentiating (at least polyorder + 2 frames)
    polyorder: int = 5
    noise: bool = False
    acc_noise_std: float = 0.6  # m/s^2, 1 sigma (reference sensor noise)
    gyro_noise_std: float = 0.017  # rad/s
    offset_std: float = 0.0  # m: random sensor displacement from the joint, fixed per clip (e.g. 0.02)
    seed: int | None = None  # with the clip index, seeds each clip's own noise and offsets

    def __post_init__(self) -> None:
        """ValueError naming the field for values that would give NaN, gravity alone or another rate."""
        rules = [("fps_out", is_real(self.fps_out) and 1.0 <= self.fps_out <= 10000.0, "between 1 and 10000 Hz"),
                 ("smooth_seconds", is_real(self.smooth_seconds) and 0 < self.smooth_seconds <= 10.0,
                  "above 0 and at most 10 s"),
                 ("polyorder", is_whole(self.polyorder) and 2 <= self.polyorder <= 10,
                  "a whole number from 2 to 10 (acceleration is the second derivative)"),
                 ("acc_noise_std", is_real(self.acc_noise_std) and self.acc_noise_std >= 0, "0 or more (m/s^2)"),
                 ("gyro_noise_std", is_real(self.gyro_noise_std) and self.gyro_noise_std >= 0, "0 or more (rad/s)"),
                 ("offset_std", is_real(self.offset_std) and 0 <= self.offset_std <= 0.5, "0 to 0.5 m"),
                 ("seed", self.seed is None or is_whole(self.seed) and self.seed >= 0, "a whole number >= 0 or None")]
        for name, ok, what in rules:
            if not ok:
                raise ValueError(f"SimConfig.{name} must be {what}; got {getattr(self, name)!r}")


class ClipTooShortError(ValueError):
    """The motion has fewer frames than the smoothing window needs."""


# What fixes each segment's twist when only positions are known: a world vector from joint positions and the
# direction that vector has in the segment's rest (T-pose) frame. ('line', a, b): pos[b] - pos[a];
# ('hinge', a, b, c, sign): sign * (unit a->b x unit b->c), the axis of the joint at b (its length, the sine of
# the bend, says how well it is defined). Terms are summed; a straight limb leaves the knee term at zero and
# the ankle term takes over. Joints not listed swing from their parent: the collar bones, which hardly twist,
# and the feet, which turn about the shank's ankle axis (a foot pointed in line with the shank would make
# that axis ill-defined).
_HIPS = ("line", "right_hip", "left_hip")
_SHOULDERS = ("line", "right_shoulder", "left_shoulder")
_LEG = {side: (("hinge", f"{side}_hip", f"{side}_knee", f"{side}_ankle", 1.0),
               ("hinge", f"{side}_knee", f"{side}_ankle", f"{side}_foot", -1.0)) for side in ("left", "right")}
TWIST_REFERENCES: dict[str, tuple[tuple, tuple[float, float, float]]] = {
    "spine1": ((_HIPS,), (1, 0, 0)),
    "spine2": ((_HIPS, _SHOULDERS), (1, 0, 0)),
    "spine3": ((_SHOULDERS,), (1, 0, 0)),
    "neck": ((_SHOULDERS,), (1, 0, 0)),
    **{f"{side}_{joint}": (_LEG[side], (1, 0, 0)) for side in ("left", "right") for joint in ("hip", "knee")},
    **{f"{side}_{joint}": ((("hinge", f"{side}_shoulder", f"{side}_elbow", f"{side}_wrist", 1.0),),
                           (0, -1 if side == "left" else 1, 0))
       for side in ("left", "right") for joint in ("shoulder", "elbow")},
}
HOLD_WEIGHT = 0.15  # weight of the previous frame's twist axis against a reference of length sin(bend) ...
HOLD_BELOW = 0.5  # ... fading to none (no lag) once the reference is this long (a 30-degree bend)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v, axis=-1, keepdims=True) + 1e-9)


def _reference(pos: np.ndarray, terms: tuple) -> np.ndarray:
    """Sum (T, 3) of a joint's twist-reference terms (see TWIST_REFERENCES)."""
    total = np.zeros(pos.shape[:1] + (3,))
    for term in terms:
        if term[0] == "line":
            total += _unit(pos[:, joint_index(term[2])] - pos[:, joint_index(term[1])])
        else:
            a, b, c = (pos[:, joint_index(n)] for n in term[1:4])
            total += term[4] * np.cross(_unit(b - a), _unit(c - b))
    return total


def _frame(primary: np.ndarray, secondary: np.ndarray, rest_primary: np.ndarray,
           rest_secondary: np.ndarray) -> np.ndarray:
    """Quaternions (T, 4) turning the rest pair (primary, secondary) onto the observed pair (secondary made
    orthogonal to the primary)."""
    def basis(u, v):
        v = _unit(v - (v * u).sum(-1, keepdims=True) * u)
        return np.stack([u, v, np.cross(u, v)], axis=-1)

    rest = basis(rest_primary[None], rest_secondary[None])
    return matrix_to_quat(basis(primary, secondary) @ np.swapaxes(rest, -1, -2))


def _hold_twist(primary: np.ndarray, reference: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Secondary axes (T, K, 3) orthogonal to each primary: the reference where it is well defined, the
    previous frame's axis where it fades (|reference| below HOLD_BELOW, wholly below about HOLD_WEIGHT),
    so the twist never flips.

    primary, reference: (T, K, 3); start: (K, 3) the axis before the first frame.
    """
    out = np.empty_like(reference)
    previous = start
    for t in range(len(reference)):
        strength = np.linalg.norm(reference[t], axis=-1, keepdims=True)
        v = reference[t] + HOLD_WEIGHT * np.clip(1.0 - strength / HOLD_BELOW, 0.0, 1.0) * previous
        v = v - (v * primary[t]).sum(-1, keepdims=True) * primary[t]
        previous = out[t] = _unit(v)
    return out


def frames_from_positions(positions: np.ndarray) -> np.ndarray:
    """Segment orientations (T, 22, 4) derived from joint positions (T, 22, 3) alone.

    The pelvis frame is built from the hip axis (x, the body's left) and the lower spine (y). Every other
    segment's long axis is its observed bone (joint -> its first child); its twist comes from a second
    direction (TWIST_REFERENCES): the hip and shoulder lines for the spine and neck, the knee and ankle axes
    for the legs, the elbow axis for the arms. Where that direction fades (a straight limb) the twist is
    held from the previous frame, starting from the shortest-arc swing from the parent. The collar bones and
    feet swing from their parent. Leaves copy their parent.
    """
    pos = np.asarray(positions, dtype=np.float64)
    twisted = [j for j in range(NUM_JOINTS) if JOINT_NAMES[j] in TWIST_REFERENCES]
    primary = np.stack([_unit(pos[:, MAIN_CHILD[j]] - pos[:, j]) for j in twisted], axis=1)  # (T, K, 3)
    reference = np.stack([_reference(pos, TWIST_REFERENCES[JOINT_NAMES[j]][0]) for j in twisted], axis=1)
    start = np.zeros((len(twisted), 3))
    _frames(pos[:1], twisted, primary[:1], reference[:1], start)  # fills start from the first frame's swings
    return quat_make_continuous(_frames(pos, twisted, primary, reference, start), axis=0)


def _frames(pos: np.ndarray, twisted: list[int], primary: np.ndarray, reference: np.ndarray,
            start: np.ndarray) -> np.ndarray:
    """The joint loop of frames_from_positions. With T = 1 it writes each twisted joint's seed axis (its
    first-frame swing) into ``start``; otherwise it holds the twist from those seeds, all joints at once."""
    left = _unit(pos[:, joint_index("left_hip")] - pos[:, joint_index("right_hip")])
    up = pos[:, joint_index("spine1")] - pos[:, 0]
    up = _unit(up - (up * left).sum(-1, keepdims=True) * left)
    rot = np.empty(pos.shape[:2] + (4,))
    rot[:, 0] = matrix_to_quat(np.stack([left, up, np.cross(left, up)], axis=-1))  # columns: x, y, z
    rest = np.asarray(REST_DIRECTIONS, dtype=np.float64)
    rest_secondary = np.array([TWIST_REFERENCES[JOINT_NAMES[j]][1] for j in twisted], dtype=np.float64)
    seeding = len(pos) == 1
    secondary = None if seeding else _hold_twist(primary, reference, start)
    for j in range(1, NUM_JOINTS):
        parent_rot, child = rot[:, PARENTS[j]], MAIN_CHILD[j]
        if child < 0:
            rot[:, j] = parent_rot
            continue
        if j not in twisted:
            bone_local = quat_rotate(quat_conjugate(parent_rot), pos[:, child] - pos[:, j])
            swing = quat_between(np.broadcast_to(rest[child], bone_local.shape), bone_local)
            rot[:, j] = quat_normalize(quat_multiply(parent_rot, swing))
            continue
        k = twisted.index(j)
        if seeding:
            bone_local = quat_rotate(quat_conjugate(parent_rot), pos[:, child] - pos[:, j])
            swing = quat_normalize(quat_multiply(parent_rot, quat_between(rest[child][None], bone_local)))
            start[k] = quat_rotate(swing, rest_secondary[k][None])[0]
            axis = _hold_twist(primary[:, k:k + 1], reference[:, k:k + 1], start[k:k + 1])[:, 0]
        else:
            axis = secondary[:, k]
        rot[:, j] = _frame(primary[:, k], axis, rest[child], rest_secondary[k])
    return rot


def sensor_orientations(rotations: np.ndarray) -> np.ndarray:
    """Orientation (T, 22, 4) of a sensor at each joint: leaves take their parent segment's orientation."""
    out = np.array(rotations, dtype=np.float64, copy=True)
    for leaf in LEAVES:
        out[:, leaf] = rotations[:, PARENTS[leaf]]
    return quat_make_continuous(out, axis=0)


def _window(n_frames: int, fps: float, config: SimConfig) -> int:
    w = max(int(round(config.smooth_seconds * fps)) | 1, config.polyorder + 2 | 1)
    if n_frames < w:
        raise ClipTooShortError(f"clip has {n_frames} frames; at {fps:g} fps simulation needs at least {w} "
                                f"({w / fps:.2f} s)")
    return w


def clip_rng(seed: int | None, clip_index: int) -> np.random.Generator:
    """The random stream of one clip: reproducible from (seed, clip index), different for every clip."""
    return np.random.default_rng(None if seed is None else [int(seed), int(clip_index)])


EDGE_SECONDS = 0.25  # the first and last half-window are differentiated by one cubic fit over this span


def _differentiate(x: np.ndarray, fps: float, deriv: int, w: int, config: SimConfig) -> np.ndarray:
    """Savitzky-Golay smoothing (deriv 0) or derivative along axis 0, with steady edges.

    A high-order fit over a short window extrapolates noise wildly at the clip's two ends, so the first and
    last w // 2 samples (at most the EDGE_SECONDS span) take a cubic fit over EDGE_SECONDS instead (exact for
    the same polynomials).
    """
    edge = min(max(int(round(EDGE_SECONDS * fps)) | 1, 5), len(x) - (1 - len(x) % 2))
    if config.polyorder <= 3 or edge < 5:
        return savgol_filter(x, w, config.polyorder, deriv=deriv, delta=1.0 / fps, axis=0, mode="interp")
    half = min(w // 2, edge)  # w // 2: the samples the main filter's edge mode touches
    mode = "nearest" if half == w // 2 else "interp"  # "nearest" is cheaper; its samples are all replaced
    out = savgol_filter(x, w, config.polyorder, deriv=deriv, delta=1.0 / fps, axis=0, mode=mode)
    head, tail = _polyfit_operator(edge, half, deriv, float(fps))
    out[:half] = np.tensordot(head, x[:edge], axes=1)
    out[len(x) - half:] = np.tensordot(tail, x[len(x) - edge:], axes=1)
    return out


@lru_cache(maxsize=64)
def _polyfit_operator(edge: int, half: int, deriv: int, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """(half, edge) matrices: the ``deriv``-th derivative of the cubic least-squares fit to ``edge`` samples,
    at the first ``half`` (head) and the last ``half`` (tail) of them, per 1 / fps seconds."""
    rows = [savgol_coeffs(edge, 3, deriv=deriv, delta=1.0 / fps, pos=k, use="dot") for k in range(edge)]
    op = np.stack(rows)
    return op[:half], op[edge - half:]


UNIT_TOLERANCE = 1e-3  # |norm - 1| a rotation quaternion may have (readers give unit ones to ~1e-12)


def _unit_rotations(rotations, frames: int) -> np.ndarray:
    """rotations as (T, 22, 4) float64; ValueError for another shape, non-finite values or quaternions that are
    not unit length (a scaled quaternion scales the gyroscope; a zero one reads no turning at all)."""
    q = np.asarray(rotations, dtype=np.float64)
    if q.shape != (frames, NUM_JOINTS, 4):
        raise ValueError(f"rotations must be ({frames}, {NUM_JOINTS}, 4) quaternions (w, x, y, z), one per "
                         f"position frame; got {q.shape}")
    if not np.isfinite(q).all():
        raise ValueError("rotations contain NaN or infinite values")
    norm = np.linalg.norm(q, axis=-1)
    if np.abs(norm - 1).max() > UNIT_TOLERANCE:
        raise ValueError(f"rotations must be unit quaternions; their lengths range {norm.min():.3g}-{norm.max():.3g}")
    return q


def simulate_imu(positions: np.ndarray, fps: float, rotations: np.ndarray | None = None,
                 config: SimConfig | None = None, clip_index: int = 0) -> np.ndarray:
    """Virtual IMU at every joint, shape (T', 22, 6) float32: [ax, ay, az] m/s^2, [gx, gy, gz] rad/s.

    positions: (T, 22, 3) metres, world Y up, at ``fps``. rotations: (T, 22, 4) global segment
    orientations (w, x, y, z), or None to derive them from the bones. T' = T * fps_out / fps (rounded up).
    clip_index: with ``config.seed``, selects this clip's own noise and sensor offsets (see clip_rng).
    The motion is taken as given: the plausibility checks (length unit, glitches, mirrored skeleton, radians,
    repeated frames) are motion.quality.clean_clip's, which `motionfm simulate` and corpus building run.
    """
    config = config or SimConfig()
    pos = np.asarray(positions, dtype=np.float64)
    if pos.ndim != 3 or pos.shape[1:] != (NUM_JOINTS, 3):
        raise ValueError(f"positions must be (T, {NUM_JOINTS}, 3); got {pos.shape}")
    if not np.isfinite(pos).all():
        raise ValueError("positions contain NaN or infinite values")
    w = _window(len(pos), fps, config)
    rng = clip_rng(config.seed, clip_index)
    q = sensor_orientations(frames_from_positions(pos) if rotations is None else _unit_rotations(rotations, len(pos)))
    if config.offset_std > 0:
        pos = pos + quat_rotate(q, rng.normal(0.0, config.offset_std, (NUM_JOINTS, 3)))
    acc_world = _differentiate(pos, fps, 2, w, config)
    q_smooth = quat_normalize(_differentiate(q, fps, 0, w, config))
    q_dot = _differentiate(q, fps, 1, w, config)
    conj = quat_conjugate(q_smooth)
    gyro = 2.0 * quat_multiply(conj, q_dot)[..., 1:]
    acc = quat_rotate(conj, acc_world - GRAVITY_WORLD)
    imu = resample(np.concatenate([acc, gyro], axis=-1), fps, config.fps_out)
    if config.noise:
        imu[..., :3] += rng.normal(0.0, config.acc_noise_std, imu[..., :3].shape)
        imu[..., 3:] += rng.normal(0.0, config.gyro_noise_std, imu[..., 3:].shape)
    return imu.astype(np.float32)


def simulate_clip(clip: MotionClip, config: SimConfig | None = None, clip_index: int = 0) -> np.ndarray:
    """simulate_imu for a MotionClip; (T', 22, 6) float32 at config.fps_out."""
    return simulate_imu(clip.positions, clip.fps, clip.rotations, config, clip_index)
