"""Motion-capture readers (BVH, CMU ASF/AMC, HumanML3D) returning 22-joint MotionClips."""

from __future__ import annotations

import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .amc import read_amc
from .bvh import read_bvh
from .clip import MotionClip, MotionFormatError
from .compressed import format_suffix, is_compressed
from .humanml3d import read_humanml3d
from .retarget import FAMILIES, SkeletonFamily

MOTION_SUFFIXES = (".bvh", ".amc", ".npy")
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2")

__all__ = ["MotionClip", "MotionFormatError", "FAMILIES", "SkeletonFamily", "read_bvh", "read_amc",
           "read_humanml3d", "load_motion", "find_motion_files", "expand_inputs", "motion_stem", "format_suffix"]


def load_motion(path: str | Path, fps: float | None = None) -> MotionClip:
    """Read any supported motion file by its suffix (.bvh, .amc with its .asf, HumanML3D new_joints .npy), each
    also compressed on its own (.bvh.gz, .amc.bz2, .npy.xz)."""
    path = Path(path)
    suffix = format_suffix(path)
    if suffix == ".bvh":
        return read_bvh(path, fps)
    if suffix == ".amc":
        return read_amc(path, fps=fps or 120.0)
    if suffix == ".npy":
        return read_humanml3d(path) if fps is None else read_humanml3d(path, fps)
    raise MotionFormatError(f"{path}: unsupported motion file; expected one of {', '.join(MOTION_SUFFIXES)} "
                            f"(or one of them compressed: .gz, .bz2, .xz)")


def find_motion_files(folder: Path) -> list[Path]:
    """Motion files below a folder, sorted, compressed ones (walk.bvh.gz) included unless the plain file is
    beside them (gzip -k leaves both: one capture) (HumanML3D: only new_joints arrays)."""
    out = []
    for p in sorted(folder.rglob("*")):
        suffix = format_suffix(p)
        if is_compressed(p) and p.with_suffix("").exists():
            continue
        if suffix in (".bvh", ".amc"):
            out.append(p)
        elif suffix == ".npy" and "joint_vecs" not in p.name and not _is_statistics(motion_stem(p)):
            out.append(p)
    return out


def motion_stem(path: Path) -> str:
    """The name without its format and compression suffixes (walk for walk.bvh and walk.bvh.gz)."""
    return Path(path.stem).stem if is_compressed(path) else path.stem


def _is_statistics(stem: str) -> bool:
    """HumanML3D's normalisation arrays (Mean.npy, Std.npy, HumanML3D_Mean.npy, ...), not clips."""
    return stem in ("Mean", "Std") or stem.endswith(("_Mean", "_Std"))


def _is_archive(path: Path) -> bool:
    return any(path.name.lower().endswith(s) for s in ARCHIVE_SUFFIXES)


class MotionFiles(list):
    """Motion file paths (a list of Path) that also know what to call each: an unpacked archive member is
    named 'archive.tar.xz:member/path' (its temporary path means nothing to a user and is gone afterwards)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: dict[str, str] = {}

    def name(self, path: str | Path) -> str:
        """The user-facing name of one of the files (its path unless it came from an archive)."""
        return self.names.get(str(path), str(path))

    def rename(self, text: str) -> str:
        """``text`` with every temporary archive path in it replaced by its member name."""
        for tmp, name in self.names.items():
            text = text.replace(tmp, name)
        return text


@contextmanager
def expand_inputs(inputs: list[str | Path]) -> Iterator[MotionFiles]:
    """Motion files from files, folders and tar archives (unpacked into a temporary folder while in use)."""
    with tempfile.TemporaryDirectory(prefix="motionfm-") as tmp:
        files = MotionFiles()
        for k, item in enumerate(map(Path, inputs)):
            if not item.exists():
                raise FileNotFoundError(f"{item}: no such file or folder")
            if item.is_dir():
                files += find_motion_files(item)
            elif _is_archive(item):
                dest = Path(tmp) / str(k)
                with tarfile.open(item) as tar:
                    tar.extractall(dest, filter="data")
                found = find_motion_files(dest)
                files.names.update({str(f): f"{item}:{f.relative_to(dest).as_posix()}" for f in found})
                files += found
            else:
                files.append(item)
        first = {}  # a file given twice, or as itself and inside its folder, is simulated once
        for f in files:
            first.setdefault(f.resolve(), f)
        files[:] = first.values()
        yield files
