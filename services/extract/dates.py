"""Date expressions in a text, resolved against the source's publication date.

"late January" in an article published on 4 February 2021 is ``late 2021-01``; "last week" is
the Monday-to-Sunday week before, approximately; "in March 2019" is the month. Each mention
keeps its span so that the review can highlight it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from models.dates import PartialDate, Precision
from services.extract.text import Intervals

_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
    # Arabic: the Egyptian (Gregorian loan) and the Levantine names.
    "يناير": 1,
    "فبراير": 2,
    "مارس": 3,
    "أبريل": 4,
    "ابريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يوليو": 7,
    "أغسطس": 8,
    "اغسطس": 8,
    "سبتمبر": 9,
    "أكتوبر": 10,
    "اكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    "كانون الثاني": 1,
    "شباط": 2,
    "آذار": 3,
    "نيسان": 4,
    "أيار": 5,
    "حزيران": 6,
    "تموز": 7,
    "آب": 8,
    "أيلول": 9,
    "تشرين الأول": 10,
    "تشرين الثاني": 11,
    "كانون الأول": 12,
}
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}

_EN_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_AR_MONTH = "(?P<month>" + "|".join(k for k in _MONTHS if not k.isascii()) + ")"
_PART = (
    r"(?P<part>early|mid|late|the\s+end\s+of|the\s+beginning\s+of|the\s+start\s+of"
    r"|the\s+middle\s+of)"
)
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

# Order matters: the longer, more precise forms first; overlaps keep the first found.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("dmy", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_EN_MONTH}(?:,?\s+{_YEAR})?\b")),
    ("mdy", re.compile(rf"\b{_EN_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?")),
    ("part", re.compile(rf"\b{_PART}[\s-]+{_EN_MONTH}(?:,?\s+{_YEAR})?\b", re.IGNORECASE)),
    ("my", re.compile(rf"\b{_EN_MONTH}\s+(?:of\s+)?{_YEAR}\b")),
    (
        "m",
        re.compile(
            rf"\b(?:(?P<prep>[Ii]n|[Ss]ince|[Dd]uring|[Bb]y|[Uu]ntil|[Ll]ast|[Tt]his|[Ss]ince)\s+)?"
            rf"{_EN_MONTH}(?!\w)"
        ),
    ),
    (
        "y",
        re.compile(
            rf"\b(?:[Ii]n|[Ss]ince|[Dd]uring|[Bb]y|[Uu]ntil|[Oo]f|[Ee]arly|[Ll]ate|[Mm]id-?)\s+{_YEAR}\b"
        ),
    ),
    (
        "rel",
        re.compile(
            r"\b(?P<rel>(?:earlier|later)\s+this\s+(?:week|month|year)|last\s+weekend"
            r"|(?:last|this|past|previous)\s+(?:week|month|year)|yesterday|today"
            r"|(?P<n>a|one|two|three|four|five|six|ten|\d+)\s+(?P<unit>days?|weeks?|months?|years?)"
            r"\s+ago)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "wd",
        re.compile(
            r"\b(?:(?P<prep>on|last|this|[Oo]n|[Ll]ast)\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday"
            r"|Friday|Saturday|Sunday)\b"
        ),
    ),
    ("ar_dmy", re.compile(rf"(?P<day>[0-3]?\d)\s+{_AR_MONTH}(?:\s+{_YEAR})?")),
    (
        "ar_part",
        re.compile(
            rf"(?P<part>أواخر|أوائل|مطلع|بداية|منتصف|أواسط|نهاية)\s+(?:شهر\s+)?{_AR_MONTH}"
            rf"(?:\s+(?:من\s+)?(?:عام\s+)?{_YEAR})?"
        ),
    ),
    ("ar_my", re.compile(rf"{_AR_MONTH}\s+(?:من\s+)?(?:عام\s+)?{_YEAR}")),
    ("ar_m", re.compile(rf"(?:في|خلال|منذ)\s+(?:شهر\s+)?{_AR_MONTH}(?!\w)")),
    ("ar_y", re.compile(rf"(?:في|منذ|عام)\s+(?:عام\s+)?{_YEAR}")),
    (
        "ar_rel",
        re.compile(
            r"(?P<ar>الأسبوع الماضي|الاسبوع الماضي|الشهر الماضي|العام الماضي|السنة الماضية"
            r"|(?<!\w)أمس(?!\w)|(?<!\w)الأمس(?!\w)|(?<!\w)اليوم(?!\w))"
        ),
    ),
]


@dataclass(frozen=True)
class DateMention:
    """A date expression and what it resolves to.

    Attributes:
        start: Offset of its first character.
        end: Offset just past its last character.
        date: The resolved date at its precision.
    """

    start: int
    end: int
    date: PartialDate


def _month_no(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def _recent_year(month: int, published: dt.date | None) -> int | None:
    # A month named without a year is the latest such month not after publication.
    if published is None:
        return None
    return published.year if month <= published.month else published.year - 1


def _part(word: str) -> str:
    w = " ".join(word.lower().split())
    if w in ("early", "the beginning of", "the start of", "أوائل", "مطلع", "بداية"):
        return "early"
    if w in ("mid", "the middle of", "منتصف", "أواسط"):
        return "mid"
    return "late"


def _approx(start: dt.date, end: dt.date) -> PartialDate:
    return PartialDate(start, end, Precision.APPROXIMATE)


def _prev_month(d: dt.date) -> tuple[int, int]:
    return (d.year, d.month - 1) if d.month > 1 else (d.year - 1, 12)


def _relative(phrase: str, m: re.Match[str], pub: dt.date) -> PartialDate | None:
    p = " ".join(phrase.lower().split())
    monday = pub - dt.timedelta(days=pub.weekday())
    if p in ("last week", "past week", "previous week"):
        return _approx(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1))
    if p == "last weekend":
        sat = monday - dt.timedelta(days=2)
        return _approx(sat, sat + dt.timedelta(days=1))
    if p in ("this week", "earlier this week"):
        return _approx(monday, pub)
    if p in ("last month", "past month", "previous month"):
        return PartialDate.month(*_prev_month(pub))
    if p in ("this month", "earlier this month"):
        return _approx(pub.replace(day=1), pub)
    if p in ("last year", "past year", "previous year"):
        return PartialDate.year(pub.year - 1)
    if p in ("this year", "earlier this year"):
        return _approx(dt.date(pub.year, 1, 1), pub)
    if p == "yesterday":
        d = pub - dt.timedelta(days=1)
        return PartialDate(d, d, Precision.DAY)
    if p == "today":
        return PartialDate(pub, pub, Precision.DAY)
    if m.group("unit"):
        raw = m.group("n").lower()
        n = int(raw) if raw.isdigit() else _NUMBERS.get(raw, 1)
        unit = m.group("unit").lower().rstrip("s")
        if unit == "day":
            d = pub - dt.timedelta(days=n)
            return PartialDate(d, d, Precision.DAY)
        days = {"week": 7, "month": 30, "year": 365}[unit] * n
        centre = pub - dt.timedelta(days=days)
        slack = dt.timedelta(days=max(1, days // 7))
        return _approx(centre - slack, min(pub, centre + slack))
    return None


def _arabic_relative(word: str, pub: dt.date) -> PartialDate | None:
    monday = pub - dt.timedelta(days=pub.weekday())
    if "الأسبوع" in word or "الاسبوع" in word:
        return _approx(monday - dt.timedelta(days=7), monday - dt.timedelta(days=1))
    if "الشهر" in word:
        return PartialDate.month(*_prev_month(pub))
    if "العام" in word or "السنة" in word:
        return PartialDate.year(pub.year - 1)
    if "أمس" in word:
        d = pub - dt.timedelta(days=1)
        return PartialDate(d, d, Precision.DAY)
    return PartialDate(pub, pub, Precision.DAY)


def _resolve(kind: str, m: re.Match[str], pub: dt.date | None) -> PartialDate | None:
    g = m.groupdict()
    if kind in ("dmy", "mdy", "ar_dmy"):
        month = _month_no(g["month"])
        year = int(g["year"]) if g.get("year") else _recent_year(month, pub)
        day = int(g["day"])
        if year is None or not 1 <= day <= calendar.monthrange(year, month)[1]:
            return None
        return PartialDate.day(year, month, day)
    if kind in ("part", "ar_part"):
        month = _month_no(g["month"])
        year = int(g["year"]) if g.get("year") else _recent_year(month, pub)
        return None if year is None else PartialDate.month(year, month, _part(g["part"]))
    if kind in ("my", "ar_my"):
        return PartialDate.month(int(g["year"]), _month_no(g["month"]))
    if kind in ("m", "ar_m"):
        if g["month"] == "May" and not g.get("prep"):
            return None  # "May" is more often the verb at a sentence start
        if kind == "m" and g["month"].rstrip(".") != g["month"] and not g.get("prep"):
            return None
        month = _month_no(g["month"])
        year = _recent_year(month, pub)
        return None if year is None else PartialDate.month(year, month)
    if kind in ("y", "ar_y"):
        return PartialDate.year(int(g["year"]))
    if pub is None:
        return None
    if kind == "rel":
        return _relative(g["rel"], m, pub)
    if kind == "ar_rel":
        return _arabic_relative(g["ar"], pub)
    if kind == "wd":
        back = (pub.weekday() - _WEEKDAYS[g["wd"].lower()]) % 7
        if back == 0 and (g.get("prep") or "").lower() == "last":
            back = 7
        d = pub - dt.timedelta(days=back)
        return PartialDate(d, d, Precision.DAY)
    return None


def find_dates(text: str, published: dt.date | None) -> list[DateMention]:
    """Every date expression of ``text`` that can be resolved, in text order, not overlapping."""
    found: list[DateMention] = []
    taken = Intervals()
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            s, e = m.span()
            if taken.overlaps(s, e):
                continue
            try:
                date = _resolve(kind, m, published)
            except (KeyError, ValueError):
                date = None
            if date is None:
                continue
            # The span is the date words themselves, without the leading preposition.
            prep = m.groupdict().get("prep")
            if prep and kind in ("m", "wd") and prep.lower() in ("in", "on", "since", "by"):
                s = m.start("month") if kind == "m" else m.start("wd")
            if kind in ("y", "ar_y"):
                s = m.start("year")
            taken.add(*m.span())
            found.append(DateMention(s, e, date))
    found.sort(key=lambda d: d.start)
    return found
