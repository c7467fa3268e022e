import numpy as np
import pytest
from scipy.signal import periodogram

from motionfm.resampling import resample, sliding_windows


@pytest.mark.parametrize("fps_in", [25.0, 32.0, 50.0, 100.0, 120.0])
@pytest.mark.parametrize("freq", [0.5, 2.0, 4.5])
def test_resampled_sine_keeps_frequency_and_amplitude(fps_in, freq):
    t = np.arange(int(30 * fps_in)) / fps_in
    x = 3.0 * np.sin(2 * np.pi * freq * t) + 9.8
    y = resample(x, fps_in, 20.0)
    assert len(y) == int(np.ceil(len(x) * 20.0 / fps_in))
    f, p = periodogram(y - y.mean(), fs=20.0)
    assert abs(f[np.argmax(p)] - freq) < 0.05
    inner = y[40:-40]
    np.testing.assert_allclose(np.sqrt(2) * (inner - 9.8).std(), 3.0, rtol=0.03)  # RMS of a sine
    np.testing.assert_allclose(inner.mean(), 9.8, atol=0.05)


def test_resampling_removes_frequencies_above_the_new_nyquist():
    fps_in = 100.0
    t = np.arange(3000) / fps_in
    alias = np.sin(2 * np.pi * 17.0 * t)  # would fold to 3 Hz at 20 Hz without the anti-alias filter
    assert np.abs(resample(alias, fps_in, 20.0)[40:-40]).max() < 0.05


def test_constant_passes_exactly():
    np.testing.assert_allclose(resample(np.full((90, 3), 9.80665), 30.0, 20.0), 9.80665, atol=1e-9)


def test_sliding_windows():
    x = np.arange(50)
    w, starts, valid = sliding_windows(x, 20, 10)
    assert w.shape == (4, 20) and starts.tolist() == [0, 10, 20, 30] and (valid == 20).all()
    np.testing.assert_array_equal(w[1], np.arange(10, 30))
    short, s, v = sliding_windows(np.arange(7), 20, 10)
    assert short.shape == (1, 20) and v.tolist() == [7]
    np.testing.assert_array_equal(short[0], np.resize(np.arange(7), 20))  # padded by repetition
    with pytest.raises(ValueError, match="empty"):
        sliding_windows(np.zeros(0), 20, 10)


@pytest.mark.parametrize("up,down", [(2, 5), (1, 5), (2, 3), (4, 5), (5, 8), (20, 3), (5, 2), (20, 61), (4, 6)])
@pytest.mark.parametrize("n", [2, 3, 50, 1237])
def test_polyphase_resampler_equals_scipy(up, down, n):
    from scipy.signal import resample_poly

    from motionfm.resampling import resample_poly_line
    x = np.random.default_rng(n).normal(size=(n, 2, 3)).cumsum(axis=0)
    np.testing.assert_allclose(resample_poly_line(x, up, down),
                               resample_poly(x, up, down, axis=0, padtype="line"), rtol=0, atol=1e-12)


def test_large_inputs_give_the_same_numbers_through_scipy(monkeypatch):
    import motionfm.resampling as rs
    x = np.random.default_rng(0).normal(size=(900, 4)).cumsum(axis=0) + 9.8
    small = rs.resample(x, 50.0, 20.0)
    monkeypatch.setattr(rs, "SCIPY_ABOVE", 10)
    np.testing.assert_allclose(rs.resample(x, 50.0, 20.0), small, rtol=0, atol=1e-10)


@pytest.mark.parametrize("fps_in,up,down", [(5000.0, 1, 250), (10000.0, 1, 500), (29.97, 2, 3), (50.0, 2, 5)])
def test_high_input_rates_get_their_exact_ratio(fps_in, up, down):
    """Limited to denominators of 200, 5 kHz -> 20 Hz became 1/200 (windows labelled 10 s held 8 s) and 10 kHz
    crashed; 29.97 Hz keeps its short 2/3 (0.1 % off)."""
    from motionfm.resampling import rate_ratio

    ratio = rate_ratio(fps_in, 20.0)
    assert (ratio.numerator, ratio.denominator) == (up, down)
    if fps_in >= 5000:
        assert len(resample(np.zeros((int(fps_in) * 10, 1)), fps_in, 20.0)) == 200


@pytest.mark.parametrize("fps_in,fps_out", [(0.0, 20.0), (50.0, float("nan")), (float("inf"), 20.0)])
def test_rates_that_are_no_rates_are_refused(fps_in, fps_out):
    from motionfm.resampling import rate_ratio

    with pytest.raises(ValueError, match="positive, finite rates"):
        rate_ratio(fps_in, fps_out)
