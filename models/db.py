"""Opening a store: engine, connection settings, schema migrations, session factory.

SQLite is the default (one file in the user data folder); any SQLAlchemy URL runs the same code,
PostgreSQL through psycopg 3 being the team setup.

Durability on SQLite: WAL journal with ``synchronous=FULL``. NORMAL would be faster per commit,
but in WAL mode it can lose the last acknowledged transactions on a power cut; a journalist's
"saved" must mean saved, and our commits are small and interactive, so FULL costs little.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
APP_NAME = "Sourcebook"
ENV_DB = "SOURCEBOOK_DB"


class StoreError(Exception):
    """The store cannot be opened or upgraded; the message says why in plain words."""


def default_sqlite_path() -> Path:
    """The default store file in the platform's user data folder."""
    return Path(user_data_dir(APP_NAME, appauthor=False)) / "sourcebook.db"


def resolve_url(db: str | None = None) -> str:
    """The store URL: ``db`` if given, else ``$SOURCEBOOK_DB``, else the default SQLite file.

    A bare file path is accepted and turned into a SQLite URL.
    """
    raw = db or os.environ.get(ENV_DB) or ""
    if not raw:
        path = default_sqlite_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" not in raw:
        return f"sqlite:///{Path(raw).expanduser().resolve()}"
    return raw


def _parse_url(url: str) -> URL:
    try:
        return make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise StoreError(f"not a database URL: {url!r}") from exc


def sqlite_file(url: str | URL) -> Path | None:
    """The file behind a SQLite URL, or None for other engines and in-memory stores."""
    u = _parse_url(url) if isinstance(url, str) else url
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def create_store_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with Sourcebook's connection settings for ``url``."""
    u = _parse_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        path = sqlite_file(u)
        if path is not None and not path.parent.exists():
            raise StoreError(f"folder does not exist: {path.parent}")
        kwargs.setdefault("poolclass", NullPool)
        engine = create_engine(u, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; let
        # SQLAlchemy emit BEGIN itself (documented SQLAlchemy recipe).
        event.listen(engine, "connect", _disable_pysqlite_autobegin)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    if backend == "postgresql":
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(u, **kwargs)
    try:
        return create_engine(u, **kwargs)
    except Exception as exc:
        raise StoreError(f"unsupported database URL {_safe(url)}: {_first_line(exc)}") from exc


def _disable_pysqlite_autobegin(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic configuration pointing at the bundled migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest migration revision shipped with this version."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the store is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, backup: bool = True) -> Path | None:
    """Bring the schema to the newest revision.

    Before upgrading an existing SQLite store, a consistent copy is written beside it
    (``name.db.bak-<revision>``). Returns that backup's path, if one was made.

    Raises:
        StoreError: the store is from a newer Sourcebook, or the upgrade failed.
    """
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    script = ScriptDirectory.from_config(alembic_config())
    if current is not None and script.get_revision(current) is None:
        raise StoreError(
            f"this store was written by a newer Sourcebook (schema {current}); update Sourcebook"
        )
    backup_path: Path | None = None
    path = sqlite_file(engine.url)
    if backup and current is not None and path is not None and path.exists():
        backup_path = path.with_name(f"{path.name}.bak-{current}")
        _sqlite_copy(path, backup_path)
    try:
        command.upgrade(alembic_config(engine), "head")
    except Exception as exc:
        raise StoreError(f"could not upgrade the store's schema: {exc}") from exc
    return backup_path


def _sqlite_copy(src: Path, dst: Path) -> None:
    # The online backup API gives a consistent copy even with a WAL file beside the store.
    tmp = dst.with_name(dst.name + ".tmp")
    with sqlite3.connect(src) as s, sqlite3.connect(tmp) as d:
        s.backup(d)
    d.close()
    s.close()
    shutil.move(tmp, dst)


@dataclass
class Store:
    """An open store: its engine and session factory.

    Attributes:
        url: The SQLAlchemy URL, with any password hidden when shown.
        engine: The engine.
        sessions: Factory for ORM sessions; services open one per unit of work.
        backup_path: Backup written before a schema upgrade on open, if any.
    """

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    backup_path: Path | None = None
    on_close: list[Callable[[], None]] = field(default_factory=list)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release connections."""
        for fn in self.on_close:
            fn()
        self.engine.dispose()


def open_store(db: str | None = None, *, migrate: bool = True, **engine_kwargs: Any) -> Store:
    """Open (and create or upgrade) the store named by ``db`` / ``$SOURCEBOOK_DB`` / default.

    Raises:
        StoreError: bad URL, unreachable server, or a schema that cannot be upgraded.
    """
    url = resolve_url(db)
    engine = create_store_engine(url, **engine_kwargs)
    backup_path = None
    try:
        if migrate:
            backup_path = upgrade(engine)
        elif current_revision(engine) != head_revision():
            raise StoreError("the store's schema is not up to date; run `python main.py migrate`")
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        raise StoreError(f"cannot open the store {_safe(url)}: {_first_line(exc)}") from exc
    sessions = sessionmaker(engine, expire_on_commit=False)
    return Store(url=_safe(url), engine=engine, sessions=sessions, backup_path=backup_path)


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
