"""The case file's mapped classes, declared over the tables of :mod:`models.schema`.

Each class names its table (``__table__``) and annotates its columns for type checkers; the
columns themselves, their types, defaults and constraints, are declared once, in the schema.
Importing this module imports the ORM: a window start reads its first pages without it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, relationship

from models import schema
from models.dates import PartialDate, Precision
from models.schema import (
    DEFAULT_DESCRIPTOR,
    INFORMATION_CREDIBILITY,
    NAMING_CONVENTION,
    SOURCE_RELIABILITY,
    Confidentiality,
    PersonKind,
    QuoteStatus,
    SourceKind,
    UTCDateTime,
    event_people,
    event_quotes,
    event_sources,
    event_tags,
    person_tags,
    place_tags,
    quote_places,
    quote_tags,
    source_people,
    source_places,
    source_tags,
    utcnow,
)

__all__ = [
    "DEFAULT_DESCRIPTOR",
    "INFORMATION_CREDIBILITY",
    "NAMING_CONVENTION",
    "SOURCE_RELIABILITY",
    "Affiliation",
    "Alias",
    "Base",
    "Case",
    "Confidentiality",
    "Event",
    "Person",
    "PersonKind",
    "Place",
    "PlaceAlias",
    "Quote",
    "QuoteStatus",
    "SavedSearch",
    "Source",
    "SourceFile",
    "SourceKind",
    "Tag",
    "UTCDateTime",
    "event_people",
    "event_quotes",
    "event_sources",
    "event_tags",
    "person_tags",
    "place_tags",
    "quote_places",
    "quote_tags",
    "source_people",
    "source_places",
    "source_tags",
    "utcnow",
]


class Base(DeclarativeBase):
    """Declarative base over the schema's metadata (its naming convention serves Alembic)."""

    metadata = schema.metadata


class Versioned:
    """Mixin: optimistic-concurrency counter plus created/updated times (see ``_versioned``)."""

    version: Mapped[int]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class Case(Versioned, Base):
    """One story under investigation."""

    __table__ = schema.cases
    __mapper_args__ = {"version_id_col": schema.cases.c.version}

    id: Mapped[int]
    title: Mapped[str]
    summary: Mapped[str]
    author: Mapped[str]


class SourceFile(Base):
    """The original bytes of an imported file, stored once per distinct content."""

    __table__ = schema.source_files

    id: Mapped[int]
    sha256: Mapped[str]
    size: Mapped[int]
    media_type: Mapped[str]
    data: Mapped[bytes] = deferred(schema.source_files.c.data)
    created_at: Mapped[dt.datetime]


class Source(Versioned, Base):
    """A document the journalist read, with its extracted text.

    Once a quote points into ``text`` it never changes: a correction is a new revision
    (``revision_of_id`` points back), and the old text and its quotes stay.
    """

    __table__ = schema.sources
    __mapper_args__ = {"version_id_col": schema.sources.c.version}

    id: Mapped[int]
    case_id: Mapped[int]
    kind: Mapped[SourceKind]
    title: Mapped[str]
    author: Mapped[str]
    publisher: Mapped[str]
    url: Mapped[str]
    published_on: Mapped[dt.date | None]
    retrieved_at: Mapped[dt.datetime | None]
    language: Mapped[str]
    reliability: Mapped[str | None]
    credibility: Mapped[str | None]
    confidentiality: Mapped[Confidentiality]
    descriptor: Mapped[str]
    file_id: Mapped[int | None]
    file_name: Mapped[str]
    text: Mapped[str]
    page_starts: Mapped[list[int]]
    meta: Mapped[dict[str, Any]]
    note: Mapped[str]
    revision: Mapped[int]
    revision_of_id: Mapped[int | None]
    parent_id: Mapped[int | None]

    file: Mapped[SourceFile | None] = relationship(lazy="raise")
    quotes: Mapped[list[Quote]] = relationship(back_populates="source", lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=source_tags, lazy="selectin")


class Person(Versioned, Base):
    """A person or an organisation involved in a case."""

    __table__ = schema.people
    __mapper_args__ = {"version_id_col": schema.people.c.version}

    id: Mapped[int]
    case_id: Mapped[int]
    kind: Mapped[PersonKind]
    name: Mapped[str]
    role: Mapped[str]
    contact: Mapped[str]
    confidential: Mapped[bool]
    descriptor: Mapped[str]
    notes: Mapped[str]

    aliases: Mapped[list[Alias]] = relationship(
        back_populates="person",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="Alias.id",
    )
    affiliations: Mapped[list[Affiliation]] = relationship(
        foreign_keys="Affiliation.person_id",
        back_populates="person",
        lazy="selectin",
        order_by="Affiliation.id",
    )
    tags: Mapped[list[Tag]] = relationship(secondary=person_tags, lazy="selectin")


class Alias(Base):
    """Another spelling or script of a person's or organisation's name."""

    __table__ = schema.aliases

    id: Mapped[int]
    person_id: Mapped[int]
    name: Mapped[str]

    person: Mapped[Person] = relationship(back_populates="aliases")


class Affiliation(Versioned, Base):
    """A person's role in an organisation over a span of time (titles change)."""

    __table__ = schema.affiliations
    __mapper_args__ = {"version_id_col": schema.affiliations.c.version}

    id: Mapped[int]
    person_id: Mapped[int]
    organisation_id: Mapped[int]
    role: Mapped[str]
    start_on: Mapped[dt.date | None]
    end_on: Mapped[dt.date | None]

    person: Mapped[Person] = relationship(
        foreign_keys=[schema.affiliations.c.person_id], back_populates="affiliations"
    )
    organisation: Mapped[Person] = relationship(
        foreign_keys=[schema.affiliations.c.organisation_id], lazy="joined"
    )


class Quote(Versioned, Base):
    """A span of one source's text, with who said it and whether it was checked."""

    __table__ = schema.quotes
    __mapper_args__ = {"version_id_col": schema.quotes.c.version}

    id: Mapped[int]
    case_id: Mapped[int]
    source_id: Mapped[int]
    start_offset: Mapped[int]
    end_offset: Mapped[int]
    text: Mapped[str]
    speaker_id: Mapped[int | None]
    said_start: Mapped[dt.date | None]
    said_end: Mapped[dt.date | None]
    said_precision: Mapped[Precision | None]
    status: Mapped[QuoteStatus]
    checked_by: Mapped[str]
    checked_at: Mapped[dt.datetime | None]
    note: Mapped[str]
    language: Mapped[str]
    translation: Mapped[str]
    translation_language: Mapped[str]
    translator: Mapped[str]

    source: Mapped[Source] = relationship(back_populates="quotes", lazy="joined")
    speaker: Mapped[Person | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary=quote_tags, lazy="selectin")

    @property
    def said(self) -> PartialDate | None:
        """The date said, at its precision."""
        return PartialDate.stored(self.said_start, self.said_end, self.said_precision)


class Place(Versioned, Base):
    """A place with every spelling and script it goes by."""

    __table__ = schema.places
    __mapper_args__ = {"version_id_col": schema.places.c.version}

    id: Mapped[int]
    case_id: Mapped[int]
    name: Mapped[str]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    notes: Mapped[str]

    aliases: Mapped[list[PlaceAlias]] = relationship(
        back_populates="place",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="PlaceAlias.id",
    )
    tags: Mapped[list[Tag]] = relationship(secondary=place_tags, lazy="selectin")


class PlaceAlias(Base):
    """Another spelling or script of a place name."""

    __table__ = schema.place_aliases

    id: Mapped[int]
    place_id: Mapped[int]
    name: Mapped[str]

    place: Mapped[Place] = relationship(back_populates="aliases")


class Event(Versioned, Base):
    """Something that happened, dated at its precision, linked to people, sources and quotes."""

    __table__ = schema.events
    __mapper_args__ = {"version_id_col": schema.events.c.version}

    id: Mapped[int]
    case_id: Mapped[int]
    title: Mapped[str]
    date_start: Mapped[dt.date | None]
    date_end: Mapped[dt.date | None]
    date_precision: Mapped[Precision | None]
    place_id: Mapped[int | None]
    description: Mapped[str]

    place: Mapped[Place | None] = relationship(lazy="joined")
    people: Mapped[list[Person]] = relationship(secondary=event_people, lazy="selectin")
    sources: Mapped[list[Source]] = relationship(secondary=event_sources, lazy="selectin")
    quotes: Mapped[list[Quote]] = relationship(secondary=event_quotes, lazy="selectin")
    tags: Mapped[list[Tag]] = relationship(secondary=event_tags, lazy="selectin")

    @property
    def date(self) -> PartialDate | None:
        """The event's date, at its precision."""
        return PartialDate.stored(self.date_start, self.date_end, self.date_precision)


class Tag(Base):
    """A label the journalist puts on sources, quotes, people, places and events."""

    __table__ = schema.tags

    id: Mapped[int]
    case_id: Mapped[int]
    name: Mapped[str]


class SavedSearch(Base):
    """A named query the journalist can rerun or export."""

    __table__ = schema.saved_searches

    id: Mapped[int]
    case_id: Mapped[int | None]
    name: Mapped[str]
    query: Mapped[str]
    created_at: Mapped[dt.datetime]
