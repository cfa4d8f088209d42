"""Places named in a text: the case's own places, a small built-in gazetteer and cue phrases.

Place names are matched by transliteration key (:func:`services.extract.matching.name_key`), so
"Deir ez-Zor" in the text finds the case's "Deir el-Zour". Cue phrases find places the gazetteer
does not know: "the province of X", "X province", "the town of X", "the Syrian-Iraqi border".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from services.extract.matching import (
    KnownName,
    NameIndex,
    arabic_body,
    arabic_pattern,
    name_key,
)
from services.extract.text import Intervals


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split("|") if n.strip())


# Countries and places that news about the region names most; the case adds its own.
GAZETTEER = _names(
    """Syria|Iraq|Turkey|Türkiye|Iran|Israel|Lebanon|Jordan|Egypt|Saudi Arabia|Yemen|
    Libya|Qatar|Kuwait|Bahrain|Oman|United Arab Emirates|UAE|Afghanistan|Pakistan|
    India|China|Russia|Ukraine|United States|U.S.|US|America|United Kingdom|U.K.|UK|
    Britain|England|France|Germany|Italy|Spain|Greece|Cyprus|Tunisia|Algeria|
    Morocco|Sudan|Somalia|Ethiopia|Palestine|Gaza|West Bank|Jerusalem|Europe|Africa|
    Asia|Middle East|Gulf|Washington|Moscow|London|Paris|Berlin|Brussels|Geneva|
    New York|Ankara|Istanbul|Tehran|Baghdad|Damascus|Beirut|Amman|Cairo|Riyadh|Doha|
    Kabul|Aleppo|Idlib|Raqqa|Raqqah|Homs|Hama|Latakia|Tartus|Daraa|Deraa|Quneitra|
    Suwayda|Sweida|Palmyra|Tadmur|Deir ez-Zor|Deir el-Zour|Deir Ezzor|Hasaka|
    Hasakah|Qamishli|Kobani|Kobane|Afrin|Manbij|Tal Abyad|Ras al-Ain|Hajin|Baghouz|
    Al-Bukamal|Bukamal|Abu Kamal|Mayadin|Mosul|Erbil|Kirkuk|Sinjar|Anbar|Fallujah|
    Ramadi|Tikrit|Basra|Najaf|Karbala|Sulaymaniyah|Dohuk|Nineveh|Rojava|Kurdistan|
    Badia|Euphrates|Tigris|Golan|Sinai|Mediterranean"""
)
_CUE_AFTER = re.compile(
    r"(?P<name>(?:[A-Z][\w’'-]*|(?:al|el|ez|ad|as)-[A-Z][\w’'-]*)"
    r"(?:\s+(?:[A-Z][\w’'-]*|(?:al|el|ez|ad|as)-[A-Z][\w’'-]*)){0,2})"
    r"\s+(?:province|provinces|governorate|district|city|town|village|region|countryside|camp)\b"
)
_CUE_BEFORE = re.compile(
    r"\b(?:provinces?|governorates?|city|cities|towns?|villages?|regions?|district|camp)\s+of\s+"
    r"(?P<name>(?:[A-Z][\w’'-]*|(?:al|el|ez|ad|as)-[A-Z][\w’'-]*)"
    r"(?:\s+(?:[A-Z][\w’'-]*|(?:al|el|ez|ad|as)-[A-Z][\w’'-]*)){0,2})"
)
# "near Tal Rifaat", "outside Maarat al-Numan": a name after these is a place.
_CUE_NEAR = re.compile(
    r"\b(?:near|outside|north\s+of|south\s+of|east\s+of|west\s+of|around|towards)\s+"
    r"(?P<name>(?:[A-Z][\w’'-]*|(?:al|el|ez|ad|as)-[A-Z][\w’'-]*)"
    r"(?:\s+(?:[A-Z][\w’'-]*|(?:al|el|ez|ad|as)-[A-Z][\w’'-]*)){0,2})"
)
# First words of Arabic place names: Tal Abyad, Ras al-Ain, Deir Hafer, Jisr al-Shughour.
TOPONYM_HEADS = frozenset(
    _names(
        "tal|tell|tall|ras|deir|jabal|jebel|wadi|ain|kafr|kfar|bir|maarat|khan|qasr|jisr|bab|marj"
    )
)
_BORDER = re.compile(r"\b(?:the\s+)?(?P<name>[A-Z][\w]+(?:[-–][A-Z][\w]+)+\s+border)\b")
# Arabic names of the same places (Arabic has no capitals, so only a list can find them).
ARABIC_GAZETTEER = _names(
    """سوريا|سورية|العراق|تركيا|لبنان|الأردن|إيران|إسرائيل|مصر|السعودية|اليمن|ليبيا|
    قطر|روسيا|الولايات المتحدة|أمريكا|بريطانيا|فرنسا|ألمانيا|فلسطين|غزة|القدس|
    أوروبا|واشنطن|موسكو|لندن|باريس|جنيف|أنقرة|إسطنبول|طهران|بغداد|دمشق|بيروت|عمان|
    القاهرة|الرياض|الدوحة|حلب|إدلب|الرقة|حمص|حماة|اللاذقية|طرطوس|درعا|السويداء|
    القنيطرة|تدمر|دير الزور|الحسكة|القامشلي|عين العرب|كوباني|عفرين|منبج|تل أبيض|
    رأس العين|هجين|الباغوز|البوكمال|الميادين|الموصل|أربيل|كركوك|سنجار|الأنبار|
    الفلوجة|الرمادي|تكريت|البصرة|النجف|كربلاء|السليمانية|دهوك|نينوى|البادية|
    البادية السورية|الفرات|دجلة|الجولان|مخيم الهول|الهول"""
)
_ARABIC = re.compile("[\u0600-\u06ff]")
_ARABIC_RUN = re.compile(r"[\u0600-\u06ff]+(?:\s+[\u0600-\u06ff]+)*")


@functools.lru_cache(maxsize=1)
def _arabic_gazetteer() -> re.Pattern[str]:
    names = sorted((n.strip() for n in ARABIC_GAZETTEER if n.strip()), key=len, reverse=True)
    body = "|".join(arabic_body(n) for n in names)
    return re.compile(r"(?<![\w])[\u0648\u0641]?[\u0628\u0644\u0643]?(?P<n>" + body + r")(?![\w])")


_NOT_PLACE = frozenset({"the", "a", "an", "in", "of", "and", "eastern", "western", "northern"})


class PlaceFinder:
    """Decides whether a name is a place and finds places in a text.

    Attributes:
        index: The case's places (and the gazetteer), by transliteration key.
    """

    def __init__(self, known: Iterable[KnownName]) -> None:
        self.case_places = NameIndex([k for k in known if k.kind == "place"])
        self._gazetteer = {name_key(n) for n in GAZETTEER} | {n.lower() for n in GAZETTEER}
        self._cue_names: set[str] = set()

    def is_place(self, name: str) -> bool:
        """Whether ``name`` is a known place (case, gazetteer, or named by a cue phrase)."""
        if self.case_places.match(name) is not None:
            return True
        key = name_key(name)
        if key in self._gazetteer or name.lower() in self._gazetteer or key in self._cue_names:
            return True
        words = name.split()
        return len(words) >= 2 and words[0].lower() in TOPONYM_HEADS

    def learn_from_cues(self, text: str) -> list[tuple[int, int, str]]:
        """Names the text itself calls places; returns their spans."""
        found: list[tuple[int, int, str]] = []
        for rx in (_CUE_AFTER, _CUE_BEFORE, _CUE_NEAR, _BORDER):
            for m in rx.finditer(text):
                name = m.group("name")
                words = name.split()
                while (
                    words
                    and words[0].lower() in _NOT_PLACE | {"syrian", "iraqi"}
                    and rx is not _BORDER
                ):
                    words.pop(0)
                if not words or words[-1].endswith(("\u2019s", "'s")):
                    continue  # "near Ali's house": not a place name
                name = " ".join(words)
                start = m.start("name") + m.group("name").index(name)
                self._cue_names.add(name_key(name))
                found.append((start, start + len(name), name))
        return found

    def arabic_places(self, text: str) -> list[tuple[int, int, str]]:
        """Places named in Arabic script: the case's, then the built-in Arabic gazetteer."""
        if not _ARABIC.search(text):
            return []
        out: list[tuple[int, int, str]] = []
        for name, _ in self.case_places.arabic_names():
            for m in arabic_pattern(name).finditer(text):
                out.append((m.start("n"), m.end("n"), m.group("n")))
        taken = Intervals([(s, e) for s, e, _ in out])
        gazetteer = _arabic_gazetteer()
        # Only the Arabic stretches of the text: the big pattern is slow to try everywhere.
        for run in _ARABIC_RUN.finditer(text):
            for m in gazetteer.finditer(text, max(0, run.start() - 1), run.end()):
                s, e = m.span("n")
                if not taken.overlaps(s, e):
                    taken.add(s, e)
                    out.append((s, e, m.group("n")))
        return out

    def known(self, name: str) -> KnownName | None:
        """The case place going by this name."""
        return self.case_places.match(name)
