"""Where data and caches are found: never relative to the working directory."""

from pathlib import Path

import motionfm
from motionfm.paths import cache_dir, data_root

REPOSITORY = Path(motionfm.__file__).resolve().parents[2]  # src/motionfm/__init__.py -> the checkout


def test_default_data_root_is_beside_the_repository_wherever_we_run(tmp_path, monkeypatch):
    monkeypatch.delenv("MOTIONFM_DATA", raising=False)
    seen = set()
    for where in (tmp_path, tmp_path / "deeper", REPOSITORY):
        where.mkdir(exist_ok=True)
        monkeypatch.chdir(where)
        seen.add(data_root())
    assert seen == {REPOSITORY.parent / "shared" / "data"}


def test_explicit_root_then_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MOTIONFM_DATA", str(tmp_path / "env"))
    assert data_root() == tmp_path / "env"
    assert data_root(tmp_path / "given") == tmp_path / "given"
    monkeypatch.setenv("MOTIONFM_DATA", "")  # empty means unset, not the working directory
    assert data_root() == REPOSITORY.parent / "shared" / "data"


def test_cache_folders_by_kind(tmp_path, monkeypatch):
    monkeypatch.setenv("MOTIONFM_CACHE", str(tmp_path))
    assert [cache_dir(k) for k in ("har", "sim", "text")] == [tmp_path / "har", tmp_path / "sim", tmp_path / "text"]
    monkeypatch.delenv("MOTIONFM_CACHE")
    assert cache_dir("har").name == "har" and "motionfm" in str(cache_dir("har"))
