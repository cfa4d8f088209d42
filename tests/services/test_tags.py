from __future__ import annotations

import pytest

from services.container import Services
from services.errors import NotFoundError, ValidationError


def test_tags_on_every_kind_and_counts(services: Services) -> None:
    case = services.cases.create("C").id
    src = services.sources.add(case, title="A", text="Ali said yes.")
    q = services.quotes.create(src.id, 0, 3)
    person = services.people.create(case, "Ali")
    place = services.places.create(case, "Hama")
    ev = services.events.create(case, "Vote")
    for kind, ident in (
        ("source", src.id),
        ("quote", q.id),
        ("person", person.id),
        ("place", place.id),
        ("event", ev.id),
    ):
        assert services.tags.set_tags(kind, ident, ["  key   witness ", "Key Witness"]) == (
            "key witness",
        )
        assert services.tags.add(kind, ident, "follow-up") == ("follow-up", "key witness")
    assert services.tags.list(case) == [("follow-up", 5), ("key witness", 5)]
    assert services.tags.remove("quote", q.id, "FOLLOW-UP") == ("key witness",)
    assert services.sources.get(src.id).tags == ("follow-up", "key witness")
    assert services.people.get(person.id).tags == ("follow-up", "key witness")


def test_rename_and_bad_tags(services: Services) -> None:
    case = services.cases.create("C").id
    src = services.sources.add(case, title="A", text="x")
    services.tags.set_tags("source", src.id, ["draft"])
    services.tags.rename(case, "DRAFT", "checked")
    assert services.tags.tags_of("source", src.id) == ("checked",)
    with pytest.raises(ValidationError, match="no tag"):
        services.tags.rename(case, "missing", "x")
    with pytest.raises(ValidationError, match="empty"):
        services.tags.set_tags("source", src.id, ["  "])
    with pytest.raises(ValidationError, match="at most 200"):
        services.tags.set_tags("source", src.id, ["x" * 201])
    with pytest.raises(ValidationError, match="cannot be tagged"):
        services.tags.set_tags("case", case, ["x"])
    with pytest.raises(NotFoundError):
        services.tags.set_tags("source", 999, ["x"])
    assert services.tags.tags_of("source", src.id) == ("checked",)


def test_tags_belong_to_their_case(services: Services) -> None:
    a = services.cases.create("A").id
    b = services.cases.create("B").id
    sa = services.sources.add(a, title="A", text="x")
    sb = services.sources.add(b, title="B", text="y")
    services.tags.set_tags("source", sa.id, ["shared name"])
    services.tags.set_tags("source", sb.id, ["shared name"])
    services.tags.rename(a, "shared name", "only in A")
    assert services.tags.tags_of("source", sb.id) == ("shared name",)
