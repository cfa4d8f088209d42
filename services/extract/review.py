"""Reviewing an extraction: the journalist's accepted proposals enter the case, in one go.

A proposal (:mod:`services.extract.model`) is only a suggestion. :class:`ReviewService` turns the
accepted ones into quotes, people and organisations (or matches them to those already in the
case, adding the spellings met in the text as aliases), affiliations with their role, places and
dated events linked to their people, quotes and source. Everything happens in ONE transaction: a
refusal (a span that no longer matches the text, a speaker of another case) leaves the case as it
was.

What comes in with what:

* A quote brings its speaker; a person brings the organisation they are affiliated with; an event
  brings its place and its people. A proposal the journalist explicitly rejected is never brought
  in: the quote is then saved without that speaker, the event without that place.
* Quotes only enter when accepted themselves: an event links the quotes accepted with it and those
  already saved at the proposed span.
* Accepting again what is already in the case adds nothing: a quote at the same span is reused,
  people and places are matched by name and alias, affiliations and events are not repeated.

:meth:`ReviewService.withdraw` deletes exactly what one review added (the window's undo).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session, lazyload

from models.entities import (
    Affiliation,
    Alias,
    Event,
    Person,
    PersonKind,
    Place,
    PlaceAlias,
    Quote,
    QuoteStatus,
    Source,
    event_people,
    event_quotes,
    event_sources,
    source_people,
    source_places,
)
from services.base import Service, get_or_raise
from services.errors import ValidationError
from services.extract.model import (
    EntityKind,
    Extraction,
    ProposedEntity,
    ProposedEvent,
    ProposedPlace,
    ProposedQuote,
)
from services.people import PeopleService
from services.places import PlaceService
from services.quotes import check_span
from services.textnorm import fold


@dataclass(frozen=True)
class Decision:
    """The journalist's verdict on one proposal, with their corrections.

    Attributes:
        key: The proposal's key (a quote, entity, place or event of the extraction).
        accept: False rejects it (it is never brought in by another proposal either).
        start: A quote's corrected start offset (with ``end``: the span was moved).
        end: A quote's corrected end offset.
        speaker_id: A quote's speaker changed to this person of the case.
        speaker_name: A quote's speaker changed to this name (matched by name or alias, or a
            new person).
        speaker_key: A quote's speaker changed to another entity of the extraction.
        no_speaker: A quote's speaker is unknown (the proposed one is dropped).
        name: A corrected name (entity, place) or title (event).
    """

    key: str
    accept: bool = True
    start: int | None = None
    end: int | None = None
    speaker_id: int | None = None
    speaker_name: str | None = None
    speaker_key: str | None = None
    no_speaker: bool = False
    name: str | None = None

    @property
    def moved(self) -> bool:
        """Whether the journalist moved the quote's span."""
        return self.start is not None and self.end is not None


@dataclass(frozen=True)
class ReviewResult:
    """What one review put into the case (and what :meth:`ReviewService.withdraw` takes out).

    Attributes:
        source_id: The reviewed source.
        case_id: Its case.
        stored: Proposal key -> id of the row it became or was matched to (quote, person or
            organisation, place, event).
        already_saved: Quote keys whose span already was a quote of the source (reused).
        quote_ids: Quotes created.
        person_ids: People and organisations created.
        affiliation_ids: Affiliations created.
        place_ids: Places created.
        event_ids: Events created.
        aliases: (person id, alias) added to people already in the case.
        place_aliases: (place id, alias) added to places already in the case.
        event_links: (event id, kind, id) links added to events already in the case.
        event_places: (event id, place id) places given to placeless events already in the case.
        source_people: People newly recorded as named in the source.
        source_places: Places newly recorded as named in the source.
        notes: Plain-language remarks (a dependency that was rejected, an affiliation skipped).
    """

    source_id: int
    case_id: int
    stored: Mapping[str, int] = field(default_factory=dict)
    already_saved: tuple[str, ...] = ()
    quote_ids: tuple[int, ...] = ()
    person_ids: tuple[int, ...] = ()
    affiliation_ids: tuple[int, ...] = ()
    place_ids: tuple[int, ...] = ()
    event_ids: tuple[int, ...] = ()
    aliases: tuple[tuple[int, str], ...] = ()
    place_aliases: tuple[tuple[int, str], ...] = ()
    event_links: tuple[tuple[int, str, int], ...] = ()
    event_places: tuple[tuple[int, int], ...] = ()
    source_people: tuple[int, ...] = ()
    source_places: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the review added anything at all."""
        return any(
            (
                self.quote_ids,
                self.person_ids,
                self.affiliation_ids,
                self.place_ids,
                self.event_ids,
                self.aliases,
                self.place_aliases,
                self.event_links,
                self.event_places,
                self.source_people,
                self.source_places,
            )
        )

    def summary(self) -> str:
        """One line for a status bar: ``"2 quotes, 1 person, 1 event added"``."""
        parts = []
        for n, one, many in (
            (len(self.quote_ids), "quote", "quotes"),
            (len(self.person_ids), "person or organisation", "people and organisations"),
            (len(self.affiliation_ids), "affiliation", "affiliations"),
            (len(self.place_ids), "place", "places"),
            (len(self.event_ids), "event", "events"),
        ):
            if n:
                parts.append(f"{n} {one if n == 1 else many}")
        text = (", ".join(parts) + " added") if parts else "nothing new added"
        if self.already_saved:
            n = len(self.already_saved)
            text += f"; {n} quote{'s were' if n != 1 else ' was'} already saved"
        return text


class ReviewService(Service):
    """Applies the journalist's decisions on an extraction."""

    # --- Public use cases

    def accept(self, extraction: Extraction, decisions: Sequence[Decision | str]) -> ReviewResult:
        """Accept the proposals named by ``decisions`` (plain keys or :class:`Decision`).

        Decisions with ``accept=False`` reject: that proposal is not stored, nor brought in by
        another one. Everything else in the extraction is left out.
        """
        ds = [Decision(d) if isinstance(d, str) else d for d in decisions]
        with self._tx() as s:
            return _Apply(s, extraction, ds).run()

    def accept_all(
        self,
        extraction: Extraction,
        *,
        rejected: Iterable[str] = (),
        edits: Sequence[Decision] = (),
    ) -> ReviewResult:
        """Accept every proposal except the ``rejected`` keys, applying ``edits``."""
        edited = {d.key: d for d in edits}
        no = set(rejected)
        ds: list[Decision] = []
        for key in _all_keys(extraction):
            if key in no:
                ds.append(Decision(key, accept=False))
            else:
                ds.append(edited.get(key, Decision(key)))
        with self._tx() as s:
            return _Apply(s, extraction, ds).run()

    def saved_keys(self, extraction: Extraction) -> frozenset[str]:
        """Keys of the quote proposals whose exact span already is a quote of the source."""
        with self._read() as s:
            spans = {
                (a, b)
                for a, b in s.execute(
                    select(Quote.start_offset, Quote.end_offset).where(
                        Quote.source_id == extraction.source_id
                    )
                )
            }
        return frozenset(q.key for q in extraction.quotes if (q.start, q.end) in spans)

    def withdraw(self, result: ReviewResult) -> None:
        """Delete what one review added (undo), in one transaction.

        Rows already gone are skipped. A person or place the review created that has since
        been given other quotes or events is refused with a plain message, and nothing changes.
        """
        with self._tx() as s:
            _withdraw(s, result)


# --- Applying


def _all_keys(x: Extraction) -> list[str]:
    return [
        *(e.key for e in x.entities),
        *(p.key for p in x.places),
        *(q.key for q in x.quotes),
        *(e.key for e in x.events),
    ]


class _Apply:
    """One review inside one session: resolves proposals in dependency order, remembers ids."""

    def __init__(self, s: Session, x: Extraction, decisions: Sequence[Decision]) -> None:
        self.s = s
        self.x = x
        self.entities = {e.key: e for e in x.entities}
        self.places = {p.key: p for p in x.places}
        self.quotes = {q.key: q for q in x.quotes}
        self.events = {e.key: e for e in x.events}
        known = set(self.entities) | set(self.places) | set(self.quotes) | set(self.events)
        unknown = [d.key for d in decisions if d.key not in known]
        if unknown:
            raise ValidationError(
                f"no proposal {unknown[0]!r} in this extraction; run the suggestions again"
            )
        self.decisions = {d.key: d for d in decisions}
        self.rejected = {d.key for d in decisions if not d.accept}
        src = get_or_raise(s, Source, x.source_id)
        self.source = src
        self.case_id = src.case_id
        self.text = src.text
        # Results.
        self.stored: dict[str, int] = {}
        self.already_saved: list[str] = []
        self.quote_ids: list[int] = []
        self.person_ids: list[int] = []
        self.affiliation_ids: list[int] = []
        self.place_ids: list[int] = []
        self.event_ids: list[int] = []
        self.aliases: list[tuple[int, str]] = []
        self.place_aliases: list[tuple[int, str]] = []
        self.event_links: list[tuple[int, str, int]] = []
        self.event_places: list[tuple[int, int]] = []
        self.source_people: list[int] = []
        self.source_places: list[int] = []
        self.notes: list[str] = []
        self._people: dict[str, Person] = {}
        self._place_rows: dict[str, Place] = {}
        self._names: dict[str, int] | None = None
        self._pending: dict[tuple[int, int], Quote] = {}
        self._pending_keys: list[tuple[str, Quote]] = []
        self._events_on: dict[tuple[Any, Any], list[list[Any]]] = {}
        self._links: dict[tuple[int, str], set[int]] = {}
        self._place_names: dict[str, int] | None = None
        # Read once, kept up to date: what the source already links and quotes.
        self._mentioned = set(
            s.scalars(select(source_people.c.person_id).where(source_people.c.source_id == src.id))
        )
        self._spans: dict[tuple[int, int], int] = {
            (a, b): i
            for i, a, b in s.execute(
                select(Quote.id, Quote.start_offset, Quote.end_offset).where(
                    Quote.source_id == src.id
                )
            )
        }

    def run(self) -> ReviewResult:
        accepted = [k for k, d in self.decisions.items() if d.accept]
        # Entities and places first: quotes and events point at them.
        for key in accepted:
            if key in self.entities:
                self.entity(key)
            elif key in self.places:
                self.place(key)
        quotes = sorted(
            (self.quotes[k] for k in accepted if k in self.quotes), key=lambda q: q.start
        )
        for q in quotes:
            self.quote(q)
        self._flush_quotes()
        for key in accepted:
            if key in self.events:
                self.event(self.events[key])
        self.s.flush()
        return ReviewResult(
            source_id=self.x.source_id,
            case_id=self.case_id,
            stored=dict(self.stored),
            already_saved=tuple(self.already_saved),
            quote_ids=tuple(self.quote_ids),
            person_ids=tuple(self.person_ids),
            affiliation_ids=tuple(self.affiliation_ids),
            place_ids=tuple(self.place_ids),
            event_ids=tuple(self.event_ids),
            aliases=tuple(self.aliases),
            place_aliases=tuple(self.place_aliases),
            event_links=tuple(self.event_links),
            event_places=tuple(self.event_places),
            source_people=tuple(self.source_people),
            source_places=tuple(self.source_places),
            notes=tuple(self.notes),
        )

    def _name(self, key: str, proposed: str) -> str:
        d = self.decisions.get(key)
        name = d.name if d is not None and d.name else proposed
        return " ".join(name.split())

    # --- People and organisations

    def entity(self, key: str) -> Person:
        """The person row of entity ``key``: matched, found by name or alias, or created."""
        if key in self._people:
            return self._people[key]
        e = self.entities[key]
        name = self._name(key, e.name)
        if not name:
            raise ValidationError(f"the proposal {key!r} has no name")
        person = self._existing_person(e, name)
        spellings = [n for n in (name, e.name, *e.aliases, e.acronym) if n and n.strip()]
        if person is None:
            person = Person(
                case_id=self.case_id,
                name=name,
                kind=PersonKind(e.kind.value),
                role=e.role,
            )
            self.s.add(person)
            self.s.flush()
            PeopleService._add_aliases(person, spellings)
            self.s.flush()
            self.person_ids.append(person.id)
            self._index_person(person)
        else:
            before = {a.name for a in person.aliases}
            PeopleService._add_aliases(person, spellings)
            self.s.flush()
            self.aliases.extend((person.id, a.name) for a in person.aliases if a.name not in before)
            self._index_person(person)
        self._people[key] = person
        self.stored[key] = person.id
        self._mention(person)
        if e.affiliation_key:
            self._affiliate(e, person)
        return person

    def _find_person(self, name: str) -> Person | None:
        """The person of the case with this name or alias (folded), as PeopleService.find."""
        if self._names is None:
            # Names are few per case: one query, then folded keys compared in Python, so that
            # diacritics, case and Arabic letter variants match the same way on every engine.
            rows = self.s.execute(
                select(Person.id, Person.name, Alias.name)
                .outerjoin(Alias, Alias.person_id == Person.id)
                .where(Person.case_id == self.case_id)
                .order_by(Person.id, Alias.id)
            ).all()
            by_alias: dict[str, int] = {}
            by_name: dict[str, int] = {}
            for pid, pname, alias in rows:
                by_name.setdefault(fold(pname), pid)
                if alias is not None:
                    by_alias.setdefault(fold(alias), pid)
            self._names = {**by_alias, **by_name}  # a name wins over another person's alias
        key = fold(name)
        found = self._names.get(key) if key else None
        return self._person(found) if found is not None else None

    def _person(self, person_id: int) -> Person | None:
        # Only the aliases are needed; affiliations and tags would pull in half the case.
        return self.s.get(
            Person,
            person_id,
            options=[lazyload(Person.affiliations), lazyload(Person.tags)],
        )

    def _index_person(self, p: Person) -> None:
        if self._names is not None:
            for n in (p.name, *(a.name for a in p.aliases)):
                self._names.setdefault(fold(n), p.id)

    def _existing_person(self, e: ProposedEntity, name: str) -> Person | None:
        if e.matched_person_id is not None:
            p = self._person(e.matched_person_id)
            if p is not None and p.case_id == self.case_id:
                return p
        # Also catches a person created since the extraction ran (an earlier review).
        for candidate in (name, e.name, *e.aliases):
            p = self._find_person(candidate)
            if p is not None:
                return p
        if e.acronym and e.kind is EntityKind.ORGANISATION:
            p = self._find_person(e.acronym)
            if p is not None and p.kind is PersonKind.ORGANISATION:
                return p
        return None

    def _affiliate(self, e: ProposedEntity, person: Person) -> None:
        org_key = e.affiliation_key
        assert org_key is not None
        if org_key in self.rejected or org_key not in self.entities:
            self.notes.append(
                f"{person.name}: no affiliation recorded ({self._label(org_key)} was rejected)"
            )
            return
        org = self.entity(org_key)
        if org.kind is not PersonKind.ORGANISATION or org.id == person.id:
            self.notes.append(f"{person.name}: {org.name} is not an organisation; no affiliation")
            return
        role = " ".join(e.role.split())
        exists = self.s.scalars(
            select(Affiliation).where(
                Affiliation.person_id == person.id, Affiliation.organisation_id == org.id
            )
        ).all()
        if any(fold(a.role) == fold(role) for a in exists):
            return
        a = Affiliation(person_id=person.id, organisation_id=org.id, role=role)
        self.s.add(a)
        self.s.flush()
        self.affiliation_ids.append(a.id)

    def _mention(self, person: Person) -> None:
        if person.id not in self._mentioned:
            self.s.execute(
                source_people.insert().values(source_id=self.x.source_id, person_id=person.id)
            )
            self._mentioned.add(person.id)
            self.source_people.append(person.id)

    def _label(self, key: str) -> str:
        e = self.entities.get(key)
        if e is not None:
            return e.name
        p = self.places.get(key)
        return p.name if p is not None else key

    def _dependency(self, key: str | None, what: str, owner: str) -> bool:
        """Whether proposal ``key`` may be brought in with ``owner`` (not rejected)."""
        if key is None:
            return False
        if key in self.rejected:
            self.notes.append(f"{owner}: saved without {what} {self._label(key)} (rejected)")
            return False
        return True

    # --- Places

    def place(self, key: str) -> Place:
        """The place row of place ``key``: matched, found by name or spelling, or created."""
        if key in self._place_rows:
            return self._place_rows[key]
        pp: ProposedPlace = self.places[key]
        name = self._name(key, pp.name)
        if not name:
            raise ValidationError(f"the proposal {key!r} has no name")
        row = self._existing_place(pp, name)
        if row is None:
            row = Place(case_id=self.case_id, name=name)
            self.s.add(row)
            self.s.flush()
            PlaceService._add_aliases(row, [pp.name])
            self.s.flush()
            self.place_ids.append(row.id)
            self._index_place(row)
        else:
            before = {a.name for a in row.aliases}
            PlaceService._add_aliases(row, [name, pp.name])
            self.s.flush()
            self.place_aliases.extend((row.id, a.name) for a in row.aliases if a.name not in before)
        self._place_rows[key] = row
        self.stored[key] = row.id
        linked = self.s.scalar(
            select(func.count())
            .select_from(source_places)
            .where(
                source_places.c.source_id == self.x.source_id,
                source_places.c.place_id == row.id,
            )
        )
        if not linked:
            self.s.execute(
                source_places.insert().values(source_id=self.x.source_id, place_id=row.id)
            )
            self.source_places.append(row.id)
        return row

    def _existing_place(self, pp: ProposedPlace, name: str) -> Place | None:
        if pp.matched_place_id is not None:
            p = self.s.get(Place, pp.matched_place_id)
            if p is not None and p.case_id == self.case_id:
                return p
        if self._place_names is None:
            self._place_names = {}
            for pid, pname, alias in self.s.execute(
                select(Place.id, Place.name, PlaceAlias.name)
                .outerjoin(PlaceAlias, PlaceAlias.place_id == Place.id)
                .where(Place.case_id == self.case_id)
                .order_by(Place.id)
            ):
                self._place_names.setdefault(fold(pname), pid)
                if alias is not None:
                    self._place_names.setdefault(fold(alias), pid)
        for key in (fold(name), fold(pp.name)):
            if key in self._place_names:
                return self.s.get(Place, self._place_names[key])
        return None

    def _index_place(self, p: Place) -> None:
        if self._place_names is not None:
            for n in (p.name, *(a.name for a in p.aliases)):
                self._place_names.setdefault(fold(n), p.id)

    # --- Quotes

    def quote(self, q: ProposedQuote) -> None:
        """Store quote proposal ``q`` (or reuse the quote already at that span)."""
        d = self.decisions.get(q.key) or Decision(q.key)
        if d.moved:
            assert d.start is not None and d.end is not None
            start, end, expected = d.start, d.end, None
        else:
            start, end, expected = q.start, q.end, q.text
        try:
            check_span(self.text, start, end, expected)
        except ValidationError as exc:
            raise ValidationError(
                f"suggested quote “{_clip(q.text)}”: {exc.message}; "
                "the source may have changed since the suggestions were made"
            ) from None
        existing = self._quote_at(start, end)
        if existing is not None:
            self.already_saved.append(q.key)
            self.stored[q.key] = existing
            return
        twin = self._pending.get((start, end))
        if twin is not None:  # two proposals edited onto the same span: one quote
            self._pending_keys.append((q.key, twin))
            return
        speaker_id = self._speaker(q, d)
        # As QuoteService.create, without reloading each new quote (a long report has hundreds).
        row = Quote(
            case_id=self.case_id,
            source_id=self.x.source_id,
            start_offset=start,
            end_offset=end,
            text=self.text[start:end],
            speaker_id=speaker_id,
            status=QuoteStatus.UNVERIFIED,
            language=q.language or self.source.language,
        )
        if q.said is not None:
            row.said_start, row.said_end, row.said_precision = (
                q.said.start,
                q.said.end,
                q.said.precision,
            )
        self.s.add(row)
        self._pending[(start, end)] = row
        self._pending_keys.append((q.key, row))

    def _flush_quotes(self) -> None:
        """Insert the new quotes in one batch (one round trip per batch, not per quote)."""
        self.s.flush()
        for span, row in self._pending.items():
            self._spans[span] = row.id
            self.quote_ids.append(row.id)
        for key, row in self._pending_keys:
            self.stored[key] = row.id
        self._pending.clear()
        self._pending_keys.clear()

    def _quote_at(self, start: int, end: int) -> int | None:
        return self._spans.get((start, end))

    def _speaker(self, q: ProposedQuote, d: Decision) -> int | None:
        if d.no_speaker:
            return None
        if d.speaker_id is not None:
            p = get_or_raise(self.s, Person, d.speaker_id)
            if p.case_id != self.case_id:
                raise ValidationError(f"{p.name} belongs to another case")
            self._mention(p)
            return p.id
        if d.speaker_name is not None and d.speaker_name.strip():
            name = " ".join(d.speaker_name.split())
            found = self._find_person(name)
            if found is None:
                found = Person(case_id=self.case_id, name=name, kind=PersonKind.PERSON)
                self.s.add(found)
                self.s.flush()
                self.person_ids.append(found.id)
                self._index_person(found)
            self._mention(found)
            return found.id
        if d.speaker_key is not None:
            if d.speaker_key not in self.entities:
                raise ValidationError(f"no proposed person {d.speaker_key!r} in this extraction")
            # Chosen by the journalist for this quote: brought in even if rejected elsewhere.
            return self.entity(d.speaker_key).id
        if q.speaker_key is None or q.speaker_key not in self.entities:
            return None
        if not self._dependency(q.speaker_key, "speaker", f"quote “{_clip(q.text)}”"):
            return None
        return self.entity(q.speaker_key).id

    # --- Events

    def event(self, ev: ProposedEvent) -> int:
        """Store event proposal ``ev`` with its links (or add the links to the same event)."""
        title = self._name(ev.key, ev.title)
        if not title:
            raise ValidationError(f"the proposal {ev.key!r} has no title")
        owner = f"event “{_clip(title)}”"
        place_id = None
        if ev.place_key in self.places and self._dependency(ev.place_key, "place", owner):
            assert ev.place_key is not None
            place_id = self.place(ev.place_key).id
        person_ids = [
            self.entity(k).id
            for k in ev.people_keys
            if k in self.entities and self._dependency(k, "person", owner)
        ]
        quote_ids: list[int] = []
        for k in ev.quote_keys:
            qid = self.stored.get(k) if k in self.quotes else None
            if qid is None and k in self.quotes and k not in self.rejected:
                qid = self._quote_at(self.quotes[k].start, self.quotes[k].end)
            if qid is not None:
                quote_ids.append(qid)
        existing = self._same_event(title, ev, person_ids, quote_ids)
        if existing is None:
            e = Event(case_id=self.case_id, title=title, place_id=place_id)
            e.date_start, e.date_end, e.date_precision = (
                ev.date.start,
                ev.date.end,
                ev.date.precision,
            )
            self.s.add(e)
            self.s.flush()
            self.event_ids.append(e.id)
            event_id, new = e.id, True
            self._dated(ev).append([e.id, title, place_id])
            for kind in _EVENT_LINKS:
                self._links[(e.id, kind)] = set()
        else:
            event_id, old_place, new = existing[0], existing[1], False
            if old_place is None and place_id is not None:
                for row in self._dated(ev):
                    if row[0] == event_id:
                        row[2] = place_id
                # A column update (bumping the version as the ORM would) instead of loading
                # the event with all its links.
                self.s.execute(
                    update(Event)
                    .where(Event.id == event_id, Event.place_id.is_(None))
                    .values(place_id=place_id, version=Event.version + 1)
                )
                self.event_places.append((event_id, place_id))
        for kind, ids in (
            ("source", [self.x.source_id]),
            ("person", person_ids),
            ("quote", quote_ids),
        ):
            table, col = _EVENT_LINKS[kind]
            have = self._links_of(event_id, kind)
            add = [i for i in dict.fromkeys(ids) if i not in have]
            if add:
                self.s.execute(table.insert(), [{"event_id": event_id, col: i} for i in add])
                have.update(add)
                if not new:
                    self.event_links.extend((event_id, kind, i) for i in add)
        self.stored[ev.key] = event_id
        return event_id

    def _same_event(
        self, title: str, ev: ProposedEvent, person_ids: Sequence[int], quote_ids: Sequence[int]
    ) -> tuple[int, int | None] | None:
        """An event of the case on the same dates that is this one.

        Same dates and the same title; or the same people or quotes, since the journalist (or
        the demo) may have titled it differently: a shared quote, two shared people, or the one
        and only person of both. The candidate sharing most wins.
        """
        rows = self._dated(ev)
        key = fold(title)
        same_title = next((r for r in rows if fold(r[1]) == key), None)
        if same_title is not None:
            return same_title[0], same_title[2]
        best: tuple[int, int, int | None] | None = None
        mine = set(person_ids)
        for event_id, _, place_id in rows:
            theirs = self._links_of(event_id, "person")
            people = len(mine & theirs)
            quotes = len(set(quote_ids) & self._links_of(event_id, "quote"))
            alone = people == 1 and len(mine) == 1 and len(theirs) == 1
            if quotes or people >= 2 or alone:
                score = 2 * quotes + people
                if best is None or score > best[0]:
                    best = (score, event_id, place_id)
        return (best[1], best[2]) if best is not None else None

    def _dated(self, ev: ProposedEvent) -> list[list[Any]]:
        """[id, title, place id] of the case's events on ``ev``'s dates (read once per dates)."""
        key = (ev.date.start, ev.date.end)
        if key not in self._events_on:
            self._events_on[key] = [
                [r.id, r.title, r.place_id]
                for r in self.s.execute(
                    select(Event.id, Event.title, Event.place_id)
                    .where(
                        Event.case_id == self.case_id,
                        Event.date_start == ev.date.start,
                        Event.date_end == ev.date.end,
                    )
                    .order_by(Event.id)
                )
            ]
        return self._events_on[key]

    def _links_of(self, event_id: int, kind: str) -> set[int]:
        """Ids linked to an event (read once, then kept up to date by this review)."""
        if (event_id, kind) not in self._links:
            table, col = _EVENT_LINKS[kind]
            self._links[(event_id, kind)] = set(
                self.s.scalars(select(table.c[col]).where(table.c.event_id == event_id))
            )
        return self._links[(event_id, kind)]


_EVENT_LINKS = {
    "source": (event_sources, "source_id"),
    "person": (event_people, "person_id"),
    "quote": (event_quotes, "quote_id"),
}


def _clip(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# --- Withdrawing


def _withdraw(s: Session, r: ReviewResult) -> None:
    # Plain deletes by id: the link rows of events, quotes, people and places go with them by
    # the schema's ON DELETE CASCADE, and nothing has to be loaded first.
    for event_id, place_id in r.event_places:
        s.execute(
            update(Event)
            .where(Event.id == event_id, Event.place_id == place_id)
            .values(place_id=None, version=Event.version + 1)
        )
    for event_id, kind, ident in r.event_links:
        table, col = _EVENT_LINKS[kind]
        s.execute(delete(table).where(table.c.event_id == event_id, table.c[col] == ident))
    if r.event_ids:
        s.execute(delete(Event).where(Event.id.in_(r.event_ids)))
    if r.quote_ids:
        s.execute(delete(Quote).where(Quote.id.in_(r.quote_ids)))
    if r.affiliation_ids:
        s.execute(delete(Affiliation).where(Affiliation.id.in_(r.affiliation_ids)))
    for person_id, name in r.aliases:
        s.execute(delete(Alias).where(and_(Alias.person_id == person_id, Alias.name == name)))
    for place_id, name in r.place_aliases:
        s.execute(
            delete(PlaceAlias).where(and_(PlaceAlias.place_id == place_id, PlaceAlias.name == name))
        )
    if r.source_people:
        s.execute(
            delete(source_people).where(
                source_people.c.source_id == r.source_id,
                source_people.c.person_id.in_(r.source_people),
            )
        )
    if r.source_places:
        s.execute(
            delete(source_places).where(
                source_places.c.source_id == r.source_id,
                source_places.c.place_id.in_(r.source_places),
            )
        )
    if r.place_ids:
        used = s.execute(
            select(Place.name, func.count(Event.id))
            .join(Event, Event.place_id == Place.id)
            .where(Place.id.in_(r.place_ids))
            .group_by(Place.name)
        ).first()
        if used is not None:
            raise ValidationError(
                f"cannot take back {used[0]}: {used[1]} other event(s) now happen there"
            )
        s.execute(delete(Place).where(Place.id.in_(r.place_ids)))
    if r.person_ids:
        _refuse_if_used(s, r.person_ids)
        s.execute(delete(Person).where(Person.id.in_(r.person_ids)))
    s.expire_all()


def _refuse_if_used(s: Session, person_ids: Sequence[int]) -> None:
    """Refuse to take back people who have since been given quotes or affiliations."""
    quoted = s.execute(
        select(Person.name, func.count(Quote.id))
        .join(Quote, Quote.speaker_id == Person.id)
        .where(Person.id.in_(person_ids))
        .group_by(Person.name)
    ).first()
    if quoted is not None:
        raise ValidationError(
            f"cannot take back {quoted[0]}: they now have {quoted[1]} other quote(s)"
        )
    ids = list(person_ids)
    affiliated = s.execute(
        select(Person.name)
        .join(
            Affiliation,
            (Affiliation.person_id == Person.id) | (Affiliation.organisation_id == Person.id),
        )
        .where(Person.id.in_(ids))
    ).first()
    if affiliated is not None:
        raise ValidationError(f"cannot take back {affiliated[0]}: they now have affiliations")


__all__ = ["Decision", "ReviewResult", "ReviewService"]
