"""Two processes writing one SQLite case file: a window and a command-line import, say.

Each writing unit of work takes SQLite's write lock when it begins (BEGIN IMMEDIATE). With a
deferred BEGIN, a unit that read first and wrote after another process had committed failed at
once with "database is locked" (its snapshot was stale, and waiting could not help).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from models.entities import Case
from services.base import Service
from services.container import Services
from tests.conftest import two_desks


class ReadThenWrite(Service):
    """A unit of work that reads, lets something happen, then writes (as many services do)."""

    def run(self, case_id: int, meanwhile: threading.Thread) -> None:
        with self._tx() as s:
            s.execute(select(Case.title).where(Case.id == case_id)).one()
            meanwhile.start()
            time.sleep(0.3)  # the other desk tries to write now
            s.execute(update(Case).where(Case.id == case_id).values(summary="from the window"))


@pytest.fixture
def desks(sqlite_url: str) -> Iterator[tuple[Services, Services]]:
    """Two stores (engines) on the same file, as two processes have."""
    yield from two_desks(sqlite_url)


def test_a_unit_that_reads_then_writes_survives_another_writer(
    desks: tuple[Services, Services],
) -> None:
    window, cli = desks
    case_id = window.cases.create("Border").id
    errors: list[BaseException] = []

    def other_desk() -> None:
        try:
            cli.sources.add(case_id, title="Imported meanwhile", text="A note.")
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    other = threading.Thread(target=other_desk)
    ReadThenWrite(window.store.sessions).run(case_id, other)
    other.join(30)
    assert errors == []
    assert window.cases.get(case_id).summary == "from the window"
    assert [s.title for s in window.sources.list(case_id)] == ["Imported meanwhile"]


def test_reading_does_not_take_the_write_lock(desks: tuple[Services, Services]) -> None:
    """Reads begin deferred: a long read in one process never makes the other wait."""
    window, cli = desks
    case_id = window.cases.create("Border").id
    with window.store.sessions() as reading:
        reading.execute(select(Case.title)).all()
        # Were the read holding the write lock, this would wait out busy_timeout and fail.
        cli.cases.update(case_id, summary="edited while the other read")
    assert window.cases.get(case_id).summary == "edited while the other read"
