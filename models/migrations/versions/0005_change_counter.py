"""change counter: one number per case that every write in the case raises (SQLite)

Revision ID: 0005_change_counter
Revises: 0004_search_covering
Create Date: 2026-12-07 09:55:00

The window checks every few seconds whether a colleague (or another window, or a command-line
import) changed the open case (``services.changes``). Without a counter that check summed the
version of every row of the case: 8 s of CPU and 12 s of wall time per check on a store of
1,000,000 quotes, after every edit of one's own and at every start. Here triggers raise
``change_seq.seq`` of the case in the same transaction as any insert, update or delete of the
case, its rows, or the rows hanging off them (aliases, affiliations, tag and event links...);
the check reads one row.

SQLite only. A SQLite store has one writer at a time, so the counter row costs no waiting;
on PostgreSQL every writer of a case would queue behind that one row until the others commit
(a colleague's long import would hold it), so PostgreSQL keeps the aggregate check, which its
server runs in parallel. The names start with ``change_`` so that the autogenerate check
(models/migrations/filters.py) leaves them alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005_change_counter"
down_revision: str | Sequence[str] | None = "0004_search_covering"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "change_seq"

# Tables with a case_id column.
SCOPED = ("sources", "quotes", "people", "events", "places", "tags", "saved_searches")
# Tables that hang off one of those: (column, parent table). A link table names its first
# parent: both ends are always in the same case.
CHILDREN = {
    "affiliations": ("person_id", "people"),
    "aliases": ("person_id", "people"),
    "person_tags": ("person_id", "people"),
    "place_aliases": ("place_id", "places"),
    "place_tags": ("place_id", "places"),
    "source_people": ("source_id", "sources"),
    "source_places": ("source_id", "sources"),
    "source_tags": ("source_id", "sources"),
    "event_people": ("event_id", "events"),
    "event_quotes": ("event_id", "events"),
    "event_sources": ("event_id", "events"),
    "event_tags": ("event_id", "events"),
    "quote_places": ("quote_id", "quotes"),
    "quote_tags": ("quote_id", "quotes"),
}
_OPS = (("INSERT", "NEW", "i"), ("UPDATE", "NEW", "u"), ("DELETE", "OLD", "d"))
_RAISE = (
    f"INSERT INTO {TABLE} (case_id, seq) {{rows}} "
    "ON CONFLICT (case_id) DO UPDATE SET seq = seq + 1;"
)


def trigger_names() -> list[str]:
    """Every trigger this migration creates."""
    tables = ("cases", *SCOPED, *CHILDREN)
    return [f"change_{t}_{suffix}" for t in tables for _, _, suffix in _OPS]


def _statements() -> list[str]:
    out = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} (case_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)",
        f"INSERT OR IGNORE INTO {TABLE} (case_id, seq) SELECT id, 1 FROM cases",
    ]

    def trigger(table: str, op_: str, suffix: str, body: str) -> str:
        return (
            f"CREATE TRIGGER IF NOT EXISTS change_{table}_{suffix} AFTER {op_} ON {table} "
            f"BEGIN {body} END"
        )

    for op_, row, suffix in _OPS:
        if op_ == "DELETE":
            body = f"DELETE FROM {TABLE} WHERE case_id = OLD.id;"
        else:
            body = _RAISE.format(rows=f"VALUES ({row}.id, 1)")
        out.append(trigger("cases", op_, suffix, body))
        for table in SCOPED:
            out.append(
                trigger(table, op_, suffix, _RAISE.format(rows=f"VALUES ({row}.case_id, 1)"))
            )
        for table, (column, parent) in CHILDREN.items():
            rows = f"SELECT case_id, 1 FROM {parent} WHERE id = {row}.{column}"
            out.append(trigger(table, op_, suffix, _RAISE.format(rows=rows)))
    return out


def upgrade() -> None:
    """Add the counter and its triggers (SQLite only)."""
    if op.get_bind().dialect.name == "sqlite":
        for sql in _statements():
            op.execute(sql)


def downgrade() -> None:
    """Drop them."""
    if op.get_bind().dialect.name == "sqlite":
        for name in trigger_names():
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {TABLE}")
