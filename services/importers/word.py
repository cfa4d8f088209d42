"""Word .docx: paragraphs and tables in order, footnotes and comments kept apart from the body.

A .docx is a zip: its sizes are checked before anything is unpacked, so a "zip bomb" (a small file
that expands to gigabytes) is refused without being expanded.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from models.entities import SourceKind
from services.importers.base import Extracted, fail, title_from_name

MAX_UNPACKED_BYTES = 300 * 1024 * 1024  # bytes, all members together
MAX_RATIO = 200  # uncompressed/compressed size above which a large member is refused
RATIO_MIN_BYTES = 5 * 1024 * 1024  # members smaller than this are never "bombs"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_zip(path: Path, data: bytes) -> zipfile.ZipFile:
    """Open the zip after checking its declared sizes; refuse bombs and non-Word zips."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise fail(path, "the Word document is damaged or truncated (not a readable zip)") from exc
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_BYTES and ratio > MAX_RATIO:
            raise fail(
                path,
                f"refused: {info.filename} would unpack from {info.compress_size:,} bytes to "
                f"{info.file_size:,} bytes (a zip bomb?)",
            )
    if total > MAX_UNPACKED_BYTES:
        raise fail(
            path,
            f"refused: it would unpack to {total // (1024 * 1024)} MB, more than the "
            f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MB limit",
        )
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        raise fail(path, "this zip file is not a Word document (no word/document.xml)")
    return zf


def _xml_text(element: Any) -> str:
    """The text of a WordprocessingML element, paragraph by paragraph."""
    out = []
    for p in element.iter(f"{_W}p"):
        parts = []
        for node in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br"):
            if node.tag == f"{_W}t":
                parts.append(node.text or "")
            elif node.tag == f"{_W}tab":
                parts.append("\t")
            else:
                parts.append("\n")
        out.append("".join(parts))
    return "\n".join(x for x in out if x.strip()).strip()


def _notes(zf: zipfile.ZipFile, member: str, tag: str) -> list[dict[str, Any]]:
    from lxml import etree

    try:
        raw = zf.read(member)
    except KeyError:
        return []
    root = etree.fromstring(raw, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    notes = []
    for el in root.iter(f"{_W}{tag}"):
        if el.get(f"{_W}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        text = _xml_text(el)
        if not text:
            continue
        note: dict[str, Any] = {"id": el.get(f"{_W}id"), "text": text}
        if el.get(f"{_W}author"):
            note["author"] = el.get(f"{_W}author")
        if el.get(f"{_W}date"):
            note["date"] = el.get(f"{_W}date")
        notes.append(note)
    return notes


def _body(document: Any) -> tuple[str, list[dict[str, Any]]]:
    """Body text (paragraphs and tables in order) and the headings with their offsets."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks: list[str] = []
    headings: list[dict[str, Any]] = []
    pos = 0
    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            para = Paragraph(child, document)
            text = para.text.strip()
            if not text:
                continue
            style = ""
            try:
                style = para.style.name if para.style is not None else ""
            except Exception:  # noqa: BLE001 - a missing style is not worth failing for
                style = ""
            if style.startswith(("Heading", "Title")):
                digits = "".join(ch for ch in style if ch.isdigit())
                level = 0 if style.startswith("Title") else int(digits or 1)
                headings.append({"text": text, "level": level, "offset": pos})
            block = text
        elif child.tag == f"{_W}tbl":
            rows = []
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or cells[-1] != value:  # merged cells repeat their text
                        cells.append(value)
                rows.append("\t".join(cells))
            block = "\n".join(r for r in rows if r.strip())
            if not block:
                continue
        else:
            continue
        blocks.append(block)
        pos += len(block) + 2
    return "\n\n".join(blocks), headings


def _first_heading(headings: list[dict[str, Any]]) -> str:
    """The document's title, or its first top-level heading ("" when it has neither)."""
    top = [h for h in headings if h["level"] <= 1]
    return str(top[0]["text"]) if top else ""


def read_docx(path: Path, data: bytes) -> Extracted:
    """A Word document's body text, with footnotes, comments and properties in metadata."""
    zf = check_zip(path, data)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        text, headings = _body(document)
        footnotes = _notes(zf, "word/footnotes.xml", "footnote")
        endnotes = _notes(zf, "word/endnotes.xml", "endnote")
        comments = _notes(zf, "word/comments.xml", "comment")
        props = document.core_properties
        author, title, created = props.author or "", props.title or "", props.created
    except Exception as exc:  # noqa: BLE001 - python-docx/lxml raise many kinds on damaged files
        raise fail(path, "the Word document is damaged and cannot be read") from exc
    if not text.strip() and not footnotes:
        raise fail(path, "the Word document has no text")
    meta: dict[str, Any] = {}
    if headings:
        meta["headings"] = headings
    if footnotes:
        meta["footnotes"] = footnotes
    if endnotes:
        meta["endnotes"] = endnotes
    if comments:
        meta["comments"] = comments
    if author:
        meta["document_author"] = author
    if created is not None:
        meta["created"] = created.isoformat()
    return Extracted(
        text=text,
        kind=SourceKind.WORD,
        title=(title.strip() or _first_heading(headings) or title_from_name(path))[:500],
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        author=author.strip()[:300],
        meta=meta,
    )
