"""Atomic writes: all or nothing, the umask's permissions, no following links, no temporaries left behind."""

import os
import signal
import stat
import subprocess
import sys

import pytest

from motionfm.atomic import DestinationError, atomic_path, clean_stale


def _write(path, text):
    with atomic_path(path) as tmp:
        tmp.write_text(text)


@pytest.mark.parametrize("umask,expected", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664), (0o077, 0o600)])
def test_new_files_honour_the_umask(tmp_path, umask, expected):
    old = os.umask(umask)
    try:
        _write(tmp_path / "f.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == expected


def test_replacing_keeps_the_files_mode(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    path.chmod(0o600)
    _write(path, "new")
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o600


def test_failure_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(path) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def _symlink(tmp_path):
    target = tmp_path / "target.txt"
    target.write_text("keep")
    (tmp_path / "link.txt").symlink_to(target)
    return tmp_path / "link.txt"


def _fifo(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    return tmp_path / "pipe"


def _folder(tmp_path):
    (tmp_path / "d").mkdir()
    return tmp_path / "d"


def _under_a_file(tmp_path):
    (tmp_path / "plain.txt").write_text("keep")
    return tmp_path / "plain.txt" / "sub" / "out.npz"


@pytest.mark.parametrize("make,kind", [(_symlink, "a symbolic link"), (_fifo, "a FIFO"), (_folder, "a folder"),
                                       (lambda p: "/dev/null", "a device"),
                                       (_under_a_file, "plain.txt is a file, not a folder")])
def test_non_regular_destinations_are_refused(tmp_path, make, kind):
    path = make(tmp_path)
    with pytest.raises(DestinationError, match=kind):
        _write(path, "x")
    assert not list(tmp_path.glob(".*.tmp*"))
    if kind == "a symbolic link":
        assert (tmp_path / "target.txt").read_text() == "keep"


def test_temporaries_of_a_killed_writer_are_cleaned(tmp_path):
    path = tmp_path / "f.txt"
    code = ("import os, signal, sys; from motionfm.atomic import atomic_path\n"
            "with atomic_path(sys.argv[1]) as tmp:\n"
            "    tmp.write_text('half'); os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], env={**os.environ})
    assert done.returncode == -signal.SIGKILL
    left = list(tmp_path.glob(".f.txt.*.tmp"))
    assert len(left) == 1
    with atomic_path(path) as mine:  # a live writer's temporary (this process) is not touched
        assert clean_stale(path) == [] and mine.exists()
        mine.write_text("done")
    assert path.read_text() == "done" and not list(tmp_path.glob(".f.txt.*"))
