"""motionfm: pre-trained motion-sensor (IMU) encoders (UniMTS, PRIMUS) on one data model and one CLI.

Canonical window: float32 (time, 22 joints, 6 channels [ax, ay, az, gx, gy, gz]); m/s^2 with gravity,
rad/s, sensor frame, 20 Hz. See DESIGN.md.
"""

__version__ = "0.1.0"


def load_model(name_or_path="default", device="cpu"):
    """Load a saved or bundled model (see motionfm.hub.load_model)."""
    from .hub import load_model as _load

    return _load(name_or_path, device)
