"""Engine details the labelled paragraphs do not show: quote dates, event titles, notes."""

from __future__ import annotations

import datetime as dt

import pytest

from services.extract.engine import extract
from services.extract.matching import KnownName
from services.extract.model import ExtractionCancelledError

PUB = dt.date(2021, 2, 4)


def _said(text: str) -> list[str]:
    return [q.said.iso() for q in extract(text, published_on=PUB).quotes if q.said]


def test_a_quote_is_dated_by_the_date_beside_its_verb() -> None:
    assert _said("“We will stay,” Omar Khalil said on Tuesday.") == ["2021-02-02"]
    assert _said("Omar Khalil said last week that “nothing has changed.”") == [
        "~2021-01-25..2021-01-31"
    ]


def test_a_date_in_a_relative_clause_does_not_date_the_quote() -> None:
    text = (
        "“I have not seen my son in four years,” said Amal Kurdi, whose son was detained in 2017."
    )
    assert _said(text) == ["~2021-01-28..2021-02-04"]


def test_without_publication_date_quotes_are_undated_and_a_note_says_why() -> None:
    x = extract("“We will stay,” Omar Khalil said last week.")
    assert x.quotes[0].said is None
    assert x.notes and "publication date" in x.notes[0]


def test_event_titles_leave_out_the_date_and_long_quotes() -> None:
    text = (
        "“There is a need for us to intensify the operations,” Mazloum Abdi said last week in "
        "an interview with the Asharq al-Awsat newspaper."
    )
    (event,) = extract(text, published_on=PUB).events
    assert event.title == "Mazloum Abdi said in an interview with the Asharq al-Awsat newspaper"
    assert text[event.date_span[0] : event.date_span[1]] == "last week"
    assert len(event.quote_keys) == 1


def test_event_titles_stay_inside_their_sentence() -> None:
    text = "Nothing happened here.\nThe council met in March 2019 in Raqqa.\nOther news followed."
    (event,) = extract(text, published_on=PUB).events
    assert event.title == "The council met in Raqqa"


def test_arabic_quote_language_and_case_person_matched_in_arabic() -> None:
    x = extract(
        "«العمليات مستمرة حتى القضاء على الخلايا»، قال مظلوم عبدي.",
        published_on=PUB,
        language="en",
        known=[KnownName(9, "Mazloum Abdi", ("مظلوم عبدي",), "person")],
    )
    (q,) = x.quotes
    assert q.language == "ar"
    speaker = x.entity(q.speaker_key)
    assert speaker is not None and speaker.matched_person_id == 9


def test_quotes_in_the_source_language_otherwise() -> None:
    x = extract("“We will stay,” Omar Khalil said.", published_on=PUB, language="en")
    assert x.quotes[0].language == "en"


def test_stop_ends_the_extraction_at_the_next_stage() -> None:
    text = "“We will stay,” Omar Khalil said on Tuesday in Deir ez-Zor. " * 200
    asked: list[int] = []

    def stop_at_third() -> bool:
        asked.append(1)
        return len(asked) >= 3

    with pytest.raises(ExtractionCancelledError):
        extract(text, published_on=PUB, stop=stop_at_third)
    assert len(asked) == 3  # the later stages never ran
    whole: list[int] = []
    assert extract(text, published_on=PUB, stop=lambda: bool(whole.append(1))).quotes
    assert len(whole) > 3  # asked between every stage of an extraction that runs to its end
