import numpy as np
import pytest
import torch

from motionfm.adapt import (FineTuneConfig, embed, few_shot_indices, fine_tune, linear_probe, predict_logits,
                            probe_predict, zero_shot_scores)
from motionfm.hub import load_model
from motionfm.models import ImuTextModel, ModelConfig
from motionfm.text import label_embeddings, load_text_encoder
from motionfm.windows import CanonicalWindows


@pytest.mark.parametrize("k", [1, 2, 3, 5, 10])
def test_few_shot_sampling_is_balanced_and_seeded(k):
    y = np.repeat(np.arange(4), [30, 12, 7, 50])
    train = np.arange(0, len(y), 1)
    a, b = few_shot_indices(y, k, seed=3, candidates=train), few_shot_indices(y, k, seed=3, candidates=train)
    np.testing.assert_array_equal(a, b)
    assert np.bincount(y[a]).tolist() == [min(k, n) for n in (30, 12, 7, 50)]
    assert not np.array_equal(a, few_shot_indices(y, k, seed=4, candidates=train)) or k >= 7
    only_even = few_shot_indices(y, k, seed=0, candidates=train[::2])
    assert (only_even % 2 == 0).all()  # never outside the candidates (the train split)


def _synthetic(n_per_class=20, seed=0):
    """Three classes of wrist windows that differ by construction: still, 1 Hz arm swing, 3 Hz hard shake."""
    rng = np.random.default_rng(seed)
    t = np.arange(200) / 20.0
    x = np.zeros((3 * n_per_class, 200, 22, 6), np.float32)
    y = np.repeat(np.arange(3), n_per_class)
    for i, c in enumerate(y):
        x[i, :, 17, 2] = 9.81
        phase = rng.uniform(0, 6)
        x[i, :, 17, 0] = [0.0, 4.0, 12.0][c] * np.sin(2 * np.pi * [1.0, 1.0, 3.0][c] * t + phase)
        x[i, :, 17, 4] = [0.0, 2.0, 6.0][c] * np.cos(2 * np.pi * [1.0, 1.0, 3.0][c] * t + phase)
        x[i, :, 17] += rng.normal(0, 0.05, (200, 6))
    mask = np.zeros((len(y), 22), bool)
    mask[:, 17] = True
    return CanonicalWindows(x, mask, y)


def test_zero_shot_with_label_embeddings_built_to_match_scores_100_percent():
    model = load_model("default")  # its IMU side tells these classes apart; the text side is rebuilt
    windows = _synthetic()
    y = windows.y
    labels = ["standing still", "swinging an arm", "shaking a hand"]
    means = torch.nn.functional.normalize(torch.stack([embed(model, windows.take(y == c)).mean(0)
                                                       for c in range(3)]), dim=-1)
    feats = label_embeddings(load_text_encoder("minilm"), labels)  # (3, 384), what zero_shot_scores will see
    with torch.no_grad():  # make the text side map each label exactly onto its class mean
        model.text_proj.weight.copy_(means.T @ torch.linalg.pinv(feats.T))
        model.text_proj.bias.zero_()
    scores = zero_shot_scores(model, windows, labels)
    assert (scores.argmax(1).numpy() == y).mean() == 1.0


def test_linear_probe_separates_synthetic_classes():
    windows = _synthetic()
    feats = embed(load_model("default"), windows, projected=False)
    head = linear_probe(feats, windows.y, 3, epochs=200)
    assert (probe_predict(head, feats).argmax(1).numpy() == windows.y).mean() > 0.95


def test_fine_tune_on_real_data_beats_chance(dataset):
    ws = dataset("uci-har")
    train = few_shot_indices(ws.y, 20, seed=0, candidates=np.nonzero(ws.split == "train")[0])
    val = few_shot_indices(ws.y, 5, seed=0, candidates=np.nonzero(ws.split == "val")[0])
    test = np.nonzero(ws.split == "test")[0][::3]
    model = load_model("default")
    net = fine_tune(model, ws.canonical(train), ws.canonical(val), 6,
                    FineTuneConfig(batch_size=32, min_steps=30, max_steps=30))
    acc = (predict_logits(net, ws.canonical(test)).argmax(1).numpy() == ws.y[test]).mean()
    assert acc > 0.6  # chance is 1/6
    assert not any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())  # original untouched


def test_fine_tune_needs_labels():
    unlabelled = CanonicalWindows(np.zeros((2, 200, 22, 6)), np.ones((2, 22), bool))
    with pytest.raises(ValueError, match="labelled windows"):
        fine_tune(load_model("default"), unlabelled, unlabelled, 2)


def _identity_text_side(model):
    """A tiny model whose text projection is the identity (text_dim = embed_dim = 384)."""
    with torch.no_grad():
        model.text_proj.weight.copy_(torch.eye(384))
        model.text_proj.bias.zero_()
    return model


@pytest.mark.parametrize("labels, synonyms", [(["walking", "sitting"], {"walking": ("strolling",)}),
                                               (["brushing teeth"], None)])
def test_label_matrix_prompt_modes_known_values(labels, synonyms):
    from motionfm.adapt import label_matrix
    from motionfm.models import create_model
    from motionfm.text import prompts

    encoder = load_text_encoder("minilm")
    model = _identity_text_side(create_model(ModelConfig(encoder="tiny", embed_dim=384)))
    name = label_matrix(model, labels, synonyms, prompts="name")
    torch.testing.assert_close(name, encoder.encode(labels))  # one prompt: the label itself
    # with a norm-preserving projection, averaging before or after it is the same: both are the prompt mean
    expected = torch.nn.functional.normalize(torch.stack(
        [encoder.encode(prompts(lab, (synonyms or {}).get(lab, ()))).mean(0) for lab in labels]), dim=-1)
    for mode in ("text-mean", "ensemble"):
        torch.testing.assert_close(label_matrix(model, labels, synonyms, prompts=mode), expected)
    with torch.no_grad():  # a projection that stretches one axis: the ensemble averages after it, text-mean before
        model.text_proj.weight[0] *= 50.0
    assert not torch.allclose(label_matrix(model, labels, synonyms, prompts="text-mean"),
                              label_matrix(model, labels, synonyms, prompts="ensemble"), atol=1e-4)
    with pytest.raises(ValueError, match="unknown prompts 'all'"):
        label_matrix(model, labels, prompts="all")
