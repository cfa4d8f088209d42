"""Frozen data transfer objects returned by the services (never live ORM objects)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from models.dates import PartialDate
from models.schema import (
    DEFAULT_DESCRIPTOR,
    Confidentiality,
    PersonKind,
    QuoteStatus,
    SourceKind,
)

if TYPE_CHECKING:  # the ORM's classes, only for the ``of`` methods' signatures
    from models.entities import Affiliation, Case, Event, Person, Place, Quote, Source


@dataclass(frozen=True)
class CaseDTO:
    """A case."""

    id: int
    title: str
    summary: str
    author: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @classmethod
    def of(cls, c: Case) -> CaseDTO:
        """Copy from the ORM row."""
        return cls(c.id, c.title, c.summary, c.author, c.created_at, c.updated_at, c.version)


def admiralty_grade(reliability: str | None, credibility: str | None) -> str:
    """A source's Admiralty grade such as ``B2`` (empty when ungraded)."""
    return f"{reliability or ''}{credibility or ''}"


@dataclass(frozen=True)
class SourceRowDTO:
    """A source as the Sources pane shows it (see ``services.lists.read_sources``).

    No text, file, note or tags.
    """

    id: int
    kind: SourceKind
    title: str
    publisher: str
    published_on: dt.date | None
    reliability: str | None
    credibility: str | None
    confidential: bool

    @property
    def grade(self) -> str:
        """Admiralty grade such as ``B2`` (empty when ungraded)."""
        return admiralty_grade(self.reliability, self.credibility)


@dataclass(frozen=True)
class SourceDTO:
    """A source's metadata (its text is fetched separately: it can be long)."""

    id: int
    case_id: int
    kind: SourceKind
    title: str
    author: str
    publisher: str
    url: str
    published_on: dt.date | None
    retrieved_at: dt.datetime | None
    language: str
    reliability: str | None
    credibility: str | None
    confidentiality: Confidentiality
    descriptor: str
    file_name: str
    sha256: str | None
    size: int | None
    media_type: str | None
    page_starts: tuple[int, ...]
    meta: Mapping[str, Any]
    note: str
    revision: int
    revision_of_id: int | None
    parent_id: int | None
    text_length: int
    tags: tuple[str, ...]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def confidential(self) -> bool:
        """Whether the source must not be named outside the machine."""
        return self.confidentiality is Confidentiality.CONFIDENTIAL

    @property
    def grade(self) -> str:
        """Admiralty grade such as ``B2`` (empty when ungraded)."""
        return admiralty_grade(self.reliability, self.credibility)

    @property
    def public_label(self) -> str:
        """What may be shown outside the machine: the title, or the descriptor if confidential."""
        if self.confidential:
            return self.descriptor or DEFAULT_DESCRIPTOR
        return self.title

    def page_of(self, offset: int) -> int | None:
        """1-based page number holding character ``offset``, for paged sources."""
        if not self.page_starts:
            return None
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i
            else:
                break
        return page + 1

    @classmethod
    def of(cls, s: Source, text_length: int | None = None) -> SourceDTO:
        """Copy from the ORM row (the file relationship must be loaded if present)."""
        f = s.file if s.file_id is not None else None
        return cls(
            id=s.id,
            case_id=s.case_id,
            kind=SourceKind(s.kind),
            title=s.title,
            author=s.author,
            publisher=s.publisher,
            url=s.url,
            published_on=s.published_on,
            retrieved_at=s.retrieved_at,
            language=s.language,
            reliability=s.reliability,
            credibility=s.credibility,
            confidentiality=Confidentiality(s.confidentiality),
            descriptor=s.descriptor,
            file_name=s.file_name,
            sha256=f.sha256 if f else None,
            size=f.size if f else None,
            media_type=f.media_type if f else None,
            page_starts=tuple(s.page_starts or ()),
            meta=dict(s.meta or {}),
            note=s.note,
            revision=s.revision,
            revision_of_id=s.revision_of_id,
            parent_id=s.parent_id,
            text_length=len(s.text) if text_length is None else text_length,
            tags=tuple(sorted(t.name for t in s.tags)),
            version=s.version,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


@dataclass(frozen=True)
class AffiliationDTO:
    """A role held in an organisation, with its dates."""

    id: int
    person_id: int
    organisation_id: int
    organisation_name: str
    role: str
    start_on: dt.date | None
    end_on: dt.date | None
    version: int

    def held_on(self, day: dt.date) -> bool:
        """Whether this role was held on ``day`` (open ends count as held)."""
        return (self.start_on is None or self.start_on <= day) and (
            self.end_on is None or day <= self.end_on
        )

    @classmethod
    def of(cls, a: Affiliation) -> AffiliationDTO:
        """Copy from the ORM row."""
        return cls(
            a.id,
            a.person_id,
            a.organisation_id,
            a.organisation.name,
            a.role,
            a.start_on,
            a.end_on,
            a.version,
        )


def public_label(name: str, confidential: bool, descriptor: str) -> str:
    """How a person is named outside the machine: the descriptor if they are confidential."""
    return (descriptor or DEFAULT_DESCRIPTOR) if confidential else name


@dataclass(frozen=True)
class PersonDTO:
    """A person or organisation."""

    id: int
    case_id: int
    kind: PersonKind
    name: str
    aliases: tuple[str, ...]
    role: str
    contact: str
    confidential: bool
    descriptor: str
    notes: str
    affiliations: tuple[AffiliationDTO, ...]
    tags: tuple[str, ...]
    version: int

    @property
    def public_label(self) -> str:
        """The name, or the descriptor for a protected source."""
        return public_label(self.name, self.confidential, self.descriptor)

    def role_on(self, day: dt.date | None) -> tuple[str, str] | None:
        """(role, organisation) held on ``day``: the latest-starting affiliation that covers it."""
        candidates = [a for a in self.affiliations if day is None or a.held_on(day)]
        if not candidates:
            return None
        best = max(candidates, key=lambda a: a.start_on or dt.date.min)
        return best.role, best.organisation_name

    @classmethod
    def of(cls, p: Person) -> PersonDTO:
        """Copy from the ORM row."""
        return cls(
            id=p.id,
            case_id=p.case_id,
            kind=PersonKind(p.kind),
            name=p.name,
            aliases=tuple(a.name for a in p.aliases),
            role=p.role,
            contact=p.contact,
            confidential=p.confidential,
            descriptor=p.descriptor,
            notes=p.notes,
            affiliations=tuple(AffiliationDTO.of(a) for a in p.affiliations),
            tags=tuple(sorted(t.name for t in p.tags)),
            version=p.version,
        )


@dataclass(frozen=True)
class QuoteDTO:
    """A quote with its span, speaker and verification state."""

    id: int
    case_id: int
    source_id: int
    source_title: str
    source_confidential: bool
    start: int
    end: int
    text: str
    speaker_id: int | None
    speaker_name: str | None
    speaker_confidential: bool
    said: PartialDate | None
    status: QuoteStatus
    checked_by: str
    checked_at: dt.datetime | None
    note: str
    language: str
    translation: str
    translation_language: str
    translator: str
    tags: tuple[str, ...]
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, q: Quote) -> QuoteDTO:
        """Copy from the ORM row."""
        sp = q.speaker
        return cls(
            id=q.id,
            case_id=q.case_id,
            source_id=q.source_id,
            source_title=q.source.title,
            source_confidential=q.source.confidentiality is Confidentiality.CONFIDENTIAL,
            start=q.start_offset,
            end=q.end_offset,
            text=q.text,
            speaker_id=q.speaker_id,
            speaker_name=sp.name if sp else None,
            speaker_confidential=bool(sp and sp.confidential),
            said=q.said,
            status=QuoteStatus(q.status),
            checked_by=q.checked_by,
            checked_at=q.checked_at,
            note=q.note,
            language=q.language,
            translation=q.translation,
            translation_language=q.translation_language,
            translator=q.translator,
            tags=tuple(sorted(t.name for t in q.tags)),
            version=q.version,
            created_at=q.created_at,
            updated_at=q.updated_at,
        )


@dataclass(frozen=True)
class PlaceDTO:
    """A place and its spellings."""

    id: int
    case_id: int
    name: str
    aliases: tuple[str, ...]
    latitude: float | None
    longitude: float | None
    notes: str
    tags: tuple[str, ...]
    version: int

    @classmethod
    def of(cls, p: Place) -> PlaceDTO:
        """Copy from the ORM row."""
        return cls(
            p.id,
            p.case_id,
            p.name,
            tuple(a.name for a in p.aliases),
            p.latitude,
            p.longitude,
            p.notes,
            tuple(sorted(t.name for t in p.tags)),
            p.version,
        )


@dataclass(frozen=True)
class EventDTO:
    """An event on the timeline with its links."""

    id: int
    case_id: int
    title: str
    date: PartialDate | None
    place_id: int | None
    place_name: str | None
    description: str
    person_ids: tuple[int, ...]
    source_ids: tuple[int, ...]
    quote_ids: tuple[int, ...]
    tags: tuple[str, ...]
    version: int

    @classmethod
    def of(cls, e: Event, links: Mapping[str, Sequence[int]] | None = None) -> EventDTO:
        """Copy from the ORM row.

        ``links`` maps "person", "source" and "quote" to the ids the event links to, for a list
        that read them from the link tables instead of loading those rows.
        """
        if links is None:
            links = {
                "person": [p.id for p in e.people],
                "source": [s.id for s in e.sources],
                "quote": [q.id for q in e.quotes],
            }
        return cls(
            id=e.id,
            case_id=e.case_id,
            title=e.title,
            date=e.date,
            place_id=e.place_id,
            place_name=e.place.name if e.place else None,
            description=e.description,
            person_ids=tuple(sorted(links["person"])),
            source_ids=tuple(sorted(links["source"])),
            quote_ids=tuple(sorted(links["quote"])),
            tags=tuple(sorted(t.name for t in e.tags)),
            version=e.version,
        )


@dataclass(frozen=True)
class PersonRowDTO:
    """A person as the People pane and the completers show them (``services.lists.read_people``).

    No contact, notes, affiliations or tags.
    """

    id: int
    kind: PersonKind
    name: str
    aliases: tuple[str, ...]
    role: str
    confidential: bool
    descriptor: str

    @property
    def public_label(self) -> str:
        """The name, or the descriptor for a protected source."""
        return public_label(self.name, self.confidential, self.descriptor)


@dataclass(frozen=True)
class EventRowDTO:
    """An event as the Events pane and the timeline show it (see ``services.lists.read_events``).

    Its title, date and place's name; no links, tags or description.
    """

    id: int
    title: str
    date: PartialDate | None
    place_name: str | None


@dataclass(frozen=True)
class EventLinkDTO:
    """Something an event is linked to, as the editor lists it (see ``EventService.links``).

    Attributes:
        kind: "person", "quote" or "source".
        label: The person's name, the quote's text or the source's title.
    """

    kind: str
    id: int
    label: str
    confidential: bool


@dataclass(frozen=True)
class TimelineDTO:
    """What the timeline draws (see ``EventService.timeline``).

    Attributes:
        events: Dated events in date order; the latest ones when there are more than asked for.
        total: How many dated events match the filters (more than ``len(events)`` when cut).
    """

    events: tuple[EventRowDTO, ...]
    total: int

    @property
    def cut(self) -> bool:
        """Whether only the latest of the matching events are here."""
        return self.total > len(self.events)


@dataclass(frozen=True)
class Page:
    """One window of a longer list (for lazily fetched views)."""

    items: tuple[Any, ...]
    total: int
    offset: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)
