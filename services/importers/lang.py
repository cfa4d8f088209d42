"""Language of a text (ISO 639-1 code), from a sample so that long texts cost no more.

Clear cases are decided without a model: Arabic by its script (when no letter of Persian, Urdu,
Kurdish or Pashto appears), English and French by their most frequent words. Everything else goes
to py3langid, whose model takes about 0.8 s to load once per process (see :func:`warm_up`).
"""

from __future__ import annotations

import re
import threading

SAMPLE_CHARS = 1500  # characters looked at (enough to tell en, ar, fr apart; cost is linear)
_lock = threading.Lock()  # py3langid's shared model is built lazily; build it once

_ARABIC_LETTER = re.compile("[\u0621-\u063a\u0641-\u064a]")
# Letters of other languages written in Arabic script (Persian, Urdu, Kurdish, Pashto...).
_NOT_ARABIC = re.compile(
    "[\u067e\u0686\u0698\u06af\u06a9\u06cc\u06c6\u06ce\u06d5\u0695\u06b5\u06a4"
    "\u067c\u0689\u0693\u0696\u069a\u06ab\u06bc\u06cd\u06d0\u0679\u0688\u0691\u06ba\u06d2\u06be]"
)
_LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Frequent words that are rare in the other languages written in Latin script.
_ENGLISH = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "that",
        "for",
        "with",
        "said",
        "is",
        "are",
        "this",
        "from",
        "have",
        "has",
        "were",
        "which",
        "would",
        "their",
    ]
)
_FRENCH = frozenset(
    [
        "le",
        "les",
        "des",
        "est",
        "et",
        "une",
        "du",
        "pour",
        "qui",
        "dans",
        "pas",
        "sur",
        "au",
        "avec",
        "ce",
        "il",
        "ne",
        "sont",
        "aux",
        "été",
    ]
)
MIN_WORDS = 20  # fewer words than this go to the model

# ASCII text (most English pages) is cut into words without the regular expression, which was
# most of the cost of a detection: every ASCII character but a letter or an apostrophe becomes a
# space (bytes.translate), the rest is split on spaces, and only the pieces holding an apostrophe
# go through _WORD. The words are exactly those _WORD finds (test_ascii_words_are_the_regex_words).
_ASCII_NOT_WORD = bytes(c for c in range(128) if not chr(c).isalpha() and chr(c) != "'")
_ASCII_TO_SPACE = bytes.maketrans(_ASCII_NOT_WORD, b" " * len(_ASCII_NOT_WORD))
_ASCII_NOT_LETTER = bytes(c for c in range(128) if not chr(c).isalpha())


def _words(lowered: str) -> list[str]:
    """The words of ``lowered`` (lower-cased text), as ``_WORD.findall`` finds them."""
    if not lowered.isascii():
        return _WORD.findall(lowered)
    pieces = lowered.encode("ascii").translate(_ASCII_TO_SPACE).decode("ascii").split()
    if "'" not in lowered:
        return pieces
    return [w for p in pieces for w in ((p,) if "'" not in p else _WORD.findall(p))]


def _letters(text: str) -> int:
    """How many letters ``text`` holds."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _ASCII_NOT_LETTER))
    return sum(map(str.isalpha, text))


def _quick(sample: str) -> str:
    """The language ("ar", "en" or "fr") when the sample leaves no doubt, else ""."""
    if not sample.isascii():  # ASCII text has no Arabic letter: skip the letter counts
        arabic = len(_ARABIC_LETTER.findall(sample))
        latin = len(_LATIN_LETTER.findall(sample))
        if arabic > 3 * latin and arabic >= 12:
            return "" if _NOT_ARABIC.search(sample) else "ar"
        if latin < 3 * arabic:
            return ""
    words = _words(sample.lower())
    if len(words) < MIN_WORDS:
        return ""
    en = sum(map(_ENGLISH.__contains__, words)) / len(words)
    fr = sum(map(_FRENCH.__contains__, words)) / len(words)
    if en >= 0.12 and fr < 0.03:
        return "en"
    if fr >= 0.12 and en < 0.03:
        return "fr"
    return ""


def detect_language(text: str) -> str:
    """The language code ("en", "ar", "fr"...), or "" when the text is too short to tell."""
    sample = text[:SAMPLE_CHARS].strip()
    if _letters(sample[:400]) < 12:
        return ""
    quick = _quick(sample)
    if quick:
        return quick
    with _lock:
        import py3langid

        code, _score = py3langid.classify(sample)
    return str(code)


def warm_up() -> None:
    """Load the language model now (about 0.8 s, once per process) rather than at first import.

    A process that forks workers, or a window that wants its first import to start at once,
    calls this early; detection is otherwise loaded on first use.
    """
    with _lock:
        import py3langid

        py3langid.classify("Loading the language model before the first import of a file.")
