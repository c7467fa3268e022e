"""Motion readers on the real corpora in ../shared/data and on corrupted copies."""

import re
from pathlib import Path

import numpy as np
import pytest

from conftest import need
from motionfm.motion import (MotionFormatError, expand_inputs, find_motion_files, load_motion, read_amc, read_bvh,
                             read_humanml3d)
from motionfm.motion.bvh import format_bvh, forward_kinematics, parse_bvh, with_rotation_orders
from motionfm.simulate import SimConfig, simulate_clip
from motionfm.skeleton import joint_index


def _bvh_files(mocap_dir: Path, family: str) -> list[Path]:
    pattern = {"bandai": "dataset/**/*.bvh", "cmu": "iclone/**/*.bvh"}[family]
    return sorted(mocap_dir.glob(pattern))


@pytest.mark.parametrize("family,count", [("bandai", 3000), ("cmu", 61)])
def test_every_bvh_parses_and_simulates(mocap_dir, family, count):
    files = _bvh_files(mocap_dir, family)
    assert len(files) >= count
    pelvis = []
    for path in files:
        clip = read_bvh(path)
        imu = simulate_clip(clip)
        assert np.isfinite(imu).all(), path
        pelvis.append(np.median(np.linalg.norm(imu[:, 0, :3], axis=-1)))
        assert 3.0 < pelvis[-1] < 25.0, path  # even a sprint stays within a few g at the pelvis
    assert abs(np.median(pelvis) - 9.81) < 1.0  # the typical clip is dominated by gravity
    assert clip.family == {"bandai": "bandai-namco", "cmu": "cmu-iclone"}[family]


def test_every_amc_parses_and_simulates(mocap_dir):
    files = sorted(mocap_dir.glob("asfamc/**/*.amc"))
    assert len(files) == 28
    for path in files:
        imu = simulate_clip(read_amc(path))
        assert np.isfinite(imu).all(), path


@pytest.mark.parametrize("trial", ["01_01", "02_05", "03_01"])
def test_same_cmu_trial_from_bvh_and_amc_agrees(mocap_dir, trial):
    """Two files of one capture (iClone BVH at 60 fps, ASF/AMC at 120 fps) with different skeletons and
    local frames: the frame-independent |acc| and |gyro| per joint must agree. The two files' marker
    jitter differs above a few Hz, so both are compared through the same 0.25 s cubic smoothing."""
    subject = trial.split("_")[0]
    smooth = SimConfig(smooth_seconds=0.25, polyorder=3)
    a = simulate_clip(read_amc(mocap_dir / f"asfamc/data/CMU/asfamc/subjects/{subject}/{trial}.amc"), smooth)
    b = simulate_clip(read_bvh(mocap_dir / f"iclone/All_BVH/subjects/0{subject}/0{trial}.bvh"), smooth)
    assert len(a) == len(b)
    corr = [[np.corrcoef(np.linalg.norm(a[:, j, s], axis=-1), np.linalg.norm(b[:, j, s], axis=-1))[0, 1]
             for j in range(22)] for s in (slice(0, 3), slice(3, 6))]
    assert min(corr[0]) > 0.9 and np.median(corr[0]) > 0.97
    assert np.median(corr[1]) > 0.95


def test_cmu_bvh_rate_matches_descriptions(mocap_dir):
    """The data README warns about the BVH Frame Time: the frame counts equal the CSV's 60 fps column."""
    import pandas as pd
    table = pd.read_csv(need("cmu_mocap/CMU_data_descriptions.csv"))
    by_trial = {(r["Subject"], r["Trial #"]): r["Frames 60fps"] for _, r in table.iterrows()}
    for path in _bvh_files(mocap_dir, "cmu"):
        subject, trial = (int(x) for x in path.stem.split("_"))
        clip = read_bvh(path)
        assert clip.fps == 60.0 and clip.num_frames == by_trial[(subject, trial)], path


@pytest.mark.parametrize("order", ["XYZ", "YXZ", "ZYX", "XZY"])
def test_bvh_round_trip_with_other_rotation_orders(mocap_dir, order):
    for path in (_bvh_files(mocap_dir, "bandai")[0], _bvh_files(mocap_dir, "cmu")[3]):
        original = parse_bvh(path.read_text(), str(path))
        rewritten = parse_bvh(format_bvh(with_rotation_orders(original, order)), "rewritten")
        assert rewritten.skeleton.channels[1][-3:] == [f"{a}rotation" for a in order]
        _, p0, r0 = forward_kinematics(original)
        _, p1, r1 = forward_kinematics(rewritten)
        np.testing.assert_allclose(p1, p0, atol=1e-3)  # file units (cm), 6 decimals written
        np.testing.assert_allclose(r1, r0, atol=1e-5)


@pytest.mark.parametrize("clip_id", ["000000", "012314"])
def test_humanml3d_joint_order(clip_id):
    clip = read_humanml3d(need(f"humanml3d_format/HumanML3D_new_joints_{clip_id}.npy"))
    p = clip.positions
    assert clip.fps == 20.0 and p.shape[1:] == (22, 3)
    assert (p[:, joint_index("head"), 1] > p[:, joint_index("pelvis"), 1]).all()
    assert (p[:, joint_index("neck"), 1] > p[:, joint_index("spine3"), 1]).mean() > 0.9
    # body's left = up x forward, forward from the heels to the toes
    forward = (p[:, joint_index("left_foot")] - p[:, joint_index("left_ankle")]
               + p[:, joint_index("right_foot")] - p[:, joint_index("right_ankle")])
    forward[:, 1] = 0
    left = np.cross(np.array([0.0, 1.0, 0.0]), forward)
    for l_joint, r_joint in [("left_hip", "right_hip"), ("left_shoulder", "right_shoulder")]:
        side = p[:, joint_index(l_joint)] - p[:, joint_index(r_joint)]
        assert ((side * left).sum(-1) > 0).mean() > 0.95
    assert np.isfinite(simulate_clip(clip)).all()


def test_humanml3d_rejects_feature_vectors():
    with pytest.raises(MotionFormatError, match="new_joint_vecs"):
        read_humanml3d(need("humanml3d_format/HumanML3D_new_joint_vecs_000000.npy"))


@pytest.fixture
def bvh_text(mocap_dir) -> str:
    return _bvh_files(mocap_dir, "bandai")[0].read_text()


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_truncated_bvh_names_file_and_line(tmp_path, bvh_text):
    lines = bvh_text.splitlines()
    path = _write(tmp_path, "cut.bvh", "\n".join(lines[:-20]))
    with pytest.raises(MotionFormatError, match=rf"cut.bvh:{len(lines) - 19}: file truncated"):
        read_bvh(path)
    path = _write(tmp_path, "half.bvh", "\n".join(lines[:40]))
    with pytest.raises(MotionFormatError, match="half.bvh:40: no MOTION section"):
        read_bvh(path)


@pytest.mark.parametrize("corrupt,message", [
    (lambda ls: ls[:-1] + [ls[-1].rsplit(" ", 3)[0]], "expected 132 values per frame"),
    (lambda ls: ls[:-3] + ["1 2 oops"] + ls[-2:], "non-numeric"),
    (lambda ls: ls[:-1] + [" ".join(["nan"] * 132)], "NaN"),
    (lambda ls: ls[:4] + ["  CHANNELS 2 Xposition Wrotation"] + ls[5:], ":5: bad CHANNELS"),
    (lambda ls: ["HIERARCHY", "ROOT x", "{", "OFFSET 0 0 0", "CHANNELS 3 Xrotation Yrotation Zrotation", "}",
                 "MOTION", "Frames: 1", "Frame Time: 0.1", "1 2 3"], "unknown skeleton"),
])
def test_corrupt_bvh_is_reported(tmp_path, bvh_text, corrupt, message):
    path = _write(tmp_path, "bad.bvh", "\n".join(corrupt(bvh_text.splitlines())))
    with pytest.raises(MotionFormatError, match=message):
        read_bvh(path)


def test_corrupt_amc_is_reported(tmp_path, mocap_dir):
    folder = mocap_dir / "asfamc/data/CMU/asfamc/subjects/02"
    text = (folder / "02_01.amc").read_text()
    asf = folder / "02.asf"
    cut = _write(tmp_path, "02_01.amc", text[: len(text) // 2])
    with pytest.raises(MotionFormatError, match="02_01.amc:.*truncated"):
        read_amc(cut, asf)
    lines = text.splitlines()
    lines[20] = "lfemur 1 2"
    bad = _write(tmp_path, "02_02.amc", "\n".join(lines))
    with pytest.raises(MotionFormatError, match="02_02.amc:21: lfemur needs 3 values"):
        read_amc(bad, asf)
    with pytest.raises(MotionFormatError, match="missing ':bonedata'"):
        read_amc(folder / "02_01.amc", _write(tmp_path, "x.asf", ":root\n order TX TY TZ RX RY RZ\n"))


@pytest.mark.parametrize("change,message", [
    (lambda lines: lines[:20] + ["lfemur 1 2"] + lines[21:], ":21: lfemur needs 3 values"),
    (lambda lines: lines[:40] + ["lhumerus 1 x 3"] + lines[41:], ":41: non-numeric value"),
    (lambda lines: lines[:60] + ["ltail 1 2 3"] + lines[61:], ":61: bone 'ltail' is not in the ASF skeleton"),
    (lambda lines: lines[:-3], "frame lacks"),
    (lambda lines: lines[:3] + ["hello world"] + lines[3:], ":4: bone 'hello' is not in the ASF skeleton"),
    (lambda lines: lines[:3] + [lines[4]] + lines[3:], "frame lacks 'root'"),  # a row before frame 1
    (lambda lines: lines[:4] + [lines[4] + " " + lines[5], ""] + lines[6:], ":5: non-numeric value"),
    (lambda lines: lines[:5] + ["lowerback 1 x 3"] + lines[6:100] + ["bogus 1"] + lines[100:], ":6: non-numeric"),
    (lambda lines: lines[:100] + ["# a comment", ""] + lines[100:], None),  # irregular layout, same frames
    (lambda lines: [ln.replace(" ", "  ") for ln in lines] + ["", ""], None),
])
def test_amc_fast_and_line_by_line_reading_agree(tmp_path, mocap_dir, change, message):
    """Every frame laid out alike is read a bone at a time; any other layout line by line. Both give the same
    numbers, and a bad line is named by its number whichever path met it first."""
    from motionfm.motion.amc import parse_amc, parse_asf

    folder = mocap_dir / "asfamc/data/CMU/asfamc/subjects/02"
    text, skel = (folder / "02_01.amc").read_text(), parse_asf((folder / "02.asf").read_text())
    changed = "\n".join(change(text.splitlines()))
    if message:
        with pytest.raises(MotionFormatError, match=message):
            parse_amc(changed, skel)
        return
    ref, got = parse_amc(text, skel), parse_amc(changed, skel)
    assert ref.keys() == got.keys() and all(np.array_equal(ref[k], got[k]) for k in ref)
    assert got["root"].shape == (text.count("\nroot "), 6)


def test_inputs_keep_clips_named_like_statistics_and_drop_repeats(tmp_path):
    from motionfm.motion import expand_inputs

    clip = sorted(need("humanml3d_format").glob("HumanML3D_new_joints_*.npy"))[0]
    for name in ("Meandering_walk.npy", "walk_Std_pace.npy", "HumanML3D_Mean.npy", "Std.npy"):
        (tmp_path / name).write_bytes(clip.read_bytes())
    with expand_inputs([tmp_path, tmp_path / "Meandering_walk.npy", tmp_path / ".." / tmp_path.name]) as files:
        assert sorted(f.name for f in files) == ["Meandering_walk.npy", "walk_Std_pace.npy"]


def test_load_motion_dispatch_and_archives(tmp_path):
    with pytest.raises(MotionFormatError, match="unsupported motion file"):
        load_motion(_write(tmp_path, "a.fbx", ""))
    with expand_inputs([need("cmu_mocap/cmu_bvh_amc_sample.tar.xz"), need("humanml3d_format")]) as files:
        suffixes = {f.suffix for f in files}
        assert suffixes == {".bvh", ".amc", ".npy"}
        assert sum(f.suffix == ".npy" for f in files) == 2  # feature vectors and Mean/Std are not clips
    with pytest.raises(FileNotFoundError):
        with expand_inputs([tmp_path / "missing"]):
            pass


@pytest.mark.parametrize("compression", ["gz", "bz2", "xz"])
def test_motion_files_compressed_one_by_one_read_as_the_plain_ones(tmp_path, mocap_dir, compression):
    """walk.bvh.gz, 02_01.amc.bz2 + 02.asf.xz, clip.npy.gz were left out of a folder without a word (or refused
    when named): they now read to the same clip; a damaged one is a one-line error naming it."""
    import bz2
    import gzip
    import lzma

    pack = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[compression]
    bvh = sorted(mocap_dir.glob("dataset/**/*_walk_*.bvh"))[0]
    amc = mocap_dir / "asfamc/data/CMU/asfamc/subjects/02/02_01.amc"
    npy = sorted(need("humanml3d_format").glob("HumanML3D_new_joints_*.npy"))[0]
    for plain in (bvh, amc, amc.with_name("02.asf"), npy):
        (tmp_path / f"{plain.name}.{compression}").write_bytes(pack(plain.read_bytes()))
    (tmp_path / f"Mean.npy.{compression}").write_bytes(pack(npy.read_bytes()))  # statistics stay out
    found = find_motion_files(tmp_path)
    assert sorted(p.name for p in found) == sorted(f"{p.name}.{compression}" for p in (bvh, amc, npy))
    for plain in (bvh, amc, npy):
        np.testing.assert_array_equal(load_motion(tmp_path / f"{plain.name}.{compression}").positions,
                                      load_motion(plain).positions)
    twin = tmp_path / "twin"  # gzip -k leaves the plain file beside the packed one: one capture, read once
    twin.mkdir()
    (twin / bvh.name).write_bytes(bvh.read_bytes())
    (twin / f"{bvh.name}.{compression}").write_bytes(pack(bvh.read_bytes()))
    assert [p.name for p in find_motion_files(twin)] == [bvh.name]
    broken = tmp_path / f"broken.bvh.{compression}"
    broken.write_bytes(pack(bvh.read_bytes())[:40])
    with pytest.raises(MotionFormatError, match=f"broken.bvh.{compression}: not a readable .{compression} file"):
        load_motion(broken)


def _glitch_report(files):
    from motionfm.motion.quality import MotionGlitchError, clean_clip

    kept, refused = {}, {}
    for path in files:
        try:
            kept[path.stem] = clean_clip(read_bvh(path))
        except MotionGlitchError as err:
            refused[path.stem] = str(err)
    return kept, refused


def test_cmu_teleports_are_trimmed_and_broken_dance_clips_refused(mocap_dir):
    """007_03..007_12 jump 2-3 m between frames 0 and 1: frame 0 is dropped. Clips whose joints jump faster than
    15 m/s mid-clip (subject 5's dance clips, retargeting flips) are refused with where it happens."""
    from motionfm.motion.quality import MAX_JOINT_SPEED, bad_steps

    kept, refused = _glitch_report(_bvh_files(mocap_dir, "cmu"))
    for trial in range(3, 13):
        clip, note = kept[f"007_{trial:02d}"]
        assert clip.meta["trimmed"][0] == 1 and "between frames 0 and 1" in note, note
        peak = np.linalg.norm(simulate_clip(clip)[..., :3], axis=-1).max()
        assert peak < 100.0, (trial, peak)  # 727-930 m/s^2 at the untrimmed teleport
    assert set(refused) and all(name.startswith("005_") for name in refused), refused
    assert all(why.startswith(("implausible motion: joint speed", "implausible motion: segment turn"))
               for why in refused.values())
    for clip, _ in kept.values():
        assert not bad_steps(clip.positions, clip.fps, MAX_JOINT_SPEED).any()


@pytest.mark.parametrize("frame,outcome", [(40, "skipped"), (0, "trimmed"), (-1, "trimmed")])
@pytest.mark.parametrize("column", [0, 5])  # root position, a rotation
def test_bvh_with_an_absurd_channel_value_is_trimmed_or_skipped_never_nan(tmp_path, bvh_text, frame, column,
                                                                          outcome):
    from motionfm.simulate import SimConfig
    from motionfm.simulate_corpus import simulate_files

    lines = bvh_text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Frame Time")) + 1
    row = start + (frame if frame >= 0 else len(lines) - start - 1)
    values = lines[row].split()
    values[column] = "1e300"
    lines[row] = " ".join(values)
    path = _write(tmp_path, "absurd.bvh", "\n".join(lines))
    corpus = simulate_files([path], SimConfig(noise=True, seed=0))
    assert np.isfinite(corpus.imu).all()
    if outcome == "skipped":
        assert len(corpus) == 0 and "absurd.bvh: implausible motion" in corpus.failures[0], corpus.failures
    else:
        assert len(corpus) == 1 and "absurd.bvh" in corpus.trimmed[0] and "kept frames" in corpus.trimmed[0]
        assert np.linalg.norm(corpus.imu[:, 0, :3], axis=-1).max() < 100.0


@pytest.mark.parametrize("scale,refused", [(1.0, False), (0.01, True), (10.0, True), (1 / 2.54, False)])
def test_a_misread_length_unit_is_refused_with_the_reason(tmp_path, mocap_dir, scale, refused):
    """A Bandai-Namco walk (cm) rewritten with every length x ``scale``: in metres (0.01) the person would be
    1.3 cm tall and the simulated sensor would read gravity alone; in mm-as-cm (10x) a 13 m giant. Both are
    listed as failures with the reason, never simulated. Inches read as cm (a 0.53 m body) is inside the range
    the check allows, shown here so its limit is known."""
    from motionfm.motion.bvh import BVHMotion
    from motionfm.motion.quality import body_length
    from motionfm.simulate_corpus import simulate_files

    path = sorted(mocap_dir.glob("dataset/**/*_walk_*.bvh"))[0]
    motion = parse_bvh(path.read_text())
    skel = motion.skeleton
    frames = motion.frames.copy()
    for j, cols in enumerate(skel.channel_slices()):
        for c, name in enumerate(skel.channels[j]):
            if name.lower().endswith("position"):
                frames[:, cols.start + c] *= scale
    scaled = BVHMotion(type(skel)(skel.names, skel.parents, [o * scale for o in skel.offsets], skel.channels),
                       frames, motion.frame_time)
    out = tmp_path / path.name
    out.write_text(format_bvh(scaled))
    assert body_length(read_bvh(out).positions) == pytest.approx(scale * body_length(read_bvh(path).positions))
    corpus = simulate_files([out], SimConfig())
    assert len(corpus.failures) == int(refused) and len(corpus.sources) == int(not refused)
    if refused:
        assert "from head to ankle" in corpus.failures[0] and "length unit" in corpus.failures[0]


def _edited_walk(mocap_dir, edit) -> str:
    """A real Bandai-Namco walk as BVH text after ``edit(motion)`` changes its frames or frame time."""
    path = sorted(mocap_dir.glob("dataset/**/*_walk_*.bvh"))[0]
    motion = parse_bvh(path.read_text())
    edit(motion)
    return format_bvh(motion)


def _root_channel(motion, name: str) -> int:
    return motion.skeleton.channel_slices()[0].start + motion.skeleton.channels[0].index(name)


def _set_root(name: str, value: float):
    def edit(motion):
        motion.frames[:, _root_channel(motion, name)] = value
    return edit


def _radians(motion):
    for j, names in enumerate(motion.skeleton.channels):
        for c, name in enumerate(names):
            if name.endswith("rotation"):
                motion.frames[:, motion.skeleton.channel_slices()[j].start + c] *= np.pi / 180


@pytest.mark.parametrize("edit,text_edit,kind,message", [
    (lambda m: setattr(m, "frame_time", m.frame_time * 1000), None, "skipped", "looks like milliseconds"),
    (_set_root("Xrotation", 90.0), None, "warning", "stands along \\+z .* convert it to Y-up"),  # Z-up
    (_set_root("Zrotation", 180.0), None, "warning", "stands along -y"),  # upside down
    (_radians, None, "skipped", "radians\\? BVH rotations are degrees"),
    (None, lambda t: re.sub(r"Frames: (\d+)", "Frames: 10", t), "skipped", "'Frames: 10' but"),
    (None, lambda t: t.replace("_L", "_TMP").replace("_R", "_L").replace("_TMP", "_R"), "skipped",
     "left and right are swapped"),
    (None, lambda t: t + "# exported by a tool\n", None, None),  # trailing text is not motion
])
def test_motion_no_capture_could_make_is_skipped_or_warned(tmp_path, mocap_dir, edit, text_edit, kind, message):
    """Each edit of a real walk gave plausible-looking IMU when simulated (exit 0 before): the impossible ones
    are now failures naming the reason; the ones a real capture can look like (a whole clip on the floor
    looks like Z-up data) are simulated with a warning."""
    from motionfm.simulate_corpus import simulate_files

    text = _edited_walk(mocap_dir, edit or (lambda m: None))
    path = tmp_path / "walk.bvh"
    path.write_text(text_edit(text) if text_edit else text)
    corpus = simulate_files([path], SimConfig())
    lines = {"skipped": corpus.failures, "warning": corpus.warnings}
    assert len(corpus.sources) == int(kind != "skipped")
    assert [len(v) for v in lines.values()] == [int(kind == k) for k in lines]
    if kind:
        assert re.search(message, lines[kind][0]), lines[kind][0]


def test_a_still_person_with_small_rotation_channels_is_not_read_as_radians(tmp_path, mocap_dir):
    """Channels within +-2 pi are only suspicious when the body travels: a rig whose zero pose is standing
    and a person who only sways stays simulated."""
    from motionfm.simulate_corpus import simulate_files

    def still(motion):
        motion.frames[:] = motion.frames[:1]
        _radians(motion)  # small angles, the root still where it was
    path = tmp_path / "still.bvh"
    path.write_text(_edited_walk(mocap_dir, still))
    corpus = simulate_files([path], SimConfig())
    assert len(corpus.sources) == 1 and not corpus.failures


def _held(motion):
    """A 2 s pause inserted after frame 30 (frames equal to it), no jump after it."""
    f = motion.frames
    motion.frames = np.concatenate([f[:31], np.repeat(f[30:31], 60, axis=0), f[31:]])


def _written_twice(motion):
    _held(motion)
    motion.frames = np.repeat(motion.frames, 2, axis=0)  # a 30 fps capture written at 60 fps
    motion.frame_time /= 2


def _held_now_and_then(motion):
    held = np.random.default_rng(0).random(len(motion.frames)) < 0.2  # ~20 % of frames repeat the one before
    for t in np.nonzero(held[1:])[0] + 1:
        motion.frames[t] = motion.frames[t - 1]


def test_frames_written_several_times_are_read_at_the_captured_rate(tmp_path, mocap_dir):
    """Each frame of a real walk written twice at twice the rate: differentiating those stair steps gave an
    IMU whose acceleration was off by about the signal's own size (exit 0). The clip is now read at its
    captured rate, said in the note, and simulates exactly as the original."""
    from motionfm.motion.quality import clean_clip, repeated_frames
    from motionfm.simulate_corpus import simulate_files

    original = tmp_path / "walk.bvh"
    original.write_text(_edited_walk(mocap_dir, _held))  # the pause keeps its 2 s once the repeats are undone
    twice = tmp_path / "twice.bvh"
    twice.write_text(_edited_walk(mocap_dir, _written_twice))
    clip, note = clean_clip(read_bvh(twice))
    assert clip.fps == pytest.approx(read_bvh(original).fps) and clip.meta["repeated"] == 2
    assert "written 2 times" in note and f"read at {clip.fps:g} fps" in note
    np.testing.assert_array_equal(clip.positions, read_bvh(original).positions)
    assert repeated_frames(read_bvh(tmp_path / "walk.bvh")).sum() == 60  # the pause; no pattern
    plain, fixed = (simulate_files([p], SimConfig()) for p in (original, twice))
    np.testing.assert_allclose(fixed.imu, plain.imu, atol=1e-4)
    assert "written 2 times" in fixed.trimmed[0] and not fixed.failures and len(fixed.warnings) == 1
    stairs = simulate_clip(read_bvh(twice))  # what the stair steps give when simulated as they are
    err = np.linalg.norm(stairs[:len(plain.imu), :, :3] - plain.imu[:len(stairs), :, :3], axis=-1)
    motion = np.linalg.norm(plain.imu[..., :3] - plain.imu[..., :3].mean(0), axis=-1)
    print(f"stair steps: acceleration off by {np.sqrt((err ** 2).mean()):.2f} m/s^2 RMS over the 22 joints; "
          f"the motion's own RMS {np.sqrt((motion ** 2).mean()):.2f}")
    assert np.sqrt((err ** 2).mean()) > 1.0  # m/s^2: the error this fix removes


@pytest.mark.parametrize("captured,written", [(30, 75), (24, 30)])
def test_a_pulldown_pattern_is_read_at_the_captured_rate(tmp_path, mocap_dir, captured, written):
    """A capture written at a rate that is no whole multiple (24 -> 30 fps: frames 1, 1, 1, 2 times; 30 -> 75:
    3, 2, 3, 2 times) was only warned about: the stair steps stayed in the IMU. Each captured frame is the
    first of its run, so reading those at the captured rate gives the capture back exactly."""
    from motionfm.motion.quality import clean_clip

    def at_captured_rate(motion):
        motion.frame_time = 1.0 / captured

    def written_faster(motion):
        at_captured_rate(motion)
        count = int(len(motion.frames) * written / captured)
        motion.frames = motion.frames[(np.arange(count) * captured) // written]
        motion.frame_time = 1.0 / written
    original, pulled = tmp_path / "walk.bvh", tmp_path / "pulled.bvh"
    original.write_text(_edited_walk(mocap_dir, at_captured_rate))
    pulled.write_text(_edited_walk(mocap_dir, written_faster))
    clip, note = clean_clip(read_bvh(pulled))
    assert clip.fps == captured and f"read at {captured} fps" in note and "regular pattern" in note
    np.testing.assert_array_equal(clip.positions, read_bvh(original).positions[:clip.num_frames])
    assert clip.num_frames >= read_bvh(original).num_frames - 1


@pytest.mark.parametrize("edit,warned", [(_held_now_and_then, True), (lambda m: None, False),
                                         (lambda m: m.frames.__setitem__(slice(None), m.frames[:1]), False)])
def test_many_held_frames_are_warned_about(tmp_path, mocap_dir, edit, warned):
    """Frames that repeat the one before without a pattern (tracking lost, a frozen export) are simulated with
    a warning; a real walk and a still pose are not warned about."""
    from motionfm.simulate_corpus import simulate_files

    path = tmp_path / "walk.bvh"
    path.write_text(_edited_walk(mocap_dir, edit))
    corpus = simulate_files([path], SimConfig())
    assert len(corpus.sources) == 1 and not corpus.trimmed
    assert [bool(re.search("repeat the one before exactly", w)) for w in corpus.warnings] == ([True] if warned else [])


@pytest.mark.parametrize("change,message", [
    (lambda a: a.astype(str), "must be real numbers"),
    (lambda a: {"joints": a}, "an .npz archive"),
    (lambda a: np.zeros(0), "not a readable|expected new_joints"),
])
def test_humanml3d_input_no_capture_could_make_is_skipped(tmp_path, change, message):
    from motionfm.simulate_corpus import simulate_files

    good = sorted(need("humanml3d_format").glob("HumanML3D_new_joints_*.npy"))[0]
    bad = change(np.load(good))
    path = tmp_path / "clip.npy"
    if isinstance(bad, dict):
        with open(path, "wb") as f:
            np.savez(f, **bad)
    else:
        np.save(path, bad)
    corpus = simulate_files([good, path], SimConfig())
    assert len(corpus.sources) == 1 and len(corpus.failures) == 1
    assert re.search(message, corpus.failures[0]), corpus.failures[0]


def test_amc_skeleton_problems_are_named(tmp_path, mocap_dir):
    """A bone with dofs missing from every frame (it was read as never turning), an ASF length unit of 0
    (ZeroDivisionError) and an ASF without a bone the CMU table needs (KeyError) are one-line errors."""
    folder = mocap_dir / "asfamc/data/CMU/asfamc/subjects/02"
    text, asf = (folder / "02_01.amc").read_text(), (folder / "02.asf").read_text()
    cases = {"missing": ("\n".join(ln for ln in text.splitlines() if not ln.startswith("lfemur ")), asf,
                         "no lines for lfemur, which the ASF gives dofs"),
             "length0": (text, re.sub(r"length\s+[\d.]+", "length 0", asf, count=1), "must be a positive number"),
             "renamed": (text.replace("lfemur", "lthigh"), asf.replace("lfemur", "lthigh"), "has no lfemur"),
             "no tx": (text, asf.replace("order TX TY TZ", "order TY TZ", 1), "the root's 'order' lacks TX"),
             "no fingers": ("\n".join(ln for ln in text.splitlines() if not ln.startswith(("lthumb", "lfingers"))),
                            asf, None)}
    for name, (amc_text, asf_text, message) in cases.items():
        sub = tmp_path / name
        sub.mkdir()
        (sub / "02_01.amc").write_text(amc_text)
        (sub / "02.asf").write_text(asf_text)
        if message is None:  # bones no joint hangs from may be absent
            assert read_amc(sub / "02_01.amc").num_frames > 0
            continue
        with pytest.raises(MotionFormatError, match=message):
            read_amc(sub / "02_01.amc")


def test_bvh_with_a_byte_order_mark_reads_and_an_empty_one_says_so(tmp_path, mocap_dir):
    path = sorted(mocap_dir.glob("dataset/**/*_walk_*.bvh"))[0]
    marked = tmp_path / "bom.bvh"
    marked.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    np.testing.assert_array_equal(read_bvh(marked).positions, read_bvh(path).positions)
    (tmp_path / "empty.bvh").write_text("\n  \n")
    with pytest.raises(MotionFormatError, match="empty.bvh: empty file"):
        read_bvh(tmp_path / "empty.bvh")


def test_non_finite_or_fast_clips_in_memory(tmp_path):
    from conftest import t_pose
    from motionfm.motion.clip import MotionClip
    from motionfm.motion.quality import MotionGlitchError, clean_clip, longest_clean_run

    pos = np.broadcast_to(t_pose(), (100, 22, 3)).copy()
    clean = MotionClip(pos.copy(), 30.0)
    assert clean_clip(clean) == (clean, "")
    pos[50, 7, 1] += 1.0  # a 1 m jump of one ankle for one frame: 30 m/s
    with pytest.raises(MotionGlitchError, match=r"joint speed 30 m/s \(right_ankle\) between frames 49 and 50"):
        clean_clip(MotionClip(pos.copy(), 30.0))
    pos[50, 7, 1] -= 1.0
    pos[95:, 3] = np.inf
    clip, note = clean_clip(MotionClip(pos, 30.0))
    assert clip.num_frames == 95 and note.startswith("non-finite joint positions at frame 95")
    assert longest_clean_run(np.array([True, False, False, True, False])) == (1, 4)


@pytest.mark.parametrize("kwargs,message", [
    ({"positions": np.zeros((0, 22, 3))}, "T >= 1 frames"),
    ({"positions": np.zeros((5, 22, 3), dtype=object)}, "positions must be real numbers"),
    ({"fps": float("inf")}, "fps must be a positive number"),
    ({"fps": "30"}, "fps must be a positive number"),
    ({"rotations": np.zeros((5, 22, 3))}, r"rotations must be \(T, 22, 4\)"),
])
def test_motion_clips_of_the_wrong_kind_are_refused(kwargs, message):
    from motionfm.motion.clip import MotionClip

    with pytest.raises(ValueError, match=message):
        MotionClip(**{"positions": np.zeros((5, 22, 3)), "fps": 30.0, **kwargs})
    assert MotionClip([[[0.0] * 3] * 22] * 5, 30).positions.shape == (5, 22, 3)  # a nested list is an array
