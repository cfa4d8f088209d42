from __future__ import annotations

import datetime as dt

import pytest

from models.dates import PartialDate
from models.entities import QuoteStatus
from services.container import Services
from services.errors import ConflictError, NotFoundError, ValidationError
from tests.conftest import select_statements

TEXT = "Ali said “we will rebuild the bridge” and then: “no comment.” علي: «سنعيد بناء الجسر»"


@pytest.fixture
def src(services: Services) -> tuple[int, int]:
    case = services.cases.create("Bridge").id
    return case, services.sources.add(case, title="Notes", text=TEXT, language="en").id


def _span(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


def test_create_from_span_checks_text(services: Services, src: tuple[int, int]) -> None:
    case, sid = src
    start, end = _span("we will rebuild the bridge")
    q = services.quotes.create(sid, start, end, text="we will rebuild the bridge")
    assert (q.start, q.end, q.text) == (start, end, "we will rebuild the bridge")
    assert q.status is QuoteStatus.UNVERIFIED and q.language == "en"
    assert q.case_id == case and q.source_title == "Notes"
    # Arabic spans are plain code-point offsets too.
    a, b = _span("سنعيد بناء الجسر")
    assert services.quotes.create(sid, a, b, language="ar").text == "سنعيد بناء الجسر"


@pytest.mark.parametrize(
    ("start", "end", "text", "message"),
    [
        (-1, 5, None, "outside the source's text"),
        (0, len(TEXT) + 1, None, "outside the source's text"),
        (5, 5, None, "select no text"),
        (9, 3, None, "select no text"),
        (3, 4, None, "only blank space"),
        (0, 3, "Bob", "is 'Ali', not 'Bob'"),
    ],
)
def test_bad_spans_are_refused(
    services: Services, src: tuple[int, int], start: int, end: int, text: str | None, message: str
) -> None:
    case, sid = src
    with pytest.raises(ValidationError, match=message):
        services.quotes.create(sid, start, end, text=text)
    assert services.quotes.count(case) == 0


def test_speaker_must_belong_to_the_case(services: Services, src: tuple[int, int]) -> None:
    _, sid = src
    other = services.cases.create("Other").id
    stranger = services.people.create(other, "Stranger")
    with pytest.raises(ValidationError, match="another case"):
        services.quotes.create(sid, 0, 3, speaker_id=stranger.id)
    with pytest.raises(NotFoundError, match="no person with id 999"):
        services.quotes.create(sid, 0, 3, speaker_id=999)


def test_status_change_stamps_checked_at(services: Services, src: tuple[int, int]) -> None:
    _, sid = src
    q = services.quotes.create(sid, *_span("no comment."))
    assert q.checked_at is None
    before = dt.datetime.now(dt.UTC)
    v = services.quotes.update(q.id, status="verified", checked_by="Desk")
    assert v.status is QuoteStatus.VERIFIED and v.checked_by == "Desk"
    assert v.checked_at is not None and v.checked_at >= before - dt.timedelta(seconds=1)
    given = dt.datetime(2021, 2, 5, 12, 0, tzinfo=dt.UTC)
    d = services.quotes.update(q.id, status="disputed", checked_at=given)
    assert d.checked_at == given
    with pytest.raises(ValidationError, match="unknown quote status"):
        services.quotes.update(q.id, status="probably")
    with pytest.raises(ValidationError, match="cannot set text"):
        services.quotes.update(q.id, text="edited")


def test_said_date_keeps_its_precision(services: Services, src: tuple[int, int]) -> None:
    _, sid = src
    said = PartialDate.parse("late 2021-01")
    q = services.quotes.create(sid, *_span("no comment."), said=said)
    assert services.quotes.get(q.id).said == said
    cleared = services.quotes.update(q.id, said=None)
    assert cleared.said is None


def test_stale_update_is_a_conflict(services: Services, src: tuple[int, int]) -> None:
    _, sid = src
    q = services.quotes.create(sid, *_span("no comment."))
    services.quotes.update(q.id, expected_version=q.version, note="first")
    with pytest.raises(ConflictError) as err:
        services.quotes.update(q.id, expected_version=q.version, note="second")
    assert err.value.theirs.note == "first"
    assert err.value.mine == {"note": "second"}


def test_move_span_and_tags(services: Services, src: tuple[int, int]) -> None:
    case, sid = src
    q = services.quotes.create(sid, *_span("we will rebuild"), tags=["bridge", "Bridge", "pledge"])
    assert q.tags == ("bridge", "pledge")
    moved = services.quotes.move_span(q.id, *_span("we will rebuild the bridge"))
    assert moved.text == "we will rebuild the bridge"
    with pytest.raises(ValidationError):
        services.quotes.move_span(q.id, 0, len(TEXT) + 5)
    tagged = services.quotes.set_tags(q.id, ["pledge", "infrastructure"])
    assert tagged.tags == ("infrastructure", "pledge")
    assert dict(services.tags.list(case)) == {"bridge": 0, "infrastructure": 1, "pledge": 1}


def test_delete_and_restore_snapshot(services: Services, src: tuple[int, int]) -> None:
    case, sid = src
    ali = services.people.create(case, "Ali")
    q = services.quotes.create(
        sid,
        *_span("no comment."),
        speaker_id=ali.id,
        status="verified",
        tags=["refusal"],
        said=PartialDate.day(2021, 2, 1),
    )
    ev = services.events.create(case, "Press conference", quote_ids=[q.id])
    snap = services.quotes.delete(q.id)
    with pytest.raises(NotFoundError):
        services.quotes.get(q.id)
    assert services.events.get(ev.id).quote_ids == ()
    back = services.quotes.restore(snap)
    assert back.id == q.id
    assert (back.text, back.speaker_name, back.status, back.said, back.tags) == (
        q.text,
        "Ali",
        QuoteStatus.VERIFIED,
        q.said,
        ("refusal",),
    )
    assert services.events.get(ev.id).quote_ids == (q.id,)


def test_list_filters_count_ids_and_page(services: Services, src: tuple[int, int]) -> None:
    case, sid = src
    ali = services.people.create(case, "Ali")
    a = services.quotes.create(sid, *_span("no comment."), speaker_id=ali.id, status="verified")
    b = services.quotes.create(sid, *_span("we will rebuild the bridge"), speaker_id=ali.id)
    c = services.quotes.create(sid, *_span("سنعيد بناء الجسر"))
    assert [q.id for q in services.quotes.list(case)] == [b.id, a.id, c.id]  # text order
    assert [q.id for q in services.quotes.list(case, speaker_id=ali.id)] == [b.id, a.id]
    assert [q.id for q in services.quotes.list(case, status=QuoteStatus.VERIFIED)] == [a.id]
    assert services.quotes.count(case, speaker_id=ali.id) == 2
    assert services.quotes.ids(case) == [b.id, a.id, c.id]
    page = services.quotes.page(case, 1, 5)
    assert page.total == 3 and [q.id for q in page.items] == [a.id, c.id]
    with pytest.raises(NotFoundError):
        services.quotes.list(999)


def test_offsets_and_text_always_agree(sqlite_services: Services) -> None:
    """Any span of any text (CRLF, combining marks, emoji, Arabic) gives a quote whose text is
    exactly the stored text at its offsets, or a clear refusal that stores nothing; revising the
    source never moves an existing quote."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    svc = sqlite_services
    case = svc.cases.create("Spans").id
    alphabet = st.sampled_from(
        list("ab \n\r\t.«»“”") + ["é", "e\u0301", "👍🏽", "ع", "ـ", "\u200f"]
    )

    @settings(
        max_examples=40,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(alphabet, min_size=1, max_size=40).map("".join), st.data())
    def check(raw: str, data: st.DataObject) -> None:
        src = svc.sources.add(case, title="t", text=raw)
        text = svc.sources.get_text(src.id)
        start = data.draw(st.integers(-2, len(text) + 2))
        end = data.draw(st.integers(-2, len(text) + 2))
        before = svc.quotes.count(case)
        try:
            q = svc.quotes.create(src.id, start, end)
        except ValidationError as exc:
            assert str(exc)
            assert svc.quotes.count(case) == before
            svc.sources.delete(src.id)
            return
        assert (q.start, q.end) == (start, end)
        assert q.text == text[start:end] == svc.sources.get_text(src.id)[q.start : q.end]
        revised = svc.sources.revise(src.id, "corrected " + raw)
        assert revised.id != src.id
        again = svc.quotes.get(q.id)
        assert svc.sources.get_text(again.source_id)[again.start : again.end] == again.text
        assert svc.sources.get_text(src.id) == text

    check()


def test_list_reads_a_page_in_three_statements(services: Services) -> None:
    """A page of quotes costs the same few statements whatever its sources and speakers hold.

    A list row needs its source's title and confidentiality and its speaker's name: the sources'
    texts and tags and the speakers' aliases, affiliations and tags stay in the store.
    """
    case = services.cases.create("Many").id
    secret = services.sources.add(case, title="Leak", text="xy " * 50_000)
    services.sources.update(secret.id, confidentiality="confidential")
    public = services.sources.add(case, title="Paper", text=TEXT).id
    abdi = services.people.create(case, "Mazloum Abdi", aliases=["Mazloum Kobani"])
    sdf = services.people.create(case, "SDF", kind="organisation")
    services.people.add_affiliation(abdi.id, sdf.id, role="commander")
    services.tags.add("source", secret.id, "leak")
    services.tags.add("person", abdi.id, "sdf")
    for sid in (secret.id, public):
        for i in range(5):
            services.quotes.create(sid, 3 * i, 3 * i + 2, speaker_id=abdi.id, tags=["t"])
    with select_statements(services) as seen:
        rows = services.quotes.list(case)
    statements = [sql for sql, _ in seen]
    # The case, the quotes with their sources and speakers, the quotes' tags.
    assert len(statements) == 3, statements
    assert all("aliases" not in s and "affiliations" not in s for s in statements)
    assert not any("sources.text" in s for s in statements)
    assert {(q.source_title, q.source_confidential) for q in rows} == {
        ("Leak", True),
        ("Paper", False),
    }
    assert {(q.speaker_name, q.speaker_confidential, q.tags) for q in rows} == {
        ("Mazloum Abdi", False, ("t",))
    }
