"""The data-set registry, loaders, windows and splits on the real data in ../shared/data."""

import io
import pickle
import zipfile
from dataclasses import replace

import numpy as np
import pytest

import motionfm.har.convert as convert
from conftest import DATA, need
from motionfm.har import REGISTRY, get_spec, load_dataset
from motionfm.har.sources import fold_subjects, read_folds
from motionfm.skeleton import JOINT_NAMES, joint_index
from motionfm.units import GRAVITY

EXPECTED = {  # name: (subjects, classes, placements -> joints)
    "uci-har": (30, 6, {"pelvis"}),
    "dsads": (8, 19, {"spine3", "right_wrist", "left_wrist", "right_hip", "left_hip"}),
    "usc-had": (14, 12, {"pelvis"}),
    "utd-mhad": (8, 27, {"right_wrist", "right_hip"}),
    "wharf": (16, 12, {"right_wrist"}),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_dataset_loads_with_documented_subjects_and_classes(dataset, name):
    ws = dataset(name)
    subjects, classes, joints = EXPECTED[name]
    assert len(np.unique(ws.subject)) == subjects == get_spec(name).n_subjects
    assert len(ws.class_names) == classes and set(np.unique(ws.y)) == set(range(classes))
    assert {JOINT_NAMES[j] for j in np.unique(ws.joints)} == joints
    assert ws.x.shape[1] == 200 and ws.x.shape[-1] == 6 and ws.x.dtype == np.float32
    assert np.isfinite(ws.x).all()
    assert ws.has_gyro == (name != "wharf")
    if not ws.has_gyro:
        assert (ws.x[..., 3:] == 0).all() and not ws.channel_mask[3:].any()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_splits_are_subject_disjoint_and_fixed(dataset, name):
    ws, spec = dataset(name), get_spec(name)
    by_split = {s: set(ws.subject[ws.split == s].tolist()) for s in ("train", "val", "test")}
    assert not (by_split["train"] & by_split["test"]) and not (by_split["val"] & by_split["test"])
    assert by_split["train"] & by_split["val"] == set(spec.val_within)  # shared only where the registry says so
    assert by_split["test"] == set(spec.test_subjects)
    assert by_split["val"] == set(spec.val_subjects) | set(spec.val_within)
    assert all(len(by_split[s]) > 0 for s in by_split)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_validation_and_training_windows_cover_every_class(dataset, name):
    """Early stopping and the probe's C are chosen on validation windows: every class must be there (WHARF's
    subjects 11 and 12 alone hold 2 of 12 classes), and training must keep every class too."""
    ws, spec = dataset(name), get_spec(name)
    assert spec.val_classes_missing(ws.subject, ws.y) == []
    for split in ("train", "val", "test"):
        assert (ws.class_counts(split) > 0).all(), split


def test_within_subject_validation_takes_the_last_share_of_each_class():
    spec = replace(get_spec("usc-had"), val_subjects=(), val_within=(1,), val_share=0.25)
    subject = np.array([1] * 8 + [2] * 4 + [12] * 2)
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1])
    assert spec.splits(subject, y).tolist() == ["train"] * 3 + ["val"] + ["train"] * 3 + ["val"] + \
        ["train"] * 4 + ["test"] * 2


def test_uci_har_test_split_holds_the_published_share_of_windows(dataset):
    ws = dataset("uci-har")  # the published UCI-HAR test split is 2947 of 10299 windows (9 of 30 subjects)
    assert abs((ws.split == "test").mean() - 2947 / 10299) < 0.015


# Windows of each data set as converted before the registry became the readers' single source of units and
# placements (first sample of window 0 and last of the last window, mean |x|, label sum, split sizes).
KNOWN = {
    "uci-har": dict(n=1765, y_sum=4933, valid_sum=351512, test=493, val=174, mean_abs=2.325818,
                    first=[10.02721, -1.22464, 1.01818, -0.00224, -0.00396, 0.00397],
                    last=[8.90079, -2.03255, 0.46083, 0.06569, 1.09994, 0.14474]),
    "dsads": dict(n=8968, y_sum=80712, valid_sum=1793600, test=2242, val=1121, mean_abs=2.654409,
                  first=[8.13013, 1.03372, 5.42029, -0.01258, 0.00444, -0.00266],
                  last=[0.78677, 5.46863, -0.33918, -2.82905, 0.69951, -0.6509]),
    "usc-had": dict(n=4564, y_sum=22833, valid_sum=910410, test=1238, val=447, mean_abs=2.60745,
                    first=[-6.39507, 6.97028, -4.14383, 1e-05, -0.00231, -0.00647],
                    last=[9.56441, -1.29338, 0.11817, 0.06599, -0.07338, -0.008]),
    "utd-mhad": dict(n=4908, y_sum=63469, valid_sum=98160, test=1290, val=732, mean_abs=3.445194,
                     first=[-9.32769, -3.91739, -0.89245, -0.34713, -0.16483, 0.15673],
                     last=[-8.99429, 0.31322, 5.19863, -0.0327, 0.00422, 0.00943]),
    "wharf": dict(n=3871, y_sum=20460, valid_sum=387100, test=1188, val=746, mean_abs=2.403241,  # val: 321 + subject 1's quarter
                  first=[-0.71346, 4.10546, 9.13632, 0.0, 0.0, 0.0],
                  last=[-9.12308, 1.38693, 2.12302, 0.0, 0.0, 0.0]),
}


@pytest.mark.parametrize("name", list(KNOWN))
def test_windows_keep_their_known_values(dataset, name):
    ws, known = dataset(name), KNOWN[name]
    assert len(ws) == known["n"] and int(ws.y.sum()) == known["y_sum"] and int(ws.valid_len.sum()) == known["valid_sum"]
    assert [(ws.split == s).sum() for s in ("test", "val")] == [known["test"], known["val"]]
    np.testing.assert_allclose(ws.x[0, 0, 0], known["first"], atol=2e-5)
    np.testing.assert_allclose(ws.x[-1, -1, -1], known["last"], atol=2e-5)
    assert float(np.abs(ws.x).mean(dtype=np.float64)) == pytest.approx(known["mean_abs"], abs=2e-6)


def test_readers_take_units_and_placements_from_the_registry():
    spec = get_spec("usc-had")
    root = need("usc_had/usc_had_100hz.npz").parents[1]
    edited_spec = replace(spec, acc_unit="m/s2", gyro_unit="rad/s", placements=("left_wrist",))
    first, edited = next(spec.reader(spec, root)), next(edited_spec.reader(edited_spec, root))
    assert first.joints == (joint_index("pelvis"),) and edited.joints == (joint_index("left_wrist"),)  # a belt clip rides on the pelvis
    np.testing.assert_allclose(edited.x[..., :3] * GRAVITY, first.x[..., :3], rtol=1e-5)  # g -> m/s^2 undone
    np.testing.assert_allclose(np.deg2rad(edited.x[..., 3:]), first.x[..., 3:], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("change", [dict(test_subjects=(12, 13)), dict(val_subjects=(10,)), dict(val_within=(3,)),
                                    dict(classes=tuple(reversed(REGISTRY["usc-had"].classes))),
                                    dict(placements=("left_hip",)), dict(acc_unit="m/s2"), dict(gyro_unit="rad/s"),
                                    dict(rate_hz=50.0)])
def test_cache_key_covers_what_defines_the_windows(tmp_path, change):
    source = tmp_path / "data.npz"
    source.write_bytes(b"x")
    spec = get_spec("usc-had")
    base = convert.cache_key(spec, [source], 200, 100)
    assert convert.cache_key(spec, [source], 200, 100) == base
    assert convert.cache_key(replace(spec, **change), [source], 200, 100) != base


@pytest.mark.parametrize("constant", ["RATE_HZ", "READER_VERSION", "CONVERT_VERSION"])
def test_cache_key_covers_rate_and_versions(tmp_path, monkeypatch, constant):
    source = tmp_path / "data.npz"
    source.write_bytes(b"x")
    base = convert.cache_key(get_spec("dsads"), [source], 200, 100)
    monkeypatch.setattr(convert, constant, getattr(convert, constant) + 1)
    assert convert.cache_key(get_spec("dsads"), [source], 200, 100) != base


@pytest.mark.parametrize("name", list(EXPECTED))
def test_gravity_of_still_windows_after_unit_conversion(dataset, name):
    ws, spec = dataset(name), get_spec(name)
    acc = np.linalg.norm(ws.x[..., :3], axis=-1)  # (N, T, S)
    if spec.still_classes:
        still = np.isin(ws.y, [ws.class_names.index(c) for c in spec.still_classes])
    else:  # no still class: take the calmest tenth of windows
        spread = acc.std(axis=1).mean(axis=-1)
        still = spread <= np.quantile(spread, 0.1)
    assert abs(np.median(acc[still]) - 9.80665) < 0.6


def test_padding_of_short_recordings(dataset):
    ws = dataset("utd-mhad")  # 1 s windows at 50 Hz -> 20 samples, repeated to fill 10 s
    assert (ws.valid_len == 20).all()
    np.testing.assert_array_equal(ws.x[:, 20:40], ws.x[:, :20])
    long = dataset("usc-had")
    assert (long.valid_len == 200).mean() > 0.9


def test_canonical_layout(dataset):
    ws = dataset("dsads")
    w = ws.canonical(np.arange(3))
    x, mask = w.x, w.mask
    assert x.shape == (3, 200, 22, 6) and mask.shape == (3, 22)
    assert mask.sum(1).tolist() == [5, 5, 5] and w.y.tolist() == ws.y[:3].tolist()
    assert w.valid_len.tolist() == ws.valid_len[:3].tolist() and w.channel_mask.all()
    assert not dataset("wharf").canonical(np.arange(2)).channel_mask[:, 3:].any()  # accelerometer only
    j = ws.joints[0, 1]
    np.testing.assert_array_equal(x[0, :, j], ws.x[0, :, 1])
    assert (x[:, :, ~mask[0]] == 0).all()


def test_subset_by_split(dataset):
    ws = dataset("uci-har")
    test = ws.subset("test")
    assert set(test.split) == {"test"} and len(test) == (ws.split == "test").sum()
    with pytest.raises(ValueError, match="unknown split"):
        ws.subset("holdout")


def test_cache_is_written_and_reused(tmp_path, monkeypatch):
    need("usc_had/usc_had_100hz.npz")
    monkeypatch.setenv("MOTIONFM_CACHE", str(tmp_path))
    first = load_dataset("usc-had", show_progress=False)
    assert len(list(tmp_path.rglob("usc-had-*.npz"))) == 1

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again instead of reading the cache")
    monkeypatch.setattr(convert, "windows_from_segments", no_conversion)
    second = load_dataset("usc-had", show_progress=False)
    np.testing.assert_array_equal(first.x, second.x)
    assert first.class_names == second.class_names
    monkeypatch.undo()
    monkeypatch.setenv("MOTIONFM_CACHE", str(tmp_path))
    other = load_dataset("usc-had", window_s=5, stride_s=5, show_progress=False)
    assert other.x.shape[1] == 100 and len(list(tmp_path.rglob("usc-had-*.npz"))) == 2


def test_unknown_dataset_and_missing_files(tmp_path):
    with pytest.raises(ValueError, match="unknown data set 'mhealth'.*uci-har"):
        get_spec("mhealth")
    with pytest.raises(FileNotFoundError, match="MOTIONFM_DATA"):
        load_dataset("dsads", root=tmp_path)


def test_fold_subjects():
    folds = np.empty((2, 2), dtype=object)
    folds[0] = [np.array([2, 3]), np.array([0, 1])]
    folds[1] = [np.array([0, 1]), np.array([2, 3])]
    assert fold_subjects(folds, 4).tolist() == [1, 1, 2, 2]
    with pytest.raises(ValueError, match="cover"):
        fold_subjects(folds, 5)


def _npz_with_folds(path, folds_pickle: bytes) -> None:
    """An .npz whose folds.npy holds the given pickle payload behind an object-array header."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|O", "fortran_order": False, "shape": (2, 2)})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("folds.npy", header.getvalue() + folds_pickle)  # the header starts with the magic


def test_folds_are_read_without_allow_pickle(tmp_path):
    folds = np.empty((2, 2), dtype=object)
    folds[0] = [np.array([2, 3], np.int32), np.array([0, 1], np.int32)]
    folds[1] = [np.array([0, 1], np.int32), np.array([2, 3], np.int32)]
    np.savez(tmp_path / "ok.npz", folds=folds)
    back = read_folds(tmp_path / "ok.npz")
    assert back.shape == (2, 2) and back[0, 1].tolist() == [0, 1] and back[1, 0].dtype == np.int32
    assert fold_subjects(back, 4).tolist() == [1, 1, 2, 2]
    _npz_with_folds(tmp_path / "evil.npz", pickle.dumps(print))  # any callable other than numpy's array rebuild
    with pytest.raises(pickle.UnpicklingError, match="builtins.print is not allowed"):
        read_folds(tmp_path / "evil.npz")


def test_registry_flags():
    assert not REGISTRY["wharf"].supervised_only and not REGISTRY["uci-har"].supervised_only
    assert get_spec(" UCI-HAR ") is REGISTRY["uci-har"]
    assert REGISTRY["uci-har"].synonyms["walking upstairs"][0] == "climbing stairs"


# 10 consecutive raw codes (x y z) of one UCI WHARF recording per activity (volunteer f1; file names in
# benchmarks/wharf_evidence.py): each occurs in WHARF.npz only under its activity's label, eat_* nowhere.
WHARF_RAW = {
    "standing up from a chair": ("30 40 51 30 41 51 31 41 51 29 42 51 30 43 52 "
                                 "30 40 52 31 41 52 32 39 52 29 38 52 29 38 50"),
    "combing hair": ("09 37 36 09 37 36 08 41 36 08 42 37 09 43 39 "
                     "11 43 37 12 45 38 14 44 39 16 47 38 16 50 37"),
    "sitting down on a chair": ("11 33 30 11 35 30 12 35 30 12 35 31 11 36 31 "
                                "10 36 30 11 36 31 12 35 31 12 36 32 12 36 30"),
    "walking": ("32 47 40 32 47 40 32 48 37 31 46 34 29 44 34 "
                "26 48 34 24 44 33 21 46 32 10 55 32 11 48 32"),
    "pouring water": ("30 53 49 31 49 47 32 53 47 33 52 46 32 52 45 "
                      "33 51 46 34 50 46 36 48 46 34 48 45 36 46 45"),
    "drinking from a glass": ("29 47 46 29 47 46 27 46 47 27 47 47 27 47 46 "
                              "28 46 47 28 47 46 28 47 46 27 47 47 28 47 46"),
    "descending stairs": ("37 44 45 36 45 43 36 49 43 33 46 40 33 45 38 "
                          "30 52 38 30 49 36 30 48 34 26 53 35 25 54 34"),
    "climbing stairs": ("05 39 34 02 41 34 05 39 34 12 38 34 09 38 30 "
                        "10 36 29 10 36 30 12 36 30 16 36 29 16 37 30"),
    "lying down on a bed": ("38 41 50 38 41 50 38 41 49 39 41 48 37 40 50 "
                            "37 43 50 38 41 49 36 42 51 38 43 53 37 41 49"),
    "getting up from a bed": ("17 38 44 17 36 43 15 39 43 13 37 44 15 39 43 "
                              "16 38 43 14 38 42 13 38 45 14 36 45 15 40 44"),
    "using a telephone": ("28 44 49 28 44 49 28 44 49 40 28 44 28 46 49 "
                          "28 46 33 31 45 50 30 43 50 30 42 49 32 43 49"),
    "brushing teeth": ("22 49 35 22 49 35 22 52 35 22 52 35 21 52 34 "
                       "22 51 34 20 50 35 22 52 34 22 50 34 22 51 35"),
    "eat_meat": ("48 37 33 40 43 48 40 44 48 39 45 49 39 43 48 "
                 "40 44 48 39 45 48 41 44 49 38 43 48 41 44 49"),
    "eat_soup": ("33 52 45 33 53 45 34 50 45 35 51 45 36 51 44 "
                 "35 50 43 35 49 44 35 48 44 36 48 45 35 49 46"),
}


def _wharf_features(acc: np.ndarray) -> dict[str, np.ndarray]:
    """acc (N, T, 3) in g at 32 Hz -> mean direction g_x, start->end change of g_x, gait autocorrelation."""
    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    mag = np.linalg.norm(acc, axis=-1)
    dev = mag - mag.mean(1, keepdims=True)
    ac = np.stack([(dev[:, :-k] * dev[:, k:]).mean(1) for k in range(11, 42)], 1) / dev.var(1)[:, None]
    start, end = unit(acc[:, :32].mean(1)), unit(acc[:, -32:].mean(1))  # first and last second
    return {"gx": unit(acc.mean(1))[:, 0], "dgx": end[:, 0] - start[:, 0], "gait": ac.max(1)}


def test_wharf_class_names_fit_the_raw_recordings_and_the_physics():
    z = np.load(need("utd_mhad_wharf/WHARF.npz"))
    codes, label = z["X"][:, 0].astype(np.int64), z["y"].argmax(1)
    names = list(get_spec("wharf").classes)
    runs = np.lib.stride_tricks.sliding_window_view(codes, 10, axis=1)  # (N, 151, 3, 10)
    for activity, text in WHARF_RAW.items():
        part = np.array(text.split(), dtype=np.int64).reshape(-1, 3)
        hit = (runs == part.T[None, None]).all(axis=(2, 3)).any(axis=1)
        expected = {names.index(activity)} if activity in names else set()
        assert set(label[hit].tolist()) == expected, activity
    f = _wharf_features(-1.5 + codes * (3 / 63))  # 6-bit codes -> g
    med = {key: np.array([np.median(v[label == k]) for k in range(12)]) for key, v in f.items()}
    k = {n: names.index(n) for n in names}
    gait = [k["walking"], k["climbing stairs"], k["descending stairs"]]
    assert set(np.argsort(med["gait"])[-3:]) == set(gait) and (med["gx"][gait] < -0.8).all()  # arm hangs
    assert (med["gx"][[k["using a telephone"], k["combing hair"], k["drinking from a glass"]]] > 0.25).all()
    assert med["dgx"][k["sitting down on a chair"]] > 0.4 and med["dgx"][k["standing up from a chair"]] < -0.4
    assert med["dgx"][k["lying down on a bed"]] > 0.1 and med["dgx"][k["getting up from a bed"]] < -0.1


# Gravity turns between standing and sitting by about this much on each segment (degrees); lying turns every
# trunk and leg segment by about a right angle. A placement on the wrong segment lands outside its range.
SIT_STAND_DEGREES = {"pelvis": (12, 40), "lower_back": (0, 30), "mid_back": (0, 30), "chest": (0, 30),
                     "thigh": (55, 100), "shank": (0, 35)}
LYING_DEGREES = (60, 120)


def _still_gravity(spec) -> dict[tuple[int, str], np.ndarray]:
    """(subject, still class) -> mean acceleration (sensors, 3) over the middle half of each recording."""
    out: dict[tuple[int, str], list[np.ndarray]] = {}
    for seg in spec.reader(spec, DATA):
        name = spec.classes[seg.label]
        if name in spec.still_classes:
            acc = seg.x[len(seg.x) // 4: 3 * len(seg.x) // 4, :, :3].astype(np.float64)
            out.setdefault((seg.subject, name), []).append(acc.mean(axis=0))
    return {k: np.mean(v, axis=0) for k, v in out.items()}


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1))))


@pytest.mark.parametrize("name", ["uci-har", "usc-had", "dsads"])
def test_placements_ride_on_the_segment_whose_posture_changes_the_data_show(name):
    """Median over subjects of the gravity direction's turn from standing to sitting / lying, per sensor."""
    from motionfm.skeleton import SENSOR_SEGMENT

    spec = get_spec(name)
    need(spec.files[0])
    gravity = _still_gravity(spec)
    joints = next(seg for seg in spec.reader(spec, DATA)).joints
    checked = 0
    for k, joint in enumerate(joints):
        segment = SENSOR_SEGMENT[joint].removeprefix("left_").removeprefix("right_")
        for other in spec.still_classes:
            if other == "standing" or segment not in SIT_STAND_DEGREES:
                continue
            turns = [_angle(gravity[(s, other)][k], gravity[(s, "standing")][k])
                     for s, c in gravity if c == other and (s, "standing") in gravity]
            low, high = SIT_STAND_DEGREES[segment] if other == "sitting" else LYING_DEGREES
            assert low <= np.median(turns) <= high, (name, k, SENSOR_SEGMENT[joint], other, np.median(turns))
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("name", ["uci-har", "usc-had"])
def test_gravity_removed_data_sets(dataset, name):
    """acc_gravity='removed': still windows read ~0 instead of 1 g, the gyroscope is untouched, and the
    windows are those of the included set with the filter's gravity estimate subtracted (same split, labels)."""
    from motionfm.har import load_dataset

    with_g = dataset(name)
    linear = load_dataset(name, show_progress=False, acc_gravity="removed")
    spec = get_spec(name)
    still = np.isin(with_g.y, [with_g.class_names.index(c) for c in spec.still_classes])
    assert np.median(np.linalg.norm(linear.x[still][..., :3].mean(axis=1), axis=-1)) < 0.2
    assert np.median(np.linalg.norm(with_g.x[still][..., :3].mean(axis=1), axis=-1)) > 9.0
    np.testing.assert_array_equal(linear.x[..., 3:], with_g.x[..., 3:])
    np.testing.assert_array_equal(linear.y, with_g.y)
    np.testing.assert_array_equal(linear.split, with_g.split)
    with pytest.raises(ValueError, match="unknown acc_gravity"):
        load_dataset(name, acc_gravity="partly")


@pytest.mark.parametrize("kwargs,message", [({"window_s": 0.03}, "window_s must be a number of seconds >= 1"),
                                            ({"window_s": float("nan")}, "window_s must be"),
                                            ({"stride_s": 0.0}, "stride_s must be"),
                                            ({"stride_s": float("inf")}, "stride_s must be")])
def test_window_and_stride_of_no_use_are_refused(kwargs, message):
    """0.03 s gave one-sample windows without a word; NaN and inf were integer-conversion errors."""
    with pytest.raises(ValueError, match=message):
        load_dataset("uci-har", **kwargs)


def test_an_unknown_split_or_name_is_named(dataset):
    ws = dataset("uci-har")
    with pytest.raises(ValueError, match="unknown split 'Test'"):
        ws.class_counts("Test")  # was all zeros
    assert ws.class_counts("test").sum() == (ws.split == "test").sum()
    with pytest.raises(ValueError, match="unknown data set None"):
        get_spec(None)


def test_a_data_set_named_twice_in_any_spelling_is_refused():
    """Evaluate and the leave-one-out protocol would have scored it twice (shown as two agreeing runs)."""
    from motionfm.har import registry_names

    assert registry_names(["UCI-HAR", "dsads"]) == ["uci-har", "dsads"]
    with pytest.raises(ValueError, match="uci-har more than once"):
        registry_names(["UCI-HAR", "uci-har "])
