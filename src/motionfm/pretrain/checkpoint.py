"""Training checkpoints on disk: the newest two are kept, a damaged newest falls back to the older one, and
damaged files give one-line errors. Resuming checks that the run is the same run (model, batch, seed)."""

from __future__ import annotations

import os
import pickle
import sys
import zipfile
from pathlib import Path

import torch

from ..atomic import atomic_path

CHECKPOINT = "checkpoint.pt"
PREVIOUS = "checkpoint.prev.pt"
REQUIRED = ("step", "model", "optimizer", "scheduler", "gen", "aug_gen", "config", "world")
SAME_RUN = ("recipe", "model", "primus", "batch_size", "seed")  # a resumed run must not change these


def checkpoint_paths(folder: str | Path) -> list[Path]:
    """The checkpoint files of a run folder that exist, newest first."""
    return [p for p in (Path(folder) / CHECKPOINT, Path(folder) / PREVIOUS) if p.exists()]


def write_checkpoint(folder: str | Path, state: dict) -> Path:
    """Write ``state`` atomically as the newest checkpoint; the one it replaces becomes the previous one."""
    path = Path(folder) / CHECKPOINT
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
        if path.exists():
            os.replace(path, Path(folder) / PREVIOUS)
    return path


def _why_unreadable(err: BaseException) -> str:
    """A short reason (torch's own messages can run to pages and advise unsafe loading)."""
    if isinstance(err, EOFError):
        return "empty or cut short"
    if isinstance(err, pickle.UnpicklingError) and "Unsupported global" in str(err):
        return "holds objects other than tensors and plain values (not loaded, for safety)"
    if isinstance(err, (RuntimeError, zipfile.BadZipFile)):
        return "not a complete PyTorch file (truncated or corrupt)"
    if isinstance(err, OSError):
        return err.strerror or type(err).__name__
    return "not a PyTorch checkpoint"


def read_state(path: Path, device: torch.device | str = "cpu") -> dict:
    """One checkpoint file's state; ValueError with a one-line reason when it is unreadable."""
    try:
        state = torch.load(path, map_location=device, weights_only=True)
    except Exception as err:  # torch raises EOFError, KeyError, RuntimeError, UnpicklingError, ... on bad files
        raise ValueError(f"{path}: {_why_unreadable(err)}") from None
    missing = [k for k in REQUIRED if not isinstance(state, dict) or k not in state]
    if missing:
        raise ValueError(f"{path}: not a motionfm training checkpoint (missing {', '.join(missing)})")
    return state


def read_checkpoint(folder: str | Path, device: torch.device | str = "cpu") -> dict | None:
    """The newest readable checkpoint of a run folder (None when there is none); says on stderr when it
    falls back to the previous one, and raises a one-line ValueError when none is readable."""
    problems = []
    for path in checkpoint_paths(folder):
        try:
            state = read_state(path, device)
        except ValueError as err:
            problems.append(str(err))
            continue
        if problems:
            print(f"{problems[0]}; resuming from the previous checkpoint {path.name} (step {state['step']})",
                  file=sys.stderr)
        return state
    if problems:
        raise ValueError(f"no readable checkpoint: {'; '.join(problems)}; start again with --overwrite")
    return None


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        out.update(_flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


def check_same_run(saved: dict, config: dict) -> None:
    """Refuse to resume when the checkpoint's config differs from ``config`` in what defines the run
    (``SAME_RUN``): one line listing each changed value."""
    old = _flat({k: saved.get(k) for k in SAME_RUN if k in saved})
    new = _flat({k: config.get(k) for k in SAME_RUN if k in saved})
    diff = [f"{k}: checkpoint {old.get(k)!r}, config {new.get(k)!r}" for k in sorted(set(old) | set(new))
            if old.get(k) != new.get(k)]
    if diff:
        raise ValueError(f"the checkpoint was written by another run ({'; '.join(diff)}): resume with the "
                         "checkpoint's settings, or start again with --overwrite")


def upgrade_optimizer_state(model: torch.nn.Module, saved_model: dict, optimizer_state: dict) -> dict:
    """An optimizer state dict saved when ``model`` had fewer parameters (a checkpoint written before a parameter
    such as ``channel_missing`` was added): each saved parameter's state moved to its current position, added
    parameters starting fresh. Returned unchanged when the counts already agree (or it is not one group)."""
    names = [n for n, _ in model.named_parameters()]
    kept = [i for i, n in enumerate(names) if n in saved_model]
    groups = optimizer_state["param_groups"]
    if len(groups) != 1 or len(groups[0]["params"]) == len(names) or len(groups[0]["params"]) != len(kept):
        return optimizer_state
    state = {kept[int(i)]: v for i, v in optimizer_state["state"].items()}
    return {"state": state, "param_groups": [{**groups[0], "params": list(range(len(names)))}]}
