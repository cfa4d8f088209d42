"""Name and alias matching tolerant of transliteration, diacritics and Arabic script.

Two spellings of one Arabic name rarely agree letter for letter: "Deir el-Zour", "Deir ez-Zor"
and "Deir Ezzor"; "Abdi" and "Abdy". :func:`name_key` maps every such spelling to one key: the
text is folded (:func:`services.textnorm.fold`), titles and the article (al-/el-/ez-/ad-...)
are dropped, vowels are reduced to a, i, u and doubled letters are collapsed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.textnorm import fold

# Honorifics and ranks that come before a name and are not part of it.
TITLES = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "col",
        "colonel",
        "gen",
        "general",
        "lt",
        "maj",
        "major",
        "capt",
        "captain",
        "sgt",
        "adm",
        "brig",
        "cmdr",
        "sheikh",
        "sheik",
        "shaykh",
        "imam",
        "sen",
        "rep",
        "gov",
        "president",
        "minister",
        "judge",
    }
)

# The Arabic article as transliterated, assimilated or not: al-, el-, ez-, ad-, ash-...
_ARTICLE = re.compile(r"^(?:a|e|u)?(?:l|d|dh|n|r|s|sh|t|th|z|zz)-")
_ARABIC_ARTICLE = re.compile(r"^(?:و)?ال(?=\w{2,})")
_NON_WORD = re.compile(r"[^\w\s-]")
_ARABIC_CHARS = re.compile(r"[\u0600-\u06ff]")


def is_arabic(text: str) -> bool:
    """Whether the text is mostly Arabic script."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    return sum(1 for c in letters if _ARABIC_CHARS.match(c)) * 2 > len(letters)


_VOWELS = str.maketrans("oe", "ui")
# Turkish and Kurdish letters written "sh", "ch" in English transliteration.
_TURKISH = str.maketrans({"ş": "sh", "Ş": "Sh", "ç": "ch", "Ç": "Ch", "ı": "i", "İ": "I"})
_cached_fold = functools.lru_cache(maxsize=16384)(fold)


def _latin_token_key(tok: str) -> str:
    tok = _ARTICLE.sub("", tok)
    # "Ezzor", "Assad": an article joined to a doubled (sun) letter.
    m = re.match(r"^[ae]([bcdfghjklmnpqrstvwxz])\1(?=[aeiouy])", tok)
    if m and len(tok) > 4:
        tok = tok[2:]
    tok = tok.replace("-", "").replace("'", "")
    tok = tok.replace("ou", "u").replace("oo", "u").replace("ee", "i").replace("ei", "i")
    tok = tok.replace("ph", "f").replace("kh", "k").replace("q", "k").replace("dh", "d")
    tok = re.sub(r"(?<=[aeiou])h$", "", tok)
    tok = re.sub(r"y$", "i", tok)
    tok = re.sub(r"(?<=[bcdfghjklmnpqrstvwxz])y(?=[bcdfghjklmnpqrstvwxz])", "i", tok)
    tok = tok.translate(_VOWELS)
    return re.sub(r"(.)\1+", r"\1", tok)


def _arabic_token_key(tok: str) -> str:
    return _ARABIC_ARTICLE.sub("", tok)


@functools.lru_cache(maxsize=8192)
def token_keys(name: str) -> tuple[str, ...]:
    """The matching keys of a name's words, titles and articles removed."""
    folded = _NON_WORD.sub(
        lambda m: "'" if m.group() == "'" else " ", fold(name.translate(_TURKISH))
    )
    out: list[str] = []
    for raw in folded.split():
        tok = raw.strip("-'")
        if not tok or (not out and tok.rstrip(".") in TITLES):
            continue
        if _ARABIC_CHARS.search(tok):
            key = _arabic_token_key(tok)
        else:
            # "al-" alone ("al Hermas") is an article word, not a name.
            if tok in {"al", "el", "ez", "ad", "as", "ash", "at", "an", "ar", "az"}:
                continue
            key = _latin_token_key(tok)
        if key:
            out.append(key)
    return tuple(out)


@functools.lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """One key for every transliteration of a name ("Deir el-Zour" == "Deir ez-Zor")."""
    return " ".join(token_keys(name))


@functools.lru_cache(maxsize=1024)
def arabic_pattern(name: str) -> re.Pattern[str]:
    """A regular expression finding an Arabic name with or without harakat and letter variants.

    The name is the group ``n``. Prefixes glued to it (و and, ف so, then ب in, ل for, ك as)
    are allowed before it and left out of the group.
    """
    prefix = r"(?<![\w])[\u0648\u0641]?[\u0628\u0644\u0643]?"
    return re.compile(prefix + "(?P<n>" + arabic_body(name) + r")(?![\w])")


@functools.lru_cache(maxsize=1024)
def arabic_body(name: str) -> str:
    """The pattern text of :func:`arabic_pattern` without the prefix and the word edges."""
    variants = {
        "\u0627": "\u0627\u0622\u0623\u0625\u0671",
        "\u0647": "\u0647\u0629",
        "\u064a": "\u064a\u0649\u06cc",
        "\u0643": "\u0643\u06a9",
    }
    marks = "[\u064b-\u065f\u0670\u06d6-\u06ed\u0640]*"
    parts: list[str] = []
    for ch in fold(name):
        if ch == " ":
            parts.append(r"\s+")
            continue
        cls = variants.get(ch)
        parts.append(f"[{cls}]" if cls else re.escape(ch))
        parts.append(marks)
    return "".join(parts)


@dataclass(frozen=True)
class KnownName:
    """A person, organisation or place already in the case, with every name it goes by.

    Attributes:
        id: The row id in the store.
        name: Its main name.
        aliases: Other spellings and scripts.
        kind: ``person``, ``organisation`` or ``place``.
    """

    id: int
    name: str
    aliases: tuple[str, ...] = ()
    kind: str = "person"

    @property
    def names(self) -> tuple[str, ...]:
        """The main name, then the aliases."""
        return (self.name, *self.aliases)


class NameIndex:
    """Look up known names by transliteration-tolerant key."""

    def __init__(self, known: Iterable[KnownName]) -> None:
        self.known: tuple[KnownName, ...] = tuple(known)
        self._by_key: dict[str, KnownName] = {}
        self._by_exact: dict[str, KnownName] = {}
        for k in self.known:
            for n in k.names:
                self._by_exact.setdefault(fold(n), k)
                key = name_key(n)
                if key:
                    self._by_key.setdefault(key, k)

    def match(self, name: str, kinds: Sequence[str] = ()) -> KnownName | None:
        """The known entry going by this name (exactly, or by transliteration key)."""
        hit = self._by_exact.get(_cached_fold(name)) or self._by_key.get(name_key(name))
        if hit is not None and kinds and hit.kind not in kinds:
            return None
        return hit

    def arabic_names(self) -> list[tuple[str, KnownName]]:
        """Every Arabic-script name or alias, longest first (to search the text for them)."""
        out = [(n, k) for k in self.known for n in k.names if is_arabic(n)]
        return sorted(out, key=lambda p: -len(p[0]))
