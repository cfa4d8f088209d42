"""Noticing a colleague's changes: a second store connection polls the case cheaply."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from services.changes import ChangeWatcher
from services.container import Services
from tests.conftest import two_desks


@pytest.fixture
def two_people(store_url: str) -> Iterator[tuple[Services, Services]]:
    """Two independent connections to the same store, as two desks in a newsroom."""
    yield from two_desks(store_url)


def test_watcher_sees_each_kind_of_change(two_people: tuple[Services, Services]) -> None:
    mine, theirs = two_people
    case = mine.cases.create("Case")
    other = mine.cases.create("Other case")
    watcher = ChangeWatcher(mine.store.sessions)
    assert watcher.poll(case.id) is False  # the first poll sets the baseline
    assert watcher.poll(case.id) is False

    src = theirs.sources.add(case.id, title="Notes", text="She said it was fine.")
    assert watcher.poll(case.id) is True
    assert watcher.poll(case.id) is False
    person = theirs.people.create(case.id, "Ann")
    assert watcher.poll(case.id) is True
    theirs.people.update(person.id, expected_version=person.version, role="Minister")
    assert watcher.poll(case.id) is True
    quote = theirs.quotes.create(src.id, 0, 3, speaker_id=person.id)
    assert watcher.poll(case.id) is True
    event = theirs.events.create(case.id, "Meeting")
    assert watcher.poll(case.id) is True
    theirs.events.link(event.id, "quote", quote.id)  # a pure link row, no version bump
    assert watcher.poll(case.id) is True
    theirs.events.unlink(event.id, "quote", quote.id)
    assert watcher.poll(case.id) is True
    theirs.people.add_alias(person.id, "Anne")
    assert watcher.poll(case.id) is True
    theirs.tags.set_tags("quote", quote.id, ["checked"])
    assert watcher.poll(case.id) is True
    theirs.quotes.delete(quote.id)
    assert watcher.poll(case.id) is True
    theirs.cases.update(case.id, summary="New angle")
    assert watcher.poll(case.id) is True
    # Changes elsewhere do not disturb this case.
    theirs.people.create(other.id, "Bob")
    assert watcher.poll(case.id) is False
    assert mine.changes.poll(other.id) is False


def test_reset_takes_own_edits_as_seen(two_people: tuple[Services, Services]) -> None:
    mine, _ = two_people
    case = mine.cases.create("Case")
    mine.changes.poll(case.id)
    mine.people.create(case.id, "Ann")
    mine.changes.reset(case.id)
    assert mine.changes.poll(case.id) is False


def test_sqlite_counter_covers_every_table_of_a_case(sqlite_services: Services) -> None:
    """Each table with a case, or hanging off one, raises the counter on insert, update, delete.

    A table added later without its triggers would let colleagues' changes go unnoticed.
    """
    from sqlalchemy import text

    from models.entities import Base

    scoped = {t.name for t in Base.metadata.sorted_tables if "case_id" in t.c}
    hanging = {
        t.name
        for t in Base.metadata.sorted_tables
        if t.name not in scoped
        and any(fk.column.table.name in scoped for c in t.columns for fk in c.foreign_keys)
    }
    expected = {f"change_{table}_{op}" for table in scoped | hanging | {"cases"} for op in "iud"}
    with sqlite_services.store.engine.connect() as conn:
        found = set(
            conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars()
        )
    assert {n for n in found if n.startswith("change_")} == expected


def test_sqlite_check_reads_one_row_whatever_the_size(sqlite_services: Services) -> None:
    from sqlalchemy import event

    svc = sqlite_services
    case = svc.cases.create("Big")
    src = svc.sources.add(case.id, title="Notes", text="word " * 400)
    for i in range(50):
        svc.quotes.create(src.id, 5 * i, 5 * i + 4)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        statements.append(statement)

    event.listen(svc.store.engine, "before_cursor_execute", seen)
    try:
        svc.changes.reset(case.id)
    finally:
        event.remove(svc.store.engine, "before_cursor_execute", seen)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert reads == ["SELECT seq FROM change_seq WHERE case_id = ?"]
