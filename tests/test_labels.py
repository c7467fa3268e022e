import pytest

from motionfm.labels import check_distinct_labels, label_key


@pytest.mark.parametrize("name,key", [("Walking ", "walking"), ("sit_down", "sit down"), ("Climb-Stairs", "climb stairs"),
                                      ("  lying   down", "lying down")])
def test_label_key(name, key):
    assert label_key(name) == key


@pytest.mark.parametrize("labels,message", [
    (["walking", "Walking "], "labels 'walking' and 'Walking ' are the same label"),
    (["sit down", "stand", "sit_down"], "'sit down' and 'sit_down'"),
    (["walking", " "], "label ' ' is empty"),
])
def test_labels_that_are_one_name_are_refused(labels, message):
    with pytest.raises(ValueError, match=message):
        check_distinct_labels(labels)


def test_distinct_labels_pass():
    check_distinct_labels(["walking", "walking upstairs", "walking downstairs", "sitting"])
