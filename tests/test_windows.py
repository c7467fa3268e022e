"""The canonical window type and the one function that places sensors on the 22-joint layout."""

import numpy as np
import pytest

from motionfm.skeleton import NUM_JOINTS, joint_index
from motionfm.windows import RATE_HZ, CanonicalWindows, place_sensors


def coded(n=4, t=10, s=2) -> np.ndarray:
    """(n, t, s, 6) whose every value names its place: 1000 window + 100 sensor + 10 channel + t/100."""
    i, k, j, c = np.meshgrid(np.arange(n), np.arange(t), np.arange(s), np.arange(6), indexing="ij")
    return (1000 * i + 100 * j + 10 * c + k / 100).astype(np.float32)


def test_rate_is_twenty_hz():
    assert RATE_HZ == 20.0


@pytest.mark.parametrize("joints", [np.array([3, 17]), np.array([[3, 17], [0, 21], [5, 6], [13, 12]])])
def test_place_sensors_puts_each_sensor_in_its_joint(joints):
    x = coded()
    out, mask = place_sensors(x, joints)
    per_window = np.broadcast_to(joints, (4, 2))
    assert out.shape == (4, 10, NUM_JOINTS, 6) and out.dtype == np.float32
    for i in range(4):
        for s in range(2):
            np.testing.assert_array_equal(out[i, :, per_window[i, s]], x[i, :, s])
        assert set(np.nonzero(mask[i])[0]) == set(per_window[i].tolist())
        assert (out[i][:, ~mask[i]] == 0).all()


def test_place_one_sensor():
    x = coded(s=1)[:, :, 0]  # (n, t, 6)
    out, mask = place_sensors(x, joint_index("left_wrist"))
    assert mask.sum() == 4 and mask[:, joint_index("left_wrist")].all()
    np.testing.assert_array_equal(out[:, :, joint_index("left_wrist")], x)
    assert out[2, 5, joint_index("left_wrist"), 3] == pytest.approx(2030.05)


def test_defaults_and_take_keep_fields_aligned():
    out, mask = place_sensors(coded(), [3, 17])
    w = CanonicalWindows(out, mask, y=[0, 1, 2, 3], valid_len=[10, 9, 8, 7],
                         channel_mask=[True, True, True, False, False, False], start_s=[0.0, 5.0, 10.0, 15.0])
    assert len(w) == 4 and w.length == 10 and w.channel_mask.shape == (4, 6) and not w.channel_mask[:, 3:].any()
    for index in (np.array([3, 1]), np.array([False, True, False, True]), slice(1, 4, 2)):
        part = w.take(index)
        rows = np.arange(4)[index]
        assert part.y.tolist() == rows.tolist() and part.valid_len.tolist() == (10 - rows).tolist()
        assert part.start_s.tolist() == (5.0 * rows).tolist()
        assert part.x[:, 0, 3, 0].tolist() == (1000.0 * rows).tolist()  # window i's sensor 0 channel 0 at t=0
    bare = CanonicalWindows(out, mask)
    assert bare.valid_len.tolist() == [10] * 4 and bare.channel_mask.all() and bare.y is None and bare.start_s is None
    assert bare.take([0]).y is None


@pytest.mark.parametrize("change,message", [
    (dict(x=np.zeros((4, 10, 21, 6))), r"\(n, time, 22, 6\); got \(4, 10, 21, 6\)"),
    (dict(x=np.zeros((4, 10, 22))), r"got \(4, 10, 22\)"),
    (dict(mask=np.ones((3, 22), bool)), r"mask must have shape \(4, 22\)"),
    (dict(y=[0, 1]), r"y must have shape \(4,\)"),
    (dict(valid_len=[10, 10, 0, 10]), r"valid_len must lie in 1..10"),
    (dict(valid_len=[10, 11, 10, 10]), r"valid_len must lie in 1..10"),
    (dict(channel_mask=np.ones((4, 5), bool)), r"channel_mask must have shape \(4, 6\)"),
    (dict(start_s=[0.0]), r"start_s must have shape \(4,\)"),
])
def test_bad_windows_are_refused_in_one_line(change, message):
    fields = {"x": np.zeros((4, 10, 22, 6)), "mask": np.ones((4, 22), bool), **change}
    with pytest.raises(ValueError, match=message) as info:
        CanonicalWindows(**fields)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused(bad):
    x = np.zeros((2, 10, 22, 6), np.float32)
    x[1, 7, 21, 4] = bad
    with pytest.raises(ValueError, match="NaN or infinite"):
        CanonicalWindows(x, np.ones((2, 22), bool))
