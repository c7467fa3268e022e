"""Data packs: a run's Material written as .npy chunks + meta.json, to pre-train on a machine without the
raw data or the text encoder's weights. The pack records its sources and what built it, so exclusion,
provenance and a config that asks for other data are checked when it is read back.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ..atomic import atomic_path
from ..har import WindowSet
from .material import Material, RealSet, SimStore

META = "meta.json"
VERSION = 2
BUILD_KEYS = ("motion_corpora", "real_datasets", "max_clips", "noise", "offset_std", "window_s", "rich_captions",
              "real_synonyms")
BUILD_DEFAULTS = {"rich_captions": False, "real_synonyms": True}  # what packs written before these keys hold


def save_pack(material: Material, folder: str | Path, built_from: dict | None = None,
              chunk_mb: float = 30.0) -> list[Path]:
    """Write ``material`` (IMU as float16, text features included) as .npy files of at most ``chunk_mb``
    MB, then meta.json (last, atomically: its presence marks a complete pack). ``built_from``: the config
    values that built the material (``BUILD_KEYS``). Returns the files written."""
    if material.text_features is None:
        raise ValueError("encode the captions before saving a pack")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / META).unlink(missing_ok=True)
    arrays = {"sim_imu": material.sim.imu.astype(np.float16), "sim_lengths": material.sim.lengths,
              "text_features": material.text_features.numpy()}
    for k, r in enumerate(material.real):
        arrays.update({f"real{k}_x": r.windows.x.astype(np.float16), f"real{k}_joints": r.windows.joints,
                       f"real{k}_y": r.windows.y, f"real{k}_valid_len": r.windows.valid_len,
                       f"real{k}_subject": r.windows.subject})
        if r.video is not None:
            arrays[f"real{k}_video"] = r.video
    if material.sim.video is not None:
        arrays["sim_video"] = material.sim.video
    files, chunks = [], {}
    for name, arr in arrays.items():
        rows = max(1, int(chunk_mb * 1e6 // max(1, arr[:1].nbytes)))
        chunks[name] = (len(arr) + rows - 1) // rows or 1
        for i in range(chunks[name]):
            files.append(folder / f"{name}.{i}.npy")
            np.save(files[-1], arr[i * rows:(i + 1) * rows])
    meta = {"version": VERSION, "window": material.window, "captions": material.captions,
            "sim_captions": material.sim.captions, "sim_ranges": material.sim.ranges, "corpora": material.corpora,
            "real": [{"name": r.name, "class_names": r.windows.class_names, "captions": r.captions,
                      "has_gyro": r.windows.has_gyro} for r in material.real],
            "names": material.names, "seen_datasets": material.seen_datasets, "chunks": chunks,
            "built_from": {k: v for k, v in (built_from or {}).items() if k in BUILD_KEYS}}
    with atomic_path(folder / META, suffix=".json") as tmp:
        tmp.write_text(json.dumps(meta))
    return [folder / META, *files]


def read_meta(folder: str | Path) -> dict:
    """A pack's meta.json; ValueError when the folder holds no complete pack."""
    path = Path(folder) / META
    if not path.is_file():
        raise ValueError(f"{folder} is not a data pack (no {META}); write one with motionfm pretrain --export-pack")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is damaged ({err.msg}); write the pack again") from None


def load_pack(folder: str | Path) -> Material:
    """Read a pack written by save_pack (or by earlier versions, which lack ``built_from``)."""
    folder = Path(folder)
    meta = read_meta(folder)

    def arr(name: str) -> np.ndarray:
        try:
            return np.concatenate([np.load(folder / f"{name}.{i}.npy") for i in range(meta["chunks"][name])])
        except (OSError, ValueError) as err:
            raise ValueError(f"{folder}: pack file {name} unreadable ({err}); write the pack again") from None

    real = []
    for k, info in enumerate(meta["real"]):
        x, joints, y = arr(f"real{k}_x").astype(np.float32), arr(f"real{k}_joints"), arr(f"real{k}_y")
        n = len(y)
        # packs written before valid lengths were kept: every window counts as full
        valid = arr(f"real{k}_valid_len") if f"real{k}_valid_len" in meta["chunks"] else np.full(n, x.shape[1])
        # packs written before subjects were kept: -1 (unknown; upright frames, found per subject, refuse it)
        subject = arr(f"real{k}_subject") if f"real{k}_subject" in meta["chunks"] else np.full(n, -1)
        ws = WindowSet(name=info["name"], x=x, joints=joints, y=y, subject=subject.astype(np.int64),
                       valid_len=valid.astype(np.int64), split=np.full(n, "train"),
                       class_names=info["class_names"], has_gyro=info.get("has_gyro", True))
        video = arr(f"real{k}_video") if f"real{k}_video" in meta["chunks"] else None
        real.append(RealSet(ws, info["captions"], video))
    real_names = {r.name for r in real}
    ranges = {k: tuple(v) for k, v in meta.get("sim_ranges", {}).items()}
    corpora = meta.get("corpora") or [n for n in meta["names"] if n not in real_names]
    sim = SimStore(arr("sim_imu").astype(np.float32), arr("sim_lengths").astype(np.int64), meta["sim_captions"],
                   ranges, arr("sim_video") if "sim_video" in meta["chunks"] else None)
    return Material(meta["window"], sim, real, meta["captions"], torch.from_numpy(arr("text_features")),
                    corpora=corpora)
