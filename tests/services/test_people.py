from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from models.entities import PersonKind
from services.container import Services
from services.demo import build_demo
from services.errors import ConflictError, ValidationError
from tests.conftest import select_statements


@pytest.fixture
def case(services: Services) -> int:
    return services.cases.create("Deir ez-Zor").id


def test_aliases_in_other_scripts_and_find_by_any_spelling(services: Services, case: int) -> None:
    p = services.people.create(
        case,
        "Mazloum Abdi",
        aliases=["Mazloum Kobani", "مظلوم عبدي", "mazloum abdi", "  Mazloum   Kobani "],
        role="General commander",
    )
    # Spellings that fold to the name or an existing alias are not added twice.
    assert p.aliases == ("Mazloum Kobani", "مظلوم عبدي")
    for spelling in (
        "Mazloum Abdi",
        "MAZLOUM KOBANI",
        "Mazloum  Kobâni",  # extra space and a diacritic
        "مظلوم عبدي",
        "مَظْلُوم عَبْدِي",  # with harakat
        "مظلـــوم عبدي",  # with tatweel
    ):
        found = services.people.find(case, spelling)
        assert found is not None and found.id == p.id, spelling
    assert services.people.find(case, "Mazloum") is None
    assert services.people.find(services.cases.create("Other").id, "Mazloum Abdi") is None


def test_arabic_letter_variants_match(services: Services, case: int) -> None:
    org = services.people.create(case, "Islamic State", kind="organisation", aliases=["داعش"])
    place = services.places.create(case, "Hama", aliases=["حماة"])
    assert services.people.find(case, "داعش").id == org.id  # type: ignore[union-attr]
    assert services.places.find(case, "حماه") == place  # taa marbuta written as haa


def test_create_with_org_creates_it_once(services: Services, case: int) -> None:
    a = services.people.create(
        case, "Siyamend Ali", role="Press officer", organisation="People's Protection Units"
    )
    b = services.people.create(
        case, "Other Officer", organisation="people’s protection units", organisation_role="Aide"
    )
    orgs = services.people.list(case, kind=PersonKind.ORGANISATION)
    assert [o.name for o in orgs] == ["People's Protection Units"]
    assert a.affiliations[0].role == "Press officer"
    assert b.affiliations[0].role == "Aide"
    assert a.affiliations[0].organisation_id == b.affiliations[0].organisation_id == orgs[0].id
    with pytest.raises(ValidationError, match="is a person, not an organisation"):
        services.people.create(case, "Third", organisation="Siyamend Ali")
    assert services.people.count(case) == 3


def test_affiliations_with_dates_and_role_on(services: Services, case: int) -> None:
    sdf = services.people.create(case, "Syrian Democratic Forces", kind="organisation")
    ypg = services.people.create(case, "YPG", kind="organisation")
    p = services.people.create(case, "Mazloum Abdi")
    services.people.add_affiliation(
        p.id, ypg.id, "Commander", dt.date(2011, 1, 1), dt.date(2015, 10, 9)
    )
    services.people.add_affiliation(p.id, sdf.id, "General commander", dt.date(2015, 10, 10))
    p = services.people.get(p.id)
    assert p.role_on(dt.date(2014, 6, 1)) == ("Commander", "YPG")
    assert p.role_on(dt.date(2021, 1, 28)) == ("General commander", "Syrian Democratic Forces")
    assert p.role_on(dt.date(2005, 1, 1)) is None
    assert p.role_on(None) == ("General commander", "Syrian Democratic Forces")
    with pytest.raises(ValidationError, match="end before it starts"):
        services.people.add_affiliation(p.id, sdf.id, "x", dt.date(2020, 1, 1), dt.date(2019, 1, 1))
    with pytest.raises(ValidationError, match="not an organisation"):
        services.people.add_affiliation(sdf.id, p.id, "x")
    with pytest.raises(ValidationError, match="itself"):
        services.people.add_affiliation(sdf.id, sdf.id, "x")


def test_merge_moves_everything_to_the_survivor(services: Services, case: int) -> None:
    src = services.sources.add(case, title="Article", text="Kobani said: we will win. Abdi too.")
    sdf = services.people.create(case, "SDF", kind="organisation")
    ypg = services.people.create(case, "YPG", kind="organisation")
    keep = services.people.create(case, "Mazloum Abdi", aliases=["مظلوم عبدي"])
    gone = services.people.create(
        case, "Mazloum Kobani", aliases=["General Mazloum"], role="Commander", contact="+963"
    )
    services.people.add_affiliation(gone.id, sdf.id, "General commander", dt.date(2015, 10, 10))
    services.people.add_affiliation(keep.id, ypg.id, "Commander")
    q = services.quotes.create(src.id, 13, 25, speaker_id=gone.id)
    ev = services.events.create(case, "Interview", person_ids=[gone.id, keep.id])
    services.sources.link_person(src.id, gone.id)
    services.tags.set_tags("person", gone.id, ["commander"])

    merged = services.people.merge(keep.id, gone.id)

    assert merged.id == keep.id
    assert set(merged.aliases) == {"مظلوم عبدي", "Mazloum Kobani", "General Mazloum"}
    assert merged.role == "Commander" and "+963" in merged.contact
    assert {a.organisation_name for a in merged.affiliations} == {"SDF", "YPG"}
    assert services.quotes.get(q.id).speaker_id == keep.id
    assert services.events.get(ev.id).person_ids == (keep.id,)
    assert [s.id for s in services.sources.list(case, person_id=keep.id)] == [src.id]
    assert merged.tags == ("commander",)
    assert services.people.find(case, "Mazloum Kobani").id == keep.id  # type: ignore[union-attr]
    assert services.people.count(case) == 3
    with pytest.raises(ValidationError, match="themselves"):
        services.people.merge(keep.id, keep.id)


def test_merging_a_member_into_their_org_drops_the_self_link(services: Services, case: int) -> None:
    sdf = services.people.create(case, "SDF", kind="organisation")
    press = services.people.create(case, "SDF press office", organisation="SDF")
    merged = services.people.merge(sdf.id, press.id)
    assert merged.affiliations == ()


def test_update_conflict_and_delete_rules(services: Services, case: int) -> None:
    p = services.people.create(case, "Wayne Marotto")
    services.people.update(p.id, expected_version=p.version, role="Spokesman")
    with pytest.raises(ConflictError):
        services.people.update(p.id, expected_version=p.version, role="Colonel")
    with pytest.raises(ValidationError, match="needs a name"):
        services.people.update(p.id, name="  ")
    with pytest.raises(ValidationError, match="kind"):
        services.people.update(p.id, kind="robot")
    src = services.sources.add(case, title="A", text="Marotto: all good.")
    q = services.quotes.create(src.id, 9, 18, speaker_id=p.id)
    with pytest.raises(ValidationError, match="speaker of 1 quote"):
        services.people.delete(p.id)
    services.quotes.delete(q.id)
    services.people.delete(p.id)
    assert services.people.count(case) == 0


def test_confidential_person_public_label(services: Services, case: int) -> None:
    p = services.people.create(case, "Abu Omar", confidential=True, descriptor="A tribal elder")
    assert p.confidential and p.public_label == "A tribal elder"
    q = services.people.create(case, "Someone", confidential=True)
    assert q.public_label == "Confidential source"


def test_list_filters_and_stats(services: Services, case: int) -> None:
    src = services.sources.add(case, title="A", text="Ali said yes. Bea said no.")
    ali = services.people.create(case, "Ali")
    bea = services.people.create(case, "bea")
    services.quotes.create(src.id, 0, 12, speaker_id=ali.id)
    ev = services.events.create(case, "Vote", person_ids=[bea.id])
    assert [p.name for p in services.people.list(case)] == ["Ali", "bea"]
    assert [p.id for p in services.people.list(case, source_id=src.id)] == [ali.id]
    assert [p.id for p in services.people.list(case, event_id=ev.id)] == [bea.id]
    assert services.people.stats(ali.id) == {"quotes": 1, "events": 0, "sources": 1}
    assert services.people.events_of(bea.id) == [ev.id]


def test_an_affiliation_is_corrected_with_its_version(services: Services, case: int) -> None:
    sdf = services.people.create(case, "Syrian Democratic Forces", kind="organisation")
    ypg = services.people.create(case, "YPG", kind="organisation")
    p = services.people.create(case, "Mazloum Abdi", organisation="Syrian Democratic Forces")
    a = p.affiliations[0]
    assert (a.organisation_id, a.start_on) == (sdf.id, None)
    fixed = services.people.update_affiliation(
        a.id,
        expected_version=a.version,
        organisation_id=ypg.id,
        role="Commander",
        start_on=dt.date(2011, 1, 1),
        end_on=dt.date(2015, 10, 9),
    )
    assert (fixed.organisation_name, fixed.role, fixed.version) == ("YPG", "Commander", 2)
    assert services.people.get(p.id).role_on(dt.date(2014, 1, 1)) == ("Commander", "YPG")
    assert services.people.get_affiliation(a.id) == fixed
    with pytest.raises(ConflictError) as stale:
        services.people.update_affiliation(a.id, expected_version=1, role="Leader")
    assert stale.value.theirs == fixed
    with pytest.raises(ValidationError, match="end before it starts"):
        services.people.update_affiliation(a.id, end_on=dt.date(2010, 1, 1))
    with pytest.raises(ValidationError, match="not an organisation"):
        services.people.update_affiliation(a.id, organisation_id=p.id)
    with pytest.raises(ValidationError, match="cannot set person_id"):
        services.people.update_affiliation(a.id, person_id=sdf.id)
    assert services.people.get_affiliation(a.id) == fixed


def test_rows_are_what_the_list_holds_in_two_statements(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The People pane and the completers want names, kinds, roles and aliases: two statements
    whatever the people's affiliations and tags, and the same people, order, filters and pages
    as list(); a confidential person's public label as the list gives it."""
    case = build_demo(services).id
    org = next(p for p in services.people.list(case) if p.kind.value == "organisation")
    someone = next(p for p in services.people.list(case) if p.kind.value == "person")
    services.people.add_affiliation(someone.id, org.id, role="spokesman")
    services.tags.add("person", someone.id, "source")
    services.people.update(someone.id, confidential=True, descriptor="a local official")
    source = services.sources.list(case)[0]
    event = next(e for e in services.events.list(case) if e.person_ids or e.quote_ids)

    def row(p: Any) -> tuple[Any, ...]:
        return (p.id, p.kind, p.name, p.aliases, p.role, p.confidential, p.public_label)

    for filters in ({}, {"kind": "organisation"}, {"source_id": source.id}, {"event_id": event.id}):
        with select_statements(services) as seen:
            rows = services.lists.people(case, **filters)
        assert len(seen) == 3  # the case, its people, their aliases
        assert not any("affiliations" in sql or "tags" in sql for sql, _ in seen)
        assert [row(r) for r in rows] == [row(p) for p in services.people.list(case, **filters)]
    rows = services.lists.people(case)
    assert any(r.aliases for r in rows)  # the demo's Arabic alias among them
    assert next(r for r in rows if r.id == someone.id).public_label == "a local official"
    assert [r.id for r in services.lists.people(case, offset=2, limit=3)] == [
        r.id for r in rows[2:5]
    ]
    monkeypatch.setattr("services.lists.ID_CHUNK", 2)  # aliases read two people at a time
    assert services.lists.people(case) == rows
