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


def _spinning(frames: int = 60):
    pos, rot = spin_about_y(frames, 30.0, 2.0)
    return pos, rot


@pytest.mark.parametrize("change,message", [
    (lambda q: np.where(np.arange(q.size).reshape(q.shape) == 21, np.nan, q), "rotations contain NaN"),
    (lambda q: 2 * q, "must be unit quaternions; their lengths range 2-2"),  # would double the gyroscope
    (lambda q: np.zeros_like(q), "must be unit quaternions"),  # would read no turning at all
    (lambda q: q[..., :3], r"rotations must be \(60, 22, 4\)"),
    (lambda q: q[:-5], r"rotations must be \(60, 22, 4\)"),
])
def test_rotations_that_are_no_orientations_are_refused(change, message):
    """NaN rotations gave NaN IMU and scaled ones a scaled gyroscope, without a word."""
    pos, rot = _spinning()
    simulate_imu(pos, 30.0, rot)
    with pytest.raises(ValueError, match=message):
        simulate_imu(pos, 30.0, change(rot))


@pytest.mark.parametrize("field,value", [("fps_out", 0), ("fps_out", float("nan")), ("fps_out", 0.01),
                                         ("smooth_seconds", 0), ("polyorder", 1), ("polyorder", 2.5),
                                         ("polyorder", 20), ("acc_noise_std", float("nan")),
                                         ("gyro_noise_std", -1.0), ("offset_std", -0.05),
                                         ("offset_std", float("inf")), ("seed", -1), ("seed", 1.5)])
def test_sim_config_values_no_sensor_has_are_refused(field, value):
    """Each gave NaN IMU, gravity alone (polyorder 0/1), skipped offsets or an error naming another cause."""
    with pytest.raises(ValueError, match=f"SimConfig.{field} must be"):
        SimConfig(**{field: value})


def test_simulate_clip():
    clip = MotionClip(np.broadcast_to(t_pose(), (40, 22, 3)).copy(), 20.0)
    assert simulate_clip(clip).shape == (40, 22, 6)


def test_each_clip_draws_its_own_reproducible_noise_and_offsets():
    pos = np.broadcast_to(t_pose(), (300, 22, 3))
    clean = simulate_imu(pos, 30.0)
    cfg = SimConfig(noise=True, offset_std=0.05, seed=7)
    a, b = (simulate_imu(pos, 30.0, config=cfg, clip_index=k) - clean for k in (0, 1))
    np.testing.assert_array_equal(a, simulate_imu(pos, 30.0, config=cfg, clip_index=0) - clean)
    assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.05  # two clips: independent noise
    np.testing.assert_allclose((a - b)[..., :3].std(), 0.6 * np.sqrt(2), rtol=0.05)
    moving, rot = spin_about_y(3.0, 30.0, 4.0)
    off = [simulate_imu(moving, 30.0, rot, SimConfig(offset_std=0.05, seed=7), k) for k in (0, 1)]
    assert np.abs(off[0] - off[1]).max() > 0.1  # each clip its own sensor offsets


def _bob(fps: float, freq: float, amplitude: float = 0.01, seconds: float = 4.0) -> np.ndarray:
    t = np.arange(int(seconds * fps)) / fps
    return t_pose()[None] + amplitude * np.sin(2 * np.pi * freq * t)[:, None, None] * np.array([0, 1.0, 0])


@pytest.mark.parametrize("fps,freq,kept", [(30.0, 3.0, 0.95), (30.0, 5.0, 0.85), (60.0, 5.0, 0.85),
                                           (120.0, 5.0, 0.85), (20.0, 3.0, 0.9)])
def test_acceleration_keeps_walking_harmonics(fps, freq, kept):
    """A body bobbing 1 cm at 3-5 Hz (step harmonics): the accelerometer keeps most of (2 pi f)^2 A."""
    pos = _bob(fps, freq)
    rot = np.tile([1.0, 0, 0, 0], pos.shape[:2] + (1,))
    imu = simulate_imu(pos, fps, rot, SimConfig(fps_out=fps))
    t = np.arange(len(imu)) / fps
    design = np.stack([np.sin(2 * np.pi * freq * t), np.cos(2 * np.pi * freq * t), np.ones_like(t)], 1)
    mid = slice(len(t) // 4, 3 * len(t) // 4)
    coef = np.linalg.lstsq(design[mid], imu[mid, 0, 1], rcond=None)[0]
    gain = np.hypot(coef[0], coef[1]) / ((2 * np.pi * freq) ** 2 * 0.01)
    assert kept <= gain <= 1.05, gain  # the former 0.25 s cubic kept 0.56 (3 Hz) and 0.14 (5 Hz) at 30 fps


def _knee_bend(fps: float, omega: float = 2.0, seconds: float = 3.0) -> np.ndarray:
    """The right shank swinging back about the knee at omega rad/s (thigh still): positions (T, 22, 3)."""
    from motionfm.skeleton import joint_index

    t = np.arange(int(seconds * fps)) / fps
    phi = 0.2 + omega * t
    pos = np.broadcast_to(t_pose(), (len(t), 22, 3)).copy()
    knee, ankle, foot = (joint_index(n) for n in ("right_knee", "right_ankle", "right_foot"))
    pos[:, ankle] = pos[:, knee] + 0.2 * np.stack([0 * t, -np.cos(phi), -np.sin(phi)], 1)
    pos[:, foot] = pos[:, ankle] + 0.2 * np.stack([0 * t, -np.sin(phi), np.cos(phi)], 1)
    return pos


@pytest.mark.parametrize("fps,frames,smooth", [(30.0, 40, 0.2), (60.0, 31, 0.2), (120.0, 300, 0.2),
                                               (30.0, 200, 0.7), (100.0, 300, 1.0)])
@pytest.mark.parametrize("deriv", [0, 1, 2])
def test_differentiation_edges_are_cubic_fits_and_the_middle_is_the_filter(fps, frames, smooth, deriv):
    """The middle samples are the quintic Savitzky-Golay filter; each end's w // 2 samples (at most the
    EDGE_SECONDS span: a long smoothing window keeps the filter's own edge fit beyond it) are the derivative
    of a cubic least-squares fit over EDGE_SECONDS (scipy's own edge fit as the reference), and a cubic
    trajectory comes out exact everywhere."""
    from scipy.signal import savgol_filter

    from motionfm.simulate import EDGE_SECONDS, _differentiate, _window

    cfg = SimConfig(smooth_seconds=smooth)
    x = np.random.default_rng(frames).normal(size=(frames, 4, 3)).cumsum(0)
    w = _window(frames, fps, cfg)
    edge = min(max(int(round(EDGE_SECONDS * fps)) | 1, 5), frames - (1 - frames % 2))
    half = min(w // 2, edge)
    got = _differentiate(x, fps, deriv, w, cfg)
    sg = lambda y, n, order: savgol_filter(y, n, order, deriv=deriv, delta=1 / fps, axis=0, mode="interp")  # noqa: E731
    np.testing.assert_allclose(got[half:-half], sg(x, w, cfg.polyorder)[half:-half], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got[:half], sg(x[:edge], edge, 3)[:half], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got[-half:], sg(x[-edge:], edge, 3)[-half:], rtol=1e-9, atol=1e-9)
    t = np.arange(frames) / fps
    cubic = (1 - 2 * t + 0.5 * t**2 - 0.3 * t**3)[:, None, None] * np.ones((1, 4, 3))
    exact = [cubic[:, 0, 0], -2 + t - 0.9 * t**2, 1 - 1.8 * t][deriv]
    np.testing.assert_allclose(_differentiate(cubic, fps, deriv, w, cfg)[:, 2, 1], exact, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("fps", [30.0, 60.0])
def test_knee_slot_rides_on_the_shank_and_hip_slot_on_the_thigh(fps):
    from motionfm.skeleton import SENSOR_SEGMENT, joint_index

    imu = simulate_imu(_knee_bend(fps), fps, None)[5:-5]
    knee, hip = joint_index("right_knee"), joint_index("right_hip")
    assert SENSOR_SEGMENT[knee] == "right_shank" and SENSOR_SEGMENT[hip] == "right_thigh"
    np.testing.assert_allclose(_norm(imu[:, knee, 3:]), 2.0, rtol=0.02)  # the shank turns at 2 rad/s
    np.testing.assert_allclose(imu[:, knee, 3], 2.0, rtol=0.02)  # about its hinge (x) axis
    np.testing.assert_allclose(imu[:, hip, 3:], 0.0, atol=1e-3)  # the thigh does not turn
    np.testing.assert_allclose(imu[:, 0, 3:], 0.0, atol=1e-3)


def _high_share(acc: np.ndarray, fps: float, window: int = 50) -> list[float]:
    """Share of |acc| power at 3-10 Hz (of 0-10 Hz, mean removed) in 2.5 s windows at 20 Hz."""
    from scipy.signal import periodogram

    from motionfm.resampling import resample

    mag = np.linalg.norm(resample(np.asarray(acc, np.float64), fps, 20.0), axis=-1)
    out = []
    for s in range(0, len(mag) - window + 1, window):
        f, p = periodogram(mag[s:s + window], 20.0, window="hann", detrend="constant")
        out.append(p[f >= 3].sum() / p[f > 0].sum())
    return out


def _real_walking_shares() -> dict[str, float]:
    from conftest import DATA, need
    from motionfm.har import get_spec

    out = {}
    for name, walk in (("uci-har", "walking"), ("usc-had", "walking forward"), ("dsads", "walking in a parking lot")):
        spec = get_spec(name)
        need(spec.files[0])
        shares: dict[int, list[float]] = {}
        for seg in spec.reader(spec, DATA):
            if spec.classes[seg.label] == walk:
                for k, joint in enumerate(seg.joints):
                    shares.setdefault(k, []).extend(_high_share(seg.x[:, k, :3], spec.rate_hz))
        for k, values in shares.items():
            if spec.placements[min(k, len(spec.placements) - 1)] not in ("right_wrist", "left_wrist"):
                out[f"{name}/{spec.placements[k]}"] = float(np.median(values))
    return out


def test_simulated_walking_keeps_the_power_above_3hz(mocap_dir):
    """Walking |acc| at the pelvis: share of power above 3 Hz, simulated vs the clips' own positions vs real.

    Printed figures (pytest -s) are the README's before/after table. The differentiation must keep what the
    motion capture holds (>= 85 % of the share that plain central differences of the positions give; the
    former 0.25 s cubic kept about a third). The capture itself then decides: Bandai-Namco's smooth BVH has
    little power above 5 Hz (below the real range), CMU's marker jitter has much (above it).
    """
    import pandas as pd

    from conftest import need
    from motionfm.motion import load_motion
    from motionfm.motion.quality import MotionGlitchError, clean_clip

    table = pd.read_csv(need("cmu_mocap/CMU_data_descriptions.csv"))
    walks = {(r["Subject"], r["Trial #"]) for _, r in table.iterrows()
             if "walk" in str(r["Motion Description"]).lower()}
    files = {"bandai": sorted(mocap_dir.glob("dataset/**/*_walk_*.bvh")),
             "cmu": [p for p in sorted(mocap_dir.glob("iclone/**/*.bvh"))
                     if tuple(int(x) for x in p.stem.split("_")) in walks]}
    real = _real_walking_shares()
    figures = {}
    for corpus, paths in files.items():
        clips = []
        for path in paths:
            try:
                clip = clean_clip(load_motion(path))[0]
            except MotionGlitchError:
                continue
            if clip.duration >= 2.6:  # at least one 2.5 s window
                clips.append(clip)
        raw = [np.median(_high_share(np.gradient(np.gradient(c.positions[:, 0], 1 / c.fps, axis=0), 1 / c.fps,
                                                 axis=0) + [0, GRAVITY, 0], c.fps)) for c in clips]
        figures[f"{corpus} positions (central differences)"] = float(np.median(raw))
        for tag, cfg in (("before: 0.25 s cubic", SimConfig(smooth_seconds=0.25, polyorder=3)), ("after", SimConfig())):
            sim = [np.median(_high_share(simulate_clip(c, cfg)[:, 0, :3], cfg.fps_out)) for c in clips]
            figures[f"{corpus} simulated, {tag}"] = float(np.median(sim))
    for key, value in {**figures, **{f"real {k}": v for k, v in real.items()}}.items():
        print(f"walking |acc| power share above 3 Hz: {key}: {value:.3f}")
    assert figures["bandai simulated, after"] >= 0.85 * figures["bandai positions (central differences)"]
    assert figures["cmu simulated, after"] >= 0.85 * figures["cmu positions (central differences)"]
    assert len(real) == 5 and all(0.15 < v < 0.6 for v in real.values())


def test_folded_arm_twisting_slowly_reads_slow_from_positions():
    """Elbow bent to 165 deg, upper arm twisting about its long axis at 0.55 rad/s: the whole arm turns rigidly
    at 0.55 rad/s. The shortest-arc swing read 0 at the upper arm and several rad/s at the forearm."""
    from motionfm.skeleton import joint_index

    fps, omega, phi = 30.0, 0.55, np.radians(165.0)
    t = np.arange(int(4 * fps)) / fps
    pos = np.broadcast_to(t_pose(), (len(t), 22, 3)).copy()
    shoulder, elbow, wrist = (joint_index(n) for n in ("left_shoulder", "left_elbow", "left_wrist"))
    forearm = np.stack([np.full_like(t, np.cos(phi)), -np.sin(phi) * np.sin(omega * t),
                        np.sin(phi) * np.cos(omega * t)], 1)
    pos[:, wrist] = pos[:, elbow] + 0.2 * forearm
    imu = simulate_imu(pos, fps, None)[5:-5]
    for joint in (shoulder, elbow, wrist):
        np.testing.assert_allclose(_norm(imu[:, joint, 3:]), omega, rtol=0.05)
        np.testing.assert_allclose(np.abs(imu[:, joint, 3]), omega, rtol=0.05)  # about the upper arm (x)


def _kabsch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The rotation R minimising |a R^T - b| for (N, 3) rows."""
    u, _, vt = np.linalg.svd(b.T @ a)
    return u @ np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))]) @ vt


# least correlation, after one constant rotation per joint, of the gyro from positions with the gyro from the
# true rotations (Bandai-Namco frames differ from the T-pose convention by a fixed rotation per segment)
GYRO_FROM_POSITIONS = {"spine3": 0.95, "neck": 0.95, "spine2": 0.9, "left_shoulder": 0.9, "right_shoulder": 0.9,
                       "left_elbow": 0.85, "right_elbow": 0.85, "left_hip": 0.88, "right_hip": 0.85,
                       "left_knee": 0.9, "right_knee": 0.9, "left_ankle": 0.93, "right_ankle": 0.93}


def test_gyro_from_positions_follows_the_true_rotations(mocap_dir):
    """Bandai-Namco clips carry true rotations: derive frames from their positions alone (the HumanML3D path)
    and compare the gyros per joint. Printed (pytest -s): raw and aligned correlation per joint."""
    from motionfm.motion import read_bvh
    from motionfm.skeleton import JOINT_NAMES

    true, derived = [], []
    for path in sorted(mocap_dir.glob("dataset/**/*.bvh"))[::60]:
        clip = read_bvh(path)
        true.append(simulate_imu(clip.positions, clip.fps, clip.rotations)[..., 3:])
        derived.append(simulate_imu(clip.positions, clip.fps, None)[..., 3:])
    true, derived = np.concatenate(true), np.concatenate(derived)
    for name, least in GYRO_FROM_POSITIONS.items():
        j = JOINT_NAMES.index(name)
        raw = np.corrcoef(true[:, j].ravel(), derived[:, j].ravel())[0, 1]
        aligned = np.corrcoef(true[:, j].ravel(), (derived[:, j] @ _kabsch(derived[:, j], true[:, j]).T).ravel())[0, 1]
        print(f"gyro from positions vs true rotations, {name}: raw {raw:.2f}, aligned {aligned:.2f}")
        assert aligned >= least, (name, aligned)
