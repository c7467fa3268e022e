"""What counts as a number in a user's argument: one finite real value, not a bool, a string or None.

NumPy only, so the command line and the readers can check arguments before heavier imports.
"""

from __future__ import annotations

import numpy as np


def is_real(value) -> bool:
    """True for one finite real number: an int, a float or a NumPy scalar of either (a bool is not one)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and bool(np.isfinite(value))


def is_whole(value) -> bool:
    """True for one whole number: an int or a NumPy integer (a bool is not one, nor is 2.0)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
