"""Shared fixtures: a fresh store per test on SQLite and, when a server is given, PostgreSQL.

The PostgreSQL half runs when ``SOURCEBOOK_TEST_PG_URL`` names a server (``.ci/run`` starts a
throwaway one); otherwise those tests are skipped with a visible reason.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from models.db import Store, open_store
from services.container import Services

PG_URL = os.environ.get("SOURCEBOOK_TEST_PG_URL", "")
PG_SKIP = "PostgreSQL tests skipped: set SOURCEBOOK_TEST_PG_URL (bash .ci/run starts a server)"
_pg_counter = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, fully migrated SQLite store built once per test session."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    store = open_store(str(path))
    store.close()
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL template database, created once per test session."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"sb_template_{os.getpid()}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    store = open_store(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    store.close()
    yield name
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _sqlite_url(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "store.db"
    shutil.copyfile(template, path)
    return str(path)


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite store file for one test."""
    return _sqlite_url(sqlite_template, tmp_path)


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A fresh migrated PostgreSQL database for one test (copied from the template)."""
    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"sb_test_{os.getpid()}_{next(_pg_counter)}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """A fresh store URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """An open store on each engine."""
    st = open_store(store_url)
    yield st
    st.close()


@pytest.fixture
def services(store: Store) -> Services:
    """All services over a fresh store, on each engine."""
    return Services.over(store)


@pytest.fixture
def sqlite_services(sqlite_url: str) -> Iterator[Services]:
    """All services over a fresh SQLite store only (for SQLite-specific behaviour)."""
    svc = Services.open(sqlite_url)
    yield svc
    svc.close()


def two_desks(url: str) -> Iterator[tuple[Services, Services]]:
    """Two stores (engines, connections) on one database, as two desks or two processes have.

    For a fixture: ``yield from two_desks(url)``.
    """
    a, b = Services.over(open_store(url)), Services.over(open_store(url))
    yield a, b
    a.close()
    b.close()


@contextmanager
def select_statements(svc: Services) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements ``svc``'s store runs inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    engine = svc.store.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
