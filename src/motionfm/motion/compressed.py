"""Motion files compressed one by one (walk.bvh.gz, 01_02.amc.bz2, clip.npy.xz), read through the standard
library's gzip, bz2 and lzma modules: the format is the suffix under the compression suffix."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path

from .clip import MotionFormatError

OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def format_suffix(path: Path) -> str:
    """The suffix that names the motion format, lower case: '.bvh' for walk.bvh and for walk.bvh.gz."""
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] in OPENERS:
        return suffixes[-2]
    return path.suffix.lower()


def is_compressed(path: Path) -> bool:
    """True for a name ending in a compression suffix (.gz, .bz2, .xz)."""
    return path.suffix.lower() in OPENERS


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when its name ends in .gz, .bz2 or .xz; a damaged or mislabelled
    compressed file is a MotionFormatError naming it."""
    if not is_compressed(path):
        return path.read_bytes()
    try:
        with OPENERS[path.suffix.lower()](path, "rb") as f:
            return f.read()
    except (OSError, EOFError, lzma.LZMAError) as err:
        if isinstance(err, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise MotionFormatError(f"{path}: not a readable {path.suffix} file ({err})") from None


def read_text(path: Path) -> str:
    """The file as text (undecodable bytes replaced), decompressed like read_bytes."""
    if not is_compressed(path):
        return path.read_text(errors="replace")
    return read_bytes(path).decode("utf-8", errors="replace")


def open_binary(path: Path) -> io.BufferedIOBase:
    """A binary file object of the (decompressed) contents, for readers such as np.load."""
    return io.BytesIO(read_bytes(path))
