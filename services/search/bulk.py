"""Refilling the SQLite search index in bulk, after a load made with its triggers dropped.

FTS5 gathers the terms of the rows it indexes in an in-memory hash and writes it out as one
index segment whenever it holds more than ``hashsize`` bytes (1 MB by default); the segments
are then merged as they pile up. A ``'rebuild'`` of 1,000,000 quotes with the default wrote
and merged segments for 20-23 s of CPU; with a 64 MB hash it took 13-16 s and made the same
index (same answers, same size, same query speed; docs/performance.md, "## Search"). The
larger hash is set for the rebuild only and the default put back in the same transaction,
so ordinary writes (a few rows per transaction, through the triggers) keep FTS5's defaults.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

FTS_TABLES = ("fts_quotes", "fts_sources")
BULK_HASHSIZE = 64 * 1024 * 1024  # bytes of terms FTS5 holds before writing a segment
DEFAULT_HASHSIZE = 1024 * 1024  # FTS5's own default (FTS5_DEFAULT_HASHSIZE)


def sqlite_rebuild(conn: sa.Connection, tables: Sequence[str] = FTS_TABLES) -> None:
    """Refill the FTS5 ``tables`` from their content views with a large in-memory hash.

    Runs in ``conn``'s transaction. The tables' tag column must be up to date first
    (``quotes.search_tags``). Raises ValueError for a table that is not a search table.
    """
    for table in tables:
        if table not in FTS_TABLES:
            raise ValueError(f"not a search table: {table!r}")
        conn.exec_driver_sql(
            f"INSERT INTO {table}({table}, rank) VALUES ('hashsize', {BULK_HASHSIZE})"
        )
        conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
        conn.exec_driver_sql(
            f"INSERT INTO {table}({table}, rank) VALUES ('hashsize', {DEFAULT_HASHSIZE})"
        )
