"""Opening a store: engine, connection settings, schema migrations, session factory.

SQLite is the default (one file in the user data folder); any SQLAlchemy URL runs the same code,
PostgreSQL through psycopg 3 being the team setup.

Durability on SQLite: WAL journal with ``synchronous=FULL``. NORMAL would be faster per commit,
but in WAL mode it can lose the last acknowledged transactions on a power cut; a journalist's
"saved" must mean saved, and our commits are small and interactive, so FULL costs little.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url

from models.textfold import index_fold

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.orm import Session, sessionmaker

# The newest migration shipped (models/migrations/versions). Kept here so that opening a store
# already at it needs no Alembic import (a fifth of a second at every start of the window and
# of each command); tests/models/test_migrations.py checks it against Alembic's own head.
HEAD_REVISION = "0005_change_counter"

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
APP_NAME = "Sourcebook"
ENV_DB = "SOURCEBOOK_DB"
ENV_PASSPHRASE = "SOURCEBOOK_PASSPHRASE"
ENV_PASSPHRASE_FILE = "SOURCEBOOK_PASSPHRASE_FILE"
SQLITE_HEADER = b"SQLite format 3\x00"
# Key derivation as SQLCipher 4 does it by default (PBKDF2-HMAC-SHA512, 256,000 rounds, the
# 16-byte salt SQLCipher keeps at the start of the file), done once per open in Python instead
# of once per connection in SQLCipher; the file still opens with stock SQLCipher tools and
# ``PRAGMA key = 'passphrase'``.
_KDF_ROUNDS = 256_000
_SALT_BYTES = 16
# Raw SQLCipher key specs (``x'<key><salt>'``) of open encrypted engines: memory only.
_ENGINE_KEYS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


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


# --- Encryption at rest (SQLCipher through sqlcipher3)


def passphrase_from_env() -> str | None:
    """The passphrase from ``$SOURCEBOOK_PASSPHRASE_FILE`` (its first line) or the environment."""
    file = os.environ.get(ENV_PASSPHRASE_FILE, "")
    if file:
        try:
            text = Path(file).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise StoreError(f"cannot read the passphrase file {file}: {exc.strerror}") from exc
        first = text.splitlines()[0] if text else ""
        return first or None
    return os.environ.get(ENV_PASSPHRASE) or None


def is_encrypted_file(path: Path) -> bool:
    """Whether ``path`` exists, holds data, and does not start like a plain SQLite file."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return bool(head) and head != SQLITE_HEADER


def store_is_encrypted(db: str | None = None) -> bool:
    """Whether the store ``db`` (resolved as :func:`open_store` does) is an encrypted file."""
    try:
        path = sqlite_file(resolve_url(db))
    except StoreError:
        return False
    return path is not None and is_encrypted_file(path)


def sqlite_key(path: Path, passphrase: str) -> str:
    """The raw SQLCipher key spec for ``path`` under ``passphrase`` (salt from the file, or new).

    The result is a secret: keep it in memory only.
    """
    salt = b""
    if is_encrypted_file(path):
        with path.open("rb") as f:
            salt = f.read(_SALT_BYTES)
    if len(salt) != _SALT_BYTES:
        salt = os.urandom(_SALT_BYTES)
    key = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, _KDF_ROUNDS, 32)
    return f"x'{key.hex()}{salt.hex()}'"


def connect_sqlite(path: Path | str, key: str | None = None) -> Any:
    """A DB-API connection to a SQLite file: plain ``sqlite3``, or SQLCipher keyed with ``key``."""
    if key is None:
        plain = sqlite3.connect(str(path), check_same_thread=False)
        plain.create_function("sb_fold", 1, index_fold, deterministic=True)
        return plain
    import sqlcipher3.dbapi2 as cipher

    conn = cipher.connect(str(path), check_same_thread=False)
    # SQLCipher logs failed page decryptions to stderr; a wrong passphrase is reported by us.
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f'PRAGMA key = "{key}"')
    conn.create_function("sb_fold", 1, index_fold, deterministic=True)
    return conn


def engine_key(engine: Engine) -> str | None:
    """The in-memory SQLCipher key spec of an encrypted engine, None for plain stores."""
    return _ENGINE_KEYS.get(engine)


def backup_sqlite(engine: Engine, dst: Path) -> None:
    """Write a consistent copy of the engine's SQLite file to ``dst`` (online backup API).

    The copy of an encrypted store is encrypted with the same key and salt, so it opens with the
    same passphrase. Written to a temporary name first, then renamed into place.
    """
    path = sqlite_file(engine.url)
    if path is None:
        raise StoreError("only SQLite file stores can be copied this way")
    copy_sqlite_file(path, dst, engine_key(engine))


def copy_sqlite_file(src: Path, dst: Path, key: str | None = None) -> None:
    """Copy SQLite file ``src`` to ``dst`` through the online backup API (consistent with WAL)."""
    tmp = dst.with_name(dst.name + ".tmp")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    s = connect_sqlite(src, key)
    try:
        d = connect_sqlite(tmp, key)
        try:
            s.backup(d)
            # A standalone copy: fold any WAL content in and switch the copy to rollback mode.
            d.execute("PRAGMA journal_mode=DELETE")
        finally:
            d.close()
    finally:
        s.close()
    os.replace(tmp, dst)
    _fsync_dir(dst.parent)


def encrypt_sqlite_copy(src: Path, dst: Path, passphrase: str) -> None:
    """Write an encrypted copy of the plain SQLite store ``src`` to the new file ``dst``."""
    if dst.exists():
        raise StoreError(f"{dst} already exists; choose a new file name")
    if is_encrypted_file(src):
        raise StoreError(f"{src.name} is already encrypted")
    import sqlcipher3.dbapi2 as cipher

    key = sqlite_key(dst, passphrase)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = cipher.connect(str(src), check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute('ATTACH DATABASE ? AS enc KEY "' + key + '"', (str(tmp),))
        conn.execute("SELECT sqlcipher_export('enc')")
        conn.execute("DETACH DATABASE enc")
    finally:
        conn.close()
    os.replace(tmp, dst)
    _fsync_dir(dst.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def check_sqlite_file(path: Path, key: str | None = None, quick: bool = False) -> str:
    """``PRAGMA integrity_check`` (or ``quick_check``) of a SQLite file: ``ok`` when sound."""
    conn = connect_sqlite(path, key)
    try:
        rows = conn.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchall()
        return "\n".join(str(r[0]) for r in rows)
    except Exception as exc:
        return f"unreadable: {_first_line(exc)}"
    finally:
        conn.close()


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()
    # The search index triggers fold Arabic text with this function (models.textfold); a
    # 55-deep replace() chain in SQL overflowed SQLite's parser stack.
    dbapi_conn.create_function("sb_fold", 1, index_fold, deterministic=True)


# Execution option of a connection that will write: on SQLite its transaction starts with
# BEGIN IMMEDIATE, taking the write lock at once. A deferred BEGIN reads from a snapshot, and
# when another process commits before this transaction's first write, that write fails with
# SQLITE_BUSY at once (busy_timeout does not wait for a snapshot that is already stale).
WRITE = {"sourcebook_write": True}


def _sqlite_begin(conn: Any) -> None:
    write = conn.get_execution_options().get("sourcebook_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_store_engine(url: str, passphrase: str | None = None, **kwargs: Any) -> Engine:
    """An engine with Sourcebook's connection settings for ``url``.

    With ``passphrase`` (SQLite only), the file is encrypted with SQLCipher; the key derived from
    the passphrase stays in memory.
    """
    u = _parse_url(url)
    backend = u.get_backend_name()
    if passphrase and backend != "sqlite":
        raise StoreError(
            "a passphrase encrypts SQLite stores; protect a PostgreSQL store on its server"
        )
    if backend == "sqlite":
        path = sqlite_file(u)
        if path is not None and not path.parent.exists():
            raise StoreError(f"folder does not exist: {path.parent}")
        # Connections are pooled (SQLAlchemy's QueuePool, the dialect's choice for a file):
        # each keeps its page cache, so a search finds the index pages it read last time
        # already parsed. A connection per session (NullPool, before) gave every search a cold
        # cache: p95 of tag + kind + word at 1,000,000 quotes 59-63 ms, pooled 41-43 ms.
        key: str | None = None
        if passphrase:
            if path is None:
                raise StoreError("only a store kept in a file can be encrypted")
            import sqlcipher3.dbapi2 as cipher

            key = sqlite_key(path, passphrase)
            kwargs.setdefault("module", cipher)
            kwargs["creator"] = lambda: connect_sqlite(path, key)
        engine = _create_engine(u, url, **kwargs)
        if key is not None:
            _ENGINE_KEYS[engine] = key
        event.listen(engine, "connect", _on_sqlite_connect)
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; let
        # SQLAlchemy emit BEGIN itself (documented SQLAlchemy recipe).
        event.listen(engine, "connect", _disable_pysqlite_autobegin)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        kwargs.setdefault("pool_pre_ping", True)
    return _create_engine(u, url, **kwargs)


def _create_engine(u: URL, url: str, **kwargs: Any) -> Engine:
    try:
        return create_engine(u, **kwargs)
    except Exception as exc:  # unknown dialect or driver, bad options
        raise StoreError(f"unsupported database URL {_safe(url)}: {_first_line(exc)}") from exc


def _disable_pysqlite_autobegin(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None


def alembic_config(engine: Engine | None = None) -> Config:
    """Alembic configuration pointing at the bundled migrations."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    """The newest migration revision shipped with this version."""
    return HEAD_REVISION


def current_revision(engine: Engine) -> str | None:
    """The revision the store is at, or None for an empty database.

    Read with plain SQL from Alembic's ``alembic_version`` table (Alembic's own reader would
    import Alembic at every start).
    """
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise StoreError(f"the store records several schema versions ({', '.join(rows)})")
    return rows[0] if rows else None


def upgrade(engine: Engine, backup: bool = True) -> Path | None:
    """Bring the schema to the newest revision.

    Before upgrading an existing SQLite store, a consistent copy is written beside it
    (``name.db.bak-<revision>``). Returns that backup's path, if one was made. A PostgreSQL
    store is upgraded under an advisory lock, so that colleagues opening it at the same moment
    do not run the migrations twice (its backups are made on the server, see docs/team.md).

    Raises:
        StoreError: the store is from a newer Sourcebook, or the upgrade failed.
    """
    if engine.dialect.name == "postgresql":
        _upgrade_server(engine)
        return None
    return _upgrade(engine, backup)


# Key of the PostgreSQL advisory lock held while a Sourcebook upgrades a server store's schema.
_UPGRADE_LOCK = 0x536F75726365  # "Source" in ASCII; any constant bigint would do


def _upgrade_server(engine: Engine) -> None:
    # Colleagues may open the shared store at the same moment: the first to take the lock
    # upgrades, the others wait and then find the schema already at head.
    with engine.connect() as lock:
        lock.exec_driver_sql(f"SELECT pg_advisory_lock({_UPGRADE_LOCK})")
        try:
            _upgrade(engine, backup=False)
        finally:
            lock.exec_driver_sql(f"SELECT pg_advisory_unlock({_UPGRADE_LOCK})")
            lock.commit()


def _upgrade(engine: Engine, backup: bool) -> Path | None:
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    known = {r.revision for r in script.walk_revisions()}
    if current is not None and current not in known:
        raise StoreError(
            f"this store was written by a newer Sourcebook (schema {current}); update Sourcebook"
        )
    backup_path: Path | None = None
    path = sqlite_file(engine.url)
    if backup and current is not None and path is not None and path.exists():
        backup_path = path.with_name(f"{path.name}.bak-{current}")
        backup_sqlite(engine, backup_path)
    try:
        command.upgrade(alembic_config(engine), "head")
    except Exception as exc:
        reason = _first_line(exc)
        if "permission denied" in reason or "must be owner" in reason:
            # A colleague's login that may edit rows but not the schema (docs/team.md).
            raise StoreError(
                f"the store's schema needs an upgrade (from {current or 'empty'} to {head}) "
                "that your login may not make: ask the store's owner to run "
                "`python main.py --db URL migrate` with this Sourcebook version"
            ) from exc
        raise StoreError(f"could not upgrade the store's schema: {reason}") from exc
    return backup_path


@dataclass
class Store:
    """An open store: its engine and session factory.

    Attributes:
        url: The SQLAlchemy URL, with any password hidden when shown.
        engine: The engine.
        backup_path: Backup written before a schema upgrade on open, if any.
        encrypted: Whether the store is a SQLCipher file opened with a passphrase.
        schema_before: The schema revision found on open (None: empty, or not migrated).
    """

    url: str
    engine: Engine
    backup_path: Path | None = None
    on_close: list[Callable[[], None]] = field(default_factory=list)
    encrypted: bool = False
    schema_before: str | None = None

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Factory for ORM sessions; services open one per unit of work.

        Made, and the ORM imported, on first use: a window start reads its first pages
        with Core (services.lists) and imports the ORM after its first paint.
        """
        from sqlalchemy.orm import sessionmaker

        return sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release connections."""
        for fn in self.on_close:
            fn()
        self.engine.dispose()


def open_store(
    db: str | None = None,
    *,
    passphrase: str | None = None,
    migrate: bool = True,
    allow_server_upgrade: bool = True,
    **engine_kwargs: Any,
) -> Store:
    """Open (and create or upgrade) the store named by ``db`` / ``$SOURCEBOOK_DB`` / default.

    ``passphrase`` (else ``$SOURCEBOOK_PASSPHRASE_FILE`` / ``$SOURCEBOOK_PASSPHRASE``) opens an
    encrypted SQLite store, or creates a new store encrypted. It is never stored or shown.

    Alembic creates the schema of an empty store and upgrades an older one on open: a SQLite
    file after writing a backup copy beside it, a PostgreSQL store under an advisory lock. With
    ``allow_server_upgrade=False`` an older PostgreSQL schema is refused instead, pointing to
    the ``migrate`` command (for newsrooms whose administrator upgrades the server store).

    Raises:
        StoreError: bad URL, unreachable server, missing or wrong passphrase, or a schema that
            cannot be upgraded.
    """
    url = resolve_url(db)
    path = sqlite_file(url)
    if passphrase is None and path is not None:
        passphrase = passphrase_from_env()
    if path is not None:
        _check_passphrase_fits(path, passphrase)
    engine = create_store_engine(url, passphrase=passphrase, **engine_kwargs)
    backup_path = None
    before: str | None = None
    try:
        if path is not None and passphrase:
            _check_key(engine, path)
        if migrate:
            before = current_revision(engine)
            _check_server_upgrade(engine, before, allow_server_upgrade)
            if before != head_revision():  # a schema at head never needs reading again
                backup_path = upgrade(engine)
        elif current_revision(engine) != head_revision():
            raise StoreError("the store's schema is not up to date; run `python main.py migrate`")
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        raise StoreError(f"cannot open the store {_safe(url)}: {_first_line(exc)}") from exc
    return Store(
        url=_safe(url),
        engine=engine,
        backup_path=backup_path,
        encrypted=engine_key(engine) is not None,
        schema_before=before,
    )


def _check_server_upgrade(engine: Engine, before: str | None, allowed: bool) -> None:
    # Only when the caller asked for it (allow_server_upgrade=False): an administrator who
    # wants to decide when a shared store moves to a new schema. An empty database is created.
    if allowed or before is None or engine.dialect.name == "sqlite":
        return
    from alembic.script import ScriptDirectory

    head = head_revision()
    known = {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if before != head and before in known:  # an unknown (newer) schema: upgrade() says so
        raise StoreError(
            f"the store on the server has schema {before} and this Sourcebook needs {head}: "
            "once everyone has updated Sourcebook, run `python main.py --db URL migrate`"
        )


def _check_passphrase_fits(path: Path, passphrase: str | None) -> None:
    if not passphrase and is_encrypted_file(path):
        raise StoreError(
            f"{path.name} is encrypted (or is not a Sourcebook store): give its passphrase "
            f"(${ENV_PASSPHRASE_FILE}, ${ENV_PASSPHRASE}, or --passphrase-file)"
        )
    if passphrase and path.exists() and path.stat().st_size > 0 and not is_encrypted_file(path):
        raise StoreError(
            f"{path.name} is not encrypted: open it without a passphrase "
            "(`python main.py encrypt-store` makes an encrypted copy)"
        )


def _check_key(engine: Engine, path: Path) -> None:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except Exception as exc:
        engine.dispose()
        if "not a database" in str(exc) or "encrypted" in str(exc):
            raise StoreError(
                f"wrong passphrase for {path.name} (or the file is not a Sourcebook store)"
            ) from None
        raise StoreError(f"cannot open the store {path.name}: {_first_line(exc)}") from exc


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
