"""The data-set registry, loaders, windows and splits on the real data in ../shared/data."""

import time

import numpy as np
import pytest

from conftest import DATA, need
from motionfm.har import REGISTRY, get_spec, load_dataset
from motionfm.har.sources import fold_subjects
from motionfm.skeleton import JOINT_NAMES

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
    assert not (by_split["train"] & by_split["test"]) and not (by_split["train"] & by_split["val"])
    assert not (by_split["val"] & by_split["test"])
    assert by_split["test"] == set(spec.test_subjects) and by_split["val"] == set(spec.val_subjects)
    assert all(len(by_split[s]) > 0 for s in by_split)


def test_uci_har_test_subjects_are_the_published_ones():
    assert get_spec("uci-har").test_subjects == (2, 4, 9, 10, 12, 13, 18, 20, 24)


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
    x, mask = ws.canonical(np.arange(3))
    assert x.shape == (3, 200, 22, 6) and mask.shape == (3, 22)
    assert mask.sum(1).tolist() == [5, 5, 5]
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
    start = time.perf_counter()
    first = load_dataset("usc-had", show_progress=False)
    convert_s = time.perf_counter() - start
    assert len(list(tmp_path.rglob("usc-had-*.npz"))) == 1
    start = time.perf_counter()
    second = load_dataset("usc-had", show_progress=False)
    assert time.perf_counter() - start < convert_s  # cached load skips the conversion
    np.testing.assert_array_equal(first.x, second.x)
    assert first.class_names == second.class_names
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


def test_registry_prompts():
    spec = REGISTRY["uci-har"]
    assert spec.prompts_for("walking upstairs")[0] == "walking upstairs" and len(spec.prompts_for("walking upstairs")) > 1
    assert REGISTRY["wharf"].supervised_only and not REGISTRY["uci-har"].supervised_only


# Gravity turns between standing and sitting by about this much on each segment (degrees); lying turns every
# trunk and leg segment by about a right angle. A placement on the wrong segment lands outside its range.
SIT_STAND_DEGREES = {"pelvis": (12, 40), "lower_back": (0, 30), "mid_back": (0, 30), "chest": (0, 30),
                     "thigh": (55, 100), "shank": (0, 35)}
LYING_DEGREES = (60, 120)


def _still_gravity(spec) -> dict[tuple[int, str], np.ndarray]:
    """(subject, still class) -> mean acceleration (sensors, 3) over the middle half of each recording."""
    out: dict[tuple[int, str], list[np.ndarray]] = {}
    for seg in spec.reader(DATA):
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
    joints = next(seg for seg in spec.reader(DATA)).joints
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
