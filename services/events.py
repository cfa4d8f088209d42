"""Events on the timeline: partial dates, places, and links to people, sources and quotes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, delete, func, select
from sqlalchemy.orm import Session, joinedload, load_only, raiseload

from models.dates import PartialDate
from models.entities import (
    Case,
    Confidentiality,
    Event,
    Person,
    Place,
    Quote,
    Source,
    event_people,
    event_quotes,
    event_sources,
)
from services.base import Service, check_version, get_or_raise
from services.dto import EventDTO, EventLinkDTO, Page, TimelineDTO
from services.errors import ValidationError
from services.lists import EVENT_ORDER, ID_CHUNK, event_filters, event_row, event_rows

EDITABLE_FIELDS = frozenset({"title", "date", "place_id", "description"})

# Link kind -> (link table, column, model).
LINKS: dict[str, tuple[Table, str, type]] = {
    "person": (event_people, "person_id", Person),
    "source": (event_sources, "source_id", Source),
    "quote": (event_quotes, "quote_id", Quote),
}


# A list of events (a pane's page, the timeline's 2,000) needs each event's own columns, its
# place's name, its tags and the ids of what it links to: not the linked people, sources and
# quotes themselves (each with its aliases or tags, and a source with its whole text), nor the
# place's other spellings. Reading those for the timeline cost seconds on a big case.
_LIST_LOADING = (
    joinedload(Event.place).options(load_only(Place.name, raiseload=True), raiseload("*")),
    raiseload(Event.people),
    raiseload(Event.sources),
    raiseload(Event.quotes),
)


def _link_ids(s: Session, event_ids: Sequence[int]) -> dict[str, dict[int, list[int]]]:
    """Link kind -> event id -> the ids it links to, read from the link tables."""
    found: dict[str, dict[int, list[int]]] = {kind: {} for kind in LINKS}
    for start in range(0, len(event_ids), ID_CHUNK):
        chunk = event_ids[start : start + ID_CHUNK]
        for kind, (table, column, _) in LINKS.items():
            rows = s.execute(
                select(table.c.event_id, table.c[column]).where(table.c.event_id.in_(chunk))
            )
            for event_id, other_id in rows:
                found[kind].setdefault(event_id, []).append(other_id)
    return found


def _set_date(e: Event, date: PartialDate | None) -> None:
    if date is None:
        e.date_start = e.date_end = None
        e.date_precision = None
    else:
        e.date_start, e.date_end, e.date_precision = date.start, date.end, date.precision


class EventService(Service):
    """Use cases on events."""

    def create(
        self,
        case_id: int,
        title: str,
        *,
        date: PartialDate | None = None,
        place_id: int | None = None,
        description: str = "",
        person_ids: Sequence[int] = (),
        source_ids: Sequence[int] = (),
        quote_ids: Sequence[int] = (),
    ) -> EventDTO:
        """Create an event and its links."""
        title = " ".join(title.split())
        if not title:
            raise ValidationError("an event needs a title")
        with self._tx() as s:
            get_or_raise(s, Case, case_id)
            if place_id is not None:
                self._same_case(get_or_raise(s, Place, place_id), case_id)
            e = Event(case_id=case_id, title=title, place_id=place_id, description=description)
            _set_date(e, date)
            s.add(e)
            s.flush()
            for kind, ids in (("person", person_ids), ("source", source_ids), ("quote", quote_ids)):
                for ident in ids:
                    self._link(s, e, kind, ident)
            s.flush()
            s.refresh(e)
            return EventDTO.of(e)

    @staticmethod
    def _same_case(obj: Any, case_id: int) -> None:
        if obj.case_id != case_id:
            raise ValidationError("that belongs to another case")

    def _link(self, s: Session, e: Event, kind: str, ident: int) -> None:
        try:
            table, col, model = LINKS[kind]
        except KeyError:
            raise ValidationError(
                f"an event links people, sources and quotes, not {kind!r}"
            ) from None
        self._same_case(get_or_raise(s, model, ident), e.case_id)
        exists = s.scalar(
            select(func.count())
            .select_from(table)
            .where(table.c.event_id == e.id, table.c[col] == ident)
        )
        if not exists:
            s.execute(table.insert().values({"event_id": e.id, col: ident}))

    def link(self, event_id: int, kind: str, ident: int) -> EventDTO:
        """Link a person, source or quote to an event (no-op if already linked)."""
        with self._tx() as s:
            e = get_or_raise(s, Event, event_id)
            self._link(s, e, kind, ident)
            s.flush()
            s.expire(e)
            return EventDTO.of(e)

    def unlink(self, event_id: int, kind: str, ident: int) -> EventDTO:
        """Remove a link from an event."""
        table, col, _ = LINKS[kind]
        with self._tx() as s:
            e = get_or_raise(s, Event, event_id)
            s.execute(delete(table).where(table.c.event_id == event_id, table.c[col] == ident))
            s.flush()
            s.expire(e)
            return EventDTO.of(e)

    def get(self, event_id: int) -> EventDTO:
        """One event."""
        with self._read() as s:
            return EventDTO.of(get_or_raise(s, Event, event_id))

    def links(self, event_id: int) -> list[EventLinkDTO]:
        """What an event is linked to: its people, then quotes, then sources, each by id.

        Three statements of names, texts and titles, not a whole person, quote or source
        each (an event with nine links took 26 ms that way).
        """
        with self._read() as s:
            get_or_raise(s, Event, event_id, options=[raiseload("*")])  # none of its links
            people = s.execute(
                select(Person.id, Person.name, Person.confidential)
                .join(event_people, event_people.c.person_id == Person.id)
                .where(event_people.c.event_id == event_id)
                .order_by(Person.id)
            )
            found = [EventLinkDTO("person", i, name, bool(c)) for i, name, c in people]
            quotes = s.execute(
                select(Quote.id, Quote.text)
                .join(event_quotes, event_quotes.c.quote_id == Quote.id)
                .where(event_quotes.c.event_id == event_id)
                .order_by(Quote.id)
            )
            found += [EventLinkDTO("quote", i, text, False) for i, text in quotes]
            sources = s.execute(
                select(Source.id, Source.title, Source.confidentiality)
                .join(event_sources, event_sources.c.source_id == Source.id)
                .where(event_sources.c.event_id == event_id)
                .order_by(Source.id)
            )
            found += [
                EventLinkDTO("source", i, title, c is Confidentiality.CONFIDENTIAL)
                for i, title, c in sources
            ]
            return found

    def list(
        self,
        case_id: int,
        *,
        person_id: int | None = None,
        source_id: int | None = None,
        quote_id: int | None = None,
        place_id: int | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[EventDTO]:
        """Events in date order (undated last), optionally those linked to something."""
        with self._read() as s:
            get_or_raise(s, Case, case_id)
            q = (
                select(Event)
                .where(*event_filters(case_id, person_id, source_id, quote_id, place_id))
                .order_by(*EVENT_ORDER)
                .offset(offset)
                .limit(limit)
                .options(*_LIST_LOADING)
            )
            events = list(s.scalars(q).unique())
            links = _link_ids(s, [e.id for e in events])
            return [
                EventDTO.of(e, {kind: ids.get(e.id, ()) for kind, ids in links.items()})
                for e in events
            ]

    def timeline(
        self,
        case_id: int,
        *,
        person_id: int | None = None,
        source_id: int | None = None,
        quote_id: int | None = None,
        place_id: int | None = None,
        limit: int | None = None,
    ) -> TimelineDTO:
        """The dated events of :meth:`list` (same filters and order) as the timeline draws them.

        One statement of each event's id, title and date and its place's name: no links, tags
        or descriptions (2,000 events of a big case: 0.04 s against 0.13-0.17 s for the list).
        With more than ``limit`` dated events, the latest ``limit`` of them (where a story
        usually is), still in date order, and a second statement counts them all.
        """
        with self._read() as s:
            get_or_raise(s, Case, case_id)
            dated = [
                *event_filters(case_id, person_id, source_id, quote_id, place_id),
                Event.date_start.is_not(None),
                Event.date_precision.is_not(None),
            ]
            rows = list(
                s.execute(
                    event_rows(dated)
                    .order_by(Event.date_start.desc(), Event.id.desc())
                    .limit(limit)
                )
            )
            total = len(rows)
            if limit is not None and total == limit:
                ids = select(Event.id).where(*dated).subquery()
                total = s.scalar(select(func.count()).select_from(ids)) or 0
        return TimelineDTO(tuple(event_row(*r) for r in reversed(rows)), total)

    def count(self, case_id: int, *, place_id: int | None = None) -> int:
        """Number of events in a case, or at one of its places."""
        with self._read() as s:
            q = select(func.count(Event.id)).where(Event.case_id == case_id)
            if place_id is not None:
                q = q.where(Event.place_id == place_id)
            return s.scalar(q) or 0

    def page(self, case_id: int, offset: int, limit: int) -> Page:
        """A window of the case's events."""
        return Page(
            tuple(self.list(case_id, offset=offset, limit=limit)), self.count(case_id), offset
        )

    def update(
        self, event_id: int, *, expected_version: int | None = None, **values: Any
    ) -> EventDTO:
        """Change an event's title, date, place or description."""
        unknown = set(values) - EDITABLE_FIELDS
        if unknown:
            raise ValidationError(f"cannot set {', '.join(sorted(unknown))} on an event")
        with self._tx() as s:
            e = get_or_raise(s, Event, event_id)
            check_version(e, expected_version, theirs=EventDTO.of(e), mine=values)
            # Checked before any change, so that the row is written once (one version step).
            if values.get("place_id") is not None:
                self._same_case(get_or_raise(s, Place, values["place_id"]), e.case_id)
            for key, value in values.items():
                if key == "date":
                    _set_date(e, value)
                elif key == "title":
                    if not (value or "").strip():
                        raise ValidationError("an event needs a title")
                    e.title = " ".join(value.split())
                elif key == "place_id":
                    e.place_id = value
                else:
                    setattr(e, key, value)
            s.flush()
            s.refresh(e)
            return EventDTO.of(e)

    def delete(self, event_id: int) -> dict[str, Any]:
        """Delete an event (its links go with it); returns a snapshot for :meth:`restore`."""
        with self._tx() as s:
            e = get_or_raise(s, Event, event_id)
            snap = {
                "row": {
                    c.key: getattr(e, c.key) for c in Event.__table__.columns if c.key != "version"
                },
                "person_ids": [p.id for p in e.people],
                "source_ids": [x.id for x in e.sources],
                "quote_ids": [q.id for q in e.quotes],
            }
            s.delete(e)
            return snap

    def restore(self, snapshot: dict[str, Any]) -> EventDTO:
        """Put back a deleted event with its links (those whose other end still exists)."""
        with self._tx() as s:
            e = Event(**snapshot["row"])
            s.add(e)
            s.flush()
            for kind in ("person", "source", "quote"):
                _, _, model = LINKS[kind]
                for ident in snapshot[f"{kind}_ids"]:
                    if s.get(model, ident) is not None:
                        self._link(s, e, kind, ident)
            s.flush()
            s.refresh(e)
            return EventDTO.of(e)
