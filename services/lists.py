"""What the panes list, read with SQLAlchemy Core over the tables of :mod:`models.schema`.

A window's start reads its first pages here: cases, sources, quotes, people, events and saved
searches. Nothing in this module imports the ORM, which the window imports after its first
paint (the ORM's import, the mapped classes and their mappers are about a quarter of a start).

The filters are functions of the tables' columns, so that the ORM services' lists filter and
order the same way (``select(Event).where(*event_filters(...))``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, exists, func, or_, select, union

from models.dates import PartialDate, Precision
from models.schema import (
    Confidentiality,
    PersonKind,
    QuoteStatus,
    SourceKind,
    aliases,
    cases,
    event_people,
    event_quotes,
    event_sources,
    events,
    people,
    places,
    quote_tags,
    quotes,
    saved_searches,
    source_people,
    sources,
    tags,
)
from services.dto import CaseDTO, EventRowDTO, PersonRowDTO, QuoteDTO, SourceRowDTO
from services.errors import NotFoundError
from services.search.dto import SavedSearchDTO

P = ParamSpec("P")
R = TypeVar("R")

# Ids per IN list where a read may name thousands of rows (every event of a case in a brief,
# 20,000 people for the completers): SQLite takes at most 32,766 values in one statement
# (PostgreSQL 65,535). SQLAlchemy's own selectin loads use 500.
ID_CHUNK = 500

# A person's Sources pane: below this many quotes of theirs in the case, their sources' ids are
# read first; above it, the case's sources are walked in order (see source_filters).
MANY_QUOTES = 1000

CASE_ORDER = (cases.c.updated_at.desc(), cases.c.id.desc())
SOURCE_ORDER = (sources.c.id,)
QUOTE_ORDER = (quotes.c.source_id, quotes.c.start_offset, quotes.c.id)
PEOPLE_ORDER = (func.lower(people.c.name), people.c.id)
EVENT_ORDER = (events.c.date_start.is_(None), events.c.date_start, events.c.id)


class Reader(Protocol):
    """A Core connection or an ORM session: what the readers below execute on."""

    def execute(self, statement: Any, /) -> Any:
        """Run a statement."""

    def scalar(self, statement: Any, /) -> Any:
        """Run a statement; its first column of its first row."""


def require_case(conn: Reader, case_id: int) -> None:
    """Raise NotFoundError unless the case exists."""
    if conn.scalar(select(cases.c.id).where(cases.c.id == case_id)) is None:
        raise NotFoundError(f"no case with id {case_id}")


# --- Filters


def source_filters(
    conn: Reader, case_id: int, person_id: int | None = None, event_id: int | None = None
) -> list[ColumnElement[bool]]:
    """A case's sources, or those of a person or an event."""
    found = [sources.c.case_id == case_id]
    if person_id is not None:
        found.append(_sources_of_person(conn, case_id, person_id))
    if event_id is not None:
        found.append(
            sources.c.id.in_(
                select(event_sources.c.source_id).where(event_sources.c.event_id == event_id)
            )
        )
    return found


def _sources_of_person(conn: Reader, case_id: int, person_id: int) -> ColumnElement[bool]:
    """Sources a person is quoted in, mentioned by, or linked to through their events.

    With the case, the (case, speaker, source, ...) index answers the quotes from itself. A
    person quoted a few times: the ids of their sources, then those sources (8 ms on the big
    case; a walk of its 100,000 sources in order, probing three id lists, took 50 ms). A
    person quoted often: the case's sources in order, each probed in that index, stopping
    at the page's end (17 ms for 83,768 quotes, where their id lists took 45-60 ms). A
    first read of at most MANY_QUOTES index entries tells which.
    """
    quoted = select(quotes.c.source_id).where(
        quotes.c.case_id == case_id, quotes.c.speaker_id == person_id
    )
    mentioned = select(source_people.c.source_id).where(source_people.c.person_id == person_id)
    linked = (
        select(event_sources.c.source_id)
        .join(event_people, event_people.c.event_id == event_sources.c.event_id)
        .where(event_people.c.person_id == person_id)
    )
    many = conn.scalar(select(func.count()).select_from(quoted.limit(MANY_QUOTES).subquery()))
    if (many or 0) < MANY_QUOTES:
        return sources.c.id.in_(union(quoted, mentioned, linked))
    return or_(
        exists(quoted.where(quotes.c.source_id == sources.c.id)),
        sources.c.id.in_(mentioned),
        sources.c.id.in_(linked),
    )


def quote_filters(
    case_id: int | None,
    speaker_id: int | None = None,
    source_id: int | None = None,
    event_id: int | None = None,
    status: QuoteStatus | None = None,
    ids: Sequence[int] | None = None,
) -> list[ColumnElement[bool]]:
    """Quotes of a case (or of every case), optionally narrowed."""
    found: list[ColumnElement[bool]] = []
    if case_id is not None:
        # For an event's few quotes, or given ids, the case's index would have SQLite walk
        # every quote of the case in list order, checking each (0.2 s at 1,000,000); with
        # "+ 0" it reads the few rows by id and sorts them.
        few = event_id is not None or ids is not None
        found.append((quotes.c.case_id + 0 if few else quotes.c.case_id) == case_id)
    if speaker_id is not None:
        found.append(quotes.c.speaker_id == speaker_id)
    if source_id is not None:
        found.append(quotes.c.source_id == source_id)
    if status is not None:
        found.append(quotes.c.status == status)
    if event_id is not None:
        found.append(
            quotes.c.id.in_(
                select(event_quotes.c.quote_id).where(event_quotes.c.event_id == event_id)
            )
        )
    if ids is not None:
        found.append(quotes.c.id.in_(list(ids)))
    return found


def people_filters(
    case_id: int,
    kind: PersonKind | None = None,
    event_id: int | None = None,
    source_id: int | None = None,
) -> list[ColumnElement[bool]]:
    """A case's people, optionally of a kind, or those linked to an event or a source."""
    found = [people.c.case_id == case_id]
    if kind is not None:
        found.append(people.c.kind == kind)
    if event_id is not None:
        found.append(
            or_(
                people.c.id.in_(
                    select(event_people.c.person_id).where(event_people.c.event_id == event_id)
                ),
                people.c.id.in_(
                    select(quotes.c.speaker_id)
                    .join(event_quotes, event_quotes.c.quote_id == quotes.c.id)
                    .where(event_quotes.c.event_id == event_id)
                ),
            )
        )
    if source_id is not None:
        found.append(
            or_(
                people.c.id.in_(select(quotes.c.speaker_id).where(quotes.c.source_id == source_id)),
                people.c.id.in_(
                    select(source_people.c.person_id).where(source_people.c.source_id == source_id)
                ),
            )
        )
    return found


def event_filters(
    case_id: int,
    person_id: int | None = None,
    source_id: int | None = None,
    quote_id: int | None = None,
    place_id: int | None = None,
) -> list[ColumnElement[bool]]:
    """A case's events, or those linked to a person, a source, a quote or a place."""
    found = [events.c.case_id == case_id]
    if person_id is not None:
        found.append(
            _linked(
                event_people.c.event_id, event_people.c.person_id, person_id, quotes.c.speaker_id
            )
        )
    if source_id is not None:
        found.append(
            _linked(
                event_sources.c.event_id, event_sources.c.source_id, source_id, quotes.c.source_id
            )
        )
    if quote_id is not None:
        found.append(
            events.c.id.in_(
                select(event_quotes.c.event_id).where(event_quotes.c.quote_id == quote_id)
            )
        )
    if place_id is not None:
        found.append(events.c.place_id == place_id)
    return found


def _linked(event_column: Any, column: Any, ident: int, quote_column: Any) -> ColumnElement[bool]:
    """Events linked to ``ident`` through a link table, or through a quote of theirs.

    A person's events include those of the quotes they said; a source's, those of its quotes
    (``quote_column`` is the quote's column that holds ``ident``).
    """
    return or_(
        events.c.id.in_(select(event_column).where(column == ident)),
        events.c.id.in_(
            select(event_quotes.c.event_id)
            .join(quotes, quotes.c.id == event_quotes.c.quote_id)
            .where(quote_column == ident)
        ),
    )


# --- Readers (on a connection or a session)


def read_cases(conn: Reader) -> list[CaseDTO]:
    """Every case, most recently updated first."""
    rows = conn.execute(
        select(
            cases.c.id,
            cases.c.title,
            cases.c.summary,
            cases.c.author,
            cases.c.created_at,
            cases.c.updated_at,
            cases.c.version,
        ).order_by(*CASE_ORDER)
    )
    return [CaseDTO(*r) for r in rows]


def read_sources(
    conn: Reader,
    case_id: int,
    *,
    person_id: int | None = None,
    event_id: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[SourceRowDTO]:
    """A case's sources as the Sources pane shows them, in import order.

    One statement of titles, kinds, publishers, dates and grades: no text, file or tags.
    """
    require_case(conn, case_id)
    q = (
        select(
            sources.c.id,
            sources.c.kind,
            sources.c.title,
            sources.c.publisher,
            sources.c.published_on,
            sources.c.reliability,
            sources.c.credibility,
            sources.c.confidentiality,
        )
        .where(*source_filters(conn, case_id, person_id, event_id))
        .order_by(*SOURCE_ORDER)
        .offset(offset)
        .limit(limit)
    )
    return [
        SourceRowDTO(
            i,
            SourceKind(k),
            title,
            publisher,
            published,
            r,
            c,
            conf is Confidentiality.CONFIDENTIAL,
        )
        for i, k, title, publisher, published, r, c, conf in conn.execute(q)
    ]


_QUOTE_COLUMNS = (
    quotes.c.id,
    quotes.c.case_id,
    quotes.c.source_id,
    sources.c.title,
    sources.c.confidentiality,
    quotes.c.start_offset,
    quotes.c.end_offset,
    quotes.c.text,
    quotes.c.speaker_id,
    people.c.name,
    people.c.confidential,
    quotes.c.said_start,
    quotes.c.said_end,
    quotes.c.said_precision,
    quotes.c.status,
    quotes.c.checked_by,
    quotes.c.checked_at,
    quotes.c.note,
    quotes.c.language,
    quotes.c.translation,
    quotes.c.translation_language,
    quotes.c.translator,
    quotes.c.version,
    quotes.c.created_at,
    quotes.c.updated_at,
)


def read_quotes(
    conn: Reader,
    case_id: int | None = None,
    *,
    speaker_id: int | None = None,
    source_id: int | None = None,
    event_id: int | None = None,
    status: QuoteStatus | None = None,
    ids: Sequence[int] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[QuoteDTO]:
    """Quotes in source order (source, then position), optionally filtered.

    Two statements: the quotes with their source's title and speaker's name, then their tags.
    """
    if case_id is not None:
        require_case(conn, case_id)
    q = (
        select(*_QUOTE_COLUMNS)
        .join(sources, sources.c.id == quotes.c.source_id)
        .outerjoin(people, people.c.id == quotes.c.speaker_id)
        .where(*quote_filters(case_id, speaker_id, source_id, event_id, status, ids))
        .order_by(*QUOTE_ORDER)
        .offset(offset)
        .limit(limit)
    )
    rows = conn.execute(q).all()
    names = _tag_names(conn, [r[0] for r in rows])
    return [_quote(r, names.get(r[0], ())) for r in rows]


def _tag_names(conn: Reader, quote_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, list[str]] = {}
    for start in range(0, len(quote_ids), ID_CHUNK):
        rows = conn.execute(
            select(quote_tags.c.quote_id, tags.c.name)
            .join(tags, tags.c.id == quote_tags.c.tag_id)
            .where(quote_tags.c.quote_id.in_(quote_ids[start : start + ID_CHUNK]))
        )
        for quote_id, name in rows:
            found.setdefault(quote_id, []).append(name)
    return {i: tuple(sorted(names)) for i, names in found.items()}


def _quote(r: Any, tag_names: tuple[str, ...]) -> QuoteDTO:
    (
        ident,
        case_id,
        source_id,
        source_title,
        confidentiality,
        start,
        end,
        text,
        speaker_id,
        speaker_name,
        speaker_confidential,
        said_start,
        said_end,
        said_precision,
        status,
        checked_by,
        checked_at,
        note,
        language,
        translation,
        translation_language,
        translator,
        version,
        created_at,
        updated_at,
    ) = r
    return QuoteDTO(
        id=ident,
        case_id=case_id,
        source_id=source_id,
        source_title=source_title,
        source_confidential=confidentiality is Confidentiality.CONFIDENTIAL,
        start=start,
        end=end,
        text=text,
        speaker_id=speaker_id,
        speaker_name=speaker_name,
        speaker_confidential=bool(speaker_confidential),
        said=PartialDate.stored(said_start, said_end, said_precision),
        status=QuoteStatus(status),
        checked_by=checked_by,
        checked_at=checked_at,
        note=note,
        language=language,
        translation=translation,
        translation_language=translation_language,
        translator=translator,
        tags=tag_names,
        version=version,
        created_at=created_at,
        updated_at=updated_at,
    )


def read_people(
    conn: Reader,
    case_id: int,
    *,
    kind: PersonKind | None = None,
    event_id: int | None = None,
    source_id: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[PersonRowDTO]:
    """A case's people as the People pane and the completers show them, by name.

    Two statements of names, kinds, roles and aliases: no contact, notes, affiliations or tags
    (2,000 people of a big case in a tenth of the time of whole people).
    """
    require_case(conn, case_id)
    found = conn.execute(
        select(
            people.c.id,
            people.c.kind,
            people.c.name,
            people.c.role,
            people.c.confidential,
            people.c.descriptor,
        )
        .where(*people_filters(case_id, kind, event_id, source_id))
        .order_by(*PEOPLE_ORDER)
        .offset(offset)
        .limit(limit)
    ).all()
    names: dict[int, list[str]] = {}
    ids = [p[0] for p in found]
    for start in range(0, len(ids), ID_CHUNK):
        rows = conn.execute(
            select(aliases.c.person_id, aliases.c.name)
            .where(aliases.c.person_id.in_(ids[start : start + ID_CHUNK]))
            .order_by(aliases.c.id)
        )
        for person_id, name in rows:
            names.setdefault(person_id, []).append(name)
    return [
        PersonRowDTO(i, PersonKind(k), name, tuple(names.get(i, ())), role, bool(c), descriptor)
        for i, k, name, role, c, descriptor in found
    ]


# An event's row: its own columns and its place's name.
EVENT_ROW = (
    events.c.id,
    events.c.title,
    events.c.date_start,
    events.c.date_end,
    events.c.date_precision,
    places.c.name,
)


def event_rows(conditions: Sequence[ColumnElement[bool]]) -> Any:
    """A select of :data:`EVENT_ROW` for the events that meet ``conditions``."""
    return select(*EVENT_ROW).outerjoin(places, places.c.id == events.c.place_id).where(*conditions)


def event_row(
    ident: int,
    title: str,
    start: dt.date | None,
    end: dt.date | None,
    precision: Precision | None,
    place_name: str | None,
) -> EventRowDTO:
    """An :data:`EVENT_ROW` as the DTO."""
    return EventRowDTO(ident, title, PartialDate.stored(start, end, precision), place_name)


def read_events(
    conn: Reader,
    case_id: int,
    *,
    person_id: int | None = None,
    source_id: int | None = None,
    quote_id: int | None = None,
    place_id: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[EventRowDTO]:
    """A case's events as the Events pane shows them, in date order (undated last).

    One statement of each event's title, date and place's name: no links, tags or
    description.
    """
    require_case(conn, case_id)
    q = (
        event_rows(event_filters(case_id, person_id, source_id, quote_id, place_id))
        .order_by(*EVENT_ORDER)
        .offset(offset)
        .limit(limit)
    )
    return [event_row(*r) for r in conn.execute(q)]


def read_saved_searches(conn: Reader, case_id: int | None = None) -> list[SavedSearchDTO]:
    """Saved searches of a case and those for every case, by name."""
    q = select(
        saved_searches.c.id,
        saved_searches.c.case_id,
        saved_searches.c.name,
        saved_searches.c.query,
        saved_searches.c.created_at,
    ).order_by(saved_searches.c.name, saved_searches.c.id)
    if case_id is not None:
        q = q.where(or_(saved_searches.c.case_id == case_id, saved_searches.c.case_id.is_(None)))
    return [SavedSearchDTO(*r) for r in conn.execute(q)]


class Reads(Protocol):
    """A service that opens a reader for each call (a connection, or an ORM session)."""

    def _read(self) -> AbstractContextManager[Any]: ...


def reading(read: Callable[Concatenate[Reader, P], R]) -> Callable[Concatenate[Reads, P], R]:
    """A service method that runs ``read`` on the reader the service opens for one call.

    ``ListService`` runs the readers on a connection; the ORM services whose lists are the
    same reads (``QuoteService.list``, ``CaseService.list``, ``SearchService.list_saved``) run
    them in their session.
    """

    def method(self: Reads, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with self._read() as conn:
            return read(conn, *args, **kwargs)

    method.__doc__ = read.__doc__
    return method


class ListService:
    """The panes' lists, each read on a connection of its own (no ORM session).

    Its methods are the ``read_*`` functions above, without their first argument (see
    :func:`reading`).

    Attributes:
        engine: The store's engine.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    cases = reading(read_cases)
    sources = reading(read_sources)
    quotes = reading(read_quotes)
    people = reading(read_people)
    events = reading(read_events)
    saved_searches = reading(read_saved_searches)
