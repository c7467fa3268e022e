"""Glitch checks for motion clips: non-finite values, joints moving faster than a body can, a body of
implausible size (a misread length unit), a frame rate no capture has, radians read as degrees, a mirrored
skeleton, every frame written n times (read at the capture's own rate); and doubts (warnings): a body that
never stands along +y, many frames that repeat the one before (held while tracking was lost?).

Motion capture has defects that the physics engine would turn into absurd IMU peaks: CMU clips 007_03..12
jump 2-3 m between frames 0 and 1, some dance clips jump 18-40 m/s mid-clip, a corrupt channel (1e300) moves a
joint by astronomical distances. A clip keeps its longest stretch of plausible frames when that stretch is
most of it (the glitch sits at an end: trimmed, and said so), and is refused with the reason otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..skeleton import JOINT_NAMES, LEAVES, PARENTS
from .clip import MotionClip, MotionFormatError

MAX_JOINT_SPEED = 15.0  # m/s: faster than any joint of a person (a sprinter's foot peaks near 10 m/s)
MAX_TURN_RATE = 50.0  # rad/s of a sensor's segment between frames (Bandai-Namco peaks at 25; a flip is ~190)


# head to ankle along the skeleton (pose-independent: bone lengths): 1.35-1.70 m for the corpora here; a length
# unit misread by 10x, 100x or 1000x (mm, cm, m), or inches for cm, lands outside
BODY_CHAIN = ("head", "neck", "spine3", "spine2", "spine1", "pelvis", "left_hip", "left_knee", "left_ankle")
BODY_LENGTH = (0.5, 3.0)  # metres
FPS_RANGE = (1.0, 10000.0)  # frames per second; a BVH Frame Time written in ms gives 0.03-0.12
# the 90th percentile of knee_forward is >= +1.9 cm in all 3,167 clips here and -1.4 / -6.3 cm when mirrored
KNEE_MIRRORED = -0.01  # metres
UPRIGHT_SHARE = 0.5  # head above the ankles by half the body length in this share of frames = standing along it
# exact repeats of the previous frame: at most 3.6 % of frame pairs in the 3,167 clips here
REPEATED_SHARE = 0.1  # a moving clip with more (and no regular pattern) is warned about
REGULAR_REPEATS = 0.95  # this share of runs of equal frames with one length n >= 2 = written n times per frame
MIN_RUNS = 10  # distinct frames needed before a repetition pattern is judged
MIN_PULLDOWN = 1.1  # written frames per captured frame from which a pulldown pattern is undone (24 -> 30 fps: 1.25)


class MotionGlitchError(MotionFormatError):
    """A clip whose implausible motion cannot be trimmed away; the message says where and why."""


@dataclass(frozen=True)
class GlitchCheck:
    """How strict the check is: joint speed limit and the share of frames a trimmed clip must keep."""

    max_speed: float = MAX_JOINT_SPEED  # m/s, any joint, between consecutive frames
    max_turn: float = MAX_TURN_RATE  # rad/s, any sensor segment (where the clip has rotations)
    min_kept: float = 0.8  # a trim may drop at most 20 % of the frames; more is refused


def bad_steps(positions: np.ndarray, fps: float, max_speed: float = MAX_JOINT_SPEED) -> np.ndarray:
    """Boolean (T - 1,): step t -> t+1 moves some joint faster than max_speed (m/s) or is not finite.

    positions: (T, J, 3) metres at ``fps``.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        speed = np.linalg.norm(np.diff(positions, axis=0), axis=-1) * fps  # (T-1, J)
        return ~(np.isfinite(speed) & (speed <= max_speed)).all(axis=1)


def turn_rates(rotations: np.ndarray, fps: float) -> np.ndarray:
    """Rotation rate (T - 1, 22) in rad/s of each sensor's segment between frames (leaves take their parent's).

    rotations: (T, 22, 4) unit quaternions (w, x, y, z); the sign of a quaternion does not matter.
    """
    q = np.array(rotations, dtype=np.float64, copy=True)
    for leaf in LEAVES:
        q[:, leaf] = q[:, PARENTS[leaf]]
    with np.errstate(invalid="ignore"):
        cos_half = np.abs((q[1:] * q[:-1]).sum(-1)).clip(0.0, 1.0)
    return 2.0 * np.arccos(cos_half) * fps


def _describe(positions: np.ndarray, fps: float, steps: np.ndarray) -> str:
    """'joint speed 150 m/s (left_foot) between frames 0 and 1' for the worst bad step."""
    with np.errstate(over="ignore", invalid="ignore"):
        speed = np.linalg.norm(np.diff(positions, axis=0), axis=-1) * fps
    finite = np.isfinite(positions).all(axis=(1, 2))
    if not finite.all():
        return f"non-finite joint positions at frame {int(np.nonzero(~finite)[0][0])}"
    bad = np.nonzero(steps)[0]
    t = bad[np.argmax(speed[bad].max(axis=1))]
    j = int(np.argmax(speed[t]))
    more = f" ({len(bad)} such steps)" if len(bad) > 1 else ""
    return f"joint speed {speed[t, j]:.3g} m/s ({JOINT_NAMES[j]}) between frames {t} and {t + 1}{more}"


def _check_frame_rate(fps: float) -> None:
    if fps < FPS_RANGE[0]:
        raise MotionGlitchError(f"{fps:g} frames per second: a BVH's Frame Time is seconds per frame (0.0333 for "
                                f"30 fps); this one looks like milliseconds")
    if fps > FPS_RANGE[1]:
        raise MotionGlitchError(f"{fps:g} frames per second is beyond any motion capture (> {FPS_RANGE[1]:g})")


def _check_degrees(clip: MotionClip) -> None:
    """BVH rotations are degrees: rotation channels that all stay within +-2 pi (clip.meta['max_rotation'], set
    by the BVH reader) while the body travels more than a metre are radians read as degrees."""
    peak = clip.meta.get("max_rotation")
    pelvis = clip.positions[:, JOINT_NAMES.index("pelvis")]
    with np.errstate(invalid="ignore", over="ignore"):  # a corrupt frame (1e300) is the glitch check's business
        travel = float(np.nanmax(np.linalg.norm(pelvis - pelvis[:1], axis=1), initial=0.0))
    if peak is not None and peak <= 2 * np.pi and travel > 1.0:
        raise MotionGlitchError(f"every rotation channel stays within {peak:.3g} while the body travels "
                                f"{travel:.1f} m: radians? BVH rotations are degrees (multiply by 180/pi)")


def _ankles_to_head(positions: np.ndarray) -> np.ndarray:
    """(T, 3) from the ankles' midpoint to the head: the body's own up."""
    at = JOINT_NAMES.index
    with np.errstate(invalid="ignore", over="ignore"):  # a corrupt frame is the glitch check's business
        return positions[:, at("head")] - 0.5 * (positions[:, at("left_ankle")] + positions[:, at("right_ankle")])


def upright_shares(positions: np.ndarray, length: float) -> dict[str, float]:
    """Share of frames in which the head is above the ankles' midpoint by half the body ``length`` along each
    signed world axis ('+x', '-x', '+y', ...): a person stands along the up axis (+y) most of the time."""
    v = _ankles_to_head(positions)
    with np.errstate(invalid="ignore", over="ignore"):
        return {f"{sign}{'xyz'[a]}": float(np.mean(s * v[:, a] > 0.5 * length))
                for a in range(3) for sign, s in (("+", 1), ("-", -1))}


def doubts(clip: MotionClip) -> list[str]:
    """Warnings for motion that may be right but often is not, simulated and said, not refused: a body that
    never stands along +y (up) but does along another axis is Z-up data or a rotated root, or a whole clip
    spent on the floor (lying, crawling), whose shapes are alike; more than REPEATED_SHARE of the frames
    repeating the one before, without a regular pattern (held frames: tracking lost, a frozen export)."""
    length = body_length(clip.positions)
    if not np.isfinite(length):
        return []
    shares = upright_shares(clip.positions, length)
    axis = max(shares, key=shares.get)
    found = _held_frames(clip)
    if shares["+y"] < 0.05 and shares[axis] >= UPRIGHT_SHARE:
        found.insert(0, f"the body stands along {axis} in {100 * shares[axis]:.0f} % of the frames and along +y "
                        f"(up) in {100 * shares['+y']:.0f} %: if the file is Z-up or its root rotated, convert it "
                        f"to Y-up (a clip spent lying or crawling on the floor looks like this too)")
    return found


def repeated_frames(clip: MotionClip) -> np.ndarray:
    """Boolean (T - 1,): frame t + 1 is exactly frame t (every joint position, and rotation where given)."""
    same = (clip.positions[1:] == clip.positions[:-1]).all(axis=(1, 2))
    if clip.rotations is not None:
        same &= (clip.rotations[1:] == clip.rotations[:-1]).all(axis=(1, 2))
    return same


def _run_starts(same: np.ndarray) -> np.ndarray:
    """First frame of each run of equal frames, from repeated_frames' (T - 1,) boolean."""
    return np.concatenate([[0], np.nonzero(~same)[0] + 1])


def repetition(same: np.ndarray) -> float:
    """How many written frames each captured frame takes: n >= 2 when REGULAR_REPEATS of the runs of equal
    frames (the last one aside) are n long (each frame written n times; pauses may hold longer); a ratio r
    >= MIN_PULLDOWN when every run starts on the uniform grid start_0 + k r to within a frame (a 24 fps
    capture written at 30 fps, 30 at 75: runs of 1 and 2, or 2 and 3); else 1. ``same`` is repeated_frames'
    (T - 1,) boolean. Sporadic exact repeats drift off any grid, so they stay 1 (and are warned about)."""
    starts = _run_starts(same)
    runs = np.diff(starts)  # the last run may be cut short by the clip's end: left out
    if len(runs) < MIN_RUNS:
        return 1
    n = int(np.bincount(runs).argmax())
    if n >= 2 and np.mean(runs == n) >= REGULAR_REPEATS:
        return n
    k = np.arange(len(starts))
    r, offset = np.polyfit(k, starts, 1)  # written frames per captured frame, least squares
    return float(r) if r >= MIN_PULLDOWN and np.abs(starts - offset - k * r).max() <= 1.0 else 1


def _nice_rate(fps: float) -> float:
    """fps snapped to a whole number when within 0.5 % of one (a pattern's ratio is fitted: 30 / 1.2497)."""
    return float(round(fps)) if abs(fps - round(fps)) < 5e-3 * fps else fps


def _undo_repetition(clip: MotionClip) -> tuple[MotionClip, str]:
    """The clip at its captured rate when its frames were written several times each (repetition): for n
    times each, every n-th frame of each run of equal frames is kept, so a pause keeps its length; for a
    pulldown pattern (r not whole), the first frame of each run. fps / r, and a note; unchanged with ''
    otherwise. Differentiating the stair steps would give spikes, not motion."""
    same = repeated_frames(clip)
    r = repetition(same)
    if r == 1:
        return clip, ""
    starts = _run_starts(same)
    if float(r).is_integer():
        n = int(r)
        lengths = np.diff(np.concatenate([starts, [clip.num_frames]]))
        per_run = -(-lengths // n)  # every n-th frame of a run: a held stretch keeps its duration
        keep = np.repeat(starts, per_run) + n * (np.arange(per_run.sum()) - np.repeat(np.cumsum(per_run) - per_run,
                                                                                     per_run))
        how = f"every frame is written {n} times"
    else:
        keep, how = starts, f"frames repeat in a regular pattern, {r:.3g} written per captured frame"
    fps = _nice_rate(clip.fps / r)
    rotations = None if clip.rotations is None else clip.rotations[keep]
    undone = replace(clip, positions=clip.positions[keep], rotations=rotations, fps=fps,
                     meta={**clip.meta, "repeated": float(r)})
    return undone, f"{how} (a {fps:g} fps capture at {clip.fps:g} fps): read at {fps:g} fps"


def _held_frames(clip: MotionClip) -> list[str]:
    same = repeated_frames(clip)
    share = float(same.mean()) if len(same) else 0.0
    if share <= REPEATED_SHARE or same.all():  # a clip of one still pose is valid physics
        return []
    return [f"{100 * share:.0f} % of the frames repeat the one before exactly (held while tracking was lost?): "
            f"the acceleration there is a stair step's, not the body's"]


def knee_forward(positions: np.ndarray) -> np.ndarray:
    """(2T,) metres each knee sits ahead of its hip-ankle midpoint, 'ahead' = cross(left hip - right hip,
    the body's own up: ankles to head), so any rotation of the body (lying, upside down) keeps the sign:
    knees bend forward, so this is positive in a flexed leg and negative only in a mirrored (left/right
    swapped) skeleton."""
    at = JOINT_NAMES.index
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        forward = np.cross(positions[:, at("left_hip")] - positions[:, at("right_hip")], _ankles_to_head(positions))
        forward /= np.linalg.norm(forward, axis=1, keepdims=True)
        return np.concatenate([((positions[:, at(f"{s}_knee")] - 0.5 * (positions[:, at(f"{s}_hip")] +
                                 positions[:, at(f"{s}_ankle")])) * forward).sum(1) for s in ("left", "right")])


def _check_sides(positions: np.ndarray) -> None:
    """MotionGlitchError when the knees bend backwards in 90 % of the frames (KNEE_MIRRORED): left and right
    are swapped, and a left-wrist sensor would be simulated on the right wrist."""
    ahead = knee_forward(positions)
    ahead = ahead[np.isfinite(ahead)]
    if len(ahead) and np.percentile(ahead, 90) < KNEE_MIRRORED:
        raise MotionGlitchError(f"the knees bend backwards (90 % of frames at least "
                                f"{-100 * np.percentile(ahead, 90):.1f} cm behind the hip-ankle line): left and "
                                f"right are swapped (a mirrored skeleton?)")


def body_length(positions: np.ndarray) -> float:
    """Median over frames of the head-to-ankle length along the skeleton's bones (BODY_CHAIN), in the
    positions' unit (metres for a MotionClip); frames with non-finite values are left out (nan if none)."""
    idx = [JOINT_NAMES.index(name) for name in BODY_CHAIN]
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf in a corrupt frame
        bones = np.linalg.norm(positions[:, idx[1:]] - positions[:, idx[:-1]], axis=-1).sum(axis=1)  # (T,)
    bones = bones[np.isfinite(bones)]
    return float(np.median(bones)) if len(bones) else float("nan")


def longest_clean_run(steps: np.ndarray) -> tuple[int, int]:
    """(start, stop) frame range of the longest stretch without a bad step; steps is (T - 1,) boolean."""
    cuts = np.concatenate([[-1], np.nonzero(steps)[0], [len(steps)]])  # frame runs are (cut + 1 .. next cut)
    lengths = np.diff(cuts)
    k = int(np.argmax(lengths))
    return int(cuts[k] + 1), int(cuts[k + 1] + 1)


def clean_clip(clip: MotionClip, check: GlitchCheck | None = None) -> tuple[MotionClip, str]:
    """The clip without implausible frames, and a note ('' when nothing was wrong).

    Raises MotionGlitchError naming the worst defect when the clean stretch is less than ``check.min_kept``
    of the clip (a mid-clip glitch: skipping is safer than joining two halves). A clip written n times per
    captured frame is first read at its captured rate (said in the note).
    """
    check = check or GlitchCheck()
    _check_frame_rate(clip.fps)
    clip, repeated = _undo_repetition(clip)
    try:
        clip, note = _clean_steps(clip, check)
    except MotionGlitchError as err:
        raise MotionGlitchError(f"{err}; {repeated} (frames counted at that rate)" if repeated else str(err)) from None
    if repeated and note:
        note = f"{note} (frames counted at {clip.fps:g} fps)"
    return clip, "; ".join(n for n in (repeated, note) if n)


def _clean_steps(clip: MotionClip, check: GlitchCheck) -> tuple[MotionClip, str]:
    pos = clip.positions
    _check_degrees(clip)
    length = body_length(pos)
    if np.isfinite(length):  # some finite frames: size and sides can be judged
        if not BODY_LENGTH[0] <= length <= BODY_LENGTH[1]:
            raise MotionGlitchError(f"the skeleton measures {length:.3g} m from head to ankle, not a person's "
                                    f"{BODY_LENGTH[0]:g}-{BODY_LENGTH[1]:g} m: is the file's length unit right? "
                                    f"(a unit read as the wrong one makes a person 100x (cm/m) or 1000x (mm/m) too large or too small)")
        _check_sides(pos)
    steps = bad_steps(pos, clip.fps, check.max_speed)
    what = _describe(pos, clip.fps, steps) if steps.any() else ""
    if clip.rotations is not None:
        turn = turn_rates(clip.rotations, clip.fps)
        flips = ~(np.isfinite(turn) & (turn <= check.max_turn)).all(axis=1)
        if flips.any() and not what:
            t = int(np.nonzero(flips)[0][np.nanargmax(np.nan_to_num(turn[flips], nan=np.inf).max(axis=1))])
            j = int(np.nanargmax(np.nan_to_num(turn[t], nan=np.inf)))
            what = f"segment turn {turn[t, j]:.3g} rad/s ({JOINT_NAMES[j]}) between frames {t} and {t + 1}"
        steps = steps | flips
    if not steps.any():
        return clip, ""
    start, stop = longest_clean_run(steps)
    n = clip.num_frames
    if stop - start < check.min_kept * n or stop - start < 2:
        raise MotionGlitchError(f"implausible motion: {what}; the longest clean stretch is frames "
                                f"{start}-{stop - 1} of {n}")
    rotations = None if clip.rotations is None else clip.rotations[start:stop]
    trimmed = replace(clip, positions=pos[start:stop], rotations=rotations,
                      meta={**clip.meta, "trimmed": (start, stop)})
    return trimmed, f"{what}: kept frames {start}-{stop - 1} of {n}"
