"""The training loop: contrastive pre-training of simulated + real IMU windows with captions, per recipe.

Runs on CPU, one GPU, or many through torchrun (DDP, negatives gathered across ranks). Checkpoints are
written atomically every ``checkpoint_every`` steps with optimizer, scheduler and generator states (the
newest two kept, checkpoint.py) and resume exactly (``resume=True``); SIGTERM/SIGINT make the run save
before it exits. Every step's loss goes to out_dir/metrics.csv (metrics.py).
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
import yaml
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from ..hub import check_finite_weights, save_model
from ..models import create_model
from ..text import load_text_encoder
from .build import build_data
from .checkpoint import (CHECKPOINT, check_same_run, checkpoint_paths, read_checkpoint, upgrade_optimizer_state,
                         write_checkpoint)
from .config import PretrainConfig
from .metrics import METRICS, MetricsLog
from .sampler import draw

__all__ = ["CHECKPOINT", "METRICS", "Trainer", "lr_lambda", "pretrain"]


class StopRequested:
    """Set by SIGTERM/SIGINT: the loop finishes its step, saves, and exits."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._old: dict[int, object] = {}

    def __enter__(self) -> StopRequested:
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.signal = signum

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _setup_distributed(device: str) -> tuple[int, int, torch.device]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asked for, but torch sees no CUDA GPU here: use device: auto or cpu")
    cuda = torch.cuda.is_available() and device in ("auto", "cuda")
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    if cuda:
        torch.backends.cudnn.benchmark = True  # fixed window shapes: let cuDNN pick the fastest kernels
        local = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local)
        return rank, world, torch.device("cuda", local)
    return rank, world, torch.device("cpu" if device == "auto" else device)


def lr_lambda(config: PretrainConfig):
    """Linear warm-up then cosine decay to zero (a factor on the base learning rate)."""
    def factor(step: int) -> float:
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
        return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return factor


class Trainer:
    """One pre-training run (one rank of it under torchrun)."""

    def __init__(self, config: PretrainConfig, show_progress: bool = True) -> None:
        self.config = config
        self.rank, self.world, self.device = _setup_distributed(config.device)
        self.out = Path(config.out_dir)
        self.show_progress = show_progress and self.rank == 0
        if self.rank == 0:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
            self.data = build_data(config, self.show_progress)  # fills the caches first
        self._barrier()
        if self.rank != 0:
            self.data = build_data(config, False)
        if config.rotation == "upright":
            self.data.make_upright()
        if self.data.text_features is None:
            self.data.encode_captions(load_text_encoder(config.model.text_encoder))
        self.text_features = self.data.text_features.to(self.device)
        torch.manual_seed(config.seed)
        if self.data.video_dim and config.model.video_dim != self.data.video_dim:
            raise ValueError(f"video features are {self.data.video_dim}-d; set model.video_dim: {self.data.video_dim}")
        self.recipe = config.recipe_record()
        self.model = create_model(config.model).to(self.device)
        self.objective = self.recipe.objective(config, self.device)
        self.sim_joints = config.sim_joint_ids()
        self.ddp = (DistributedDataParallel(self.model, find_unused_parameters=self.recipe.find_unused_parameters)
                    if self.world > 1 else None)
        self.terms: dict[str, float] = {}
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lr_lambda(config))
        self.gen = torch.Generator().manual_seed(config.seed * 1000 + self.rank)
        self.aug_gen = torch.Generator(device=self.device).manual_seed(config.seed * 1000 + 500 + self.rank)
        self.step = 0
        self.last_lr = config.lr
        self.metrics = MetricsLog(self.out, self.objective.term_names)

    def _barrier(self) -> None:
        if self.world > 1:
            dist.barrier()

    def _gather_states(self) -> tuple[list, list]:
        mine = (self.gen.get_state(), self.aug_gen.get_state().cpu())
        if self.world == 1:
            return [mine[0]], [mine[1]]
        everyone = [None] * self.world
        dist.all_gather_object(everyone, mine)
        return [e[0] for e in everyone], [e[1] for e in everyone]

    def save_checkpoint(self) -> None:
        """Write the full training state (every rank's generators gathered) from rank 0."""
        gens, augs = self._gather_states()
        check_finite_weights(self.model.state_dict(), f"step {self.step}: the model",  # on every rank: none hangs
                             f"the checkpoints in {self.out} are from before it: lower lr, then --resume or --overwrite")
        if self.rank != 0:
            return
        state = {"step": self.step, "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "scheduler": self.scheduler.state_dict(), "gen": gens, "aug_gen": augs,
                 "objective": self.objective.state_dict(), "config": self.config.to_dict(), "world": self.world}
        write_checkpoint(self.out, state)

    def load_checkpoint(self) -> bool:
        """Restore the newest readable checkpoint of out_dir (False when there is none); refuses one written
        by another run (model, batch size, seed, recipe) or by another number of processes."""
        state = read_checkpoint(self.out, self.device)
        if state is None:
            return False
        check_same_run(state["config"], self.config.to_dict())
        if state["world"] != self.world:
            raise ValueError(f"checkpoint was written by {state['world']} processes; resume with the same number")
        self.model.load_state_dict(state["model"])  # parameters added since (channel_missing) start at zero
        self.optimizer.load_state_dict(upgrade_optimizer_state(self.model, state["model"], state["optimizer"]))
        self.scheduler.load_state_dict(state["scheduler"])
        self.gen.set_state(state["gen"][self.rank])
        self.aug_gen.set_state(state["aug_gen"][self.rank].to(self.aug_gen.get_state().device))
        self.objective.load_state_dict(state.get("objective", {}))
        self.step = state["step"]
        return True

    def train_step(self) -> float:
        """Draw, augment and optimise one batch; returns its loss (terms in ``self.terms``)."""
        cfg = self.config
        raw = draw(self.data, cfg.batch_size, self.gen, cfg.real_fraction, self.sim_joints)
        batch = self.recipe.make_batch(raw, cfg, self.device, self.aug_gen)
        net = self.ddp or self.model
        self.model.train()
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=cfg.amp and self.device.type == "cuda"):
            loss, self.terms = self.objective(net, batch, self.text_features, self.aug_gen)
        self.last_lr = self.optimizer.param_groups[0]["lr"]
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1
        return loss.item()

    def run(self, stop_after: int | None = None) -> str:
        """Train to config.steps. Returns 'done', 'stopped' (stop_after reached) or 'interrupted' (signal)."""
        cfg = self.config
        bar = tqdm(total=cfg.steps, initial=self.step, disable=not self.show_progress, desc="pretrain")
        start, first = time.perf_counter(), self.step
        if self.rank == 0:
            self.metrics.start(self.step)
        try:
            return self._loop(bar, start, first, stop_after)
        finally:
            bar.close()
            self.metrics.close()

    def _loop(self, bar: tqdm, start: float, first: int, stop_after: int | None) -> str:
        cfg = self.config
        with StopRequested() as stop:
            while self.step < cfg.steps:
                loss = self.train_step()
                if not math.isfinite(loss):  # the weights are spoilt: stop before a checkpoint keeps them
                    raise ValueError(f"step {self.step}: the loss is {loss} (training diverged); the checkpoints "
                                     f"in {self.out} are from before it: lower lr, then --resume or --overwrite")
                if self.rank == 0:
                    self.metrics.write(self.step, loss, self.last_lr, self.terms)
                rate = (self.step - first) * cfg.batch_size * self.world / (time.perf_counter() - start)
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.3f}", **{k: f"{v:.3f}" for k, v in self.terms.items()},
                                windows_s=f"{rate:.0f}")
                interrupted = stop.signal is not None
                halt = stop_after is not None and self.step >= stop_after
                if self.step % cfg.checkpoint_every == 0 or interrupted or halt or self.step == cfg.steps:
                    self.save_checkpoint()
                if interrupted or halt:
                    return "interrupted" if interrupted else "stopped"
        if self.rank == 0:
            save_model(self.model, self.out / "model", self.metadata())
        return "done"

    def metadata(self) -> dict:
        """What the saved model records about its training; provenance comes from the material trained on."""
        cfg = self.config
        data = self.data
        return {"recipe": cfg.recipe, "architecture": cfg.model.arch, "steps": self.step, "sim_joints": cfg.sites(),
                "motion_corpora": data.corpora, "real_datasets": [r.name for r in data.real], "data": data.names,
                "excluded": cfg.exclude, "seen_datasets": data.seen_datasets, "window_s": cfg.window_s,
                "command": " ".join(sys.argv), "pretrain_config": cfg.to_dict()}


def pretrain(config: PretrainConfig, resume: bool = False, stop_after: int | None = None,
             show_progress: bool = True, overwrite: bool = False) -> tuple[str, Trainer]:
    """Run (or resume) pre-training; returns (status, trainer). The model lands in out_dir/model.

    A folder that already holds a checkpoint is refused unless ``resume`` (continue it) or ``overwrite``
    (its checkpoints and metrics are removed and the run starts again).
    """
    out = Path(config.out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out_dir {out} is a file; give a folder for the checkpoints and the model")
    existing = checkpoint_paths(out)
    if existing and not resume:
        if not overwrite:
            raise ValueError(f"{out} already holds a training checkpoint ({existing[0].name}): continue it with "
                             "--resume, or start again with --overwrite")
        if int(os.environ.get("RANK", "0")) == 0:
            for path in [*existing, out / METRICS]:
                path.unlink(missing_ok=True)
    trainer = Trainer(config, show_progress)
    if resume and not trainer.load_checkpoint() and trainer.rank == 0:
        print(f"no checkpoint in {config.out_dir}: starting from scratch", file=sys.stderr)
    return trainer.run(stop_after), trainer
