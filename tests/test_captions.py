"""captions.py: several phrasings per Bandai-Namco label and CMU description, the plain captions kept first."""

import pytest

from conftest import need
from motionfm.captions import (BANDAI_CONTENT_PHRASES, BANDAI_STYLE_PHRASES, bandai_namco_phrasings,
                               cmu_phrasings, rich_captions)
from motionfm.corpora import BANDAI_CONTENT, BANDAI_STYLE, bandai_namco_captions, cmu_captions


def test_tables_cover_every_label_the_corpus_parser_knows():
    assert set(BANDAI_CONTENT_PHRASES) == set(BANDAI_CONTENT)
    assert set(BANDAI_STYLE_PHRASES) == set(BANDAI_STYLE)
    for content, phrases in BANDAI_CONTENT_PHRASES.items():
        assert phrases[0] == BANDAI_CONTENT[content] and len(set(phrases)) >= 3  # the plain wording first
    for style, phrases in BANDAI_STYLE_PHRASES.items():
        assert phrases[0] == BANDAI_STYLE[style] and len(set(phrases)) >= 2


@pytest.mark.parametrize("content, style, n, example", [
    ("walk", "tired", 27, "someone is stepping backwards wearily."),
    ("bow", "normal", 27, "a person is bowing."),
    ("kick", "masculine", 18, "throwing a kick in a manly way"),
])
def test_bandai_phrasings_are_every_wording_combination(content, style, n, example):
    texts = bandai_namco_phrasings(content, style)
    assert len(texts) == len(set(texts)) == n
    if content == "walk":
        assert "a person is walking in a tired way." in texts and example not in texts  # no other content's words
        assert "someone is taking steps at a normal pace wearily." in texts
    else:
        assert example in texts


@pytest.mark.parametrize("name", ["dataset-1_walk_tired_001.bvh", "dataset-2_raise-up-left-hand_happy_014.bvh"])
def test_rich_captions_keep_the_corpus_captions_first(name, tmp_path):
    plain = bandai_namco_captions(tmp_path / name)
    rich = rich_captions("bandai-namco", name, plain)
    assert rich[:len(plain)] == plain and len(rich) > len(plain) and len(rich) == len(set(rich))


def test_cmu_phrasings_split_the_description_into_its_parts():
    texts = cmu_phrasings("Playground - forward jumps, turn around")
    assert texts[:3] == ["playground - forward jumps, turn around", "a person: playground - forward jumps, turn around",
                         "motion capture of playground - forward jumps, turn around"]
    assert {"a person: forward jumps", "turn around", "playground"} <= set(texts)
    assert cmu_phrasings("walk") == ["walk", "a person: walk", "motion capture of walk"]


def test_cmu_rich_captions_extend_the_real_descriptions():
    from motionfm.corpora import cmu_descriptions

    table = cmu_descriptions(need("cmu_mocap") / "CMU_data_descriptions.csv")
    plain = cmu_captions(need("cmu_mocap") / "02_05.bvh", table)
    assert plain[0] == table[2, 5].lower()
    rich = rich_captions("cmu", "02_05.bvh", plain)
    assert rich[:3] == plain and len(rich) == len(set(rich))


def test_unknown_bandai_labels_are_refused():
    with pytest.raises(ValueError, match="add it to BANDAI_CONTENT_PHRASES"):
        bandai_namco_phrasings("juggle", "normal")
    with pytest.raises(ValueError, match="not a Bandai-Namco clip name"):
        rich_captions("bandai-namco", "walk.bvh", [])
    assert rich_captions("humanml3d=/x", "000001.npy", ["a man walks"]) == ["a man walks"]
