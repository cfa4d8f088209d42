"""The sample article: every quote with its exact span and speaker, the people, places, events."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from models.dates import PartialDate
from services.container import Services
from services.demo import build_demo, load_sample
from services.extract.engine import extract
from services.extract.model import EntityKind, Extraction
from services.textnorm import fold


@pytest.fixture(scope="module")
def sample() -> tuple[dict[str, Any], str]:
    data, raw = load_sample()
    return data, raw.decode("utf-8")


@pytest.fixture(scope="module")
def proposed(sample: tuple[dict[str, Any], str]) -> Extraction:
    _, text = sample
    return extract(text, source_id=1, published_on=dt.date(2021, 2, 4), language="en")


def _speaker_name(x: Extraction, key: str | None) -> str | None:
    e = x.entity(key)
    return e.name if e else None


def _same_name(a: str | None, b: str) -> bool:
    return a is not None and fold(a).replace("’", "'") == fold(b)


def test_all_eight_quotes_with_exact_spans_and_speakers(
    sample: tuple[dict[str, Any], str], proposed: Extraction
) -> None:
    data, text = sample
    assert len(proposed.quotes) == 8
    for expected, got in zip(data["quotes"], proposed.quotes, strict=True):
        start = text.index(expected["text"])
        assert (got.start, got.end) == (start, start + len(expected["text"]))
        assert got.text == expected["text"] == text[got.start : got.end]
        assert _same_name(_speaker_name(proposed, got.speaker_key), expected["speaker"])
        assert got.speaker_span is not None
        assert got.said == PartialDate.parse(expected["said"])


def test_speaker_spans_point_at_the_attribution(proposed: Extraction, sample: Any) -> None:
    _, text = sample
    spans = [text[a:b] for a, b in (q.speaker_span for q in proposed.quotes if q.speaker_span)]
    assert spans == [
        "Siyamend Ali",
        "he",
        "SDF",
        "SDF",
        "Mazloum Abdi",
        "Wayne Marotto",
        "Sadradeen Kinno",
        "Kinno",
    ]


def test_partial_quotes_are_flagged(proposed: Extraction) -> None:
    partial = [q.text for q in proposed.quotes if q.partial]
    assert "large-scale operation" in partial
    assert partial[-1].startswith("have been exploiting")
    assert not proposed.quotes[0].partial


def test_six_people_with_roles_and_affiliations(proposed: Extraction) -> None:
    people = {e.name: e for e in proposed.entities if e.kind is EntityKind.PERSON}
    assert set(people) == {
        "Siyamend Ali",
        "Mazloum Abdi",
        "Wayne Marotto",
        "Sadradeen Kinno",
        "Seda al-Faisal al-Hermas",
        "Hind Latif al-Khidr",
    }

    def aff(name: str) -> str | None:
        e = proposed.entity(people[name].affiliation_key)
        return e.name if e else None

    assert people["Siyamend Ali"].role == "press officer"
    assert _same_name(aff("Siyamend Ali"), "People's Protection Units")
    assert people["Mazloum Abdi"].role == "general commander"
    assert aff("Mazloum Abdi") == "Syrian Democratic Forces"
    assert people["Wayne Marotto"].role == "spokesman"
    assert aff("Wayne Marotto") == "U.S.-led coalition"
    assert "Col. Wayne Marotto" in people["Wayne Marotto"].aliases
    assert people["Sadradeen Kinno"].role == "Syrian researcher"
    assert aff("Sadradeen Kinno") is None
    for name in ("Seda al-Faisal al-Hermas", "Hind Latif al-Khidr"):
        assert people[name].role == "local leader in eastern Syria"


def test_organisations_with_acronyms(proposed: Extraction) -> None:
    orgs = {e.name: e for e in proposed.entities if e.kind is EntityKind.ORGANISATION}
    assert orgs["Syrian Democratic Forces"].acronym == "SDF"
    assert orgs["Syrian Democratic Forces"].role == "military alliance"
    assert orgs["Islamic State"].acronym == "IS"
    ypg = next(e for e in orgs.values() if e.acronym == "YPG")
    assert _same_name(ypg.name, "People's Protection Units")
    assert ypg.role == "main element"
    assert proposed.entity(ypg.affiliation_key) == orgs["Syrian Democratic Forces"]
    for name in ("Counter Extremism Project", "Asharq al-Awsat", "VOA"):
        assert name in orgs
    # Every later "SDF" is a span of the same organisation.
    assert len(orgs["Syrian Democratic Forces"].spans) >= 6


def test_places(proposed: Extraction, sample: Any) -> None:
    _, text = sample
    names = {p.name for p in proposed.places}
    for expected in ("Deir el-Zour", "Hasaka", "Syrian-Iraqi border", "Homs", "Hama", "Syria"):
        assert expected in names
    deir = next(p for p in proposed.places if p.name == "Deir el-Zour")
    assert len(deir.spans) == 4
    assert all(text[a:b] == "Deir el-Zour" for a, b in deir.spans)


def test_dated_events(proposed: Extraction, sample: Any) -> None:
    _, text = sample
    by_date: dict[str, list[Any]] = {}
    for ev in proposed.events:
        by_date.setdefault(ev.date.iso(), []).append(ev)
    assert set(by_date) == {"2019-03", "2021-01", "late 2021-01", "~2021-01-25..2021-01-31"}
    assert text[slice(*by_date["late 2021-01"][0].date_span)] == "late January"
    assert text[slice(*by_date["2019-03"][0].date_span)] == "March 2019"
    statement, interview = by_date["~2021-01-25..2021-01-31"]
    names = {proposed.entity(k).name for k in statement.people_keys}  # type: ignore[union-attr]
    assert "Syrian Democratic Forces" in names
    assert len(statement.quote_keys) == 2
    assert "Mazloum Abdi" in {
        proposed.entity(k).name  # type: ignore[union-attr]
        for k in interview.people_keys
    }
    killed = by_date["late 2021-01"][0]
    assert {"Seda al-Faisal al-Hermas", "Hind Latif al-Khidr"} <= {
        proposed.entity(k).name  # type: ignore[union-attr]
        for k in killed.people_keys
    }
    assert "46 attacks" in by_date["2021-01"][0].title


def test_service_matches_the_case_people_and_places(services: Services) -> None:
    case = build_demo(services)
    source = services.sources.list(case.id)[0]
    people = {p.name: p.id for p in services.people.list(case.id)}
    places = {p.name: p.id for p in services.places.list(case.id)}
    before = len(services.quotes.list(case.id))

    x = services.extraction.propose(source.id)

    assert x.source_id == source.id
    assert len(x.quotes) == 8
    by_name = {e.name: e for e in x.entities}
    assert by_name["Mazloum Abdi"].matched_person_id == people["Mazloum Abdi"]
    assert by_name["Wayne Marotto"].matched_person_id == people["Wayne Marotto"]
    assert (
        by_name["Syrian Democratic Forces"].matched_person_id
        == (people["Syrian Democratic Forces"])
    )
    assert by_name["VOA"].matched_person_id == people["Voice of America"]
    deir = next(p for p in x.places if p.matched_place_id == places["Deir el-Zour"])
    assert len(deir.spans) == 4
    badia = next(p for p in x.places if p.matched_place_id == places["Syrian Badia"])
    assert badia.spans
    # Pure read: nothing was written.
    assert len(services.quotes.list(case.id)) == before


def test_without_publication_date_dates_resolve_against_the_day_added(services: Services) -> None:
    case = services.cases.create("No date")
    source = services.sources.add(
        case.id, text="“We will stay,” Omar Khalil said last week.", title="Undated"
    )
    x = services.extraction.propose(source.id)
    added = source.created_at.date()
    assert x.quotes[0].said is not None and x.quotes[0].said.end < added
    assert x.notes and added.isoformat() in x.notes[0]


def test_unknown_source_is_a_domain_error(services: Services) -> None:
    from services.errors import NotFoundError

    with pytest.raises(NotFoundError):
        services.extraction.propose(999)
