"""PDF: text page by page, with the offset at which each page starts (to cite "p. 4")."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from models.entities import SourceKind
from services.importers.base import Extracted, fail, title_from_name
from services.textnorm import normalise_text

PAGE_SEPARATOR = "\n\n"  # between the text of two pages
_PLACEHOLDERS = {"untitled", "anonymous", "unknown", "(anonymous)", "none"}
OCR_NOTE = "This PDF has no text layer (a scan or images): it needs OCR before it can be quoted."


def extract_pages(data: bytes) -> tuple[Any, list[str]]:
    """(pypdf reader, text of each page): the extraction library's own work, also benchmarked."""
    from pypdf import PdfReader

    # pypdf logs each repair of a damaged file ("EOF marker not found"...) as a warning on
    # stderr; the import reports its own one-line message instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise PermissionError("password")
    return reader, [page.extract_text() or "" for page in reader.pages]


def unreadable(text: str) -> bool:
    """Whether a page's text layer is mostly characters that carry no letters (PUA, U+FFFD)."""
    if text.isascii():  # neither U+FFFD nor private-use characters: the common case, at once
        return False
    letters = [ch for ch in text if not ch.isspace()]
    if len(letters) < 20:
        return False
    bad = sum(1 for ch in letters if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff")
    return bad / len(letters) > 0.3


def _page_labels(reader: Any, count: int) -> list[str]:
    """The printed page numbers ("i", "ii", "1"...) when they are not simply 1, 2, 3..."""
    try:
        labels = [str(label) for label in reader.page_labels][:count]
    except Exception:  # noqa: BLE001 - a damaged label tree must not stop the text
        return []
    if len(labels) != count or labels == [str(i + 1) for i in range(count)]:
        return []
    return labels


def read_pdf(path: Path, data: bytes) -> Extracted:
    """A PDF's text with page starts; a PDF without text is kept with a note that it needs OCR."""
    if not data.lstrip()[:5].startswith(b"%PDF-"):
        raise fail(path, "this is not a PDF (it does not start with %PDF-)")
    try:
        reader, pages = extract_pages(data)
    except PermissionError:
        raise fail(
            path, "the PDF is password-protected; open it and save it without a password"
        ) from None
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on damaged files
        if type(exc).__name__ in ("FileNotDecryptedError", "DependencyError"):
            raise fail(path, "the PDF is encrypted in a way that cannot be opened here") from exc
        raise fail(path, "the PDF is damaged or truncated and cannot be read") from exc
    if not pages:
        raise fail(path, "the PDF has no pages")
    texts = [normalise_text(p).strip("\n") for p in pages]
    garbled = [i + 1 for i, t in enumerate(texts) if unreadable(t)]
    texts = ["" if i + 1 in garbled else t for i, t in enumerate(texts)]
    starts: list[int] = []
    pos = 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + len(PAGE_SEPARATOR)
    text = PAGE_SEPARATOR.join(texts)
    meta: dict[str, Any] = {"pages": len(pages)}
    blank = [i + 1 for i, t in enumerate(texts) if not t.strip()]
    note = ""
    if not text.strip():
        note = OCR_NOTE
        meta["needs_ocr"] = True
        text = ""
        starts = [0] * len(pages)
    elif blank:
        meta["pages_without_text"] = blank
        note = f"Pages without a text layer (need OCR): {', '.join(map(str, blank[:20]))}"
    if garbled:
        # Fonts without a Unicode map give private-use or replacement characters: unquotable.
        meta["pages_with_unreadable_text"] = garbled
    labels = _page_labels(reader, len(pages))
    if labels:
        meta["page_labels"] = labels
    info: Any = None
    try:
        info = reader.metadata
    except Exception:  # noqa: BLE001 - damaged metadata must not stop the text
        info = None
    title = author = ""
    if info is not None:
        try:
            title = str(info.title or "").strip()
            author = str(info.author or "").strip()
            if info.creation_date is not None:
                meta["created"] = info.creation_date.isoformat()
            if info.producer:
                meta["producer"] = str(info.producer)
        except Exception:  # noqa: BLE001
            pass
    # reportlab and some printers write placeholders rather than leave the fields empty.
    title = "" if title.lower() in _PLACEHOLDERS else title
    author = "" if author.lower() in _PLACEHOLDERS else author
    return Extracted(
        text=text,
        kind=SourceKind.PDF,
        title=title[:500] or title_from_name(path),
        media_type="application/pdf",
        author=author[:300],
        page_starts=tuple(starts),
        meta=meta,
        note=note,
    )
