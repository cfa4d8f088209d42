"""The panes' lists, read with Core (services.lists), as the ORM services would give them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from models.dates import PartialDate
from services.container import Services
from services.errors import NotFoundError
from tests.conftest import select_statements

ROOT = Path(__file__).resolve().parents[2]


def test_quotes_read_with_core_are_the_quotes_the_orm_reads(services: Services) -> None:
    """Every field of every quote: span, speaker and their protection, the source's title and
    its confidentiality, the date at its precision, the check, the translation and the tags."""
    case = services.cases.create("Raqqa").id
    open_src = services.sources.add(case, title="Article", text="Ali said: the bridge is down.")
    hidden = services.sources.add(
        case, title="Leaked memo", text="The convoy left at dawn.", confidentiality="confidential"
    )
    ali = services.people.create(case, "Ali")
    informant = services.people.create(case, "Informant", confidential=True)
    made = [
        services.quotes.create(
            open_src.id,
            10,
            28,
            speaker_id=ali.id,
            said=PartialDate.parse("late 2021-01"),
            tags=["bridge", "Raqqa"],
        ),
        services.quotes.create(hidden.id, 4, 10, speaker_id=informant.id, status="verified"),
        services.quotes.create(open_src.id, 0, 3),
    ]
    services.quotes.update(
        made[1].id,
        checked_by="desk",
        checked_at=dt.datetime(2021, 2, 1, 9, 30, tzinfo=dt.UTC),
        translation="القافلة",
        translation_language="ar",
        translator="Lina",
    )
    with select_statements(services) as seen:
        listed = services.lists.quotes(case)
    assert len(seen) == 3  # the case, the quotes with their sources and speakers, their tags
    assert listed == [
        services.quotes.get(q.id) for q in sorted(made, key=lambda q: (q.source_id, q.start))
    ]
    assert [q.id for q in listed] == [made[2].id, made[0].id, made[1].id]
    assert listed[1].tags == ("Raqqa", "bridge") and listed[1].said == PartialDate.parse(
        "late 2021-01"
    )
    assert listed[2].source_confidential and listed[2].speaker_confidential
    assert listed[2].checked_at == dt.datetime(2021, 2, 1, 9, 30, tzinfo=dt.UTC)
    assert services.lists.quotes(case, speaker_id=ali.id) == [listed[1]]
    assert services.lists.quotes(case, offset=1, limit=1) == [listed[1]]
    assert services.quotes.list(case) == listed  # the ORM service reads through the same code


def test_lists_of_a_case_that_does_not_exist_say_so(services: Services) -> None:
    for read in (
        services.lists.quotes,
        services.lists.sources,
        services.lists.people,
        services.lists.events,
    ):
        with pytest.raises(NotFoundError, match="no case with id 9999"):
            read(9999)


def test_cases_and_saved_searches_are_listed_as_their_services_list_them(
    services: Services,
) -> None:
    first = services.cases.create("First")
    second = services.cases.create("Second")
    services.cases.update(first.id, summary="touched last")
    assert [c.id for c in services.lists.cases()] == [first.id, second.id]
    assert services.lists.cases() == services.cases.list()
    services.search.save(second.id, "arrests", "arrest*")
    services.search.save(None, "everywhere", "bridge")
    assert [s.name for s in services.lists.saved_searches(second.id)] == ["arrests", "everywhere"]
    assert services.lists.saved_searches(first.id) == services.search.list_saved(first.id)


def test_the_lists_module_does_not_import_the_orm() -> None:
    """A window's start reads its first pages with it before the ORM is imported."""
    code = (
        "import json, sys; import services.container, services.lists; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sqlalchemy.orm') "
        "or m == 'models.entities')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert json.loads(out.stdout) == []
