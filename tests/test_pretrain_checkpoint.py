"""pretrain/checkpoint.py and the trainer's use of it: no silent overwrite, same-run resume, two checkpoints
kept with fallback, damaged files as one-line errors."""

import subprocess
import sys

import pytest
import torch
import yaml

from conftest import pack_config
from motionfm.pretrain import CHECKPOINT, pretrain
from motionfm.pretrain.checkpoint import PREVIOUS, check_same_run, read_checkpoint, read_state


def test_a_folder_with_a_checkpoint_is_not_overwritten(tmp_path):
    pretrain(pack_config(tmp_path), stop_after=2, show_progress=False)
    before = (tmp_path / "run" / CHECKPOINT).read_bytes()
    with pytest.raises(ValueError, match="already holds a training checkpoint .*--resume, or start again with --overwrite"):
        pretrain(pack_config(tmp_path), show_progress=False)
    assert (tmp_path / "run" / CHECKPOINT).read_bytes() == before
    status, trainer = pretrain(pack_config(tmp_path, steps=3), overwrite=True, show_progress=False)
    assert status == "done" and trainer.step == 3
    assert torch.load(tmp_path / "run" / CHECKPOINT, weights_only=True)["step"] == 3


@pytest.mark.parametrize("change, message", [
    ({"seed": 1}, "seed: checkpoint 0, config 1"), ({"batch_size": 8}, "batch_size: checkpoint 4, config 8"),
    ({"model": {"encoder": "small", "embed_dim": 8, "text_dim": 384}}, "model.encoder: checkpoint 'tiny', config 'small'")])
def test_resume_refuses_another_run(tmp_path, change, message):
    pretrain(pack_config(tmp_path), stop_after=2, show_progress=False)
    with pytest.raises(ValueError, match=message) as err:
        pretrain(pack_config(tmp_path, **change), resume=True, show_progress=False)
    assert "\n" not in str(err.value)
    status, trainer = pretrain(pack_config(tmp_path, steps=6), resume=True, show_progress=False)  # steps may grow
    assert status == "done" and trainer.step == 6


def test_check_same_run_lists_every_change():
    saved = {"seed": 0, "batch_size": 4, "model": {"arch": "stgcn", "encoder": "tiny"}, "lr": 1.0}
    check_same_run(saved, {**saved, "lr": 2.0, "steps": 9})  # learning rate and length may change
    with pytest.raises(ValueError, match=r"batch_size: checkpoint 4, config 5; model.encoder: checkpoint 'tiny', "
                                         r"config 'small'; seed: checkpoint 0, config 2"):
        check_same_run(saved, {**saved, "seed": 2, "batch_size": 5, "model": {"arch": "stgcn", "encoder": "small"}})


def test_the_previous_checkpoint_is_kept_and_used_when_the_newest_is_damaged(tmp_path, capsys):
    pretrain(pack_config(tmp_path), stop_after=4, show_progress=False)  # checkpoints at steps 2 and 4
    run = tmp_path / "run"
    assert torch.load(run / CHECKPOINT, weights_only=True)["step"] == 4
    assert torch.load(run / PREVIOUS, weights_only=True)["step"] == 2
    (run / CHECKPOINT).write_bytes((run / CHECKPOINT).read_bytes()[:1000])  # cut short
    assert read_checkpoint(run)["step"] == 2
    assert "resuming from the previous checkpoint checkpoint.prev.pt (step 2)" in capsys.readouterr().err
    status, trainer = pretrain(pack_config(tmp_path, steps=5), resume=True, show_progress=False)
    assert status == "done" and trainer.step == 5


class _NotATensor:
    pass


@pytest.mark.parametrize("content, reason", [
    (b"", "empty or cut short"), (b"garbage bytes, not a checkpoint" * 4, "not a PyTorch checkpoint"),
    ("truncated", "not a complete PyTorch file"), ("object", "holds objects other than tensors"),
    ("dict", "not a motionfm training checkpoint \\(missing step, model")])
def test_damaged_checkpoints_give_one_line(tmp_path, content, reason):
    path = tmp_path / CHECKPOINT
    if content == "truncated":
        torch.save({"w": torch.ones(1000)}, path)
        path.write_bytes(path.read_bytes()[:500])
    elif content == "object":
        torch.save({"x": _NotATensor()}, path)
    elif content == "dict":
        torch.save({"weights": torch.ones(3)}, path)
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=reason) as err:
        read_state(path)
    assert "\n" not in str(err.value) and "weights_only" not in str(err.value)
    with pytest.raises(ValueError, match="no readable checkpoint: .*start again with --overwrite"):
        read_checkpoint(tmp_path)


def test_cli_refuses_overwrite_and_damaged_resume_in_one_line(tmp_path):
    cfg = pack_config(tmp_path, steps=2)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg.to_dict()))
    pretrain(cfg, show_progress=False)

    def cli(*args):
        result = subprocess.run([sys.executable, "-m", "motionfm.cli", "pretrain", "--config", str(tmp_path / "c.yaml"),
                                 *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
        return result.returncode, result.stdout
    code, out = cli()
    assert code == 2 and "--overwrite" in out and "Traceback" not in out and len(out.strip().splitlines()) == 1
    for name in (CHECKPOINT, PREVIOUS):
        (tmp_path / "run" / name).write_bytes(b"")
    code, out = cli("--resume")
    assert code == 2 and "no readable checkpoint" in out and "Traceback" not in out and "weights_only" not in out
    assert cli("--overwrite")[0] == 0


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_cuda_without_a_gpu_is_refused_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="no CUDA GPU here: use device: auto or cpu"):
        pretrain(pack_config(tmp_path, device="cuda"), show_progress=False)
    assert not (tmp_path / "run" / "config.yaml").exists()


def test_optimizer_state_from_before_a_parameter_was_added_moves_to_the_right_parameters():
    from motionfm.models import ModelConfig, create_model
    from motionfm.pretrain.checkpoint import upgrade_optimizer_state

    model = create_model(ModelConfig(encoder="tiny", embed_dim=8))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randn(2, 40, 22, 6), torch.ones(2, 22, dtype=torch.bool), torch.randn(2, 384)).backward()
    opt.step()
    names = [n for n, _ in model.named_parameters()]
    added = names.index("encoder.channel_missing")
    saved_model = {k: v for k, v in model.state_dict().items() if k != "encoder.channel_missing"}
    full = opt.state_dict()
    old_ids = [i for i in range(len(names)) if i != added]  # what the optimizer held before the parameter existed
    old = {"state": {j: full["state"][i] for j, i in enumerate(old_ids)},
           "param_groups": [{**full["param_groups"][0], "params": list(range(len(old_ids)))}]}
    upgraded = upgrade_optimizer_state(model, saved_model, old)
    assert upgraded["param_groups"][0]["params"] == list(range(len(names))) and added not in upgraded["state"]
    for i in old_ids:
        assert torch.equal(upgraded["state"][i]["exp_avg"], full["state"][i]["exp_avg"])
    torch.optim.AdamW(model.parameters(), lr=1e-3).load_state_dict(upgraded)  # loads: sizes match
    assert upgrade_optimizer_state(model, model.state_dict(), full) is full  # current checkpoints: untouched
