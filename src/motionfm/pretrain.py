"""Pre-training (UniMTS recipe): contrastive alignment of simulated + real IMU windows with captions.

Runs on CPU, one GPU, or many through torchrun (DDP, negatives gathered across ranks). Checkpoints are
written atomically every ``checkpoint_every`` steps with optimizer, scheduler and generator states and
resume exactly (``resume=True``); SIGTERM/SIGINT make the run save before it exits.
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import yaml
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from .atomic import atomic_path
from .corpora import load_corpus
from .har import load_dataset
from .hub import save_model
from .models import ModelConfig, build_model
from .objectives import RECIPES, PrimusRecipe, make_objective
from .pretrain_data import PretrainData, load_real
from .simulate import SimConfig
from .skeleton import placement_to_joint
from .text import load_text_encoder

CHECKPOINT = "checkpoint.pt"


@dataclass
class PretrainConfig:
    """Everything a pre-training run depends on; written next to its checkpoints as config.yaml."""

    out_dir: str = "runs/pretrain"
    recipe: str = "unimts"  # or "primus" (with model.arch: primus)
    model: ModelConfig = field(default_factory=ModelConfig)
    primus: PrimusRecipe = field(default_factory=PrimusRecipe)  # used by the primus recipe
    motion_corpora: list[str] = field(default_factory=lambda: ["bandai-namco", "cmu"])
    real_datasets: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=lambda: ["uci-har"])
    real_fraction: float = 0.3
    data_pack: str | None = None  # a folder written by `motionfm pretrain --export-pack`: used instead
    max_clips: int = 0  # per corpus; 0 = all
    data_root: str | None = None
    window_s: float = 10.0
    noise: bool = True
    offset_std: float = 0.02
    max_keep_joints: int = 5
    rotate: bool = True  # random sensor rotation of every window
    sim_joints: list[str] = field(default_factory=list)  # placements simulated windows offer; [] = all 22
    video_features: dict[str, str] = field(default_factory=dict)  # source name -> .npy (items, video_dim)
    batch_size: int = 64
    steps: int = 2000
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 100
    checkpoint_every: int = 200
    seed: int = 0
    device: str = "auto"
    amp: bool = True  # bfloat16 autocast on GPU

    @classmethod
    def from_dict(cls, data: dict) -> PretrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(sorted(unknown))}")
        data = dict(data)
        if isinstance(data.get("model"), dict):
            data["model"] = ModelConfig(**data["model"])
        if isinstance(data.get("primus"), dict):
            data["primus"] = PrimusRecipe(**data["primus"])
        return cls(**data)

    def __post_init__(self) -> None:
        if self.recipe not in RECIPES:
            raise ValueError(f"unknown recipe {self.recipe!r}; known: {', '.join(RECIPES)}")
        if (self.recipe == "primus") != (self.model.arch == "primus"):
            raise ValueError(f"recipe {self.recipe!r} does not train model.arch {self.model.arch!r}: "
                             "the primus recipe goes with arch primus, unimts with stgcn")

    def sim_joint_ids(self) -> list[int] | None:
        """Joint indices of ``sim_joints`` (None: all joints); unknown placements raise listing valid ones."""
        return [placement_to_joint(p) for p in self.sim_joints] if self.sim_joints else None

    @classmethod
    def from_file(cls, path: str | Path) -> PretrainConfig:
        """Load from YAML (.yaml/.yml) or JSON."""
        text = Path(path).read_text()
        return cls.from_dict((yaml.safe_load(text) if str(path).endswith((".yaml", ".yml")) else json.loads(text)) or {})

    def to_dict(self) -> dict:
        return asdict(self)


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


def build_data(config: PretrainConfig, show_progress: bool = True) -> PretrainData:
    """Simulate (cached) the motion corpora and load the real data sets named in the config (or read a pack),
    then attach the configured video features.

    Real windows do not overlap here (stride = window): crops of simulated clips are random anyway.
    """
    data = PretrainData.load_pack(config.data_pack) if config.data_pack else _from_sources(config, show_progress)
    for source, path in config.video_features.items():
        data.attach_video(source, np.load(path))
    return data


def _from_sources(config: PretrainConfig, show_progress: bool) -> PretrainData:
    sim = SimConfig(noise=config.noise, offset_std=config.offset_std, seed=config.seed)
    track = (lambda it: tqdm(it, desc="simulating", leave=False)) if show_progress else (lambda it: it)
    corpora = [load_corpus(name, sim, config.data_root, config.max_clips, track) for name in config.motion_corpora]
    real = load_real(config.real_datasets, config.exclude,
                     lambda n: load_dataset(n, config.data_root, config.window_s, config.window_s,
                                            show_progress=show_progress))
    return PretrainData(corpora, real, int(round(config.window_s * 20)))


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
        if self.data.text_features is None:
            self.data.encode_captions(load_text_encoder(config.model.text_encoder))
        self.text_features = self.data.text_features.to(self.device)
        torch.manual_seed(config.seed)
        if self.data.video_dim and config.model.video_dim != self.data.video_dim:
            raise ValueError(f"video features are {self.data.video_dim}-d; set model.video_dim: {self.data.video_dim}")
        self.model = build_model(config.model).to(self.device)
        self.objective = make_objective(config.recipe, config.primus, config.model.embed_dim, config.model.text_dim,
                                        config.model.video_dim, self.device)
        self.sim_joints = config.sim_joint_ids()
        # PRIMUS ablations leave heads unused; DDP must not wait for their gradients
        self.ddp = (DistributedDataParallel(self.model, find_unused_parameters=config.recipe == "primus")
                    if self.world > 1 else None)
        self.terms: dict[str, float] = {}
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, lr_lambda(config))
        self.gen = torch.Generator().manual_seed(config.seed * 1000 + self.rank)
        self.aug_gen = torch.Generator(device=self.device).manual_seed(config.seed * 1000 + 500 + self.rank)
        self.step = 0

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
        gens, augs = self._gather_states()
        if self.rank != 0:
            return
        state = {"step": self.step, "model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "scheduler": self.scheduler.state_dict(), "gen": gens, "aug_gen": augs,
                 "objective": self.objective.state_dict(), "config": self.config.to_dict(), "world": self.world}
        with atomic_path(self.out / CHECKPOINT) as tmp:
            torch.save(state, tmp)

    def load_checkpoint(self) -> bool:
        path = self.out / CHECKPOINT
        if not path.exists():
            return False
        state = torch.load(path, map_location=self.device, weights_only=True)
        if state["world"] != self.world:
            raise ValueError(f"checkpoint was written by {state['world']} processes; resume with the same number")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.gen.set_state(state["gen"][self.rank])
        self.aug_gen.set_state(state["aug_gen"][self.rank].to(self.aug_gen.get_state().device))
        self.objective.load_state_dict(state.get("objective", {}))
        self.step = state["step"]
        return True

    def train_step(self) -> float:
        cfg = self.config
        batch = self.data.sample(cfg.batch_size, self.gen, cfg.real_fraction, self.aug_gen, self.device,
                                 cfg.max_keep_joints, self.sim_joints, cfg.rotate)
        net = self.ddp or self.model
        self.model.train()
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=cfg.amp and self.device.type == "cuda"):
            loss, self.terms = self.objective(net, batch, self.text_features, self.aug_gen)
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
        with StopRequested() as stop:
            while self.step < cfg.steps:
                loss = self.train_step()
                rate = (self.step - first) * cfg.batch_size * self.world / (time.perf_counter() - start)
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.3f}", **{k: f"{v:.3f}" for k, v in self.terms.items()},
                                windows_s=f"{rate:.0f}")
                interrupted = stop.signal is not None
                halt = stop_after is not None and self.step >= stop_after
                if self.step % cfg.checkpoint_every == 0 or interrupted or halt or self.step == cfg.steps:
                    self.save_checkpoint()
                if interrupted or halt:
                    bar.close()
                    return "interrupted" if interrupted else "stopped"
        bar.close()
        if self.rank == 0:
            save_model(self.model, self.out / "model", self.metadata())
        return "done"

    def metadata(self) -> dict:
        cfg = self.config
        return {"recipe": cfg.recipe, "architecture": cfg.model.arch, "steps": self.step, "sim_joints": cfg.sim_joints, "motion_corpora": cfg.motion_corpora,
                "real_datasets": cfg.real_datasets, "data": self.data.names, "excluded": cfg.exclude,
                "seen_datasets": sorted(set(cfg.real_datasets)), "window_s": cfg.window_s,
                "command": " ".join(sys.argv), "pretrain_config": cfg.to_dict()}


def pretrain(config: PretrainConfig, resume: bool = False, stop_after: int | None = None,
             show_progress: bool = True) -> tuple[str, Trainer]:
    """Run (or resume) pre-training; returns (status, trainer). The model lands in out_dir/model."""
    trainer = Trainer(config, show_progress)
    if resume and not trainer.load_checkpoint() and trainer.rank == 0:
        print(f"no checkpoint in {config.out_dir}: starting from scratch", file=sys.stderr)
    return trainer.run(stop_after), trainer
