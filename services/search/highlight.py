"""Match offsets and snippets in the original text (not the folded index text).

The text is folded with a length-preserving table (one character for one character; Arabic marks
and combining accents become a placeholder that words may contain), so positions found in the
folded copy are positions in the stored text: the reader can highlight them as they are.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence

from services.search.query import Text

MARK_OPEN = "\u27e6"  # ⟦ starts a highlighted match in a snippet
MARK_CLOSE = "\u27e7"  # ⟧ ends it
SNIPPET_CHARS = 180  # characters around the first match

_PLACEHOLDER = "\x01"
_table: dict[int, str] | None = None
_special: re.Pattern[str] | None = None
_lock = threading.Lock()


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    ranges = [(0x41, 0x5B), (0xC0, 0x250), (0x370, 0x530), (0x1E00, 0x1F00)]
    for lo, hi in ranges:
        for cp in range(lo, hi):
            ch = chr(cp)
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            ).casefold()
            if len(base) == 1 and base != ch:
                table[cp] = base
            elif len(base) != 1 and ch.lower() != ch and len(ch.lower()) == 1:
                table[cp] = ch.lower()
    for cp in [*range(0x300, 0x370), *range(0x64B, 0x660), 0x670, *range(0x6D6, 0x6EE), 0x640]:
        table[cp] = _PLACEHOLDER
    for a, b in {
        "\u0622": "\u0627",
        "\u0623": "\u0627",
        "\u0625": "\u0627",
        "\u0671": "\u0627",
        "\u0629": "\u0647",
        "\u0649": "\u064a",
        "\u06cc": "\u064a",
        "\u06a9": "\u0643",
    }.items():
        table[ord(a)] = b
    return table


def fold_same_length(text: str) -> str:
    """``text`` folded one character for one character (offsets stay valid)."""
    if text.isascii():
        return text.lower()  # the common case, 20 times faster than the table
    global _table, _special
    if _table is None or _special is None:
        with _lock:
            if _table is None or _special is None:
                table = _build_table()
                _special = re.compile("[" + "".join(re.escape(chr(k)) for k in table) + "]")
                _table = table
    if "\u0130" in text:  # the one letter whose lower case is two characters long
        return text.translate(_table)
    # Lower-casing is length-preserving otherwise; then only the few letters with accents or
    # Arabic marks go through the table (translate() over a whole text cost 0.1 ms per KB).
    table = _table
    return _special.sub(lambda m: table[ord(m.group())], text.lower())


_MARKS = "\\x01*"
_BEFORE = r"(?<![^\W_])(?<!\x01)"
_AFTER = r"(?![^\W_])"


def _word_pattern(word: str) -> str:
    return _MARKS.join(re.escape(c) for c in word) + _MARKS


# The twin of each pattern made by ``matcher`` for folded text without placeholders (no
# combining accent or Arabic mark in the text, nearly always): each leaf's first word is
# written first, as plain letters, with the word-start test behind it, so that the regular
# expression engine can look for the word as a string. The general pattern (a placeholder
# allowed after every letter, the tests first) took 6-11 ms to find a common word in 50
# sources of 2.9 KB, as long as ranking them; the twin finds the same matches 5-10 times faster.
_PLAIN_TWINS: dict[str, re.Pattern[str]] = {}
_TWINS_KEPT = 512


def matcher(leaves: Sequence[Text]) -> re.Pattern[str] | None:
    """One regular expression finding every leaf in folded text, longest first."""
    alts, plain = [], []
    for leaf in sorted(leaves, key=lambda t: -sum(len(w) for w in t.words)):
        words = [_word_pattern(w) for w in leaf.words]
        pat = r"(?:[\W_])+".join(words)
        pat += r"(?:[^\W_]|\x01)*" if leaf.prefix else _AFTER
        alts.append(_BEFORE + pat)
        first = re.escape(leaf.words[0])
        rest = "".join(r"(?:[\W_])+" + re.escape(w) for w in leaf.words[1:])
        tail = r"(?:[^\W_])*" if leaf.prefix else _AFTER
        plain.append(f"{first}(?<![^\\W_]{first}){rest}{tail}")
    if not alts:
        return None
    full = re.compile("|".join(f"(?:{a})" for a in alts))
    if len(_PLAIN_TWINS) >= _TWINS_KEPT:
        _PLAIN_TWINS.clear()
    _PLAIN_TWINS[full.pattern] = re.compile("|".join(f"(?:{a})" for a in plain))
    return full


def find_matches(text: str, pattern: re.Pattern[str] | None) -> tuple[tuple[int, int], ...]:
    """(start, end) of every match in ``text``."""
    if pattern is None or not text:
        return ()
    folded = fold_same_length(text)
    if _PLACEHOLDER not in folded:
        pattern = _PLAIN_TWINS.get(pattern.pattern, pattern)
    return tuple((m.start(), m.end()) for m in pattern.finditer(folded))


def snippet(
    text: str, matches: Sequence[tuple[int, int]], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A window of ``text`` around the first match, with ⟦ ⟧ around the matches in it.

    Returns the marked snippet and the (start, end) of each match within the unmarked window.
    """
    if len(text) <= width:
        lo, hi = 0, len(text)
    else:
        first = matches[0][0] if matches else 0
        lo = max(0, first - width // 3)
        hi = min(len(text), lo + width)
        lo = max(0, hi - width)
        # Start and end on word boundaries where one is near.
        if lo > 0:
            sp = text.find(" ", lo, lo + 20)
            lo = sp + 1 if sp >= 0 and sp < first else lo
        if hi < len(text):
            sp = text.rfind(" ", hi - 20, hi)
            hi = sp if sp > (matches[0][1] if matches else lo) else hi
    window = text[lo:hi]
    spans = tuple((s - lo, e - lo) for s, e in matches if s >= lo and e <= hi)
    parts: list[str] = []
    pos = 0
    for s, e in spans:
        parts += [window[pos:s], MARK_OPEN, window[s:e], MARK_CLOSE]
        pos = e
    parts.append(window[pos:])
    marked = "".join(parts).replace("\n", " ")
    if lo > 0:
        marked = "…" + marked
    if hi < len(text):
        marked += "…"
    return marked, spans
