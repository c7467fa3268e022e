"""The leave-one-data-set-out family: from one base config, a model per data set D trained on everything
available except D (every other labelled real data set's train subjects + the base's motion corpora), and a
simulation-only model (no real IMU at all).

Members differ from each other only in ``real_datasets``, ``exclude`` and ``out_dir``; the schedule, model and
text supervision come from the base config unchanged. Each member's ``seen_datasets`` is derived from the
material it trains on (trainer.metadata), so the zero-shot guard holds by construction.

Layout: FAMILY/without-<D>/model for each D, FAMILY/sim-only/model, FAMILY/family.json (members, schedule).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from ..atomic import atomic_path
from ..har import REGISTRY, get_spec, registry_names
from .config import PretrainConfig

SIM_ONLY = "sim-only"
FAMILY_FILE = "family.json"
MEMBER_KEYS = ("real_datasets", "exclude", "out_dir")  # the only config values members differ in


def zero_shot_datasets() -> list[str]:
    """Registry data sets with class names (the ones that give IMU-text pairs and can be scored zero-shot)."""
    return [name for name, spec in REGISTRY.items() if not spec.supervised_only]


def member_name(left_out: str) -> str:
    """Folder name of the model trained without ``left_out`` ('without-uci-har')."""
    return f"without-{get_spec(left_out).name}"


def _universe(datasets: Sequence[str] | None) -> list[str]:
    names = registry_names(datasets or zero_shot_datasets())
    for name in names:
        if get_spec(name).supervised_only:
            raise ValueError(f"{name} has no class names, so it cannot be in a zero-shot family")
    return names


def leave_out_config(base: PretrainConfig, left_out: str, datasets: Sequence[str] | None = None,
                     out_dir: str | Path | None = None) -> PretrainConfig:
    """``base`` trained on every data set of ``datasets`` (default: all with class names) except
    ``left_out``, which goes on the exclusion list; everything else as in ``base``."""
    names = _universe(datasets)
    left_out = get_spec(left_out).name
    if left_out not in names:
        raise ValueError(f"{left_out} is not among the family's data sets ({', '.join(names)})")
    return base.replace(real_datasets=[n for n in names if n != left_out], exclude=[left_out],
                        out_dir=str(out_dir if out_dir is not None else base.out_dir))


def sim_only_config(base: PretrainConfig, datasets: Sequence[str] | None = None,
                    out_dir: str | Path | None = None) -> PretrainConfig:
    """``base`` with no real IMU in pre-training: only the motion corpora; every data set excluded."""
    if not base.motion_corpora:
        raise ValueError("a simulation-only model needs motion_corpora in the base config")
    return base.replace(real_datasets=[], exclude=_universe(datasets),
                        out_dir=str(out_dir if out_dir is not None else base.out_dir))


def family_configs(base: PretrainConfig, family_dir: str | Path, datasets: Sequence[str] | None = None,
                   sim_only: bool = True) -> dict[str, PretrainConfig]:
    """Member name -> config: 'without-<D>' for each data set, then 'sim-only' (when ``sim_only``)."""
    family_dir = Path(family_dir)
    members = {member_name(d): leave_out_config(base, d, datasets, family_dir / member_name(d))
               for d in _universe(datasets)}
    if sim_only:
        members[SIM_ONLY] = sim_only_config(base, datasets, family_dir / SIM_ONLY)
    return members


def schedule(config: PretrainConfig) -> dict:
    """What every member shares: the config without the values members differ in."""
    return {k: v for k, v in config.to_dict().items() if k not in MEMBER_KEYS}


def write_family_file(family_dir: str | Path, members: dict[str, PretrainConfig]) -> Path:
    """FAMILY/family.json: each member's left-out data set and model folder, and the shared schedule."""
    family_dir = Path(family_dir)
    family_dir.mkdir(parents=True, exist_ok=True)
    first = next(iter(members.values()))
    info = {"members": {name: {"left_out": None if name == SIM_ONLY else cfg.exclude[0],
                               "real_datasets": cfg.real_datasets, "model": f"{name}/model"}
                        for name, cfg in members.items()},
            "schedule": schedule(first)}
    with atomic_path(family_dir / FAMILY_FILE, suffix=".json") as tmp:
        tmp.write_text(json.dumps(info, indent=1))
    return family_dir / FAMILY_FILE


def train_family(base: PretrainConfig, family_dir: str | Path, datasets: Sequence[str] | None = None,
                 sim_only: bool = True, only: Sequence[str] | None = None, overwrite: bool = False,
                 show_progress: bool = True, on_member: Callable[[str, str], None] = lambda name, status: None,
                 ) -> dict[str, str]:
    """Train every member (or the ``only`` ones) in turn; returns member -> status: 'done', 'kept' (its
    model exists, trained with this member's config), or the trainer's 'stopped'/'interrupted' (the loop
    then ends). A member folder holding a checkpoint continues from it, so a family can be built over several
    sessions; ``overwrite`` trains every member again from scratch."""
    from .trainer import pretrain

    members = family_configs(base, family_dir, datasets, sim_only)
    unknown = set(only or ()) - set(members)
    if unknown:
        raise ValueError(f"no member {', '.join(sorted(unknown))} in this family; members: {', '.join(members)}")
    write_family_file(family_dir, members)
    statuses = {}
    for name, cfg in members.items():
        if only and name not in only:
            continue
        if not overwrite and _kept(cfg):
            statuses[name] = "kept"
        else:
            statuses[name], _ = pretrain(cfg, resume=not overwrite, overwrite=overwrite, show_progress=show_progress)
        on_member(name, statuses[name])
        if statuses[name] == "interrupted":
            break
    return statuses


def _kept(cfg: PretrainConfig) -> bool:
    """Whether cfg.out_dir/model exists from this very config (ValueError when it came from another one)."""
    path = Path(cfg.out_dir) / "model" / "config.json"
    if not path.exists():
        return False
    saved = json.loads(path.read_text()).get("metadata", {}).get("pretrain_config") or {}
    wanted = json.loads(json.dumps(cfg.to_dict()))  # as saved: tuples become lists
    diff = sorted(k for k in wanted if k not in ("out_dir", "data_root", "device") and saved.get(k) != wanted[k])
    if diff:
        raise ValueError(f"{path.parent} was trained with other settings ({', '.join(diff)}): use another family "
                         "folder, or --overwrite to train the family again")
    return True
