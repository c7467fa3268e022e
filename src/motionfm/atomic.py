"""Atomic file writes: write to a temporary file beside the target, then rename over it.

The file gets the permissions a plain open() would give (0666 less the umask, or the mode of the file it
replaces), only regular files are replaced (a symlink, FIFO, device or folder at the target is refused), and
temporaries left by writers that died (SIGKILL, power loss) on this machine are removed by the next writer.
"""

from __future__ import annotations

import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class DestinationError(OSError):
    """The target exists and is not a regular file; writing there could follow a link or block forever."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _host() -> str:
    return "".join(c for c in socket.gethostname() if c.isalnum())[:20] or "host"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def check_destination(path: str | Path) -> None:
    """Raise DestinationError when ``path`` exists and is not a regular file (a symlink counts as not), or
    when a file stands where one of its folders should be."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except NotADirectoryError:
        above = next((p for p in Path(path).parents if p.exists() and not p.is_dir()), Path(path).parent)
        raise DestinationError(f"{path} cannot be created: {above} is a file, not a folder") from None
    if not stat.S_ISREG(mode):
        kind = ("a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode) else
                "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise DestinationError(f"{path} is {kind}; refusing to replace it (remove it or choose another name)")


def clean_stale(path: str | Path) -> list[Path]:
    """Remove temporaries of ``path`` left by dead writers on this machine; returns what was removed."""
    path = Path(path)
    removed = []
    prefix = f".{path.name}.{_host()}."
    for tmp in path.parent.glob(f".{path.name}.*.tmp*"):
        rest = tmp.name[len(prefix):] if tmp.name.startswith(prefix) else ""
        pid = rest.split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


@contextmanager
def atomic_path(path: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces ``path`` atomically.

    On error (or interruption) the temporary file is removed and any existing ``path`` is untouched.
    ``suffix`` gives the temporary file an extension for writers that insist on one (np.savez: '.npz').
    Raises DestinationError when ``path`` is a symlink, FIFO, device or folder.
    """
    path = Path(path)
    check_destination(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_host()}.{os.getpid()}.", suffix=".tmp" + suffix,
                               dir=path.parent)
    os.fchmod(fd, mode)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        check_destination(path)  # it may have appeared while writing
        os.chmod(tmp_path, mode)  # writers that recreate the file (np.savez) get the same mode
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
