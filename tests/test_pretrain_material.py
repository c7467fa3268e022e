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


def test_make_upright_puts_every_sensor_in_its_upright_frame():
    """Simulated joints get one frame per corpus, real sensors one per subject: afterwards each one's typical
    gravity (motionfm.orientation) is +z."""
    from motionfm.geometry import random_rotation_matrices
    from motionfm.orientation import typical_gravity, window_gravity_directions

    rng = np.random.default_rng(0)
    real = window_set("usc-had", [0] * 6 + [1] * 6, length=50)
    real.subject[:] = np.repeat([1, 2], 6)
    for s, mount in zip((1, 2), random_rotation_matrices(2, rng)):
        real.x[real.subject == s, :, 0, :3] = 9.81 * mount[:, 2] + 0.1 * rng.normal(size=(6, 50, 3))
    m = sim_material(real=[real], lengths=(60, 80, 70))
    m.sim.imu[..., :3] = 9.81 * random_rotation_matrices(22, rng)[:, :, 2] + 0.1 * rng.normal(size=(210, 22, 3))
    m.make_upright()
    for j in (0, 7, 21):
        clips = np.split(m.sim.imu[:, j, :3], np.cumsum(m.sim.lengths)[:-1])
        dirs = np.stack([c.mean(axis=0) / np.linalg.norm(c.mean(axis=0)) for c in clips])
        assert typical_gravity(dirs) @ [0, 0, 1] > 0.999
    for s in (1, 2):
        w = m.real[0].windows
        assert typical_gravity(window_gravity_directions(w.x[w.subject == s, :, 0, :3])) @ [0, 0, 1] > 0.999
