import itertools

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation

from motionfm import geometry as g

ORDERS = ["".join(p) for p in itertools.permutations("XYZ")] + ["ZXZ", "XYX"]
ORDERS += [o.lower() for o in ORDERS]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("order", ORDERS)
def test_euler_matches_scipy_and_round_trips(order, rng):
    angles = rng.uniform(-1.5, 1.5, (50, 3))
    m = g.euler_to_matrix(angles, order)
    np.testing.assert_allclose(m, Rotation.from_euler(order, angles).as_matrix(), atol=1e-12)
    back = g.euler_to_matrix(g.matrix_to_euler(m, order), order)
    np.testing.assert_allclose(back, m, atol=1e-10)


def test_bvh_order_is_intrinsic(rng):
    a = rng.uniform(-3, 3, 3)
    expected = g.axis_angle_matrix("z", a[0]) @ g.axis_angle_matrix("x", a[1]) @ g.axis_angle_matrix("y", a[2])
    np.testing.assert_allclose(g.euler_to_matrix(a, "ZXY"), expected, atol=1e-12)
    np.testing.assert_allclose(g.euler_to_matrix(np.degrees(a), "ZXY", degrees=True), expected, atol=1e-12)


def test_bad_order():
    with pytest.raises(ValueError, match="Euler order"):
        g.euler_to_matrix(np.zeros(3), "XyZ")


def test_quaternion_matrix_round_trip_and_scipy(rng):
    q = g.random_quaternions(1000, rng)
    m = g.quat_to_matrix(q)
    np.testing.assert_allclose(m, Rotation.from_quat(q[:, [1, 2, 3, 0]]).as_matrix(), atol=1e-12)
    np.testing.assert_allclose(g.matrix_to_quat(m), q, atol=1e-9)
    np.testing.assert_allclose(m @ np.swapaxes(m, -1, -2), np.broadcast_to(np.eye(3), m.shape), atol=1e-12)


def test_multiply_conjugate_rotate(rng):
    a, b = g.random_quaternions(100, rng), g.random_quaternions(100, rng)
    v = rng.normal(size=(100, 3))
    np.testing.assert_allclose(g.quat_rotate(g.quat_multiply(a, b), v), g.quat_rotate(a, g.quat_rotate(b, v)), atol=1e-12)
    np.testing.assert_allclose(g.quat_rotate(g.quat_conjugate(a), g.quat_rotate(a, v)), v, atol=1e-12)
    np.testing.assert_allclose(g.quat_to_matrix(g.quat_multiply(a, b)), g.quat_to_matrix(a) @ g.quat_to_matrix(b), atol=1e-12)


@pytest.mark.parametrize("fn", ["quat_multiply", "quat_rotate", "quat_to_matrix", "matrix_to_quat", "slerp", "euler"])
def test_torch_matches_numpy(fn, rng):
    a, b = g.random_quaternions(64, rng), g.random_quaternions(64, rng)
    v = rng.normal(size=(64, 3))
    calls = {
        "quat_multiply": lambda x, y, w: g.quat_multiply(x, y),
        "quat_rotate": lambda x, y, w: g.quat_rotate(x, w),
        "quat_to_matrix": lambda x, y, w: g.quat_to_matrix(x),
        "matrix_to_quat": lambda x, y, w: g.matrix_to_quat(g.quat_to_matrix(x)),
        "slerp": lambda x, y, w: g.slerp(x, y, 0.3),
        "euler": lambda x, y, w: g.euler_to_matrix(w, "YZX"),
    }
    ref = calls[fn](a, b, v)
    out = calls[fn](torch.as_tensor(a), torch.as_tensor(b), torch.as_tensor(v))
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-10)


def test_slerp_constant_angular_speed(rng):
    q0, q1 = g.random_quaternions(20, rng), g.random_quaternions(20, rng)
    np.testing.assert_allclose(np.abs((g.slerp(q0, q1, 0.0) * q0).sum(-1)), 1, atol=1e-9)
    np.testing.assert_allclose(np.abs((g.slerp(q0, q1, 1.0) * q1).sum(-1)), 1, atol=1e-9)
    total = np.arccos(np.abs((q0 * q1).sum(-1)).clip(max=1))
    half = np.arccos(np.abs((q0 * g.slerp(q0, q1, 0.5)).sum(-1)).clip(max=1))
    np.testing.assert_allclose(half, total / 2, atol=1e-9)
    np.testing.assert_allclose(g.slerp(q0, q0, 0.4), q0, atol=1e-9)  # identical ends: no NaN


def test_random_rotations_are_uniform():
    # for Haar-uniform rotations E[R] = 0 and the rotated x axis is uniform on the sphere
    m = g.random_rotation_matrices(200_000, np.random.default_rng(1))
    np.testing.assert_allclose(m.mean(0), 0, atol=0.01)
    z = m[:, 2, 0]  # uniform on the sphere -> z-coordinate uniform in [-1, 1]
    hist, _ = np.histogram(z, bins=10, range=(-1, 1))
    np.testing.assert_allclose(hist / len(z), 0.1, atol=0.005)
    t = g.random_rotation_matrices((4, 3), torch.Generator().manual_seed(0))
    assert isinstance(t, torch.Tensor) and t.shape == (4, 3, 3, 3)


def test_quat_between(rng):
    u, v = rng.normal(size=(100, 3)), rng.normal(size=(100, 3))
    v[:5] = -u[:5]  # opposite directions
    q = g.quat_between(u, v)
    un, vn = u / np.linalg.norm(u, axis=-1, keepdims=True), v / np.linalg.norm(v, axis=-1, keepdims=True)
    np.testing.assert_allclose(g.quat_rotate(q, un), vn, atol=1e-7)


def test_make_continuous(rng):
    q = g.slerp(np.tile(g.random_quaternions(1, rng), (50, 1)), np.tile(g.random_quaternions(1, rng), (50, 1)),
                np.linspace(0, 1, 50))
    flipped = q * np.where(rng.random((50, 1)) < 0.5, -1, 1)
    fixed = g.quat_make_continuous(flipped)
    assert ((fixed[1:] * fixed[:-1]).sum(-1) > 0).all()
    np.testing.assert_allclose(np.abs((fixed * q).sum(-1)), 1, atol=1e-9)
