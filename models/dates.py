"""Partial dates: a real date range with the precision a journalist knows it at.

"late January 2021" is not free text: it is the range 2021-01-21..2021-01-31 with the
precision ``LATE_MONTH``. Storage keeps ``start``, ``end`` and ``precision``; display derives the
words from them, so sorting and filtering work on real dates.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass

_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Precision(enum.StrEnum):
    """How precisely a date is known."""

    DAY = "day"
    EARLY_MONTH = "early_month"
    MID_MONTH = "mid_month"
    LATE_MONTH = "late_month"
    MONTH = "month"
    YEAR = "year"
    APPROXIMATE = "approximate"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date or date range with its precision.

    Attributes:
        start: First day the date may fall on.
        end: Last day the date may fall on (equal to ``start`` for a day).
        precision: How the date is known; drives how it is shown.
    """

    start: dt.date
    end: dt.date
    precision: Precision

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"date range ends ({self.end}) before it starts ({self.start})")

    # --- Constructors

    @classmethod
    def day(cls, year: int, month: int, day: int) -> PartialDate:
        """A single known day."""
        d = dt.date(year, month, day)
        return cls(d, d, Precision.DAY)

    @classmethod
    def month(cls, year: int, month: int, part: str | None = None) -> PartialDate:
        """A month, or its early (1–10), mid (11–20) or late (21–end) part."""
        last = calendar.monthrange(year, month)[1]
        if part is None:
            return cls(dt.date(year, month, 1), dt.date(year, month, last), Precision.MONTH)
        bounds = {"early": (1, 10), "mid": (11, 20), "late": (21, last)}
        if part not in bounds:
            raise ValueError(f"unknown part of month: {part!r}")
        lo, hi = bounds[part]
        return cls(dt.date(year, month, lo), dt.date(year, month, hi), Precision(f"{part}_month"))

    @classmethod
    def year(cls, year: int) -> PartialDate:
        """A whole year."""
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), Precision.YEAR)

    @classmethod
    def between(cls, start: dt.date, end: dt.date, approximate: bool = False) -> PartialDate:
        """An explicit range, or an approximate date somewhere inside it."""
        return cls(start, end, Precision.APPROXIMATE if approximate else Precision.RANGE)

    @classmethod
    def stored(
        cls, start: dt.date | None, end: dt.date | None, precision: Precision | None
    ) -> PartialDate | None:
        """A date as a row stores it (start, end, precision); None when it has none."""
        if start is None or precision is None:
            return None
        return cls(start, end or start, precision)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse the ISO-like forms used on the command line and in data files.

        ``2021-01-25`` (day), ``2021-01`` (month), ``2021`` (year), ``late 2021-01`` /
        ``early 2021-01`` / ``mid 2021-01`` (part of a month), ``2021-01-20..2021-02-03`` (range),
        ``~2021-01-20..2021-02-03`` (approximate).

        Raises:
            ValueError: the text is none of these forms.
        """
        s = text.strip()
        approximate = s.startswith("~")
        s = s.lstrip("~").strip()
        if ".." in s:
            a, b = (p.strip() for p in s.split("..", 1))
            return cls.between(cls.parse(a).start, cls.parse(b).end, approximate)
        part = None
        for word in ("early", "mid", "late"):
            if s.lower().startswith(word + " "):
                part, s = word, s[len(word) + 1 :].strip()
        bits = s.split("-")
        try:
            nums = [int(b) for b in bits]
        except ValueError:
            raise ValueError(f"not a date: {text!r} (use YYYY, YYYY-MM or YYYY-MM-DD)") from None
        try:
            if len(nums) == 3 and part is None:
                result = cls.day(*nums)
            elif len(nums) == 2:
                result = cls.month(nums[0], nums[1], part)
            elif len(nums) == 1 and part is None:
                result = cls.year(nums[0])
            else:
                raise ValueError
        except ValueError:
            raise ValueError(f"not a date: {text!r} (use YYYY, YYYY-MM or YYYY-MM-DD)") from None
        if approximate:
            return cls(result.start, result.end, Precision.APPROXIMATE)
        return result

    # --- Display

    def iso(self) -> str:
        """The inverse of :meth:`parse`: a compact, lossless text form."""
        p = self.precision
        ym = f"{self.start.year:04d}-{self.start.month:02d}"
        if p is Precision.DAY:
            return self.start.isoformat()
        if p is Precision.MONTH:
            return ym
        if p in (Precision.EARLY_MONTH, Precision.MID_MONTH, Precision.LATE_MONTH):
            return f"{p.value.split('_')[0]} {ym}"
        if p is Precision.YEAR:
            return f"{self.start.year:04d}"
        prefix = "~" if p is Precision.APPROXIMATE else ""
        return f"{prefix}{self.start.isoformat()}..{self.end.isoformat()}"

    def label(self) -> str:
        """Human text at the known precision: "25 Jan 2021", "late Jan 2021", "2019"."""
        p = self.precision
        s = self.start
        mon = f"{_MONTH_ABBR[s.month - 1]} {s.year}"
        if p is Precision.DAY:
            return f"{s.day} {mon}"
        if p is Precision.MONTH:
            return mon
        if p in (Precision.EARLY_MONTH, Precision.MID_MONTH, Precision.LATE_MONTH):
            return f"{p.value.split('_')[0]} {mon}"
        if p is Precision.YEAR:
            return str(s.year)
        e = self.end
        if (s.year, s.month) == (e.year, e.month):
            span = f"{s.day}–{e.day} {mon}"
        elif s.year == e.year:
            span = (
                f"{s.day} {_MONTH_ABBR[s.month - 1]} – {e.day} {_MONTH_ABBR[e.month - 1]} {e.year}"
            )
        else:
            span = f"{s.day} {mon} – {e.day} {_MONTH_ABBR[e.month - 1]} {e.year}"
        return f"c. {span}" if p is Precision.APPROXIMATE else span

    def __str__(self) -> str:
        return self.label()

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        """Whether any day of this date falls within ``start``..``end``."""
        return self.start <= end and start <= self.end
