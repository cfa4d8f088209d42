"""What Alembic's autogenerate compares (shared by env.py and the schema test)."""

from __future__ import annotations

from typing import Any


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Leave engine-specific objects out of autogenerate: search structures (FTS5 tables,
    tsvector columns) and the SQLite change counter.

    They are created by their own migrations with raw DDL per engine; they are named with a
    ``fts_``, ``search_`` or ``change_`` prefix, or carry ``info={"skip_autogenerate": True}``.
    """
    if name is not None and name.startswith(("fts_", "search_", "change_")):
        return False
    info = getattr(obj, "info", None) or {}
    return not info.get("skip_autogenerate", False)
