"""Arabic folding shared by the search index (an SQLite function) and ``services.textnorm``.

It lives in ``models`` because every SQLite connection registers ``sb_fold`` (see
``models.db``): the FTS5 index triggers call it, and queries are folded by the same code, so a
word is found the same way it was indexed.
"""

from __future__ import annotations

import re

# Arabic: harakat and Quranic marks (U+064B–U+065F, U+0670, U+06D6–U+06ED) and tatweel.
ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
ARABIC_LETTERS = str.maketrans(
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
_HAS_ARABIC = re.compile("[\u0600-\u06ff]")


def fold_arabic(text: str) -> str:
    """Arabic letter-variant and diacritic normalisation only."""
    return ARABIC_MARKS.sub("", text).translate(ARABIC_LETTERS)


def index_fold(text: str | None) -> str | None:
    """What the SQLite index sees: Arabic folded (FTS5 folds case and Latin diacritics itself).

    ASCII text, by far the common case, is returned as it is without further work.
    """
    if text is None or text.isascii() or not _HAS_ARABIC.search(text):
        return text
    return fold_arabic(text)
