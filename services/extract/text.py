"""Sentences and words of a source's text, with offsets (quoted passages are never split)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from services.extract.quotes import QuoteSpan

Span = tuple[int, int]

# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "col",
        "gen",
        "lt",
        "maj",
        "capt",
        "sgt",
        "adm",
        "brig",
        "cmdr",
        "sen",
        "rep",
        "gov",
        "st",
        "jr",
        "sr",
        "no",
        "vs",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "approx",
        "e.g",
        "i.e",
    }
)

_BOUNDARY = re.compile(r"[.!?\u061f\u2026]+[\"\u201d\u2019'\u00bb)]*(?=\s+(?P<next>\S))")
_WORD_BEFORE = re.compile(r"([\w.]+)$")


def _starts_sentence(ch: str) -> bool:
    if ch.isupper() or ch.isdigit() or ch in "\"\u201c\u2018'\u00ab(":
        return True
    # Scripts without case (Arabic): any letter may start a sentence.
    return ch.isalpha() and not ch.islower()


def sentences(text: str, quotes: Sequence[QuoteSpan] = ()) -> list[Span]:
    """Sentence spans, in order; a boundary inside a quoted passage is ignored."""
    inside = sorted((q.open_at, q.close_at) for q in quotes)
    opens = [a for a, _ in inside]

    def in_quote(p: int) -> bool:
        i = bisect.bisect_left(opens, p) - 1
        return i >= 0 and inside[i][0] < p <= inside[i][1]

    cuts: list[int] = []
    for m in _BOUNDARY.finditer(text):
        end = m.end()
        if in_quote(end) or not _starts_sentence(m.group("next")):
            continue
        if m.group().startswith(".") and not m.group().startswith(".."):
            w = _WORD_BEFORE.search(text, max(0, m.start() - 40), m.start())
            word = w.group(1).lower() if w else ""
            if word.rstrip(".") in ABBREVIATIONS or re.fullmatch(r"(?:[a-z]\.)*[a-z]", word):
                continue
        cuts.append(end)
    pos = 0
    while True:
        nl = text.find("\n", pos)
        if nl < 0:
            break
        if not in_quote(nl):
            cuts.append(nl)
        pos = nl + 1
    cuts = sorted(set(cuts))
    out: list[Span] = []
    start = 0
    for c in [*cuts, len(text)]:
        s, e = start, c
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
        start = c
    return out


class SentenceIndex:
    """Find the sentence around an offset."""

    def __init__(self, spans: Sequence[Span]) -> None:
        self.spans = list(spans)
        self._starts = [s for s, _ in self.spans]

    def index_of(self, pos: int) -> int:
        """The index of the sentence holding ``pos`` (or the one before it)."""
        return max(0, bisect.bisect_right(self._starts, pos) - 1)

    def around(self, pos: int) -> Span:
        """The sentence holding ``pos``."""
        return self.spans[self.index_of(pos)] if self.spans else (0, 0)


class Intervals:
    """Sorted, non-overlapping spans (quoted passages, taken dates) with fast lookups."""

    def __init__(self, spans: Sequence[Span] = ()) -> None:
        self._spans: list[Span] = sorted(spans)
        self._starts = [s for s, _ in self._spans]

    def inside(self, pos: int) -> bool:
        """Whether ``start < pos < end`` for one of the spans."""
        i = bisect.bisect_left(self._starts, pos) - 1
        return i >= 0 and self._spans[i][0] < pos < self._spans[i][1]

    def covers(self, start: int, end: int) -> bool:
        """Whether one of the spans holds all of ``start..end``."""
        i = bisect.bisect_right(self._starts, start) - 1
        return i >= 0 and self._spans[i][1] >= end

    def overlaps(self, start: int, end: int) -> bool:
        """Whether ``start..end`` overlaps one of the spans."""
        i = bisect.bisect_left(self._starts, end)
        return i > 0 and self._spans[i - 1][1] > start

    def add(self, start: int, end: int) -> None:
        """Add a span that overlaps none of the others."""
        i = bisect.bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._spans.insert(i, (start, end))


def in_range(starts: Sequence[int], a: int, b: int) -> slice:
    """The slice of a sorted list of offsets falling in ``a <= x < b``."""
    return slice(bisect.bisect_left(starts, a), bisect.bisect_left(starts, b))
