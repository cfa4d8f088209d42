"""Sources: add with their original bytes, list, read, edit metadata, revise text, delete."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, defer, joinedload

from models.entities import (
    INFORMATION_CREDIBILITY,
    SOURCE_RELIABILITY,
    Case,
    Confidentiality,
    Quote,
    Source,
    SourceFile,
    SourceKind,
    source_people,
)
from services.base import Service, check_version, get_or_raise
from services.dto import Page, SourceDTO
from services.errors import DuplicateError, InUseError, NotFoundError, ValidationError
from services.lists import SOURCE_ORDER, source_filters
from services.textnorm import normalise_text

# Metadata fields a caller may change with update(); text and file are not among them.
EDITABLE_FIELDS = frozenset(
    {
        "kind",
        "title",
        "author",
        "publisher",
        "url",
        "published_on",
        "retrieved_at",
        "language",
        "reliability",
        "credibility",
        "confidentiality",
        "descriptor",
        "note",
        "meta",
        "file_name",
    }
)


class QuoteDisposition(enum.StrEnum):
    """What becomes of a source's quotes when the source is deleted."""

    DELETE = "delete"  # delete the quotes with the source
    MOVE = "move"  # re-anchor each quote in another source (a revision) by its exact text


@dataclass(frozen=True)
class NewFile:
    """Original bytes of an imported file."""

    data: bytes
    file_name: str
    media_type: str

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes."""
        return hashlib.sha256(self.data).hexdigest()


def validate_url(url: str) -> str:
    """Accept empty, http(s) and file URLs; refuse anything else with a clear message."""
    from urllib.parse import urlsplit

    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc and " " not in url:
        return url
    if parts.scheme == "file" and parts.path:
        return url
    raise ValidationError(f"not a web address: {url!r} (expected http:// or https://)")


def _check_metadata(values: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(values)
    unknown = set(out) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(f"cannot set {', '.join(sorted(unknown))} on a source")
    if "title" in out:
        out["title"] = (out["title"] or "").strip()
        if not out["title"]:
            raise ValidationError("a source needs a title")
    if "url" in out:
        out["url"] = validate_url(out["url"] or "")
    if out.get("reliability") not in (None, "", *SOURCE_RELIABILITY):
        raise ValidationError(f"source reliability is graded A to F, not {out['reliability']!r}")
    if out.get("credibility") not in (None, "", *INFORMATION_CREDIBILITY):
        raise ValidationError(
            f"information credibility is graded 1 to 6, not {out['credibility']!r}"
        )
    for key in ("reliability", "credibility"):
        if key in out and out[key] == "":
            out[key] = None
    if "kind" in out:
        try:
            out["kind"] = SourceKind(out["kind"])
        except ValueError:
            kinds = ", ".join(k.value for k in SourceKind)
            raise ValidationError(f"unknown source kind {out['kind']!r} ({kinds})") from None
    if "confidentiality" in out:
        try:
            out["confidentiality"] = Confidentiality(out["confidentiality"])
        except ValueError:
            raise ValidationError(
                f"unknown confidentiality {out['confidentiality']!r}"
                " (on_record, background, confidential)"
            ) from None
    if out.get("retrieved_at") is not None and out["retrieved_at"].tzinfo is None:
        out["retrieved_at"] = out["retrieved_at"].replace(tzinfo=dt.UTC)
    return out


def check_metadata(values: Mapping[str, Any]) -> dict[str, Any]:
    """Source fields checked and cleaned as :meth:`SourceService.add` does (bulk importer)."""
    return _check_metadata(values)


def check_page_starts(page_starts: Sequence[int]) -> None:
    """Refuse page starts that do not begin at 0 and increase (a PDF's page mapping)."""
    if page_starts and (list(page_starts) != sorted(page_starts) or page_starts[0] != 0):
        raise ValidationError("page starts must begin at 0 and increase")


class SourceService(Service):
    """Use cases on sources."""

    # --- Adding

    def find_file(self, case_id: int, sha256: str) -> tuple[int | None, list[int]]:
        """Where these bytes already are: (source id in this case, ids of cases elsewhere)."""
        with self._read() as s:
            rows = s.execute(
                select(Source.id, Source.case_id)
                .join(SourceFile, Source.file_id == SourceFile.id)
                .where(SourceFile.sha256 == sha256)
                .order_by(Source.id)
            ).all()
        here = next((sid for sid, cid in rows if cid == case_id), None)
        elsewhere = sorted({cid for _, cid in rows if cid != case_id})
        return here, elsewhere

    def add(
        self,
        case_id: int,
        *,
        title: str,
        text: str,
        kind: SourceKind | str = SourceKind.PLAIN_TEXT,
        file: NewFile | None = None,
        page_starts: Sequence[int] = (),
        parent_id: int | None = None,
        session: Session | None = None,
        **metadata: Any,
    ) -> SourceDTO:
        """Add a source with its text (normalised here, once) and optionally its original bytes.

        Raises:
            DuplicateError: the same bytes are already a source of this case.
        """
        values = _check_metadata({"title": title, "kind": kind, **metadata})
        text = normalise_text(text)
        check_page_starts(page_starts)
        if session is not None:
            return self._add(session, case_id, values, text, file, page_starts, parent_id)
        with self._tx() as s:
            return self._add(s, case_id, values, text, file, page_starts, parent_id)

    def _add(
        self,
        s: Session,
        case_id: int,
        values: dict[str, Any],
        text: str,
        file: NewFile | None,
        page_starts: Sequence[int],
        parent_id: int | None,
    ) -> SourceDTO:
        get_or_raise(s, Case, case_id)
        if parent_id is not None:
            get_or_raise(s, Source, parent_id)
        file_row: SourceFile | None = None
        if file is not None:
            digest = file.sha256
            file_row = s.scalar(select(SourceFile).where(SourceFile.sha256 == digest))
            if file_row is not None:
                existing = s.scalar(
                    select(Source.id)
                    .where(Source.case_id == case_id, Source.file_id == file_row.id)
                    .limit(1)
                )
                if existing is not None:
                    raise DuplicateError(
                        f"{file.file_name or 'this file'} is already in this case "
                        f"(source {existing})",
                        existing_id=existing,
                    )
            else:
                file_row = SourceFile(
                    sha256=digest, size=len(file.data), media_type=file.media_type, data=file.data
                )
                s.add(file_row)
                s.flush()
            values.setdefault("file_name", file.file_name)
        src = Source(
            case_id=case_id,
            text=text,
            file=file_row,
            page_starts=list(page_starts),
            parent_id=parent_id,
            **values,
        )
        s.add(src)
        s.flush()
        return SourceDTO.of(src, len(text))

    # --- Reading

    def get(self, source_id: int) -> SourceDTO:
        """One source's metadata."""
        with self._read() as s:
            src = get_or_raise(s, Source, source_id, options=[joinedload(Source.file)])
            return SourceDTO.of(src)

    def get_text(self, source_id: int) -> str:
        """The source's full extracted text."""
        with self._read() as s:
            text = s.scalar(select(Source.text).where(Source.id == source_id))
            if text is None:
                raise NotFoundError(f"no source with id {source_id}")
            return text

    def get_file(self, source_id: int) -> tuple[str, str, bytes] | None:
        """(file name, media type, original bytes), or None for typed-in sources."""
        with self._read() as s:
            row = s.execute(
                select(Source.file_name, SourceFile.media_type, SourceFile.data)
                .join(SourceFile, Source.file_id == SourceFile.id)
                .where(Source.id == source_id)
            ).first()
            if row is None:
                get_or_raise(s, Source, source_id)
                return None
            return row[0], row[1], row[2]

    def list(
        self,
        case_id: int,
        *,
        person_id: int | None = None,
        event_id: int | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[SourceDTO]:
        """Sources of a case (optionally those linked to a person or an event), oldest first."""
        with self._read() as s:
            get_or_raise(s, Case, case_id)
            q = (
                select(Source, func.length(Source.text))
                .where(*source_filters(s, case_id, person_id, event_id))
                .options(defer(Source.text), joinedload(Source.file))
                .order_by(*SOURCE_ORDER)
                .offset(offset)
                .limit(limit)
            )
            return [SourceDTO.of(r, n or 0) for r, n in s.execute(q).unique()]

    def count(self, case_id: int) -> int:
        """Number of sources in a case."""
        with self._read() as s:
            return s.scalar(select(func.count(Source.id)).where(Source.case_id == case_id)) or 0

    def page(self, case_id: int, offset: int, limit: int) -> Page:
        """A window of the case's sources for lazily fetched lists."""
        return Page(
            tuple(self.list(case_id, offset=offset, limit=limit)), self.count(case_id), offset
        )

    # --- Editing

    def update(
        self, source_id: int, *, expected_version: int | None = None, **values: Any
    ) -> SourceDTO:
        """Change metadata fields (never the text: see :meth:`revise`)."""
        values = _check_metadata(values)
        with self._tx() as s:
            src = get_or_raise(s, Source, source_id, options=[joinedload(Source.file)])
            check_version(src, expected_version, theirs=SourceDTO.of(src), mine=values)
            for key, value in values.items():
                setattr(src, key, value)
            s.flush()
            return SourceDTO.of(src)

    def revise(self, source_id: int, new_text: str, note: str = "") -> SourceDTO:
        """Correct a source's text.

        Without quotes, the text is replaced in place. Once quotes point into it, the text is
        frozen: a new revision is created (same metadata and file, ``revision_of_id`` set) and
        the old text and its quotes stay as they were.
        """
        new_text = normalise_text(new_text)
        with self._tx() as s:
            src = get_or_raise(s, Source, source_id, options=[joinedload(Source.file)])
            n = s.scalar(select(func.count(Quote.id)).where(Quote.source_id == source_id)) or 0
            if n == 0:
                src.text = new_text
                if note:
                    src.note = note
                src.page_starts = []
                s.flush()
                return SourceDTO.of(src)
            copy = Source(
                case_id=src.case_id,
                kind=src.kind,
                title=src.title,
                author=src.author,
                publisher=src.publisher,
                url=src.url,
                published_on=src.published_on,
                retrieved_at=src.retrieved_at,
                language=src.language,
                reliability=src.reliability,
                credibility=src.credibility,
                confidentiality=src.confidentiality,
                descriptor=src.descriptor,
                file_id=src.file_id,
                file_name=src.file_name,
                text=new_text,
                page_starts=[],
                meta=dict(src.meta or {}),
                note=note or src.note,
                revision=src.revision + 1,
                revision_of_id=src.id,
                parent_id=src.parent_id,
            )
            s.add(copy)
            s.flush()
            s.refresh(copy, ["file"])
            return SourceDTO.of(copy)

    def quote_count(self, source_id: int) -> int:
        """How many quotes point into this source."""
        with self._read() as s:
            return s.scalar(select(func.count(Quote.id)).where(Quote.source_id == source_id)) or 0

    def delete(
        self,
        source_id: int,
        quotes: QuoteDisposition | None = None,
        move_to: int | None = None,
    ) -> None:
        """Delete a source.

        A source with quotes is refused unless the caller says what becomes of them:
        ``DELETE`` deletes them too; ``MOVE`` re-anchors each in source ``move_to`` by its exact
        text (refused if any quote's text is not found there).

        Raises:
            InUseError: the source has quotes and no disposition was given.
        """
        with self._tx() as s:
            src = get_or_raise(s, Source, source_id)
            qs = list(s.scalars(select(Quote).where(Quote.source_id == source_id)))
            children = s.scalar(select(func.count(Source.id)).where(Source.parent_id == source_id))
            if children:
                raise InUseError(f"source {source_id} has attachments; delete those first")
            if qs and quotes is None:
                raise InUseError(
                    f"source {source_id} has {len(qs)} quote(s): delete them with it, "
                    "or move them to another revision",
                    count=len(qs),
                )
            if qs and quotes is QuoteDisposition.MOVE:
                if move_to is None:
                    raise ValidationError("say which source the quotes move to")
                if move_to == source_id:
                    raise ValidationError("the quotes must move to another source than this one")
                target = get_or_raise(s, Source, move_to)
                if target.case_id != src.case_id:
                    raise ValidationError("quotes can only move to a source of the same case")
                for q in qs:
                    pos = _nearest(target.text, q.text, q.start_offset)
                    if pos < 0:
                        raise ValidationError(
                            f"quote {q.id} ({q.text[:40]!r}) is not in source {move_to}'s text"
                        )
                    q.source_id = move_to
                    q.start_offset, q.end_offset = pos, pos + len(q.text)
            elif qs:
                s.execute(delete(Quote).where(Quote.source_id == source_id))
            s.flush()
            # Later revisions of a deleted revision now follow the one before it.
            s.execute(
                update(Source)
                .where(Source.revision_of_id == source_id)
                .values(revision_of_id=src.revision_of_id)
            )
            file_id = src.file_id
            s.delete(src)
            s.flush()
            if file_id is not None:
                still = s.scalar(select(func.count(Source.id)).where(Source.file_id == file_id))
                if not still:
                    s.execute(delete(SourceFile).where(SourceFile.id == file_id))

    def link_person(self, source_id: int, person_id: int, linked: bool = True) -> None:
        """Record (or remove) that a source mentions a person."""
        with self._tx() as s:
            get_or_raise(s, Source, source_id)
            s.execute(
                delete(source_people).where(
                    source_people.c.source_id == source_id,
                    source_people.c.person_id == person_id,
                )
            )
            if linked:
                s.execute(source_people.insert().values(source_id=source_id, person_id=person_id))


def _nearest(text: str, needle: str, near: int) -> int:
    """Offset of the occurrence of ``needle`` in ``text`` closest to ``near``, or -1."""
    best = -1
    pos = text.find(needle)
    while pos >= 0:
        if best < 0 or abs(pos - near) < abs(best - near):
            best = pos
        pos = text.find(needle, pos + 1)
    return best
