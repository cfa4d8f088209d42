"""Importing files as sources, keeping their original bytes and SHA-256.

This module holds the import pipeline shared by the command line and the window. Each file is
read, its text extracted by the reader for its format, and stored in one transaction: a file that
fails leaves nothing behind, and one bad file never stops the others.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from models.entities import SourceKind
from services.base import Service
from services.dto import SourceDTO
from services.errors import DomainError, DuplicateError, ImportFailedError
from services.sources import NewFile, SourceService

MAX_FILE_BYTES = 100 * 1024 * 1024  # bytes; larger files are refused before reading


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
class Extracted:
    """What a reader found in a file."""

    text: str
    kind: SourceKind
    title: str
    media_type: str


@dataclass
class ImportSummary:
    """What an import of several files did.

    Attributes:
        imported: Sources created.
        duplicates: (path, message) for files already in the case.
        failed: (path, reason) for files that could not be imported.
        cancelled: Whether the user stopped the import before the end.
    """

    imported: list[SourceDTO] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False


def read_plain_text(path: Path, data: bytes) -> Extracted:
    """Decode a plain-text file (UTF-8 with or without BOM)."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFailedError(f"{path.name}: this is not a text file (binary content)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailedError(f"{path.name}: not UTF-8 text") from None
    return Extracted(text, SourceKind.PLAIN_TEXT, path.stem.replace("_", " "), "text/plain")


Reader = Callable[[Path, bytes], Extracted]


def reader_for(path: Path) -> Reader:
    """The reader for a file, chosen by its extension."""
    ext = path.suffix.lower()
    if ext in (".txt", ".text", ".md", ".markdown", ""):
        return read_plain_text
    raise ImportFailedError(f"{path.name}: cannot import {ext} files")


class ImportService(Service):
    """Import files into a case."""

    def import_file(self, case_id: int, path: Path | str) -> SourceDTO:
        """Import one file as a source.

        Raises:
            ImportFailedError: missing, unreadable, too large or unparseable file.
            DuplicateError: the same bytes are already in this case.
        """
        path = Path(path)
        if not path.is_file():
            raise ImportFailedError(f"{path}: no such file")
        size = path.stat().st_size
        if size == 0:
            raise ImportFailedError(f"{path.name}: the file is empty")
        if size > MAX_FILE_BYTES:
            raise ImportFailedError(
                f"{path.name}: {size // (1024 * 1024)} MB is larger than the "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MB limit"
            )
        reader = reader_for(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ImportFailedError(f"{path.name}: cannot read the file ({exc.strerror})") from exc
        extracted = reader(path, data)
        media = (
            extracted.media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        return SourceService(self.sessions).add(
            case_id,
            title=extracted.title or path.name,
            text=extracted.text,
            kind=extracted.kind,
            file=NewFile(data=data, file_name=path.name, media_type=media),
        )

    def import_files(
        self, case_id: int, paths: Sequence[Path | str], progress: Progress | None = None
    ) -> ImportSummary:
        """Import many files; one bad file never stops the others."""
        progress = progress or NoProgress()
        summary = ImportSummary()
        files = list(_expand(paths))
        for i, path in enumerate(files):
            if progress.cancelled():
                summary.cancelled = True
                break
            progress.report(i / max(len(files), 1), path.name)
            try:
                summary.imported.append(self.import_file(case_id, path))
            except DuplicateError as exc:
                summary.duplicates.append((str(path), exc.message))
            except DomainError as exc:
                summary.failed.append((str(path), exc.message))
        progress.report(1.0, "done")
        return summary


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
