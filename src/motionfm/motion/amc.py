"""CMU ASF (skeleton) / AMC (motion) reader.

Each ASF bone has a direction and length in the skeleton's rest frame, an ``axis`` (Euler angles and
order) giving its local frame C, and degrees of freedom. With the AMC rotation M for a frame the bone's
global orientation is ``R = R_parent @ C @ M @ C^-1`` and its end point is ``start + length * R @ dir``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..geometry import euler_to_matrix
from .clip import MotionClip, MotionFormatError
from .compressed import OPENERS, format_suffix, read_text
from .retarget import CMU_ASF, SkeletonFamily, retarget

INCH = 0.0254


@dataclass
class ASFBone:
    name: str
    direction: np.ndarray
    length: float
    axis: np.ndarray  # C, (3, 3)
    dofs: list[str]


@dataclass
class ASFSkeleton:
    bones: dict[str, ASFBone] = field(default_factory=dict)
    parent: dict[str, str] = field(default_factory=dict)  # bone -> parent bone ('root' at the top)
    root_order: list[str] = field(default_factory=list)  # CMU roots have a zero 'orientation'
    metres_per_unit: float = INCH
    degrees: bool = True

    def order(self) -> list[str]:
        """Bones with every parent before its children."""
        out, todo = [], list(self.parent)
        placed = {"root"}
        while todo:
            ready = [b for b in todo if self.parent[b] in placed]
            if not ready:
                raise MotionFormatError(f"ASF hierarchy has bones not connected to root: {todo}")
            for b in ready:
                out.append(b)
                placed.add(b)
                todo.remove(b)
        return out


def _sections(lines: list[str]) -> dict[str, tuple[int, list[str]]]:
    out: dict[str, tuple[int, list[str]]] = {}
    current = None
    for i, ln in enumerate(lines):
        s = ln.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith(":"):
            head = s[1:].split()
            current = head[0]
            out[current] = (i + 1, [" ".join(head[1:])] if len(head) > 1 else [])
        elif current:
            out[current][1].append(s)
    return out


def _axis_matrix(values: list[str], order: str, degrees: bool) -> np.ndarray:
    return euler_to_matrix(np.array([float(v) for v in values]), order.lower(), degrees=degrees)


def parse_asf(text: str, source: str = "<asf>") -> ASFSkeleton:
    """Parse an ASF skeleton. Errors name the file and line (MotionFormatError)."""
    sec = _sections(text.splitlines())
    for need in ("root", "bonedata", "hierarchy"):
        if need not in sec:
            raise MotionFormatError(f"{source}: missing ':{need}' section (not an ASF file, or truncated)")
    skel = ASFSkeleton()
    units = dict(ln.split()[:2] for ln in sec.get("units", (0, []))[1] if len(ln.split()) >= 2)
    try:
        length_unit = float(units.get("length", 1.0))
    except ValueError:
        raise MotionFormatError(f"{source}: ':units length' must be a number; got {units['length']!r}") from None
    if not (np.isfinite(length_unit) and length_unit > 0):
        raise MotionFormatError(f"{source}: ':units length' must be a positive number; got {length_unit:g}")
    skel.metres_per_unit = INCH / length_unit
    skel.degrees = units.get("angle", "deg").startswith("deg")
    for ln in sec["root"][1]:
        tok = ln.split()
        if tok[0] == "order":
            skel.root_order = [t.lower() for t in tok[1:]]
    lacking = [c for c in ("tx", "ty", "tz", "rx", "ry", "rz") if c not in skel.root_order]
    if lacking:
        raise MotionFormatError(f"{source}: the root's 'order' lacks {' '.join(lacking).upper()} (it must name "
                                f"all six: TX TY TZ RX RY RZ in any order)")
    line0, body = sec["bonedata"]
    bone: dict = {}
    for k, ln in enumerate(body):
        tok = ln.split()
        try:
            if tok[0] == "begin":
                bone = {"dof": []}
            elif tok[0] == "end":
                b = ASFBone(bone["name"], np.array(bone["direction"], float), float(bone["length"]),
                            _axis_matrix(bone["axis"][:3], bone["axis"][3], skel.degrees), bone["dof"])
                skel.bones[b.name] = b
            elif tok[0] in ("name", "length"):
                bone[tok[0]] = tok[1]
            elif tok[0] in ("direction", "axis", "dof"):
                bone[tok[0]] = tok[1:]
        except (KeyError, IndexError, ValueError) as err:
            raise MotionFormatError(f"{source}: bone data near line {line0 + k + 1}: {err}") from None
    for ln in sec["hierarchy"][1]:
        tok = ln.split()
        if tok[0] in ("begin", "end"):
            continue
        for child in tok[1:]:
            skel.parent[child] = tok[0]
    missing = [b for b in skel.parent if b not in skel.bones]
    if missing:
        raise MotionFormatError(f"{source}: hierarchy names bones without bone data: {missing}")
    return skel


def parse_amc(text: str, skel: ASFSkeleton, source: str = "<amc>") -> dict[str, np.ndarray]:
    """Parse AMC frames: {'root': (F, 6), bone: (F, n_dof)}; errors name file and line.

    The usual layout (every frame: its number, then the same bones in the same order) is read a bone at a time
    (_parse_regular); anything else line by line, grouped by bone, a failing bone read row by row to name the
    first bad line."""
    lines = text.splitlines()
    regular = _parse_regular(lines, skel)
    if regular is not None:
        return regular
    rows: dict[str, list[str]] = {"root": []}
    where: dict[str, list[int]] = {"root": []}  # 1-based line of each row
    frame_lines: list[int] = []
    for i, ln in enumerate(lines):
        s = ln.strip()
        if not s or s[0] in "#:":
            continue
        name, *rest = s.split(None, 1)
        if not rest and name.isdigit():
            frame_lines.append(i + 1)
            continue
        rows.setdefault(name, []).append(rest[0] if rest else "")
        where.setdefault(name, []).append(i + 1)
    out, errors = {}, []  # errors: (line, what) of the first bad row of each bone, the earliest reported
    for name, block in rows.items():
        if name != "root" and name not in skel.bones:
            errors.append((where[name][0], f"bone {name!r} is not in the ASF skeleton"))
            continue
        try:
            out[name] = _parse_rows(block, where[name], 6 if name == "root" else len(skel.bones[name].dofs), name)
        except ValueError as err:
            errors.append(err.args)
    if errors:
        line, what = min(errors)
        raise MotionFormatError(f"{source}:{line}: {what}")
    n = len(frame_lines)
    if n == 0:
        raise MotionFormatError(f"{source}: no frames found (not an AMC file?)")
    for name, block in rows.items():
        if len(block) != n:
            raise MotionFormatError(f"{source}:{frame_lines[min(len(block), n - 1)]}: frame lacks '{name}' "
                                    f"(file truncated? {len(block)} of {n} frames)")
    return out


def _parse_regular(lines: list[str], skel: ASFSkeleton) -> dict[str, np.ndarray] | None:
    """{'root': (F, 6), bone: (F, n_dof)} when only header lines (blank, '#', ':') precede the first frame and
    every frame is its number line followed by the same bone lines in the same order, each with its bone's
    number of values, and nothing else; None otherwise (the line-by-line path then reads it and names errors)."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = next((i for i in range(end) if lines[i].strip().isdigit()), None)
    if start is None or any(ln.strip() and ln.strip()[0] not in "#:" for ln in lines[:start]):
        return None
    body = lines[start:end]
    period = next((k for k in range(1, len(body)) if body[k].strip().isdigit()), len(body))
    n = len(body) // period
    if period < 2 or len(body) != n * period or not all(ln.strip().isdigit() for ln in body[::period]):
        return None
    out = {}
    for k in range(1, period):
        name = body[k].split(None, 1)[0] if body[k].strip() else ""
        if name in out or (name != "root" and name not in skel.bones):
            return None
        width = 6 if name == "root" else len(skel.bones[name].dofs)
        # a "|" after every row: each row holds exactly its name and `width` values when every "|" lands in
        # the last column
        tokens = " | ".join(body[k::period]).split() + ["|"]
        if len(tokens) != n * (width + 2):
            return None
        table = np.array(tokens).reshape(n, width + 2)
        if not ((table[:, 0] == name).all() and (table[:, -1] == "|").all()):
            return None
        try:
            out[name] = table[:, 1:-1].astype(np.float64)
        except ValueError:
            return None
    return {"root": out.pop("root"), **out} if "root" in out else None  # the line path's order: root first


def _parse_rows(block: list[str], lines: list[int], expected: int, name: str) -> np.ndarray:
    """(len(block), expected) numbers of one bone's rows (their text after the name) at 1-based ``lines``;
    ValueError(line, what) for the first bad row."""
    if not block:
        return np.zeros((0, expected))
    try:
        values = np.array([row.split() for row in block], dtype=np.float64)  # ragged rows raise ValueError
        if values.shape == (len(block), expected):
            return values
    except ValueError:
        pass
    for row, line in zip(block, lines):
        try:
            numbers = [float(v) for v in row.split()]
        except ValueError:
            raise ValueError(line, "non-numeric value") from None
        if len(numbers) != expected:
            raise ValueError(line, f"{name} needs {expected} values, got {len(numbers)}")
    raise AssertionError("unreachable: the rows parsed one by one")


def _dof_rotation(values: np.ndarray, dofs: list[str], degrees: bool) -> np.ndarray:
    """Rotation matrices (F, 3, 3) from AMC rotation dofs, composed extrinsically in the listed order."""
    rot_dofs = [d for d in dofs if d.startswith("r")]
    angles = np.zeros((values.shape[0], 3))
    order = ""
    for k, d in enumerate(rot_dofs):
        angles[:, k] = values[:, dofs.index(d)]
        order += d[1]
    for axis in "xyz":
        if len(order) < 3 and axis not in order:
            order += axis
    return euler_to_matrix(angles, order, degrees=degrees)


def asf_amc_nodes(skel: ASFSkeleton, frames: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Global start positions (F, N, 3) and orientations (F, N, 3, 3) of root and every bone (ASF units)."""
    root = frames["root"]
    r_idx = [skel.root_order.index(a) for a in ("rx", "ry", "rz")]
    t_idx = [skel.root_order.index(a) for a in ("tx", "ty", "tz")]
    order = "".join(skel.root_order[i][1] for i in sorted(r_idx))
    rot0 = euler_to_matrix(root[:, sorted(r_idx)], order, degrees=skel.degrees)
    names, starts, rots = ["root"], [root[:, t_idx]], [rot0]
    ends = {"root": root[:, t_idx]}
    glob = {"root": rot0}
    for b in skel.order():
        bone = skel.bones[b]
        values = frames.get(b, np.zeros((root.shape[0], len(bone.dofs))))
        local = bone.axis @ _dof_rotation(values, bone.dofs, skel.degrees) @ bone.axis.T
        glob[b] = glob[skel.parent[b]] @ local if skel.parent[b] != "root" else rot0 @ local
        start = ends[skel.parent[b]]
        ends[b] = start + bone.length * (glob[b] @ bone.direction)
        names.append(b)
        starts.append(start)
        rots.append(glob[b])
    return names, np.stack(starts, 1), np.stack(rots, 1)


def read_amc(amc_path: str | Path, asf_path: str | Path | None = None, fps: float = 120.0,
             family: SkeletonFamily = CMU_ASF) -> MotionClip:
    """Read a CMU AMC trial with its ASF skeleton (default: the one .asf beside it) onto the 22 joints; either
    may be compressed on its own (01_02.amc.gz, 01.asf.gz; .bz2, .xz)."""
    amc_path = Path(amc_path)
    asf_path = Path(asf_path) if asf_path else _find_asf(amc_path)
    skel = parse_asf(read_text(asf_path), str(asf_path))
    frames = parse_amc(read_text(amc_path), skel, str(amc_path))
    _check_bones_present(skel, frames, family, str(amc_path))
    names, pos, rot = asf_amc_nodes(skel, frames)
    p22, q22 = retarget(names, pos * skel.metres_per_unit, rot, family, str(asf_path))
    return MotionClip(p22, fps, q22, source=str(amc_path), family=family.name, meta={"asf": str(asf_path)})


def _check_bones_present(skel: ASFSkeleton, frames: dict[str, np.ndarray], family: SkeletonFamily,
                         source: str) -> None:
    """MotionFormatError when a bone with dofs that the 22 joints hang from (the family's bones and their
    ancestors) has no AMC lines: it would be read as never turning. Fingers and thumbs may be absent."""
    needed: set[str] = set()
    for name in family.source_names() & set(skel.bones):
        while name in skel.bones and name not in needed:
            needed.add(name)
            name = skel.parent.get(name, "root")
    missing = sorted(b for b in needed if skel.bones[b].dofs and b not in frames)
    if missing:
        raise MotionFormatError(f"{source}: no lines for {', '.join(missing)}, which the ASF gives dofs; "
                                f"the joints below would be read as never turning")


def _find_asf(amc_path: Path) -> Path:
    subject = amc_path.name.split("_")[0].split(".")[0]
    for suffix in ("", *OPENERS):
        named = amc_path.with_name(f"{subject}.asf{suffix}")
        if named.exists():
            return named
    found = sorted(p for p in amc_path.parent.iterdir() if format_suffix(p) == ".asf")
    if len(found) != 1:
        raise MotionFormatError(f"{amc_path}: cannot tell which ASF skeleton goes with it (none or several .asf "
                                f"files beside it, none named after its subject); put the one .asf beside it")
    return found[0]
