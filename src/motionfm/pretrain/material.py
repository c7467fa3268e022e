"""What a pre-training run trains on: simulated clips, real train windows, their captions, text/video features.

``Material`` holds it all in memory, built from corpora and real window sets (build.py) or read from a data
pack (pack.py); either way the provenance (``names``, ``seen_datasets``) comes from what it contains.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import torch

from ..corpora import CaptionedCorpus
from ..har import WindowSet, get_spec
from ..orientation import upright_clips, upright_windows
from ..skeleton import NUM_JOINTS
from ..text import TextEncoder, prompts


def dataset_name(name: str) -> str:
    """The registry's spelling of a data set name ('UCI-HAR' -> 'uci-har'); ValueError when unknown."""
    return get_spec(name).name


@dataclass
class SimStore:
    """Simulated clips back to back: imu (samples, 22, 6) at 20 Hz, clip ``lengths`` (clips,), caption ids
    per clip, and the clip range [start, end) of each motion corpus."""

    imu: np.ndarray
    lengths: np.ndarray
    captions: list[list[int]]
    ranges: dict[str, tuple[int, int]]
    video: np.ndarray | None = None  # (clips, video_dim), NaN rows: no video

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)

    def __len__(self) -> int:
        return len(self.lengths)


@dataclass
class RealSet:
    """The train windows of one registry data set with the caption ids of each class."""

    windows: WindowSet
    captions: list[list[int]]
    video: np.ndarray | None = None  # (windows, video_dim), NaN rows: no video

    @property
    def name(self) -> str:
        return self.windows.name

    def __len__(self) -> int:
        return len(self.windows)


@dataclass
class Material:
    """Everything one run samples from: ``window`` samples per training window, caption vocabulary
    ``captions`` and, once encoded, ``text_features`` (n_captions, text_dim)."""

    window: int
    sim: SimStore
    real: list[RealSet]
    captions: list[str]
    text_features: torch.Tensor | None = None
    corpora: list[str] = field(default_factory=list)  # motion corpus names, in clip order

    def __post_init__(self) -> None:
        if not len(self.sim) and not self.real:
            raise ValueError("nothing to pre-train on: give motion corpora and/or real data sets")
        self.corpora = self.corpora or list(self.sim.ranges)

    @classmethod
    def from_sources(cls, corpora: list[CaptionedCorpus], real: list[WindowSet], window: int,
                     real_synonyms: bool = True) -> Material:
        """Flatten simulated corpora and caption real windows with their class-name prompts (templates x the
        class name and, with ``real_synonyms``, its registry synonyms)."""
        vocab: dict[str, int] = {}

        def ids(texts: list[str]) -> list[int]:
            return [vocab.setdefault(t, len(vocab)) for t in texts]

        imu = np.concatenate([c.sim.imu for c in corpora]) if corpora else np.zeros((0, NUM_JOINTS, 6), np.float32)
        lengths = np.concatenate([np.diff(c.sim.offsets) for c in corpora]) if corpora else np.zeros(0, np.int64)
        sim_caps = [ids(caps) for c in corpora for caps in c.captions]
        counts = np.cumsum([0] + [len(c.captions) for c in corpora])
        ranges = {c.name: (int(a), int(b)) for c, a, b in zip(corpora, counts[:-1], counts[1:])}
        def names(ws: WindowSet, n: str) -> tuple[str, ...]:
            return tuple(get_spec(ws.name).synonyms.get(n, ())) if real_synonyms else ()

        sets = [RealSet(ws, [ids(prompts(n, names(ws, n))) for n in ws.class_names])
                for ws in real]
        return cls(window, SimStore(imu, lengths.astype(np.int64), sim_caps, ranges), sets, list(vocab),
                   corpora=[c.name for c in corpora])

    @property
    def names(self) -> list[str]:
        """Every source: motion corpora, then real data sets."""
        return self.corpora + [r.name for r in self.real]

    @property
    def seen_datasets(self) -> list[str]:
        """Registry data sets whose windows this material holds (what a model trained on it has seen)."""
        return sorted({dataset_name(r.name) for r in self.real})

    @property
    def n_sim(self) -> int:
        return len(self.sim)

    @property
    def n_real(self) -> int:
        return sum(len(r) for r in self.real)

    @property
    def video_dim(self) -> int:
        arrays = [self.sim.video, *(r.video for r in self.real)]
        return next((a.shape[1] for a in arrays if a is not None), 0)

    def attach_video(self, source: str, features: np.ndarray) -> None:
        """Precomputed video features of a source: one row per clip of a motion corpus (in corpus order) or
        per train window of a real data set; NaN rows mark items without video."""
        features = np.asarray(features, np.float32)
        if features.ndim != 2 or (self.video_dim and features.shape[1] != self.video_dim):
            raise ValueError(f"video features for {source} must be (items, {self.video_dim or 'dim'}); "
                             f"got {features.shape}")
        real = {r.name: r for r in self.real}
        if source in self.sim.ranges:
            start, end = self.sim.ranges[source]
            if len(features) != end - start:
                raise ValueError(f"{source} has {end - start} clips but {len(features)} video feature rows")
            if self.sim.video is None:
                self.sim.video = np.full((self.n_sim, features.shape[1]), np.nan, np.float32)
            self.sim.video[start:end] = features
        elif _registry_name(source) in real:
            target = real[_registry_name(source)]
            if len(features) != len(target):
                raise ValueError(f"{source} has {len(target)} train windows but {len(features)} video rows")
            target.video = features
        elif source in self.corpora:
            raise ValueError(f"{source}: this data pack was written without per-corpus clip ranges; write it again")
        else:
            raise ValueError(f"no source {source!r} in this pre-training mix ({', '.join(self.names)})")

    def make_upright(self) -> None:
        """Every sensor in its upright frame (motionfm.orientation), in place: each simulated joint by one
        rotation per motion corpus (clips keep their postures), each real sensor per (data set, subject)."""
        for r in self.real:
            if (r.windows.subject < 0).any():
                raise ValueError(f"{r.name}: this data pack was written without subject ids, and upright frames "
                                 "are found per subject; write the pack again (--export-pack)")
        offsets = self.sim.offsets
        ranges = self.sim.ranges.values() if self.sim.ranges else [(0, len(self.sim))]
        for start, end in ranges:
            if end > start:
                a, b = offsets[start], offsets[end - 1] + self.sim.lengths[end - 1]
                upright_clips(self.sim.imu[a:b], self.sim.lengths[start:end])
        for r in self.real:
            r.windows = dataclasses.replace(r.windows, x=upright_windows(r.windows.x, r.windows.subject))

    def encode_captions(self, encoder: TextEncoder) -> torch.Tensor:
        """Frozen text features of every caption, (n_captions, text_dim); computed once."""
        if self.text_features is None:
            self.text_features = encoder.encode(self.captions)
        return self.text_features


def _registry_name(name: str) -> str:
    try:
        return dataset_name(name)
    except ValueError:
        return name
