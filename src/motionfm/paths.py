"""Where motionfm reads data and keeps caches. A leaf module: it imports nothing from motionfm.

Data root: an explicit argument (the CLI's --data), else $MOTIONFM_DATA, else ``shared/data`` beside the
repository that holds this package (the layout of a development checkout), never the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"  # src/motionfm/paths.py -> ../shared/data


def data_root(root: str | Path | None = None) -> Path:
    """The folder of the staged data sets: ``root``, else $MOTIONFM_DATA, else the repository's ../shared/data."""
    if root is not None:
        return Path(root)
    if os.environ.get("MOTIONFM_DATA"):
        return Path(os.environ["MOTIONFM_DATA"])
    return REPOSITORY_DATA


def cache_dir(kind: str) -> Path:
    """The cache folder for ``kind`` ('har', 'sim', 'text'): under $MOTIONFM_CACHE, else the user cache."""
    if os.environ.get("MOTIONFM_CACHE"):
        return Path(os.environ["MOTIONFM_CACHE"]) / kind
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("motionfm")) / kind
