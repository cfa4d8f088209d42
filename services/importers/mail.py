"""Email (.eml): headers as metadata, the text body (or the HTML body as a web page), attachments.

Attachments are returned as :class:`Attachment` and imported by the import service as sources
of their own, linked to the email, in the same transaction.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
from email.message import EmailMessage, MIMEPart
from pathlib import Path
from typing import Any

from models.entities import SourceKind
from services.importers.base import Attachment, Extracted, cut_off, fail, headers_end
from services.importers.web import extract_html

_HEADERS = ("from", "to", "cc", "date", "subject", "message-id", "in-reply-to")


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a malformed header is skipped, not fatal
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _part_text(part: MIMEPart) -> str:
    try:
        content = part.get_content()
    except Exception:  # noqa: BLE001 - unknown charsets: decode leniently
        raw = part.get_payload(decode=True)
        content = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
    return content if isinstance(content, str) else ""


def looks_like_email(data: bytes) -> bool:
    """Whether ``data`` starts with mail headers."""
    head = data[:4096].lstrip().lower()
    starts = (
        b"from:",
        b"to:",
        b"subject:",
        b"date:",
        b"received:",
        b"return-path:",
        b"mime-version:",
        b"message-id:",
        b"delivered-to:",
        b"from ",
        b"x-",
    )
    return head.startswith(starts) and (b"\nfrom:" in b"\n" + head or b"\nsubject:" in b"\n" + head)


def read_eml(path: Path, data: bytes) -> Extracted:
    """An email message with its headers, body and attachments."""
    if not looks_like_email(data):
        raise fail(path, "this is not an email message (no From or Subject header)")
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as exc:  # noqa: BLE001
        raise fail(path, "the email could not be read") from exc
    assert isinstance(msg, EmailMessage)
    if not headers_end(data):
        raise fail(path, "the email is truncated: it ends inside its headers")
    if cut_off(msg):
        raise fail(path, "the email is truncated: its last part is cut off")
    meta: dict[str, Any] = {k: v for k in _HEADERS if (v := _header(msg, k))}
    published = None
    if "date" in meta:
        try:
            when = email.utils.parsedate_to_datetime(meta["date"])
            meta["date_iso"] = when.isoformat()
            published = when.date()
        except (TypeError, ValueError, IndexError):
            pass
    text = ""
    body_kind = ""
    try:
        body = msg.get_body(preferencelist=("plain", "html"))
    except Exception:  # noqa: BLE001
        body = None
    if body is not None and body.get_content_type() == "text/plain":
        text, body_kind = _part_text(body), "text"
    elif body is not None:
        html = _part_text(body)
        if html.strip():
            try:
                text = extract_html(path, html.encode("utf-8")).text
                body_kind = "html"
            except Exception:  # noqa: BLE001 - an unreadable HTML body leaves the headers
                text = ""
    attachments = []
    try:
        parts = list(msg.iter_attachments())
    except Exception:  # noqa: BLE001
        parts = []
    for i, part in enumerate(parts, 1):
        forwarded = part.get_content_type() == "message/rfc822"
        payload: Any = None
        try:
            if forwarded:  # a forwarded email: its bytes, to import as an email of its own
                inner = part.get_content()
                payload = inner.as_bytes() if isinstance(inner, EmailMessage) else None
            else:
                payload = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001
            payload = None
        if not isinstance(payload, bytes) or not payload:
            continue
        name = part.get_filename() or f"attachment-{i}{'.eml' if forwarded else ''}"
        attachments.append(Attachment(Path(name).name, payload, part.get_content_type()))
    if not text.strip() and not attachments and not meta.get("subject"):
        raise fail(path, "the email has no text, no subject and no attachments")
    if body_kind:
        meta["body"] = body_kind
    if attachments:
        meta["attachments"] = [a.file_name for a in attachments]
    return Extracted(
        text=text,
        kind=SourceKind.EMAIL,
        title=meta.get("subject") or f"Email from {meta.get('from', 'unknown sender')}",
        media_type="message/rfc822",
        author=meta.get("from", "")[:300],
        published_on=published,
        meta=meta,
        attachments=tuple(attachments),
    )
