import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from motionfm.losses import ClipLoss, caption_ids, info_nce


def _hand_clip_loss(a, b, t, same=None):
    """Direct transcription of the symmetric InfoNCE formula."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    s = a @ b.T / t
    total = 0.0
    for logits in (s, s.T):
        for i in range(len(logits)):
            keep = [j for j in range(len(logits)) if j == i or same is None or not same[i, j]]
            total += -logits[i, i] + math.log(sum(math.exp(logits[i, j]) for j in keep))
    return total / (2 * len(s))


def test_loss_matches_hand_computation_3x3():
    a = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
    b = np.array([[0.8, 0.6], [0.0, 1.0], [1.0, 1.0]])
    loss = ClipLoss(init_temperature=0.5)
    got = loss(torch.tensor(a), torch.tensor(b)).item()
    assert got == pytest.approx(_hand_clip_loss(a, b, 0.5), rel=1e-6)
    # worked on paper: logits = cos / 0.5 = [[1.6, 0, 1.4142], [1.92, 1.6, 1.9799], [1.2, 2, 1.4142]];
    # row terms 0.7092, 1.3453, 1.2819; column terms 1.1143, 0.9909, 1.3246; mean 1.1277
    assert got == pytest.approx(1.1277, abs=1e-4)


def test_identical_captions_are_not_negatives():
    a = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]], dtype=torch.float64)
    b = torch.tensor([[1.0, 0.05], [1.0, 0.05], [0.0, 1.0]], dtype=torch.float64)
    ids = caption_ids(["a person walks", "a person walks", "a person sits"])
    assert ids[0] == ids[1] != ids[2]
    loss = ClipLoss(init_temperature=0.1)
    same = (ids[:, None] == ids[None, :]).numpy()
    assert loss(a, b, ids).item() == pytest.approx(_hand_clip_loss(a.numpy(), b.numpy(), 0.1, same), rel=1e-6)
    assert loss(a, b, ids).item() < loss(a, b).item()  # the twin caption no longer counts against the pair


def test_temperature_is_clamped():
    loss = ClipLoss(init_temperature=1e-4)
    assert loss.scale().item() == pytest.approx(100.0)


def test_info_nce_targets():
    q = torch.eye(3)
    assert info_nce(q, q, torch.arange(3), torch.tensor(100.0)).item() < 1e-6
    assert info_nce(q, q, torch.tensor([1, 2, 0]), torch.tensor(100.0)).item() > 50


def test_loss_decreases_when_overfitting():
    torch.manual_seed(0)
    text = F.normalize(torch.randn(16, 8), dim=-1)
    x = torch.randn(16, 5)
    net = torch.nn.Linear(5, 8)
    loss = ClipLoss()
    opt = torch.optim.Adam([*net.parameters(), *loss.parameters()], lr=0.05)
    first = None
    for _ in range(200):
        value = loss(net(x), text)
        first = value.item() if first is None else first
        opt.zero_grad()
        value.backward()
        opt.step()
    assert value.item() < 0.1 * first
