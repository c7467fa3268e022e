import dataclasses

import numpy as np
import pytest
import torch

from motionfm.adapt import (Classifier, FineTuneConfig, balanced_batch, embed, few_shot_indices, fine_tune, fit_probe,
                            macro_f1, predict_logits, zero_shot_scores)
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


def _blobs(n_per_class, seed, spread=1.0, dim=8):
    """Three Gaussian classes in ``dim`` dimensions, their means 4 apart along the first three axes."""
    rng = np.random.default_rng(seed)
    means = 4 * np.eye(3, dim)
    y = np.repeat(np.arange(3), n_per_class)
    return means[y] + rng.normal(0, spread, (len(y), dim)), y


def test_probe_separates_synthetic_classes_on_the_encoder_features():
    windows = _synthetic()
    feats = embed(load_model("default"), windows, projected=False)
    probe = fit_probe(feats, windows.y, 3)
    assert (probe.scores(feats).argmax(1) == windows.y).mean() > 0.95


def test_probe_picks_the_C_with_the_best_validation_macro_f1():
    f, y = _blobs(30, 0, spread=2.5)
    vf, vy = _blobs(30, 1, spread=2.5)
    grid = (1e-4, 1e-2, 1.0)
    probe = fit_probe(f, y, 3, vf, vy, Cs=grid)
    per_c = {c: macro_f1(vy, fit_probe(f, y, 3, Cs=[c]).scores(vf)) for c in grid}
    assert probe.C in grid and macro_f1(vy, probe.scores(vf)) == max(per_c.values())
    assert fit_probe(f, y, 3, Cs=grid).C == grid[0]  # no validation set: the first C, nothing chosen


def test_probe_standardises_features():  # a huge common offset and scale do not change the predictions
    f, y = _blobs(20, 0)
    a = fit_probe(f, y, 3, Cs=[1.0]).scores(f).argmax(1)
    b = fit_probe(1e4 + 1e3 * f, y, 3, Cs=[1.0]).scores(1e4 + 1e3 * f).argmax(1)
    np.testing.assert_array_equal(a, b)


def test_probe_scores_cover_classes_absent_from_training():
    f, y = _blobs(10, 0)
    keep = y != 1
    scores = fit_probe(f[keep], y[keep], 3).scores(f)
    assert scores.shape == (30, 3) and np.isneginf(scores[:, 1]).all()
    np.testing.assert_allclose(np.exp(scores).sum(1), 1, rtol=1e-9)


@pytest.mark.parametrize("n_classes,keep", [(3, [0, 1, 2]), (2, [0, 2])])
def test_classifier_head_from_probe_is_the_probe(n_classes, keep):
    """The LP step: the head with the standardisation folded in gives the probe's probabilities exactly."""
    f, y = _blobs(15, 0, dim=128)  # the small encoder's feature width
    sel = np.isin(y, keep)
    codes = np.searchsorted(keep, y[sel])
    probe = fit_probe(f[sel], codes, n_classes)
    net = Classifier(ImuTextModel(ModelConfig(encoder="small")), n_classes).double().from_probe(probe)
    logits = net.head(torch.as_tensor(f[sel])).detach()
    np.testing.assert_allclose(torch.log_softmax(logits, 1).numpy(), probe.scores(f[sel]), atol=1e-8)


def test_balanced_batches_draw_classes_uniformly():
    y = np.repeat(np.arange(3), [900, 90, 10])
    idx = np.concatenate([balanced_batch(y, 300, np.random.default_rng(s)) for s in range(10)])
    counts = np.bincount(y[idx], minlength=3)
    assert counts.sum() == 3000 and (np.abs(counts - 1000) < 100).all()  # the data: 90 % class 0


def test_fine_tune_on_real_data_beats_chance(dataset):
    ws = dataset("uci-har")
    train = few_shot_indices(ws.y, 20, seed=0, candidates=np.nonzero(ws.split == "train")[0])
    val = few_shot_indices(ws.y, 5, seed=0, candidates=np.nonzero(ws.split == "val")[0])
    test = np.nonzero(ws.split == "test")[0][::3]
    model = load_model("default")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    net = fine_tune(model, ws.canonical(train), ws.canonical(val), 6,
                    FineTuneConfig(batch_size=16, min_steps=6, max_steps=6, validate_every=3))
    acc = (predict_logits(net, ws.canonical(test)).argmax(1).numpy() == ws.y[test]).mean()
    assert acc > 0.6  # chance is 1/6
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # the pre-trained model is untouched
    assert net.steps_run == 6


def _encoder_and_bn(net):
    bn = [m for m in net.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    return bn, {k: v.clone() for k, v in net.state_dict().items() if "running" in k}


@pytest.mark.parametrize("layers", ["last", "blocks"])
def test_fine_tune_starts_from_the_probe_freezes_batchnorm_and_respects_min_steps(layers):
    """LP-FT on synthetic classes: the head starts trained (the probe on ``layers``), BatchNorm statistics stay
    those of pre-training, and early stopping (patience 1) cannot end the run before min_steps."""
    model = ImuTextModel(ModelConfig(encoder="small"))
    train, val = _synthetic(6, seed=0), _synthetic(4, seed=1)
    bn, stats = _encoder_and_bn(model)
    assert bn
    ft = FineTuneConfig(batch_size=6, min_steps=4, max_steps=4, patience=1, validate_every=1, lr_encoder=1e-2,
                        lr_head=1e-2)
    net = fine_tune(model, train, val, 3, ft, layers=layers)
    assert net.steps_run == 4  # patience 1 would have stopped at step 2 without min_steps
    assert net.head.in_features == (model.encoder.every_block_dim if layers == "blocks" else model.encoder.out_dim)
    for k, v in stats.items():
        torch.testing.assert_close(net.encoder.state_dict()[k.removeprefix("encoder.")], v)
    fresh = Classifier(ImuTextModel(ModelConfig(encoder="small")), 3, layers)
    assert not torch.allclose(net.head.weight, fresh.head.weight)
    val_f1 = macro_f1(val.y, predict_logits(net, val).numpy())
    feats = [embed(model, w, projected=False, layers=layers) for w in (train, val)]
    probe = fit_probe(feats[0], train.y, 3, feats[1], val.y)
    assert val_f1 >= macro_f1(val.y, probe.scores(feats[1]))  # never below its LP start


def test_blocks_head_from_probe_gives_the_probe_on_windows():
    """The blocks head reads every block's pooled output: from a probe on those features, the classifier's
    log-probabilities on windows are the probe's."""
    model = ImuTextModel(ModelConfig(encoder="small")).eval()
    train, val = _synthetic(6, seed=0), _synthetic(4, seed=1)
    f_train, f_val = (embed(model, w, projected=False, layers="blocks") for w in (train, val))
    probe = fit_probe(f_train, train.y, 3, f_val, val.y)
    net = Classifier(model, 3, "blocks").from_probe(probe).eval()
    np.testing.assert_allclose(torch.log_softmax(predict_logits(net, val), 1).numpy(), probe.scores(f_val),
                               rtol=1e-4, atol=1e-4)  # float32




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


def _with_other_padding(windows: CanonicalWindows, valid: np.ndarray, seed: int = 0) -> tuple[CanonicalWindows, ...]:
    """The windows with valid lengths ``valid``, twice: padding as given, and padding replaced by loud noise."""
    noisy = windows.x.copy()
    rng = np.random.default_rng(seed)
    for i, n in enumerate(valid):
        noisy[i, n:] = rng.normal(0, 30, noisy[i, n:].shape) * windows.mask[i][None, :, None]
    return tuple(CanonicalWindows(x, windows.mask, windows.y, valid) for x in (windows.x, noisy))


def _masked_default() -> ImuTextModel:
    """The bundled weights in a model that reads only valid samples (as models trained from now on do)."""
    bundled = load_model("default")
    model = ImuTextModel(dataclasses.replace(bundled.config, masked_padding=True))
    model.load_state_dict(bundled.state_dict())
    return model.eval()


@pytest.mark.parametrize("projected", [True, False])
def test_embed_reads_only_the_valid_samples(projected):
    model = _masked_default()
    windows = _synthetic(4)
    valid = np.tile([20, 60, 200], 4)
    a, b = _with_other_padding(windows, valid)
    torch.testing.assert_close(embed(model, a, projected=projected), embed(model, b, projected=projected),
                               rtol=0, atol=1e-6)
    assert torch.equal(embed(model, windows), embed(model, CanonicalWindows(windows.x, windows.mask, windows.y,
                                                                            np.full(12, 200), [True] * 6)))


def test_embed_and_classifier_use_channel_presence():
    model = load_model("default")
    windows = _synthetic(4)
    loud = windows.x.copy()
    loud[..., 3:] = 50.0 * windows.mask[:, None, :, None]  # gyro content that must not matter once marked absent
    acc = [True] * 3 + [False] * 3
    quiet, noisy = (CanonicalWindows(x, windows.mask, windows.y, channel_mask=acc) for x in (windows.x, loud))
    torch.testing.assert_close(embed(model, quiet), embed(model, noisy), rtol=0, atol=1e-6)
    net = Classifier(model, 3)
    torch.testing.assert_close(predict_logits(net, quiet), predict_logits(net, noisy), rtol=0, atol=1e-5)
    assert not torch.allclose(predict_logits(net, noisy), predict_logits(net, CanonicalWindows(loud, windows.mask)))


def test_predict_logits_and_fine_tune_read_only_the_valid_samples():
    model = ImuTextModel(ModelConfig(encoder="tiny"))
    windows = _synthetic(4)
    a, b = _with_other_padding(windows, np.tile([20, 60, 200], 4))
    net = fine_tune(model, a, a, 3, FineTuneConfig(batch_size=6, min_steps=2, max_steps=2, validate_every=1))
    other = fine_tune(model, b, b, 3, FineTuneConfig(batch_size=6, min_steps=2, max_steps=2, validate_every=1))
    torch.testing.assert_close(predict_logits(net, a), predict_logits(other, b), rtol=1e-5, atol=1e-5)
