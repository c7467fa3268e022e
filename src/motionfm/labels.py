"""Activity label names as users type them: two names that differ only in case or spacing are one label.

No torch here, so the command line can refuse bad ``--labels`` before it loads a model.
"""

from __future__ import annotations

from collections.abc import Sequence

PROMPT_MODES = ("text-mean", "ensemble", "name")  # how label prompts are built (adapt.label_matrix)


def label_key(name: str) -> str:
    """The form two label names are compared in: lower case, runs of spaces, '_' and '-' as one space."""
    return " ".join(name.lower().replace("_", " ").replace("-", " ").split())


def check_distinct_labels(labels: Sequence[str]) -> None:
    """ValueError when labels are not a sequence of strings (a string would be read as its letters), a label
    is empty or two labels are the same name (case and spacing aside): the second would get the same text
    embedding, so windows could never be told apart between them."""
    if isinstance(labels, (str, bytes)):
        hint = f" (labels={labels!r}.split(','))" if "," in str(labels) else ""
        raise ValueError(f"labels must be a list of label names, e.g. ['walking', 'sitting']; got the string "
                         f"{labels!r}{hint}")
    seen: dict[str, str] = {}
    for name in labels:
        if not isinstance(name, str):
            raise ValueError(f"labels must be strings (activity names); got {name!r} ({type(name).__name__})")
        key = label_key(name)
        if not key:
            raise ValueError(f"label {name!r} is empty")
        if key in seen:
            raise ValueError(f"labels {seen[key]!r} and {name!r} are the same label; give each activity once")
        seen[key] = name


def label_synonyms(labels: Sequence[str], synonyms: dict | None) -> dict[str, list[str]]:
    """``synonyms`` keyed by the labels as given: each key matched to a label case and spacing aside, a single
    string read as one synonym (not its letters). ValueError for a key that is no label (it would be ignored)
    or a synonym that is not a string."""
    if synonyms is None:
        return {}
    if not isinstance(synonyms, dict):
        raise ValueError(f"synonyms must be a dict of label -> list of other names; got {type(synonyms).__name__}")
    by_key = {label_key(name): name for name in labels}
    out: dict[str, list[str]] = {}
    for key, names in synonyms.items():
        label = by_key.get(label_key(key)) if isinstance(key, str) else None
        if label is None:
            raise ValueError(f"synonyms given for {key!r}, which is not one of the labels {list(labels)}")
        names = [names] if isinstance(names, str) else list(names)
        bad = [n for n in names if not isinstance(n, str) or not n.strip()]
        if bad:
            raise ValueError(f"synonyms of {label!r} must be non-empty strings; got {bad[0]!r}")
        out.setdefault(label, []).extend(names)
    return out
