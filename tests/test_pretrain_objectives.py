"""pretrain/objectives.py: the PRIMUS objective on real data: ablation switches, the queue's warm-up, video features."""

import numpy as np
import pytest
import torch

from conftest import primus_config
from motionfm.pretrain import PrimusRecipe, Trainer, draw, load_pack, save_pack

ABLATIONS = {"ss only": dict(ss=1, mm=0, nn=0), "mm only": dict(ss=0, mm=1, nn=0),
             "mm+nn": dict(ss=0, mm=1, nn=1), "all": dict(ss=1, mm=1, nn=1)}


@pytest.fixture(scope="module")
def ablation_runs(tmp_path_factory):
    runs = {}
    for name, weights in ABLATIONS.items():
        trainer = Trainer(primus_config(tmp_path_factory.mktemp("abl"), weights), show_progress=False)
        runs[name] = [(trainer.train_step(), dict(trainer.terms)) for _ in range(3)]
    return runs


@pytest.mark.parametrize("name", ABLATIONS)
def test_ablation_switches_terms(ablation_runs, name):
    expected = {k for k, w in ABLATIONS[name].items() if w}
    first, last = ablation_runs[name][0][1], ablation_runs[name][-1][1]
    assert set(last) == expected
    assert "nn" not in first  # the queue is empty at the first step: no positives from it yet
    loss, terms = ablation_runs[name][-1]
    assert loss == pytest.approx(sum(terms.values()), rel=1e-5)  # weights 1: the total is the sum of the terms


def test_ablations_change_the_loss(ablation_runs):
    finals = {name: run[-1][0] for name, run in ablation_runs.items()}
    assert len({round(v, 5) for v in finals.values()}) == len(finals), finals


def test_weights_scale_the_terms(tmp_path):
    trainer = Trainer(primus_config(tmp_path, dict(ss=0.5, mm=2.0, nn=0)), show_progress=False)
    loss = trainer.train_step()
    assert loss == pytest.approx(0.5 * trainer.terms["ss"] + 2.0 * trainer.terms["mm"], rel=1e-5)


def test_ss_temperature_reaches_the_simclr_term(tmp_path):
    values = []
    for t in (0.1, 0.5):
        trainer = Trainer(primus_config(tmp_path / str(t), dict(ss=1, mm=0, nn=0, ss_temperature=t)), show_progress=False)
        trainer.train_step()
        values.append(trainer.terms["ss"])
    assert values[0] != pytest.approx(values[1], rel=1e-3)  # same batch and weights, other temperature


def test_every_term_off_is_refused():
    with pytest.raises(ValueError, match="all 0"):
        PrimusRecipe(ss=0, mm=0, nn=0)
    with pytest.raises(ValueError, match="nn alone"):
        PrimusRecipe(ss=0, mm=0, nn=1)
    with pytest.raises(ValueError, match="unknown augmentation"):
        PrimusRecipe(ss_augmentations=["mixup"])


def test_simulated_windows_come_from_the_chosen_joint(tmp_path):
    trainer = Trainer(primus_config(tmp_path, real_fraction=0.0), show_progress=False)
    raw = draw(trainer.data, 16, torch.Generator().manual_seed(0), 0.0, trainer.sim_joints)
    assert (raw.present.sum(1) == 1).all() and raw.present[:, trainer.sim_joints[0]].all()


def test_video_features_join_the_losses(tmp_path):
    cfg = primus_config(tmp_path / "run")
    n_clips = Trainer(cfg, show_progress=False).data.sim.ranges["cmu"][1]
    video = np.random.default_rng(0).normal(size=(n_clips, 6)).astype(np.float32)
    video[::2] = np.nan  # half of the clips have no video
    np.save(tmp_path / "video.npy", video)
    cfg = primus_config(tmp_path / "run", video_features={"cmu": str(tmp_path / "video.npy")}, real_fraction=0.0,
                        model={"arch": "primus", "encoder": "primus-tiny", "embed_dim": 32, "video_dim": 6})
    with_video = Trainer(cfg, show_progress=False)
    raw = draw(with_video.data, 32, torch.Generator().manual_seed(0))
    has = ~np.isnan(raw.video).any(axis=1)
    assert raw.video.shape == (32, 6) and 0 < has.sum() < 32
    losses = [with_video.train_step() for _ in range(3)]
    assert all(np.isfinite(losses)) and with_video.objective.queue.has_video.any()
    save_pack(with_video.data, tmp_path / "pack")  # video features travel with a data pack
    packed = load_pack(tmp_path / "pack")
    np.testing.assert_array_equal(packed.sim.video, with_video.data.sim.video)
    with pytest.raises(ValueError, match="no source 'dsads'"):
        packed.attach_video("dsads", video)
    with pytest.raises(ValueError, match="model.video_dim: 6"):
        Trainer(primus_config(tmp_path / "r2", video_features={"cmu": str(tmp_path / "video.npy")}), show_progress=False)
