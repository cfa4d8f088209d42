"""Files built in the tests: PDFs (reportlab), Word documents (python-docx), pages and emails."""

from __future__ import annotations

import io
import re
import zipfile
from email.message import EmailMessage
from pathlib import Path

ARTICLE_TEXT = [
    "The harbour authority signed the dredging contract on Monday, according to minutes "
    "seen by this newspaper. The contract is worth 40 million euros over five years.",
    "\u201cNo deal was signed behind closed doors,\u201d the minister said on Tuesday, adding "
    "that the tender had been published in the official journal in March.",
    "Two of the three bidders were registered at the same address in Limassol, company "
    "records show. Neither company answered questions sent by email.",
]


def web_page(title: str = "Port deal signed", paragraphs: list[str] | None = None) -> str:
    """A saved article page with menus, an ad, a cookie banner and reader comments."""
    body = "\n".join(f"<p>{p}</p>" for p in (paragraphs or ARTICLE_TEXT))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | The Coastal Herald</title>
<meta name="author" content="Lena Berg">
<meta property="og:site_name" content="The Coastal Herald">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2024-03-05T09:00:00+00:00">
<link rel="canonical" href="https://herald.example/2024/03/port-deal">
<link rel="stylesheet" href="https://cdn.tracker.invalid/site.css">
<script src="https://cdn.tracker.invalid/analytics.js"></script>
</head><body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience.
Accept all cookies?</div>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World news
section</a></li><li><a href="/sport">Sport and leisure</a></li></ul></nav>
<div class="advertisement ad-banner">BUY CHEAP FLIGHTS NOW limited offer</div>
<main><article>
<h1>{title}</h1>
<p class="byline">By Lena Berg</p>
{body}
<img src="https://cdn.tracker.invalid/pixel.gif" width="1" height="1">
</article>
<section id="comments" class="comments"><h2>Comments</h2>
<div class="comment"><p>Reader99: This is outrageous fake news, I never trust them.</p></div>
<div class="comment"><p>Anon: Totally agree with the reader above me on this one.</p></div>
</section></main>
<footer>Copyright The Coastal Herald. Privacy policy. Terms of service.</footer>
</body></html>
"""


def pdf_bytes(pages: list[str], *, password: str | None = None, title: str = "") -> bytes:
    """A PDF with one text block per page (reportlab)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    kwargs = {}
    if password:
        from reportlab.lib import pdfencrypt

        kwargs["encrypt"] = pdfencrypt.StandardEncryption(password, canPrint=0)
    c = canvas.Canvas(buf, pagesize=A4, **kwargs)
    c.setTitle(title)
    c.setAuthor("Ministry of Ports")
    for page in pages:
        y = 780
        for line in page.split("\n"):
            c.drawString(72, y, line)
            y -= 16
        c.showPage()
    c.save()
    return buf.getvalue()


def scanned_pdf_bytes(pages: int = 2) -> bytes:
    """A PDF with shapes but no text layer, like a scan."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for _ in range(pages):
        for i in range(20):
            c.rect(72, 700 - i * 20, 400, 10, fill=1)
        c.showPage()
    c.save()
    return buf.getvalue()


_FOOTNOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:id="1"><w:p><w:r><w:t>{note}</w:t></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)
_FN_REF = '<w:r><w:footnoteReference w:id="1"/></w:r>'
_FN_REL = (
    '<Relationship Id="rIdFn1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/footnotes" Target="footnotes.xml"/>'
)
_FN_TYPE = (
    '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.footnotes+xml"/>'
)


def docx_bytes(
    *,
    heading: str = "Minutes of the port board",
    paragraphs: tuple[str, ...] = ("The board approved the contract.",),
    table: tuple[tuple[str, ...], ...] = (),
    footnote: str = "",
    comment: str = "",
    author: str = "",
) -> bytes:
    """A Word document (python-docx), with a real footnote part when ``footnote`` is given."""
    import docx

    d = docx.Document()
    d.core_properties.author = author
    d.add_heading(heading, 1)
    first = None
    for text in paragraphs:
        p = d.add_paragraph(text)
        first = first or p
    if table:
        t = d.add_table(rows=0, cols=len(table[0]))
        for row in table:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = value
    if comment and first is not None:
        d.add_comment(first.runs, text=comment, author="Editor", initials="ED")
    buf = io.BytesIO()
    d.save(buf)
    data = buf.getvalue()
    if footnote:
        data = _add_footnote(data, footnote)
    return data


def _add_footnote(data: bytes, note: str) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            raw = src.read(info.filename)
            if info.filename == "word/document.xml":
                raw = re.sub(rb"(</w:r>)(</w:p>)", rb"\1" + _FN_REF.encode() + rb"\2", raw, count=2)
            elif info.filename == "word/_rels/document.xml.rels":
                raw = raw.replace(b"</Relationships>", _FN_REL.encode() + b"</Relationships>")
            elif info.filename == "[Content_Types].xml":
                raw = raw.replace(b"</Types>", _FN_TYPE.encode() + b"</Types>")
            dst.writestr(info, raw)
        dst.writestr("word/footnotes.xml", _FOOTNOTES.format(note=note))
    return out.getvalue()


def zip_bomb_docx(megabytes: int = 128) -> bytes:
    """A .docx-shaped zip whose document.xml would unpack to ``megabytes`` MB (ratio ~1000)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(megabytes):
                f.write(chunk)
    return out.getvalue()


def email_message(
    *,
    subject: str = "The contract",
    text: str | None = "The contract was signed on Friday. I saw it myself.",
    html: str | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> bytes:
    """An email (stdlib ``email``) with optional HTML body and attachments."""
    msg = EmailMessage()
    msg["From"] = "Source One <one@example.org>"
    msg["To"] = "Desk <desk@example.org>"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 04 Mar 2024 10:00:00 +0000"
    msg["Message-ID"] = "<abc123@example.org>"
    if text is not None:
        msg.set_content(text)
    if html is not None:
        if text is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for name, data, mime in attachments:
        main, sub = mime.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg.as_bytes()


def write(folder: Path, name: str, data: bytes | str) -> Path:
    """Write ``data`` to ``folder/name`` and return the path."""
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path
