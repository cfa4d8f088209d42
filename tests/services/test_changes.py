"""Noticing a colleague's changes: a second store connection polls the case cheaply."""

from __future__ import annotations

from collections.abc import Iterator

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
