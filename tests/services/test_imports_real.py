"""A real article (resources/samples, Voice of America) imported in every format.

The text is a real news report; the files around it (page, PDF, Word, email) are built here, so
the test checks that each reader gives back the journalist's words, in order, quotable.
"""

from __future__ import annotations

import html
import re
import textwrap
from pathlib import Path

import pytest

from services.container import Services
from tests.data.builders import docx_bytes, email_message, pdf_bytes, write

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "deir-ez-zor-campaign.txt"
QUOTE = "Our forces have already arrested over 30 terrorists,"


def _paragraphs() -> list[str]:
    return [p.strip() for p in SAMPLE.read_text(encoding="utf-8").splitlines() if p.strip()]


def _page(paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>US-backed forces intensify campaign against IS remnants | VOA</title>"
        '<meta property="og:site_name" content="Voice of America">'
        '<meta property="article:published_time" content="2021-02-04T17:00:00Z">'
        '<link rel="canonical" href="https://www.voanews.com/a/extremism-watch_us-backed-forces">'
        '</head><body><nav><a href="/">Home</a> <a href="/usa">United States news</a></nav>'
        f"<article><h1>US-backed forces intensify campaign</h1>{body}</article>"
        "<footer>Voice of America footer links and policies</footer></body></html>"
    )


def _pdf(paragraphs: list[str]) -> bytes:
    lines = [line for p in paragraphs for line in [*textwrap.wrap(p, 88), ""]]
    pages = ["\n".join(lines[i : i + 40]) for i in range(0, len(lines), 40)]
    return pdf_bytes(pages, title="US-backed forces intensify campaign")


def _build(ext: str, paragraphs: list[str]) -> bytes:
    if ext == ".txt":
        return SAMPLE.read_bytes()
    if ext == ".html":
        return _page(paragraphs).encode("utf-8")
    if ext == ".pdf":
        return _pdf(paragraphs)
    if ext == ".docx":
        return docx_bytes(
            heading="US-backed forces intensify campaign", paragraphs=tuple(paragraphs)
        )
    assert ext == ".eml"
    return email_message(subject="Fwd: VOA story", text="\n\n".join(paragraphs))


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("ext", [".txt", ".html", ".pdf", ".docx", ".eml"])
def test_real_article_in_every_format_gives_back_its_words_in_order(
    services: Services, tmp_path: Path, ext: str
) -> None:
    paragraphs = _paragraphs()
    case = services.cases.create("Deir ez-Zor").id
    src = services.imports.import_file(case, write(tmp_path, f"voa{ext}", _build(ext, paragraphs)))
    text = services.sources.get_text(src.id)
    flat = _words(text)
    at = 0
    for paragraph in paragraphs:
        found = flat.find(_words(paragraph), at)
        assert found >= 0, (ext, paragraph[:60])
        at = found
    assert "United States news" not in text and "footer links" not in text
    # The quote's offsets in the stored text give back the quote (PDF lines may wrap inside it).
    start = _words(text).find(QUOTE)
    assert start > 0
    assert src.language == "en"
    if ext == ".pdf":
        assert len(src.page_starts) == src.meta["pages"] >= 2
    if ext == ".html":
        assert src.publisher == "Voice of America"
        assert src.url.startswith("https://www.voanews.com/")
        assert src.published_on is not None and src.published_on.isoformat() == "2021-02-04"
    if ext in (".txt", ".html", ".docx", ".eml"):
        begin = text.index(QUOTE)
        assert text[begin : begin + len(QUOTE)] == QUOTE
