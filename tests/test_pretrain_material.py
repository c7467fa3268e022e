"""pretrain/material.py: captions of real windows, provenance from the contents, video attachment."""

import numpy as np
import pytest
import torch

from conftest import sim_material, window_set
from motionfm.pretrain import Material, draw

SITTING = 7  # USC-HAD class index of "sitting"
SITTING_CAPTIONS = {f"{t}" for name in ("sitting", "sitting on a chair", "sitting still") for t in (
    f"a person is {name}.", f"someone is {name}.", f"the person is {name} right now.",
    f"a recording of a person {name}.", name)}


def test_real_windows_are_captioned_with_their_class_prompts():
    material = Material.from_sources([], [window_set("usc-had", [SITTING] * 4)], 200)
    raw = draw(material, 512, torch.Generator().manual_seed(0), real_fraction=1.0)
    drawn = {material.captions[c] for c in raw.caption}
    assert drawn == SITTING_CAPTIONS  # every phrasing of the class, nothing else
    assert "a person is sitting." in drawn and raw.is_real.all()


def test_provenance_comes_from_the_contents():
    material = sim_material([window_set("usc-had", [0, 1]), window_set("dsads", [2])])
    assert material.names == ["cmu", "usc-had", "dsads"]
    assert material.seen_datasets == ["dsads", "usc-had"]
    assert (material.n_sim, material.n_real) == (2, 3)
    assert sim_material().seen_datasets == []


def test_video_attaches_by_source_in_any_registry_spelling():
    material = sim_material([window_set("usc-had", [0, 1, 2])])
    material.attach_video("USC-HAD", np.ones((3, 4), np.float32))
    material.attach_video("cmu", np.full((2, 4), np.nan, np.float32))
    assert material.video_dim == 4 and material.real[0].video.shape == (3, 4)
    with pytest.raises(ValueError, match="usc-had has 3 train windows but 2 video rows"):
        material.attach_video("usc-had", np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="must be \\(items, 4\\)"):
        material.attach_video("cmu", np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match="no source 'dsads'"):
        material.attach_video("dsads", np.ones((1, 4), np.float32))


def test_nothing_to_train_on_is_refused():
    with pytest.raises(ValueError, match="nothing to pre-train on"):
        Material.from_sources([], [], 200)


def test_real_captions_without_synonyms_are_the_class_name_in_each_template():
    material = Material.from_sources([], [window_set("usc-had", [SITTING] * 4)], 200, real_synonyms=False)
    raw = draw(material, 256, torch.Generator().manual_seed(0), real_fraction=1.0)
    assert {material.captions[c] for c in raw.caption} == {
        "a person is sitting.", "someone is sitting.", "the person is sitting right now.",
        "a recording of a person sitting.", "sitting"}
