"""pretrain/build.py: exclusion and provenance hold for sources and data packs alike."""

import numpy as np
import pytest

from conftest import pack_config, sim_material, tiny_config, window_set
from motionfm.hub import load_model
from motionfm.pretrain import PretrainConfig, build_data, load_real, pretrain, save_pack
from motionfm.pretrain.build import build_settings
from motionfm.text import load_text_encoder


def _never(name):
    raise AssertionError(f"{name} was loaded")


@pytest.mark.parametrize("names, exclude", [(["UCI-HAR"], ["uci-har"]), (["uci-har"], ["UCI-HAR"]),
                                            ([" Usc-Had"], ["usc-had"])])
def test_load_real_refuses_excluded_in_any_spelling(names, exclude):
    with pytest.raises(ValueError, match="on the exclusion list"):
        load_real(names, exclude, _never)


def test_load_real_asks_the_loader_in_registry_spelling():
    asked = []
    out = load_real(["USC-HAD"], ["uci-har"], lambda n: asked.append(n) or window_set("usc-had", [0, 1]))
    assert asked == ["usc-had"] and len(out[0]) == 2


def _pack_config(tmp_path, **over) -> PretrainConfig:
    return pack_config(tmp_path, **{"exclude": ["uci-har"], "steps": 2, **over})


def test_a_pack_holding_an_excluded_data_set_is_refused(tmp_path):
    save_pack(sim_material([window_set("uci-har", [0, 1])], text_dim=384), tmp_path / "pack")  # no build record
    with pytest.raises(ValueError, match="uci-har is on the exclusion list"):
        build_data(_pack_config(tmp_path, exclude=["UCI-HAR"]))


def test_a_pack_built_from_other_sources_is_refused(tmp_path):
    material = sim_material([window_set("usc-had", [0, 1])], text_dim=384)
    save_pack(material, tmp_path / "pack", build_settings(_pack_config(tmp_path)))
    assert build_data(_pack_config(tmp_path)).names == ["cmu", "usc-had"]
    with pytest.raises(ValueError, match=r"real_datasets: pack \['usc-had'\], config \['dsads'\]; max_clips"):
        build_data(_pack_config(tmp_path, real_datasets=["dsads"], max_clips=3))
    with pytest.raises(ValueError, match="window: pack 200 samples, config 100"):
        save_pack(material, tmp_path / "pack")
        build_data(_pack_config(tmp_path, window_s=5.0))


def test_a_pack_with_video_is_refused_for_a_recipe_without_video_head(tmp_path):
    material = sim_material(text_dim=384)
    material.attach_video("cmu", np.ones((2, 3), np.float32))
    save_pack(material, tmp_path / "pack")
    with pytest.raises(ValueError, match="holds video features but recipe 'unimts' has no video head"):
        build_data(_pack_config(tmp_path))


def test_model_from_a_pack_records_what_the_pack_held(tmp_path):
    # an older pack (no build record) holding DSADS too, while the config names only USC-HAD
    save_pack(sim_material([window_set("usc-had", [0, 1]), window_set("dsads", [2, 3])], text_dim=384), tmp_path / "pack")
    status, trainer = pretrain(_pack_config(tmp_path), show_progress=False)
    meta = load_model(tmp_path / "run" / "model").metadata
    assert status == "done" and meta["seen_datasets"] == ["dsads", "usc-had"]
    assert meta["data"] == ["cmu", "usc-had", "dsads"] and meta["real_datasets"] == ["usc-had", "dsads"]


def test_pack_from_real_sources_trains_like_the_sources(tmp_path):
    cfg = tiny_config(tmp_path / "run")
    data = build_data(cfg, show_progress=False)
    data.encode_captions(load_text_encoder("minilm"))
    save_pack(data, tmp_path / "pack", build_settings(cfg), chunk_mb=0.05)
    packed = build_data(cfg.replace(data_pack=str(tmp_path / "pack")), show_progress=False)
    np.testing.assert_allclose(packed.sim.imu, data.sim.imu, rtol=1e-3, atol=1e-2)  # float16 on disk
    assert packed.names == data.names == ["cmu", "usc-had"] and packed.seen_datasets == ["usc-had"]
    status, _ = pretrain(tiny_config(tmp_path / "from_pack", data_pack=str(tmp_path / "pack"), steps=2),
                         show_progress=False)
    assert status == "done"
    assert load_model(tmp_path / "from_pack" / "model").metadata["seen_datasets"] == ["usc-had"]


@pytest.mark.parametrize("key, value", [("rich_captions", True), ("real_synonyms", False)])
def test_a_pack_is_refused_for_other_text_supervision(tmp_path, key, value):
    material = sim_material([window_set("usc-had", [0, 1])], text_dim=384)
    save_pack(material, tmp_path / "pack", build_settings(_pack_config(tmp_path)))
    with pytest.raises(ValueError, match=f"{key}: pack {not value!r}, config {value!r}"):
        build_data(_pack_config(tmp_path, **{key: value}))
    older = {k: v for k, v in build_settings(_pack_config(tmp_path)).items() if k != key}  # before the key existed
    save_pack(material, tmp_path / "pack", older)
    assert build_data(_pack_config(tmp_path)).names == ["cmu", "usc-had"]
    with pytest.raises(ValueError, match=f"{key}: pack {not value!r}"):
        build_data(_pack_config(tmp_path, **{key: value}))


def test_rich_captions_add_phrasings_to_every_cmu_clip(tmp_path):
    plain = build_data(tiny_config(tmp_path, real_datasets=[]), show_progress=False)
    rich = build_data(tiny_config(tmp_path, real_datasets=[], rich_captions=True), show_progress=False)
    assert len(plain.sim) == len(rich.sim) == 8
    np.testing.assert_array_equal(plain.sim.imu, rich.sim.imu)
    for a, b in zip(plain.sim.captions, rich.sim.captions):
        texts_a, texts_b = [plain.captions[i] for i in a], [rich.captions[i] for i in b]
        assert texts_b[:len(texts_a)] == texts_a and len(texts_b) >= len(texts_a)
    assert len(rich.captions) > len(plain.captions)
