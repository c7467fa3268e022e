"""The data-set registry, loaders, windows and splits on the real data in ../shared/data."""

import time

import numpy as np
import pytest

from conftest import need
from motionfm.har import REGISTRY, get_spec, load_dataset
from motionfm.har.sources import fold_subjects
from motionfm.skeleton import JOINT_NAMES

EXPECTED = {  # name: (subjects, classes, placements -> joints)
    "uci-har": (30, 6, {"pelvis"}),
    "dsads": (8, 19, {"spine3", "right_wrist", "left_wrist", "right_knee", "left_knee"}),
    "usc-had": (14, 12, {"right_hip"}),
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
    assert not REGISTRY["wharf"].supervised_only and not REGISTRY["uci-har"].supervised_only


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
    z = np.load(need("utd_mhad_wharf/WHARF.npz"), allow_pickle=True)
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
