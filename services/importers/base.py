"""What every reader shares: the result of reading a file and the error a reader raises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.entities import SourceKind
from services.errors import ImportFailedError


@dataclass(frozen=True)
class Attachment:
    """A file found inside another one (an email's attachment), imported as its own source."""

    file_name: str
    data: bytes
    media_type: str


@dataclass(frozen=True)
class Extracted:
    """What a reader found in a file.

    Attributes:
        text: The clean text to quote from (normalised later, once, by the source service).
        kind: What the source is.
        title: A title for the source ("" lets the importer use the file name).
        media_type: The file's media type.
        author: Author(s) as written in the file.
        publisher: Site or publisher name.
        url: Canonical web address, when the file names one.
        published_on: Publication date, when the file gives one.
        retrieved_at: When the file was saved from the web, when it says (a web archive's date).
        page_starts: Offset in ``text`` at which each page starts (PDF), else empty.
        meta: Everything else worth keeping apart from the body (headers, footnotes...).
        note: A plain-language remark shown with the source (e.g. "needs OCR").
        attachments: Files inside this one, to import as sources of their own.
    """

    text: str
    kind: SourceKind
    title: str
    media_type: str
    author: str = ""
    publisher: str = ""
    url: str = ""
    published_on: dt.date | None = None
    retrieved_at: dt.datetime | None = None
    page_starts: tuple[int, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    attachments: tuple[Attachment, ...] = ()


def fail(path: Path | str, problem: str) -> ImportFailedError:
    """The one error a reader raises: it names the file and the problem."""
    name = Path(path).name if str(path) else "this file"
    return ImportFailedError(f"{name}: {problem}")


def title_from_name(path: Path | str) -> str:
    """A readable title from a file name ("mayor_speech.txt" -> "mayor speech")."""
    return Path(path).stem.replace("_", " ").strip() or Path(path).name


def cut_off(message: Any) -> bool:
    """Whether a parsed email/web archive was cut off: a MIME part's closing boundary is missing."""
    from email import errors

    return any(
        isinstance(defect, errors.CloseBoundaryNotFoundDefect)
        for part in message.walk()
        for defect in getattr(part, "defects", ())
    )


def headers_end(data: bytes) -> bool:
    """Whether the header block of a mail-like file ends (a blank line follows the headers)."""
    return b"\n\n" in data or b"\r\n\r\n" in data
