"""Reviewing suggestions: accepted proposals enter the case in one transaction, nothing else.

The extractions here are built by hand (the review must not depend on what the extractor finds);
each runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import pytest

from models.dates import PartialDate, Precision
from models.entities import PersonKind
from services.container import Services
from services.errors import NotFoundError, ValidationError
from services.extract.model import (
    EntityKind,
    Extraction,
    ProposedEntity,
    ProposedEvent,
    ProposedPlace,
    ProposedQuote,
)
from services.extract.review import Decision, ReviewResult
from services.textnorm import fold

TEXT = (
    "The Syrian Democratic Forces (SDF) said it has captured dozens of IS members in the "
    "province of Deir el-Zour.\n"
    "\u201cOur forces have already arrested over 30 terrorists,\u201d said Siyamend Ali, a press "
    "officer with the People\u2019s Protection Units (YPG).\n"
    "\u201cThis ongoing campaign is targeting hideouts,\u201d he told VOA.\n"
    "Two local leaders were kidnapped and killed by IS militants in late January.\n"
    "\u00ab\u0644\u0646 \u0646\u062a\u0631\u0627\u062c\u0639\u00bb\u060c \u0642\u0627\u0644 "
    "\u0645\u0638\u0644\u0648\u0645 \u0639\u0628\u062f\u064a.\n"
)
Q1 = "Our forces have already arrested over 30 terrorists"
Q2 = "This ongoing campaign is targeting hideouts"
Q3 = "\u0644\u0646 \u0646\u062a\u0631\u0627\u062c\u0639"  # «لن نتراجع»
ABDI_AR = "\u0645\u0638\u0644\u0648\u0645 \u0639\u0628\u062f\u064a"


def span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def make_extraction(
    source_id: int,
    text: str = TEXT,
    *,
    ali_match: int | None = None,
    q1_text: str | None = None,
) -> Extraction:
    """Everything the extractor would propose for ``TEXT``."""
    s1, e1 = span(text, Q1)
    s2, e2 = span(text, Q2)
    s3, e3 = span(text, Q3)
    return Extraction(
        source_id=source_id,
        entities=(
            ProposedEntity(
                "e-sdf",
                EntityKind.ORGANISATION,
                "Syrian Democratic Forces",
                (span(text, "Syrian Democratic Forces"),),
                acronym="SDF",
            ),
            ProposedEntity(
                "e-ypg",
                EntityKind.ORGANISATION,
                "People\u2019s Protection Units",
                (span(text, "People\u2019s Protection Units"),),
                acronym="YPG",
            ),
            ProposedEntity(
                "e-ali",
                EntityKind.PERSON,
                "Siyamend Ali",
                (span(text, "Siyamend Ali"),),
                role="press officer",
                affiliation_key="e-ypg",
                matched_person_id=ali_match,
            ),
            ProposedEntity("e-abdi", EntityKind.PERSON, ABDI_AR, (span(text, ABDI_AR),)),
        ),
        quotes=(
            ProposedQuote(
                "q1",
                s1,
                e1,
                q1_text if q1_text is not None else Q1,
                speaker_key="e-ali",
                speaker_span=span(text, "Siyamend Ali"),
                said=PartialDate.day(2021, 2, 4),
            ),
            ProposedQuote("q2", s2, e2, Q2, speaker_key="e-ali", speaker_span=span(text, "he")),
            ProposedQuote("q3", s3, e3, Q3, speaker_key="e-abdi", language="ar"),
        ),
        places=(ProposedPlace("p-deir", "Deir el-Zour", (span(text, "Deir el-Zour"),)),),
        events=(
            ProposedEvent(
                "ev-killing",
                "Two local leaders kidnapped and killed by IS militants",
                PartialDate.month(2021, 1, "late"),
                span(text, "late January"),
                span(text, "Two local leaders were kidnapped and killed by IS militants"),
                place_key="p-deir",
                people_keys=("e-sdf",),
                quote_keys=("q1",),
            ),
        ),
    )


@pytest.fixture
def case_source(services: Services) -> tuple[int, int]:
    case = services.cases.create("Deir ez-Zor")
    src = services.sources.add(
        case.id, title="VOA report", text=TEXT, published_on=dt.date(2021, 2, 4), language="en"
    )
    return case.id, src.id


def counts(svc: Services, case_id: int) -> dict[str, int]:
    """Rows of every kind the review may add, plus links of the source."""
    people = svc.people.list(case_id)
    return svc.cases.counts(case_id) | {
        "affiliations": sum(len(p.affiliations) for p in people),
        "aliases": sum(len(p.aliases) for p in people),
        "place_aliases": sum(len(p.aliases) for p in svc.places.list(case_id)),
        "mentioned": sum(
            len(svc.people.list(case_id, source_id=s.id)) for s in svc.sources.list(case_id)
        ),
    }


# --- Accepting


def test_accepting_one_quote_brings_its_speaker_and_nothing_else(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    x = make_extraction(source_id)
    result = services.review.accept(x, ["q1"])

    [quote] = services.quotes.list(case_id)
    assert (quote.start, quote.end) == span(TEXT, Q1)
    assert quote.text == Q1
    assert quote.said == PartialDate.day(2021, 2, 4)
    assert quote.speaker_name == "Siyamend Ali"
    # The speaker comes with their role and affiliation; the organisation comes for it.
    ali = services.people.get(quote.speaker_id or 0)
    assert ali.role == "press officer"
    [aff] = ali.affiliations
    assert aff.organisation_name == "People\u2019s Protection Units"
    assert aff.role == "press officer"
    ypg = services.people.get(aff.organisation_id)
    assert ypg.kind is PersonKind.ORGANISATION
    assert "YPG" in ypg.aliases
    # Nothing unaccepted entered: no SDF, no Abdi, no place, no event, no other quote.
    names = {p.name for p in services.people.list(case_id)}
    assert names == {"Siyamend Ali", "People\u2019s Protection Units"}
    assert services.places.list(case_id) == []
    assert services.events.count(case_id) == 0
    assert result.quote_ids == (quote.id,)
    assert result.stored["q1"] == quote.id
    assert set(result.person_ids) == {ali.id, ypg.id}
    # The people are recorded as named in the source.
    assert {p.id for p in services.people.list(case_id, source_id=source_id)} == {ali.id, ypg.id}
    assert "1 quote" in result.summary()


def test_accept_all_stores_quotes_people_places_and_dated_events(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    result = services.review.accept_all(make_extraction(source_id))

    quotes = services.quotes.list(case_id)
    assert [q.text for q in quotes] == [Q1, Q2, Q3]
    assert [q.speaker_name for q in quotes] == ["Siyamend Ali", "Siyamend Ali", ABDI_AR]
    assert quotes[2].language == "ar"
    assert quotes[0].language == "en"  # the source's language when none is proposed
    people = {p.name: p for p in services.people.list(case_id)}
    assert set(people) == {
        "Syrian Democratic Forces",
        "People\u2019s Protection Units",
        "Siyamend Ali",
        ABDI_AR,
    }
    assert "SDF" in people["Syrian Democratic Forces"].aliases
    [place] = services.places.list(case_id)
    assert place.name == "Deir el-Zour"
    [event] = services.events.list(case_id)
    assert event.title == "Two local leaders kidnapped and killed by IS militants"
    assert event.date == PartialDate.month(2021, 1, "late")
    assert event.date is not None and event.date.precision is Precision.LATE_MONTH
    assert event.date.label() == PartialDate.month(2021, 1, "late").label()
    assert event.place_id == place.id
    assert event.source_ids == (source_id,)
    assert event.quote_ids == (quotes[0].id,)
    assert event.person_ids == (people["Syrian Democratic Forces"].id,)
    assert result.event_ids == (event.id,)
    assert len(result.quote_ids) == 3
    assert result.notes == ()


def test_accepting_again_duplicates_nothing(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    first = services.review.accept_all(make_extraction(source_id))
    before = counts(services, case_id)

    again = services.review.accept_all(make_extraction(source_id))
    assert counts(services, case_id) == before
    assert not again.changed
    assert set(again.already_saved) == {"q1", "q2", "q3"}
    assert again.stored == first.stored
    assert "already saved" in again.summary()
    # One quote accepted on its own after "accept all" is not duplicated either.
    one = services.review.accept(make_extraction(source_id), ["q2"])
    assert one.already_saved == ("q2",)
    assert counts(services, case_id) == before


def test_saved_keys_names_quotes_already_in_the_case(
    services: Services, case_source: tuple[int, int]
) -> None:
    _, source_id = case_source
    x = make_extraction(source_id)
    assert services.review.saved_keys(x) == frozenset()
    services.review.accept(x, ["q2"])
    assert services.review.saved_keys(x) == frozenset({"q2"})


# --- Editing


def test_moved_span_and_new_speaker_name(services: Services, case_source: tuple[int, int]) -> None:
    case_id, source_id = case_source
    x = make_extraction(source_id)
    shorter = "already arrested over 30 terrorists"
    start, end = span(TEXT, shorter)
    result = services.review.accept(
        x, [Decision("q1", start=start, end=end, speaker_name="Col. Siyamend Ali")]
    )
    [quote] = services.quotes.list(case_id)
    assert (quote.start, quote.end, quote.text) == (start, end, shorter)
    assert quote.speaker_name == "Col. Siyamend Ali"
    # The proposed speaker was replaced, so they and their organisation did not come in.
    assert {p.name for p in services.people.list(case_id)} == {"Col. Siyamend Ali"}
    assert result.person_ids == (quote.speaker_id,)


def test_two_proposals_moved_onto_one_span_make_one_quote(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    start, end = span(TEXT, Q2)
    result = services.review.accept(
        make_extraction(source_id), ["q2", Decision("q1", start=start, end=end)]
    )
    [quote] = services.quotes.list(case_id)
    assert result.stored["q1"] == result.stored["q2"] == quote.id
    assert result.quote_ids == (quote.id,)


def test_speaker_changed_to_an_existing_person_or_name_or_nobody(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    abdi = services.people.create(case_id, "Mazloum Abdi", aliases=["Mazloum Kobani"])
    x = make_extraction(source_id)
    services.review.accept(
        x,
        [
            Decision("q1", speaker_id=abdi.id),
            Decision("q2", speaker_name="mazloum kobani"),  # an alias, any case
            Decision("q3", no_speaker=True),
        ],
    )
    q1, q2, q3 = services.quotes.list(case_id)
    assert q1.speaker_id == abdi.id
    assert q2.speaker_id == abdi.id
    assert q3.speaker_id is None
    assert services.people.count(case_id) == 1


def test_speaker_changed_to_another_proposed_entity(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    x = make_extraction(source_id)
    with pytest.raises(ValidationError, match="no proposed person 'e-zz'"):
        services.review.accept(x, [Decision("q1", speaker_key="e-zz")])
    services.review.accept_all(x, rejected=["e-sdf"], edits=[Decision("q3", speaker_key="e-sdf")])
    q3 = services.quotes.list(case_id)[2]
    assert q3.speaker_name == "Syrian Democratic Forces"


def test_corrected_entity_name_and_event_title(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    x = make_extraction(source_id)
    services.review.accept(
        x,
        [
            Decision("e-abdi", name="Mazloum Abdi"),
            Decision("ev-killing", name="Killing of two local leaders"),
        ],
    )
    abdi = services.people.find(case_id, "Mazloum Abdi")
    assert abdi is not None
    assert ABDI_AR in abdi.aliases  # the spelling met in the text stays findable
    [event] = services.events.list(case_id)
    assert event.title == "Killing of two local leaders"
    # The event's place and people came with it; its quote did not (it was not accepted).
    assert event.place_name == "Deir el-Zour"
    assert event.quote_ids == ()
    assert services.quotes.count(case_id) == 0


# --- Matching what the case already holds


def test_matched_people_and_places_get_aliases_not_duplicates(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    ali = services.people.create(case_id, "Siyamend Ali", role="spokesman")
    # Straight apostrophe and acronym as alias: the curly spelling in the text still matches.
    ypg = services.people.create(
        case_id, "People's Protection Units", kind=PersonKind.ORGANISATION, aliases=["YPG"]
    )
    deir = services.places.create(case_id, "Deir ez-Zor", aliases=["Deir el-Zour"])
    x = make_extraction(source_id, ali_match=ali.id)

    result = services.review.accept(x, ["q1", "p-deir"])
    assert services.people.count(case_id) == 2
    assert len(services.places.list(case_id)) == 1
    [quote] = services.quotes.list(case_id)
    assert quote.speaker_id == ali.id
    ali_now = services.people.get(ali.id)
    assert ali_now.role == "spokesman"  # an existing person's fields are not overwritten
    [aff] = ali_now.affiliations
    assert (aff.organisation_id, aff.role) == (ypg.id, "press officer")
    assert result.person_ids == ()
    assert result.stored["e-ypg"] == ypg.id
    assert result.stored["p-deir"] == deir.id
    # Re-accepting does not repeat the affiliation.
    services.review.accept(make_extraction(source_id, ali_match=ali.id), ["e-ali"])
    assert len(services.people.get(ali.id).affiliations) == 1


def test_person_created_by_an_earlier_review_is_matched_by_name(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    services.review.accept(make_extraction(source_id), ["e-ali"])
    # A fresh extraction made before the first review knows no match: the name still matches.
    services.review.accept(make_extraction(source_id), ["q2"])
    assert [p.name for p in services.people.list(case_id, kind=PersonKind.PERSON)] == [
        "Siyamend Ali"
    ]


# --- Rejecting


def test_rejected_speaker_is_not_brought_in_by_its_quote(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    result = services.review.accept_all(
        make_extraction(source_id), rejected=["e-ali", "p-deir", "q3"]
    )
    quotes = services.quotes.list(case_id)
    assert [q.text for q in quotes] == [Q1, Q2]
    assert all(q.speaker_id is None for q in quotes)
    assert services.people.find(case_id, "Siyamend Ali") is None
    assert services.places.list(case_id) == []
    [event] = services.events.list(case_id)
    assert event.place_id is None
    assert any("Siyamend Ali" in n and "rejected" in n for n in result.notes)
    assert any("Deir el-Zour" in n for n in result.notes)


def test_rejecting_everything_stores_nothing(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    x = make_extraction(source_id)
    before = counts(services, case_id)
    result = services.review.accept(x, [Decision(k, accept=False) for k in ("q1", "q2", "e-ali")])
    assert not result.changed
    assert counts(services, case_id) == before


# --- Refusals leave the case unchanged


def test_a_stale_span_refuses_the_whole_review(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    before = counts(services, case_id)
    x = make_extraction(source_id, q1_text="Our forces have arrested over 30 terrorists")
    with pytest.raises(ValidationError, match="source may have changed"):
        services.review.accept_all(x)
    assert counts(services, case_id) == before  # the people accepted before it rolled back


def test_a_moved_span_outside_the_text_is_refused(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    x = make_extraction(source_id)
    with pytest.raises(ValidationError, match="outside"):
        services.review.accept(x, [Decision("q1", start=10, end=len(TEXT) + 5)])
    with pytest.raises(ValidationError, match="blank"):
        newline = TEXT.index("\n")
        services.review.accept(x, [Decision("q1", start=newline, end=newline + 1)])
    assert services.quotes.count(case_id) == 0


def test_unknown_key_and_speaker_of_another_case_are_refused(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    other = services.cases.create("Other story")
    stranger = services.people.create(other.id, "Someone Else")
    x = make_extraction(source_id)
    with pytest.raises(ValidationError, match="no proposal 'q9'"):
        services.review.accept(x, ["q9"])
    with pytest.raises(ValidationError, match="another case"):
        services.review.accept(x, ["e-sdf", Decision("q1", speaker_id=stranger.id)])
    assert services.people.count(case_id) == 0
    with pytest.raises(NotFoundError):
        services.review.accept(make_extraction(999_999), ["q1"])


# --- Withdrawing (undo)


def test_withdraw_takes_back_exactly_what_the_review_added(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    ali = services.people.create(case_id, "Siyamend Ali")
    kept_quote = services.quotes.create(source_id, *span(TEXT, Q2), speaker_id=ali.id)
    before = counts(services, case_id)
    before_aliases = services.people.get(ali.id).aliases

    result = services.review.accept_all(make_extraction(source_id, ali_match=ali.id))
    assert "q2" in result.already_saved
    assert counts(services, case_id) != before

    services.review.withdraw(result)
    assert counts(services, case_id) == before
    assert services.people.get(ali.id).aliases == before_aliases
    assert [q.id for q in services.quotes.list(case_id)] == [kept_quote.id]
    assert services.people.list(case_id, source_id=source_id)[0].id == ali.id
    # Accepting again after the undo (redo) works and withdrawing twice is harmless.
    again = services.review.accept_all(make_extraction(source_id, ali_match=ali.id))
    assert services.quotes.count(case_id) == 3
    services.review.withdraw(again)
    services.review.withdraw(again)
    assert counts(services, case_id) == before


def test_withdraw_refuses_when_a_created_person_was_used_since(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    result = services.review.accept(make_extraction(source_id), ["e-abdi"])
    abdi_id = result.stored["e-abdi"]
    services.quotes.create(source_id, *span(TEXT, Q3), speaker_id=abdi_id)
    with pytest.raises(ValidationError, match="cannot take back"):
        services.review.withdraw(result)
    assert services.people.get(abdi_id).name == ABDI_AR


def test_review_result_summary_counts() -> None:
    r = ReviewResult(source_id=1, case_id=1, quote_ids=(1, 2), person_ids=(3,), event_ids=(4,))
    assert r.summary() == "2 quotes, 1 person or organisation, 1 event added"
    assert ReviewResult(1, 1).summary() == "nothing new added"
    assert not ReviewResult(1, 1).changed


# --- Events already in the case


def test_an_event_already_in_the_case_gets_the_links_not_a_twin(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    sdf = services.people.create(case_id, "Syrian Democratic Forces", kind=PersonKind.ORGANISATION)
    same = services.events.create(
        case_id,
        "Killing of the two leaders",
        date=PartialDate.month(2021, 1, "late"),
        person_ids=[sdf.id],
    )
    other_day = services.events.create(
        case_id, "Another killing", date=PartialDate.month(2021, 1), person_ids=[sdf.id]
    )
    result = services.review.accept(make_extraction(source_id), ["q1", "ev-killing"])
    assert services.events.count(case_id) == 2
    assert result.event_ids == ()
    assert result.stored["ev-killing"] == same.id
    event = services.events.get(same.id)
    assert event.title == "Killing of the two leaders"  # the journalist's title stays
    assert event.place_name == "Deir el-Zour"
    assert event.source_ids == (source_id,)
    assert event.quote_ids == (result.stored["q1"],)
    assert services.events.get(other_day.id).source_ids == ()

    services.review.withdraw(result)
    event = services.events.get(same.id)
    assert (event.place_id, event.source_ids, event.quote_ids) == (None, (), ())
    assert event.person_ids == (sdf.id,)
    assert services.places.list(case_id) == []


def test_an_event_on_the_same_dates_sharing_nothing_is_a_new_event(
    services: Services, case_source: tuple[int, int]
) -> None:
    case_id, source_id = case_source
    services.events.create(case_id, "Storm", date=PartialDate.month(2021, 1, "late"))
    services.review.accept(make_extraction(source_id), ["ev-killing"])
    assert services.events.count(case_id) == 2


# --- With the real extractor, on the sample article


def test_sample_article_accept_all_builds_the_case_and_again_adds_nothing(
    services: Services,
) -> None:
    from services.demo import load_sample

    data, raw = load_sample()
    case = services.cases.create("Sample")
    src = services.sources.add(
        case.id,
        title=data["source"]["title"],
        text=raw.decode("utf-8"),
        published_on=PartialDate.parse(data["source"]["published_on"]).start,
        language="en",
    )
    result = services.review.accept_all(services.extraction.propose(src.id))

    quotes = {(q.text, q.speaker_name) for q in services.quotes.list(case.id)}
    assert quotes == {(q["text"], q["speaker"]) for q in data["quotes"]}
    people = {p.name: p for p in services.people.list(case.id)}
    for person in data["people"]:
        got = people[person["name"]]
        assert got.role, person["name"]
        wanted = {(fold(a["org"]), fold(a["role"])) for a in person["affiliations"]}
        assert {(fold(a.organisation_name), fold(a.role)) for a in got.affiliations} == wanted
    assert {"Deir el-Zour", "Hasaka", "Syrian-Iraqi border"} <= {
        p.name for p in services.places.list(case.id)
    }
    dates = {e.date.label() for e in services.events.list(case.id) if e.date is not None}
    assert {"late Jan 2021", "Mar 2019", "Jan 2021"} <= dates
    assert len(result.quote_ids) == 8

    again = services.review.accept_all(services.extraction.propose(src.id))
    assert not again.changed
    assert len(again.already_saved) == 8


def test_the_service_passes_stop_to_the_engine(services: Services) -> None:
    from services.extract.model import ExtractionCancelledError

    case = services.cases.create("Stop")
    src = services.sources.add(case.id, title="Article", text=TEXT)
    with pytest.raises(ExtractionCancelledError):
        services.extraction.propose(src.id, stop=lambda: True)
    assert services.extraction.propose(src.id, stop=lambda: False).quotes
