"""Saved web pages (.html, .htm, .mhtml): the article's text and citation metadata.

trafilatura does the work on bytes already on disk: it is never given a URL to fetch, links and
images are left out of the text, and comments are excluded (``include_comments=False``). Dates
come only from the page's own metadata (``extensive_search`` off), never guessed from its text.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import email.utils
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from models.entities import SourceKind
from services.importers.base import Extracted, cut_off, fail, title_from_name

# Options given to trafilatura, here once so the benchmark measures the same call.
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "with_metadata": True,
    "include_comments": False,
    "include_images": False,
    "include_links": False,
    "include_tables": True,
    "url": None,
    "date_extraction_params": {"extensive_search": False, "original_date": True},
}


_SAVED_FROM = re.compile(rb"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", re.IGNORECASE)


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _looks_like_html(data: bytes) -> bool:
    head = data[:2048].lower()
    return any(tag in head for tag in (b"<html", b"<!doctype", b"<body", b"<p", b"<div", b"<head"))


def extract_html(path: Path, data: bytes, base_url: str = "") -> Extracted:
    """The main text and metadata of an HTML page given as bytes."""
    import trafilatura

    if not _looks_like_html(data):
        raise fail(path, "this is not a web page (no HTML found)")
    try:
        doc = trafilatura.bare_extraction(data, **TRAFILATURA_OPTIONS)
    except Exception as exc:  # noqa: BLE001 - a damaged page must end in one clear message
        raise fail(path, f"the web page could not be read ({type(exc).__name__})") from exc
    text = str(getattr(doc, "text", None) or "") if doc is not None else ""
    if not text.strip():
        # Very short pages fall below trafilatura's article threshold: keep their visible text.
        try:
            text = trafilatura.html2txt(data) or ""
        except Exception:  # noqa: BLE001
            text = ""
    if not text.strip():
        raise fail(path, "the web page has no readable text")
    meta: dict[str, Any] = {}

    def get(key: str) -> str:
        value = getattr(doc, key, None) if doc is not None else None
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value if v)
        return str(value or "")

    for key in ("description", "hostname", "sitename", "categories", "tags"):
        value = get(key)
        if value:
            meta[key] = value
    saved = _SAVED_FROM.search(data[:4096])
    if saved:  # browsers mark a page saved as "complete" with the address it came from
        meta["saved_from"] = saved.group(1).decode("ascii", "replace")
    url = get("url") or base_url or meta.get("saved_from", "")
    if not url.startswith(("http://", "https://")) or " " in url:
        if url:
            meta["url_as_found"] = url
        url = ""
    return Extracted(
        text=text,
        kind=SourceKind.WEB_PAGE,
        title=get("title") or title_from_name(path),
        media_type="text/html",
        author=get("author")[:300],
        publisher=(get("sitename") or get("hostname"))[:300],
        url=url[:2000],
        published_on=_date(get("date")),
        meta=meta,
    )


def read_html(path: Path, data: bytes) -> Extracted:
    """A saved .html/.htm page."""
    return extract_html(path, data)


def read_mhtml(path: Path, data: bytes) -> Extracted:
    """A web archive (.mhtml/.mht): its HTML part through the web-page path."""
    head = data[:4096].lower()
    if b"content-type:" not in head or b"multipart/" not in head:
        raise fail(path, "this is not a web archive (no MIME header found)")
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # noqa: BLE001
        raise fail(path, "this web archive could not be read") from exc
    assert isinstance(msg, EmailMessage)
    if cut_off(msg):
        raise fail(path, "the web archive is truncated: its last part is cut off")
    html_part = next((p for p in msg.walk() if p.get_content_type() == "text/html"), None)
    if html_part is None:
        raise fail(path, "this web archive has no web page in it")
    try:
        payload = html_part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001
        raise fail(path, "the web page in this archive is damaged") from exc
    if not isinstance(payload, bytes) or not payload.strip():
        raise fail(path, "the web page in this archive is empty")
    base = str(msg.get("Snapshot-Content-Location") or html_part.get("Content-Location") or "")
    got = extract_html(path, payload, base_url=base)
    saved_at = None
    try:
        stamp = msg.get("Date")
        if stamp:
            saved_at = email.utils.parsedate_to_datetime(str(stamp))
            if saved_at.tzinfo is None:
                saved_at = saved_at.replace(tzinfo=dt.UTC)
    except (TypeError, ValueError, IndexError):
        saved_at = None
    return dataclasses.replace(got, media_type="multipart/related", retrieved_at=saved_at)
