"""pretrain/trainer.py: exact resume, SIGTERM, 2-process DDP on CPU, the loss falling, saved metadata."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
import yaml

from conftest import primus_config, tiny_config
from motionfm.hub import load_model
from motionfm.pretrain import CHECKPOINT, Trainer, pretrain


def _states(trainer):
    return {k: v.clone() for k, v in trainer.model.state_dict().items()}


def test_interrupted_run_resumes_bit_identically(tmp_path):
    status, full = pretrain(tiny_config(tmp_path / "a"), show_progress=False)
    assert status == "done" and full.step == 6
    status, _ = pretrain(tiny_config(tmp_path / "b"), stop_after=3, show_progress=False)
    assert status == "stopped" and (tmp_path / "b" / CHECKPOINT).exists()
    status, resumed = pretrain(tiny_config(tmp_path / "b"), resume=True, show_progress=False)
    assert status == "done" and resumed.step == 6
    a, b = _states(full), _states(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert torch.equal(full.gen.get_state(), resumed.gen.get_state())
    model = load_model(tmp_path / "b" / "model")
    assert model.metadata["excluded"] == ["uci-har"] and model.metadata["seen_datasets"] == ["usc-had"]
    assert (tmp_path / "b" / "config.yaml").exists()


def test_a_diverged_run_stops_and_keeps_the_checkpoint_before_it(tmp_path, monkeypatch):
    """A NaN loss (lr too high) ran on to 'done' and saved a model of NaN weights (exit 0)."""
    real_step = Trainer.train_step

    def step(self):
        loss = real_step(self)
        return float("nan") if self.step == 3 else loss
    monkeypatch.setattr(Trainer, "train_step", step)
    with pytest.raises(ValueError, match="step 3: the loss is nan .* lower lr"):
        pretrain(tiny_config(tmp_path), show_progress=False)
    assert not (tmp_path / "model").exists()
    again = Trainer(tiny_config(tmp_path), show_progress=False)
    assert again.load_checkpoint() and again.step == 2


def test_loss_goes_down_on_real_data(tmp_path):
    cfg = tiny_config(tmp_path, steps=60, lr=3e-3, checkpoint_every=100, real_fraction=1.0,
                      model={"encoder": "tiny", "embed_dim": 32})
    trainer = Trainer(cfg, show_progress=False)
    losses = [trainer.train_step() for _ in range(60)]
    assert np.mean(losses[-10:]) < 0.85 * np.mean(losses[:10])


def test_upright_run_trains_in_upright_frames_and_its_model_is_read_in_them(tmp_path):
    """rotation: upright (issue 12 item 9): the material is aligned before training, the saved model says so,
    and evaluation aligns each data set per subject for it (every row alike)."""
    from motionfm.evaluate.benchmark import EvalConfig, Evaluator
    from motionfm.orientation import model_rotation, typical_gravity, window_gravity_directions

    status, trainer = pretrain(tiny_config(tmp_path, rotation="upright", max_tilt_deg=20.0), show_progress=False)
    assert status == "done"
    w = trainer.data.real[0].windows
    for s in np.unique(w.subject):
        assert typical_gravity(window_gravity_directions(w.x[w.subject == s, :, 0, :3])) @ [0, 0, 1] > 0.999
    model = load_model(tmp_path / "model")
    assert model_rotation(model) == "upright"
    ws, *_ = Evaluator(model, "upright", EvalConfig(datasets=["usc-had"])).data("usc-had")
    for s in np.unique(ws.subject):
        assert typical_gravity(window_gravity_directions(ws.x[ws.subject == s, :, 0, :3])) @ [0, 0, 1] > 0.999


def _run_cli(args, env_extra=None, **kw):
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "motionfm.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env, **kw)


def test_sigterm_saves_then_resume_finishes(tmp_path):
    cfg = tiny_config(tmp_path / "run", steps=100000, checkpoint_every=100000)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    proc = _run_cli(["pretrain", "--config", str(tmp_path / "c.yaml")])
    deadline = time.time() + 120
    seen = ""
    while time.time() < deadline and "loss=" not in seen:
        seen += proc.stdout.read(1) or ""
    proc.send_signal(signal.SIGTERM)
    out = seen + proc.communicate(timeout=60)[0]
    assert proc.returncode == 130, out
    assert "interrupted at step" in out
    step = torch.load(tmp_path / "run" / CHECKPOINT, weights_only=True)["step"]
    assert 0 < step < 100000
    proc = _run_cli(["pretrain", "--config", str(tmp_path / "c.yaml"), "--resume", "--steps", str(step + 2)])
    out = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0, out
    assert f"done: {step + 2} steps" in out


@pytest.mark.parametrize("recipe", ["unimts", "primus"])
def test_two_process_ddp_on_cpu(tmp_path, recipe):
    if recipe == "primus":  # ablation-free run; the queue gets both ranks' rows
        cfg = primus_config(tmp_path / "ddp", steps=3, checkpoint_every=3, primus={"nn_min_fill": 8, "queue_size": 64})
    else:
        cfg = tiny_config(tmp_path / "ddp", steps=3, checkpoint_every=3)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
                             "--master_port", "29517", "-m", "motionfm.cli", "pretrain", "--config",
                             str(tmp_path / "c.yaml")], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    state = torch.load(tmp_path / "ddp" / CHECKPOINT, weights_only=True)
    assert state["world"] == 2 and state["step"] == 3 and len(state["gen"]) == 2
    assert not torch.equal(state["gen"][0], state["gen"][1])  # each rank draws its own batches
    assert (tmp_path / "ddp" / "model" / "model.safetensors").exists()
    if recipe == "primus":
        assert state["objective"]["queue"]["count"] == 3 * 2 * cfg.batch_size  # every rank's batch, every step


# --- PRIMUS recipe through the same trainer ----------------------------------------------------------------

def test_primus_loss_goes_down_on_real_data(tmp_path):
    cfg = primus_config(tmp_path, steps=60, lr=3e-3, checkpoint_every=100, real_fraction=1.0, batch_size=16,
                        primus={"nn_min_fill": 32, "queue_size": 64})
    trainer = Trainer(cfg, show_progress=False)
    losses, terms = [], []
    for _ in range(60):
        losses.append(trainer.train_step())
        terms.append(trainer.terms)
    assert set(terms[-1]) == {"ss", "mm", "nn"}
    for key in ("ss", "mm", "nn"):  # every term falls, not just the sum
        assert np.mean([t[key] for t in terms[-10:]]) < np.mean([t[key] for t in terms[:20] if key in t][:10])


def test_primus_resume_restores_the_queue(tmp_path):
    over = dict(steps=6, checkpoint_every=3)
    status, full = pretrain(primus_config(tmp_path / "a", **over), show_progress=False)
    assert status == "done"
    pretrain(primus_config(tmp_path / "b", **over), stop_after=3, show_progress=False)
    saved = torch.load(tmp_path / "b" / CHECKPOINT, weights_only=True)["objective"]["queue"]
    assert saved["count"] == 24  # 3 steps x 8 windows
    status, resumed = pretrain(primus_config(tmp_path / "b", **over), resume=True, show_progress=False)
    qa, qb = full.objective.queue, resumed.objective.queue
    assert (qa.ptr, qa.count) == (qb.ptr, qb.count) and torch.equal(qa.imu, qb.imu)
    a, b = _states(full), _states(resumed)
    assert all(torch.equal(a[k], b[k]) for k in a)  # the queue's neighbours steered steps 4-6 identically
    model = load_model(tmp_path / "b" / "model")
    assert type(model).__name__ == "PrimusModel" and model.metadata["recipe"] == "primus"


def test_weights_spoilt_by_a_step_are_not_checkpointed(tmp_path, monkeypatch):
    """A step whose update left NaN weights (loss still finite) was written as the newest checkpoint, so the
    advice to --resume failed the same way."""
    real_step = Trainer.train_step

    def step(self):
        loss = real_step(self)
        if self.step == 4:
            with torch.no_grad():
                next(self.model.parameters()).view(-1)[0] = float("nan")
        return loss
    monkeypatch.setattr(Trainer, "train_step", step)
    with pytest.raises(ValueError, match="step 4: the model: 1 of .* NaN or infinite.* --resume"):
        pretrain(tiny_config(tmp_path, steps=8), show_progress=False)
    again = Trainer(tiny_config(tmp_path, steps=8), show_progress=False)
    assert again.load_checkpoint() and again.step == 2


def test_out_dir_that_is_a_file_is_named(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ValueError, match="out_dir .*f is a file"):
        pretrain(tiny_config(tmp_path / "f"), show_progress=False)
