"""Build a run's Material: simulate (cached) the motion corpora and load the real train splits, or read a
data pack. Either way the exclusion, consistency and video checks run on the material itself."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from tqdm import tqdm

from ..captions import enrich_corpus
from ..corpora import load_corpus
from ..har import WindowSet, get_spec, load_dataset
from ..simulate import SimConfig
from .config import PretrainConfig, check_not_excluded
from .material import Material
from .pack import BUILD_DEFAULTS, BUILD_KEYS, load_pack, read_meta


def load_real(names: list[str], exclude: list[str], loader: Callable[[str], WindowSet]) -> list[WindowSet]:
    """Train splits of the named data sets (names in any spelling the registry knows); refuses an excluded
    data set, an unknown one, or one without class names."""
    check_not_excluded(names, exclude)
    out = []
    for name in names:
        spec = get_spec(name)
        if spec.supervised_only:
            raise ValueError(f"{spec.name} has no class names, so it cannot give IMU-text pairs")
        out.append(loader(spec.name).subset("train"))
    return out


def build_data(config: PretrainConfig, show_progress: bool = True) -> Material:
    """The material a run trains on (from ``config.data_pack`` or the sources), checked against the config,
    with the configured video features attached.

    Real windows do not overlap here (stride = window): crops of simulated clips are random anyway.
    """
    if config.data_pack:
        check_pack_matches(config, read_meta(config.data_pack))
        material = load_pack(config.data_pack)
    else:
        material = _from_sources(config, show_progress)
    check_material(material, config)
    for source, path in config.video_features.items():
        material.attach_video(source, np.load(path))
    return material


def build_settings(config: PretrainConfig) -> dict:
    """The config values that decide what the material holds (recorded in data packs)."""
    return {k: getattr(config, k) for k in BUILD_KEYS}


def check_pack_matches(config: PretrainConfig, meta: dict) -> None:
    """Refuse a pack built from other sources or settings than the config names (one line listing them)."""
    built = meta.get("built_from") or {}
    wanted = build_settings(config)
    built = {**BUILD_DEFAULTS, **built} if built else built
    diff = [f"{k}: pack {built[k]!r}, config {wanted[k]!r}" for k in BUILD_KEYS if k in built and built[k] != wanted[k]]
    if "window_s" not in built and meta["window"] != config.window_samples():
        diff.append(f"window: pack {meta['window']} samples, config {config.window_samples()}")
    if diff:
        raise ValueError(f"data pack {config.data_pack} does not hold what the config asks for ({'; '.join(diff)}): "
                         "make the config match the pack or write a new pack with --export-pack")


def check_material(material: Material, config: PretrainConfig) -> None:
    """Checks on what will actually be trained on: no excluded data set, window length, video use."""
    check_not_excluded(material.seen_datasets, config.exclude)
    if material.window != config.window_samples():
        raise ValueError(f"the material has {material.window}-sample windows; window_s {config.window_s} "
                         f"needs {config.window_samples()}")
    if material.video_dim and not config.recipe_record().video:
        raise ValueError(f"the data holds video features but recipe {config.recipe!r} has no video head; "
                         "use a pack without video or a recipe with video (primus)")


def _from_sources(config: PretrainConfig, show_progress: bool) -> Material:
    sim = SimConfig(noise=config.noise, offset_std=config.offset_std, seed=config.seed)
    track = (lambda it: tqdm(it, desc="simulating", leave=False)) if show_progress else (lambda it: it)
    corpora = [load_corpus(name, sim, config.data_root, config.max_clips, track) for name in config.motion_corpora]
    if config.rich_captions:
        corpora = [enrich_corpus(c) for c in corpora]
    real = load_real(config.real_datasets, config.exclude,
                     lambda n: load_dataset(n, config.data_root, config.window_s, config.window_s,
                                            show_progress=show_progress))
    return Material.from_sources(corpora, real, config.window_samples(), config.real_synonyms)
