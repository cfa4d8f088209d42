"""Full-text search: the query language, its compilation per engine, and the service."""

from __future__ import annotations

from services.search.dto import BatchLine, SavedSearchDTO, SearchGroup, SearchHit, SearchResults
from services.search.query import QuerySyntaxError
from services.search.service import SearchService

__all__ = [
    "BatchLine",
    "QuerySyntaxError",
    "SavedSearchDTO",
    "SearchGroup",
    "SearchHit",
    "SearchResults",
    "SearchService",
]
