import numpy as np
import pytest

from motionfm.values import is_real, is_whole


@pytest.mark.parametrize("value,real,whole", [
    (3, True, True), (2.5, True, False), (np.float32(0.5), True, False), (np.int64(7), True, True),
    (True, False, False), ("50", False, False), (None, False, False), (float("nan"), False, False),
    (float("inf"), False, False), ([1.0], False, False), (np.array([1.0]), False, False), (2.0, True, False),
])
def test_what_counts_as_a_number(value, real, whole):
    assert is_real(value) is real and is_whole(value) is whole
