"""The IMU encoder of each architecture: its named configurations and its module class.

A leaf of the model package (``imu_text`` asks it; the model registry in ``models/__init__`` builds on it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from .rnn import CONFIGS as PRIMUS_CONFIGS
from .rnn import PrimusEncoder, primus_config
from .stgcn import CONFIGS as STGCN_CONFIGS
from .stgcn import STGCN, stgcn_config


@dataclass(frozen=True)
class Encoder:
    """How to make one architecture's encoder: ``config(name, **overrides)`` then ``module(config)``."""

    config: Callable[..., object]
    module: Callable[[object], nn.Module]
    names: tuple[str, ...]  # the named configurations


ENCODERS: dict[str, Encoder] = {
    "stgcn": Encoder(stgcn_config, STGCN, tuple(STGCN_CONFIGS)),
    "primus": Encoder(primus_config, PrimusEncoder, tuple(PRIMUS_CONFIGS)),
}


def get_encoder(arch: str) -> Encoder:
    """The encoder record of an architecture name; ValueError listing the known ones."""
    if arch not in ENCODERS:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ENCODERS)}")
    return ENCODERS[arch]
