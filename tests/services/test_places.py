from __future__ import annotations

import pytest

from services.container import Services
from services.errors import ConflictError, ValidationError


def test_place_spellings_and_find(services: Services) -> None:
    case = services.cases.create("Deir ez-Zor").id
    p = services.places.create(
        case,
        "Deir el-Zour",
        aliases=["Deir ez-Zor", "Deir Ezzor", "deir ez-zor", "دير الزور"],
        latitude=35.336,
        longitude=40.145,
    )
    assert p.aliases == ("Deir ez-Zor", "Deir Ezzor", "دير الزور")
    for spelling in ("DEIR EZZOR", "Deir el-Zóur", "دير الزّور", "Deir el‐Zour"):
        assert services.places.find(case, spelling) == p, spelling
    assert services.places.find(case, "Raqqa") is None
    more = services.places.add_alias(p.id, "Deir al-Zour")
    assert "Deir al-Zour" in more.aliases
    assert [x.name for x in services.places.list(case)] == ["Deir el-Zour"]


def test_coordinates_are_checked(services: Services) -> None:
    case = services.cases.create("C").id
    with pytest.raises(ValidationError, match="latitude"):
        services.places.create(case, "Nowhere", latitude=95.0)
    p = services.places.create(case, "Hama")
    with pytest.raises(ValidationError, match="longitude"):
        services.places.update(p.id, longitude=200.0)
    with pytest.raises(ValidationError, match="needs a name"):
        services.places.create(case, " ")


def test_update_conflict_and_delete_rules(services: Services) -> None:
    case = services.cases.create("C").id
    p = services.places.create(case, "Homs")
    services.places.update(p.id, expected_version=p.version, notes="central Syria")
    with pytest.raises(ConflictError):
        services.places.update(p.id, expected_version=p.version, notes="stale")
    ev = services.events.create(case, "Attack", place_id=p.id)
    assert services.places.events_at(p.id) == [ev.id]
    with pytest.raises(ValidationError, match="happen at Homs"):
        services.places.delete(p.id)
    services.events.delete(ev.id)
    services.places.delete(p.id)
    assert services.places.list(case) == []


def test_spellings_replaced_and_mentions_recorded(services: Services) -> None:
    case = services.cases.create("Deir ez-Zor").id
    other = services.cases.create("Elsewhere").id
    p = services.places.create(case, "Hasaka", aliases=["Hasakah"])
    p = services.places.set_aliases(p.id, ["al-Hasakah", "الحسكة", "hasaka"])
    assert p.aliases == ("al-Hasakah", "الحسكة")  # the name itself is not an alias
    assert services.places.find(case, "الحسكه") == p
    src = services.sources.add(case, title="Note", text="Fighting near al-Hasakah.")
    q = services.quotes.create(src.id, 15, 24)
    services.places.link(p.id, "source", src.id)
    services.places.link(p.id, "quote", q.id)
    services.places.link(p.id, "quote", q.id)  # twice is once
    assert services.places.mentions(p.id) == {"source": [src.id], "quote": [q.id]}
    services.places.link(p.id, "quote", q.id, linked=False)
    assert services.places.mentions(p.id) == {"source": [src.id], "quote": []}
    far = services.sources.add(other, title="Far", text="x")
    with pytest.raises(ValidationError, match="another case"):
        services.places.link(p.id, "source", far.id)
    with pytest.raises(ValidationError, match="not 'event'"):
        services.places.link(p.id, "event", 1)
    with pytest.raises(ValidationError, match="needs a name"):
        services.places.update(p.id, name="  ")
