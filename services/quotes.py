"""Quotes: created from a span of a source's text, checked, edited, deleted and restored."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models.dates import PartialDate
from models.entities import (
    Event,
    Person,
    Quote,
    QuoteStatus,
    Source,
    event_quotes,
    quote_tags,
)
from services.base import Service, check_list, check_version, get_or_raise
from services.dto import Page, QuoteDTO
from services.errors import ValidationError
from services.lists import QUOTE_ORDER, quote_filters, read_quotes, reading

EDITABLE_FIELDS = frozenset(
    {
        "speaker_id",
        "said",
        "status",
        "checked_by",
        "checked_at",
        "note",
        "language",
        "translation",
        "translation_language",
        "translator",
    }
)


def check_span(text: str, start: int, end: int, expected: str | None) -> str:
    """The text at ``start``..``end``, after checking the offsets and the expected text agree.

    Raises:
        ValidationError: offsets outside the text, an empty span, or a text that differs.
    """
    if start < 0 or end > len(text) or start >= end:
        raise ValidationError(
            f"offsets {start}..{end} are outside the source's text (0..{len(text)})"
            if start < 0 or end > len(text)
            else f"offsets {start}..{end} select no text"
        )
    actual = text[start:end]
    if expected is not None and expected != actual:
        raise ValidationError(
            f"the text at {start}..{end} is {_clip(actual)!r}, not {_clip(expected)!r}"
        )
    if not actual.strip():
        raise ValidationError(f"offsets {start}..{end} select only blank space")
    return actual


def _clip(s: str, n: int = 60) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


class QuoteService(Service):
    """Use cases on quotes."""

    # --- Creating

    def create(
        self,
        source_id: int,
        start: int,
        end: int,
        *,
        text: str | None = None,
        speaker_id: int | None = None,
        said: PartialDate | None = None,
        status: QuoteStatus | str = QuoteStatus.UNVERIFIED,
        note: str = "",
        language: str | None = None,
        tags: Sequence[str] = (),
        session: Session | None = None,
    ) -> QuoteDTO:
        """Create a quote from the span ``start``..``end`` of a source's text.

        ``text``, if given, must be exactly the source's text at that span.
        """
        if session is not None:
            return self._create(
                session, source_id, start, end, text, speaker_id, said, status, note, language, tags
            )
        with self._tx() as s:
            return self._create(
                s, source_id, start, end, text, speaker_id, said, status, note, language, tags
            )

    def _create(
        self,
        s: Session,
        source_id: int,
        start: int,
        end: int,
        text: str | None,
        speaker_id: int | None,
        said: PartialDate | None,
        status: QuoteStatus | str,
        note: str,
        language: str | None,
        tags: Sequence[str],
    ) -> QuoteDTO:
        src = get_or_raise(s, Source, source_id)
        span = check_span(src.text, start, end, text)
        if speaker_id is not None:
            self._check_speaker(s, speaker_id, src.case_id)
        q = Quote(
            case_id=src.case_id,
            source_id=source_id,
            start_offset=start,
            end_offset=end,
            text=span,
            speaker_id=speaker_id,
            status=_status(status),
            note=note,
            language=src.language if language is None else language,
        )
        _set_said(q, said)
        s.add(q)
        s.flush()
        if tags:
            _set_tags(s, q, src.case_id, tags)
        s.flush()
        s.refresh(q)
        return QuoteDTO.of(q)

    @staticmethod
    def _check_speaker(s: Session, speaker_id: int, case_id: int) -> None:
        speaker = get_or_raise(s, Person, speaker_id)
        if speaker.case_id != case_id:
            raise ValidationError(f"{speaker.name} belongs to another case")

    # --- Reading

    def get(self, quote_id: int) -> QuoteDTO:
        """One quote."""
        with self._read() as s:
            return QuoteDTO.of(get_or_raise(s, Quote, quote_id))

    list = reading(read_quotes)

    def count(
        self,
        case_id: int | None = None,
        *,
        speaker_id: int | None = None,
        source_id: int | None = None,
        event_id: int | None = None,
        status: QuoteStatus | None = None,
    ) -> int:
        """How many quotes match the same filters as :meth:`list`."""
        with self._read() as s:
            sub = (
                select(Quote.id)
                .where(*quote_filters(case_id, speaker_id, source_id, event_id, status))
                .subquery()
            )
            return s.scalar(select(func.count()).select_from(sub)) or 0

    def ids(self, case_id: int, **filters: Any) -> builtins.list[int]:
        """Ids of matching quotes in list order (cheap: for lazily fetched views)."""
        with self._read() as s:
            q = select(Quote.id).where(
                *quote_filters(
                    case_id,
                    filters.get("speaker_id"),
                    filters.get("source_id"),
                    filters.get("event_id"),
                    filters.get("status"),
                )
            )
            return list(s.scalars(q.order_by(*QUOTE_ORDER)))

    def page(self, case_id: int, offset: int, limit: int, **filters: Any) -> Page:
        """A window of the case's quotes and the total count."""
        return Page(
            tuple(self.list(case_id, offset=offset, limit=limit, **filters)),
            self.count(case_id, **filters),
            offset,
        )

    # --- Editing

    def update(
        self, quote_id: int, *, expected_version: int | None = None, **values: Any
    ) -> QuoteDTO:
        """Change a quote's speaker, date, status, note, language or translation.

        Setting ``status`` to verified/disputed/retracted stamps ``checked_at`` unless given.
        """
        unknown = set(values) - EDITABLE_FIELDS
        if unknown:
            raise ValidationError(f"cannot set {', '.join(sorted(unknown))} on a quote")
        with self._tx() as s:
            q = get_or_raise(s, Quote, quote_id)
            check_version(q, expected_version, theirs=QuoteDTO.of(q), mine=values)
            # Checked before any change, so that the row is written once (one version step).
            if values.get("speaker_id") is not None:
                self._check_speaker(s, values["speaker_id"], q.case_id)
            for key, value in values.items():
                if key == "said":
                    _set_said(q, value)
                elif key == "status":
                    q.status = _status(value)
                    if q.status is not QuoteStatus.UNVERIFIED and "checked_at" not in values:
                        q.checked_at = dt.datetime.now(dt.UTC)
                elif key == "speaker_id":
                    q.speaker_id = value
                else:
                    setattr(q, key, value)
            s.flush()
            s.refresh(q)
            return QuoteDTO.of(q)

    def move_span(
        self, quote_id: int, start: int, end: int, *, expected_version: int | None = None
    ) -> QuoteDTO:
        """Move a quote to another span of the same source."""
        with self._tx() as s:
            q = get_or_raise(s, Quote, quote_id)
            check_version(q, expected_version, theirs=QuoteDTO.of(q))
            q.text = check_span(q.source.text, start, end, None)
            q.start_offset, q.end_offset = start, end
            s.flush()
            return QuoteDTO.of(q)

    def set_tags(
        self, quote_id: int, names: Sequence[str], expected: Sequence[str] | None = None
    ) -> QuoteDTO:
        """Replace a quote's tags (creating tags that do not exist yet).

        Refused with ``ConflictError`` if the tags are no longer ``expected`` (a colleague's).
        """
        with self._tx() as s:
            q = get_or_raise(s, Quote, quote_id)
            check_list("tags of this quote", [t.name for t in q.tags], expected, list(names))
            _set_tags(s, q, q.case_id, names)
            s.flush()
            return QuoteDTO.of(q)

    def delete(self, quote_id: int) -> dict[str, Any]:
        """Delete a quote; returns a snapshot that :meth:`restore` puts back (for undo)."""
        with self._tx() as s:
            q = get_or_raise(s, Quote, quote_id)
            snap = self._snapshot(s, q)
            s.delete(q)
            return snap

    def restore(self, snapshot: dict[str, Any]) -> QuoteDTO:
        """Put back a deleted quote with its id, links and tags."""
        with self._tx() as s:
            row = dict(snapshot["row"])
            q = Quote(**row)
            s.add(q)
            s.flush()
            if snapshot["tags"]:
                _set_tags(s, q, q.case_id, snapshot["tags"])
            for event_id in snapshot["events"]:
                if s.get(Event, event_id) is not None:
                    s.execute(event_quotes.insert().values(event_id=event_id, quote_id=q.id))
            s.flush()
            s.refresh(q)
            return QuoteDTO.of(q)

    @staticmethod
    def _snapshot(s: Session, q: Quote) -> dict[str, Any]:
        cols = [c.key for c in Quote.__table__.columns if c.key != "version"]
        return {
            "row": {c: getattr(q, c) for c in cols},
            "tags": [t.name for t in q.tags],
            "events": list(
                s.scalars(select(event_quotes.c.event_id).where(event_quotes.c.quote_id == q.id))
            ),
        }


def _status(value: QuoteStatus | str) -> QuoteStatus:
    try:
        return QuoteStatus(value)
    except ValueError:
        names = ", ".join(s.value for s in QuoteStatus)
        raise ValidationError(f"unknown quote status {value!r} ({names})") from None


def _set_said(q: Quote, said: PartialDate | None) -> None:
    if said is None:
        q.said_start = q.said_end = None
        q.said_precision = None
    else:
        q.said_start, q.said_end, q.said_precision = said.start, said.end, said.precision


def _set_tags(s: Session, q: Quote, case_id: int, names: Sequence[str]) -> None:
    from services.tags import get_or_create_tags

    tags = get_or_create_tags(s, case_id, names)
    s.execute(delete(quote_tags).where(quote_tags.c.quote_id == q.id))
    for t in tags:
        s.execute(quote_tags.insert().values(quote_id=q.id, tag_id=t.id))
    s.expire(q, ["tags"])
