"""Date expressions resolved against the publication date, with their precision."""

from __future__ import annotations

import datetime as dt

import pytest

from services.extract.dates import find_dates

PUB = dt.date(2021, 2, 4)  # a Thursday


@pytest.mark.parametrize(
    ("sentence", "words", "iso"),
    [
        ("It happened in late January.", "late January", "late 2021-01"),
        ("It happened in early March.", "early March", "early 2020-03"),
        ("They met in mid-December 2020.", "mid-December 2020", "mid 2020-12"),
        ("The town fell in March 2019.", "March 2019", "2019-03"),
        ("The council met last week.", "last week", "~2021-01-25..2021-01-31"),
        ("The council met this week.", "this week", "~2021-02-01..2021-02-04"),
        ("Prices rose last month.", "last month", "2021-01"),
        ("It was built last year.", "last year", "2020"),
        ("He was freed yesterday.", "yesterday", "2021-02-03"),
        ("He was freed on Monday.", "Monday", "2021-02-01"),
        ("He was freed last Thursday.", "last Thursday", "2021-01-28"),
        ("He was freed three days ago.", "three days ago", "2021-02-01"),
        ("The talks began on January 12, 2021.", "January 12, 2021", "2021-01-12"),
        ("The talks began on 3 February.", "3 February", "2021-02-03"),
        ("Rations were cut in January.", "January", "2021-01"),
        ("The war began in 2011.", "2011", "2011"),
        ("اجتمع المجلس الأسبوع الماضي.", "الأسبوع الماضي", "~2021-01-25..2021-01-31"),
        ("سقطت البلدة في مارس 2019.", "مارس 2019", "2019-03"),
    ],
)
def test_resolved(sentence: str, words: str, iso: str) -> None:
    found = find_dates(sentence, PUB)
    assert [(sentence[d.start : d.end], d.date.iso()) for d in found] == [(words, iso)]


def test_may_the_verb_is_not_a_month() -> None:
    assert find_dates("May God protect us, he said.", PUB) == []
    assert [d.date.iso() for d in find_dates("It started in May.", PUB)] == ["2020-05"]


def test_relative_dates_need_a_publication_date() -> None:
    found = find_dates("The council met last week, in March 2019 and in January.", None)
    assert [d.date.iso() for d in found] == ["2019-03"]
