"""Team editing on the real PostgreSQL server: two people, one row, no silent overwrite."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy.orm.exc import StaleDataError

from models.entities import Quote
from services.container import Services
from services.errors import ConflictError
from tests.conftest import two_desks

pytestmark = pytest.mark.postgres


@pytest.fixture
def desks(pg_url: str) -> Iterator[tuple[Services, Services]]:
    """Two journalists: two stores (engines, connection pools) on the same database."""
    yield from two_desks(pg_url)


def _case(svc: Services) -> tuple[int, int, int]:
    case = svc.cases.create("Port deal")
    src = svc.sources.add(case.id, title="Minutes", text="The minister said: no deal was signed.")
    person = svc.people.create(case.id, "Minister", role="Minister of ports")
    quote = svc.quotes.create(src.id, 25, 37, speaker_id=person.id)
    return case.id, person.id, quote.id


def test_second_save_of_a_quote_is_refused_with_both_versions(
    desks: tuple[Services, Services],
) -> None:
    alice, bob = desks
    _, _, quote_id = _case(alice)
    seen_by_alice = alice.quotes.get(quote_id)
    seen_by_bob = bob.quotes.get(quote_id)
    saved = alice.quotes.update(
        quote_id, expected_version=seen_by_alice.version, note="Checked with the tape"
    )
    assert saved.version == seen_by_alice.version + 1
    with pytest.raises(ConflictError) as info:
        bob.quotes.update(quote_id, expected_version=seen_by_bob.version, note="Unverified!")
    conflict = info.value
    assert conflict.theirs.note == "Checked with the tape"
    assert conflict.theirs.version == saved.version
    assert conflict.mine == {"note": "Unverified!"}
    assert bob.quotes.get(quote_id).note == "Checked with the tape"  # nothing overwritten
    # Bob chooses: he reloads and saves on top of Alice's version.
    merged = bob.quotes.update(
        quote_id, expected_version=conflict.theirs.version, note="Checked with the tape; disputed"
    )
    assert merged.version == saved.version + 1


def test_second_save_of_a_person_is_refused_with_both_versions(
    desks: tuple[Services, Services],
) -> None:
    alice, bob = desks
    _, person_id, _ = _case(alice)
    v = bob.people.get(person_id).version
    alice.people.update(person_id, expected_version=v, role="Former minister")
    with pytest.raises(ConflictError) as info:
        bob.people.update(person_id, expected_version=v, role="Minister of transport")
    assert info.value.theirs.role == "Former minister"
    assert info.value.mine == {"role": "Minister of transport"}
    assert alice.people.get(person_id).role == "Former minister"


def test_interleaved_transactions_cannot_overwrite_each_other(
    desks: tuple[Services, Services],
) -> None:
    """Both read version 1 inside open transactions; the row lock and version check stop B."""
    alice, bob = desks
    _, _, quote_id = _case(alice)
    a_loaded, b_done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def bob_saves() -> None:
        try:
            a_loaded.wait(10)
            with bob.store.sessions.begin() as s:
                q = s.get(Quote, quote_id)
                assert q is not None and q.version == 1
                q.note = "Bob's note"
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)
        finally:
            b_done.set()

    worker = threading.Thread(target=bob_saves)
    worker.start()
    with pytest.raises(StaleDataError), alice.store.sessions.begin() as s:
        q = s.get(Quote, quote_id)
        assert q is not None and q.version == 1
        a_loaded.set()
        b_done.wait(10)  # Bob committed version 2 meanwhile
        q.note = "Alice's note"
    worker.join(10)
    assert not errors
    final = alice.quotes.get(quote_id)
    assert final.note == "Bob's note" and final.version == 2


def test_aliases_and_tags_replaced_from_a_stale_list_are_refused(
    desks: tuple[Services, Services],
) -> None:
    alice, bob = desks
    case_id, person_id, quote_id = _case(alice)
    place = alice.places.create(case_id, "Port Said", aliases=["Bur Said"])
    start = bob.people.get(person_id).aliases  # what Bob's window shows: none
    alice.people.set_aliases(person_id, ["Ports minister"], expected=start)
    with pytest.raises(ConflictError) as info:
        bob.people.set_aliases(person_id, ["The minister"], expected=start)
    assert info.value.theirs == ("Ports minister",) and info.value.mine == ("The minister",)
    assert alice.people.get(person_id).aliases == ("Ports minister",)  # kept
    # Starting from Alice's list, Bob's change keeps both.
    both = bob.people.set_aliases(
        person_id, ["Ports minister", "The minister"], expected=["ports MINISTER"]
    )
    assert both.aliases == ("Ports minister", "The minister")

    seen = bob.tags.tags_of("quote", quote_id)
    alice.tags.set_tags("quote", quote_id, ["denial"], expected=seen)
    with pytest.raises(ConflictError, match="tags of this quote"):
        bob.quotes.set_tags(quote_id, ["port"], expected=list(seen))
    with pytest.raises(ConflictError):
        bob.tags.set_tags("quote", quote_id, ["port"], expected=seen)
    assert alice.quotes.get(quote_id).tags == ("denial",)
    assert bob.quotes.set_tags(quote_id, ["denial", "port"], expected=["denial"]).tags == (
        "denial",
        "port",
    )

    spellings = bob.places.get(place.id).aliases
    alice.places.set_aliases(place.id, ["Bur Said", "بورسعيد"], expected=spellings)
    with pytest.raises(ConflictError, match="spellings of Port Said"):
        bob.places.set_aliases(place.id, ["Port-Said"], expected=spellings)
    assert alice.places.get(place.id).aliases == ("Bur Said", "بورسعيد")
