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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from models.entities import SourceKind
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


@dataclass
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

    imported: list[SourceDTO] = field(default_factory=list)
    attachments: list[SourceDTO] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    notices: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False


def _fields(got: Extracted, text: str) -> dict[str, Any]:
    """Source metadata from what a reader found (the URL only when it is a valid address)."""
    meta = dict(got.meta)
    url = got.url
    if url:
        try:
            url = validate_url(url)
        except ValidationError:
            meta["url_as_found"] = url
            url = ""
    values: dict[str, Any] = {
        "author": got.author,
        "publisher": got.publisher,
        "url": url,
        "published_on": got.published_on,
        "language": detect_language(text),
        "meta": meta,
        "note": got.note,
    }
    return values


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
            data = path.read_bytes()
        except OSError as exc:
            raise ImportFailedError(f"{path.name}: cannot read the file ({exc.strerror})") from exc
        sources = SourceService(self.sessions)
        new_file = NewFile(data=data, file_name=path.name, media_type="")
        here, elsewhere = sources.find_file(case_id, new_file.sha256)
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
        with self._tx() as s:
            try:
                src = sources.add(
                    case_id,
                    title=got.title or path.name,
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
            title=got.title or name.name,
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

        Safe to call from a worker thread: each file is its own transaction in its own session.
        """
        progress = progress or NoProgress()
        summary = ImportSummary()
        files = _expand(paths)
        for i, path in enumerate(files):
            if progress.cancelled():
                summary.cancelled = True
                break
            progress.report(i / max(len(files), 1), path.name)
            try:
                result = self.import_one(case_id, path)
            except DuplicateError as exc:
                summary.duplicates.append((str(path), exc.message))
            except DomainError as exc:
                summary.failed.append((str(path), exc.message))
            else:
                summary.imported.append(result.source)
                summary.attachments.extend(result.attachments)
                summary.notices.extend((str(path), n) for n in result.notices)
        progress.report(1.0, "done")
        return summary

    def import_paths(
        self, case_id: int, paths: Sequence[Path | str], progress: Progress | None = None
    ) -> ImportSummary:
        """Same as :meth:`import_files` (files and folders, one summary)."""
        return self.import_files(case_id, paths, progress)


def _without_nested(got: Extracted) -> Extracted:
    import dataclasses

    names = ", ".join(a.file_name for a in got.attachments)
    note = f"Attachments inside this attachment were not imported: {names}"
    return dataclasses.replace(got, attachments=(), note=" ".join(x for x in (got.note, note) if x))


def _expand(paths: Sequence[Path | str]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(x for x in p.rglob("*") if x.is_file() and not x.name.startswith("."))
            )
        else:
            out.append(p)
    return out
