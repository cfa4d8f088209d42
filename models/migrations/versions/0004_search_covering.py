"""search: covering indexes for tag filters on SQLite (quote -> source, tag -> quotes)

Revision ID: 0004_search_covering
Revises: 0003_search_prefix
Create Date: 2026-12-07 07:55:00

A ``tag:`` filter with another filter on the quote's source (``kind:``, ``source:``) read each
tagged quote's row to learn its source: 14,000 random row reads for one tag at 1,000,000
quotes (rows of about 300 bytes, 13 to a page), 40 ms of CPU on a loaded machine.
``search_quotes_source`` holds (id, source_id) for every quote, about 200 to a page, so the
same check reads the index instead (24 ms; docs/performance.md, "## Search"). The search
service asks for it by name (``INDEXED BY``) in that plan only, since SQLite prefers the rowid.
``search_quote_tags`` (tag_id, quote_id) reads a tag's quotes from the index alone instead of
looking each link row up from ``ix_quote_tags_tag_id``.

SQLite only: PostgreSQL combines its own indexes (bitmap scans). The names start with
``search_`` so that the autogenerate check (tests/models/test_migrations.py) ignores them.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_search_covering"
down_revision: str | Sequence[str] | None = "0003_search_prefix"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUOTES_SOURCE_INDEX = "search_quotes_source"
INDEXES = (
    f"CREATE INDEX IF NOT EXISTS {QUOTES_SOURCE_INDEX} ON quotes (id, source_id)",
    "CREATE INDEX IF NOT EXISTS search_quote_tags ON quote_tags (tag_id, quote_id)",
)


def upgrade() -> None:
    """Add the covering indexes (SQLite only)."""
    if op.get_bind().dialect.name == "sqlite":
        for sql in INDEXES:
            op.execute(sql)


def downgrade() -> None:
    """Drop them."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP INDEX IF EXISTS {QUOTES_SOURCE_INDEX}")
        op.execute("DROP INDEX IF EXISTS search_quote_tags")
