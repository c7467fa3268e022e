"""Real activity data sets: registry, loaders, windowing, subject-wise splits."""

from .convert import load_dataset
from .registry import REGISTRY, DatasetSpec, get_spec, registry_names
from .windows import SPLITS, WindowSet

__all__ = ["REGISTRY", "DatasetSpec", "SPLITS", "WindowSet", "get_spec", "load_dataset", "registry_names"]
