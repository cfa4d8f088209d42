"""The neutral brief structure both renderers write (no python-docx, no reportlab here)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field


class Template(enum.StrEnum):
    """Which kind of document to write."""

    BRIEF = "brief"
    DOSSIER = "dossier"
    QUOTES = "quotes"


class GroupBy(enum.StrEnum):
    """How quotes are grouped."""

    SPEAKER = "speaker"
    SOURCE = "source"
    EVENT = "event"
    TAG = "tag"


CLASSIFICATION = "Internal — not for publication"


class ExportCancelledError(Exception):
    """Raised inside a renderer when the user cancelled; the service removes the partial file."""


@dataclass(frozen=True)
class Selection:
    """What part of the case goes into the export (all fields combine; empty means everything).

    Attributes:
        person_id: Only quotes by, and events involving, this person.
        tag: Only quotes and events carrying this tag.
        date_from: Only quotes and events that may fall on or after this day.
        date_to: Only quotes and events that may fall on or before this day.
        quote_ids: Only these quotes (hand-picked, or a search result).
        search: Only the quotes this search query finds (``services.search`` syntax).
        saved_search_id: Only the quotes this saved search finds.
    """

    person_id: int | None = None
    tag: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    quote_ids: tuple[int, ...] | None = None
    search: str | None = None
    saved_search_id: int | None = None

    @property
    def whole_case(self) -> bool:
        """Whether nothing narrows the selection."""
        return (
            self.person_id is None
            and not self.tag
            and self.date_from is None
            and self.date_to is None
            and self.quote_ids is None
            and not self.search
            and self.saved_search_id is None
        )

    @property
    def needs_search(self) -> bool:
        """Whether a search must run to know the quotes (``ExportService`` runs it)."""
        return bool(self.search) or self.saved_search_id is not None


@dataclass(frozen=True)
class BriefOptions:
    """How to build the document.

    Attributes:
        template: Brief, full dossier or quote sheet.
        group_by: How quotes are grouped.
        only_verified: Leave out quotes that are not verified.
        include_notes: Include the journalist's notes on quotes, people and sources.
        selection: What part of the case.
        author: Author or desk on the cover (default: the case's author).
        classification: The line printed on the cover and in the running header.
        author_in_properties: Put the author into the file's document properties.
        today: The date printed on the cover (default: today).
    """

    template: Template = Template.BRIEF
    group_by: GroupBy = GroupBy.SPEAKER
    only_verified: bool = False
    include_notes: bool = False
    selection: Selection = field(default_factory=Selection)
    author: str | None = None
    classification: str = CLASSIFICATION
    author_in_properties: bool = False
    today: dt.date | None = None


# --- Blocks


@dataclass(frozen=True)
class Heading:
    """A section title (level 1 or 2); ``key`` is a stable anchor for bookmarks and the TOC."""

    text: str
    level: int
    key: str


@dataclass(frozen=True)
class Para:
    """A paragraph of plain text (may mix scripts); ``style`` is ``body``, ``small`` or ``lead``."""

    text: str
    style: str = "body"


@dataclass(frozen=True)
class QuoteBlock:
    """One quote: exact text, who, when, status, and the number of its citation note.

    Attributes:
        quote_id: The quote's id.
        text: The exact quoted words.
        speaker: The speaker's public label (or "Unattributed").
        speaker_id: The speaker's id, for redaction.
        date: The date said, at its precision ("late Jan 2021"), or "".
        status: Verification status in words.
        note: Number of the citation note.
        translation: A translation, if any.
        remark: The journalist's note (only when notes are included).
    """

    quote_id: int
    text: str
    speaker: str
    speaker_id: int | None
    date: str
    status: str
    note: int
    translation: str = ""
    remark: str = ""


@dataclass(frozen=True)
class Table:
    """A table; ``widths`` are fractions of the text width; ``row_people`` the person per row."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    row_people: tuple[int | None, ...] = ()
    row_sources: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class Contents:
    """Where the table of contents goes."""


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


Block = Heading | Para | QuoteBlock | Table | Contents | PageBreak


@dataclass(frozen=True)
class Note:
    """A numbered citation: the quote's source and where in it.

    Attributes:
        number: 1-based note number, in order of reference.
        source_id: The cited source's id (for redaction).
        title: The source's title.
        publisher: Publisher (or author).
        date: Publication date in words, or "".
        url: The address, or "".
        page: Page of a paged (PDF) source, or None.
    """

    number: int
    source_id: int
    title: str
    publisher: str
    date: str
    url: str
    page: int | None = None

    def text(self) -> str:
        """The citation as one line."""
        parts = [self.title]
        if self.publisher:
            parts.append(self.publisher)
        if self.date:
            parts.append(self.date)
        if self.page is not None:
            parts.append(f"p. {self.page}")
        line = ", ".join(p for p in parts if p) + "."
        if self.url:
            line += f" {self.url}"
        return line


@dataclass(frozen=True)
class Cover:
    """The cover: title, subtitle (template name), date, author or desk, classification."""

    title: str
    subtitle: str
    date: str
    author: str
    classification: str


@dataclass(frozen=True)
class Properties:
    """Document properties (what file managers and search tools show)."""

    title: str
    subject: str
    author: str
    keywords: str


@dataclass(frozen=True)
class Document:
    """A whole brief, ready to render.

    Attributes:
        template: Which template built it.
        cover: The cover.
        header: Running header text.
        blocks: Body blocks in order.
        notes: Citation notes, numbered from 1.
        properties: Document properties.
        redacted: Whether :func:`services.brief.redact.redact` has been applied.
    """

    template: Template
    cover: Cover
    header: str
    blocks: tuple[Block, ...]
    notes: tuple[Note, ...]
    properties: Properties
    redacted: bool = False

    def quote_texts(self) -> list[str]:
        """Every quote's text in the document, in order."""
        return [b.text for b in self.blocks if isinstance(b, QuoteBlock)]
