"""Batches of (IMU window, caption) pairs for pre-training, drawn reproducibly from a torch.Generator.

Simulated clips: a random 10 s crop (short clips wrap around), all 22 joints present. Real windows: the
train split of each registry data set in the mix, captioned with class-name prompts. Every batch gets the
rotation augmentation and joint masking (keep k ~ U{1..5} of the present joints).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .augment import mask_joints, random_rotation
from .corpora import CaptionedCorpus
from .har import WindowSet, get_spec
from .skeleton import NUM_JOINTS
from .text import TextEncoder, prompts


@dataclass
class Batch:
    x: torch.Tensor  # (B, T, 22, 6)
    mask: torch.Tensor  # (B, 22) bool, joints kept after masking
    caption: torch.Tensor  # (B,) index into PretrainData.captions
    video: torch.Tensor | None = None  # (B, video_dim) precomputed video features (NaN rows: none)
    has_video: torch.Tensor | None = None  # (B,) bool


class PretrainData:
    """All pre-training material in memory, plus the frozen text features of every caption."""

    def __init__(self, corpora: list[CaptionedCorpus], real: list[WindowSet], window: int) -> None:
        if not corpora and not real:
            raise ValueError("nothing to pre-train on: give motion corpora and/or real data sets")
        self.window = window
        self.captions: list[str] = []
        self._index: dict[str, int] = {}
        self.sim_imu = np.concatenate([c.sim.imu for c in corpora]) if corpora else np.zeros((0, NUM_JOINTS, 6), np.float32)
        lengths = np.concatenate([np.diff(c.sim.offsets) for c in corpora]) if corpora else np.zeros(0, np.int64)
        self.sim_offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        self.sim_lengths = lengths.astype(np.int64)
        self.sim_captions = [self._ids(caps) for c in corpora for caps in c.captions]
        self.real = real
        self.real_sizes = np.array([len(r) for r in real], dtype=np.int64)
        self.real_captions = [[self._ids(prompts(name, get_spec(r.name).synonyms.get(name, ()))) for name in r.class_names]
                              for r in real]
        self.text_features: torch.Tensor | None = None
        self.names = [c.name for c in corpora] + [r.name for r in real]
        counts = np.cumsum([0] + [len(c.captions) for c in corpora])
        self.sim_ranges = {c.name: (int(a), int(b)) for c, a, b in zip(corpora, counts[:-1], counts[1:])}
        self.sim_video: np.ndarray | None = None
        self.real_video: list[np.ndarray | None] = [None] * len(real)

    @property
    def video_dim(self) -> int:
        arrays = [self.sim_video, *self.real_video]
        return next((a.shape[1] for a in arrays if a is not None), 0)

    def attach_video(self, source: str, features: np.ndarray) -> None:
        """Precomputed video features of a source: one row per clip of a motion corpus (in corpus order) or
        per train window of a real data set; NaN rows mark items without video."""
        features = np.asarray(features, np.float32)
        if features.ndim != 2 or (self.video_dim and features.shape[1] != self.video_dim):
            raise ValueError(f"video features for {source} must be (items, {self.video_dim or 'dim'}); "
                             f"got {features.shape}")
        names = [r.name for r in self.real]
        if source in self.sim_ranges:
            start, end = self.sim_ranges[source]
            if len(features) != end - start:
                raise ValueError(f"{source} has {end - start} clips but {len(features)} video feature rows")
            if self.sim_video is None:
                self.sim_video = np.full((self.n_sim, features.shape[1]), np.nan, np.float32)
            self.sim_video[start:end] = features
        elif source in names:
            k = names.index(source)
            if len(features) != len(self.real[k]):
                raise ValueError(f"{source} has {len(self.real[k])} train windows but {len(features)} video rows")
            self.real_video[k] = features
        elif source in self.names:
            raise ValueError(f"{source}: this data pack was written without per-corpus clip ranges; write it again")
        else:
            raise ValueError(f"no source {source!r} in this pre-training mix ({', '.join(self.names)})")

    def _ids(self, texts: list[str]) -> list[int]:
        for t in texts:
            if t not in self._index:
                self._index[t] = len(self.captions)
                self.captions.append(t)
        return [self._index[t] for t in texts]

    def encode_captions(self, encoder: TextEncoder) -> torch.Tensor:
        """Frozen text features of every caption, (n_captions, text_dim); computed once."""
        if self.text_features is None:
            self.text_features = encoder.encode(self.captions)
        return self.text_features

    def save_pack(self, folder: str | Path, chunk_mb: float = 30.0) -> list[Path]:
        """Write everything (IMU as float16, text features included) as .npy files of at most ``chunk_mb``.

        A pack moves pre-training to a machine without the raw data or the text encoder's weights.
        Returns the files written.
        """
        if self.text_features is None:
            raise ValueError("encode the captions before saving a pack")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"sim_imu": self.sim_imu.astype(np.float16), "sim_lengths": self.sim_lengths,
                  "text_features": self.text_features.numpy()}
        for k, r in enumerate(self.real):
            arrays.update({f"real{k}_x": r.x.astype(np.float16), f"real{k}_joints": r.joints, f"real{k}_y": r.y})
            if self.real_video[k] is not None:
                arrays[f"real{k}_video"] = self.real_video[k]
        if self.sim_video is not None:
            arrays["sim_video"] = self.sim_video
        files, chunks = [], {}
        for name, arr in arrays.items():
            rows = max(1, int(chunk_mb * 1e6 // max(1, arr[:1].nbytes)))
            chunks[name] = (len(arr) + rows - 1) // rows or 1
            for i in range(chunks[name]):
                files.append(folder / f"{name}.{i}.npy")
                np.save(files[-1], arr[i * rows:(i + 1) * rows])
        meta = {"window": self.window, "captions": self.captions, "sim_captions": self.sim_captions,
                "real": [{"name": r.name, "class_names": r.class_names, "captions": c}
                         for r, c in zip(self.real, self.real_captions)], "chunks": chunks, "names": self.names,
                "sim_ranges": self.sim_ranges}
        (folder / "meta.json").write_text(json.dumps(meta))
        return [folder / "meta.json", *files]

    @classmethod
    def load_pack(cls, folder: str | Path) -> PretrainData:
        """Read a pack written by save_pack."""
        folder = Path(folder)
        meta = json.loads((folder / "meta.json").read_text())

        def arr(name: str) -> np.ndarray:
            return np.concatenate([np.load(folder / f"{name}.{i}.npy") for i in range(meta["chunks"][name])])

        data = cls.__new__(cls)
        data.window, data.captions, data.names = meta["window"], meta["captions"], meta["names"]
        data._index = {c: i for i, c in enumerate(data.captions)}
        data.sim_imu = arr("sim_imu").astype(np.float32)
        data.sim_lengths = arr("sim_lengths")
        data.sim_offsets = np.concatenate([[0], np.cumsum(data.sim_lengths)[:-1]]).astype(np.int64)
        data.sim_captions = meta["sim_captions"]
        data.real, data.real_captions = [], []
        for k, info in enumerate(meta["real"]):
            x, joints, y = arr(f"real{k}_x").astype(np.float32), arr(f"real{k}_joints"), arr(f"real{k}_y")
            n = len(y)
            data.real.append(WindowSet(info["name"], x, joints, y, np.zeros(n, np.int64), np.full(n, x.shape[1]),
                                       np.full(n, "train"), info["class_names"]))
            data.real_captions.append(info["captions"])
        data.real_sizes = np.array([len(r) for r in data.real], dtype=np.int64)
        data.text_features = torch.from_numpy(arr("text_features"))
        data.sim_ranges = {k: tuple(v) for k, v in meta.get("sim_ranges", {}).items()}
        data.sim_video = arr("sim_video") if "sim_video" in meta["chunks"] else None
        data.real_video = [arr(f"real{k}_video") if f"real{k}_video" in meta["chunks"] else None
                           for k in range(len(data.real))]
        return data

    @property
    def n_sim(self) -> int:
        return len(self.sim_lengths)

    @property
    def n_real(self) -> int:
        return int(self.real_sizes.sum())

    def _pick_caption(self, options: list[int], u: float) -> int:
        return options[min(int(u * len(options)), len(options) - 1)]

    def _video_rows(self, table: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
        if table is None:
            return np.full((len(rows), self.video_dim), np.nan, np.float32)
        return table[rows]

    def _sim_batch(self, n: int, gen: torch.Generator) -> tuple[np.ndarray, np.ndarray, list[int], np.ndarray]:
        clip = torch.randint(self.n_sim, (n,), generator=gen).numpy()
        u = torch.rand(n, 2, generator=gen, dtype=torch.float64).numpy()
        length = self.sim_lengths[clip]
        start = (u[:, 0] * np.maximum(length - self.window + 1, 1)).astype(np.int64)
        idx = self.sim_offsets[clip, None] + (start[:, None] + np.arange(self.window)[None]) % length[:, None]
        caps = [self._pick_caption(self.sim_captions[c], v) for c, v in zip(clip, u[:, 1])]
        return self.sim_imu[idx], np.ones((n, NUM_JOINTS), bool), caps, self._video_rows(self.sim_video, clip)

    def _real_batch(self, n: int, gen: torch.Generator) -> tuple[np.ndarray, np.ndarray, list[int], np.ndarray]:
        g = torch.randint(self.n_real, (n,), generator=gen).numpy()
        u = torch.rand(n, generator=gen, dtype=torch.float64).numpy()
        which = np.searchsorted(np.cumsum(self.real_sizes), g, side="right")
        local = g - np.concatenate([[0], np.cumsum(self.real_sizes)])[which]
        x = np.zeros((n, self.window, NUM_JOINTS, 6), np.float32)
        mask = np.zeros((n, NUM_JOINTS), bool)
        caps = [0] * n
        video = np.full((n, self.video_dim), np.nan, np.float32)
        for k in np.unique(which):
            rows = np.nonzero(which == k)[0]
            windows = self.real[k].canonical(local[rows])
            x[rows], mask[rows] = windows.x, windows.mask
            video[rows] = self._video_rows(self.real_video[k], local[rows])
            for r in rows:
                caps[r] = self._pick_caption(self.real_captions[k][self.real[k].y[local[r]]], u[r])
        return x, mask, caps, video

    def sample(self, batch_size: int, gen: torch.Generator, real_fraction: float = 0.0,
               augment_gen: torch.Generator | None = None, device: str | torch.device = "cpu",
               max_keep: int = 5, sim_joints: list[int] | None = None, rotate: bool = True) -> Batch:
        """A batch: sources drawn per sample (real with probability real_fraction), augmented on ``device``.

        ``sim_joints``: simulated windows offer only these joints (e.g. one chosen sensor site for PRIMUS);
        then joint masking keeps k ~ U{1..max_keep} of the offered joints. ``rotate``: random sensor rotation.
        """
        is_real = torch.rand(batch_size, generator=gen).numpy() < (real_fraction if self.n_real else 0.0)
        if not self.n_sim:
            is_real[:] = True
        x = np.zeros((batch_size, self.window, NUM_JOINTS, 6), np.float32)
        present = np.zeros((batch_size, NUM_JOINTS), bool)
        caps = np.zeros(batch_size, np.int64)
        video = np.full((batch_size, self.video_dim), np.nan, np.float32)
        for flag, maker in ((False, self._sim_batch), (True, self._real_batch)):
            rows = np.nonzero(is_real == flag)[0]
            if len(rows):
                x[rows], present[rows], c, video[rows] = maker(len(rows), gen)
                caps[rows] = c
        if sim_joints is not None:
            offered = np.zeros(NUM_JOINTS, bool)
            offered[list(sim_joints)] = True
            present[~is_real] &= offered
        xt = torch.from_numpy(x).to(device)
        if rotate:
            xt = random_rotation(xt, augment_gen)
        xt, kept = mask_joints(xt, torch.from_numpy(present).to(device), max_keep, augment_gen)
        batch = Batch(xt, kept, torch.from_numpy(caps).to(device))
        if self.video_dim:
            has = ~np.isnan(video).any(axis=1)
            batch.video, batch.has_video = torch.from_numpy(np.nan_to_num(video)).to(device), torch.from_numpy(has).to(device)
        return batch


def load_real(names: list[str], exclude: list[str], loader: Callable[[str], WindowSet]) -> list[WindowSet]:
    """Train splits of the named data sets; refuses an excluded or names-unknown data set."""
    out = []
    for name in names:
        if name in exclude:
            raise ValueError(f"{name} is on the exclusion list (kept out of pre-training for honest zero-shot "
                             f"evaluation); remove it from real_datasets or from exclude")
        if get_spec(name).supervised_only:
            raise ValueError(f"{name} has no class names, so it cannot give IMU-text pairs")
        out.append(loader(name).subset("train"))
    return out
