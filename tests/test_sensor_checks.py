import numpy as np
import pytest

from motionfm.sensor_checks import StuckAxisError, check_stuck_axes, clipping_warnings
from motionfm.units import GRAVITY as G

NAMES = ("ax", "ay", "az", "gx", "gy", "gz")


def moving(samples=1000, seed=0) -> np.ndarray:
    """(T, 6) SI samples of a handled sensor: swinging acceleration, a turning gyroscope, noise on every axis."""
    t = np.arange(samples) / 50.0
    x = np.stack([2 * np.sin(2 * np.pi * t), np.cos(t), 9.8 + 0 * t, 0.5 * np.sin(t), 0 * t, 0 * t], 1)
    return (x + np.random.default_rng(seed).normal(0, 0.01, x.shape)).astype(np.float32)


def test_a_working_sensor_passes():
    assert check_stuck_axes(moving(), NAMES, True) is None and clipping_warnings(moving(), NAMES, True) == []


@pytest.mark.parametrize("col,value,gyro", [(0, 0.0, False), (2, 9.81, False), (5, 0.0, True), (3, 0.1, True)])
def test_a_stuck_axis_of_a_moving_sensor_is_refused(col, value, gyro):
    x = moving()
    x[:, col] = value
    with pytest.raises(StuckAxisError, match=f"{NAMES[col]} = {value:.4g}") as err:
        check_stuck_axes(x, NAMES, True)
    assert err.value.gyro is gyro and "while the sensor moves" in str(err.value)


def test_a_dead_accelerometer_beside_a_turning_gyroscope_is_refused():
    x = moving()
    x[:, :3] = x[:, :3].mean(axis=0)  # what a frozen accelerometer reports while the gyroscope still turns
    with pytest.raises(StuckAxisError, match="accelerometer column.*ax = .*ay = .*az = ") as err:
        check_stuck_axes(x, NAMES, True)
    assert not err.value.gyro


def test_absent_gyroscope_columns_are_not_checked():
    x = moving()
    x[:, 3:] = 0.0
    assert check_stuck_axes(x, NAMES, has_gyro=False) is None


def test_a_sensor_that_never_moves_is_a_warning_not_an_error():
    x = np.tile(np.float32([0.0, 0.1, 9.8, 0.0, 0.0, 0.0]), (500, 1))
    x[:, 0] += np.random.default_rng(0).normal(0, 0.005, 500).astype(np.float32)  # noise on one axis only
    assert "never moves" in check_stuck_axes(x, NAMES, True)


@pytest.mark.parametrize("limit", [1.5, 2.0])
def test_clipping_at_a_range_limit_is_named_with_its_share(limit):
    x = moving()
    x[:, 0] = np.clip(12 * x[:, 0], -limit * G, limit * G)  # a 2.4 g swing on a +-limit g sensor
    notes = clipping_warnings(x, NAMES, True)
    share = 100 * np.mean(x[:, 0] == x[:, 0].max())
    assert [n.split(" (")[0] for n in notes] == ["ax sits at its maximum", "ax sits at its minimum"]
    assert f"({limit:.2f} g) in {share:.1f} % of the samples" in notes[0]


def test_a_value_reached_a_few_times_is_not_clipping():
    x = moving()
    x[:, 1] *= 20
    x[[10, 400, 800], 1] = 25.0  # three peaks at one value: under ten samples
    assert clipping_warnings(x, NAMES, True) == []


def test_quantised_sensors_at_rest_are_neither_clipped_nor_stuck():
    """A 12-bit +-8 g accelerometer (LSB 3.9 mg) and a 6-bit +-1.5 g one (WHARF's codes, LSB 47 mg) that
    barely move: values flip between a few codes, one axis stays on one code. Not clipping, not refused."""
    rng = np.random.default_rng(0)
    for lsb in (16 * G / 4096, 3 * G / 64):
        x = np.zeros((6000, 6), np.float32)
        x[:, 0] = lsb * rng.integers(0, 2, 6000)  # flips between two codes
        x[:, 1] = lsb * np.round(np.linspace(0, 2, 6000))  # a slow tilt over two codes
        x[:, 2] = lsb * np.round(G / lsb)  # one code throughout
        assert clipping_warnings(x, NAMES, False) == []
        assert "never moves" in check_stuck_axes(x, NAMES, False)
