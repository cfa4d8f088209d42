"""Frozen results of a search: hits, groups, batch lines and saved searches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

HitKind = Literal["quote", "source"]


@dataclass(frozen=True)
class SearchHit:
    """One quote or source that matches.

    Attributes:
        kind: ``"quote"`` or ``"source"``.
        id: The quote's or source's id.
        case_id: Its case.
        source_id: The source (for a source hit, its own id).
        speaker_id: The quote's speaker, if any.
        label: The speaker's name (quote) or the source's title.
        score: Relevance (higher is better); 0 when results are newest-first.
        snippet: A window of the text with matches between ⟦ and ⟧.
        snippet_spans: (start, end) of the matches in the snippet without the marks.
        matches: (start, end) of every match in the hit's own text (the quote's text or the
            source's text); for a quote add ``text_start`` to get offsets in the source text.
        text_start: Where the quote starts in its source's text (0 for a source).
    """

    kind: HitKind
    id: int
    case_id: int
    source_id: int
    speaker_id: int | None
    label: str
    score: float
    snippet: str
    snippet_spans: tuple[tuple[int, int], ...]
    matches: tuple[tuple[int, int], ...]
    text_start: int = 0

    @property
    def quote_id(self) -> int | None:
        """The quote's id for a quote hit, None for a source hit."""
        return self.id if self.kind == "quote" else None


@dataclass(frozen=True)
class SearchGroup:
    """Hits that share a speaker or a source.

    Attributes:
        key: The speaker's or source's id (None: quotes without a speaker).
        label: The speaker's name or the source's title.
        hits: The group's hits, in result order.
    """

    key: int | None
    label: str
    hits: tuple[SearchHit, ...]


@dataclass(frozen=True)
class SearchResults:
    """The answer to one search.

    Attributes:
        query: The query as typed.
        quotes: Matching quotes (this page).
        sources: Matching sources (this page).
        quote_total: How many quotes match (a lower bound when ``quote_total_exact`` is false).
        source_total: How many sources match (same rule).
        quote_total_exact: Whether ``quote_total`` is exact.
        source_total_exact: Whether ``source_total`` is exact.
        ranked: Whether hits are ordered by relevance (false for filters without words, which
            come newest first).
        groups: Quote hits grouped by speaker or source when asked (``group_by``), else empty.
        rank_window: 0 when every match was ranked. Otherwise too many matched to rank them
            all quickly: the newest ``rank_window`` matches were ranked (best first) and older
            matches follow them newest first (the larger of the quotes' and the sources' windows).
        source_rank_window: the same for the sources alone, which are ranked in a smaller
            window (``services.search.service.SOURCE_RANK_WINDOW``).
    """

    query: str
    quotes: tuple[SearchHit, ...]
    sources: tuple[SearchHit, ...]
    quote_total: int
    source_total: int
    quote_total_exact: bool
    source_total_exact: bool
    ranked: bool
    groups: tuple[SearchGroup, ...] = ()
    rank_window: int = 0
    source_rank_window: int = 0

    @property
    def hits(self) -> tuple[SearchHit, ...]:
        """Quotes then sources."""
        return self.quotes + self.sources

    @property
    def items(self) -> tuple[SearchHit, ...]:
        """The same as ``hits`` (the window reads ``items``)."""
        return self.hits


@dataclass(frozen=True)
class BatchLine:
    """One line of a batch search.

    Attributes:
        line: The line as given.
        query: The query that was run (a multi-word name is searched as a phrase).
        quote_count: Matching quotes (exact).
        source_count: Matching sources (exact).
        quote_ids: The matching quotes' ids, newest first.
        source_ids: The matching sources' ids, newest first.
        error: Why the line could not be searched, else "".
    """

    line: str
    query: str
    quote_count: int
    source_count: int
    quote_ids: tuple[int, ...]
    source_ids: tuple[int, ...]
    error: str = ""


@dataclass(frozen=True)
class SavedSearchDTO:
    """A named query."""

    id: int
    case_id: int | None
    name: str
    query: str
    created_at: dt.datetime
