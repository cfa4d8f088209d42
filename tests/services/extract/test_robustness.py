"""Whatever the text, proposals are consistent: spans inside the text, keys that resolve."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from services.extract.engine import extract
from services.extract.model import Extraction

_PIECES = st.sampled_from(
    [
        "“",
        "”",
        '"',
        "‘",
        "’",
        "'",
        "«",
        "»",
        "\n",
        " said ",
        " told VOA",
        ", a press officer with the ",
        "Syrian Democratic Forces (SDF)",
        "Mazloum Abdi",
        " he said",
        "قال",
        " مظلوم عبدي ",
        "، ",
        "We will win",
        ".",
        ",",
        " last week",
        " in late January",
        " Deir el-Zour",
        " so-called ",
        "Kinno",
        " according to ",
        "(",
        ")",
    ]
)


def _check(text: str, x: Extraction) -> None:
    keys = {e.key for e in x.entities}
    assert len(keys) == len(x.entities)
    for q in x.quotes:
        assert 0 <= q.start < q.end <= len(text)
        assert text[q.start : q.end] == q.text
        assert not q.text[-1].isspace() and not q.text.endswith(",")
        assert q.speaker_key is None or q.speaker_key in keys
        if q.speaker_span is not None:
            assert 0 <= q.speaker_span[0] < q.speaker_span[1] <= len(text)
    for e in x.entities:
        assert e.affiliation_key is None or e.affiliation_key in keys
        for a, b in e.spans:
            assert 0 <= a < b <= len(text)
    place_keys = {p.key for p in x.places}
    quote_keys = {q.key for q in x.quotes}
    for ev in x.events:
        assert ev.place_key is None or ev.place_key in place_keys
        assert set(ev.people_keys) <= keys
        assert set(ev.quote_keys) <= quote_keys
        assert ev.sentence_span[0] <= ev.date_span[0] < ev.date_span[1] <= ev.sentence_span[1]


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_proposals_are_consistent_on_any_mix(text: str) -> None:
    _check(text, extract(text, published_on=dt.date(2021, 2, 4)))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_text_at_all(text: str) -> None:
    _check(text, extract(text))


def test_empty_text() -> None:
    x = extract("", source_id=3)
    assert x.source_id == 3 and not x.quotes and not x.entities
