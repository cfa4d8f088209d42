"""Case archives: a round trip keeps every field and every original byte, on both engines."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from models.db import open_store
from services.archive import FORMAT_VERSION, ArchiveError, read_archive
from services.container import Services
from tests.reliability.helpers import canonical_case, populate_case, store_counts


def _file_digests(svc: Services, case_id: int) -> dict[str, str]:
    out = {}
    for src in svc.sources.list(case_id):
        got = svc.sources.get_file(src.id)
        if got is not None:
            name, _media, data = got
            out[f"{src.title}/{name}"] = hashlib.sha256(data).hexdigest()
            assert hashlib.sha256(data).hexdigest() == src.sha256
    return out


def test_round_trip_keeps_every_field_and_byte(services: Services, tmp_path: Path) -> None:
    case = populate_case(services, tmp_path / "files")
    out = tmp_path / "case.sbk"
    summary = services.archive.export_case(case.id, out)
    assert summary.files == 3 and not summary.encrypted
    assert zipfile.is_zipfile(out)

    back = services.archive.import_archive(out)
    assert back.case.id != case.id
    assert canonical_case(services.store.engine, back.case.id) == canonical_case(
        services.store.engine, case.id
    )
    digests = _file_digests(services, case.id)
    assert len(digests) == 3
    assert _file_digests(services, back.case.id) == digests
    # Spot checks through the services (what the window shows).
    old_q = services.quotes.list(case.id)
    new_q = services.quotes.list(back.case.id)
    assert [(q.text, q.speaker_name, q.said, q.status, q.tags, q.translation) for q in new_q] == [
        (q.text, q.speaker_name, q.said, q.status, q.tags, q.translation) for q in old_q
    ]
    new_people = {p.name: p for p in services.people.list(back.case.id)}
    assert new_people["Anna Nowak"].confidential
    assert new_people["Anna Nowak"].public_label == "A city employee"
    assert new_people["Anna Nowak"].role_on(None) == ("Clerk", "City Hall")
    revised = [s for s in services.sources.list(back.case.id) if s.revision == 2]
    assert len(revised) == 1
    assert revised[0].revision_of_id is not None
    original = services.sources.get(revised[0].revision_of_id)
    assert original.case_id == back.case.id and original.title == "Call with a contractor"
    attachment = next(s for s in services.sources.list(back.case.id) if s.title == "Tender sheet")
    assert attachment.parent_id == original.id
    assert attachment.page_starts == (0, 15)


def test_archive_moves_between_engines(sqlite_url: str, pg_url: str, tmp_path: Path) -> None:
    src = Services.over(open_store(sqlite_url))
    dst = Services.over(open_store(pg_url))
    try:
        case = populate_case(src, tmp_path / "files")
        out = tmp_path / "case.sbk"
        src.archive.export_case(case.id, out)
        back = dst.archive.import_archive(out)
        assert canonical_case(dst.store.engine, back.case.id) == canonical_case(
            src.store.engine, case.id
        )
        assert _file_digests(dst, back.case.id) == _file_digests(src, case.id)
        # And back again into SQLite.
        out2 = tmp_path / "again.sbk"
        dst.archive.export_case(back.case.id, out2)
        again = src.archive.import_archive(out2)
        assert canonical_case(src.store.engine, again.case.id) == canonical_case(
            src.store.engine, case.id
        )
    finally:
        src.close()
        dst.close()


def _rewrite(blob: bytes, edit: dict[str, bytes | None]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as zin, zipfile.ZipFile(buf, "w") as zout:
        for info in zin.infolist():
            if info.filename in edit:
                continue
            zout.writestr(info.filename, zin.read(info.filename))
        for name, data in edit.items():
            if data is not None:
                zout.writestr(name, data)
    return buf.getvalue()


def test_damaged_archives_are_refused_and_leave_the_store_unchanged(
    services: Services, tmp_path: Path
) -> None:
    case = populate_case(services, tmp_path / "files")
    good = tmp_path / "case.sbk"
    services.archive.export_case(case.id, good)
    blob = good.read_bytes()
    manifest = json.loads(zipfile.ZipFile(good).read("manifest.json"))
    body = json.loads(zipfile.ZipFile(good).read("case.json"))
    first_file = f"files/{manifest['files'][0]['sha256']}"
    newer = dict(manifest, version=FORMAT_VERSION + 1)
    dangling = json.loads(json.dumps(body))
    dangling["tables"]["quotes"]["rows"][0][
        dangling["tables"]["quotes"]["columns"].index("source_id")
    ] = 999_999
    bad_date = json.loads(json.dumps(body))
    bad_date["tables"]["events"]["rows"][0][
        bad_date["tables"]["events"]["columns"].index("date_start")
    ] = "not a date"
    bad_span = json.loads(json.dumps(body))
    cols = bad_span["tables"]["quotes"]["columns"]
    bad_span["tables"]["quotes"]["rows"][0][cols.index("end_offset")] = -5
    cases = {
        "empty": b"",
        "not a zip": b"hello, world",
        "truncated": blob[: len(blob) // 2],
        "missing case.json": _rewrite(blob, {"case.json": None}),
        "missing original": _rewrite(blob, {first_file: None}),
        "changed original": _rewrite(blob, {first_file: b"other bytes"}),
        "newer format": _rewrite(blob, {"manifest.json": json.dumps(newer).encode()}),
        "dangling reference": _rewrite(blob, {"case.json": json.dumps(dangling).encode()}),
        "bad date": _rewrite(blob, {"case.json": json.dumps(bad_date).encode()}),
        "broken constraint": _rewrite(blob, {"case.json": json.dumps(bad_span).encode()}),
        "not json": _rewrite(blob, {"case.json": b"{not json"}),
    }
    before = store_counts(services.store.engine)
    for label, data in cases.items():
        path = tmp_path / f"{label}.sbk"
        path.write_bytes(data)
        with pytest.raises(ArchiveError) as info:
            services.archive.import_archive(path)
        assert info.value.message, label
        assert store_counts(services.store.engine) == before, label
    with pytest.raises(ArchiveError, match="newer Sourcebook"):
        read_archive(cases["newer format"])


def test_the_round_trip_case_fills_every_table_and_column(
    sqlite_services: Services, tmp_path: Path
) -> None:
    """The round trips above compare every field only if the case fills each one."""
    from models.entities import Base
    from tests.reliability.helpers import _scoped_rows

    case = populate_case(sqlite_services, tmp_path / "files")
    with sqlite_services.store.engine.connect() as conn:
        rows = _scoped_rows(conn, case.id)
    empty_tables = sorted(name for name in Base.metadata.tables if not rows.get(name))
    assert empty_tables == []
    unset = sorted(
        (name, col.name)
        for name, rs in rows.items()
        for col in Base.metadata.tables[name].columns
        if all(r[col.name] in (None, "", [], {}, 0, False) for r in rs)
    )
    assert unset == [], unset
