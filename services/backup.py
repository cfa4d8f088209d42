"""Automatic rotating backups of a SQLite store, and restoring one.

Backups are consistent copies made through SQLite's online backup API (a store being edited can
be copied). They are written to a folder beside the store (``<store file>.backups/``) as
``sourcebook-<UTC time>.db``:

* on open (when the store changed since the newest backup or no backup is younger than the
  interval), after every ``interval_minutes`` of editing (checked after each commit), and on
  close when edits were made since the last one;
* kept for ``keep_days`` days, but the newest ``keep_min`` are always kept so that a store left
  alone for months still has its backups.

A backup of an encrypted store is encrypted with the same key (it opens with the same
passphrase). A shared PostgreSQL store is backed up on its server (``pg_dump``; see
``docs/team.md``): there these methods explain that instead.
"""

from __future__ import annotations

import builtins
import datetime as dt
import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event

from models.db import (
    Store,
    StoreError,
    check_sqlite_file,
    connect_sqlite,
    copy_sqlite_file,
    encrypt_sqlite_copy,
    engine_key,
    is_encrypted_file,
    resolve_url,
    sqlite_file,
    sqlite_key,
)
from services.errors import DomainError

log = logging.getLogger(__name__)

ENV_INTERVAL = "SOURCEBOOK_BACKUP_MINUTES"
ENV_KEEP_DAYS = "SOURCEBOOK_BACKUP_DAYS"
_PREFIX = "sourcebook-"
_STAMP = "%Y%m%dT%H%M%S_%fZ"
PG_MESSAGE = (
    "this store is on a PostgreSQL server: back it up there with pg_dump (see docs/team.md), "
    "or save a case with export-archive"
)


class BackupError(DomainError):
    """A backup could not be made, found or restored."""


@dataclass(frozen=True)
class BackupPolicy:
    """When backups are made and how long they are kept.

    Attributes:
        interval_minutes: Minutes of editing between automatic backups.
        keep_days: Backups older than this many days are deleted...
        keep_min: ...except the newest ``keep_min``, always kept.
        folder: Where backups go (default: ``<store file>.backups`` beside the store).
    """

    interval_minutes: float = 10.0
    keep_days: float = 30.0
    keep_min: int = 3
    folder: Path | None = None

    @classmethod
    def from_env(cls) -> BackupPolicy:
        """Defaults, or ``$SOURCEBOOK_BACKUP_MINUTES`` and ``$SOURCEBOOK_BACKUP_DAYS`` if set."""
        kw: dict[str, Any] = {}
        for env, name in ((ENV_INTERVAL, "interval_minutes"), (ENV_KEEP_DAYS, "keep_days")):
            raw = os.environ.get(env, "").strip()
            if raw:
                try:
                    kw[name] = max(0.0, float(raw))
                except ValueError:
                    log.warning("ignoring %s=%r: not a number", env, raw)
        return cls(**kw)


@dataclass(frozen=True)
class BackupInfo:
    """One backup file.

    Attributes:
        path: The file.
        made_at: When it was made (UTC, from its name).
        size: Its size in bytes.
    """

    path: Path
    made_at: dt.datetime
    size: int


@dataclass(frozen=True)
class RestoreResult:
    """What a restore did.

    Attributes:
        restored_from: The backup now in place.
        safety_copy: A backup of the store as it was just before (None if it was unreadable).
        damaged_moved_to: Where an unreadable store was moved aside, if it was.
    """

    restored_from: Path
    safety_copy: Path | None
    damaged_moved_to: Path | None


def _parse_stamp(name: str) -> dt.datetime | None:
    if not (name.startswith(_PREFIX) and name.endswith(".db")):
        return None
    try:
        return dt.datetime.strptime(name[len(_PREFIX) : -3], _STAMP).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def backup_folder(store_path: Path, policy: BackupPolicy | None = None) -> Path:
    """The folder holding backups of the SQLite store at ``store_path``."""
    if policy is not None and policy.folder is not None:
        return policy.folder
    return store_path.with_name(store_path.name + ".backups")


def list_backups(folder: Path) -> list[BackupInfo]:
    """Backups in ``folder``, newest first."""
    out: list[BackupInfo] = []
    if not folder.is_dir():
        return out
    for p in folder.iterdir():
        made = _parse_stamp(p.name)
        if made is not None and p.is_file():
            out.append(BackupInfo(p, made, p.stat().st_size))
    return sorted(out, key=lambda b: b.made_at, reverse=True)


def restore_file(
    store_path: Path, backup: Path, key: str | None = None, folder: Path | None = None
) -> RestoreResult:
    """Put ``backup`` in place of the SQLite store at ``store_path`` (which need not open).

    The backup is checked first; the current store is copied to the backup folder (or, if it
    cannot be read, moved aside as ``<name>.damaged-<time>``) before it is overwritten.

    Raises:
        BackupError: the backup is missing or fails its integrity check.
    """
    if not backup.is_file():
        raise BackupError(f"no backup at {backup}")
    verdict = check_sqlite_file(backup, key)
    if verdict != "ok":
        raise BackupError(f"the backup {backup.name} is damaged ({verdict[:200]}); pick another")
    folder = folder or backup_folder(store_path)
    safety: Path | None = None
    moved: Path | None = None
    stamp = dt.datetime.now(dt.UTC).strftime(_STAMP)
    if store_path.exists():
        if check_sqlite_file(store_path, key, quick=True) == "ok":
            folder.mkdir(parents=True, exist_ok=True)
            safety = folder / f"{_PREFIX}{stamp}.db"
            copy_sqlite_file(store_path, safety, key)
        else:
            moved = store_path.with_name(f"{store_path.name}.damaged-{stamp}")
            os.replace(store_path, moved)
            for suffix in ("-wal", "-shm"):
                side = store_path.with_name(store_path.name + suffix)
                if side.exists():
                    os.replace(side, moved.with_name(moved.name + suffix))
    # Copy through the backup API into the live file so that readers and its WAL stay coherent.
    src = connect_sqlite(backup, key)
    try:
        dst = connect_sqlite(store_path, key)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    finally:
        src.close()
    return RestoreResult(backup, safety, moved)


class BackupService:
    """Backups of one open store.

    Attributes:
        store: The open store.
        policy: When to back up and how long to keep.
        last_error: The last automatic backup's failure, if it failed (for the window).
    """

    def __init__(self, store: Store, policy: BackupPolicy | None = None) -> None:
        self.store = store
        self.policy = policy or BackupPolicy.from_env()
        self.last_error: str | None = None
        self._path = sqlite_file(store.engine.url)
        self._lock = threading.Lock()
        self._dirty = False
        self._last_time = 0.0  # monotonic time of the last backup made by this service
        self._listening = False

    # --- Queries

    @property
    def available(self) -> bool:
        """Whether this store can be backed up here (SQLite files only)."""
        return self._path is not None

    @property
    def folder(self) -> Path | None:
        """The backup folder, or None for PostgreSQL."""
        return None if self._path is None else backup_folder(self._path, self.policy)

    def list(self) -> list[BackupInfo]:
        """Backups of this store, newest first (empty on PostgreSQL)."""
        return [] if self.folder is None else list_backups(self.folder)

    def last_backup(self) -> BackupInfo | None:
        """The newest backup, or None (none yet, or a PostgreSQL store)."""
        found = self.list()
        return found[0] if found else None

    # --- Making backups

    def backup_now(self) -> BackupInfo:
        """Make a backup now, check it, and prune old ones.

        Raises:
            BackupError: a PostgreSQL store, or the copy failed.
        """
        if self._path is None or self.folder is None:
            raise BackupError(PG_MESSAGE)
        with self._lock:
            folder = self.folder
            try:
                folder.mkdir(parents=True, exist_ok=True)
                # The store's pooled connections may hold committed pages in the WAL that the
                # last of them writes into the file when it closes: write them now, so that
                # closing after this backup does not make the file look changed since it.
                with self.store.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")  # never waits
                made = dt.datetime.now(dt.UTC)
                dst = folder / f"{_PREFIX}{made.strftime(_STAMP)}.db"
                copy_sqlite_file(self._path, dst, engine_key(self.store.engine))
            except Exception as exc:  # sqlite3, OS or store errors: one plain message
                raise BackupError(f"could not back up the store: {exc}") from exc
            verdict = check_sqlite_file(dst, engine_key(self.store.engine), quick=True)
            if verdict != "ok":
                dst.unlink(missing_ok=True)
                raise BackupError(f"the backup failed its check ({verdict[:200]})")
            self._last_time = time.monotonic()
            self._dirty = False
            self.prune()
            return BackupInfo(dst, made, dst.stat().st_size)

    def prune(self, now: dt.datetime | None = None) -> builtins.list[Path]:
        """Delete backups older than ``keep_days`` (keeping the newest ``keep_min``)."""
        now = now or dt.datetime.now(dt.UTC)
        cutoff = now - dt.timedelta(days=self.policy.keep_days)
        removed: builtins.list[Path] = []
        for b in self.list()[self.policy.keep_min :]:
            if b.made_at < cutoff:
                b.path.unlink(missing_ok=True)
                removed.append(b.path)
        return removed

    def _changed_since(self, info: BackupInfo) -> bool:
        assert self._path is not None
        made = info.made_at.timestamp()
        if self._path.exists() and self._path.stat().st_mtime > made:
            return True
        # An open store has a write-ahead log from its first connection on; it holds changes
        # only if written to after the backup (the backup checkpointed what came before).
        wal = self._path.with_name(self._path.name + "-wal")
        if wal.exists():
            st = wal.stat()
            return st.st_size > 0 and st.st_mtime > made
        return False

    def start_automatic(self) -> BackupInfo | None:
        """Back up now if needed, then after every ``interval_minutes`` of editing and on close.

        Returns the backup made on open, if one was. Does nothing on PostgreSQL. Failures are
        logged and kept in :attr:`last_error`; they never stop the journalist's work.
        """
        if self._path is None or self._listening:
            return None
        self._listening = True
        event.listen(self.store.sessions, "after_commit", self._after_commit)
        self.store.on_close.append(self._on_close)
        last = self.last_backup()
        age = None if last is None else dt.datetime.now(dt.UTC) - last.made_at
        if (
            last is None
            or self._changed_since(last)
            or (age is not None and age > dt.timedelta(days=max(self.policy.keep_days, 1)))
        ):
            return self._automatic()
        self._last_time = time.monotonic()
        return None

    def _automatic(self) -> BackupInfo | None:
        try:
            info = self.backup_now()
        except DomainError as exc:
            self.last_error = exc.message
            log.warning("automatic backup failed: %s", exc.message)
            return None
        self.last_error = None
        return info

    def _after_commit(self, _session: Any) -> None:
        self._dirty = True
        if time.monotonic() - self._last_time >= self.policy.interval_minutes * 60:
            self._automatic()

    def _on_close(self) -> None:
        if self._listening:
            event.remove(self.store.sessions, "after_commit", self._after_commit)
            self._listening = False
        if self._dirty:
            self._automatic()

    # --- Restoring

    def restore(self, backup: Path | str | None = None) -> RestoreResult:
        """Replace the store's content with a backup (default: the newest).

        The store's current content is backed up first. Close other windows on the same store.
        """
        if self._path is None:
            raise BackupError(PG_MESSAGE)
        if backup is None:
            last = self.last_backup()
            if last is None:
                raise BackupError("there is no backup of this store yet")
            chosen = last.path
        else:
            chosen = Path(backup)
            if not chosen.is_absolute() and not chosen.exists() and self.folder is not None:
                chosen = self.folder / chosen
        self.store.engine.dispose()
        with self._lock:
            return restore_file(self._path, chosen, engine_key(self.store.engine), self.folder)


def store_path(db: str | None) -> Path:
    """The SQLite file of the store named by ``db`` / ``$SOURCEBOOK_DB`` / the default.

    Raises:
        BackupError: the store is on PostgreSQL (or in memory).
    """
    path = sqlite_file(resolve_url(db))
    if path is None:
        raise BackupError(PG_MESSAGE)
    return path


def store_is_encrypted(db: str | None) -> bool:
    """Whether the store named by ``db`` is an encrypted SQLite file."""
    path = sqlite_file(resolve_url(db))
    return path is not None and is_encrypted_file(path)


def restore_store(
    db: str | None, backup: Path | str | None = None, passphrase: str | None = None
) -> RestoreResult:
    """Restore the SQLite store named by ``db`` from ``backup`` (default: its newest backup).

    Works without opening the store, so a damaged store can be replaced. An encrypted store's
    backups open with its passphrase.
    """
    path = store_path(db)
    folder = backup_folder(path, BackupPolicy.from_env())
    if backup is None:
        found = list_backups(folder)
        if not found:
            raise BackupError(f"there is no backup of {path.name} in {folder}")
        chosen = found[0].path
    else:
        chosen = Path(backup)
        if not chosen.exists() and (folder / chosen).exists():
            chosen = folder / chosen
    if not chosen.is_file():
        raise BackupError(f"no backup at {chosen}")
    key = None
    if is_encrypted_file(chosen):
        if not passphrase:
            raise BackupError(f"{chosen.name} is encrypted: give the store's passphrase")
        key = sqlite_key(chosen, passphrase)
    return restore_file(path, chosen, key, folder)


def encrypt_store_copy(db: str | None, out: Path, passphrase: str) -> Path:
    """Write an encrypted copy of the plain SQLite store named by ``db`` to ``out``."""
    try:
        encrypt_sqlite_copy(store_path(db), out, passphrase)
    except StoreError as exc:
        raise BackupError(str(exc)) from exc
    return out
