"""Noticing changes made by colleagues (or another window) to a case, cheaply, by polling.

A case's *fingerprint* changes with any insert, delete or edit in the case. On SQLite it is
the case's change counter, which triggers raise in the writing transaction (migration 0005):
one row read, whatever the size of the case. On PostgreSQL it is one query of small aggregates
per table: for tables with a ``case_id`` column, the row count, the highest id, the sum of
``version`` counters and the latest ``updated_at``; for rows that hang off those (aliases,
tags, event links...), the count and the sums of their integer columns (no counter row there:
every writer of a case would wait for it).

The window keeps one :class:`ChangeWatcher` and calls ``poll(case_id)`` on a timer; ``True``
means "reload what you show".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Table, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from models.entities import Base
from services.base import Service

_COUNTER = text("SELECT seq FROM change_seq WHERE case_id = :case_id")


def _case_tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if "case_id" in t.c]


def _aggregates(case_id: int) -> list[ColumnElement[Any]]:
    """Scalar subqueries whose values together fingerprint the case."""
    out: list[ColumnElement[Any]] = []
    scoped = {t.name: t for t in _case_tables()}
    cases = Base.metadata.tables["cases"]
    out.append(select(cases.c.version).where(cases.c.id == case_id).scalar_subquery())
    for t in scoped.values():
        parts: list[Any] = [func.count(), func.max(t.c.id)] if "id" in t.c else [func.count()]
        if "version" in t.c:
            parts.append(func.sum(t.c.version))
        if "updated_at" in t.c:
            parts.append(func.max(t.c.updated_at))
        for p in parts:
            out.append(select(p).select_from(t).where(t.c.case_id == case_id).scalar_subquery())
    for t in Base.metadata.sorted_tables:
        if t.name in scoped or t.name == "cases":
            continue
        anchor = next(
            (
                (col, fk.column.table)
                for col in t.columns
                for fk in col.foreign_keys
                if fk.column.table.name in scoped
            ),
            None,
        )
        if anchor is None:
            continue
        col, parent = anchor
        ints = [c for c in t.columns if isinstance(c.type, Integer)]
        joined = t.join(parent, parent.c.id == col)
        cond = parent.c.case_id == case_id
        for agg in [func.count(), *(func.sum(c) for c in ints)]:
            out.append(select(agg).select_from(joined).where(cond).scalar_subquery())
    return out


class ChangeWatcher(Service):
    """Tells whether a case changed since the last poll.

    Attributes:
        sessions: The store's session factory.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        super().__init__(sessions)
        self._seen: dict[int, tuple[Any, ...]] = {}

    def fingerprint(self, case_id: int) -> tuple[Any, ...]:
        """The case's current fingerprint (one query).

        On SQLite, the case's change counter (migration 0005: triggers raise it with every
        write in the case): one row read. On PostgreSQL, aggregates over the case's tables.
        """
        with self._read() as s:
            if s.get_bind().dialect.name == "sqlite":
                seq = s.execute(_COUNTER, {"case_id": case_id}).scalar()
                return (str(seq),)
            row = s.execute(select(*_aggregates(case_id))).one()
            return tuple(str(v) for v in row)

    def poll(self, case_id: int) -> bool:
        """Whether the case changed since the previous poll (the first poll sets the baseline)."""
        now = self.fingerprint(case_id)
        before = self._seen.get(case_id)
        self._seen[case_id] = now
        return before is not None and before != now

    def reset(self, case_id: int) -> None:
        """Take the case's current state as seen (after this window's own edits, say)."""
        self._seen[case_id] = self.fingerprint(case_id)
