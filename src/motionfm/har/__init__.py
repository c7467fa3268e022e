"""Real activity data sets: registry, loaders, windowing, subject-wise splits."""

from .convert import cache_dir, data_root, load_dataset
from .registry import REGISTRY, DatasetSpec, get_spec
from .windows import SPLITS, WindowSet

__all__ = ["REGISTRY", "DatasetSpec", "SPLITS", "WindowSet", "cache_dir", "data_root", "get_spec", "load_dataset"]
