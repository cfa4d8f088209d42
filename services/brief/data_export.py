"""Quotes, people, events and sources as CSV (UTF-8 with BOM) and JSON, redacted like briefs."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.brief.build import CaseData, Selected, affiliation_text, day_label
from services.brief.redact import Redactor

QUOTE_FIELDS = (
    "id",
    "text",
    "speaker",
    "said",
    "status",
    "source",
    "publisher",
    "url",
    "page",
    "tags",
)
PERSON_FIELDS = ("id", "name", "kind", "role", "affiliation", "aliases")
EVENT_FIELDS = ("id", "date", "title", "place", "description", "people")
SOURCE_FIELDS = ("id", "title", "publisher", "published", "url", "kind", "grade")


def tables(
    data: CaseData, sel: Selected, include_notes: bool = False
) -> dict[str, list[dict[str, Any]]]:
    """The four tables as lists of rows, with confidential people and sources redacted."""
    r = Redactor.of(data.people.values(), data.sources.values())

    def person_label(pid: int | None) -> str:
        if pid is None:
            return ""
        p = data.people.get(pid)
        if p is None:
            return ""
        return r.people.get(pid, p.name)

    quotes = []
    for q in sel.quotes:
        src = data.sources[q.source_id]
        hidden = src.id in r.sources
        row: dict[str, Any] = {
            "id": q.id,
            "text": q.text,
            "speaker": person_label(q.speaker_id),
            "said": q.said.label() if q.said else "",
            "status": q.status.value,
            "source": r.sources.get(src.id, src.title),
            "publisher": "" if hidden else (src.publisher or src.author),
            "url": "" if hidden else src.url,
            "page": None if hidden else src.page_of(q.start) if src.page_starts else None,
            "tags": ", ".join(q.tags),
        }
        if include_notes:
            row["note"] = q.note
        quotes.append(row)
    people = []
    for pid in sel.people:
        p = data.people[pid]
        if pid in r.people:
            people.append(
                {
                    "id": p.id,
                    "name": r.people[pid],
                    "kind": p.kind.value,
                    "role": "",
                    "affiliation": "",
                    "aliases": "",
                }
            )
        else:
            people.append(
                {
                    "id": p.id,
                    "name": p.name,
                    "kind": p.kind.value,
                    "role": p.role,
                    "affiliation": affiliation_text(p),
                    "aliases": ", ".join(p.aliases),
                }
            )
    events = [
        {
            "id": e.id,
            "date": e.date.label() if e.date else "",
            "title": e.title,
            "place": e.place_name or "",
            "description": e.description,
            "people": ", ".join(person_label(i) for i in e.person_ids),
        }
        for e in sel.events
    ]
    sources = []
    for sid in sel.sources:
        s = data.sources[sid]
        if sid in r.sources:
            sources.append(
                {
                    "id": s.id,
                    "title": r.sources[sid],
                    "publisher": "",
                    "published": "",
                    "url": "",
                    "kind": s.kind.value,
                    "grade": s.grade,
                }
            )
        else:
            sources.append(
                {
                    "id": s.id,
                    "title": s.title,
                    "publisher": s.publisher or s.author,
                    "published": day_label(s.published_on),
                    "url": s.url,
                    "kind": s.kind.value,
                    "grade": s.grade,
                }
            )
    out = {"quotes": quotes, "people": people, "events": events, "sources": sources}
    # The sweep catches a protected name written into free text (a quote, a description).
    return {
        k: [{f: r.text(v) if isinstance(v, str) else v for f, v in row.items()} for row in rows]
        for k, rows in out.items()
    }


def write_data(
    data: CaseData, sel: Selected, out: Path, fmt: str, stem: str, include_notes: bool = False
) -> list[Path]:
    """Write CSV files (one per table) or one JSON file; returns the paths."""
    t = tables(data, sel, include_notes)
    if fmt == "json":
        path = out / f"{stem}.json"
        title = Redactor.of(data.people.values(), data.sources.values()).text(data.case.title)
        path.write_text(
            json.dumps({"case": title, **t}, ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
        return [path]
    paths = []
    fields: dict[str, Sequence[str]] = {
        "quotes": QUOTE_FIELDS + (("note",) if include_notes else ()),
        "people": PERSON_FIELDS,
        "events": EVENT_FIELDS,
        "sources": SOURCE_FIELDS,
    }
    for name, rows in t.items():
        path = out / f"{stem}-{name}.csv"
        # utf-8-sig writes the BOM spreadsheets need to read Arabic right.
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(fields[name]))
            w.writeheader()
            w.writerows(rows)
        paths.append(path)
    return paths
