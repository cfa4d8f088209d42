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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models.entities import Case, Source, SourceFile, SourceKind
from services.base import Service
from services.dto import SourceDTO
from services.errors import DomainError, DuplicateError, ImportFailedError, ValidationError
from services.importers import EXTENSIONS, Extracted, Reader, read_any, reader_for
from services.importers.lang import detect_language
from services.importers.text import read_plain_text
from services.sources import NewFile, SourceService, validate_url
from services.textnorm import normalise_text

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


def _fields(got: Extracted, text: str) -> dict[str, Any]:
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
        "language": detect_language(text),
        "meta": meta,
        "note": got.note,
    }
    return values


def _clip(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters (the column's size), with an ellipsis if cut."""
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "\u2026"


def _file_modified(path: Path) -> str:
    stamp = path.stat().st_mtime
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC).isoformat(timespec="seconds")


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
        data = _read_file(path)
        with self._tx() as s:
            return self._import(s, case_id, path, data)

    def _import(self, s: Session, case_id: int, path: Path, data: bytes) -> ImportResult:
        """Check, read and store one file in the session ``s`` (the caller commits)."""
        sources = SourceService(self.sessions)
        digest = hashlib.sha256(data).hexdigest()
        here, elsewhere = _where(s, case_id, digest)
        if here is not None:
            raise DuplicateError(
                f"{path.name}: already in this case (source {here})", existing_id=here
            )
        got = read_any(path, data)
        notices: list[str] = []
        if elsewhere:
            cases = ", ".join(map(str, elsewhere))
            notices.append(
                f"{path.name}: already in another case (case {cases}); added to this case "
                "too, sharing the stored file"
            )
        if got.note and "file name says" in got.note:
            notices.append(f"{path.name}: {got.note.split('. ')[-1].strip()}")
        text = normalise_text(got.text)
        values = _fields(got, text)
        values["meta"]["file_modified"] = _file_modified(path)
        try:
            src = sources.add(
                case_id,
                title=_clip(got.title or path.name, 500),
                text=text,
                kind=got.kind,
                file=NewFile(data=data, file_name=path.name, media_type=got.media_type),
                page_starts=got.page_starts,
                session=s,
                **values,
            )
        except DuplicateError as exc:  # imported by someone else meanwhile
            raise DuplicateError(
                f"{path.name}: already in this case (source {exc.existing_id})",
                existing_id=exc.existing_id,
            ) from exc
        attached: list[SourceDTO] = []
        for att in got.attachments:
            try:
                attached.append(self._add_attachment(sources, s, case_id, src.id, att))
            except DuplicateError as exc:
                notices.append(
                    f"{path.name}: attachment {att.file_name} is already in this case "
                    f"(source {exc.existing_id})"
                )
        return ImportResult(src, tuple(attached), tuple(notices))

    def _add_attachment(
        self, sources: SourceService, s: Any, case_id: int, parent_id: int, att: Any
    ) -> SourceDTO:
        name = Path(att.file_name)
        try:
            got = read_any(name, att.data)
            if got.attachments:
                got = _without_nested(got)
        except ImportFailedError as exc:
            fmt = EXTENSIONS.get(name.suffix.lower())
            got = Extracted(
                text="",
                kind=_KIND_BY_FORMAT.get(fmt or "", SourceKind.PLAIN_TEXT),
                title=name.name,
                media_type=att.media_type,
                note=f"No text could be read from this attachment: {exc.message}",
            )
        text = normalise_text(got.text)
        values = _fields(got, text)
        values["meta"]["attachment_of"] = parent_id
        return sources.add(
            case_id,
            title=_clip(got.title or name.name, 500),
            text=text,
            kind=got.kind,
            file=NewFile(
                data=att.data,
                file_name=name.name,
                media_type=got.media_type or att.media_type or "application/octet-stream",
            ),
            page_starts=got.page_starts,
            parent_id=parent_id,
            session=s,
            **values,
        )

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
        try:
            for i, path in enumerate(files):
                if progress.cancelled():
                    summary.cancelled = True
                    break
                progress.report(i / max(len(files), 1), path.name)
                try:
                    data = _read_file(path)
                    result = batch.run(partial(self._import, case_id=case_id, path=path, data=data))
                except DuplicateError as exc:
                    summary.duplicates.append((str(path), exc.message))
                except DomainError as exc:
                    summary.failed.append((str(path), exc.message))
                else:
                    batch.done(str(path), result)
                batch.commit_if_due()
            batch.commit()
        finally:
            batch.close()
        progress.report(1.0, "done")
        return summary.freeze()

    def import_paths(
        self, case_id: int, paths: Sequence[Path | str], progress: Progress | None = None
    ) -> ImportSummary:
        """Same as :meth:`import_files` (files and folders, one summary)."""
        return self.import_files(case_id, paths, progress)


def _read_file(path: Path) -> bytes:
    """The bytes of ``path``, refusing missing, empty and too large files before reading."""
    try:
        if not path.is_file():
            raise ImportFailedError(f"{path}: no such file")
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFailedError(f"{path}: cannot read the file ({exc.strerror})") from exc
    if size == 0:
        raise ImportFailedError(f"{path.name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise ImportFailedError(
            f"{path.name}: {size // (1024 * 1024)} MB is larger than the "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB limit"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFailedError(f"{path.name}: cannot read the file ({exc.strerror})") from exc


def _where(s: Session, case_id: int, sha256: str) -> tuple[int | None, list[int]]:
    """Where these bytes already are: (source id in this case, ids of other cases)."""
    rows = s.execute(
        select(Source.id, Source.case_id)
        .join(SourceFile, Source.file_id == SourceFile.id)
        .where(SourceFile.sha256 == sha256)
        .order_by(Source.id)
    ).all()
    here = next((sid for sid, cid in rows if cid == case_id), None)
    return here, sorted({cid for _, cid in rows if cid != case_id})


class _Batch:
    """Files stored in one transaction, each under its own savepoint, committed together."""

    def __init__(self, sessions: sessionmaker[Session], summary: _Tally, case_id: int) -> None:
        self.sessions = sessions
        self.summary = summary
        self.case_id = case_id
        # Held so that the session's identity map keeps the case: without a reference it is
        # garbage-collected and loaded again for every file.
        self.case: Case | None = None
        self.session: Session | None = None
        self.started = 0.0
        self.pending: list[tuple[str, ImportResult]] = []

    def run(self, store: Callable[[Session], ImportResult]) -> ImportResult:
        """Run ``store`` under a savepoint; on failure only that file is undone."""
        if self.session is None:
            self.session = self.sessions()
            self.session.begin()
            self.case = self.session.get(Case, self.case_id)
            self.started = time.monotonic()
        s = self.session
        try:
            with s.begin_nested():
                return store(s)
        except DomainError:
            raise
        except SQLAlchemyError as exc:
            if not _usable(s):  # the whole batch is lost: report its files as failed
                self._abandon(_first_line(exc))
            raise ImportFailedError(f"the store refused the file: {_first_line(exc)}") from exc

    def done(self, path: str, result: ImportResult) -> None:
        """Remember a stored file until its batch is committed."""
        self.pending.append((path, result))

    def commit_if_due(self) -> None:
        """Commit when the batch is old or large enough."""
        if self.session is not None and (
            len(self.pending) >= BATCH_FILES or time.monotonic() - self.started >= BATCH_SECONDS
        ):
            self.commit()

    def commit(self) -> None:
        """Commit the batch; if that fails, its files are reported as failed."""
        if self.session is None:
            return
        try:
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
        for path, _result in self.pending:
            name = Path(path).name
            self.summary.failed.append((path, f"{name}: could not be saved ({reason})"))
        self.pending.clear()
        self.close()

    def close(self) -> None:
        """Roll back anything uncommitted and close the session."""
        if self.session is not None:
            self.session.close()
            self.session = None
            self.case = None


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
