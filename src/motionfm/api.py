"""scikit-learn style estimators over the pre-trained model.

X is either single-sensor recordings (n, time, 6) — [ax, ay, az] m/s^2 with gravity, [gx, gy, gz] rad/s,
sampled at ``fps`` and worn at ``placement`` — several sensors (n, time, S, 6) worn at the S names of
``placement``, or canonical windows (n, time, 22, 6), at ``fps`` (resampled to RATE_HZ, 20 Hz). Every
estimator checks the acceleration against ``acc_gravity`` ('included': 9.8 m/s^2 of gravity; 'removed':
linear acceleration) and refuses data that do not fit (g or mg units, gravity missing or present).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
import sklearn
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .adapt import embed, fit_probe, label_matrix, macro_f1, minirocket_fit, minirocket_transform
from .hub import load_model
from .orientation import model_rotation, require_gravity, upright_canonical
from .resampling import resample
from .gravity import ACC_GRAVITY
from .io import ACC_LIMIT, GYRO_LIMIT
from .labels import check_distinct_labels
from .sensor_checks import StuckAxisError, check_stuck_axes, clipping_warnings
from .skeleton import JOINT_NAMES, NUM_JOINTS, placement_to_joint
from .units import GRAVITY, gyro_gravity_ratio_windows, judge_gyro_ratio, units_fitting_gravity
from .windows import MIN_WINDOW_S, RATE_HZ, CanonicalWindows, place_sensors

UPRIGHT_MIN_WINDOWS = 20  # fewer windows in one call cannot be trusted to show a sensor's typical gravity
_LIBRARY_DIRS = tuple(str(Path(m.__file__).resolve().parent) + os.sep
                      for m in (sys.modules[__package__], sklearn, joblib))


def _caller_level() -> int:
    """``stacklevel`` for warnings.warn called here that names the first frame outside motionfm,
    scikit-learn and joblib: the user's line (a Pipeline or cross_val_score in between is skipped)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_LIBRARY_DIRS):
        frame, level = frame.f_back, level + 1
    return level


def to_canonical(X, fps: float = RATE_HZ, placement: str | Sequence[str] = "left_wrist",
                 acc_gravity: str | None = None) -> CanonicalWindows:
    """Canonical windows at RATE_HZ from input at ``fps`` Hz: single-sensor (n, T, 6) worn at ``placement``,
    several sensors (n, T, S, 6) worn at the S names in ``placement``, or canonical (n, T, 22, 6) (a joint is
    present where it is non-zero).

    ``acc_gravity`` ('included' or 'removed'): check the acceleration (m/s^2) against that claim (gravity of
    9.8 m/s^2 in the still part, or none) and each worn joint's data against a working sensor's
    (check_sensors; the gyroscope's units only with gravity included); None: no check.
    """
    X = np.asarray(X, dtype=np.float32)  # finiteness is checked by CanonicalWindows
    fps = _rate(fps)
    placement = _check_placement(placement)
    if X.ndim == 2:
        raise ValueError(f"X must be (n, time, 6): a batch of windows; got {X.shape} (one window? pass X[None])")
    if X.ndim >= 2 and X.shape[1] / fps < MIN_WINDOW_S:
        raise ValueError(f"windows of {X.shape[1]} samples at {fps:g} Hz are {X.shape[1] / fps:.3g} s long; the "
                         f"models were trained and evaluated on windows of {MIN_WINDOW_S:g} s and longer")
    several = not isinstance(placement, str)
    if X.ndim == 4 and X.shape[2:] == (NUM_JOINTS, 6) and not several:
        windows = CanonicalWindows(X, np.abs(X).sum(axis=(1, 3)) > 0)
    elif several:
        if X.ndim != 4 or X.shape[2:] != (len(placement), 6):
            raise ValueError(f"X must be (n, time, {len(placement)}, 6) for the {len(placement)} placements given; "
                             f"got {X.shape}")
        windows = CanonicalWindows(*place_sensors(X, _distinct_joints(placement)))
    elif X.ndim == 3 and X.shape[2] == 6:
        windows = CanonicalWindows(*place_sensors(X, placement_to_joint(placement)))
    else:
        raise ValueError(f"X must be (n, time, 6) single-sensor recordings or (n, time, 22, 6) windows; got {X.shape}")
    empty = np.nonzero(~windows.mask.any(axis=1))[0]
    if len(empty):
        raise ValueError(f"{len(empty)} window(s) hold no sensor data (every value 0), the first at index "
                         f"{empty[0]}: a joint is worn where its values are non-zero")
    has_gyro = (np.abs(windows.x[..., 3:]).max(axis=(1, 3)) * windows.mask).max(axis=1, initial=0) > 0  # (n,)
    # a gyroscope reading exactly 0 throughout a window was not there: marked absent (acc-only input)
    windows.channel_mask = np.concatenate([np.ones((len(windows), 3), bool), np.repeat(has_gyro[:, None], 3, 1)], 1)
    if acc_gravity is not None:
        check_gravity(windows, acc_gravity)
        check_sensors(windows, fps, gyro_units=acc_gravity == "included")
    if fps != RATE_HZ:
        windows.x = _resample_time(windows.x, fps)
        windows.valid_len = np.full(len(windows), windows.length)
    return windows


def _rate(fps) -> float:
    """fps as a float; ValueError unless it is one positive finite real number (a 0-d array will do)."""
    try:
        value = float(fps) if not isinstance(fps, (str, bytes, bool)) else float("nan")
    except (TypeError, ValueError):
        value = float("nan")
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"fps must be a positive number of samples per second; got {fps!r}")
    return value


def _check_placement(placement) -> str | list[str]:
    """``placement`` as a body-site name or a list of them (a tuple or array will do); ValueError otherwise."""
    if isinstance(placement, str):
        return placement
    try:
        names = [p.item() if isinstance(p, np.generic) else p for p in placement]
    except TypeError:
        names = []
    if not names or not all(isinstance(p, str) for p in names):
        raise ValueError(f"placement must be a body-site name such as 'left_wrist' or a list of them (one per "
                         f"sensor); got {placement!r}")
    return names


def _distinct_joints(placement: Sequence[str]) -> list[int]:
    """Joint slots of several placements; ValueError when two of them are one body site."""
    joints = [placement_to_joint(p) for p in placement]
    for k, j in enumerate(joints):
        if j in joints[:k]:
            raise ValueError(f"placements {placement[joints.index(j)]!r} and {placement[k]!r} are both the "
                             f"{JOINT_NAMES[j]} joint; give each sensor a different body site")
    return joints


SENSOR_NAMES = ("ax", "ay", "az", "gx", "gy", "gz")  # X's last axis, named in messages


def check_sensors(windows: CanonicalWindows, fps: float, gyro_units: bool = True) -> None:
    """ValueError unless every worn joint's data (m/s^2, rad/s at ``fps`` Hz, before resampling) could come
    from a working sensor: values within any sensor's range, no axis reading one value throughout while the
    joint moves (all-zero frames, i.e. padding, left out), gyroscopes on every worn joint or on none, and
    (``gyro_units``) a gyroscope that turns as fast as gravity turns in the sensor frame (not ~57x: deg/s).
    Clipping and a doubtful gyroscope ratio are warnings. Messages name the joint."""
    worn = {j: windows.x[windows.mask[:, j], :, j] for j in np.nonzero(windows.mask.any(axis=0))[0]}  # (m, T, 6)
    gyro = {j: bool(np.abs(x[..., 3:]).max(initial=0.0) > 0) for j, x in worn.items()}
    if len(set(gyro.values())) > 1:
        lacking = ", ".join(JOINT_NAMES[j] for j, g in gyro.items() if not g)
        raise ValueError(f"the {lacking} data have no gyroscope (all zero) but the other sensors do; give "
                         f"gyroscopes for every sensor or for none")
    for joint, x in worn.items():
        name = JOINT_NAMES[joint]
        _check_limits(x, name)
        flat = x.reshape(-1, 6)
        flat = flat[np.any(flat != 0, axis=1)]  # padding frames carry no sensor reading
        try:
            notes = [check_stuck_axes(flat, SENSOR_NAMES, gyro[joint])]
        except StuckAxisError as err:
            fix = ("to use the accelerometers alone, set every sensor's gyroscope channels to 0" if err.gyro
                   else "check X's channels")
            raise ValueError(f"{name}: {err}; {fix}") from None
        notes += clipping_warnings(flat, SENSOR_NAMES, gyro[joint])
        if gyro_units and gyro[joint]:
            g = x[np.asarray(windows.channel_mask)[windows.mask[:, joint], 3]]
            notes.append(judge_gyro_ratio(*gyro_gravity_ratio_windows(g[..., :3], g[..., 3:], fps), "rad/s",
                                          fix=f"X's {name} gyroscope must be rad/s (deg/s x pi/180)",
                                          check=f"check X's {name} gyroscope channels and units (rad/s)"))
        for note in filter(None, notes):
            warnings.warn(f"{name}: {note}", stacklevel=_caller_level())


def _check_limits(x: np.ndarray, joint: str) -> None:
    """ValueError for acceleration or angular rate beyond any sensor in one joint's (m, T, 6) windows."""
    for cols, limit, unit in ((slice(0, 3), ACC_LIMIT, "m/s^2"), (slice(3, 6), GYRO_LIMIT, "rad/s")):
        peak = float(np.abs(x[..., cols]).max(initial=0.0))
        if peak > limit:
            raise ValueError(f"the {joint} data read {peak:.4g} {unit}, beyond any sensor (limit {limit:.4g}); "
                             f"X must hold m/s^2 and rad/s")


def check_gravity(windows: CanonicalWindows, acc_gravity: str = "included") -> None:
    """ValueError unless every worn joint's acceleration fits the claim: the median over windows of
    |time-mean acceleration| is ~9.8 m/s^2 with gravity included (0.6-1.6 g), and below 0.5 g, and not ~1 g in
    g or mg either, with it removed. The error names the joint."""
    if acc_gravity not in ACC_GRAVITY:
        raise ValueError(f"unknown acc_gravity {acc_gravity!r}; use one of {', '.join(ACC_GRAVITY)}")
    means = np.linalg.norm(windows.x[..., :3].mean(axis=1, dtype=np.float64), axis=-1)  # (n, 22) m/s^2
    for joint in np.nonzero(windows.mask.any(axis=0))[0]:
        magnitude = float(np.median(means[windows.mask[:, joint], joint]))
        _check_joint_gravity(magnitude, acc_gravity, JOINT_NAMES[joint])


def _check_joint_gravity(magnitude: float, acc_gravity: str, joint: str) -> None:
    """One joint's median |time-mean acceleration| (``magnitude``, m/s^2 if the data are right) against the claim."""
    g = magnitude / GRAVITY
    fits = units_fitting_gravity(magnitude, 0.6, 1.6)
    as_g, as_mg = "g" in fits, "mg" in fits
    if acc_gravity == "removed" and (g > 0.5 or as_g or as_mg):
        unit = " if the data are m/s^2" if g > 0.5 else f" (~1 g if the data are {'g' if as_g else 'mg'})"
        raise ValueError(f"acc_gravity='removed', but gravity is in the {joint} data (its windows' mean reads "
                         f"{g:.2f} g{unit}); use acc_gravity='included' and m/s^2")
    if acc_gravity == "included" and "m/s2" not in fits:
        hint = (f"the data look like g (multiply by {GRAVITY})" if as_g else
                "the data look like mg (multiply by 0.00980665)" if as_mg else
                "gravity looks removed: pass acc_gravity='removed'" if g < 0.3 else "check the units and columns")
        raise ValueError(f"acceleration must be m/s^2 with gravity, but the {joint} windows' mean reads {g:.3g} g; "
                         f"{hint}")


def _resample_time(X: np.ndarray, fps: float) -> np.ndarray:
    """Resample (n, time, ...) along time from ``fps`` to RATE_HZ."""
    return np.moveaxis(resample(np.moveaxis(X, 1, 0), fps, RATE_HZ), 0, 1).astype(np.float32)


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """Inverse temperature b minimising the mean log loss of softmax(b * scores): scores (n, n_classes), y (n,)
    class indices (temperature scaling, Guo et al. 2017)."""
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    scores, rows = np.asarray(scores, dtype=np.float64), np.arange(len(y))
    loss = lambda log_b: -log_softmax(np.exp(log_b) * scores, axis=1)[rows, y].mean()  # noqa: E731
    return float(np.exp(minimize_scalar(loss, bounds=(-6.0, 8.0), method="bounded").x))


def _labels_1d(y, n: int) -> np.ndarray:
    """y as (n,) labels; ValueError for one-hot or other 2-D y, another length, or missing labels (NaN, None)."""
    from sklearn.utils.validation import column_or_1d

    y = column_or_1d(np.asarray(y), warn=True)
    if len(y) != n:
        raise ValueError(f"y must hold one label per window: {n} windows, {len(y)} labels")
    missing = [i for i, v in enumerate(y.tolist()) if v is None or (isinstance(v, float) and np.isnan(v))]
    if missing:
        raise ValueError(f"y has {len(missing)} missing label(s) (NaN or None), the first at index {missing[0]}; "
                         f"drop those windows or label them")
    return y


class _Base(BaseEstimator):
    def __getstate__(self) -> dict:
        """Pickles and deep copies leave the per-input cache behind."""
        state = super().__getstate__()
        return {k: v for k, v in state.items() if k not in ("_feature_cache", "_cache_model")}

    def _model(self):
        if getattr(self, "model_", None) is None or getattr(self, "_loaded_from", None) != self.model:
            self.model_ = load_model(self.model)
            self._loaded_from = self.model
        return self.model_

    def _canonical(self, X) -> CanonicalWindows:
        w = to_canonical(X, self.fps, self.placement, self.acc_gravity)
        if model_rotation(self._model()) == "upright":
            w = dataclasses.replace(w, x=self._upright(w))
        return w

    def _upright(self, w: CanonicalWindows) -> np.ndarray:
        """An upright model's frames: found over the windows of this call, taken as one recording unit (pass a
        whole recording's windows at once; the README's 'Orientation' note)."""
        require_gravity(self.acc_gravity)
        if len(w) < UPRIGHT_MIN_WINDOWS:
            warnings.warn(f"an upright-frame model finds each sensor's frame over the windows given together; "
                          f"{len(w)} window(s) is too few (a lying window alone would be turned upright): pass "
                          f"a recording's windows in one call", stacklevel=_caller_level())
        return upright_canonical(w.x, w.mask)

    def _cached(self, X, what, compute) -> np.ndarray:
        """``compute(X)`` for (n, ...) windows X, kept for the last ``cache_size`` (default 8) arrays: the key is
        ``what``, the settings that change the result and X's bytes, so the same windows seen again (refitting,
        predict after decision_function, a grid over C) do not run the encoder again."""
        X = np.ascontiguousarray(X, dtype=np.float32)
        key = (what, self.model, float(self.fps), str(self.placement), self.acc_gravity, X.shape,
               hashlib.sha1(X.data).hexdigest())
        cache = self.__dict__.setdefault("_feature_cache", OrderedDict())
        if self.__dict__.get("_cache_model") is not self._model():  # another model object: nothing carries over
            cache.clear()
            self._cache_model = self._model()
        if key in cache:
            cache.move_to_end(key)
        else:
            cache[key] = compute(X)
            while len(cache) > max(1, getattr(self, "cache_size", 8)):
                cache.popitem(last=False)
        return cache[key]

    def _embed(self, X) -> np.ndarray:
        """(n, d) unit-norm embeddings of X (cached)."""
        return self._cached(X, "projected", lambda x: embed(self._model(), self._canonical(x)).numpy())


class Embedder(TransformerMixin, _Base):
    """Windows -> unit-norm embeddings in the shared IMU-text space: transform(X) -> (n, d)."""

    def __init__(self, model: str = "default", fps: float = RATE_HZ, placement: str | Sequence[str] = "left_wrist",
                 acc_gravity: str = "included") -> None:
        self.model, self.fps, self.placement, self.acc_gravity = model, fps, placement, acc_gravity

    def fit(self, X=None, y=None) -> Embedder:
        self._model()
        return self

    def transform(self, X) -> np.ndarray:
        return self._embed(X).copy()  # a copy: the cached array stays as computed


class ZeroShotClassifier(ClassifierMixin, _Base):
    """Classify windows by any label names, with no training: predict(X) -> labels."""

    def __init__(self, labels: Sequence[str] = ("walking", "sitting"), synonyms: dict | None = None,
                 model: str = "default", fps: float = RATE_HZ, placement: str | Sequence[str] = "left_wrist",
                 acc_gravity: str = "included") -> None:
        self.labels, self.synonyms, self.model, self.fps, self.placement = labels, synonyms, model, fps, placement
        self.acc_gravity = acc_gravity

    def fit(self, X=None, y=None) -> ZeroShotClassifier:
        """Nothing to learn; builds the label embeddings."""
        check_distinct_labels(self.labels)
        if len(self.labels) < 2:
            raise ValueError("give at least two labels")
        self.classes_ = np.array(list(self.labels))
        self.label_matrix_ = label_matrix(self._model(), list(self.labels), self.synonyms)
        self._fitted_for = self._label_settings()
        self.__dict__.pop("scale_", None)  # a temperature fitted for other labels
        return self

    def _label_settings(self) -> tuple:
        return list(self.labels), repr(self.synonyms), self._model()

    def decision_function(self, X) -> np.ndarray:
        """(n, n_labels) cosine similarities; (re)builds the label embeddings first when the labels, synonyms
        or model changed since fit (set_params)."""
        fitted = getattr(self, "_fitted_for", None)
        if fitted is None or fitted[:2] != self._label_settings()[:2] or fitted[2] is not self._model():
            self.fit()
        return self._embed(X) @ self.label_matrix_.T.numpy()

    def predict_proba(self, X) -> np.ndarray:
        """(n, n_labels) probabilities: softmax of the cosine similarities over the labels, at the temperature
        fitted by ``calibrate`` or, before that, at the model's pre-training temperature (not calibrated for
        your labels: a label set of a few activities is usually over-confident)."""
        scale = getattr(self, "scale_", None) or float(self._model().loss.scale().detach())
        return torch.softmax(torch.as_tensor(self.decision_function(X)) * scale, dim=1).numpy()

    def calibrate(self, X, y) -> ZeroShotClassifier:
        """Fit the softmax temperature on labelled windows X with label names y (n,) (temperature scaling:
        the inverse temperature ``scale_`` minimising the log loss); predictions are unchanged."""
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"calibrate needs one label per window: {len(X)} windows, {len(y)} labels")
        unknown = sorted(set(y.tolist()) - set(self.labels))
        if unknown:
            raise ValueError(f"calibration labels {unknown} are not among this classifier's labels")
        self.fit()  # label embeddings for the current labels, any earlier calibration dropped
        column = {label: k for k, label in enumerate(self.classes_)}
        self.scale_ = fit_temperature(self.decision_function(X), np.array([column[label] for label in y]))
        return self

    def predict(self, X) -> np.ndarray:
        scores = self.decision_function(X)  # fits first when needed, which sets classes_
        return self.classes_[scores.argmax(axis=1)]


class LinearProbeClassifier(ClassifierMixin, _Base):
    """Logistic regression on standardised frozen features: fit(X, y).predict(X).

    ``features``: 'motionfm' (the encoder's raw features) or 'motionfm+minirocket' (those beside MiniRocket
    features fitted on the training windows; needs aeon). ``layers``: 'blocks' (every ST-GCN block's pooled
    output side by side, as ``motionfm evaluate`` probes by default; encoders without blocks give their output)
    or 'last' (the encoder output alone). ``C``: the inverse regularisation, or a grid of them,
    chosen by macro-F1 over ``cv`` stratified folds of the training windows. Features are cached per input array
    (``cache_size`` arrays), so refitting or predicting on the same windows does not run the encoder again.
    """

    def __init__(self, model: str = "default", fps: float = RATE_HZ, placement: str | Sequence[str] = "left_wrist",
                 features: str = "motionfm", C: float | Sequence[float] = 1.0, seed: int = 0, cv: int = 3,
                 max_iter: int = 500, cache_size: int = 8, acc_gravity: str = "included",
                 layers: str = "blocks") -> None:
        self.model, self.fps, self.placement, self.features = model, fps, placement, features
        self.acc_gravity, self.layers = acc_gravity, layers
        self.C, self.seed, self.cv, self.max_iter, self.cache_size = C, seed, cv, max_iter, cache_size

    def _encoder_features(self, X) -> np.ndarray:
        """(n, d) raw encoder features of X, from the cache when the same array was seen."""
        net = self._model()
        layers = net.layers_for(getattr(self, "layers", "last"))  # pickled before layers existed: the output
        return self._cached(X, f"raw-{layers}",
                            lambda x: embed(net, self._canonical(x), projected=False, layers=layers).numpy())

    def _features(self, X) -> np.ndarray:
        f = self._encoder_features(X)
        if self.features == "motionfm":
            return f
        rocket = minirocket_transform(self._canonical(X), fit=self.rocket_)[0]
        return np.concatenate([f, rocket], 1)

    def _choose_C(self, f: np.ndarray, codes: np.ndarray) -> float:
        """The grid's C with the best mean macro-F1 over stratified folds of the training features."""
        from sklearn.model_selection import StratifiedKFold

        grid = [float(c) for c in np.atleast_1d(self.C)]
        if len(grid) > 1 and not (isinstance(self.cv, (int, np.integer)) and self.cv >= 2):
            raise ValueError(f"choosing C from a grid needs cv >= 2 folds; got cv={self.cv!r}")
        folds = min(self.cv, int(np.bincount(codes).min()))
        if len(grid) == 1 or folds < 2:
            return grid[0]
        split = StratifiedKFold(folds, shuffle=True, random_state=self.seed).split(f, codes)
        scores = np.zeros(len(grid))
        for tr, va in split:
            for i, c in enumerate(grid):
                probe = fit_probe(f[tr], codes[tr], len(self.classes_), Cs=[c], seed=self.seed, max_iter=self.max_iter)
                scores[i] += macro_f1(codes[va], probe.scores(f[va]))
        return grid[int(np.argmax(scores))]

    def fit(self, X, y) -> LinearProbeClassifier:
        """Fit on windows X and labels y (n,); C from the grid when one is given."""
        if self.features not in ("motionfm", "motionfm+minirocket"):
            raise ValueError(f"unknown features {self.features!r}; use 'motionfm' or 'motionfm+minirocket'")
        y = _labels_1d(y, len(X))
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError("need at least two classes to fit a classifier")
        if self.features == "motionfm+minirocket":
            self.rocket_ = minirocket_fit(self._canonical(X), seed=self.seed)
        f = self._features(X)
        self.C_ = self._choose_C(f, codes)
        self.probe_ = fit_probe(f, codes, len(self.classes_), Cs=[self.C_], seed=self.seed, max_iter=self.max_iter)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """(n, n_classes) class probabilities, columns in classes_ order."""
        check_is_fitted(self, "probe_")
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        return np.exp(self.probe_.scores(self._features(X)))

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "probe_")
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
