"""pretrain/pack.py: a pack reads back what was written (float16 IMU), with its sources; broken packs refused."""

import json

import numpy as np
import pytest
import torch

from conftest import sim_material, window_set
from motionfm.pretrain import draw, load_pack, save_pack


def test_round_trip_keeps_contents_and_provenance(tmp_path):
    material = sim_material([window_set("usc-had", [0, 3, 7]), window_set("dsads", [1])], text_dim=384)
    material.real[0].windows.valid_len = np.array([20, 200, 130])  # padded windows stay padded
    material.attach_video("usc-had", np.arange(12, dtype=np.float32).reshape(3, 4))
    files = save_pack(material, tmp_path / "pack", {"real_datasets": ["usc-had", "dsads"], "seed": 3}, chunk_mb=0.001)
    assert sum(f.name.startswith("sim_imu.") for f in files) > 1  # chunked
    packed = load_pack(tmp_path / "pack")
    assert packed.names == material.names and packed.seen_datasets == ["dsads", "usc-had"]
    assert packed.captions == material.captions and torch.equal(packed.text_features, material.text_features)
    assert packed.sim.ranges == {"cmu": (0, 2)} and packed.real[0].windows.class_names == material.real[0].windows.class_names
    np.testing.assert_array_equal(packed.real[0].video, material.real[0].video)
    np.testing.assert_array_equal(packed.real[0].windows.valid_len, [20, 200, 130])
    np.testing.assert_allclose(packed.real[1].windows.x, material.real[1].windows.x, rtol=1e-3, atol=1e-3)
    meta = json.loads((tmp_path / "pack" / "meta.json").read_text())
    assert meta["built_from"] == {"real_datasets": ["usc-had", "dsads"]} and meta["seen_datasets"] == ["dsads", "usc-had"]
    a, b = (draw(m, 16, torch.Generator().manual_seed(0), 0.5) for m in (material, packed))
    assert np.array_equal(a.caption, b.caption) and np.array_equal(a.present, b.present)
    assert np.array_equal(a.valid_len, b.valid_len)


def test_a_pack_needs_encoded_captions(tmp_path):
    with pytest.raises(ValueError, match="encode the captions"):
        save_pack(sim_material(), tmp_path / "pack")


@pytest.mark.parametrize("damage, message", [("missing", "not a data pack"), ("garbage", "damaged"),
                                             ("chunk", "pack file sim_imu unreadable")])
def test_broken_packs_give_one_line(tmp_path, damage, message):
    save_pack(sim_material(text_dim=384), tmp_path / "pack")
    if damage == "missing":
        (tmp_path / "pack" / "meta.json").unlink()
    elif damage == "garbage":
        (tmp_path / "pack" / "meta.json").write_text("{not json")
    else:
        (tmp_path / "pack" / "sim_imu.0.npy").write_bytes(b"\x00" * 10)
    with pytest.raises(ValueError, match=message) as err:
        load_pack(tmp_path / "pack")
    assert "\n" not in str(err.value)


def test_packs_written_before_valid_lengths_read_as_full_windows(tmp_path):
    material = sim_material([window_set("usc-had", [0, 1])], text_dim=384)
    material.real[0].windows.valid_len = np.array([20, 200])
    save_pack(material, tmp_path / "pack")
    meta = json.loads((tmp_path / "pack" / "meta.json").read_text())
    del meta["chunks"]["real0_valid_len"]  # what an older pack's meta.json lists
    (tmp_path / "pack" / "meta.json").write_text(json.dumps(meta))
    np.testing.assert_array_equal(load_pack(tmp_path / "pack").real[0].windows.valid_len, [200, 200])
