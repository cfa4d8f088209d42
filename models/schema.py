"""The case file's tables, declared with SQLAlchemy Core (no ORM).

The mapped classes of :mod:`models.entities` are declared over these tables. Keeping the tables
apart lets a window start read its first pages with Core before the ORM is imported: importing
the ORM, declaring the classes and configuring their mappers is about a quarter of a start.

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

from models.dates import Precision

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


def _versioned() -> tuple[Column[Any], ...]:
    # An editable row's optimistic-concurrency counter and its created/updated times.
    return (
        Column("version", Integer, nullable=False, server_default="1"),
        Column(
            "created_at",
            UTCDateTime,
            nullable=False,
            default=utcnow,
            server_default=func.current_timestamp(),
        ),
        Column(
            "updated_at",
            UTCDateTime,
            nullable=False,
            default=utcnow,
            onupdate=utcnow,
            server_default=func.current_timestamp(),
        ),
    )


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _case_id(ondelete: str = "RESTRICT", nullable: bool = False) -> Column[int]:
    return Column(
        "case_id", ForeignKey("cases.id", ondelete=ondelete), nullable=nullable, index=True
    )


def _required(name: str, type_: Any, **kw: Any) -> Column[Any]:
    return Column(name, type_, nullable=False, **kw)


def _text(name: str, type_: Any = Text) -> Column[str]:
    # Free text that is empty rather than missing.
    return Column(name, type_, nullable=False, default="", server_default="")


# --- Link tables (pure links: they go with either end)

source_tags = Table(
    "source_tags",
    metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
quote_tags = Table(
    "quote_tags",
    metadata,
    Column("quote_id", ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
person_tags = Table(
    "person_tags",
    metadata,
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
place_tags = Table(
    "place_tags",
    metadata,
    Column("place_id", ForeignKey("places.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
event_tags = Table(
    "event_tags",
    metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)
event_people = Table(
    "event_people",
    metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True),
)
event_sources = Table(
    "event_sources",
    metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True, index=True),
)
event_quotes = Table(
    "event_quotes",
    metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("quote_id", ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True, index=True),
)
source_places = Table(
    "source_places",
    metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("place_id", ForeignKey("places.id", ondelete="CASCADE"), primary_key=True, index=True),
)
quote_places = Table(
    "quote_places",
    metadata,
    Column("quote_id", ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
    Column("place_id", ForeignKey("places.id", ondelete="CASCADE"), primary_key=True, index=True),
)
source_people = Table(
    "source_people",
    metadata,
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True),
)


# --- Content

cases = Table(
    "cases",
    metadata,
    _id(),
    _required("title", String(300)),
    _text("summary"),
    _text("author", String(200)),
    *_versioned(),
)

# The original bytes of an imported file, stored once per distinct content.
source_files = Table(
    "source_files",
    metadata,
    _id(),
    _required("sha256", String(64), unique=True),
    _required("size", Integer),
    _required("media_type", String(120)),
    _required("data", LargeBinary),
    _required("created_at", UTCDateTime, default=utcnow, server_default=func.current_timestamp()),
)

# A document the journalist read, with its extracted text. Once a quote points into ``text`` it
# never changes: a correction is a new revision (``revision_of_id`` points back), and the old
# text and its quotes stay.
sources = Table(
    "sources",
    metadata,
    _id(),
    _case_id(),
    _required("kind", _enum(SourceKind, "source_kind")),
    _required("title", String(500)),
    _text("author", String(300)),
    _text("publisher", String(300)),
    _text("url", String(2000)),
    Column("published_on", Date),
    Column("retrieved_at", UTCDateTime),
    _text("language", String(16)),
    Column("reliability", String(1)),
    Column("credibility", String(1)),
    _required(
        "confidentiality",
        _enum(Confidentiality, "confidentiality"),
        default=Confidentiality.ON_RECORD,
        server_default=Confidentiality.ON_RECORD.value,
    ),
    # Shown instead of the title/author/publisher when the source is confidential.
    _text("descriptor", String(200)),
    Column("file_id", ForeignKey("source_files.id", ondelete="RESTRICT")),
    _text("file_name", String(500)),
    _text("text"),
    # Character offset at which each page starts (PDF); empty for unpaged sources.
    _required("page_starts", JSON, default=list, server_default=sa_text("'[]'")),
    # Extra metadata from the importer (email headers, document properties, footnotes...).
    _required("meta", JSON, default=dict, server_default=sa_text("'{}'")),
    _text("note"),
    _required("revision", Integer, default=1, server_default="1"),
    Column("revision_of_id", ForeignKey("sources.id", ondelete="RESTRICT"), index=True),
    # An email's attachment points at its email.
    Column("parent_id", ForeignKey("sources.id", ondelete="RESTRICT"), index=True),
    *_versioned(),
    CheckConstraint(
        "reliability IS NULL OR reliability IN ('A','B','C','D','E','F')", name="reliability"
    ),
    CheckConstraint(
        "credibility IS NULL OR credibility IN ('1','2','3','4','5','6')", name="credibility"
    ),
    Index("ix_sources_case_sha", "case_id", "file_id"),
)

# A person or an organisation involved in a case.
people = Table(
    "people",
    metadata,
    _id(),
    _case_id(),
    _required(
        "kind",
        _enum(PersonKind, "person_kind"),
        default=PersonKind.PERSON,
        server_default=PersonKind.PERSON.value,
    ),
    _required("name", String(300)),
    _text("role", String(300)),
    _text("contact"),
    _required("confidential", Boolean, default=False, server_default="0"),
    _text("descriptor", String(200)),
    _text("notes"),
    *_versioned(),
)

# Another spelling or script of a person's or organisation's name.
aliases = Table(
    "aliases",
    metadata,
    _id(),
    _required("person_id", ForeignKey("people.id", ondelete="CASCADE"), index=True),
    _required("name", String(300)),
    UniqueConstraint("person_id", "name"),
)

# A person's role in an organisation over a span of time (titles change).
affiliations = Table(
    "affiliations",
    metadata,
    _id(),
    _required("person_id", ForeignKey("people.id", ondelete="RESTRICT"), index=True),
    _required("organisation_id", ForeignKey("people.id", ondelete="RESTRICT"), index=True),
    _text("role", String(300)),
    Column("start_on", Date),
    Column("end_on", Date),
    *_versioned(),
)

# A span of one source's text, with who said it and whether it was checked.
quotes = Table(
    "quotes",
    metadata,
    _id(),
    # Denormalised from the source so that case-wide lists and filters need no join.
    _case_id(),
    _required("source_id", ForeignKey("sources.id", ondelete="RESTRICT"), index=True),
    _required("start_offset", Integer),
    _required("end_offset", Integer),
    _required("text", Text),
    Column("speaker_id", ForeignKey("people.id", ondelete="RESTRICT"), index=True),
    Column("said_start", Date),
    Column("said_end", Date),
    Column("said_precision", _enum(Precision, "precision")),
    _required(
        "status",
        _enum(QuoteStatus, "quote_status"),
        default=QuoteStatus.UNVERIFIED,
        server_default=QuoteStatus.UNVERIFIED.value,
    ),
    _text("checked_by", String(200)),
    Column("checked_at", UTCDateTime),
    _text("note"),
    _text("language", String(16)),
    _text("translation"),
    _text("translation_language", String(16)),
    _text("translator", String(200)),
    *_versioned(),
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

# A place with every spelling and script it goes by.
places = Table(
    "places",
    metadata,
    _id(),
    _case_id(),
    _required("name", String(300)),
    Column("latitude", Float),
    Column("longitude", Float),
    _text("notes"),
    *_versioned(),
)

# Another spelling or script of a place name.
place_aliases = Table(
    "place_aliases",
    metadata,
    _id(),
    _required("place_id", ForeignKey("places.id", ondelete="CASCADE"), index=True),
    _required("name", String(300)),
    UniqueConstraint("place_id", "name"),
)

# Something that happened, dated at its precision, linked to people, sources and quotes.
events = Table(
    "events",
    metadata,
    _id(),
    _case_id(),
    _required("title", String(500)),
    Column("date_start", Date),
    Column("date_end", Date),
    Column("date_precision", _enum(Precision, "precision")),
    Column("place_id", ForeignKey("places.id", ondelete="RESTRICT"), index=True),
    _text("description"),
    *_versioned(),
    Index("ix_events_case_date", "case_id", "date_start"),
)

# A label the journalist puts on sources, quotes, people, places and events.
tags = Table(
    "tags",
    metadata,
    _id(),
    _case_id(),
    _required("name", String(200)),
    UniqueConstraint("case_id", "name"),
)

# A named query the journalist can rerun or export.
saved_searches = Table(
    "saved_searches",
    metadata,
    _id(),
    _case_id(ondelete="CASCADE", nullable=True),
    _required("name", String(200)),
    _required("query", Text),
    _required("created_at", UTCDateTime, default=utcnow, server_default=func.current_timestamp()),
    UniqueConstraint("case_id", "name"),
)
