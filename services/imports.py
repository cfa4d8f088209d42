"""Importing files as sources, keeping their original bytes and SHA-256.

This module holds the import pipeline shared by the command line and the window. Each file is
read, its text extracted by the reader for its format (``services.importers``), and stored in
one transaction: a file that fails leaves nothing behind (an email and its attachments go in
together), and one bad file never stops the others.

The service holds no state between calls and every call opens its own session, so the window
may call :meth:`ImportService.import_files` from a worker thread.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, CursorResult, Engine, and_, bindparam, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models import schema
from models.entities import Case, Confidentiality, SourceKind, utcnow
from services.base import Service, get_or_raise
from services.dto import SourceDTO
from services.errors import (
    DomainError,
    DuplicateError,
    ImportFailedError,
    ValidationError,
)
from services.importers import EXTENSIONS, Extracted, Reader, read_any, reader_for
from services.importers.pool import Pending, Read, ReaderProcess, finish, read_file, will_fork
from services.importers.text import read_plain_text
from services.sources import check_metadata, check_page_starts, validate_url

__all__ = [
    "MAX_FILE_BYTES",
    "Extracted",
    "ImportResult",
    "ImportService",
    "ImportSummary",
    "NoProgress",
    "Progress",
    "Reader",
    "read_plain_text",
    "reader_for",
]

MAX_FILE_BYTES = 100 * 1024 * 1024  # bytes; larger files are refused before reading
BATCH_SECONDS = 1.0  # seconds; files stored in this time are committed together (one sync)
BATCH_FILES = 200  # files committed together at most
# From this many files on, a second process reads (extracts) files while this one stores the
# ones already read. Forking it costs milliseconds; spawning a fresh interpreter (the window's
# worker threads, macOS, Windows) costs about a second of loading libraries.
READER_PROCESS_MIN_FILES = 16
READER_PROCESS_MIN_FILES_SPAWN = 300
# ... and only with this many cores: the reader costs 10-20 % more CPU in all (two processes,
# results sent through a pipe), which pays off in time only when a core is free for it. On the
# shared 2-core build machine it was no faster (docs/performance.md, "Importing files").
READER_PROCESS_MIN_CORES = 4
READ_AHEAD_FILES = 32  # files read (and sent to a reader process) ahead of the one stored
READ_AHEAD_BYTES = 64 * 1024 * 1024  # ... and at most this many bytes of them (one file at least)

_KIND_BY_FORMAT = {
    "text": SourceKind.PLAIN_TEXT,
    "html": SourceKind.WEB_PAGE,
    "mhtml": SourceKind.WEB_PAGE,
    "pdf": SourceKind.PDF,
    "docx": SourceKind.WORD,
    "eml": SourceKind.EMAIL,
}


class Progress(Protocol):
    """Progress reporting for long services (the UI adapts it to a progress bar)."""

    def report(self, fraction: float, text: str) -> None:
        """Report ``fraction`` (0..1) of the work done, with a line of text."""

    def cancelled(self) -> bool:
        """Whether the user asked to stop."""


class NoProgress:
    """A Progress that shows nothing and is never cancelled."""

    def report(self, fraction: float, text: str) -> None:
        """Ignore the report."""

    def cancelled(self) -> bool:
        """Never cancelled."""
        return False


@dataclass(frozen=True)
class ImportResult:
    """One imported file.

    Attributes:
        source: The source created for the file.
        attachments: Sources created for the file's attachments (email), linked by parent_id.
        notices: Plain-language remarks (same bytes in another case, wrong extension...).
    """

    source: SourceDTO
    attachments: tuple[SourceDTO, ...] = ()
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportSummary:
    """What an import of several files did.

    Attributes:
        imported: Sources created for the chosen files (not their attachments).
        attachments: Sources created for attachments of imported emails.
        duplicates: (path, message) for files already in the case.
        failed: (path, reason) for files that could not be imported.
        notices: (path, message) for imported files worth a remark, e.g. bytes already in
            another case (added here too, sharing the stored file) or a misleading extension.
        cancelled: Whether the user stopped the import before the end.
    """

    imported: tuple[SourceDTO, ...] = ()
    attachments: tuple[SourceDTO, ...] = ()
    duplicates: tuple[tuple[str, str], ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    notices: tuple[tuple[str, str], ...] = ()
    cancelled: bool = False


@dataclass
class _Tally:
    """An :class:`ImportSummary` being filled in."""

    imported: list[SourceDTO] = field(default_factory=list)
    attachments: list[SourceDTO] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False

    def freeze(self) -> ImportSummary:
        """The finished summary."""
        return ImportSummary(
            tuple(self.imported),
            tuple(self.attachments),
            tuple(self.duplicates),
            tuple(self.failed),
            tuple(self.notices),
            self.cancelled,
        )


def _fields(got: Extracted, language: str) -> dict[str, Any]:
    """Source metadata from what a reader found (the URL only when it is a valid address)."""
    meta = dict(got.meta)
    url = got.url
    if len(url) > 2000:  # longer than the column: kept in the metadata only
        meta["url_as_found"] = url
        url = ""
    if url:
        try:
            url = validate_url(url)
        except ValidationError:
            meta["url_as_found"] = url
            url = ""
    values: dict[str, Any] = {
        "author": _clip(got.author, 300),
        "publisher": _clip(got.publisher, 300),
        "url": url,
        "published_on": got.published_on,
        "retrieved_at": got.retrieved_at,
        "language": language,
        "meta": meta,
        "note": got.note,
    }
    return values


def _clip(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters (the column's size), with an ellipsis if cut."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


class ImportService(Service):
    """Import files into a case.

    The window and the command line use the same calls: :meth:`import_paths` (files and
    folders, with a :class:`Progress`, returning an :class:`ImportSummary`) and
    :meth:`import_one` / :meth:`import_file` for a single file.
    """

    @staticmethod
    def warm_up() -> None:
        """Load the language model now (about 0.8 s once per process) instead of at first use."""
        from services.importers.lang import warm_up

        warm_up()

    def import_file(self, case_id: int, path: Path | str) -> SourceDTO:
        """Import one file as a source.

        Raises:
            ImportFailedError: missing, unreadable, too large or unparseable file.
            DuplicateError: the same bytes are already in this case.
        """
        return self.import_one(case_id, path).source

    def import_one(self, case_id: int, path: Path | str) -> ImportResult:
        """Import one file (and, for an email, its attachments) in one transaction.

        Raises:
            ImportFailedError: missing, unreadable, too large or unparseable file.
            DuplicateError: the same bytes are already in this case.
        """
        path = Path(path)
        data, modified = _read_file(path)
        with self._tx() as s:
            result = self._import(s, case_id, path, data, modified)
        assert result is not None  # without a batch, every file is stored at once
        return result

    def _import(
        self,
        s: Session,
        case_id: int,
        path: Path,
        data: bytes,
        modified: str,
        batch: _Batch | None = None,
        pending: Pending | None = None,
        digest: str = "",
        upcoming: Callable[[], Sequence[str]] = tuple,
    ) -> ImportResult | None:
        """Check, read and store one file in the session ``s`` (the caller commits).

        The rows are written with Core inserts (:func:`_insert_row`) under a savepoint: a file
        that fails part-way (an email's attachment) leaves nothing behind. With a ``batch``, a
        file without attachments is only checked and extracted here, and None is returned for
        it: its text is normalised, its language detected and its rows built and inserted with
        the batch's other files by :meth:`_Batch.flush` (before the commit, so the search index
        is in step at commit). Doing that work for many files in one go costs less than file by
        file between extractions, which push it out of the processor's caches (see
        docs/performance.md, "Importing files"). With ``pending``, the file was sent to the
        reader process and its result is taken from there; ``digest`` is the SHA-256 of
        ``data`` when already known, ``upcoming`` gives those of the next files (their
        duplicate check is done in the same query).
        """
        if batch is None:
            get_or_raise(s, Case, case_id)
        digest = digest or hashlib.sha256(data).hexdigest()
        if batch is not None and digest in batch.digests:
            batch.flush()  # the same bytes earlier in this batch: insert them, then look
        if batch is not None:
            file_id, here, elsewhere = batch.where(s, digest, upcoming)
        else:
            file_id, here, elsewhere = _where(s.connection(), case_id, digest)
        if here is not None:
            if pending is not None:
                pending.cancel()
            raise DuplicateError(
                f"{path.name}: already in this case (source {here})", existing_id=here
            )
        read = pending.result() if pending is not None else None
        got = read.got if read is not None else read_any(path, data)
        notices: list[str] = []
        if elsewhere:
            cases = ", ".join(map(str, elsewhere))
            notices.append(
                f"{path.name}: already in another case (case {cases}); added to this case "
                "too, sharing the stored file"
            )
        if got.note and "file name says" in got.note:
            notices.append(f"{path.name}: {got.note.split('. ')[-1].strip()}")
        file = _File(data, digest, path.name, got.media_type, file_id)
        if batch is not None and not got.attachments:
            batch.defer(_Deferred(str(path), file, tuple(notices), got, modified, read))
            return None
        row = _new_row(case_id, file, got, read, {"file_modified": modified})
        if batch is not None:
            batch.flush()  # attachments may repeat bytes of files waiting in the batch
            batch.known.clear()  # rows are inserted now: looked-up duplicates may be stale
        with s.begin_nested():
            conn = s.connection()  # asking for it inside the block emits the SAVEPOINT
            src = _insert_row(conn, row, file)
            attached: list[SourceDTO] = []
            for att in got.attachments:
                try:
                    attached.append(self._add_attachment(conn, case_id, src.id, att))
                except DuplicateError as exc:
                    notices.append(
                        f"{path.name}: attachment {att.file_name} is already in this case "
                        f"(source {exc.existing_id})"
                    )
        return ImportResult(src, tuple(attached), tuple(notices))

    def _add_attachment(
        self, conn: Connection, case_id: int, parent_id: int, att: Any
    ) -> SourceDTO:
        name = Path(att.file_name)
        digest = hashlib.sha256(att.data).hexdigest()
        file_id, here, _elsewhere = _where(conn, case_id, digest)
        if here is not None:
            raise DuplicateError(f"{name.name} is already in this case", existing_id=here)
        try:
            read = read_file(name, att.data)
            got = _without_nested(read.got) if read.got.attachments else read.got
        except ImportFailedError as exc:
            fmt = EXTENSIONS.get(name.suffix.lower())
            got = Extracted(
                text="",
                kind=_KIND_BY_FORMAT.get(fmt or "", SourceKind.PLAIN_TEXT),
                title=name.name,
                media_type=att.media_type,
                note=f"No text could be read from this attachment: {exc.message}",
            )
            read = Read(got, "", "")
        media_type = got.media_type or att.media_type or "application/octet-stream"
        file = _File(att.data, digest, name.name, media_type, file_id)
        row = _new_row(case_id, file, got, read, {"attachment_of": parent_id}, parent_id)
        return _insert_row(conn, row, file)

    def import_files(
        self, case_id: int, paths: Sequence[Path | str], progress: Progress | None = None
    ) -> ImportSummary:
        """Import many files (folders are walked); one bad file never stops the others.

        Each file is stored under its own savepoint, so a file that fails leaves nothing
        behind; files are committed together every :data:`BATCH_SECONDS` (or
        :data:`BATCH_FILES` files), which spares a disk sync per file. Cancelling keeps the
        files imported so far. Safe to call from a worker thread: the call has its own sessions.
        """
        progress = progress or NoProgress()
        summary = _Tally()
        files = _expand(paths)
        batch = _Batch(self.sessions, summary, case_id)
        reader = ReaderProcess() if _use_reader_process(len(files)) else None
        queue = _ReadAhead(files, reader)
        try:
            for i in range(len(files)):
                if progress.cancelled():
                    summary.cancelled = True
                    break
                item = queue.next()
                path = item.path
                progress.report(i / len(files), path.name)
                try:
                    if item.error is not None:
                        raise item.error
                    store = partial(
                        self._import,
                        case_id=case_id,
                        path=path,
                        data=item.data,
                        modified=item.modified,
                        batch=batch,
                        pending=item.pending,
                        digest=item.digest,
                        upcoming=queue.digests,
                    )
                    result = batch.run(store)
                except DuplicateError as exc:
                    summary.duplicates.append((str(path), exc.message))
                except DomainError as exc:
                    summary.failed.append((str(path), exc.message))
                else:
                    if result is not None:
                        batch.done(str(path), result)
                finally:
                    queue.done(item)
                batch.commit_if_due()
            batch.commit()
        finally:
            batch.release()
            if reader is not None:
                reader.close()
        progress.report(1.0, "done")
        return summary.freeze()

    def import_paths(
        self, case_id: int, paths: Sequence[Path | str], progress: Progress | None = None
    ) -> ImportSummary:
        """Same as :meth:`import_files` (files and folders, one summary)."""
        return self.import_files(case_id, paths, progress)


def _read_file(path: Path) -> tuple[bytes, str]:
    """The bytes of ``path`` and when it was last modified (ISO 8601, UTC).

    Missing, empty and too large files are refused before reading.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ImportFailedError(f"{path}: no such file") from None
    except OSError as exc:
        raise ImportFailedError(f"{path}: cannot read the file ({exc.strerror})") from exc
    if not stat.S_ISREG(st.st_mode):
        raise ImportFailedError(f"{path}: no such file")
    size = st.st_size
    if size == 0:
        raise ImportFailedError(f"{path.name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise ImportFailedError(
            f"{path.name}: {size // (1024 * 1024)} MB is larger than the "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB limit"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailedError(f"{path.name}: cannot read the file ({exc.strerror})") from exc
    modified = dt.datetime.fromtimestamp(st.st_mtime, tz=dt.UTC).isoformat(timespec="seconds")
    return data, modified


def _use_reader_process(files: int) -> bool:
    """Whether ``files`` files are worth a reader process (see READER_PROCESS_MIN_FILES)."""
    if _cores() < READER_PROCESS_MIN_CORES:
        return False
    return files >= (READER_PROCESS_MIN_FILES if will_fork() else READER_PROCESS_MIN_FILES_SPAWN)


def _cores() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


@dataclass
class _Next:
    """A file read from disk: its bytes (or why they cannot be read), its pending extraction."""

    path: Path
    data: bytes = b""
    modified: str = ""
    error: DomainError | None = None
    pending: Pending | None = None
    digest: str = ""


class _ReadAhead:
    """Files read from disk in order, a few ahead of the one being stored.

    Their duplicate check is one query (:meth:`_Batch.where`), and with a reader process the
    reader extracts them while this process stores the one before. Files are read in runs
    (when none is left in one process; when half are left with a reader process, which must
    not run dry): reading and hashing files one at a time between extractions cost about three
    times as much (0.15 ms against 0.045 ms a web page), the processor's caches being full of
    the extraction library's work each time.
    """

    def __init__(self, files: list[Path], reader: ReaderProcess | None) -> None:
        self.files = deque(files)
        self.reader = reader
        self.queue: deque[_Next] = deque()
        self.bytes = 0

    def _load(self, path: Path) -> _Next:
        try:
            data, modified = _read_file(path)
        except DomainError as exc:
            return _Next(path, error=exc)
        self.bytes += len(data)
        digest = hashlib.sha256(data).hexdigest()
        pending = self.reader.submit(path, digest) if self.reader is not None else None
        return _Next(path, data, modified, None, pending, digest)

    def digests(self) -> list[str]:
        """SHA-256 of the files read ahead (and not yet taken)."""
        return [item.digest for item in self.queue if item.digest]

    def next(self) -> _Next:
        """The next file (it must exist), after topping up the files read ahead if due."""
        low = READ_AHEAD_FILES // 2 if self.reader is not None else 0
        while (
            len(self.queue) <= low
            and self.files
            and (not self.queue or self.bytes < READ_AHEAD_BYTES)
        ):
            low = READ_AHEAD_FILES - 1  # due: read up to READ_AHEAD_FILES
            self.queue.append(self._load(self.files.popleft()))
        if not self.queue:
            self.queue.append(self._load(self.files.popleft()))
        return self.queue.popleft()

    def done(self, item: _Next) -> None:
        """Forget a file taken with :meth:`next` (stored, duplicate or failed)."""
        self.bytes -= len(item.data)


_FILES = schema.source_files
_SOURCES = schema.sources
_CASES = schema.cases
# Sources holding a stored file, found through the (case_id, file_id) index: "case_id IN
# (every case)" is always true (a source belongs to a case) but lets SQLite use that index
# instead of scanning every source for each file already stored.
_HOLDERS = _FILES.outerjoin(
    _SOURCES, and_(_SOURCES.c.case_id.in_(select(_CASES.c.id)), _SOURCES.c.file_id == _FILES.c.id)
)
_WHERE = (
    select(_FILES.c.id, _SOURCES.c.id, _SOURCES.c.case_id)
    .select_from(_HOLDERS)
    .where(_FILES.c.sha256 == bindparam("sha256"))
    .order_by(_SOURCES.c.id)
)
_WHERE_MANY = (
    select(_FILES.c.sha256, _FILES.c.id, _SOURCES.c.id, _SOURCES.c.case_id)
    .select_from(_HOLDERS)
    .where(_FILES.c.sha256.in_(bindparam("digests", expanding=True)))
    .order_by(_SOURCES.c.id)
)
_CASE_EXISTS = select(_CASES.c.id).where(_CASES.c.id == bindparam("case_id"))
_INSERT_FILE = insert(_FILES)
_INSERT_SOURCE = insert(_SOURCES)
_INSERT_FILES = _INSERT_FILE.returning(_FILES.c.sha256, _FILES.c.id)  # many rows at once
_INSERT_SOURCES = _INSERT_SOURCE.returning(_SOURCES.c.file_id, _SOURCES.c.id)


def _where(conn: Connection, case_id: int, sha256: str) -> tuple[int | None, int | None, list[int]]:
    """Where these bytes already are: (stored file id, source id in this case, other cases)."""
    return _placed(conn.execute(_WHERE, {"sha256": sha256}).all(), case_id)


_Where = tuple[int | None, int | None, list[int]]


def _placed(rows: Sequence[Any], case_id: int) -> _Where:
    """:func:`_where`'s answer from its rows (file id, source id, case id)."""
    if not rows:
        return None, None, []
    here = next((sid for _fid, sid, cid in rows if cid == case_id), None)
    elsewhere = sorted({cid for _fid, sid, cid in rows if sid is not None and cid != case_id})
    return rows[0][0], here, elsewhere


def _new_id(result: CursorResult[Any]) -> int:
    """The primary key an INSERT gave its row."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every insert here has an integer key
        raise ImportFailedError("the store gave no id to the new row")
    return int(key[0])


@dataclass(frozen=True)
class _File:
    """A file's bytes with their SHA-256, and the id of the stored copy if there is one."""

    data: bytes
    sha256: str
    file_name: str
    media_type: str
    stored_id: int | None


def _source_row(
    case_id: int,
    title: str,
    text: str,
    got: Extracted,
    file: _File,
    values: dict[str, Any],
    parent_id: int | None,
) -> dict[str, Any]:
    """The ``sources`` row for a file (without ``file_id``), checked as SourceService.add does."""
    row = check_metadata({"title": title, "kind": got.kind, "file_name": file.file_name, **values})
    check_page_starts(got.page_starts)
    now = utcnow()
    row.update(
        case_id=case_id,
        text=text,
        page_starts=list(got.page_starts),
        parent_id=parent_id,
        confidentiality=Confidentiality.ON_RECORD,
        descriptor="",
        revision=1,
        version=1,
        created_at=now,
        updated_at=now,
    )
    return row


def _file_row(file: _File, row: dict[str, Any]) -> dict[str, Any]:
    """The ``source_files`` row for a file's bytes."""
    return {
        "sha256": file.sha256,
        "size": len(file.data),
        "media_type": file.media_type,
        "data": file.data,
        "created_at": row["created_at"],
    }


def _dto(row: dict[str, Any], source_id: int, file: _File) -> SourceDTO:
    """The new source as the service returns it (what was inserted; no query)."""
    return SourceDTO(
        id=source_id,
        case_id=row["case_id"],
        kind=SourceKind(row["kind"]),
        title=row["title"],
        author=row["author"],
        publisher=row["publisher"],
        url=row["url"],
        published_on=row["published_on"],
        retrieved_at=row["retrieved_at"],
        language=row["language"],
        reliability=None,
        credibility=None,
        confidentiality=Confidentiality.ON_RECORD,
        descriptor="",
        file_name=file.file_name,
        sha256=file.sha256,
        size=len(file.data),
        media_type=file.media_type,
        page_starts=tuple(row["page_starts"]),
        meta=dict(row["meta"]),
        note=row["note"],
        revision=1,
        revision_of_id=None,
        parent_id=row["parent_id"],
        text_length=len(row["text"]),
        tags=(),
        version=1,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _new_row(
    case_id: int,
    file: _File,
    got: Extracted,
    read: Read | None,
    meta: dict[str, Any],
    parent_id: int | None = None,
) -> dict[str, Any]:
    """The ``sources`` row of a file read (see :func:`_source_row`), ``meta`` added to its own.

    Its text is normalised and its language detected here, unless that was done already
    (``read``: by the reader process, or for an attachment).
    """
    read = read or finish(got)
    values = _fields(got, read.language)
    values["meta"].update(meta)
    title = _clip(got.title or file.file_name, 500)
    return _source_row(case_id, title, read.text, got, file, values, parent_id)


def _insert_row(conn: Connection, row: dict[str, Any], file: _File) -> SourceDTO:
    """Insert one prepared row (and its file's bytes unless already stored); return the source.

    Core inserts rather than ORM objects: the ORM's unit of work, the read-back of server
    defaults and the lazy load of the new source's tags cost more than the insert itself
    (see docs/performance.md, "Importing files"). The row was checked the way
    :meth:`services.sources.SourceService.add` checks one (:func:`_source_row`).
    """
    file_id = file.stored_id
    if file_id is None:
        file_id = _new_id(conn.execute(_INSERT_FILE, _file_row(file, row)))
    row = {**row, "file_id": file_id}
    return _dto(row, _new_id(conn.execute(_INSERT_SOURCE, row)), file)


@dataclass(frozen=True)
class _Deferred:
    """A file extracted and checked, whose row is built and inserted with its batch's others.

    ``read`` is the reader process's result (text normalised, language detected), None when
    the file was extracted in this process.
    """

    path: str
    file: _File
    notices: tuple[str, ...]
    got: Extracted
    modified: str
    read: Read | None

    def row(self, case_id: int) -> dict[str, Any]:
        """The file's ``sources`` row (without ``file_id``)."""
        return _new_row(case_id, self.file, self.got, self.read, {"file_modified": self.modified})


class _Batch:
    """Files stored in one transaction and committed together.

    A file with attachments is stored at once under its own savepoint. Other files are
    extracted and checked one by one, then their rows are built and inserted together by
    :meth:`flush`, with one multi-row INSERT per table, before the commit: the rows and their
    search index entries are committed in the same transaction. If such an INSERT is refused,
    the rows are inserted again one by one, each under a savepoint, so that only the file at
    fault fails.
    """

    def __init__(self, sessions: sessionmaker[Session], summary: _Tally, case_id: int) -> None:
        self.sessions = sessions
        self.summary = summary
        self.case_id = case_id
        self.session: Session | None = None
        self.case_checked = False  # the case exists (checked in the current transaction)
        self.started = 0.0
        self.pending: list[tuple[str, ImportResult]] = []
        self.deferred: list[_Deferred] = []
        self.digests: set[str] = set()
        # Where bytes already are (see _where), looked up in this transaction for several files
        # at once; cleared whenever rows are inserted.
        self.known: dict[str, list[tuple[int, int | None, int | None]]] = {}
        # One connection for the whole import, taken from the pool once rather than per batch.
        bind = sessions.kw.get("bind")
        self.conn: Connection | None = bind.connect() if isinstance(bind, Engine) else None

    def run(self, store: Callable[[Session], ImportResult | None]) -> ImportResult | None:
        """Run ``store`` (which writes under a savepoint); on failure only that file is undone."""
        if self.session is None:
            self.session = self.sessions(bind=self.conn) if self.conn else self.sessions()
            self.session.begin()
            self.started = time.monotonic()
            self.case_checked = False
        s = self.session
        try:
            if not self.case_checked:  # once per transaction, without loading the case
                if s.execute(_CASE_EXISTS, {"case_id": self.case_id}).first() is None:
                    get_or_raise(s, Case, self.case_id)  # raises the usual "not found"
                self.case_checked = True
            return store(s)
        except DomainError:
            raise
        except SQLAlchemyError as exc:
            if not _usable(s):  # the whole batch is lost: report its files as failed
                self._abandon(_first_line(exc))
            raise ImportFailedError(f"the store refused the file: {_first_line(exc)}") from exc

    def where(self, s: Session, digest: str, upcoming: Callable[[], Sequence[str]]) -> _Where:
        """:func:`_where` for ``digest``, looking up the ``upcoming`` files' in the same query."""
        if digest not in self.known:
            conn = s.connection()
            wanted = [digest, *(d for d in upcoming() if d not in self.known)]
            for d in wanted:
                self.known[d] = []
            for sha, *row in conn.execute(_WHERE_MANY, {"digests": wanted}):
                self.known[sha].append(tuple(row))
        return _placed(self.known.pop(digest), self.case_id)

    def done(self, path: str, result: ImportResult) -> None:
        """Remember a stored file until its batch is committed."""
        self.pending.append((path, result))

    def defer(self, item: _Deferred) -> None:
        """Keep a prepared file's rows for :meth:`flush`."""
        self.deferred.append(item)
        self.digests.add(item.file.sha256)

    def flush(self) -> None:
        """Build the deferred files' rows, then insert them (one multi-row INSERT per table).

        A file whose row is refused by the checks (:func:`_source_row`) fails alone.
        """
        items, self.deferred = self.deferred, []
        self.digests.clear()
        self.known.clear()
        if not items or self.session is None:
            return
        ready: list[tuple[_Deferred, dict[str, Any]]] = []
        for item in items:
            try:
                ready.append((item, item.row(self.case_id)))
            except DomainError as exc:
                self.summary.failed.append((item.path, exc.message))
        if not ready:
            return
        s = self.session
        try:
            try:
                with s.begin_nested():
                    stored = _insert_rows(s.connection(), ready)
            except SQLAlchemyError:
                if not _usable(s):
                    raise
                stored = self._one_by_one(s, ready)
        except SQLAlchemyError:
            # The batch is lost: the caller reports these as failed.
            self.deferred = [item for item, _row in ready]
            raise
        for item, dto in stored:
            self.done(item.path, ImportResult(dto, (), item.notices))

    def _one_by_one(
        self, s: Session, items: list[tuple[_Deferred, dict[str, Any]]]
    ) -> list[tuple[_Deferred, SourceDTO]]:
        """Insert rows one at a time, each under a savepoint; refused ones are reported."""
        stored = []
        for item, row in items:
            try:
                with s.begin_nested():
                    stored.append((item, _insert_row(s.connection(), row, item.file)))
            except SQLAlchemyError as exc:
                if not _usable(s):
                    raise
                reason = f"the store refused the file: {_first_line(exc)}"
                self.summary.failed.append((item.path, f"{Path(item.path).name}: {reason}"))
        return stored

    def commit_if_due(self) -> None:
        """Commit when the batch is old or large enough."""
        if self.session is not None and (
            len(self.pending) + len(self.deferred) >= BATCH_FILES
            or time.monotonic() - self.started >= BATCH_SECONDS
        ):
            self.commit()

    def commit(self) -> None:
        """Commit the batch; if that fails, its files are reported as failed."""
        if self.session is None:
            return
        try:
            self.flush()
            self.session.commit()
        except SQLAlchemyError as exc:
            self._abandon(_first_line(exc))
            return
        finally:
            self.close()
        for path, result in self.pending:
            self.summary.imported.append(result.source)
            self.summary.attachments.extend(result.attachments)
            self.summary.notices.extend((path, n) for n in result.notices)
        self.pending.clear()

    def _abandon(self, reason: str) -> None:
        paths = [path for path, _result in self.pending] + [d.path for d in self.deferred]
        for path in paths:
            name = Path(path).name
            self.summary.failed.append((path, f"{name}: could not be saved ({reason})"))
        self.pending.clear()
        self.deferred.clear()
        self.close()

    def close(self) -> None:
        """Roll back anything uncommitted and close the session."""
        if self.session is not None:
            self.session.close()
            self.session = None
        self.deferred.clear()
        self.digests.clear()
        self.known.clear()

    def release(self) -> None:
        """Close the batch and give back the import's connection."""
        self.close()
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _insert_rows(
    conn: Connection, items: list[tuple[_Deferred, dict[str, Any]]]
) -> list[tuple[_Deferred, SourceDTO]]:
    """Insert prepared rows with one multi-row INSERT per table; return the new sources.

    The new ids are matched to the rows by a key that is unique within a batch (the SHA-256
    of a file, the file id of a source: a batch holds each file's bytes once), not by the
    order of RETURNING: asking SQLAlchemy for parameter order makes SQLite insert the rows one
    statement at a time.
    """
    new_files = [(item.file, row) for item, row in items if item.file.stored_id is None]
    file_ids: dict[str, int] = {}
    if new_files:
        got = conn.execute(_INSERT_FILES, [_file_row(file, row) for file, row in new_files])
        file_ids = {sha: int(i) for sha, i in got}
    rows = [
        {**row, "file_id": item.file.stored_id or file_ids[item.file.sha256]} for item, row in items
    ]
    got = conn.execute(_INSERT_SOURCES, rows)
    source_ids = {int(fid): int(i) for fid, i in got}
    if len(source_ids) != len(rows):  # pragma: no cover - a batch never repeats a file
        raise ImportFailedError("the store returned fewer new rows than it was given")
    return [
        (item, _dto(row, source_ids[row["file_id"]], item.file))
        for (item, _row), row in zip(items, rows, strict=True)
    ]


def _usable(s: Session) -> bool:
    try:
        s.execute(select(1))
    except SQLAlchemyError:
        return False
    return True


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _without_nested(got: Extracted) -> Extracted:
    import dataclasses

    names = ", ".join(a.file_name for a in got.attachments)
    note = f"Attachments inside this attachment were not imported: {names}"
    return dataclasses.replace(got, attachments=(), note=" ".join(x for x in (got.note, note) if x))


def _expand(paths: Sequence[Path | str]) -> list[Path]:
    """The files to import: files as given, folders walked (hidden files and folders skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(
                    x
                    for x in p.rglob("*")
                    if x.is_file()
                    and not any(part.startswith(".") for part in x.relative_to(p).parts)
                )
            )
        else:
            out.append(p)
    return out
