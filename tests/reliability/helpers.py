"""Shared helpers of the reliability tests: a case that uses every kind of row."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from models.dates import PartialDate
from models.entities import Base, Confidentiality, QuoteStatus, SourceKind
from services.container import Services
from services.dto import CaseDTO
from services.imports import ImportService
from services.sources import NewFile

ARABIC = "قال الوزير «سنبني المدرسة» أمس في حلب.\n"
ENGLISH = 'The mayor said "We will open the bridge in May." Then he left.\n'


def populate_case(svc: Services, folder: Path, title: str = "Bridge contracts") -> CaseDTO:
    """A case with files, revisions, people, affiliations, quotes, places, events and tags."""
    case = svc.cases.create(title, summary="Who got the bridge money?", author="R. Reporter")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mayor_speech.txt").write_bytes(ENGLISH.encode("utf-8"))
    (folder / "aleppo.txt").write_bytes(b"\xef\xbb\xbf" + ARABIC.encode("utf-8"))
    imports = ImportService(svc.store.sessions)
    speech = imports.import_file(case.id, folder / "mayor_speech.txt")
    arabic = imports.import_file(case.id, folder / "aleppo.txt")
    note = svc.sources.add(
        case.id,
        title="Call with a contractor",
        text="He said the tender was rigged. Twice.",
        kind=SourceKind.INTERVIEW_NOTE,
        confidentiality=Confidentiality.CONFIDENTIAL,
        descriptor="A contractor in the city",
        author="R. Reporter",
        publisher="Own notes",
        reliability="B",
        credibility="2",
        published_on=dt.date(2024, 3, 1),
        retrieved_at=dt.datetime(2024, 3, 2, 10, 30, 15, 123456, tzinfo=dt.UTC),
        url="https://example.org/call",
        language="en",
        note="Met at the café",
        meta={"channel": "phone", "minutes": 12, "nested": {"a": [1, 2]}},
    )
    attachment = svc.sources.add(
        case.id,
        title="Tender sheet",
        text="Lot 1: bridge. Lot 2: road.",
        file=NewFile(b"%PDF-1.4 fake\x00\xff bytes", "tender.pdf", "application/pdf"),
        kind=SourceKind.PDF,
        page_starts=[0, 15],
        parent_id=note.id,
    )
    mayor = svc.people.create(
        case.id,
        "Jan Kowalski",
        aliases=["J. Kowalski", "Ян Ковальски"],
        role="Mayor",
        contact="+48 600 000 000",
        organisation="City Hall",
        organisation_role="Mayor",
    )
    minister = svc.people.create(case.id, "وزير التربية", notes="ملاحظة")
    whistle = svc.people.create(
        case.id, "Anna Nowak", confidential=True, descriptor="A city employee", contact="Signal"
    )
    city = svc.people.find(case.id, "City Hall")
    assert city is not None
    svc.people.add_affiliation(
        whistle.id, city.id, "Clerk", dt.date(2019, 1, 1), dt.date(2023, 6, 30)
    )
    start = ENGLISH.index("We will")
    q1 = svc.quotes.create(
        speech.id,
        start,
        ENGLISH.index('."') + 1,
        speaker_id=mayor.id,
        said=PartialDate.month(2024, 5, "early"),
        status=QuoteStatus.VERIFIED,
        note="Checked against the video",
        tags=["bridge", "promises"],
    )
    svc.quotes.update(
        q1.id,
        translation="Otworzymy most w maju.",
        translation_language="pl",
        translator="R. Reporter",
        checked_by="Editor",
        checked_at=dt.datetime(2024, 5, 3, 9, 15, 30, 654321, tzinfo=dt.UTC),
    )
    a_start = ARABIC.index("سنبني")
    q2 = svc.quotes.create(
        arabic.id, a_start, ARABIC.index("»"), speaker_id=minister.id, said=PartialDate.year(2023)
    )
    q3 = svc.quotes.create(note.id, 7, 29, speaker_id=whistle.id, status=QuoteStatus.DISPUTED)
    revised = svc.sources.revise(note.id, "He said the tender was rigged. Three times.", "fixed")
    svc.sources.link_person(speech.id, mayor.id)
    place = svc.places.create(
        case.id, "Aleppo", aliases=["حلب", "Halab"], latitude=36.2, longitude=37.15, notes="city"
    )
    event = svc.events.create(
        case.id,
        "Tender awarded",
        date=PartialDate.day(2024, 4, 2),
        place_id=place.id,
        description="The bridge lot went to a cousin.",
        person_ids=[mayor.id, whistle.id],
        source_ids=[note.id, attachment.id],
        quote_ids=[q1.id, q3.id],
    )
    svc.events.create(case.id, "Undated rumour")
    svc.tags.set_tags("event", event.id, ["money"])
    svc.tags.set_tags("person", whistle.id, ["protect"])
    svc.tags.set_tags("source", revised.id, ["revised"])
    svc.tags.set_tags("place", place.id, ["syria"])
    svc.places.link(place.id, "source", arabic.id)
    svc.places.link(place.id, "quote", q2.id)
    svc.search.save(case.id, "Bridge quotes", 'bridge speaker:"Jan Kowalski"')
    return svc.cases.get(case.id)


# --- Comparing two cases row by row (ids replaced by their rank within the case)


def _scoped_rows(conn: Any, case_id: int) -> dict[str, list[dict[str, Any]]]:
    """Every row of a case, table by table, found from the schema (independently of archive)."""
    tables = [t for t in Base.metadata.sorted_tables]
    out: dict[str, list[dict[str, Any]]] = {}
    ids: dict[str, set[int]] = {}
    for t in tables:
        if t.name == "cases":
            rows = conn.execute(select(t).where(t.c.id == case_id)).mappings().all()
        elif "case_id" in t.c:
            rows = conn.execute(select(t).where(t.c.case_id == case_id)).mappings().all()
        else:
            continue
        out[t.name] = [dict(r) for r in rows]
        ids[t.name] = {r["id"] for r in rows}
    files = Base.metadata.tables["source_files"]
    fids = {r["file_id"] for r in out["sources"] if r["file_id"] is not None}
    out["source_files"] = [
        dict(r) for r in conn.execute(select(files).where(files.c.id.in_(fids))).mappings()
    ]
    ids["source_files"] = fids
    for t in tables:
        if t.name in out:
            continue
        refs = [
            (c.name, fk.column.table.name)
            for c in t.columns
            for fk in c.foreign_keys
            if fk.column.table.name in ids and fk.column.table.name != "source_files"
        ]
        if not refs:
            continue
        col, target = refs[0]
        rows = conn.execute(select(t).where(t.c[col].in_(ids[target] or {-1}))).mappings().all()
        out[t.name] = [dict(r) for r in rows]
        if "id" in t.c:
            ids[t.name] = {r["id"] for r in rows}
    return out


def canonical_case(engine: Engine, case_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """A case's rows with every id replaced by a stable stand-in, comparable across stores."""
    with engine.connect() as conn:
        rows = _scoped_rows(conn, case_id)
    ranks: dict[str, dict[int, Any]] = {}
    for name, rs in rows.items():
        if name == "source_files":
            ranks[name] = {r["id"]: r["sha256"] for r in rs}
        elif rs and "id" in rs[0]:
            ranks[name] = {r["id"]: i for i, r in enumerate(sorted(rs, key=lambda r: r["id"]))}
    out: dict[str, list[tuple[Any, ...]]] = {}
    for name, rs in rows.items():
        t = Base.metadata.tables[name]
        fks = {c.name: fk.column.table.name for c in t.columns for fk in c.foreign_keys}
        canon = []
        for r in rs:
            item = []
            for c in t.columns:
                v = r[c.name]
                if c.name == "id" and name in ranks:
                    v = ranks[name][v]
                elif c.name in fks and v is not None:
                    v = (fks[c.name], ranks[fks[c.name]][v])
                elif isinstance(v, bytes | memoryview):
                    v = hashlib.sha256(bytes(v)).hexdigest()
                item.append((c.name, _plain(v)))
            canon.append(tuple(item))
        out[name] = sorted(canon, key=repr)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).isoformat()
    return v


def store_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of a whole store (to show that a failure left it unchanged)."""
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }
