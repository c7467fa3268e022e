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
