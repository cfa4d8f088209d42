"""Readers, one module per format, and the choice of reader by content and extension.

The content decides when it is unmistakable (a PDF starts with ``%PDF-``, a .docx is a zip with
``word/document.xml``): a PDF named ``.docx`` is read as a PDF and the mismatch noted. Text-like
formats (HTML, email, plain text) are trusted to their extension.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from services.errors import ImportFailedError
from services.importers.base import Attachment, Extracted, fail

__all__ = [
    "FILE_PATTERNS",
    "Attachment",
    "Extracted",
    "Reader",
    "read_any",
    "reader_for",
    "sniff",
]

Reader = Callable[[Path, bytes], Extracted]

# Format by extension.
EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
    "": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".mhtml": "mhtml",
    ".mht": "mhtml",
    ".pdf": "pdf",
    ".docx": "docx",
    ".eml": "eml",
}
SUPPORTED = "Sourcebook imports .html, .mhtml, .pdf, .docx, .eml, .txt and .md"
# For a file dialog's filter: "Importable files (*.html *.htm ...)".
FILE_PATTERNS = " ".join(f"*{ext}" for ext in EXTENSIONS if ext)
NAMES = {
    "text": "a text file",
    "html": "a web page",
    "mhtml": "a web archive",
    "pdf": "a PDF",
    "docx": "a Word document",
    "eml": "an email",
}


def sniff(data: bytes) -> str | None:
    """The format the bytes unmistakably are ("pdf", "docx", "zip", "ole", ...), else None."""
    head = data[:1024]
    if head.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in data[:65536] or b"word/" in data[-65536:] else "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    for magic, fmt in (
        (b"\x89PNG", "png"),
        (b"\xff\xd8\xff", "jpeg"),
        (b"GIF8", "gif"),
        (b"\x1f\x8b", "gzip"),
        (b"7z\xbc\xaf", "7z"),
        (b"Rar!", "rar"),
        (b"\x7fELF", "program"),
    ):
        if head.startswith(magic):
            return fmt
    if head.startswith(b"MZ") and b"\x00" in head:
        return "program"
    return None


def _reader(fmt: str) -> Reader:
    if fmt == "text":
        from services.importers.text import read_plain_text

        return read_plain_text
    if fmt == "html":
        from services.importers.web import read_html

        return read_html
    if fmt == "mhtml":
        from services.importers.web import read_mhtml

        return read_mhtml
    if fmt == "pdf":
        from services.importers.pdf import read_pdf

        return read_pdf
    if fmt == "docx":
        from services.importers.word import read_docx

        return read_docx
    from services.importers.mail import read_eml

    return read_eml


def read_any(path: Path, data: bytes) -> Extracted:
    """Read ``data`` (the bytes of ``path``) with the reader its content and extension call for.

    Raises:
        ImportFailedError: one message naming the file and the problem.
    """
    ext = path.suffix.lower()
    declared = EXTENSIONS.get(ext)
    found = sniff(data)
    if found == "ole":
        raise fail(path, "this is an old Word/Office (.doc) file: save it as .docx and import that")
    if declared is None and found not in ("pdf", "docx"):
        raise fail(path, f"cannot import {ext} files ({SUPPORTED})")
    if found == "zip" and declared == "docx":
        raise fail(path, "this zip archive is not a Word document")
    if found in ("pdf", "docx"):
        fmt = found
    elif found is not None:
        raise fail(path, f"this is {found.upper()} data, not {NAMES.get(declared or '', 'text')}")
    elif declared in ("pdf", "docx"):
        raise fail(path, f"this is not {NAMES[declared]} (its content is not {declared.upper()})")
    else:
        fmt = declared or "text"
    try:
        got = _reader(fmt)(path, data)
    except ImportFailedError:
        raise
    except RecursionError as exc:
        raise fail(path, "the file is nested too deeply to read") from exc
    except MemoryError as exc:
        raise fail(path, "the file is too large to read in memory") from exc
    except Exception as exc:  # noqa: BLE001 - a reader's surprise must still be one clear line
        raise fail(path, f"the file could not be read ({type(exc).__name__})") from exc
    if declared is not None and declared != fmt:
        note = f"The file name says {NAMES[declared]} ({ext}) but it is {NAMES[fmt]}."
        got = dataclasses.replace(got, note=" ".join(x for x in (got.note, note) if x))
    return got


def reader_for(path: Path) -> Reader:
    """The reader for a file name; content decides when it disagrees with the extension.

    Raises:
        ImportFailedError: the extension is not one Sourcebook imports.
    """
    if path.suffix.lower() not in EXTENSIONS:
        raise fail(path, f"cannot import {path.suffix.lower()} files ({SUPPORTED})")
    return read_any
