import numpy as np
import pytest

from motionfm.units import acc_to_ms2, guess_acc_unit, gyro_to_rads, normalise_unit


@pytest.mark.parametrize("unit,value,expected", [("g", 1.0, 9.80665), ("m/s2", 9.8, 9.8), ("m/s^2", 2.0, 2.0),
                                                 ("wharf-code", 63.0, 1.5 * 9.80665), ("wharf-code", 0.0, -1.5 * 9.80665)])
def test_acc_units(unit, value, expected):
    np.testing.assert_allclose(acc_to_ms2(np.array([value]), unit), expected)


def test_gyro_units():
    np.testing.assert_allclose(gyro_to_rads(np.array([180.0]), "deg/s"), np.pi)
    np.testing.assert_allclose(gyro_to_rads(np.array([1.0]), "rad/s"), 1.0)


def test_unknown_unit():
    with pytest.raises(ValueError, match="unknown accelerometer unit 'furlongs'.*m/s2, g"):
        acc_to_ms2(np.zeros(3), "furlongs")
    with pytest.raises(ValueError, match="gyroscope"):
        normalise_unit("rpm", ("rad/s", "deg/s"), "gyroscope")


def test_guess_from_gravity():
    rng = np.random.default_rng(0)
    still_g = np.array([0.0, 0.0, 1.0]) + rng.normal(0, 0.05, (500, 3))
    assert guess_acc_unit(still_g) == "g" and guess_acc_unit(still_g * 9.80665) == "m/s2"
    with pytest.raises(ValueError, match="cannot tell"):
        guess_acc_unit(still_g * 100)


def test_milli_g():
    np.testing.assert_allclose(acc_to_ms2(np.array([1000.0]), "mg"), 9.80665)
    assert normalise_unit("milli-g", ("m/s2", "g", "mg"), "accelerometer") == "mg"


@pytest.mark.parametrize("amplitude,freq", [(0.5, 0.2), (1.0, 0.5), (0.3, 1.0)])
def test_gyro_gravity_ratio_is_one_for_a_rigid_rotation(amplitude, freq):
    """Tilt about x by theta(t): gravity reads (0, sin, cos) g and the gyroscope (theta', 0, 0) rad/s."""
    from motionfm.units import check_gyro_unit, gyro_gravity_ratio

    t = np.arange(3000) / 50.0
    theta = amplitude * np.sin(2 * np.pi * freq * t)
    acc = np.stack([0 * t, np.sin(theta), np.cos(theta)], 1)
    gyro = np.stack([np.gradient(theta, t), 0 * t, 0 * t], 1)
    ratio, turn = gyro_gravity_ratio(acc, gyro, 50.0)
    assert ratio == pytest.approx(1.0, abs=0.05) and turn > 0.1
    assert check_gyro_unit(acc, gyro, 50.0, "rad/s") is None
    with pytest.raises(ValueError, match="--gyro-units deg/s"):
        check_gyro_unit(acc, np.degrees(gyro), 50.0, "rad/s")
    with pytest.raises(ValueError, match="--gyro-units rad/s"):
        check_gyro_unit(acc, np.radians(gyro), 50.0, "deg/s")


def test_yaw_about_gravity_is_ignored():
    from motionfm.units import gyro_gravity_ratio

    t = np.arange(3000) / 50.0
    acc = np.stack([0 * t, 0 * t, 1 + 0 * t], 1) + 0.001 * np.sin(t)[:, None]
    yaw = np.stack([0 * t, 0 * t, 2.0 * np.sin(t)], 1)  # turning on the spot: gravity stays on z
    ratio, turn = gyro_gravity_ratio(acc, yaw, 50.0)
    assert ratio * turn < 0.01  # of a 1.41 rad/s RMS yaw
