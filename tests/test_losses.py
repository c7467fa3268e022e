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


# --- PRIMUS terms ---------------------------------------------------------------------------------------

from motionfm.losses import SimCLRLoss, nearest_neighbour_loss  # noqa: E402


def _hand_nt_xent(a, b, t):
    """NT-Xent written out: 2n anchors, each with its other view as positive and the 2n - 2 others as negatives."""
    z = np.concatenate([a, b])
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    n = len(a)
    total = 0.0
    for i in range(2 * n):
        pos = (i + n) % (2 * n)
        denom = sum(math.exp(z[i] @ z[k] / t) for k in range(2 * n) if k != i)
        total += -(z[i] @ z[pos] / t) + math.log(denom)
    return total / (2 * n)


def test_simclr_matches_hand_computation():
    a = np.array([[1.0, 0.0], [0.0, 1.0]])
    b = np.array([[0.6, 0.8], [0.8, -0.6]])
    got = SimCLRLoss(temperature=0.5)(torch.tensor(a), torch.tensor(b)).item()
    assert got == pytest.approx(_hand_nt_xent(a, b, 0.5), rel=1e-9)
    # worked on paper: cos(a0,b0)=0.6, cos(a1,b1)=-0.6, cos(a0,a1)=0, cos(b0,b1)=0, cos(a0,b1)=0.8, cos(a1,b0)=0.8;
    # anchor a0: -1.2 + log(e^0 + e^1.2 + e^1.6) = 1.0271; a1: 1.2 + log(1 + e^-1.2 + e^1.6) = 3.0333;
    # b0: -1.2 + log(e^1.2 + e^1.6 + 1) = 1.0271; b1: 1.2 + log(e^1.6 + e^-1.2 + 1) = 3.0333; mean 2.0302
    assert got == pytest.approx(2.0302, abs=1e-4)


def test_simclr_is_low_for_matching_views():
    z = torch.eye(4, dtype=torch.float64)
    loss = SimCLRLoss(temperature=0.05)
    assert loss(z, z).item() < 1e-6
    assert loss(z, z[[1, 2, 3, 0]]).item() > 10


def test_clip_loss_with_missing_pairs_matches_hand_computation():
    a = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]])
    b = np.array([[0.8, 0.6], [0.0, 1.0], [1.0, 1.0]])
    valid = torch.tensor([True, False, True])
    loss = ClipLoss(init_temperature=0.5)
    got = loss(torch.tensor(a), torch.tensor(b), valid=valid).item()
    keep = [0, 2]  # the missing pair is neither an anchor nor a negative
    assert got == pytest.approx(_hand_clip_loss(a[keep], b[keep], 0.5), rel=1e-6)
    assert loss(torch.tensor(a), torch.tensor(b), valid=torch.zeros(3, dtype=torch.bool)).item() == 0.0


def test_nearest_neighbour_loss_sums_one_term_per_modality():
    gen = torch.Generator().manual_seed(0)
    imu, nn_imu, nn_text = (torch.randn(4, 3, generator=gen, dtype=torch.float64) for _ in range(3))
    clip = ClipLoss(init_temperature=0.2)
    got = nearest_neighbour_loss(clip, imu, [(nn_imu, None, None), (nn_text, None, None)]).item()
    expect = _hand_clip_loss(imu.numpy(), nn_imu.numpy(), 0.2) + _hand_clip_loss(imu.numpy(), nn_text.numpy(), 0.2)
    assert got == pytest.approx(expect, rel=1e-6)
