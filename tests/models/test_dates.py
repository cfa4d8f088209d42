from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.dates import PartialDate, Precision


@pytest.mark.parametrize(
    ("text", "start", "end", "precision", "label"),
    [
        ("2021-01-25", "2021-01-25", "2021-01-25", Precision.DAY, "25 Jan 2021"),
        ("2021-02", "2021-02-01", "2021-02-28", Precision.MONTH, "Feb 2021"),
        ("2020-02", "2020-02-01", "2020-02-29", Precision.MONTH, "Feb 2020"),
        ("2019", "2019-01-01", "2019-12-31", Precision.YEAR, "2019"),
        ("early 2021-01", "2021-01-01", "2021-01-10", Precision.EARLY_MONTH, "early Jan 2021"),
        ("mid 2021-01", "2021-01-11", "2021-01-20", Precision.MID_MONTH, "mid Jan 2021"),
        ("late 2021-01", "2021-01-21", "2021-01-31", Precision.LATE_MONTH, "late Jan 2021"),
        (
            "2021-01-20..2021-02-03",
            "2021-01-20",
            "2021-02-03",
            Precision.RANGE,
            "20 Jan – 3 Feb 2021",
        ),
        (
            "~2021-01-25..2021-01-31",
            "2021-01-25",
            "2021-01-31",
            Precision.APPROXIMATE,
            "c. 25–31 Jan 2021",
        ),
        (
            "2020-12-30..2021-01-02",
            "2020-12-30",
            "2021-01-02",
            Precision.RANGE,
            "30 Dec 2020 – 2 Jan 2021",
        ),
        ("~2021-03", "2021-03-01", "2021-03-31", Precision.APPROXIMATE, "c. 1–31 Mar 2021"),
    ],
)
def test_parse_label_and_iso_round_trip(
    text: str, start: str, end: str, precision: Precision, label: str
) -> None:
    d = PartialDate.parse(text)
    assert (d.start.isoformat(), d.end.isoformat(), d.precision) == (start, end, precision)
    assert d.label() == label
    assert str(d) == label
    assert PartialDate.parse(d.iso()) == d


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2021-13",
        "2021-02-30",
        "late 2021",
        "late 2021-01-05",
        "2021-02-01..2021-01-01",
        "2021/01/05",
        "early",
    ],
)
def test_parse_refuses_what_is_not_a_date(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        PartialDate.parse(text)


def test_range_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        PartialDate(dt.date(2021, 2, 1), dt.date(2021, 1, 1), Precision.RANGE)


def test_overlaps() -> None:
    late_jan = PartialDate.month(2021, 1, "late")
    assert late_jan.overlaps(dt.date(2021, 1, 31), dt.date(2021, 2, 5))
    assert not late_jan.overlaps(dt.date(2021, 2, 1), dt.date(2021, 2, 5))
    with pytest.raises(ValueError, match="part of month"):
        PartialDate.month(2021, 1, "end")


days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


@given(days, days, st.booleans())
def test_any_range_round_trips_through_iso(a: dt.date, b: dt.date, approx: bool) -> None:
    lo, hi = min(a, b), max(a, b)
    d = PartialDate.between(lo, hi, approximate=approx)
    assert PartialDate.parse(d.iso()) == d
    assert d.label()


@given(days)
def test_any_day_month_year_round_trips(day: dt.date) -> None:
    for d in (
        PartialDate.day(day.year, day.month, day.day),
        PartialDate.month(day.year, day.month),
        PartialDate.month(day.year, day.month, "late"),
        PartialDate.year(day.year),
    ):
        assert PartialDate.parse(d.iso()) == d
        assert d.start <= day <= d.end or d.precision is not Precision.DAY


def test_a_stored_date_is_its_three_columns_or_none() -> None:
    """What the tables keep (start, end, precision) back as a date; a day may keep no end."""
    late = PartialDate.parse("late 2021-01")
    assert PartialDate.stored(late.start, late.end, late.precision) == late
    day = dt.date(2021, 2, 3)
    assert PartialDate.stored(day, None, Precision.DAY) == PartialDate.day(2021, 2, 3)
    assert PartialDate.stored(None, None, None) is None
    assert PartialDate.stored(day, day, None) is None  # no precision: not a date shown
