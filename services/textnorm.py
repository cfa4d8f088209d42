"""Text normalisation shared by import, extraction, matching and search.

``normalise_text`` is applied once at import and never again, so quote offsets stay true.
``fold`` is a lossy key for matching: case, diacritics and Arabic letter variants removed.
"""

from __future__ import annotations

import re
import unicodedata

from models.textfold import fold_arabic as fold_arabic

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


def fold(text: str) -> str:
    """Matching key: casefolded, diacritics stripped, Arabic normalised, spaces collapsed.

    The result is not length-preserving; use it to compare, never to compute offsets.
    """
    text = fold_arabic(text).translate(_PUNCT_FOLD)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.casefold()).strip()
