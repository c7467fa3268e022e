"""The data-set registry, loaders, windows and splits on the real data in ../shared/data."""

import io
import pickle
import zipfile
from dataclasses import replace

import numpy as np
import pytest

import motionfm.har.convert as convert
from conftest import need
from motionfm.har import REGISTRY, get_spec, load_dataset
from motionfm.har.sources import fold_subjects, read_folds
from motionfm.skeleton import JOINT_NAMES, joint_index
from motionfm.units import GRAVITY

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
    "wharf": dict(n=3871, y_sum=20460, valid_sum=387100, test=1188, val=321, mean_abs=2.403241,
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
    assert first.joints == (joint_index("right_hip"),) and edited.joints == (joint_index("left_wrist"),)
    np.testing.assert_allclose(edited.x[..., :3] * GRAVITY, first.x[..., :3], rtol=1e-5)  # g -> m/s^2 undone
    np.testing.assert_allclose(np.deg2rad(edited.x[..., 3:]), first.x[..., 3:], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("change", [dict(test_subjects=(12, 13)), dict(val_subjects=(10,)),
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
    assert REGISTRY["wharf"].supervised_only and not REGISTRY["uci-har"].supervised_only
    assert get_spec(" UCI-HAR ") is REGISTRY["uci-har"]
    assert REGISTRY["uci-har"].synonyms["walking upstairs"][0] == "climbing stairs"
