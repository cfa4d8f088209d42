"""Selections in the window read what they show through the right SQLite index.

On a case of 1,000,000 quotes the wrong index costs a fifth of a second per click: SQLite picks
its plans without statistics (stores are never analyzed, see MACHINE-NOTES), so each plan below
is checked on the statements the services really run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from models.dates import PartialDate
from services.container import Services
from tests.conftest import select_statements


def _plans(svc: Services, run: Callable[[], Any], mentioning: str) -> list[list[str]]:
    """SQLite's plan for each statement of ``run()`` whose text contains ``mentioning``."""
    with select_statements(svc) as seen:
        run()
    chosen = [(sql, params) for sql, params in seen if mentioning in sql]
    assert chosen, f"no statement mentions {mentioning!r}"
    with svc.store.engine.connect() as conn:
        return [
            [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
            for sql, params in chosen
        ]


def _case(svc: Services) -> dict[str, int]:
    case = svc.cases.create("Plans").id
    people = [svc.people.create(case, f"Speaker {i}").id for i in range(3)]
    sources = [svc.sources.add(case, title=f"S{i}", text="word " * 200).id for i in range(4)]
    quotes = [
        svc.quotes.create(sources[i % 4], 5 * i, 5 * i + 4, speaker_id=people[i % 3]).id
        for i in range(24)
    ]
    ev = svc.events.create(
        case, "Talks", date=PartialDate.day(2021, 3, 1), quote_ids=quotes[:3], person_ids=people
    )
    return {"case": case, "person": people[0], "event": ev.id}


def test_an_events_quotes_are_read_by_id_not_by_walking_the_case(
    sqlite_services: Services,
) -> None:
    svc = sqlite_services
    w = _case(svc)
    for plan in _plans(
        svc, lambda: svc.quotes.list(w["case"], event_id=w["event"], limit=64), "event_quotes"
    ) + _plans(svc, lambda: svc.quotes.count(w["case"], event_id=w["event"]), "event_quotes"):
        assert not any("ix_quotes_case" in step for step in plan), plan
        assert any("PRIMARY KEY" in step for step in plan), plan


def test_a_persons_card_counts_from_the_case_speaker_index_alone(
    sqlite_services: Services,
) -> None:
    svc = sqlite_services
    w = _case(svc)
    plans = _plans(svc, lambda: svc.people.stats(w["person"]), "FROM quotes")
    assert len(plans) == 2  # their quotes, and the sources they are quoted in
    for plan in plans:
        assert any("COVERING INDEX ix_quotes_case_speaker" in step for step in plan), plan


@pytest.mark.parametrize("often", [False, True])
def test_a_persons_sources_come_from_the_case_speaker_index_alone(
    sqlite_services: Services, monkeypatch: pytest.MonkeyPatch, often: bool
) -> None:
    """Quoted rarely: their sources' ids from the index, then those sources by id. Quoted
    often (MANY_QUOTES lowered here): the case's sources in order, each probed in the index."""
    if often:
        monkeypatch.setattr("services.lists.MANY_QUOTES", 2)
    svc = sqlite_services
    w = _case(svc)
    probe, plan = _plans(
        svc, lambda: svc.sources.list(w["case"], person_id=w["person"], limit=64), "speaker_id"
    )
    index = "SEARCH quotes USING COVERING INDEX ix_quotes_case_speaker_order"
    assert any(step.startswith(index) for step in probe), probe  # at most MANY_QUOTES entries
    quoted = [step for step in plan if "quotes" in step]
    assert quoted and all("COVERING INDEX ix_quotes_case_speaker" in s for s in quoted), plan
    if often:
        assert any("source_id=?" in step for step in quoted), plan  # one probe per source
    else:
        assert not any(step.startswith("SCAN sources") for step in plan), plan
        assert any(step.startswith("SEARCH sources") and "rowid=?" in step for step in plan), plan
    # The sources of their events: from their event links, not a walk of every event's sources.
    assert not any(step.startswith("SCAN event_sources") for step in plan), plan
    assert any("event_people" in step and "person_id" in step for step in plan), plan
