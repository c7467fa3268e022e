"""BVH reader and writer: any channel order, each joint's own rotation order honoured.

A joint's local rotation is the product of its rotation channels in the order written (intrinsic):
``CHANNELS 3 Zrotation Xrotation Yrotation`` means R = Rz @ Rx @ Ry. Position channels, where a joint
has them, replace its OFFSET for that frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..geometry import euler_to_matrix, matrix_to_euler
from .clip import MotionClip, MotionFormatError
from .compressed import read_text
from .retarget import SkeletonFamily, detect_family, retarget

_POS = {"Xposition": 0, "Yposition": 1, "Zposition": 2}
_ROT = {"Xrotation": "X", "Yrotation": "Y", "Zrotation": "Z"}


@dataclass
class BVHSkeleton:
    """Joint hierarchy of a BVH file (end sites left out). Parents precede children."""

    names: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    offsets: list[np.ndarray] = field(default_factory=list)
    channels: list[list[str]] = field(default_factory=list)

    def channel_slices(self) -> list[slice]:
        """Column range of each joint's channels in a motion row."""
        out, start = [], 0
        for ch in self.channels:
            out.append(slice(start, start + len(ch)))
            start += len(ch)
        return out

    @property
    def num_channels(self) -> int:
        return sum(len(c) for c in self.channels)


@dataclass
class BVHMotion:
    skeleton: BVHSkeleton
    frames: np.ndarray  # (F, num_channels), degrees and file units
    frame_time: float


def _fail(source: str, line: int, what: str) -> MotionFormatError:
    return MotionFormatError(f"{source}:{line}: {what}")


def parse_bvh(text: str, source: str = "<bvh>") -> BVHMotion:
    """Parse BVH text. Errors name the source and line: MotionFormatError."""
    if not text.strip():
        raise MotionFormatError(f"{source}: empty file")
    lines = text.removeprefix("\ufeff").splitlines()  # a UTF-8 byte-order mark some Windows tools write
    skel = BVHSkeleton()
    stack: list[int] = []  # joint indices; -2 marks an End Site block
    pending: int | None = None  # joint just declared, awaiting '{'
    i = 0
    if not lines or lines[0].strip() != "HIERARCHY":
        raise _fail(source, 1, "expected 'HIERARCHY' on the first line")
    for i in range(1, len(lines)):
        tok = lines[i].split()
        if not tok:
            continue
        key = tok[0]
        try:
            if key in ("ROOT", "JOINT"):
                if len(tok) < 2:
                    raise ValueError("joint without a name")
                skel.names.append(tok[1].split(":")[-1])
                skel.parents.append(stack[-1] if stack else -1)
                skel.offsets.append(np.zeros(3))
                skel.channels.append([])
                pending = len(skel.names) - 1
            elif key == "End":
                pending = -2
            elif key == "{":
                if pending is None:
                    raise ValueError("'{' without a joint")
                stack.append(pending)
                pending = None
            elif key == "}":
                stack.pop()
            elif key == "OFFSET":
                if stack[-1] != -2:
                    skel.offsets[stack[-1]] = np.array([float(v) for v in tok[1:4]])
                    if len(tok) != 4:
                        raise ValueError("OFFSET needs 3 numbers")
            elif key == "CHANNELS":
                names = tok[2:]
                if len(names) != int(tok[1]) or any(n not in _POS and n not in _ROT for n in names):
                    raise ValueError(f"bad CHANNELS line {' '.join(tok[1:])}")
                skel.channels[stack[-1]] = names
            elif key == "MOTION":
                break
            else:
                raise ValueError(f"unexpected {key!r}")
        except (ValueError, IndexError) as err:
            raise _fail(source, i + 1, str(err) or "malformed hierarchy") from None
    else:
        raise _fail(source, len(lines), "no MOTION section (file truncated?)")
    if stack or not skel.names:
        raise _fail(source, i + 1, "unbalanced braces in HIERARCHY")
    return _parse_motion(lines, i + 1, skel, source)


def _parse_motion(lines: list[str], start: int, skel: BVHSkeleton, source: str) -> BVHMotion:
    try:
        n_frames = int(lines[start].split(":")[1])
        frame_time = float(lines[start + 1].split(":")[1])
    except (IndexError, ValueError):
        raise _fail(source, start + 1, "expected 'Frames: N' and 'Frame Time: T'") from None
    if n_frames < 1:
        raise _fail(source, start + 1, f"'Frames: {n_frames}': a motion needs at least one frame")
    body = [ln for ln in lines[start + 2:] if ln.strip()]
    if len(body) < n_frames:
        raise _fail(source, start + 3 + len(body), f"file truncated: {len(body)} of {n_frames} frames")
    extra = [k for k in range(n_frames, len(body)) if _all_numbers(body[k])]
    if extra:  # trailing text (a comment) is ignored, as before; more rows of numbers mean a wrong count
        raise _fail(source, start + 1, f"'Frames: {n_frames}' but {n_frames + len(extra)} rows of motion follow")
    width = skel.num_channels
    try:
        frames = np.array(" ".join(body[:n_frames]).split(), dtype=np.float64)
    except ValueError:
        bad = next(k for k, ln in enumerate(body) if not _all_numbers(ln))
        raise _fail(source, start + 3 + bad, "non-numeric value in motion data") from None
    if frames.size != n_frames * width:
        bad = next((k for k, ln in enumerate(body[:n_frames]) if len(ln.split()) != width), n_frames - 1)
        raise _fail(source, start + 3 + bad, f"expected {width} values per frame") from None
    frames = frames.reshape(n_frames, width)
    if not np.isfinite(frames).all():
        bad = int(np.nonzero(~np.isfinite(frames).all(axis=1))[0][0])
        raise _fail(source, start + 3 + bad, "NaN or infinite value in motion data")
    if not frame_time > 0:
        raise _fail(source, start + 2, f"Frame Time must be positive, got {frame_time}")
    return BVHMotion(skel, frames, frame_time)


def max_rotation(motion: BVHMotion) -> float:
    """The largest |value| of any rotation channel (degrees in a correct file; quality checks it)."""
    skel = motion.skeleton
    slices = skel.channel_slices()
    cols = [slices[j].start + c for j, names in enumerate(skel.channels) for c, name in enumerate(names)
            if name in _ROT]
    return float(np.abs(motion.frames[:, cols]).max(initial=0.0))


def _all_numbers(line: str) -> bool:
    try:
        [float(v) for v in line.split()]
        return True
    except ValueError:
        return False


def ancestors_closure(parents: list[int], wanted: list[int]) -> list[int]:
    """Sorted indices of ``wanted`` joints and all their ancestors."""
    keep: set[int] = set()
    for j in wanted:
        while j >= 0 and j not in keep:
            keep.add(j)
            j = parents[j]
    return sorted(keep)


def local_transforms(motion: BVHMotion, joints: list[int],
                     root_adds_offset: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Local translations (F, J, 3) and rotation matrices (F, J, 3, 3) of the given joints.

    Position channels replace the OFFSET, except at the root when ``root_adds_offset`` (some exporters
    write the root's translation relative to its OFFSET).
    """
    skel, frames = motion.skeleton, motion.frames
    slices = skel.channel_slices()
    n = frames.shape[0]
    trans = np.empty((n, len(joints), 3))
    rots = np.broadcast_to(np.eye(3), (n, len(joints), 3, 3)).copy()
    by_order: dict[str, list[tuple[int, np.ndarray]]] = {}  # joints sharing an Euler order: one matrix call
    for k, j in enumerate(joints):
        cols, names = frames[:, slices[j]], skel.channels[j]
        trans[:, k] = skel.offsets[j]
        base = skel.offsets[j] if (root_adds_offset and skel.parents[j] < 0) else np.zeros(3)
        for c, name in enumerate(names):
            if name in _POS:
                trans[:, k, _POS[name]] = base[_POS[name]] + cols[:, c]
        rot_idx = [c for c, name in enumerate(names) if name in _ROT]
        if rot_idx:
            order = "".join(_ROT[names[c]] for c in rot_idx)
            for axis in "XYZ":  # pad to a full Euler sequence with zero angles
                if len(order) < 3 and axis not in order:
                    order += axis
            angles = np.zeros((n, 3))
            angles[:, :len(rot_idx)] = cols[:, rot_idx]
            by_order.setdefault(order, []).append((k, angles))
    for order, group in by_order.items():
        rots[:, [k for k, _ in group]] = euler_to_matrix(np.stack([a for _, a in group], 1), order, degrees=True)
    return trans, rots


def forward_kinematics(motion: BVHMotion, wanted: list[int] | None = None,
                       root_adds_offset: bool = False) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Global positions (F, J, 3) and orientations (F, J, 3, 3) of ``wanted`` joints and their ancestors.

    Returns (joint indices, positions, rotations), in the file's length unit. Loops over joints, not frames.
    """
    parents = motion.skeleton.parents
    joints = ancestors_closure(parents, wanted if wanted is not None else list(range(len(parents))))
    trans, local = local_transforms(motion, joints, root_adds_offset)
    where = {j: k for k, j in enumerate(joints)}
    pos, rot = np.empty_like(trans), np.empty_like(local)
    for k, j in enumerate(joints):
        p = parents[j]
        if p < 0:
            pos[:, k], rot[:, k] = trans[:, k], local[:, k]
        else:
            q = where[p]
            pos[:, k] = pos[:, q] + np.einsum("fij,fj->fi", rot[:, q], trans[:, k])
            rot[:, k] = rot[:, q] @ local[:, k]
    return joints, pos, rot


def bvh_to_clip(motion: BVHMotion, source: str = "", fps: float | None = None,
                family: SkeletonFamily | None = None) -> MotionClip:
    """Retarget a parsed BVH onto the 22 joints (metres, Y up). ``fps`` overrides the file's Frame Time."""
    names = motion.skeleton.names
    family = family or detect_family(names, source)
    wanted = [names.index(n) for n in family.source_names()]
    joints, pos, rot = forward_kinematics(motion, wanted, family.root_channels_add_offset)
    p22, q22 = retarget([names[j] for j in joints], pos, rot, family)
    return MotionClip(p22, fps or frame_rate(motion.frame_time), q22, source=source, family=family.name,
                      meta={"max_rotation": max_rotation(motion)})


def frame_rate(frame_time: float) -> float:
    """Frames per second from a BVH Frame Time, snapped to a whole number when within 0.01%."""
    fps = 1.0 / frame_time
    return float(round(fps)) if abs(fps - round(fps)) < 1e-4 * fps else fps


def read_bvh(path: str | Path, fps: float | None = None) -> MotionClip:
    """Read a BVH file (or walk.bvh.gz, .bz2, .xz) and retarget it onto the 22 joints. ``fps`` overrides its
    Frame Time."""
    path = Path(path)
    return bvh_to_clip(parse_bvh(read_text(path), str(path)), str(path), fps)


def local_rotations(motion: BVHMotion) -> np.ndarray:
    """Local rotation matrices (F, J, 3, 3) of every joint."""
    return local_transforms(motion, list(range(len(motion.skeleton.names))))[1]


def with_rotation_orders(motion: BVHMotion, order: str) -> BVHMotion:
    """The same motion re-expressed with every joint's rotation channels in ``order`` (e.g. 'XYZ').

    Position channels are kept; the angles are recomputed so that each local rotation is unchanged.
    """
    skel = motion.skeleton
    local = local_rotations(motion)
    channels, columns = [], []
    for j, names in enumerate(skel.channels):
        pos_idx = [c for c, n in enumerate(names) if n in _POS]
        new = [names[c] for c in pos_idx]
        cols = [motion.frames[:, skel.channel_slices()[j]][:, pos_idx]]
        if any(n in _ROT for n in names):
            new += [f"{axis}rotation" for axis in order]
            cols.append(matrix_to_euler(local[:, j], order, degrees=True))
        channels.append(new)
        columns.append(np.concatenate(cols, axis=1))
    new_skel = BVHSkeleton(list(skel.names), list(skel.parents), list(skel.offsets), channels)
    return BVHMotion(new_skel, np.concatenate(columns, axis=1), motion.frame_time)


def format_bvh(motion: BVHMotion) -> str:
    """BVH text for a motion (end sites are not written)."""
    skel = motion.skeleton
    out = ["HIERARCHY"]
    children = {j: [c for c, p in enumerate(skel.parents) if p == j] for j in range(len(skel.names))}

    def emit(j: int, depth: int) -> None:
        pad = "  " * depth
        out.append(f"{pad}{'ROOT' if skel.parents[j] < 0 else 'JOINT'} {skel.names[j]}")
        out.append(pad + "{")
        out.append(f"{pad}  OFFSET {' '.join(f'{v:.6f}' for v in skel.offsets[j])}")
        out.append(f"{pad}  CHANNELS {len(skel.channels[j])} {' '.join(skel.channels[j])}")
        for c in children[j]:
            emit(c, depth + 1)
        out.append(pad + "}")

    for root in (j for j, p in enumerate(skel.parents) if p < 0):
        emit(root, 0)
    out += ["MOTION", f"Frames: {len(motion.frames)}", f"Frame Time: {motion.frame_time:.8f}"]
    out += [" ".join(f"{v:.6f}" for v in row) for row in motion.frames]
    return "\n".join(out) + "\n"
