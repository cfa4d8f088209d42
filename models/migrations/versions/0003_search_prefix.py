"""search: a two-letter prefix index in the quotes' FTS5 table (SQLite)

Revision ID: 0003_search_prefix
Revises: 0002_search
Create Date: 2026-12-07 07:00:00

Without it, a prefix query such as ``bo*`` makes FTS5 merge the doclists of every term starting
with ``bo`` (650 terms, 140,000 quotes at 1,000,000 quotes) before it can return one row, and
again for each statement of a search (count, window, bm25): 21-43 ms of CPU each. With
``prefix='2'`` FTS5 keeps one doclist per two-letter prefix and reads it like a word's:
0.3 ms for the newest 50, 1.1 ms to count 10,000 matches (docs/performance.md, "## Search").
Measured at 1,000,000 quotes: the quotes' index grows from 75 to 134 MB and its rebuild takes
38 % longer. Longer prefixes are read from the main index (three letters and more narrow the
merge enough: 3-5 ms); the sources' table has no prefix index (its text is 2.4 times larger).

The table is dropped and made again with the same columns, view and tokenizer as in 0002, then
refilled (``rebuild``); the ``fts_quotes_*`` triggers of 0002 write to it by name and stay as
they are. PostgreSQL needs nothing: its GIN index serves ``bo:*`` from the ordered entry tree.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_search_prefix"
down_revision: str | Sequence[str] | None = "0002_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUOTES_PREFIX = "2"  # FTS5 prefix index lengths of fts_quotes


def sqlite_quotes_table(prefix: str | None) -> str:
    """``fts_quotes`` as in 0002, with the prefix index ``prefix`` (None: without)."""
    extra = f", prefix='{prefix}'" if prefix else ""
    return (
        "CREATE VIRTUAL TABLE IF NOT EXISTS fts_quotes USING fts5(body, note, tags, "
        "content='search_quote_src', content_rowid='id', "
        f"tokenize='unicode61 remove_diacritics 2'{extra})"
    )


def _remake(prefix: str | None) -> None:
    op.execute("DROP TABLE IF EXISTS fts_quotes")
    op.execute(sqlite_quotes_table(prefix))
    op.execute("INSERT INTO fts_quotes(fts_quotes) VALUES ('rebuild')")


def upgrade() -> None:
    """Remake the quotes' FTS5 table with a two-letter prefix index (SQLite only)."""
    if op.get_bind().dialect.name == "sqlite":
        _remake(QUOTES_PREFIX)


def downgrade() -> None:
    """Remake it as 0002 made it."""
    if op.get_bind().dialect.name == "sqlite":
        _remake(None)
