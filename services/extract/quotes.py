"""Quoted passages: where each pair of quotation marks opens and closes.

Handles curly and straight double quotes, «guillemets» (also in Arabic text), curly and straight
single quotes used as quotation marks (told apart from apostrophes), and quotes running over
several paragraphs (a paragraph that opens a quote without closing it, the next paragraph
opening again). A span is the text between the marks, without surrounding spaces and without a
trailing comma; a full stop inside the marks is kept (DEVELOPERS.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPACE = " \t\u00a0\u202f\u2009"
_TRAILING = ",\u060c"  # comma, Arabic comma
_OPEN_CONTEXT = set(" \t\n\u00a0\u202f([{—–-/:\u061b\u060c") | {""}
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class QuoteSpan:
    """One quoted passage.

    Attributes:
        start: First character of the words inside the marks.
        end: One past the last character kept (trailing comma and spaces dropped).
        open_at: Offset of the opening mark.
        close_at: Offset of the closing mark.
        family: Which marks: ``double``, ``straight``, ``guillemet``, ``single``, ``apostrophe``.
        paragraphs: How many paragraphs the quote runs over.
    """

    start: int
    end: int
    open_at: int
    close_at: int
    family: str
    paragraphs: int = 1


# (family, opening marks, closing marks); a straight mark is both.
_FAMILIES = (
    ("double", "\u201c\u201e", "\u201d"),
    ("guillemet", "\u00ab", "\u00bb"),
    ("straight", '"', '"'),
    ("single", "\u2018", "\u2019"),
    ("apostrophe", "'", "'"),
)


def _char(text: str, i: int) -> str:
    return text[i] if 0 <= i < len(text) else ""


def _can_open(text: str, i: int, family: str) -> bool:
    before, after = _char(text, i - 1), _char(text, i + 1)
    if family in ("double", "guillemet"):
        return after not in ("", "\n")
    if before not in _OPEN_CONTEXT and before not in '\u201c\u00ab"':
        return False
    if after in ("", "\n") or after in _SPACE:
        return False
    if family in ("single", "apostrophe"):
        # 'em, 'n', '90s: an apostrophe at a word start, not a quotation mark.
        word = re.match(r"\w+", text[i + 1 : i + 12])
        if word and word.group().lower() in ("em", "n", "til", "tis", "twas", "cause", "bout"):
            return False
        if after.isdigit() and family == "apostrophe":
            return False
        return bool(_WORD.match(after)) or after in "\u00bf\u00a1"
    return True


def _can_close(text: str, i: int, family: str) -> bool:
    before, after = _char(text, i - 1), _char(text, i + 1)
    if family in ("double", "guillemet"):
        return True
    if before in ("", "\n") or before in _SPACE:
        return False
    # A mark between two letters is an apostrophe (don't, People’s).
    return not _WORD.match(after or " ")


def _strong_close(text: str, i: int) -> bool:
    """A single mark that surely closes: after punctuation, or before punctuation."""
    before, after = _char(text, i - 1), _char(text, i + 1)
    if before in ".,!?;\u060c\u061f":
        return True
    if after in ",.;:!?)\u060c":
        return True
    # After a plural "s" and before a space it is often a possessive (soldiers’ families).
    return before != "s" and after in ("", "\n", " ")


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _SPACE + "\n":
        start += 1
    while end > start and text[end - 1] in _SPACE + "\n":
        end -= 1
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
        while end > start and text[end - 1] in _SPACE:
            end -= 1
    return start, end


def _next_paragraph_reopens(text: str, nl: int, opens: str) -> int:
    """Offset of the opening mark that starts the next paragraph, or -1."""
    j = nl
    while j < len(text) and text[j] in _SPACE + "\n":
        j += 1
    return j if j < len(text) and text[j] in opens else -1


def _scan_family(
    text: str, family: str, opens: str, closes: str, blocked: list[tuple[int, int]]
) -> list[QuoteSpan]:
    finder = re.compile("[" + re.escape(opens + closes) + "\n]")
    out: list[QuoteSpan] = []
    open_at = -1
    paragraphs = 1
    weak_close = -1
    single = family in ("single", "apostrophe")
    block_i = 0

    def emit(close: int) -> None:
        s, e = _trim(text, open_at + 1, close)
        if e > s:
            out.append(QuoteSpan(s, e, open_at, close, family, paragraphs))

    skip_to = 0
    for found in finder.finditer(text):
        i = found.start()
        if i < skip_to:
            continue
        ch = text[i]
        while block_i < len(blocked) and blocked[block_i][1] <= i:
            block_i += 1
        if block_i < len(blocked) and blocked[block_i][0] <= i < blocked[block_i][1]:
            # Inside a passage quoted with other marks: a quote within a quote.
            skip_to = blocked[block_i][1]
            continue
        if ch == "\n":
            if open_at >= 0:
                if single and weak_close >= 0:
                    emit(weak_close)
                    open_at, weak_close = -1, -1
                else:
                    reopen = _next_paragraph_reopens(text, i, opens)
                    if reopen >= 0:
                        paragraphs += 1
                        skip_to = reopen + 1
                        continue
                    open_at = -1
            continue
        is_open_mark, is_close_mark = ch in opens, ch in closes
        if open_at < 0:
            if is_open_mark and _can_open(text, i, family):
                open_at, paragraphs, weak_close = i, 1, -1
        elif is_close_mark and _can_close(text, i, family):
            if single and not _strong_close(text, i):
                weak_close = i
            else:
                emit(i)
                open_at = -1
        elif is_open_mark and ch not in closes and _can_open(text, i, family):
            # A new opening before any close: the earlier mark was never closed.
            if single and weak_close >= 0:
                emit(weak_close)
            open_at, paragraphs, weak_close = i, 1, -1
    if open_at >= 0 and single and weak_close >= 0:
        emit(weak_close)
    return out


def find_quotes(text: str) -> list[QuoteSpan]:
    """Every quoted passage of ``text``, in text order; quotes within quotes are not listed."""
    found: list[QuoteSpan] = []
    for family, opens, closes in _FAMILIES:
        if not any(c in text for c in opens):
            continue
        blocked = sorted((q.open_at, q.close_at + 1) for q in found)
        found.extend(_scan_family(text, family, opens, closes, blocked))
    found.sort(key=lambda q: (q.open_at, -q.close_at))
    outer: list[QuoteSpan] = []
    for q in found:
        if outer and outer[-1].open_at < q.open_at and q.close_at < outer[-1].close_at:
            continue  # a quote within a quote belongs to the outer one
        outer.append(q)
    return outer
