import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from motionfm.evaluate.metrics import classification_metrics, confusion, recall_at_k


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_metrics_agree_with_sklearn(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 5, 200)
    scores = rng.normal(size=(200, 5))
    scores[np.arange(200), y] += rng.normal(1.0, 1.0, 200)
    m = classification_metrics(y, scores)
    pred = scores.argmax(1)
    assert m["accuracy"] == pytest.approx(accuracy_score(y, pred))
    assert m["macro_f1"] == pytest.approx(f1_score(y, pred, average="macro"))
    assert m["n"] == 200


def test_recall_at_2_by_hand():
    y = np.array([0, 1, 2, 2])
    scores = np.array([[0.9, 0.5, 0.1], [0.9, 0.5, 0.1], [0.9, 0.5, 0.1], [0.1, 0.5, 0.9]])
    assert recall_at_k(y, scores, 2) == 0.75  # the third sample's true class is ranked last
    assert recall_at_k(y, scores, 1) == 0.5


def test_confusion_counts():
    c = confusion(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3)
    assert c.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
