"""Save and load trained models as folders: config.json + model.safetensors (no pickle).

``load_model(name_or_path)`` takes a folder path or the name of a model bundled with the package
(``motionfm/weights/<name>``).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from .atomic import atomic_path
from .models import ImuTextModel, create_model
from .windows import RATE_HZ

BUNDLED = Path(__file__).resolve().parent / "weights"
CONFIG_FILE, WEIGHTS_FILE = "config.json", "model.safetensors"


def bundled_models() -> list[str]:
    """Names of the models that ship inside the package."""
    return sorted(p.name for p in BUNDLED.iterdir() if (p / WEIGHTS_FILE).exists()) if BUNDLED.exists() else []


def save_model(model: ImuTextModel, folder: str | Path, metadata: dict | None = None) -> Path:
    """Write config.json (model config, the input rate RATE_HZ, metadata such as the pre-training mix) and
    model.safetensors."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    with atomic_path(folder / WEIGHTS_FILE) as tmp:
        save_file(state, str(tmp))
    with atomic_path(folder / CONFIG_FILE) as tmp:
        tmp.write_text(json.dumps({"model": model.config.to_dict(), "rate_hz": RATE_HZ,
                                   "metadata": metadata or {}}, indent=2))
    return folder


def resolve(name_or_path: str | Path) -> Path:
    """A model folder from a path or a bundled name; FileNotFoundError naming what exists."""
    path = Path(name_or_path)
    if (path / WEIGHTS_FILE).exists():
        return path
    if (BUNDLED / str(name_or_path) / WEIGHTS_FILE).exists():
        return BUNDLED / str(name_or_path)
    raise FileNotFoundError(f"no model at {name_or_path!r}: not a folder with {WEIGHTS_FILE} and not a bundled "
                            f"model (bundled: {', '.join(bundled_models()) or 'none'})")


def read_config(name_or_path: str | Path) -> dict:
    """The config.json of a saved model: {'model': ..., 'rate_hz': ..., 'metadata': ...}."""
    return json.loads((resolve(name_or_path) / CONFIG_FILE).read_text())


def load_model(name_or_path: str | Path = "default", device: str | torch.device = "cpu") -> ImuTextModel:
    """Load a saved model in eval mode. ``model.metadata`` holds what the folder's config.json says."""
    folder = resolve(name_or_path)
    info = read_config(folder)
    rate = float(info.get("rate_hz", RATE_HZ))  # models saved before the rate was recorded were trained at 20 Hz
    if rate != RATE_HZ:
        raise ValueError(f"{folder} was trained on {rate:g} Hz windows but motionfm feeds {RATE_HZ:g} Hz ones; "
                         f"use a model trained at {RATE_HZ:g} Hz")
    model = create_model({"masked_padding": False, **info["model"]})  # saved before masking: trained on repeats
    model.load_state_dict(load_file(str(folder / WEIGHTS_FILE)))
    model.metadata = info.get("metadata", {})
    return model.to(device).eval()
