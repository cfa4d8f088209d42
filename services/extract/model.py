"""What assisted extraction proposes from a source's text, before the journalist reviews it.

Every proposal points at character spans of the source's text (Python string offsets, the same
as quote offsets). Nothing here is stored: the review service turns accepted proposals into
quotes, people, affiliations, places and events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from models.dates import PartialDate

Span = tuple[int, int]


class EntityKind(StrEnum):
    """What a named entity is."""

    PERSON = "person"
    ORGANISATION = "organisation"


@dataclass(frozen=True)
class ProposedEntity:
    """A person or organisation named in the text.

    ``key`` identifies the entity within one extraction (quotes refer to their speaker by it).
    ``matched_person_id`` is the person already in the case this entity was matched to (by name
    or alias, tolerant of transliteration and Arabic script), or ``None`` for a new one.
    """

    key: str
    kind: EntityKind
    name: str
    spans: tuple[Span, ...]
    role: str = ""
    affiliation_key: str | None = None
    acronym: str = ""
    aliases: tuple[str, ...] = ()
    matched_person_id: int | None = None


@dataclass(frozen=True)
class ProposedQuote:
    """A quoted passage: ``start``/``end`` enclose the words between the marks."""

    key: str
    start: int
    end: int
    text: str
    speaker_key: str | None = None
    speaker_span: Span | None = None
    said: PartialDate | None = None
    partial: bool = False
    language: str = ""


@dataclass(frozen=True)
class ProposedPlace:
    """A place named in the text, matched to a place of the case when one goes by that name."""

    key: str
    name: str
    spans: tuple[Span, ...]
    matched_place_id: int | None = None


@dataclass(frozen=True)
class ProposedEvent:
    """A dated happening: the date expression's span, its resolved date and the sentence."""

    key: str
    title: str
    date: PartialDate
    date_span: Span
    sentence_span: Span
    place_key: str | None = None
    people_keys: tuple[str, ...] = ()
    quote_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Extraction:
    """Everything proposed for one source."""

    source_id: int
    quotes: tuple[ProposedQuote, ...] = ()
    entities: tuple[ProposedEntity, ...] = ()
    places: tuple[ProposedPlace, ...] = ()
    events: tuple[ProposedEvent, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def entity(self, key: str | None) -> ProposedEntity | None:
        """The entity with this key, if any."""
        return next((e for e in self.entities if e.key == key), None)


class ExtractionCancelledError(Exception):
    """The extraction was stopped before its end (its ``stop`` callable said so)."""
