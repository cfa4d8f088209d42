"""Exports of a case: briefs (.docx, .pdf) and data (CSV, JSON), with source protection."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from services.brief.build import CaseData, build_brief, load_case, select
from services.brief.model import BriefOptions, Document, ExportCancelledError
from services.brief.precheck import PrecheckItem, data_text, document_text, precheck
from services.brief.redact import redact
from services.errors import ValidationError
from services.imports import NoProgress, Progress

if TYPE_CHECKING:
    from services.container import Services

BRIEF_FORMATS = ("pdf", "docx")
DATA_FORMATS = ("csv", "json")
FORMATS = BRIEF_FORMATS + DATA_FORMATS


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote.

    Attributes:
        files: Every file written, in order.
        quotes: Number of quotes exported.
        notes: Number of citation notes.
        cancelled: Whether the user stopped the export (``files`` lists what was finished).
    """

    files: tuple[Path, ...]
    quotes: int
    notes: int
    cancelled: bool = False


def safe_file_stem(title: str) -> str:
    """A file name stem from a case title (letters, digits, dashes)."""
    stem = re.sub(r"[^\w]+", "-", title, flags=re.UNICODE).strip("-").lower()
    return stem[:60] or "case"


class ExportService:
    """Builds, redacts and writes briefs and data exports of a case.

    Attributes:
        services: The services to read the case through.
    """

    def __init__(self, services: Services) -> None:
        self.services = services

    def load(self, case_id: int) -> CaseData:
        """Every row of the case an export may use."""
        return load_case(self.services, case_id)

    def resolve(self, case_id: int, options: BriefOptions) -> BriefOptions:
        """``options`` with a selection's search (or saved search) run into quote ids.

        Raises:
            ValidationError: the saved search belongs to another case.
            QuerySyntaxError: the query is malformed (its message says what to change).
        """
        sel = options.selection
        if not sel.needs_search:
            return options
        search = self.services.search
        query = sel.search or ""
        if sel.saved_search_id is not None:
            saved = search.get_saved(sel.saved_search_id)
            if saved.case_id not in (None, case_id):
                raise ValidationError(f"the saved search {saved.name!r} belongs to another case")
            query = saved.query
        found = search.ids(case_id, query)
        if sel.quote_ids is not None:
            keep = set(sel.quote_ids)
            found = [i for i in found if i in keep]
        resolved = dataclasses.replace(
            sel, quote_ids=tuple(found), search=None, saved_search_id=None
        )
        return dataclasses.replace(options, selection=resolved)

    def document(
        self, case_id: int, options: BriefOptions, data: CaseData | None = None
    ) -> Document:
        """The redacted neutral document (what both renderers write)."""
        data = data or self.load(case_id)
        doc = build_brief(data, self.resolve(case_id, options))
        return redact(doc, data.people.values(), data.sources.values())

    def precheck(
        self,
        case_id: int,
        options: BriefOptions,
        data: CaseData | None = None,
        formats: Sequence[str] = BRIEF_FORMATS,
    ) -> list[PrecheckItem]:
        """Every name, alias, contact detail and source title that will leave the machine.

        ``formats`` are the files to be written: the brief (PDF, .docx) and the data tables
        (CSV, JSON) carry different things, and the check lists what the chosen ones carry.
        """
        data = data or self.load(case_id)
        options = self.resolve(case_id, options)
        sel = select(data, options.selection, options.only_verified)
        texts = []
        if any(f in BRIEF_FORMATS for f in formats) or not formats:
            texts.append(document_text(self.document(case_id, options, data)))
        if any(f in DATA_FORMATS for f in formats):
            from services.brief.data_export import tables

            texts.append(data_text(tables(data, sel, options.include_notes)))
        return precheck(data, sel, "\n".join(texts))

    def export(
        self,
        case_id: int,
        options: BriefOptions,
        out_dir: Path | str,
        formats: Sequence[str] = BRIEF_FORMATS,
        progress: Progress | None = None,
        stem: str | None = None,
    ) -> ExportResult:
        """Write the chosen formats into ``out_dir``; returns the files written."""
        progress = progress or NoProgress()
        bad = [f for f in formats if f not in FORMATS]
        if bad or not formats:
            raise ValidationError(
                f"unknown format {bad[0]!r}; choose from {', '.join(FORMATS)}"
                if bad
                else "choose at least one format"
            )
        # Read and check the selection before anything is written or reported: a bad selection
        # leaves no empty folder behind.
        data = self.load(case_id)
        options = self.resolve(case_id, options)
        doc = self.document(case_id, options, data)
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValidationError(f"cannot create the folder {out}: {exc.strerror}") from exc
        progress.report(0.05, "Case read")
        # From the redacted cover: a case titled after a protected source must not name the file.
        stem = stem or f"{safe_file_stem(doc.cover.title)}-{options.template.value}"
        files: list[Path] = []
        steps = len(formats)
        cancelled = False
        for i, fmt in enumerate(formats):
            if progress.cancelled():
                cancelled = True
                break
            sub = _SubProgress(progress, 0.05 + 0.95 * i / steps, 0.05 + 0.95 * (i + 1) / steps)
            target = out / f"{stem}.{fmt}"
            try:
                if fmt == "pdf":
                    from services.brief.render_pdf import render_pdf

                    files.append(render_pdf(doc, target, sub))
                elif fmt == "docx":
                    from services.brief.render_docx import render_docx

                    files.append(render_docx(doc, target, sub))
                else:
                    from services.brief.data_export import write_data

                    sel = select(data, options.selection, options.only_verified)
                    files += write_data(
                        data, sel, out, fmt, stem, include_notes=options.include_notes
                    )
            except ExportCancelledError:
                # A half-written file is worse than none: it might be sent as it is.
                target.unlink(missing_ok=True)
                cancelled = True
                break
            except OSError as exc:
                target.unlink(missing_ok=True)
                raise ValidationError(
                    f"could not write {target.name}: {exc.strerror or exc}"
                ) from exc
        progress.report(1.0, "Cancelled" if cancelled else "Done")
        return ExportResult(tuple(files), len(doc.quote_texts()), len(doc.notes), cancelled)


class _SubProgress:
    """Maps a renderer's 0..1 progress into a slice of the whole export."""

    def __init__(self, outer: Progress, start: float, end: float) -> None:
        self.outer = outer
        self.start = start
        self.end = end

    def report(self, fraction: float, text: str) -> None:
        self.outer.report(self.start + (self.end - self.start) * fraction, text)

    def cancelled(self) -> bool:
        return self.outer.cancelled()
