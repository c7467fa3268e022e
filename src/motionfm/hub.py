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
    """Write config.json (model config, the input rate RATE_HZ, ``metadata`` such as the pre-training mix) and
    model.safetensors. Only the metadata passed is written, never the loaded model's own: a model trained
    further may have seen more data, and without a record evaluate refuses zero-shot rather than trust it.

    The config is serialised before anything is written (metadata that JSON cannot hold leaves no half-written
    folder), and weights that are NaN or infinite are refused (a diverged run is not a model)."""
    folder = Path(folder)
    try:
        text = json.dumps({"model": model.config.to_dict(), "rate_hz": RATE_HZ, "metadata": metadata or {}},
                          indent=2)
    except TypeError as err:
        raise ValueError(f"model metadata must be JSON (numbers, strings, lists, dicts): {err}") from None
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    check_finite_weights(state, "the model to save")
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / WEIGHTS_FILE) as tmp:
        save_file(state, str(tmp))
    with atomic_path(folder / CONFIG_FILE) as tmp:
        tmp.write_text(text)
    return folder


def check_finite_weights(state: dict[str, torch.Tensor], what: str, advice: str = "retrain") -> None:
    """ValueError naming ``what`` when any floating-point tensor of ``state`` holds NaN or infinite values."""
    bad = {k: int((~torch.isfinite(v)).sum()) for k, v in state.items() if v.is_floating_point()}
    bad = {k: n for k, n in bad.items() if n}
    if bad:
        total = sum(v.numel() for v in state.values() if v.is_floating_point())
        raise ValueError(f"{what}: {sum(bad.values()):,} of {total:,} weights are NaN or infinite (first: "
                         f"{next(iter(bad))}): training diverged (learning rate too high?); {advice}")


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
    """The config.json of a saved model: {'model': ..., 'rate_hz': ..., 'metadata': ...}; a missing, broken or
    foreign config is a ValueError (FileNotFoundError when absent) naming the file."""
    path = resolve(name_or_path) / CONFIG_FILE
    try:
        info = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: missing; a model folder holds {CONFIG_FILE} beside {WEIGHTS_FILE}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(info, dict) or not isinstance(info.get("model"), dict):
        raise ValueError(f"{path}: not a motionfm model config (no 'model' settings); was it written by save_model?")
    return info


def load_model(name_or_path: str | Path = "default", device: str | torch.device = "cpu") -> ImuTextModel:
    """Load a saved model in eval mode. ``model.metadata`` holds what the folder's config.json says.

    ValueError (naming the file) for weights that are damaged, do not fit the config, or are NaN/infinite."""
    folder = resolve(name_or_path)
    info = read_config(folder)
    rate = float(info.get("rate_hz", RATE_HZ))  # models saved before the rate was recorded were trained at 20 Hz
    if rate != RATE_HZ:
        raise ValueError(f"{folder} was trained on {rate:g} Hz windows but motionfm feeds {RATE_HZ:g} Hz ones; "
                         f"use a model trained at {RATE_HZ:g} Hz")
    try:
        model = create_model({"masked_padding": False, **info["model"]})  # saved before masking: trained on repeats
    except (ValueError, TypeError, RuntimeError) as err:
        raise ValueError(f"{folder / CONFIG_FILE}: {err}") from None
    weights = folder / WEIGHTS_FILE
    try:
        state = load_file(str(weights))
    except Exception as err:  # safetensors raises its own SafetensorError (not an OSError) for a damaged file
        raise ValueError(f"{weights}: damaged or not a safetensors file ({err})") from None
    check_finite_weights(state, str(weights))
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        first = str(err).strip().splitlines()
        raise ValueError(f"{weights} does not fit {folder / CONFIG_FILE} (weights of another model?): "
                         f"{' '.join(first[1:2] or first[:1]).strip()}") from None
    model.metadata = info.get("metadata", {})
    return model.to(device).eval()
