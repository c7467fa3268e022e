"""Model registry in open_clip's style: ``create_model(name_or_config)`` and ``list_models()``.

One record per architecture says which model class trains and serves it and what export can do with it.
Named models are ``<arch>-<encoder config>`` (``primus`` and ``primus-tiny`` keep their own names).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .encoders import ENCODERS, get_encoder
from .imu_text import ImuTextModel, ModelConfig
from .primus import PrimusModel


@dataclass(frozen=True)
class Architecture:
    """What the rest of the toolkit may ask about an architecture (instead of comparing its name)."""

    name: str
    model_class: type[ImuTextModel]
    onnx_dynamic_time: bool  # False: ONNX graphs take only the exported window length (adaptive pooling)
    video_head: bool  # whether the model can project precomputed video features

    @property
    def encoder_names(self) -> tuple[str, ...]:
        return get_encoder(self.name).names


ARCHITECTURES: dict[str, Architecture] = {
    "stgcn": Architecture("stgcn", ImuTextModel, onnx_dynamic_time=True, video_head=False),
    "primus": Architecture("primus", PrimusModel, onnx_dynamic_time=False, video_head=True),
}
assert set(ARCHITECTURES) == set(ENCODERS), "every encoder needs an architecture record"


def get_architecture(name: str) -> Architecture:
    """The record of an architecture name (``ModelConfig.arch``); ValueError listing the known ones."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; known: {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[name]


def _model_name(arch: str, encoder: str) -> str:
    return encoder if encoder.startswith(arch) else f"{arch}-{encoder}"


def _named_configs() -> dict[str, ModelConfig]:
    return {_model_name(a, e): ModelConfig(arch=a, encoder=e) for a in ARCHITECTURES for e in get_encoder(a).names}


def list_models() -> list[str]:
    """Names ``create_model`` accepts, e.g. 'stgcn-small', 'primus', 'primus-tiny'."""
    return sorted(_named_configs())


def model_config(name_or_config: str | dict | ModelConfig, **overrides) -> ModelConfig:
    """A ModelConfig from a registered name, a dict of its fields or a ModelConfig, with field overrides."""
    if isinstance(name_or_config, str):
        named = _named_configs()
        if name_or_config not in named:
            raise ValueError(f"unknown model {name_or_config!r}; known: {', '.join(sorted(named))}")
        base = named[name_or_config].to_dict()
    elif isinstance(name_or_config, ModelConfig):
        base = name_or_config.to_dict()
    elif isinstance(name_or_config, dict):
        base = dict(name_or_config)
    else:
        raise TypeError(f"create_model takes a model name, a dict or a ModelConfig; got {type(name_or_config).__name__}")
    merged = {**base, **overrides}
    unknown = set(merged) - {f.name for f in fields(ModelConfig)}
    if unknown:
        raise ValueError(f"unknown model config keys: {', '.join(sorted(unknown))}")
    return ModelConfig(**merged)


def create_model(name_or_config: str | dict | ModelConfig, **overrides) -> ImuTextModel:
    """A freshly initialised model: the architecture's model class built from the config.

    ``create_model('stgcn-small', embed_dim=128)``, ``create_model(ModelConfig(arch='primus', encoder='primus'))``.
    """
    config = model_config(name_or_config, **overrides)
    return get_architecture(config.arch).model_class(config)
