import pytest
import torch

from motionfm.text import TEMPLATES, label_embeddings, load_text_encoder, prompts


@pytest.fixture(scope="module")
def encoder():
    return load_text_encoder("minilm")


def test_minilm_loads_offline_and_embeds(encoder, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    e = encoder.encode(["a person is walking", "a person is running", "a cat sleeps on a sofa"])
    assert e.shape == (3, 384) and encoder.dim == 384
    torch.testing.assert_close(e.norm(dim=-1), torch.ones(3))
    assert (e[0] @ e[1]) > (e[0] @ e[2])  # walking is nearer running than a sleeping cat


def test_cache_returns_identical_vectors(encoder):
    a = encoder.encode(["jumping jacks"])
    assert "jumping jacks" in encoder._cache
    torch.testing.assert_close(encoder.encode(["jumping jacks"]), a)


def test_prompts_and_label_embeddings(encoder):
    p = prompts("walking", ["strolling"])
    assert len(p) == 2 * len(TEMPLATES) and "a person is strolling." in p
    labels = label_embeddings(encoder, ["walking", "sitting"], {"walking": ["strolling"]})
    assert labels.shape == (2, 384)
    direct = torch.nn.functional.normalize(encoder.encode(p).mean(0), dim=0)
    torch.testing.assert_close(labels[0], direct)


def test_unknown_or_absent_encoders(tmp_path):
    with pytest.raises(ValueError, match="unknown text encoder"):
        load_text_encoder("bert")
    with pytest.raises(FileNotFoundError, match="no CLIP weights"):
        load_text_encoder(f"clip:{tmp_path}")


def test_disk_cache_serves_texts_without_the_model(tmp_path, monkeypatch):
    from motionfm.text import MiniLMEncoder, text_cache_path

    monkeypatch.setenv("MOTIONFM_CACHE", str(tmp_path))
    first = MiniLMEncoder()
    a = first.encode(["a person is rowing."])
    assert text_cache_path("minilm").exists()
    second = MiniLMEncoder()  # a new process, in effect
    torch.testing.assert_close(second.encode(["a person is rowing."]), a)
    assert second._model is None  # answered from disk


WRITER = """
import sys
from motionfm.text import MiniLMEncoder
enc = MiniLMEncoder()
for k in range(int(sys.argv[2])):
    enc.encode([f"{sys.argv[1]} number {k}"])  # one save per text: many chances to interleave
"""


def test_two_processes_writing_the_cache_leave_only_true_vectors(tmp_path, monkeypatch):
    """Two processes add different texts at once; afterwards every stored vector equals a fresh encode."""
    import os
    import subprocess
    import sys

    from motionfm.text import MiniLMEncoder, read_cache, text_cache_path

    env = {**os.environ, "MOTIONFM_CACHE": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, word, "25"], env=env) for word in ("apples", "rivers")]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    monkeypatch.setenv("MOTIONFM_CACHE", str(tmp_path))
    stored = read_cache(text_cache_path("minilm"))
    assert len(stored) == 50  # none lost
    fresh = MiniLMEncoder()
    texts = sorted(stored)
    truth = torch.nn.functional.normalize(fresh._encode(texts).float().cpu(), dim=-1)
    torch.testing.assert_close(torch.stack([stored[t] for t in texts]), truth, atol=1e-5, rtol=0)
    assert not list(tmp_path.glob("text/.*.tmp*"))


def test_damaged_cache_file_is_ignored(tmp_path, monkeypatch):
    from motionfm.text import MiniLMEncoder, text_cache_path

    monkeypatch.setenv("MOTIONFM_CACHE", str(tmp_path))
    path = text_cache_path("minilm")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00garbage")
    e = MiniLMEncoder().encode(["a person is rowing."])
    assert e.shape == (1, 384) and MiniLMEncoder().encode(["a person is rowing."]).allclose(e)
