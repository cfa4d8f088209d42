from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from models.entities import Confidentiality, SourceKind
from services.container import Services
from services.errors import (
    ConflictError,
    DuplicateError,
    InUseError,
    NotFoundError,
    ValidationError,
)
from services.sources import NewFile, QuoteDisposition
from tests.conftest import select_statements

TEXT = "The minister said: “no deal was signed.”\r\nHe left at noon.\r\n"


def _case(svc: Services, title: str = "Port deal") -> int:
    return svc.cases.create(title).id


def test_add_with_file_keeps_bytes_hash_and_normalised_text(services: Services) -> None:
    case = _case(services)
    raw = TEXT.encode("utf-8")
    src = services.sources.add(
        case,
        title="Minutes",
        text=TEXT,
        kind=SourceKind.PLAIN_TEXT,
        file=NewFile(raw, "minutes.txt", "text/plain"),
        author="Clerk",
        url="https://example.org/minutes",
        published_on=dt.date(2021, 2, 4),
        reliability="B",
        credibility="2",
        language="en",
    )
    assert src.sha256 == hashlib.sha256(raw).hexdigest()
    assert (src.size, src.media_type, src.file_name) == (len(raw), "text/plain", "minutes.txt")
    assert src.grade == "B2" and not src.confidential
    text = services.sources.get_text(src.id)
    assert "\r" not in text and text.endswith("He left at noon.\n")
    assert src.text_length == len(text)
    assert services.sources.get_file(src.id) == ("minutes.txt", "text/plain", raw)
    assert [s.id for s in services.sources.list(case)] == [src.id]
    assert services.sources.count(case) == 1


def test_same_bytes_twice_in_a_case_is_a_duplicate(services: Services) -> None:
    case, other = _case(services), _case(services, "Other story")
    f = NewFile(b"same bytes", "a.txt", "text/plain")
    first = services.sources.add(case, title="A", text="same bytes", file=f)
    with pytest.raises(DuplicateError) as err:
        services.sources.add(case, title="B", text="same bytes", file=f)
    assert err.value.existing_id == first.id
    # Another case may hold the same file; the bytes are stored once.
    again = services.sources.add(other, title="A", text="same bytes", file=f)
    assert again.sha256 == first.sha256
    assert services.sources.find_file(case, f.sha256) == (first.id, [other])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"title": "  "}, "needs a title"),
        ({"url": "javascript:alert(1)"}, "not a web address"),
        ({"url": "notaurl"}, "not a web address"),
        ({"reliability": "G"}, "A to F"),
        ({"credibility": "7"}, "1 to 6"),
        ({"kind": "video"}, "unknown source kind"),
        ({"confidentiality": "secret"}, "unknown confidentiality"),
        ({"text": "x"}, "cannot set text"),
    ],
)
def test_bad_metadata_is_refused(services: Services, values: dict, message: str) -> None:
    case = _case(services)
    src = services.sources.add(case, title="Minutes", text=TEXT)
    with pytest.raises(ValidationError, match=message):
        services.sources.update(src.id, **values)
    assert services.sources.get(src.id).version == src.version


def test_update_metadata_and_conflict(services: Services) -> None:
    case = _case(services)
    src = services.sources.add(case, title="Minutes", text=TEXT)
    new = services.sources.update(
        src.id,
        expected_version=src.version,
        confidentiality=Confidentiality.CONFIDENTIAL,
        descriptor="A port official",
        reliability="",
    )
    assert new.confidential and new.public_label == "A port official"
    assert new.reliability is None and new.version == src.version + 1
    with pytest.raises(ConflictError):
        services.sources.update(src.id, expected_version=src.version, title="Stale")
    assert services.sources.get(src.id).title == "Minutes"


def test_revise_without_quotes_replaces_text(services: Services) -> None:
    case = _case(services)
    src = services.sources.add(case, title="Minutes", text="Frist draft.")
    fixed = services.sources.revise(src.id, "First draft.")
    assert fixed.id == src.id and fixed.revision == 1
    assert services.sources.get_text(src.id) == "First draft."


def test_revise_with_quotes_makes_a_new_revision(services: Services) -> None:
    case = _case(services)
    src = services.sources.add(
        case, title="Minutes", text=TEXT, file=NewFile(b"orig", "m.txt", "text/plain")
    )
    text = services.sources.get_text(src.id)
    start = text.index("no deal")
    q = services.quotes.create(src.id, start, start + len("no deal was signed."))
    rev = services.sources.revise(src.id, text.replace("noon", "one o'clock"), note="typo")
    assert rev.id != src.id
    assert (rev.revision, rev.revision_of_id) == (2, src.id)
    assert rev.sha256 == src.sha256 and rev.title == src.title
    # The old text and its quote are untouched.
    assert services.sources.get_text(src.id) == text
    assert services.quotes.get(q.id).source_id == src.id
    assert "one o'clock" in services.sources.get_text(rev.id)


def test_delete_with_quotes_needs_a_disposition(services: Services) -> None:
    case = _case(services)
    src = services.sources.add(
        case, title="Minutes", text=TEXT, file=NewFile(b"orig", "m.txt", "text/plain")
    )
    text = services.sources.get_text(src.id)
    start = text.index("He left")
    q = services.quotes.create(src.id, start, start + 7)
    with pytest.raises(InUseError) as err:
        services.sources.delete(src.id)
    assert err.value.count == 1
    assert services.quotes.get(q.id).text == "He left"

    services.sources.delete(src.id, QuoteDisposition.DELETE)
    with pytest.raises(NotFoundError):
        services.quotes.get(q.id)
    with pytest.raises(NotFoundError):
        services.sources.get(src.id)
    # The original bytes went with their last source: the same file can be added again.
    again = services.sources.add(
        case, title="Minutes", text=TEXT, file=NewFile(b"orig", "m.txt", "text/plain")
    )
    assert again.sha256 == hashlib.sha256(b"orig").hexdigest()


def test_delete_moving_quotes_to_the_new_revision(services: Services) -> None:
    case = _case(services)
    src = services.sources.add(case, title="Minutes", text="Intro. He left at noon.")
    q = services.quotes.create(src.id, 7, 14, text="He left")
    rev = services.sources.revise(src.id, "A longer intro. He left at noon, then came back.")
    services.sources.delete(src.id, QuoteDisposition.MOVE, move_to=rev.id)
    moved = services.quotes.get(q.id)
    assert (moved.source_id, moved.start, moved.end, moved.text) == (rev.id, 16, 23, "He left")
    assert services.sources.get(rev.id).revision_of_id is None
    assert [s.id for s in services.sources.list(case)] == [rev.id]


def test_move_refused_when_a_quote_is_not_in_the_target(services: Services) -> None:
    case = _case(services)
    src = services.sources.add(case, title="Minutes", text="He left at noon.")
    services.quotes.create(src.id, 0, 7)
    other = services.sources.add(case, title="Other", text="Nothing like it.")
    with pytest.raises(ValidationError, match="is not in source"):
        services.sources.delete(src.id, QuoteDisposition.MOVE, move_to=other.id)
    with pytest.raises(ValidationError, match="which source"):
        services.sources.delete(src.id, QuoteDisposition.MOVE)
    assert services.quotes.count(case, source_id=src.id) == 1


def test_attachment_blocks_deleting_its_email(services: Services) -> None:
    case = _case(services)
    mail = services.sources.add(case, title="Mail", text="See attached.", kind="email")
    att = services.sources.add(case, title="Attachment", text="Contract.", parent_id=mail.id)
    assert att.parent_id == mail.id
    with pytest.raises(InUseError, match="attachments"):
        services.sources.delete(mail.id)
    services.sources.delete(att.id)
    services.sources.delete(mail.id)
    assert services.sources.count(case) == 0


def test_unknown_case_and_source(services: Services) -> None:
    with pytest.raises(NotFoundError, match="no case with id 99"):
        services.sources.add(99, title="x", text="y")
    with pytest.raises(NotFoundError, match="no source with id 99"):
        services.sources.get(99)
    with pytest.raises(NotFoundError, match="no source with id 99"):
        services.sources.get_text(99)


def test_list_filters_by_person_and_event(services: Services) -> None:
    case = _case(services)
    a = services.sources.add(case, title="A", text="Alice spoke.")
    b = services.sources.add(case, title="B", text="Bob spoke.")
    alice = services.people.create(case, "Alice")
    services.quotes.create(a.id, 0, 11, speaker_id=alice.id)
    ev = services.events.create(case, "Meeting", source_ids=[b.id])
    assert [s.id for s in services.sources.list(case, person_id=alice.id)] == [a.id]
    assert [s.id for s in services.sources.list(case, event_id=ev.id)] == [b.id]
    page = services.sources.page(case, 1, 1)
    assert page.total == 2 and [s.id for s in page.items] == [b.id]


def test_the_sources_pane_reads_its_rows_in_one_statement(services: Services) -> None:
    """Titles, kinds, publishers, dates, grades and confidentiality of the sources of the list,
    with its filters, order and pages, without their files, texts or tags."""
    case = _case(services)
    src = [
        services.sources.add(
            case,
            title=f"S{i}",
            text=f"Words number {i}.",
            kind="pdf" if i % 2 else "web_page",
            publisher=f"Desk {i}",
            reliability="B" if i % 3 == 0 else None,
            credibility="2" if i % 3 == 0 else None,
            confidentiality="confidential" if i == 4 else "on_record",
        )
        for i in range(7)
    ]
    ali = services.people.create(case, "Ali")
    services.quotes.create(src[2].id, 0, 5, speaker_id=ali.id)
    services.tags.add("source", src[1].id, "leak")
    ev = services.events.create(case, "Talks", source_ids=[src[3].id, src[5].id])

    def row(x: Any) -> tuple[Any, ...]:
        return (x.id, x.kind, x.title, x.publisher, x.published_on, x.grade, x.confidential)

    for filters, reads in (({}, 2), ({"event_id": ev.id}, 2), ({"person_id": ali.id}, 3)):
        with select_statements(services) as seen:
            rows = services.lists.sources(case, **filters)
        assert len(seen) == reads  # the case, (how often the person is quoted,) the rows
        assert not any("source_files" in sql or "tags" in sql for sql, _ in seen)
        assert [row(r) for r in rows] == [row(x) for x in services.sources.list(case, **filters)]
    rows = services.lists.sources(case)
    assert [r.grade for r in rows] == ["B2", "", "", "B2", "", "", "B2"]
    assert [r.confidential for r in rows] == [i == 4 for i in range(7)]
    assert [r.id for r in services.lists.sources(case, offset=2, limit=3)] == [
        x.id for x in src[2:5]
    ]


@pytest.mark.parametrize("many", [1000, 2])
def test_a_persons_sources_are_those_quoting_mentioning_or_linked_to_them(
    services: Services, monkeypatch: pytest.MonkeyPatch, many: int
) -> None:
    """The same sources, in the same order and pages, whether the person is quoted rarely
    (their sources' ids first) or often (the case's sources walked, MANY_QUOTES lowered)."""
    monkeypatch.setattr("services.lists.MANY_QUOTES", many)
    case = _case(services)
    src = [services.sources.add(case, title=f"S{i}", text=f"Words number {i}.") for i in range(9)]
    ali, other = services.people.create(case, "Ali"), services.people.create(case, "Other")
    for i in (1, 4, 4, 7):  # quoted twice in S4
        services.quotes.create(src[i].id, 0, 5, speaker_id=ali.id)
    services.quotes.create(src[2].id, 0, 5, speaker_id=other.id)
    services.sources.link_person(src[5].id, ali.id)  # mentions him
    services.events.create(case, "Talks", source_ids=[src[0].id], person_ids=[ali.id])
    services.events.create(case, "Other talks", source_ids=[src[3].id], person_ids=[other.id])
    theirs = [src[i].id for i in (0, 1, 4, 5, 7)]
    assert [s.id for s in services.sources.list(case, person_id=ali.id)] == theirs
    assert [s.id for s in services.sources.list(case, person_id=ali.id, limit=2)] == theirs[:2]
    assert [
        s.id for s in services.sources.list(case, person_id=ali.id, offset=2, limit=2)
    ] == theirs[2:4]
    assert [s.id for s in services.sources.list(case, person_id=other.id)] == [
        src[2].id,
        src[3].id,
    ]
