"""Plain text and Markdown: the encoding is detected, never guessed into mojibake.

Rules, in order: a byte-order mark decides (UTF-8, UTF-16, UTF-32); UTF-16 without a mark is
recognised by its zero bytes; valid UTF-8 is UTF-8; otherwise charset-normalizer chooses among the
legacy encodings journalists meet (Windows-1252, Windows-1256, ISO-8859-6) and, failing those,
any encoding it is confident about. Bytes that are none of these are refused as binary.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from models.entities import SourceKind
from services.importers.base import Extracted, fail, title_from_name

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Legacy encodings tried first, in order of preference when they fit equally well.
LEGACY = ["cp1252", "cp1256", "iso8859_6"]
MAX_CHAOS = 0.2  # charset-normalizer "mess" ratio above which a decoding is refused
# Control characters that do not occur in text (tab, LF, FF, CR and ESC are allowed).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark, told by the high bytes of its code units.

    In UTF-16 text one byte of each pair (the high byte) takes very few values: 0 for Latin
    letters, spaces and line ends, 6 for Arabic, and so on. The other byte varies. Text in an
    8-bit encoding has no zero bytes at all and varied bytes everywhere.
    """
    sample = data[:8192]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    sample = sample[: len(sample) // 2 * 2]
    for high, name in ((sample[1::2], "utf-16-le"), (sample[0::2], "utf-16-be")):
        counts = sorted((high.count(b) for b in set(high)), reverse=True)
        if sum(counts[:2]) / len(high) < 0.9:
            continue
        try:  # incremental: a surrogate pair cut at the sample's end is not an error
            text = codecs.getincrementaldecoder(name)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        if not text:
            continue
        printable = sum(ch.isprintable() or ch in "\t\n\r\f" for ch in text)
        if printable / len(text) > 0.95:
            return name
    return None


def detect_encoding(data: bytes) -> str | None:
    """The encoding of ``data``, or None when it is not text."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    utf16 = _utf16_without_bom(data)
    if utf16:
        return utf16
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A file cut inside its last character is still UTF-8 (the cut character is dropped).
        if exc.reason == "unexpected end of data" and len(data) - exc.start < 4:
            return "utf-8"
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=LEGACY).best()
    if best is None or best.chaos > MAX_CHAOS:
        best = from_bytes(data).best()
    if best is None or best.chaos > MAX_CHAOS:
        return None
    return str(best.encoding)


def decode_text(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) for text bytes, or None for binary content."""
    encoding = detect_encoding(data)
    if encoding is None:
        return None
    try:  # incremental: a character cut off at the end of a truncated file is dropped
        text = codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except (UnicodeDecodeError, LookupError):
        return None
    text = text.removeprefix("\ufeff")
    controls = sum(text.count(chr(c)) for c in _CONTROL)
    if controls > max(2, len(text) // 200):
        return None
    return text, encoding


def read_plain_text(path: Path, data: bytes) -> Extracted:
    """Decode a plain-text or Markdown file in whatever encoding it uses."""
    decoded = decode_text(data)
    if decoded is None:
        raise fail(path, "this is not a text file (binary content)")
    text, encoding = decoded
    if not text.strip():
        raise fail(path, "the file has no text (only blank space)")
    markdown = path.suffix.lower() in (".md", ".markdown")
    title = ""
    if markdown:
        for line in text.splitlines():
            if line.startswith("# "):
                title = line[2:].strip()
                break
    return Extracted(
        text=text,
        kind=SourceKind.PLAIN_TEXT,
        title=title or title_from_name(path),
        media_type="text/markdown" if markdown else "text/plain",
        meta={"encoding": encoding},
    )
