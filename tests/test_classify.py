"""Classification of a recording: chunks give the whole's answer, runs and clock times are right."""

import numpy as np
import pandas as pd
import pytest

from motionfm.classify import Classification, chunks, classify_recording, runs, summary, write_predictions
from motionfm.io import RecordingFormat, read_recording


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    rng = np.random.default_rng(0)
    t = np.arange(int(600 * 50)) / 50.0
    df = pd.DataFrame({"time": t, "ax": 0.3 * np.sin(2 * np.pi * 1.1 * t) + rng.normal(0, 0.02, len(t)),
                       "ay": 0.1 * np.cos(0.3 * t), "az": 1.0 + rng.normal(0, 0.02, len(t))})
    path = tmp_path_factory.mktemp("rec") / "r.csv"
    df.to_csv(path, index=False)
    return read_recording(path, "waist", RecordingFormat(acc_units="g"))


@pytest.mark.parametrize("chunk_s,stride_s", [(120.0, None), (60.0, 5.0)])
def test_chunked_classification_matches_whole(recording, chunk_s, stride_s):
    labels = ["walking", "sitting", "lying down"]
    whole = classify_recording("default", recording, labels, 10.0, stride_s)
    parts = classify_recording("default", recording, labels, 10.0, stride_s, chunk_s=chunk_s)
    np.testing.assert_allclose(parts.start_s, whole.start_s, atol=1e-9)
    np.testing.assert_allclose(parts.scores, whole.scores, atol=2e-3)  # resampling context: 5 s each side


def test_chunks_cover_every_window_start_once(recording):
    pieces = list(chunks(recording, 10.0, 10.0, 120.0))
    assert sum(p[4] for p in pieces) == pytest.approx(recording.duration, abs=0.1)
    bounds = [(lo, hi) for _, _, lo, hi, _ in pieces]
    assert bounds[0][0] == 0.0 and all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))


def _result(top, window_s=10.0, start_time=None):
    scores = np.full((len(top), 3), 0.1)
    scores[np.arange(len(top)), top] = 0.5 + 0.1 * np.arange(len(top))
    return Classification(["a", "b", "c"], np.arange(len(top)) * window_s, window_s, scores, start_time)


def test_runs_merge_consecutive_windows_of_one_label():
    merged = runs(_result([0, 0, 1, 1, 1, 0]))
    assert [(r["label"], r["start_s"], r["end_s"], r["windows"]) for r in merged] == [
        ("a", 0.0, 20.0, 2), ("b", 20.0, 50.0, 3), ("a", 50.0, 60.0, 1)]
    assert merged[1]["score"] == pytest.approx(np.mean([0.7, 0.8, 0.9]))
    assert summary(_result([0, 0, 1, 1, 1, 0])) == {"a": 30.0, "b": 30.0, "c": 0.0}


def test_predictions_carry_the_recordings_clock(tmp_path):
    clock = pd.Timestamp("2024-05-01 08:00:00", tz="UTC")
    write_predictions(_result([0, 1], start_time=clock), tmp_path / "p.csv")
    table = pd.read_csv(tmp_path / "p.csv")
    assert list(table.columns[:3]) == ["start_time", "start_s", "end_s"]
    assert pd.Timestamp(table.start_time[1]) == pd.Timestamp("2024-05-01 08:00:10", tz="UTC")
    write_predictions(_result([0, 1]), tmp_path / "q.csv")
    assert pd.read_csv(tmp_path / "q.csv").columns[0] == "start_s"


def test_upright_models_read_the_recording_in_its_upright_frame(recording):
    """A model pre-trained with rotation: upright gets each sensor turned so its typical gravity is +z; the
    same recording mounted at another angle then reads the same vertical components; gravity-free input is
    refused for such models (the frame is found from gravity)."""
    from dataclasses import replace

    from motionfm.geometry import random_rotation_matrices
    from motionfm.classify import upright_recording
    from motionfm.io import RecordingError

    rot = random_rotation_matrices(1, np.random.default_rng(1))[0]
    turned = replace(recording, x=np.concatenate([recording.x[:, :3] @ rot.T, recording.x[:, 3:] @ rot.T], 1))
    a, b = upright_recording(recording, 10.0), upright_recording(turned, 10.0)
    np.testing.assert_allclose(a.x[:, 2], b.x[:, 2], atol=1e-4)
    assert a.x[:, 2].mean() > 9.7  # gravity on +z
    with pytest.raises(RecordingError, match="gravity-free"):
        upright_recording(replace(recording, acc_gravity="removed"), 10.0)
    with pytest.raises(RecordingError, match="carries no gravity"):  # a dead sensor: one line, no traceback
        upright_recording(replace(recording, x=np.zeros_like(recording.x)), 10.0)


def test_a_string_of_labels_is_refused_before_any_work():
    with pytest.raises(ValueError, match="labels must be a list of label names"):
        classify_recording("default", None, "walk", 10.0)


@pytest.mark.parametrize("kwargs,message", [({"window_s": 0.0}, "window_s must be a positive"),
                                            ({"stride_s": 0.0}, "stride_s must be a positive"),
                                            ({"chunk_s": float("nan")}, "chunk_s must be a positive"),
                                            ({"window_s": float("inf")}, "window_s must be a positive")])
def test_window_stride_and_chunk_must_be_positive_seconds(recording, kwargs, message):
    """stride_s=0 was read as stride_s=window_s; 0, NaN or inf elsewhere were ZeroDivision/Overflow errors."""
    with pytest.raises(ValueError, match=message):
        classify_recording("default", recording, ["walking", "sitting"], **{"window_s": 10.0, **kwargs})
