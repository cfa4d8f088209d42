"""Full-text search: the query language, its compilation per engine, and the service.

The service (``services.search.service``) is not imported here: the window's start reads the
query language and the saved searches' DTOs without the ORM it needs.
"""

from __future__ import annotations

from services.search.dto import BatchLine, SavedSearchDTO, SearchGroup, SearchHit, SearchResults
from services.search.query import QuerySyntaxError

__all__ = [
    "BatchLine",
    "QuerySyntaxError",
    "SavedSearchDTO",
    "SearchGroup",
    "SearchHit",
    "SearchResults",
]
