from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from models.db import current_revision, head_revision
from models.entities import Base
from models.migrations.filters import include_object


def test_the_head_revision_named_in_models_db_is_alembics_head(store) -> None:
    """``models.db.HEAD_REVISION`` (read without Alembic) is the newest migration shipped."""
    from alembic.script import ScriptDirectory

    from models.db import HEAD_REVISION, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD_REVISION]
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == HEAD_REVISION
    assert current_revision(store.engine) == HEAD_REVISION


def test_migrations_match_models(store) -> None:
    """Alembic's migrations on an empty database give exactly the models' schema."""
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_sqlite_stores_have_the_search_covering_indexes(store) -> None:
    """Migration 0004: the indexes the tag + source search plan names (``INDEXED BY``)."""
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL combines its own indexes")
    with store.engine.connect() as conn:
        names = set(
            conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'").scalars()
        )
    assert {"search_quotes_source", "search_quote_tags"} <= names
