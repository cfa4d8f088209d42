"""Right-to-left text: detection, script runs and the Unicode bidi algorithm's run order.

Used by both renderers: the PDF writer draws runs in visual order itself (reportlab has no bidi
without ``rlbidi``); the .docx writer marks Arabic runs ``w:rtl`` and RTL paragraphs ``w:bidi``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RTL_LETTERS = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
_ARABIC = re.compile(f"[{_RTL_LETTERS}]")
_RTL_SPAN = re.compile(
    f'[{_RTL_LETTERS}](?:[{_RTL_LETTERS}\\s\u060c\u061b\u061f.,:!()«»"-]*[{_RTL_LETTERS}])?'
)
# Invisible direction controls: dropped from what is drawn (the layout below applies the
# algorithm itself) so that no font needs glyphs for them.
_CONTROLS = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds any right-to-left letter."""
    return _ARABIC.search(text) is not None


def is_rtl_char(ch: str) -> bool:
    """Whether ``ch`` is a right-to-left letter (Hebrew, Arabic and their presentation forms)."""
    return _ARABIC.match(ch) is not None


def strip_controls(text: str) -> str:
    """``text`` without bidi control characters."""
    return _CONTROLS.sub("", text)


def base_level(text: str) -> int:
    """0 when the first strong letter is left-to-right (or none), 1 when right-to-left."""
    import unicodedata

    for ch in text:
        t = unicodedata.bidirectional(ch)
        if t == "L":
            return 0
        if t in ("R", "AL"):
            return 1
    return 0


def levels(text: str, base: int) -> list[int]:
    """The resolved embedding level of each character (rules P–I of UAX #9, not yet reordered)."""
    from bidi import algorithm as alg

    storage = alg.get_empty_storage()
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    alg.get_embedding_levels(text, storage)
    alg.explicit_embed_and_overrides(storage)
    alg.resolve_weak_types(storage)
    alg.resolve_neutral_types(storage, False)
    alg.resolve_implicit_levels(storage, False)
    out = [int(c["level"]) for c in storage["chars"]]
    if len(out) != len(text):  # pragma: no cover - controls are stripped before
        raise ValueError("bidi levels do not match the text")
    return out


@dataclass(frozen=True)
class Run:
    """A stretch of one line with one embedding level and one script class.

    Attributes:
        text: The characters in logical order.
        level: Embedding level (odd: right-to-left).
        arabic: Whether it is set in the Arabic face.
    """

    text: str
    level: int
    arabic: bool

    @property
    def rtl(self) -> bool:
        """Whether the run reads right to left."""
        return self.level % 2 == 1


def visual_runs(line: str, base: int, arabic_has: frozenset[str] = frozenset()) -> list[Run]:
    """The runs of one line in visual (left-to-right drawing) order, per rule L2.

    Neutral characters inside a right-to-left stretch go into the Arabic face when it has them
    (``arabic_has``), so that spaces and punctuation shape and space with their neighbours.
    """
    if not line:
        return []
    if not base and not has_rtl(line):
        return [Run(line, 0, False)]  # the common case: nothing to reorder
    lv = levels(line, base)
    cls = []
    for ch, level in zip(line, lv, strict=True):
        if is_rtl_char(ch):
            cls.append(True)
        else:
            cls.append(level % 2 == 1 and not ch.isalnum() and ch in arabic_has)
    runs: list[Run] = []
    start = 0
    for i in range(1, len(line) + 1):
        if i == len(line) or lv[i] != lv[start] or cls[i] != cls[start]:
            runs.append(Run(line[start:i], lv[start], cls[start]))
            start = i
    top = max(r.level for r in runs)
    odd = [r.level for r in runs if r.level % 2 == 1]
    lowest_odd = min(odd) if odd else top + 1
    order = list(runs)
    for k in range(top, lowest_odd - 1, -1):
        i = 0
        while i < len(order):
            if order[i].level >= k:
                j = i
                while j < len(order) and order[j].level >= k:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    return order


def rtl_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each right-to-left stretch in ``text`` (for marking runs in .docx)."""
    return [m.span() for m in _RTL_SPAN.finditer(text)]
