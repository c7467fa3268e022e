"""Activity label names as users type them: two names that differ only in case or spacing are one label.

No torch here, so the command line can refuse bad ``--labels`` before it loads a model.
"""

from __future__ import annotations

from collections.abc import Sequence


def label_key(name: str) -> str:
    """The form two label names are compared in: lower case, runs of spaces, '_' and '-' as one space."""
    return " ".join(name.lower().replace("_", " ").replace("-", " ").split())


def check_distinct_labels(labels: Sequence[str]) -> None:
    """ValueError when a label is empty or two labels are the same name (case and spacing aside): the second
    would get the same text embedding, so windows could never be told apart between them."""
    seen: dict[str, str] = {}
    for name in labels:
        key = label_key(name)
        if not key:
            raise ValueError(f"label {name!r} is empty")
        if key in seen:
            raise ValueError(f"labels {seen[key]!r} and {name!r} are the same label; give each activity once")
        seen[key] = name
