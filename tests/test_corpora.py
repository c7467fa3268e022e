import json
import shutil

import numpy as np
import pytest

from conftest import need
from motionfm.corpora import bandai_namco_captions, cmu_captions, cmu_descriptions, humanml3d_captions, load_corpus
from motionfm.simulate import SimConfig


def test_bandai_namco_captions_match_the_json_labels(mocap_dir):
    root = mocap_dir / "dataset"
    checked = 0
    for folder in sorted(root.iterdir()):
        content = (folder / "cfg/content_label.txt").read_text().split()
        style = (folder / "cfg/style_label.txt").read_text().split()
        for bvh in sorted((folder / "data").glob("*.bvh"))[::40]:
            labels = json.loads(bvh.with_suffix(".json").read_text())
            caps = bandai_namco_captions(bvh)
            action = content[labels["content"]].split("_", 1)[1]
            assert len(caps) >= 3 and len(set(caps)) == len(caps)
            assert bvh.stem.split("_")[1] == action and style[labels["style"]].split("_", 1)[1] == bvh.stem.split("_")[2]
            checked += 1
    assert checked > 50
    with pytest.raises(ValueError, match="not a Bandai-Namco clip name"):
        bandai_namco_captions(root / "x.bvh")


def test_cmu_captions():
    table = cmu_descriptions(need("cmu_mocap/CMU_data_descriptions.csv"))
    assert len(table) > 2000
    from pathlib import Path
    assert cmu_captions(Path("001_01.bvh"), table)[0] == "playground - forward jumps, turn around"
    assert cmu_captions(Path("01_01.amc"), table) == cmu_captions(Path("001_01.bvh"), table)


def test_humanml3d_corpus_with_texts(tmp_path):
    folder = tmp_path / "HumanML3D"
    (folder / "new_joints").mkdir(parents=True)
    (folder / "texts").mkdir()
    for cid in ("000000", "012314"):
        shutil.copy(need(f"humanml3d_format/HumanML3D_new_joints_{cid}.npy"), folder / "new_joints" / f"{cid}.npy")
        (folder / "texts" / f"{cid}.txt").write_text(f"a person kicks {cid}#a/DET#0.0#0.0\nsomeone kicks#x#0.0#0.0\n")
    assert humanml3d_captions(folder / "texts/000000.txt") == ["a person kicks 000000", "someone kicks"]
    corpus = load_corpus(f"humanml3d={folder}", SimConfig())
    assert len(corpus) == 2 and corpus.captions[1][0] == "a person kicks 012314"
    assert corpus.sim.clip(0).shape[1:] == (22, 6)
    clip = folder / "new_joints/012314.npy"  # compressed clips find their captions by the name without .npy.gz
    clip.with_suffix(".npy.gz").write_bytes(__import__("gzip").compress(clip.read_bytes()))
    clip.unlink()
    packed = load_corpus(f"humanml3d={folder}", SimConfig())
    assert packed.captions == corpus.captions
    np.testing.assert_array_equal(packed.sim.imu, corpus.sim.imu)


def test_interrupted_cache_write_leaves_no_half_entry(tmp_path, monkeypatch):
    import motionfm.corpora as corpora

    folder = tmp_path / "HumanML3D"
    (folder / "new_joints").mkdir(parents=True)
    (folder / "texts").mkdir()
    shutil.copy(need("humanml3d_format/HumanML3D_new_joints_000000.npy"), folder / "new_joints" / "000000.npy")
    (folder / "texts" / "000000.txt").write_text("a person kicks#a/DET#0.0#0.0\n")
    monkeypatch.setenv("MOTIONFM_CACHE", str(tmp_path / "cache"))

    def interrupted(path, captions):
        raise KeyboardInterrupt

    monkeypatch.setattr(corpora, "_write_captions", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_corpus(f"humanml3d={folder}", SimConfig())
    assert not list((tmp_path / "cache").rglob("imu.npz"))  # no entry that would load without its captions
    monkeypatch.undo()
    monkeypatch.setenv("MOTIONFM_CACHE", str(tmp_path / "cache"))
    assert load_corpus(f"humanml3d={folder}", SimConfig()).captions == [["a person kicks"]]


def test_unknown_corpus():
    with pytest.raises(ValueError, match="unknown motion corpus"):
        load_corpus("amass", SimConfig())


def test_corpus_building_reports_skipped_and_trimmed_clips_and_draws_noise_per_clip(tmp_path, monkeypatch):
    import numpy as np

    folder = tmp_path / "HumanML3D"
    (folder / "new_joints").mkdir(parents=True)
    (folder / "texts").mkdir()
    clip = np.load(need("humanml3d_format/HumanML3D_new_joints_000000.npy"))
    teleport_start, jump_mid = clip.copy(), clip.copy()
    teleport_start[0] += 3.0  # 3 m away in the first frame: trimmed
    jump_mid[len(clip) // 2:] += 3.0  # 3 m jump mid-clip: skipped
    for cid, arr in (("000001", clip), ("000002", clip), ("000003", teleport_start), ("000004", jump_mid)):
        np.save(folder / "new_joints" / f"{cid}.npy", arr)
        (folder / "texts" / f"{cid}.txt").write_text("a person kicks#a/DET#0.0#0.0\n")
    monkeypatch.setenv("MOTIONFM_CACHE", str(tmp_path / "cache"))
    lines: list[str] = []
    corpus = load_corpus(f"humanml3d={folder}", SimConfig(noise=True, seed=3), report=lines.append)
    assert len(corpus) == 3 and corpus.sim.sources == ["000001.npy", "000002.npy", "000003.npy"]
    assert lines[0].startswith("skipped: humanml3d=") and "000004.npy: implausible motion: joint speed" in lines[0]
    assert lines[1].startswith("trimmed: ") and "000003.npy: joint speed" in lines[1] and "kept frames 1-" in lines[1]
    a, b = corpus.sim.clip(0), corpus.sim.clip(1)  # the same motion twice: different noise
    assert a.shape == b.shape and np.abs(a - b).mean() > 0.1
    again = load_corpus(f"humanml3d={folder}", SimConfig(noise=True, seed=3), report=lines.append)
    assert again.sim.failures == corpus.sim.failures and again.sim.trimmed == corpus.sim.trimmed
