import numpy as np
import pytest

from motionfm.evaluate.metrics import classification_metrics, confusion, recall_at_k


def test_metrics_by_hand():
    y = np.array([0, 0, 0, 1, 1, 2])
    pred = np.array([0, 0, 1, 1, 2, 2])
    second = np.array([1, 1, 0, 0, 0, 0])  # sample 2 has its true class second, sample 4 does not
    scores = 2.0 * np.eye(3)[pred] + np.eye(3)[second]
    m = classification_metrics(y, scores)
    # per class: 0: P 2/2, R 2/3 -> F1 0.8; 1: P 1/2, R 1/2 -> 0.5; 2: P 1/2, R 1/1 -> 2/3
    assert m == pytest.approx({"accuracy": 4 / 6, "macro_f1": (0.8 + 0.5 + 2 / 3) / 3, "r_at_2": 5 / 6, "n": 6})
    assert confusion(y, pred, 3).tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]


def test_a_class_predicted_but_absent_counts_zero_in_macro_f1():
    y, pred = np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1])  # class 2 has no true sample: its F1 is 0
    m = classification_metrics(y, np.eye(3)[pred])
    # class 0: P 1/1, R 1/2 -> 2/3; class 1: P 1, R 1 -> 1; class 2: 0
    assert m["macro_f1"] == pytest.approx((2 / 3 + 1.0 + 0.0) / 3) and m["accuracy"] == 0.75


def test_recall_at_2_by_hand():
    y = np.array([0, 1, 2, 2])
    scores = np.array([[0.9, 0.5, 0.1], [0.9, 0.5, 0.1], [0.9, 0.5, 0.1], [0.1, 0.5, 0.9]])
    assert recall_at_k(y, scores, 2) == 0.75  # the third sample's true class is ranked last
    assert recall_at_k(y, scores, 1) == 0.5


def test_confusion_counts():
    c = confusion(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3)
    assert c.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
