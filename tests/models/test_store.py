"""Opening a store: SQLite settings, backups before upgrades, URLs, refusing what cannot open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from models.db import (
    StoreError,
    alembic_config,
    create_store_engine,
    current_revision,
    head_revision,
    open_store,
    resolve_url,
)
from tests.models.migration_helpers import EXTRA_REVISION, EXTRA_TABLE, install_newer_migrations


def _make_store_with_a_case(path: Path) -> None:
    store = open_store(str(path))
    with store.engine.begin() as c:
        c.execute(text("INSERT INTO cases (title, summary, author) VALUES ('Port deal', '', '')"))
    store.close()


def test_sqlite_store_uses_wal_and_enforces_foreign_keys(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    try:
        with store.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        with pytest.raises(IntegrityError, match="FOREIGN KEY"), store.engine.begin() as c:
            c.execute(
                text("INSERT INTO sources (case_id, kind, title) VALUES (4242, 'plain_text', 'x')")
            )
    finally:
        store.close()
    # The file itself is in WAL mode: a plain sqlite3 connection sees it too.
    conn = sqlite3.connect(sqlite_url)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_deleting_a_case_with_content_is_refused_by_the_schema(store) -> None:  # type: ignore[no-untyped-def]
    with store.engine.begin() as c:
        c.execute(text("INSERT INTO cases (id, title) VALUES (7, 'Port deal')"))
        c.execute(text("INSERT INTO sources (case_id, kind, title) VALUES (7, 'plain_text', 'x')"))
    with pytest.raises(IntegrityError), store.engine.begin() as c:
        c.execute(text("DELETE FROM cases WHERE id = 7"))


def test_new_store_is_created_at_head_without_backup(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = open_store(str(path))
    try:
        assert current_revision(store.engine) == head_revision()
        assert store.backup_path is None
        assert store.schema_before is None
    finally:
        store.close()
    assert not list(tmp_path.glob("*.bak-*"))


def test_opening_an_older_sqlite_store_backs_it_up_then_upgrades(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    _make_store_with_a_case(path)
    old_head = install_newer_migrations(tmp_path, monkeypatch)

    store = open_store(str(path))
    try:
        assert store.schema_before == old_head
        assert current_revision(store.engine) == EXTRA_REVISION
        assert EXTRA_TABLE in inspect(store.engine).get_table_names()
        backup = store.backup_path
    finally:
        store.close()

    assert backup is not None and backup == tmp_path / f"old.db.bak-{old_head}"
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == old_head
        assert conn.execute("SELECT title FROM cases").fetchall() == [("Port deal",)]
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert EXTRA_TABLE not in names
    finally:
        conn.close()
    # Opening again: nothing more to do, no second backup.
    again = open_store(str(path))
    assert again.backup_path is None
    again.close()


def test_migrations_go_down_to_empty_and_back_up(tmp_path: Path) -> None:
    path = tmp_path / "roundtrip.db"
    store = open_store(str(path))
    try:
        command.downgrade(alembic_config(store.engine), "base")
        assert current_revision(store.engine) is None
        tables = set(inspect(store.engine).get_table_names()) - {"alembic_version"}
        assert not tables
    finally:
        store.close()
    store = open_store(str(path))
    try:
        assert current_revision(store.engine) == head_revision()
        assert "quotes" in inspect(store.engine).get_table_names()
    finally:
        store.close()


def test_a_store_from_a_newer_sourcebook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    _make_store_with_a_case(path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = 'zzzz_from_the_future'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer Sourcebook"):
        open_store(str(path))


@pytest.mark.postgres
def test_server_store_is_upgraded_when_opened(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_store(pg_url)
    with first.engine.begin() as c:
        c.execute(text("INSERT INTO cases (title, summary, author) VALUES ('Port deal', '', '')"))
    first.close()
    old = install_newer_migrations(tmp_path, monkeypatch)
    # An administrator may keep upgrades for the explicit `migrate` command...
    with pytest.raises(StoreError, match="migrate"):
        open_store(pg_url, allow_server_upgrade=False)
    # ...but by default Alembic upgrades the schema on open, as on SQLite.
    store = open_store(pg_url)
    try:
        assert store.schema_before == old
        assert current_revision(store.engine) == EXTRA_REVISION
        assert EXTRA_TABLE in inspect(store.engine).get_table_names()
        assert store.backup_path is None  # server stores are backed up on the server
        with store.engine.connect() as c:
            assert c.execute(text("SELECT title FROM cases")).scalar() == "Port deal"
    finally:
        store.close()


@pytest.mark.postgres
def test_an_editor_login_that_cannot_change_the_schema_is_told_to_ask_the_owner(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.engine import make_url

    role = "sb_test_editor"  # roles are per server: created once, reused by later runs
    owner = open_store(pg_url)
    with owner.engine.begin() as c:
        if (
            c.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
            is None
        ):
            c.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        c.execute(text("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
        c.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
        c.execute(
            text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
        )
    owner.close()
    old = install_newer_migrations(tmp_path, monkeypatch)
    editor_url = make_url(pg_url).set(username=role).render_as_string(hide_password=False)
    with pytest.raises(StoreError, match="ask the store's owner"):
        open_store(editor_url)
    engine = create_store_engine(pg_url)
    try:
        assert current_revision(engine) == old  # nothing half-done
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_colleagues_opening_an_empty_server_store_at_once_create_it_once(
    pg_template: str,
) -> None:
    import threading

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.conftest import PG_URL

    admin = create_engine(make_url(PG_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = "sb_empty_race"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        start.wait()
        try:
            open_store(url).close()
        except BaseException as exc:  # collected and shown below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        store = open_store(url)
        try:
            assert current_revision(store.engine) == head_revision()
        finally:
            store.close()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("notaurl://", "unsupported database URL"),
        ("sqlite:////nonexistent-folder/x/store.db", "folder does not exist"),
        ("a b://x", "not a database URL"),
        ("sqlite+nosuchdriver:///x.db", "unsupported database URL"),
    ],
)
def test_bad_urls_raise_store_error(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        open_store(url)


def test_url_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCEBOOK_DB", str(tmp_path / "env.db"))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'env.db'}"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    monkeypatch.chdir(tmp_path)
    assert resolve_url("rel.db") == f"sqlite:///{tmp_path / 'rel.db'}"
    monkeypatch.delenv("SOURCEBOOK_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve_url(None).endswith("sourcebook.db")
    assert resolve_url(None).startswith("sqlite:///")


def test_a_store_written_at_the_first_schema_is_upgraded_with_its_data(store_url: str) -> None:
    """A real old store (schema 0001, before the search indexes) opens at head on each engine,
    its rows kept and indexed, and works through the services."""
    from services.container import Services

    first = "0001_initial"
    store = open_store(store_url)
    command.downgrade(alembic_config(store.engine), first)
    assert current_revision(store.engine) == first
    with store.engine.begin() as c:
        c.execute(text("INSERT INTO cases (id, title, summary, author) VALUES (1, 'Old', '', '')"))
        c.execute(
            text(
                "INSERT INTO sources (id, case_id, kind, title, text) VALUES "
                "(1, 1, 'plain_text', 'Statement', 'The commander said we will hold the bridge.')"
            )
        )
        c.execute(
            text(
                "INSERT INTO quotes (id, case_id, source_id, start_offset, end_offset, text) "
                "VALUES (1, 1, 1, 27, 43, 'hold the bridge.')"
            )
        )
        if store.engine.dialect.name == "postgresql":
            for table in ("cases", "sources", "quotes"):
                c.execute(text(f"SELECT setval('{table}_id_seq', 1)"))
    store.close()

    reopened = open_store(store_url)
    try:
        assert reopened.schema_before == first
        assert current_revision(reopened.engine) == head_revision()
        if reopened.dialect == "sqlite":
            assert reopened.backup_path is not None and reopened.backup_path.exists()
        svc = Services.over(reopened)
        assert svc.search.search(1, "bridge").quote_total == 1
        assert svc.search.search(1, "commander").source_total == 1
        q = svc.quotes.get(1)
        assert svc.sources.get_text(1)[q.start : q.end] == q.text == "hold the bridge."
        # New rows go on after the old ones.
        new = svc.quotes.create(1, 4, 13)
        assert new.id == 2 and new.text == "commander"
    finally:
        reopened.close()


def test_sqlite_sessions_reuse_a_connection_and_its_page_cache(sqlite_url: str) -> None:
    """One unit of work after another reads through the same SQLite connection (pooled): the
    index pages the last search read are still in its cache."""
    st = open_store(sqlite_url)
    try:
        seen = []
        for _ in range(3):
            with st.sessions() as s:
                s.execute(text("SELECT count(*) FROM cases")).scalar()
                seen.append(id(s.connection().connection.dbapi_connection))
        assert len(set(seen)) == 1
    finally:
        st.close()
