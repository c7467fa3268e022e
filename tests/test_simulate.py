"""Physics tests: signals whose right answer is known in closed form."""

import numpy as np
import pytest

from conftest import spin_about_y, t_pose, tilt
from motionfm.geometry import quat_rotate, random_quaternions
from motionfm.motion.clip import MotionClip
from motionfm.simulate import ClipTooShortError, SimConfig, frames_from_positions, simulate_clip, simulate_imu
from motionfm.skeleton import MAIN_CHILD, REST_DIRECTIONS
from motionfm.units import GRAVITY

FPS = [20.0, 30.0, 60.0, 120.0]


def _norm(x):
    return np.linalg.norm(x, axis=-1)


@pytest.mark.parametrize("fps", FPS)
@pytest.mark.parametrize("with_rotations", [True, False])
def test_still_skeleton_reads_gravity(fps, with_rotations):
    pos = np.broadcast_to(t_pose(), (int(4 * fps), 22, 3))
    rot = tilt(np.tile([1.0, 0, 0, 0], pos.shape[:2] + (1,)), random_quaternions(22, np.random.default_rng(0)))
    imu = simulate_imu(pos, fps, rot if with_rotations else None)
    assert imu.shape == (80, 22, 6) and imu.dtype == np.float32
    np.testing.assert_allclose(_norm(imu[..., :3]), GRAVITY, atol=0.05)
    np.testing.assert_allclose(imu[..., 3:], 0, atol=1e-3)


def test_still_upright_sensor_reads_plus_g_on_up_axis():
    pos = np.broadcast_to(t_pose(), (60, 22, 3))
    rot = np.tile([1.0, 0, 0, 0], (60, 22, 1))
    imu = simulate_imu(pos, 30.0, rot)
    np.testing.assert_allclose(imu[..., :3], np.broadcast_to([0, GRAVITY, 0], imu[..., :3].shape), atol=1e-3)


@pytest.mark.parametrize("fps", FPS)
@pytest.mark.parametrize("omega", [0.5, 2.0, -3.0])
def test_spin_about_vertical_reads_omega(fps, omega):
    pos, rot = spin_about_y(omega, fps, 6.0)
    imu = simulate_imu(pos, fps, rot)
    np.testing.assert_allclose(imu[..., 4], omega, atol=0.02 * abs(omega) + 1e-3)  # gyro y = axis of rotation
    np.testing.assert_allclose(imu[..., [3, 5]], 0, atol=0.02 * abs(omega) + 1e-3)
    # frames derived from the bones spin too: |gyro| = |omega| whatever the frame
    derived = simulate_imu(pos, fps, None)
    np.testing.assert_allclose(_norm(derived[..., 3:]), abs(omega), rtol=0.03)


@pytest.mark.parametrize("fps", FPS)
def test_circle_reads_centripetal_acceleration(fps):
    omega = 2.0
    pos, rot = spin_about_y(omega, fps, 6.0)
    imu = simulate_imu(pos, fps, rot)
    radius = np.linalg.norm((t_pose() - t_pose()[0])[:, [0, 2]], axis=-1)  # distance from the spin axis
    horizontal = _norm(imu[..., [0, 2]])  # the sensor y axis stays vertical: remove gravity by dropping it
    np.testing.assert_allclose(imu[..., 1], GRAVITY, atol=0.05)
    np.testing.assert_allclose(horizontal, np.broadcast_to(radius * omega**2, horizontal.shape), atol=0.05,
                               rtol=0.02)


@pytest.mark.parametrize("fps", FPS)
def test_free_fall_reads_zero(fps):
    t = np.arange(int(3 * fps)) / fps
    pos = t_pose()[None] + np.array([0.3, 0.0, -0.2]) * t[:, None, None] \
        - 0.5 * GRAVITY * (t**2)[:, None, None] * np.array([0, 1.0, 0])
    rot = tilt(np.tile([1.0, 0, 0, 0], pos.shape[:2] + (1,)), random_quaternions(22, np.random.default_rng(3)))
    imu = simulate_imu(pos, fps, rot)
    np.testing.assert_allclose(_norm(imu[..., :3]), 0, atol=0.05)


def test_output_rate_and_length():
    pos = np.broadcast_to(t_pose(), (120, 22, 3))
    assert simulate_imu(pos, 60.0).shape[0] == 40
    assert simulate_imu(pos, 60.0, config=SimConfig(fps_out=50.0)).shape[0] == 100


def test_noise_has_the_configured_spread():
    pos = np.broadcast_to(t_pose(), (600, 22, 3))
    clean = simulate_imu(pos, 30.0)
    noisy = simulate_imu(pos, 30.0, config=SimConfig(noise=True, seed=1))
    np.testing.assert_allclose((noisy - clean)[..., :3].std(), 0.6, rtol=0.05)
    np.testing.assert_allclose((noisy - clean)[..., 3:].std(), 0.017, rtol=0.05)


def test_sensor_offset_adds_lever_arm_only_when_moving():
    still = np.broadcast_to(t_pose(), (90, 22, 3))
    cfg = SimConfig(offset_std=0.05, seed=0)
    np.testing.assert_allclose(_norm(simulate_imu(still, 30.0, config=cfg)[..., :3]), GRAVITY, atol=0.05)
    pos, rot = spin_about_y(3.0, 30.0, 4.0)
    moved = simulate_imu(pos, 30.0, rot, config=cfg)
    assert np.abs(moved[..., :3] - simulate_imu(pos, 30.0, rot)[..., :3]).max() > 0.1
    np.testing.assert_allclose(moved[..., 3:], simulate_imu(pos, 30.0, rot)[..., 3:], atol=1e-4)  # gyro unchanged


def test_leaf_sensor_takes_parent_orientation():
    pos = np.broadcast_to(t_pose(), (60, 22, 3))
    rot = tilt(np.tile([1.0, 0, 0, 0], (60, 22, 1)), random_quaternions(22, np.random.default_rng(5)))
    imu = simulate_imu(pos, 30.0, rot)
    for leaf, parent in [(13, 12), (17, 16), (4, 3)]:
        np.testing.assert_allclose(imu[:, leaf], imu[:, parent], atol=1e-5)


def test_frames_from_positions_of_a_spinning_t_pose_are_the_spin():
    pos, rot = spin_about_y(1.0, 20.0, 2.0)  # every segment turns with the body: rot is the known answer
    q = frames_from_positions(pos)
    same = np.abs((q * rot).sum(-1))  # |q . rot| = 1 when q = +-rot
    np.testing.assert_allclose(same, 1.0, atol=1e-6)


def test_frames_from_positions_take_each_rest_bone_onto_the_observed_bone():
    rng = np.random.default_rng(3)
    pos = np.broadcast_to(t_pose(), (5, 22, 3)) + rng.normal(0, 0.03, (5, 22, 3))  # bent, uneven bones
    q = frames_from_positions(pos)
    rest = np.asarray(REST_DIRECTIONS, dtype=np.float64)
    for j in range(1, 22):
        child = MAIN_CHILD[j]
        if child < 0:
            continue
        bone = pos[:, child] - pos[:, j]
        predicted = quat_rotate(q[:, j], np.broadcast_to(rest[child], bone.shape))
        np.testing.assert_allclose(predicted, bone / _norm(bone)[:, None], atol=1e-6)


def test_bad_input():
    with pytest.raises(ValueError, match=r"\(T, 22, 3\)"):
        simulate_imu(np.zeros((50, 21, 3)), 30.0)
    bad = np.broadcast_to(t_pose(), (50, 22, 3)).copy()
    bad[10, 3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        simulate_imu(bad, 30.0)
    with pytest.raises(ClipTooShortError, match="at least"):
        simulate_imu(np.broadcast_to(t_pose(), (3, 22, 3)), 30.0)


def test_simulate_clip():
    clip = MotionClip(np.broadcast_to(t_pose(), (40, 22, 3)).copy(), 20.0)
    assert simulate_clip(clip).shape == (40, 22, 6)
