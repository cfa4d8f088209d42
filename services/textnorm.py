"""Text normalisation shared by import, extraction, matching and search.

``normalise_text`` is applied once at import and never again, so quote offsets stay true.
``fold`` is a lossy key for matching: case, diacritics and Arabic letter variants removed.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic: harakat and Quranic marks (U+064B–U+065F, U+0670, U+06D6–U+06ED) and tatweel.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {
        "\u0622": "\u0627",  # alef with madda -> alef
        "\u0623": "\u0627",  # alef with hamza above -> alef
        "\u0625": "\u0627",  # alef with hamza below -> alef
        "\u0671": "\u0627",  # alef wasla -> alef
        "\u0629": "\u0647",  # taa marbuta -> haa
        "\u0649": "\u064a",  # alef maqsura -> yaa
        "\u06cc": "\u064a",  # Farsi yeh -> yaa
        "\u06a9": "\u0643",  # keheh -> kaf
    }
)
_PUNCT_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u02bf": "'",
        "\u02be": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)
_SPACES = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Canonical stored form of imported text: NFC, LF line endings, no NUL or BOM."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\x00", "").lstrip("\ufeff")
    return unicodedata.normalize("NFC", text)


def fold_arabic(text: str) -> str:
    """Arabic letter-variant and diacritic normalisation only."""
    return _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)


def fold(text: str) -> str:
    """Matching key: casefolded, diacritics stripped, Arabic normalised, spaces collapsed.

    The result is not length-preserving; use it to compare, never to compute offsets.
    """
    text = fold_arabic(text).translate(_PUNCT_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()
