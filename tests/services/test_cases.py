from __future__ import annotations

import pytest

from services.container import Services
from services.errors import ConflictError, InUseError, NotFoundError, ValidationError


def test_create_list_get_and_find(services: Services) -> None:
    a = services.cases.create("  Port deal  ", summary="Harbour contract", author="R.")
    b = services.cases.create("Deir ez-Zor campaign")
    assert a.title == "Port deal" and a.version == 1
    assert a.created_at.tzinfo is not None
    assert {c.id for c in services.cases.list()} == {a.id, b.id}
    assert services.cases.get(a.id).summary == "Harbour contract"
    assert services.cases.find(str(b.id)) == services.cases.get(b.id)
    assert services.cases.find("port DEAL").id == a.id


def test_find_refuses_unknown_and_ambiguous_titles(services: Services) -> None:
    services.cases.create("Port deal")
    services.cases.create("Port deal")
    with pytest.raises(ValidationError, match="several cases"):
        services.cases.find("Port deal")
    with pytest.raises(ValidationError, match="no case called"):
        services.cases.find("Nothing")
    with pytest.raises(NotFoundError, match="no case with id 999"):
        services.cases.find("999")


def test_blank_title_is_refused(services: Services) -> None:
    with pytest.raises(ValidationError, match="title"):
        services.cases.create("   ")
    case = services.cases.create("Port deal")
    with pytest.raises(ValidationError, match="title"):
        services.cases.update(case.id, title=" ")


def test_update_with_stale_version_is_a_conflict(services: Services) -> None:
    case = services.cases.create("Port deal")
    mine = services.cases.update(case.id, expected_version=1, title="Port deal (2)")
    assert mine.version == 2 and mine.title == "Port deal (2)"
    with pytest.raises(ConflictError) as err:
        services.cases.update(case.id, expected_version=1, summary="late edit")
    assert "version 2" in str(err.value) and "version 1" in str(err.value)
    assert err.value.theirs.title == "Port deal (2)"
    assert services.cases.get(case.id).summary == ""


def test_counts_and_delete_only_when_empty(services: Services) -> None:
    case = services.cases.create("Port deal")
    services.sources.add(case.id, title="Minutes", text="No deal was signed.")
    assert services.cases.counts(case.id)["sources"] == 1
    with pytest.raises(InUseError, match="1 sources"):
        services.cases.delete(case.id)
    empty = services.cases.create("Empty")
    services.cases.delete(empty.id)
    with pytest.raises(NotFoundError):
        services.cases.get(empty.id)
