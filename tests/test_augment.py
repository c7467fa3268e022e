import pytest
import torch

from motionfm.augment import mask_joints, random_joint_mask, random_rotation


@pytest.fixture
def batch():
    return torch.randn(16, 50, 22, 6, generator=torch.Generator().manual_seed(0))


def test_rotation_preserves_per_joint_magnitudes(batch):
    out = random_rotation(batch, torch.Generator().manual_seed(1))
    for s in (slice(0, 3), slice(3, 6)):
        torch.testing.assert_close(out[..., s].norm(dim=-1), batch[..., s].norm(dim=-1), rtol=1e-5, atol=1e-5)
    assert (out - batch).abs().max() > 1.0


def test_rotation_is_one_rotation_per_sample_joint_for_all_time(batch):
    out = random_rotation(batch, torch.Generator().manual_seed(2))
    # rotations preserve inner products between any two time steps and between acc and gyro
    a, b = batch[..., :3], batch[..., 3:]
    ra, rb = out[..., :3], out[..., 3:]
    torch.testing.assert_close((ra[:, :1] * ra).sum(-1), (a[:, :1] * a).sum(-1), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close((ra * rb).sum(-1), (a * b).sum(-1), rtol=1e-4, atol=1e-4)
    # and different joints get different rotations
    same_input = batch[:, :, :1].expand(-1, -1, 22, -1).contiguous()
    rotated = random_rotation(same_input, torch.Generator().manual_seed(3))
    assert (rotated[:, :, 0] - rotated[:, :, 1]).abs().max() > 0.5


def test_rotation_is_seeded(batch):
    a = random_rotation(batch, torch.Generator().manual_seed(4))
    b = random_rotation(batch, torch.Generator().manual_seed(4))
    torch.testing.assert_close(a, b)


@pytest.mark.parametrize("n_present", [1, 3, 22])
def test_joint_mask_keeps_one_to_five_present_joints(n_present):
    present = torch.zeros(2000, 22, dtype=torch.bool)
    present[:, :n_present] = True
    kept = random_joint_mask(present, generator=torch.Generator().manual_seed(0))
    counts = kept.sum(1)
    assert (kept & ~present).sum() == 0
    assert counts.min() >= 1 and counts.max() <= min(5, n_present)
    if n_present == 22:
        assert set(counts.tolist()) == {1, 2, 3, 4, 5}  # k ~ U{1..5}
        assert abs(counts.float().mean().item() - 3.0) < 0.1
        assert kept.float().mean(0).std() < 0.03  # every joint equally likely


def test_mask_joints_zeroes_the_rest(batch):
    present = torch.ones(16, 22, dtype=torch.bool)
    masked, kept = mask_joints(batch, present, generator=torch.Generator().manual_seed(0))
    assert (masked[~kept[:, None, :].expand(-1, 50, -1)] == 0).all()
    torch.testing.assert_close(masked[kept[:, None, :].expand(-1, 50, -1)], batch[kept[:, None, :].expand(-1, 50, -1)])


def test_bad_shape():
    with pytest.raises(ValueError, match=r"\(B, T, J, 6\)"):
        random_rotation(torch.zeros(3, 22, 6))


# --- views for the self-supervised (SimCLR) term --------------------------------------------------------

from motionfm.augment import AUGMENTATIONS, augment_view, random_scale, time_reverse  # noqa: E402


def test_time_reverse_is_physical(batch):
    out = time_reverse(batch)
    torch.testing.assert_close(out[:, :, :, :3], batch.flip(1)[..., :3])  # acceleration is even in time
    torch.testing.assert_close(out[:, :, :, 3:], -batch.flip(1)[..., 3:])  # angular velocity is odd
    torch.testing.assert_close(time_reverse(out), batch)


def test_scale_is_one_factor_per_sample_sensor(batch):
    out = random_scale(batch, generator=torch.Generator().manual_seed(0))
    ratio = out / batch
    assert ratio.min() >= 0.8 - 1e-5 and ratio.max() <= 1.2 + 1e-5
    torch.testing.assert_close(ratio, ratio[:, :1, :, :1].expand_as(ratio), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("names", [["scale"], ["reverse"], ["rotate"], ["jitter"], ["scale", "reverse"]])
def test_each_named_view_changes_what_runs(batch, names):
    out = augment_view(batch, names, torch.Generator().manual_seed(0))
    assert out.shape == batch.shape and (out - batch).abs().max() > 1e-3
    others = [n for n in AUGMENTATIONS if [n] != names]
    for other in others:
        assert not torch.allclose(augment_view(batch, [other], torch.Generator().manual_seed(0)), out)


def test_unknown_augmentation_lists_the_known(batch):
    with pytest.raises(ValueError, match="known: scale, reverse, rotate, jitter"):
        augment_view(batch, ["flip"])


@pytest.mark.parametrize("p,expected", [(0.0, 0), (1.0, 8)])
def test_gravity_removal_matches_the_phone_filter(p, expected):
    """Windows whose acceleration is gravity + motion: removed ones equal motionfm.gravity.remove_gravity
    (the IIR filter) window by window; the gyroscope is never touched."""
    from motionfm.augment import random_gravity_removal
    from motionfm.gravity import remove_gravity

    g = torch.Generator().manual_seed(0)
    t = torch.arange(200) / 20.0
    base = torch.zeros(8, 200, 3, 6)
    base[..., 2] = 9.80665
    base[..., 0] = 0.5 * torch.sin(2 * torch.pi * 1.5 * t)[None, :, None]
    base[..., 3:] = torch.randn(8, 200, 3, 3, generator=g)
    out = random_gravity_removal(base, p, 20.0, generator=torch.Generator().manual_seed(1))
    changed = (out - base).abs().amax(dim=(1, 2, 3)) > 1e-3
    assert int(changed.sum()) == expected
    torch.testing.assert_close(out[..., 3:], base[..., 3:])
    if expected:
        ref = remove_gravity(base[..., :3].permute(0, 2, 1, 3).numpy(), 20.0)  # (B, J, T, 3)
        torch.testing.assert_close(out[..., :3], torch.from_numpy(ref).permute(0, 2, 1, 3), atol=1e-3, rtol=0)


def test_gravity_removal_picks_a_share_of_samples():
    from motionfm.augment import random_gravity_removal

    base = torch.zeros(400, 40, 1, 6)
    base[..., 2] = 9.80665
    out = random_gravity_removal(base, 0.3, 20.0, generator=torch.Generator().manual_seed(0))
    share = ((out - base).abs().amax(dim=(1, 2, 3)) > 1.0).float().mean()
    assert 0.24 < float(share) < 0.36


@pytest.mark.parametrize("lengths", [[50, 50], [1, 50], [7, 23]])
def test_time_reverse_within_the_valid_part_keeps_padding_in_place(batch, lengths):
    x, n = batch[:2], torch.tensor(lengths)
    out = time_reverse(x, valid_len=n)
    for i, k in enumerate(lengths):
        torch.testing.assert_close(out[i, :k], time_reverse(x[i:i + 1, :k])[0])  # the valid part, reversed
        torch.testing.assert_close(out[i, k:], x[i, k:] * torch.tensor([1.0] * 3 + [-1.0] * 3))  # stays at the end
    torch.testing.assert_close(time_reverse(out, valid_len=n), x)
    torch.testing.assert_close(augment_view(x, ["reverse"], valid_len=n), out)
