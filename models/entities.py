"""The case file's tables, as SQLAlchemy 2 typed declarative classes.

Rules that hold across the schema:

* Every editable row carries a ``version`` counter used by SQLAlchemy's optimistic concurrency
  (``version_id_col``): a save based on a stale copy is refused, never silently overwritten.
* Foreign keys to content rows are ``RESTRICT``: nothing disappears by cascade unasked. Only pure
  link rows (tags, event links, mentions) go with either end.
* Times are stored in UTC and come back timezone-aware on every engine.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy import (
    text as sa_text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from models.dates import PartialDate, Precision

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        """Refuse naive times; store aware ones in UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Sourcebook stores aware UTC times only")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        """Return an aware UTC time whatever the engine gave back."""
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """Now, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as VARCHAR + CHECK on every engine (no PostgreSQL ENUM type), so adding a value
    # later is a plain migration and SQLite and PostgreSQL hold the same text.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


# --- Enumerations


class SourceKind(enum.StrEnum):
    """What a source is."""

    WEB_PAGE = "web_page"
    PDF = "pdf"
    WORD = "word"
    EMAIL = "email"
    INTERVIEW_NOTE = "interview_note"
    PLAIN_TEXT = "plain_text"


class Confidentiality(enum.StrEnum):
    """How a source may be named outside the machine."""

    ON_RECORD = "on_record"
    BACKGROUND = "background"
    CONFIDENTIAL = "confidential"


class QuoteStatus(enum.StrEnum):
    """Verification state of a quote."""

    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    DISPUTED = "disputed"
    RETRACTED = "retracted"


class PersonKind(enum.StrEnum):
    """A speaker or actor: a person or an organisation."""

    PERSON = "person"
    ORGANISATION = "organisation"


# Admiralty (NATO) grading: source reliability A–F, information credibility 1–6.
SOURCE_RELIABILITY = ("A", "B", "C", "D", "E", "F")
INFORMATION_CREDIBILITY = ("1", "2", "3", "4", "5", "6")
DEFAULT_DESCRIPTOR = "Confidential source"


class Versioned:
    """Mixin: optimistic-concurrency counter plus created/updated times."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, server_default=func.current_timestamp()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime,
        nullable=False,
        default=utcnow,
        onupdate=utcnow,
        server_default=func.current_timestamp(),
    )


# --- Link tables (pure links: they go with either end)

source_tags = Table(
    "source_tags",
    Base.metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
quote_tags = Table(
    "quote_tags",
    Base.metadata,
    Column("quote_id", ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
person_tags = Table(
    "person_tags",
    Base.metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
place_tags = Table(
    "place_tags",
    Base.metadata,
    Column("place_id", ForeignKey("places.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
event_tags = Table(
    "event_tags",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
event_people = Table(
    "event_people",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True),
)
event_sources = Table(
    "event_sources",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True, index=True),
)
event_quotes = Table(
    "event_quotes",
    Base.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("quote_id", ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True, index=True),
)
source_places = Table(
    "source_places",
    Base.metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("place_id", ForeignKey("places.id", ondelete="CASCADE"), primary_key=True, index=True),
)
quote_places = Table(
    "quote_places",
    Base.metadata,
    Column("quote_id", ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
    Column("place_id", ForeignKey("places.id", ondelete="CASCADE"), primary_key=True, index=True),
)
source_people = Table(
    "source_people",
    Base.metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True),
)


# --- Content


class Case(Versioned, Base):
    """One story under investigation."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="", server_default="")
    author: Mapped[str] = mapped_column(String(200), default="", server_default="")

    __mapper_args__ = {"version_id_col": Versioned.version}


class SourceFile(Base):
    """The original bytes of an imported file, stored once per distinct content."""

    __tablename__ = "source_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(120))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.current_timestamp()
    )


class Source(Versioned, Base):
    """A document the journalist read, with its extracted text.

    Once a quote points into ``text`` it never changes: a correction is a new revision
    (``revision_of_id`` points back), and the old text and its quotes stay.
    """

    __tablename__ = "sources"
    __table_args__ = (
        CheckConstraint(
            "reliability IS NULL OR reliability IN ('A','B','C','D','E','F')", name="reliability"
        ),
        CheckConstraint(
            "credibility IS NULL OR credibility IN ('1','2','3','4','5','6')", name="credibility"
        ),
        Index("ix_sources_case_sha", "case_id", "file_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[SourceKind] = mapped_column(_enum(SourceKind, "source_kind"))
    title: Mapped[str] = mapped_column(String(500))
    author: Mapped[str] = mapped_column(String(300), default="", server_default="")
    publisher: Mapped[str] = mapped_column(String(300), default="", server_default="")
    url: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    retrieved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    reliability: Mapped[str | None] = mapped_column(String(1))
    credibility: Mapped[str | None] = mapped_column(String(1))
    confidentiality: Mapped[Confidentiality] = mapped_column(
        _enum(Confidentiality, "confidentiality"),
        default=Confidentiality.ON_RECORD,
        server_default=Confidentiality.ON_RECORD.value,
    )
    # Shown instead of the title/author/publisher when the source is confidential.
    descriptor: Mapped[str] = mapped_column(String(200), default="", server_default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("source_files.id", ondelete="RESTRICT"))
    file_name: Mapped[str] = mapped_column(String(500), default="", server_default="")
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Character offset at which each page starts (PDF); empty for unpaged sources.
    page_starts: Mapped[list[int]] = mapped_column(
        JSON, default=list, server_default=sa_text("'[]'")
    )
    # Extra metadata from the importer (email headers, document properties, footnotes...).
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default=sa_text("'{}'"))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    revision_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="RESTRICT"), index=True
    )
    # An email's attachment points at its email.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="RESTRICT"), index=True
    )

    file: Mapped[SourceFile | None] = relationship(lazy="raise")
    quotes: Mapped[list[Quote]] = relationship(back_populates="source", lazy="raise")
    tags: Mapped[list[Tag]] = relationship(secondary=source_tags, lazy="selectin")

    __mapper_args__ = {"version_id_col": Versioned.version}


class Person(Versioned, Base):
    """A person or an organisation involved in a case."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[PersonKind] = mapped_column(
        _enum(PersonKind, "person_kind"),
        default=PersonKind.PERSON,
        server_default=PersonKind.PERSON.value,
    )
    name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(300), default="", server_default="")
    contact: Mapped[str] = mapped_column(Text, default="", server_default="")
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    descriptor: Mapped[str] = mapped_column(String(200), default="", server_default="")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")

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

    __mapper_args__ = {"version_id_col": Versioned.version}


class Alias(Base):
    """Another spelling or script of a person's or organisation's name."""

    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("person_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))

    person: Mapped[Person] = relationship(back_populates="aliases")


class Affiliation(Versioned, Base):
    """A person's role in an organisation over a span of time (titles change)."""

    __tablename__ = "affiliations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[str] = mapped_column(String(300), default="", server_default="")
    start_on: Mapped[dt.date | None] = mapped_column(Date)
    end_on: Mapped[dt.date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(foreign_keys=[person_id], back_populates="affiliations")
    organisation: Mapped[Person] = relationship(foreign_keys=[organisation_id], lazy="joined")

    __mapper_args__ = {"version_id_col": Versioned.version}


class Quote(Versioned, Base):
    """A span of one source's text, with who said it and whether it was checked."""

    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="span"),
        Index("ix_quotes_case_speaker", "case_id", "speaker_id"),
        Index("ix_quotes_case_said", "case_id", "said_start"),
        # The window's lists page through quotes in source order (LIMIT/OFFSET): these let the
        # store walk an index instead of sorting every quote of the case on each page.
        Index("ix_quotes_case_order", "case_id", "source_id", "start_offset", "id"),
        Index(
            "ix_quotes_case_speaker_order",
            "case_id",
            "speaker_id",
            "source_id",
            "start_offset",
            "id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised from the source so that case-wide lists and filters need no join.
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="RESTRICT"), index=True
    )
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="RESTRICT"), index=True
    )
    said_start: Mapped[dt.date | None] = mapped_column(Date)
    said_end: Mapped[dt.date | None] = mapped_column(Date)
    said_precision: Mapped[Precision | None] = mapped_column(_enum(Precision, "precision"))
    status: Mapped[QuoteStatus] = mapped_column(
        _enum(QuoteStatus, "quote_status"),
        default=QuoteStatus.UNVERIFIED,
        server_default=QuoteStatus.UNVERIFIED.value,
    )
    checked_by: Mapped[str] = mapped_column(String(200), default="", server_default="")
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    translation: Mapped[str] = mapped_column(Text, default="", server_default="")
    translation_language: Mapped[str] = mapped_column(String(16), default="", server_default="")
    translator: Mapped[str] = mapped_column(String(200), default="", server_default="")

    source: Mapped[Source] = relationship(back_populates="quotes", lazy="joined")
    speaker: Mapped[Person | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary=quote_tags, lazy="selectin")

    __mapper_args__ = {"version_id_col": Versioned.version}

    @property
    def said(self) -> PartialDate | None:
        """The date said, at its precision."""
        if self.said_start is None or self.said_precision is None:
            return None
        return PartialDate(self.said_start, self.said_end or self.said_start, self.said_precision)


class Place(Versioned, Base):
    """A place with every spelling and script it goes by."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")

    aliases: Mapped[list[PlaceAlias]] = relationship(
        back_populates="place",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="PlaceAlias.id",
    )
    tags: Mapped[list[Tag]] = relationship(secondary=place_tags, lazy="selectin")

    __mapper_args__ = {"version_id_col": Versioned.version}


class PlaceAlias(Base):
    """Another spelling or script of a place name."""

    __tablename__ = "place_aliases"
    __table_args__ = (UniqueConstraint("place_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))

    place: Mapped[Place] = relationship(back_populates="aliases")


class Event(Versioned, Base):
    """Something that happened, dated at its precision, linked to people, sources and quotes."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_case_date", "case_id", "date_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    date_start: Mapped[dt.date | None] = mapped_column(Date)
    date_end: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[Precision | None] = mapped_column(_enum(Precision, "precision"))
    place_id: Mapped[int | None] = mapped_column(
        ForeignKey("places.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[str] = mapped_column(Text, default="", server_default="")

    place: Mapped[Place | None] = relationship(lazy="joined")
    people: Mapped[list[Person]] = relationship(secondary=event_people, lazy="selectin")
    sources: Mapped[list[Source]] = relationship(secondary=event_sources, lazy="selectin")
    quotes: Mapped[list[Quote]] = relationship(secondary=event_quotes, lazy="selectin")
    tags: Mapped[list[Tag]] = relationship(secondary=event_tags, lazy="selectin")

    __mapper_args__ = {"version_id_col": Versioned.version}

    @property
    def date(self) -> PartialDate | None:
        """The event's date, at its precision."""
        if self.date_start is None or self.date_precision is None:
            return None
        return PartialDate(self.date_start, self.date_end or self.date_start, self.date_precision)


class Tag(Base):
    """A label the journalist puts on sources, quotes, people, places and events."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("case_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class SavedSearch(Base):
    """A named query the journalist can rerun or export."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("case_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.current_timestamp()
    )
