"""PretrainConfig: everything a run depends on, checked (types, names, recipe) before any work starts."""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import yaml

from .. import corpora
from ..har import get_spec
from ..models import ModelConfig
from ..orientation import ROTATIONS
from ..skeleton import NUM_JOINTS, placement_to_joint
from ..windows import MIN_WINDOW_S, RATE_HZ
from .objectives import PrimusRecipe
from .recipes import Recipe, get_recipe

MAX_WINDOW_S = 600.0  # seconds; longer training windows would not fit a batch in memory (the paper: 10 s)


@dataclass
class PretrainConfig:
    """Everything a pre-training run depends on; written next to its checkpoints as config.yaml."""

    out_dir: str = "runs/pretrain"
    recipe: str = "unimts"  # a key of recipes.RECIPES; model.arch must be the recipe's architecture
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
    rotation: str = "so3"  # so3: uniform random frames; upright: frames with typical gravity on +z, random heading
    max_tilt_deg: float = 30.0  # upright: the largest random tilt away from the upright frame
    gyro_dropout: float = 0.0  # chance a window loses its gyroscope (acc-only input in distribution; configs/ use 0.2)
    gravity_removal: float = 0.0  # chance a window's acceleration becomes linear (gravity removed as phones do)
    sim_joints: list[str] | None = None  # placements simulated windows offer; None = the recipe's, [] = all 22
    video_features: dict[str, str] = field(default_factory=dict)  # source name -> .npy (items, video_dim)
    rich_captions: bool = False  # motion clips get several hand-written phrasings (motionfm.captions)
    real_synonyms: bool = True  # real windows are captioned with their class's registry synonyms too
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
        """Build from plain values (a parsed YAML/JSON file); ValueError naming the first bad key."""
        if not isinstance(data, dict):
            raise ValueError(f"a pre-training config is a mapping of keys to values; got {type(data).__name__}")
        data = check_types(cls, data)
        if isinstance(data.get("model"), dict):
            data["model"] = ModelConfig(**check_types(ModelConfig, data["model"], "model."))
        if isinstance(data.get("primus"), dict):
            data["primus"] = PrimusRecipe(**check_types(PrimusRecipe, data["primus"], "primus."))
        return cls(**data)

    @classmethod
    def from_file(cls, path: str | Path) -> PretrainConfig:
        """Load from YAML (.yaml/.yml) or JSON; ValueError for unreadable or malformed files."""
        text = Path(path).read_text()
        try:
            data = yaml.safe_load(text) if str(path).endswith((".yaml", ".yml")) else json.loads(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise ValueError(f"not valid YAML{where}: {getattr(err, 'problem', None) or err}") from None
        except json.JSONDecodeError as err:
            raise ValueError(f"not valid JSON at line {err.lineno}: {err.msg}") from None
        return cls.from_dict(data or {})

    def __post_init__(self) -> None:
        for key, value in check_types(type(self), {f.name: getattr(self, f.name) for f in fields(self)}).items():
            setattr(self, key, value)
        check_types(ModelConfig, asdict(self.model), "model.")
        check_types(PrimusRecipe, asdict(self.primus), "primus.")
        recipe = get_recipe(self.recipe)
        if self.model.arch != recipe.architecture:
            raise ValueError(f"recipe {self.recipe!r} trains model.arch {recipe.architecture!r}, not "
                             f"{self.model.arch!r}: set model.arch: {recipe.architecture}")
        try:
            encoder = self.model.encoder_config()
        except TypeError as err:
            raise ValueError(f"model.encoder_overrides: {err}") from None
        check_types(type(encoder), asdict(encoder), "model.encoder_overrides.")
        if self.video_features and not recipe.video:
            raise ValueError(f"recipe {self.recipe!r} has no video head, so video_features would be ignored: "
                             "remove them or use a recipe with video (primus)")
        self.real_datasets = [get_spec(n).name for n in self.real_datasets]
        self.exclude = [get_spec(n).name for n in self.exclude]
        check_not_excluded(self.real_datasets, self.exclude)
        for name in self.real_datasets:
            if get_spec(name).supervised_only:
                raise ValueError(f"{name} has no class names, so it cannot give IMU-text pairs")
        for name in self.motion_corpora:
            corpora._inputs(name, Path("."))  # ValueError naming the known corpora
        for key in ("motion_corpora", "real_datasets", "exclude"):
            twice = sorted({n for n in getattr(self, key) if getattr(self, key).count(n) > 1})
            if twice:
                raise ValueError(f"{key} names {', '.join(twice)} more than once; give each once")
        if self.real_fraction == 1.0 and not self.real_datasets and not self.data_pack:
            raise ValueError("real_fraction 1.0 asks for real windows only, but real_datasets is empty: name the "
                             "real data sets, or lower real_fraction")
        _check_device(self.device)
        self.sim_joint_ids()
        _check_ranges(self)

    def recipe_record(self) -> Recipe:
        return get_recipe(self.recipe)

    def sites(self) -> list[str]:
        """Placements simulated windows offer: ``sim_joints``, or the recipe's when unset ([] = all 22)."""
        return list(self.recipe_record().sensor_sites) if self.sim_joints is None else list(self.sim_joints)

    def sim_joint_ids(self) -> list[int] | None:
        """Joint indices of the offered placements (None: all joints); unknown placements raise listing valid ones."""
        sites = self.sites()
        return [placement_to_joint(p) for p in sites] if sites else None

    def window_samples(self) -> int:
        """Samples per training window at the canonical 20 Hz."""
        return int(round(self.window_s * RATE_HZ))

    def replace(self, **changes) -> PretrainConfig:
        """A copy with fields changed, validated again."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)


def check_not_excluded(names: list[str], exclude: list[str]) -> None:
    """Refuse data sets on the exclusion list (names compared in the registry's spelling)."""
    banned = {get_spec(n).name for n in exclude}
    for name in names:
        if get_spec(name).name in banned:
            raise ValueError(f"{name} is on the exclusion list (kept out of pre-training for honest zero-shot "
                             f"evaluation); remove it from real_datasets or from exclude")


def _check_device(name: str) -> None:
    """ValueError unless ``name`` is 'auto' or a device torch can name (cpu, cuda, cuda:1, mps, ...)."""
    if name == "auto":
        return
    try:
        torch.device(name)
    except (RuntimeError, ValueError):
        raise ValueError(f"device must be auto, cpu, cuda or cuda:N; got {name!r}") from None


def _check_ranges(c: PretrainConfig) -> None:
    finite = [k for k in ("window_s", "lr", "weight_decay", "offset_std", "real_fraction") if not math.isfinite(getattr(c, k))]
    if finite:
        raise ValueError(f"{finite[0]} must be a finite number; got {getattr(c, finite[0])}")
    rules = [("steps", c.steps >= 1, "at least 1"), ("batch_size", c.batch_size >= 1, "at least 1"),
             ("checkpoint_every", c.checkpoint_every >= 1, "at least 1"),
             ("warmup_steps", c.warmup_steps >= 0, "0 or more"), ("max_clips", c.max_clips >= 0, "0 or more"),
             ("max_keep_joints", 1 <= c.max_keep_joints <= NUM_JOINTS, f"between 1 and {NUM_JOINTS}"),
             ("seed", c.seed >= 0, "0 or more"),
             ("real_fraction", 0.0 <= c.real_fraction <= 1.0, "between 0 and 1"),
             ("gyro_dropout", 0.0 <= c.gyro_dropout <= 1.0, "between 0 and 1"),
             ("gravity_removal", 0.0 <= c.gravity_removal <= 1.0, "between 0 and 1"),
             ("rotation", c.rotation in ROTATIONS, f"one of {', '.join(ROTATIONS)}"),
             ("max_tilt_deg", 0.0 <= c.max_tilt_deg <= 180.0, "between 0 and 180"),
             ("window_s", MIN_WINDOW_S <= c.window_s <= MAX_WINDOW_S, f"between {MIN_WINDOW_S:g} and {MAX_WINDOW_S:g} s"),
             ("lr", 0 < c.lr <= 1, "above 0 and at most 1 (AdamW diverges beyond)"),
             ("weight_decay", c.weight_decay >= 0, "0 or more"), ("offset_std", c.offset_std >= 0, "0 or more")]
    for key, ok, what in rules:
        if not ok:
            raise ValueError(f"{key} must be {what}; got {getattr(c, key)}")


def check_types(cls: type, data: dict, prefix: str = "") -> dict:
    """``data`` with every value checked against the dataclass field types of ``cls`` (numbers in quotes, as
    YAML reads '1e-3', become floats); ValueError naming the key, the expected type and the value."""
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown config keys: {', '.join(prefix + k for k in sorted(unknown))}")
    out = dict(data)
    for key, value in data.items():
        hint = hints[key]
        if hint is float and isinstance(value, str):
            try:
                out[key] = value = float(value)
            except ValueError:
                pass
        if not _fits(value, hint):
            raise ValueError(f"{prefix}{key} must be {_describe(hint)}; got {value!r}")
    return out


def _fits(value, hint) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin is list:
        return isinstance(value, list) and all(_fits(v, args[0]) for v in value)
    if origin is tuple:
        return isinstance(value, (list, tuple)) and all(_fits(v, args[0]) for v in value)
    if origin is dict or hint is dict:
        return isinstance(value, dict) and (not args or all(_fits(k, args[0]) and _fits(v, args[1])
                                                            for k, v in value.items()))
    if dataclasses.is_dataclass(hint):
        return isinstance(value, (hint, dict))
    return True


_PLURAL = {str: "strings", int: "integers", float: "numbers", bool: "true/false values"}


def _describe(hint) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in args)
    if hint is type(None):
        return "null"
    if origin in (list, tuple):
        return "a list of " + _PLURAL.get(args[0], _describe(args[0]))
    if origin is dict or hint is dict:
        return "a mapping" + (f" of {_describe(args[0])} to {_describe(args[1])}" if args else "")
    if dataclasses.is_dataclass(hint):
        return "a mapping"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}.get(hint, str(hint))
