import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from motionfm.api import Embedder, LinearProbeClassifier, ZeroShotClassifier, to_canonical
from motionfm.skeleton import joint_index


@pytest.fixture(scope="module")
def uci(dataset):
    ws = dataset("uci-har")
    train = np.nonzero(ws.split == "train")[0][::4]
    test = np.nonzero(ws.split == "test")[0][::2]  # every second test window: the same subjects, half the cost
    single = lambda idx: ws.x[idx][:, :, 0]  # noqa: E731  (n, 200, 6) waist phone at 20 Hz
    return ws, single(train), ws.y[train], single(test), ws.y[test]


def test_zero_shot_on_uci_har_above_chance_offline(uci, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ws, _, _, x_test, y_test = uci
    clf = ZeroShotClassifier(labels=ws.class_names, placement="waist").fit()
    pred = clf.predict(x_test)
    acc = (pred == np.array(ws.class_names)[y_test]).mean()
    assert acc > 2 / 6  # chance 1/6; UCI-HAR was kept out of the default model's pre-training
    proba = clf.predict_proba(x_test[:5])
    np.testing.assert_allclose(proba.sum(1), 1, rtol=1e-5)


def test_calibrated_zero_shot_probabilities_on_held_out_subjects(uci):
    """Temperature fitted on training subjects lowers log loss and calibration error on the test subjects,
    and leaves the predicted labels unchanged."""
    from sklearn.metrics import log_loss

    from motionfm.evaluate.metrics import calibration_error

    ws, x_train, y_train, x_test, y_test = uci
    names = np.array(ws.class_names)
    clf = ZeroShotClassifier(labels=ws.class_names, placement="waist").fit()
    before = clf.predict_proba(x_test)
    after = clf.calibrate(x_train[:400], names[y_train[:400]]).predict_proba(x_test)
    np.testing.assert_allclose(after.sum(1), 1, rtol=1e-6)
    np.testing.assert_array_equal(after.argmax(1), before.argmax(1))
    classes = np.arange(len(names))
    assert log_loss(y_test, after, labels=classes) < log_loss(y_test, before, labels=classes)
    assert calibration_error(y_test, after) < calibration_error(y_test, before)
    with pytest.raises(ValueError, match="not among"):
        clf.calibrate(x_train[:4], ["walking", "flying", "walking", "flying"])
    assert not hasattr(clf.fit(), "scale_")


@pytest.mark.parametrize("beta", [0.5, 5.0, 40.0])
def test_fit_temperature_recovers_the_true_one(beta):
    """Labels drawn from softmax(beta * scores): the fitted inverse temperature is beta (within sampling)."""
    from motionfm.api import fit_temperature

    rng = np.random.default_rng(0)
    scores = rng.uniform(-1, 1, (20000, 5))
    p = np.exp(beta * scores)
    p /= p.sum(1, keepdims=True)
    y = (p.cumsum(1) < rng.uniform(size=(len(p), 1))).sum(1)
    assert fit_temperature(scores, y) == pytest.approx(beta, rel=0.05)


@pytest.mark.parametrize("proba,y,expected", [
    ([[1.0, 0.0], [0.0, 1.0]], [0, 1], 0.0),  # confident and right
    ([[0.9, 0.1], [0.9, 0.1]], [1, 1], 0.9),  # confident (0.9) and always wrong
    ([[0.6, 0.4], [0.6, 0.4], [0.6, 0.4], [0.6, 0.4], [0.6, 0.4]], [0, 0, 0, 1, 1], 0.0),  # 60 % right at 0.6
])
def test_calibration_error_known_values(proba, y, expected):
    from motionfm.evaluate.metrics import calibration_error

    assert calibration_error(np.array(y), np.array(proba)) == pytest.approx(expected)


@pytest.mark.parametrize("layers", ["blocks", "last"])
def test_linear_probe_and_embedder(uci, layers):
    ws, x_train, y_train, x_test, y_test = uci
    names = np.array(ws.class_names)
    probe = LinearProbeClassifier(placement="waist", C=(0.01, 0.1, 1.0), seed=0, layers=layers)
    probe.fit(x_train, names[y_train])
    assert probe.C_ in (0.01, 0.1, 1.0)
    assert (probe.predict(x_test) == names[y_test]).mean() > 0.7
    assert probe._encoder_features(x_test[:3]).shape[1] == {"blocks": 448, "last": 128}[layers]
    with pytest.raises(ValueError, match="unknown layers"):
        LinearProbeClassifier(placement="waist", layers="all").fit(x_train, names[y_train])
    np.testing.assert_allclose(probe.predict_proba(x_test[:4]).sum(1), 1, rtol=1e-9)
    emb = Embedder(placement="waist").fit().transform(x_test[:7])
    assert emb.shape == (7, 256)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1, rtol=1e-5)


def test_linear_probe_caches_features_per_input(uci, monkeypatch):
    import motionfm.api as api

    ws, x_train, y_train, _, _ = uci
    calls = []
    real = api.embed
    monkeypatch.setattr(api, "embed", lambda *a, **k: calls.append(len(a[1])) or real(*a, **k))
    probe = LinearProbeClassifier(placement="waist").fit(x_train[:40], y_train[:40])
    first = probe.predict(x_train[:40])
    again = probe.set_params(C=0.1).fit(x_train[:40], y_train[:40]).predict(x_train[:40])
    assert calls == [40] and first.shape == again.shape  # one encoder pass for two fits and two predictions
    probe.predict(x_train[40:50])
    assert calls == [40, 10]


def test_zero_shot_and_embedder_run_the_encoder_once_per_input(uci, monkeypatch):
    """decision_function, predict_proba and predict on the same windows share one encoder pass; transform
    returns a copy, so changing its output does not change the next answer."""
    import motionfm.api as api

    ws, _, _, x_test, _ = uci
    calls = []
    real = api.embed
    monkeypatch.setattr(api, "embed", lambda *a, **k: calls.append(len(a[1])) or real(*a, **k))
    clf = ZeroShotClassifier(labels=ws.class_names, placement="waist")
    scores = clf.decision_function(x_test[:20])
    clf.predict_proba(x_test[:20]), clf.predict(x_test[:20])
    assert calls == [20]
    np.testing.assert_array_equal(clf.decision_function(x_test[:20]), scores)
    emb = Embedder(placement="waist")
    first = emb.transform(x_test[:20])
    first[:] = 0.0
    assert calls == [20, 20] and np.abs(emb.transform(x_test[:20])).sum() > 0
    emb.transform(x_test[20:25])
    assert calls == [20, 20, 5]


def test_changed_labels_or_model_are_not_answered_from_before(uci):
    """set_params(labels=...) after predict rebuilds the label embeddings; another model object does not get the
    previous model's cached embeddings; pickles leave the cache behind."""
    import copy
    import pickle

    ws, _, _, x_test, _ = uci
    x = x_test[:20]
    clf = ZeroShotClassifier(labels=["walking", "sitting"], placement="waist")
    clf.predict(x)
    clf.set_params(labels=list(ws.class_names))
    assert clf.decision_function(x).shape == (20, len(ws.class_names)) and set(clf.predict(x)) <= set(ws.class_names)
    emb = Embedder(placement="waist")
    before = emb.transform(x)
    other = copy.deepcopy(emb._model())
    with torch.no_grad():
        for p in other.parameters():
            p.mul_(0.5)
    emb.model_ = other
    assert not np.allclose(emb.transform(x), before)
    assert "_feature_cache" not in pickle.loads(pickle.dumps(emb)).__dict__


def _clipped_walking(uci) -> np.ndarray:
    """Walking windows whose acceleration swing is tripled and clipped at +-1.5 g: a sensor range clips them."""
    ws, _, _, x_test, y_test = uci
    x = x_test[y_test == list(ws.class_names).index("walking")][:30].copy()
    mean = x[..., :3].mean(axis=1, keepdims=True)
    x[..., :3] = np.clip(mean + 3 * (x[..., :3] - mean), -1.5 * 9.80665, 1.5 * 9.80665)
    return x


def _user_code(call: str, x: np.ndarray) -> None:
    if call == "to_canonical":
        to_canonical(x, placement="waist", acc_gravity="included")
    elif call == "zero-shot":
        ZeroShotClassifier(labels=["walking", "sitting"], placement="waist").predict(x)
    elif call == "embedder":
        Embedder(placement="waist").fit().transform(x)
    else:  # through scikit-learn's Pipeline, which calls its steps through joblib
        make_pipeline(Embedder(placement="waist"), StandardScaler()).fit_transform(x)


@pytest.mark.parametrize("call,source", [("to_canonical", "to_canonical("), ("zero-shot", ".predict(x)"),
                                         ("embedder", ".transform(x)"), ("pipeline", ".fit_transform(x)")])
def test_warnings_point_at_the_callers_line(uci, call, source):
    """A sensor-check warning names the line of the user's code that called motionfm, not a line inside it."""
    import linecache

    with pytest.warns(UserWarning, match="the sensor's range clips") as caught:
        _user_code(call, _clipped_walking(uci))
    places = {(w.filename, w.lineno) for w in caught if "range clips" in str(w.message)}
    assert len(places) == 1 and next(iter(places))[0] == __file__, places
    assert source in linecache.getline(*next(iter(places)))


def test_linear_probe_fused_with_minirocket(uci):
    pytest.importorskip("aeon")
    ws, x_train, y_train, x_test, y_test = uci
    probe = LinearProbeClassifier(placement="waist", features="motionfm+minirocket").fit(x_train, y_train)
    assert (probe.predict(x_test) == y_test).mean() > 0.7
    with pytest.raises(ValueError, match="unknown features"):
        LinearProbeClassifier(features="rocket").fit(x_train, y_train)


@pytest.mark.parametrize("est", [ZeroShotClassifier(labels=["a", "b"]), LinearProbeClassifier(C=0.5, seed=3), Embedder()])
def test_sklearn_basics(est):
    params = est.get_params()
    twin = clone(est)
    assert twin.get_params() == params and twin is not est
    twin.set_params(placement="waist")
    assert twin.placement == "waist" and est.placement == "left_wrist"
    assert type(est).__name__ in repr(est)


@pytest.mark.parametrize("est", [ZeroShotClassifier(), LinearProbeClassifier()])
def test_classifiers_are_classifiers_to_sklearn(est):
    """They were not (BaseEstimator came before ClassifierMixin), so cross_val_score(cv=3) split windows sorted
    by class with a plain KFold: training folds without whole classes, scores below chance, no warning."""
    from sklearn.base import is_classifier
    from sklearn.model_selection import StratifiedKFold, check_cv

    assert is_classifier(est)
    assert isinstance(check_cv(3, np.repeat(["a", "b", "c"], 4), classifier=is_classifier(est)), StratifiedKFold)


@pytest.mark.parametrize("kwargs,message", [
    ({"labels": "walking"}, "labels must be a list of label names.*got the string 'walking'"),
    ({"labels": "walking,sitting"}, r"split\(','\)"),
    ({"labels": [1, 2]}, "labels must be strings"),
    ({"synonyms": {"jumping": ["hopping"]}}, "synonyms given for 'jumping', which is not one of the labels"),
    ({"synonyms": ["strolling"]}, "synonyms must be a dict"),
    ({"synonyms": {"walking": [""]}}, "must be non-empty strings"),
])
def test_zero_shot_labels_and_synonyms_are_checked(kwargs, message):
    """A string was read as its letters (labels 'w', 'a', 'l', ...), an unknown synonym key was ignored."""
    with pytest.raises(ValueError, match=message):
        ZeroShotClassifier(**{"labels": ["walking", "sitting"], **kwargs}).fit()


def test_a_synonym_string_is_one_synonym_and_keys_match_labels_case_aside():
    from motionfm.labels import label_synonyms

    labels = ["walking", "lying down"]
    assert label_synonyms(labels, {"Lying Down": "lying on the back"}) == {"lying down": ["lying on the back"]}
    assert label_synonyms(labels, {"walking": ("strolling", "walk")}) == {"walking": ["strolling", "walk"]}
    assert label_synonyms(labels, None) == {}


@pytest.mark.parametrize("x,kwargs,message", [
    (np.zeros((2, 200, 22, 6)), {}, r"2 window\(s\) hold no sensor data"),
    (np.ones((500, 6)), {"fps": 50}, r"one window\? pass X\[None\]"),
    (np.ones((2, 200, 6)), {"placement": None}, "placement must be a body-site name"),
    (np.ones((2, 200, 6)), {"placement": 3}, "placement must be a body-site name"),
    (np.ones((2, 200, 6)), {"fps": "50"}, "fps must be a positive number"),
    (np.ones((2, 200, 6)), {"fps": None}, "fps must be a positive number"),
])
def test_input_that_is_no_batch_of_sensor_windows_is_refused(x, kwargs, message):
    """All-zero canonical windows were classified (the first label for every window); the others were
    Python errors (TypeError) or a misleading 'windows of 6 samples' message."""
    with pytest.raises(ValueError, match=message):
        to_canonical(x, **kwargs)


def test_probe_labels_and_grid_are_checked(uci):
    _, x_train, y_train, _, _ = uci
    probe = LinearProbeClassifier(placement="waist")
    with pytest.raises(ValueError, match="y should be a 1d array"):
        probe.fit(x_train, np.eye(6)[y_train])  # one-hot
    with pytest.raises(ValueError, match="1 missing label.*index 3"):
        probe.fit(x_train, np.where(np.arange(len(y_train)) == 3, None, y_train.astype(object)))
    with pytest.raises(ValueError, match="one label per window"):
        probe.fit(x_train, y_train[:-1])
    with pytest.raises(ValueError, match="needs cv >= 2"):
        LinearProbeClassifier(placement="waist", C=[0.1, 1.0], cv=1).fit(x_train, y_train)
    with pytest.warns(Warning):  # a column vector is read as labels, as scikit-learn does (with its warning)
        probe.fit(x_train, y_train[:, None])
    assert probe.predict(x_train[:0]).shape == (0,) and probe.predict_proba(x_train[:0]).shape == (0, 6)


def test_unfitted_probe_raises():
    with pytest.raises(NotFittedError):
        LinearProbeClassifier().predict(np.zeros((2, 200, 6)))


def test_input_forms():
    x = np.random.default_rng(0).normal(size=(3, 500, 6)).astype(np.float32)
    w = to_canonical(x, fps=50.0, placement="right_wrist")
    canon, mask = w.x, w.mask
    assert canon.shape == (3, 200, 22, 6) and mask[:, joint_index("right_wrist")].all() and mask.sum() == 3
    assert w.valid_len.tolist() == [200] * 3 and w.channel_mask.all()
    again = to_canonical(canon)
    np.testing.assert_array_equal(again.x, canon)
    np.testing.assert_array_equal(again.mask, mask)
    with pytest.raises(ValueError, match=r"\(n, time, 6\)"):
        to_canonical(np.zeros((3, 100, 4)))
    with pytest.raises(ValueError, match="NaN"):
        to_canonical(np.full((1, 100, 6), np.nan))
    with pytest.raises(ValueError, match="NaN"):
        to_canonical(np.where(canon == canon.max(), np.inf, canon))  # canonical windows are checked too
    with pytest.raises(ValueError, match="unknown placement"):
        to_canonical(x, placement="tail")
    two = np.stack([x, x], axis=2)  # arrays and 0-d arrays are accepted as they were
    assert to_canonical(two, fps=np.array(50.0), placement=np.array(["left_wrist", "right_ankle"])).mask.sum() == 6


@pytest.mark.parametrize("scale,acc_gravity,message", [
    (1 / 9.80665, "included", "look like g"),
    (1000 / 9.80665, "included", "look like mg"),
    ("linear", "included", "gravity looks removed"),
    (1.0, "removed", "gravity is in the pelvis data"),
    (1 / 9.80665, "removed", r"~1 g if the data are g"),  # total acceleration in g passed as linear
    (1.0, "sideways", "unknown acc_gravity"),
])
def test_estimators_check_acceleration_against_gravity(uci, scale, acc_gravity, message):
    """Real UCI-HAR windows in the wrong units or with gravity taken out are refused, not labelled."""
    from motionfm.gravity import remove_gravity

    x = uci[3][:20].copy()
    if scale == "linear":
        x[..., :3] = remove_gravity(x[..., :3], 20.0)
    else:
        x[..., :3] *= scale
    with pytest.raises(ValueError, match=message):
        ZeroShotClassifier(labels=["walking", "sitting"], placement="waist", acc_gravity=acc_gravity).fit().predict(x)


def test_gravity_free_and_several_sensor_input(uci, dataset):
    from motionfm.gravity import remove_gravity

    x = uci[3][:20].copy()
    x[..., :3] = remove_gravity(x[..., :3], 20.0)
    emb = Embedder(placement="waist", acc_gravity="removed").fit().transform(x)
    assert emb.shape == (20, 256)
    ws = dataset("dsads")  # torso, both wrists, both thighs
    spec_sites = ["torso", "right_wrist", "left_wrist", "right_thigh", "left_thigh"]
    w = to_canonical(ws.x[:3], placement=spec_sites, acc_gravity="included")
    assert w.mask.sum(1).tolist() == [5, 5, 5] and w.mask[:, joint_index("right_wrist")].all()
    np.testing.assert_array_equal(w.x[:, :, joint_index("left_wrist")], ws.x[:3, :, 2])
    with pytest.raises(ValueError, match="for the 2 placements"):
        to_canonical(ws.x[:3], placement=["torso", "chest"])


def test_every_worn_joint_is_checked_and_missing_gyros_are_marked(dataset):
    """Five DSADS sensors with one left in g: refused naming that joint (a median over sensors would pass it);
    all-zero gyroscopes become absent channels."""
    ws = dataset("dsads")
    sites = ["torso", "right_wrist", "left_wrist", "right_thigh", "left_thigh"]
    x = ws.x[:6].copy()
    x[:, :, 2, :3] /= 9.80665
    with pytest.raises(ValueError, match="left_wrist windows' mean reads 0.1"):
        to_canonical(x, placement=sites, acc_gravity="included")
    x = ws.x[:6].copy()
    x[:3, ..., 3:] = 0.0
    w = to_canonical(x, placement=sites, acc_gravity="included")
    assert w.channel_mask[:3, 3:].sum() == 0 and w.channel_mask[3:].all() and w.channel_mask[:, :3].all()


def test_calibrate_needs_one_label_per_window(uci):
    with pytest.raises(ValueError, match="one label per window"):
        ZeroShotClassifier(labels=["walking", "sitting"], placement="waist").calibrate(uci[3][:5], ["walking"] * 3)


def test_upright_models_get_upright_input_and_a_warning_for_few_windows(uci):
    """An upright-frame model (rotation: upright) reads X with each worn joint turned so its typical gravity is
    +z, found over the windows of the call; a handful of windows is warned about (a lying window alone would
    be turned upright)."""
    import copy

    from motionfm.hub import load_model
    from motionfm.orientation import typical_gravity, window_gravity_directions

    _, _, _, x_test, _ = uci
    net = copy.copy(load_model("default"))
    config = {**net.metadata.get("pretrain_config", {}), "rotation": "upright"}
    net.metadata = {**net.metadata, "pretrain_config": config}
    est = Embedder(placement="waist")
    est.model_, est._loaded_from = net, est.model
    w = est._canonical(x_test[:200])
    j = joint_index("pelvis") if w.mask[0, joint_index("pelvis")] else int(np.nonzero(w.mask[0])[0][0])
    assert typical_gravity(window_gravity_directions(w.x[:, :, j, :3])) @ [0, 0, 1] > 0.999
    with pytest.warns(UserWarning, match="too few"):
        est._canonical(x_test[:3])


def test_a_gyroscope_in_deg_s_is_refused_and_rad_s_passes_quietly(uci):
    """Real UCI-HAR waist windows (20 Hz): the gyroscope is checked against gravity's turning, as in the CLI."""
    x = uci[3][:64].copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_canonical(x, fps=20.0, placement="waist", acc_gravity="included")
    x[..., 3:] *= np.degrees(1.0)
    with pytest.raises(ValueError, match="the data look like deg/s: X's pelvis gyroscope must be rad/s"):
        to_canonical(x, fps=20.0, placement="waist", acc_gravity="included")


@pytest.mark.parametrize("change,kwargs,message", [
    (None, {"fps": 0.0}, "fps must be a positive number"),
    (None, {"fps": -50.0}, "fps must be a positive number"),
    (None, {"fps": float("nan")}, "fps must be a positive number"),
    (lambda x: x[:, :10], {"fps": 20.0}, "0.5 s long"),
    (lambda x: _set(x, (0, 5, 0), 2e4), {}, "2e\\+04 m/s\\^2, beyond any sensor"),
    (lambda x: np.concatenate([x[..., :2], np.full_like(x[..., 2:3], 9.8), x[..., 3:]], -1), {}, "az = 9.8 m/s"),
    (lambda x: np.stack([x, x], 2), {"placement": ["waist", "hip"]}, "'waist' and 'hip' are both the pelvis"),
    (lambda x: np.stack([x, np.concatenate([x[..., :3], 0 * x[..., 3:]], -1)], 2),
     {"placement": ["waist", "chest"]}, "the spine3 data have no gyroscope"),
])
def test_input_no_working_sensor_gives_is_refused(uci, change, kwargs, message):
    x = uci[3][:32]
    x = change(x) if change else x
    with pytest.raises(ValueError, match=message):
        to_canonical(x, **{"fps": 20.0, "placement": "waist", "acc_gravity": "included", **kwargs})


def _set(x, index, value):
    x = x.copy()
    x[index] = value
    return x


def test_zero_padded_frames_are_not_read_as_clipping_or_a_stuck_axis(uci):
    x = uci[3][:40].copy()
    x[::5, -20:] = 0.0  # the last second of every fifth window padded with zeros
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_canonical(x, fps=20.0, placement="waist", acc_gravity="included")
