"""Gravity removal: answers known by construction (a constant is removed, fast motion passes)."""

import numpy as np
import pytest

from motionfm.gravity import remove_gravity

FPS = 50.0
T = np.arange(int(60 * FPS)) / FPS


def still_then_swing(hz: float) -> np.ndarray:
    """(T, 3) m/s^2: gravity on z, a 0.5 m/s^2 swing at ``hz`` on x."""
    return np.stack([0.5 * np.sin(2 * np.pi * hz * T), 0 * T, 9.80665 + 0 * T], 1)


@pytest.mark.parametrize("hz", [0.05, 0.3, 1.0, 2.0, 5.0])
def test_constant_gravity_removed_and_motion_kept_as_the_filter_says(hz):
    """What is left of a swing at ``hz`` is |1 - H(hz)| of it, H the 0.3 Hz Butterworth's response; gravity
    (0 Hz) is gone from the first sample on."""
    from scipy.signal import butter, sosfreqz

    out = remove_gravity(still_then_swing(hz), FPS)
    assert np.abs(out[:, 2]).max() < 1e-5  # no start-up transient for a still sensor
    _, h = sosfreqz(butter(3, 0.3, fs=FPS, output="sos"), [hz], fs=FPS)
    late = slice(int(30 * FPS), None)  # past the filter's settling
    amplitude = np.sqrt(2 * np.mean(out[late, 0] ** 2)) / 0.5
    assert amplitude == pytest.approx(abs(1 - h[0]), rel=0.03)
    assert abs(1 - h[0]) > 0.99 or hz < 1.0  # walking and faster pass whole


def test_batches_equal_one_at_a_time():
    windows = np.stack([still_then_swing(1.0), 2 * still_then_swing(2.0)])
    out = remove_gravity(windows, FPS)
    assert out.shape == windows.shape and out.dtype == np.float32
    np.testing.assert_allclose(out[1], remove_gravity(windows[1], FPS), atol=1e-5)


@pytest.mark.parametrize("cutoff", [0.0, 25.0, -1.0])
def test_bad_cutoff(cutoff):
    with pytest.raises(ValueError, match="cutoff"):
        remove_gravity(still_then_swing(1.0), FPS, cutoff)
