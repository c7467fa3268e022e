"""Richer text supervision for pre-training: several hand-written phrasings per motion.

Bandai-Namco clips carry a content label (walk, bow, punch, ...) and a style label (happy, tired, ...);
``BANDAI_CONTENT_PHRASES`` and ``BANDAI_STYLE_PHRASES`` give each several wordings, and
``bandai_namco_phrasings`` combines them. CMU descriptions ("playground - forward jumps, turn around") give
phrasings of the whole text and of each part (``cmu_phrasings``). ``rich_captions`` returns a clip's captions
with these added (the corpus's own captions first, so the plain set is a subset). Switched on by the
pre-training config's ``rich_captions``.
"""

from __future__ import annotations

import re
from pathlib import Path

from .corpora import _BANDAI_NAME, BANDAI_CONTENT, BANDAI_STYLE, CaptionedCorpus

BANDAI_CONTENT_PHRASES: dict[str, tuple[str, ...]] = {
    "walk": ("walking", "walking forward", "taking steps at a normal pace"),
    "run": ("running", "jogging forward", "running at a steady pace"),
    "dash": ("sprinting", "dashing forward", "running as fast as possible"),
    "walk-back": ("walking backwards", "stepping backwards", "walking in reverse"),
    "walk-left": ("walking to the left", "stepping sideways to the left", "walking towards the left"),
    "walk-right": ("walking to the right", "stepping sideways to the right", "walking towards the right"),
    "bow": ("bowing", "bending forward at the waist to bow", "taking a bow"),
    "bye": ("waving goodbye", "waving a hand to say goodbye", "saying bye with a wave"),
    "byebye": ("waving goodbye with both hands", "waving both arms to say goodbye", "saying bye-bye with both hands"),
    "guide": ("guiding someone with a hand", "showing someone the way with an arm", "gesturing a direction"),
    "respond": ("responding with a gesture", "answering with a hand gesture", "reacting with the arms"),
    "call": ("calling someone over with a hand", "beckoning someone to come", "waving someone over"),
    "punch": ("punching", "throwing punches", "boxing with the fists"),
    "kick": ("kicking", "kicking with a leg", "throwing a kick"),
    "slash": ("slashing with a sword", "swinging a sword", "cutting with a blade"),
    "dance-long": ("dancing", "dancing for a long time", "performing a dance"),
    "dance-short": ("dancing", "doing a short dance", "dancing briefly"),
    "walk-turn-left": ("walking and turning left", "walking then turning to the left", "turning left while walking"),
    "walk-turn-right": ("walking and turning right", "walking then turning to the right",
                        "turning right while walking"),
    "wave-both-hands": ("waving both hands", "waving with both arms", "waving two hands in the air"),
    "wave-left-hand": ("waving the left hand", "waving with the left arm", "a left-handed wave"),
    "wave-right-hand": ("waving the right hand", "waving with the right arm", "a right-handed wave"),
    "raise-up-both-hands": ("raising both hands", "lifting both arms up", "putting both hands in the air"),
    "raise-up-left-hand": ("raising the left hand", "lifting the left arm up", "putting the left hand up"),
    "raise-up-right-hand": ("raising the right hand", "lifting the right arm up", "putting the right hand up"),
}
BANDAI_STYLE_PHRASES: dict[str, tuple[str, ...]] = {
    "normal": ("", "normally", "in an ordinary way"),
    "happy": ("happily", "cheerfully", "in a joyful way"),
    "sad": ("sadly", "in a sad way", "sorrowfully"),
    "angry": ("angrily", "in an angry way", "furiously"),
    "proud": ("proudly", "in a proud way", "with pride"),
    "not-confident": ("without confidence", "hesitantly", "timidly"),
    "masculinity": ("in a masculine way", "in a manly way"),
    "masculine": ("in a masculine way", "in a manly way"),
    "feminine": ("in a feminine way", "in a ladylike way"),
    "childish": ("like a child", "childishly", "in a childish way"),
    "old": ("like an old person", "slowly like an old person", "in an old way"),
    "elderly": ("like an elderly person", "like a senior", "in an elderly way"),
    "tired": ("in a tired way", "wearily", "tiredly"),
    "exhausted": ("in an exhausted way", "exhaustedly", "as if worn out"),
    "active": ("energetically", "actively", "with energy"),
    "youthful": ("in a youthful way", "like a young person"),
    "musical": ("in a musical way", "rhythmically", "as in a musical"),
    "giant": ("like a giant", "with heavy giant steps", "in a huge lumbering way"),
    "chimpira": ("like a swaggering thug", "like a street punk", "with a swagger"),
}
_FRAMES = ("a person is {}.", "someone is {}.", "{}")
_CMU_PARTS = re.compile(r"\s*(?: - |/|;|,|\(|\))\s*")


def bandai_namco_phrasings(content: str, style: str) -> list[str]:
    """Every (content wording x style wording x sentence frame) of a Bandai-Namco clip, without repeats."""
    if content not in BANDAI_CONTENT_PHRASES:
        raise ValueError(f"no phrasings for Bandai-Namco content {content!r}; add it to BANDAI_CONTENT_PHRASES")
    styles = BANDAI_STYLE_PHRASES.get(style, (f"in a {style} way",))
    texts = [frame.format(f"{action} {how}".strip()) for action in BANDAI_CONTENT_PHRASES[content]
             for how in styles for frame in _FRAMES]
    return list(dict.fromkeys(texts))


def cmu_phrasings(description: str) -> list[str]:
    """Phrasings of a CMU description: the whole text and each part split at ' - ', ',', '/', ';' and
    parentheses, in sentence frames."""
    text = description.strip().lower()
    parts = [p for p in _CMU_PARTS.split(text) if len(p) > 2]
    texts = [text, f"a person: {text}", f"motion capture of {text}"]
    if len(parts) > 1:
        texts += [frame.format(p) for p in parts for frame in ("a person: {}", "{}")]
    return list(dict.fromkeys(texts))


def rich_captions(corpus: str, source: str, captions: list[str]) -> list[str]:
    """A clip's captions plus the extra phrasings its corpus allows (Bandai-Namco: from the file name;
    CMU: from the description, its first caption); other corpora unchanged."""
    extra: list[str] = []
    if corpus == "bandai-namco":
        m = _BANDAI_NAME.match(Path(source).stem)
        if not m or m["content"] not in BANDAI_CONTENT:
            raise ValueError(f"{source}: not a Bandai-Namco clip name (dataset-N_content_style_NNN)")
        extra = bandai_namco_phrasings(m["content"], m["style"])
    elif corpus == "cmu" and captions:
        extra = cmu_phrasings(captions[0])
    return list(dict.fromkeys([*captions, *extra]))


def enrich_corpus(corpus: CaptionedCorpus) -> CaptionedCorpus:
    """The corpus with ``rich_captions`` for every clip (same clips, same order)."""
    return CaptionedCorpus(corpus.name, corpus.sim, [rich_captions(corpus.name, src, caps)
                                                     for src, caps in zip(corpus.sim.sources, corpus.captions)])


__all__ = ["BANDAI_CONTENT_PHRASES", "BANDAI_STYLE", "BANDAI_STYLE_PHRASES", "bandai_namco_phrasings",
           "cmu_phrasings", "enrich_corpus", "rich_captions"]
