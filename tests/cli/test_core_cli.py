"""The core command line: listings, adding quotes and people, and refusing bad input cleanly."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

import main
from models.db import open_store
from models.entities import Case, Person, Quote, Source
from services.container import Services
from tests.models.migration_helpers import EXTRA_REVISION, install_newer_migrations

ROOT = Path(__file__).resolve().parents[2]
DEMO_SPEAKERS = {
    "Siyamend Ali",
    "Syrian Democratic Forces",
    "Mazloum Abdi",
    "Wayne Marotto",
    "Sadradeen Kinno",
}


def cli(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    """Run ``main.py --db DB ARGS`` in-process; returns (status, stdout, stderr)."""
    capsys.readouterr()
    status = main.main(["--db", db, *args])
    out, err = capsys.readouterr()
    return status, out, err


def digest(path: Path) -> dict[str, str]:
    """SHA-256 of the store file and its WAL (or 'missing')."""
    out = {}
    for p in (path, path.with_name(path.name + "-wal")):
        out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "missing"
    return out


# --- The acceptance check, as a user runs it


def test_demo_then_quotes_lists_eight_quotes_with_speakers(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCEBOOK_DB": str(tmp_path / "s.db"), "QT_QPA_PLATFORM": "offscreen"}
    run = [sys.executable, str(ROOT / "main.py")]
    demo = subprocess.run([*run, "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert demo.returncode == 0, demo.stderr
    assert "8 quotes" in demo.stdout
    listing = subprocess.run(
        [*run, "quotes", "--case", "1"], env=env, capture_output=True, text=True, timeout=120
    )
    assert listing.returncode == 0, listing.stderr
    rows = [line for line in listing.stdout.splitlines()[2:] if line.strip()]
    assert len(rows) == 8
    assert all(any(name in row for name in DEMO_SPEAKERS) for row in rows)
    assert {name for name in DEMO_SPEAKERS if name in listing.stdout} == DEMO_SPEAKERS
    assert "Our forces have already arrested" in listing.stdout


def test_demo_and_quotes_json_on_each_engine(
    store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cli(capsys, store_url, "demo", "--json")
    assert status == 0
    case_id = json.loads(out)["case"]["id"]
    assert json.loads(out)["counts"]["quotes"] == 8
    status, out, _ = cli(capsys, store_url, "quotes", "--case", str(case_id), "--json")
    quotes = json.loads(out)
    assert status == 0 and len(quotes) == 8
    assert {q["speaker_name"] for q in quotes} == DEMO_SPEAKERS
    sdf = [q for q in quotes if q["speaker_name"] == "Syrian Democratic Forces"]
    assert len(sdf) == 2
    abdi = next(q for q in quotes if q["speaker_name"] == "Mazloum Abdi")
    assert abdi["speaker_role"] == "General commander, Syrian Democratic Forces"


# --- Listings


def test_cases_and_new_case(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, str(demo_db), "new-case", "Port deal", "--summary", "Harbour")
    assert status == 0 and "created case 2: Port deal" in out
    status, out, _ = cli(capsys, str(demo_db), "cases", "--json")
    assert {c["title"] for c in json.loads(out)} == {"Port deal", "Deir ez-Zor campaign"}
    status, out, _ = cli(capsys, str(demo_db), "cases")
    assert "Deir ez-Zor campaign" in out and "Port deal" in out


def test_case_by_exact_title(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, str(demo_db), "sources", "--case", "Deir ez-Zor campaign")
    assert status == 0
    assert "US-backed forces intensify campaign" in out
    assert "B2" in out


def test_source_shows_metadata_and_full_text(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cli(capsys, str(demo_db), "source", "1")
    assert status == 0
    assert "Voice of America (VOA)" in out
    assert "sha256" in out
    assert "according to the Counter Extremism Project." in out  # the last line of the text
    status, out, _ = cli(capsys, str(demo_db), "source", "1", "--json")
    data = json.loads(out)
    assert data["confidential"] is False
    assert data["text"].startswith("U.S.-backed forces have intensified")
    assert len(data["text"]) == data["text_length"]


def test_people_and_speaker_filter_by_alias(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cli(capsys, str(demo_db), "people", "--case", "1")
    assert status == 0
    assert "Mazloum Kobani, مظلوم عبدي" in out
    assert "General commander, Syrian Democratic Forces" in out
    for alias in ("Mazloum Kobani", "مظلوم عبدي", "MAZLOUM abdi"):
        status, out, _ = cli(
            capsys, str(demo_db), "quotes", "--case", "1", "--speaker", alias, "--json"
        )
        quotes = json.loads(out)
        assert status == 0 and [q["speaker_name"] for q in quotes] == ["Mazloum Abdi"]


def test_events_in_date_order_with_person_filter(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = cli(capsys, str(demo_db), "events", "--case", "1", "--json")
    events = json.loads(out)
    assert status == 0 and len(events) == 6
    starts = [e["date"]["start"] for e in events if e["date"]]
    assert starts == sorted(starts)
    status, out, _ = cli(capsys, str(demo_db), "events", "--case", "1")
    assert "Mar 2019" in out and "late Jan 2021" in out
    status, out, _ = cli(capsys, str(demo_db), "events", "--case", "1", "--person", "Daesh")
    assert status == 0 and "IS loses its last territory in Syria" in out


# --- Adding


def test_quote_add_with_speaker_alias(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = Services.open(str(demo_db), auto_backup=False)
    try:
        body = text.sources.get_text(1)
    finally:
        text.close()
    phrase = "Several Arab tribal leaders and civil servants have been killed"
    start = body.index(phrase)
    status, out, err = cli(
        capsys,
        str(demo_db),
        "quote",
        "add",
        "--source",
        "1",
        "--start",
        str(start),
        "--end",
        str(start + len(phrase)),
        "--text",
        phrase,
        "--speaker",
        "sdf",
        "--said",
        "2021-02-04",
        "--tag",
        "casualties",
        "--json",
    )
    assert status == 0, err
    q = json.loads(out)
    assert q["speaker_name"] == "Syrian Democratic Forces"
    assert q["text"] == phrase and q["tags"] == ["casualties"]
    assert q["said"]["precision"] == "day"
    _, out, _ = cli(capsys, str(demo_db), "quotes", "--case", "1", "--json")
    assert len(json.loads(out)) == 9


def test_person_add_creates_missing_org_and_marks_confidential(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(
        capsys,
        str(demo_db),
        "person",
        "add",
        "Abu Omar",
        "--case",
        "1",
        "--alias",
        "أبو عمر",
        "--role",
        "Tribal elder",
        "--org",
        "Shaitat tribal council",
        "--confidential",
        "--json",
    )
    assert status == 0, err
    p = json.loads(out)
    assert p["confidential"] is True
    assert p["aliases"] == ["أبو عمر"]
    assert p["affiliations"][0]["organisation_name"] == "Shaitat tribal council"
    assert p["affiliations"][0]["role"] == "Tribal elder"
    _, out, _ = cli(capsys, str(demo_db), "people", "--case", "1", "--kind", "organisation")
    assert "Shaitat tribal council" in out
    _, out, _ = cli(capsys, str(demo_db), "people", "--case", "1")
    assert "[confidential] Abu Omar" in out
    # An existing organisation is reused, found by an alias.
    status, out, _ = cli(
        capsys, str(demo_db), "person", "add", "Rami", "--case", "1", "--org", "YPG", "--json"
    )
    assert json.loads(out)["affiliations"][0]["organisation_name"] == "People's Protection Units"


def test_edit_source_confidential_shows_in_json(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(
        capsys,
        str(demo_db),
        "edit-source",
        "1",
        "--confidentiality",
        "confidential",
        "--descriptor",
        "A regional broadcaster",
        "--url",
        "https://example.org/article",
        "--grade",
        "c3",
    )
    assert status == 0, err
    _, out, _ = cli(capsys, str(demo_db), "sources", "--case", "1", "--json")
    (src,) = json.loads(out)
    assert src["confidential"] is True
    assert src["url"] == "https://example.org/article"
    assert src["grade"] == "C3"
    _, out, _ = cli(capsys, str(demo_db), "sources", "--case", "1")
    assert "[confidential]" in out


def test_migrate_reports_up_to_date(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, str(demo_db), "migrate", "--json")
    data = json.loads(out)
    assert status == 0 and data["from"] == data["to"] == data["head"]


def test_migrate_upgrades_an_older_sqlite_store(
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = install_newer_migrations(tmp_path, monkeypatch)
    status, out, err = cli(capsys, str(demo_db), "migrate", "--json")
    assert status == 0, err
    data = json.loads(out)
    assert (data["from"], data["to"]) == (old, EXTRA_REVISION)
    assert Path(data["backup"]).exists()


@pytest.mark.postgres
def test_server_store_is_upgraded_on_open_and_migrate_reports_it(
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old = install_newer_migrations(tmp_path, monkeypatch)
    status, out, err = cli(capsys, pg_url, "migrate", "--json")
    assert status == 0, err
    data = json.loads(out)
    assert (data["from"], data["to"], data["backup"]) == (old, EXTRA_REVISION, None)
    status, _, err = cli(capsys, pg_url, "cases")
    assert status == 0, err


@pytest.mark.postgres
def test_any_command_upgrades_an_older_server_store(
    pg_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    install_newer_migrations(tmp_path, monkeypatch)
    status, _, err = cli(capsys, pg_url, "cases")
    assert status == 0, err
    status, out, _ = cli(capsys, pg_url, "migrate", "--json")
    data = json.loads(out)
    assert data["from"] == data["to"] == EXTRA_REVISION


def _all_commands() -> list[str]:
    import argparse

    from ui.cli import build_parser

    nested = {
        "quote": ["quote add", "quote edit", "quote delete"],
        "person": [
            "person add",
            "person edit",
            "person affiliate",
            "person edit-affiliation",
            "person merge",
            "person delete",
        ],
        "event": ["event add", "event edit"],
        "place": ["place add", "place edit"],
    }
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return sorted(c for name in action.choices for c in nested.get(name, [name]))
    raise AssertionError("no subcommands")


@pytest.mark.parametrize("command", _all_commands())
def test_every_command_has_help_and_json(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main.main([*command.split(), "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "usage:" in out
    assert "--json" in out


# --- Bad input: one line, status 2, the store untouched

BAD_INPUT = {
    "unknown case id": ["quotes", "--case", "99"],
    "unknown case title": ["sources", "--case", "No such story"],
    "unknown case for people": ["people", "--case", "99"],
    "unknown case for events": ["events", "--case", "Nope"],
    "unknown source": ["source", "99"],
    "quote on unknown source": ["quote", "add", "--source", "99", "--start", "0", "--end", "5"],
    "offsets past the end": ["quote", "add", "--source", "1", "--start", "0", "--end", "999999"],
    "negative offset": ["quote", "add", "--source", "1", "--start", "-3", "--end", "5"],
    "empty span": ["quote", "add", "--source", "1", "--start", "10", "--end", "10"],
    "reversed span": ["quote", "add", "--source", "1", "--start", "20", "--end", "10"],
    "text does not match": [
        "quote",
        "add",
        "--source",
        "1",
        "--start",
        "0",
        "--end",
        "11",
        "--text",
        "Not the text",
    ],
    "unknown speaker": [
        "quote",
        "add",
        "--source",
        "1",
        "--start",
        "0",
        "--end",
        "11",
        "--speaker",
        "Nobody Known",
    ],
    "bad said date": [
        "quote",
        "add",
        "--source",
        "1",
        "--start",
        "0",
        "--end",
        "11",
        "--said",
        "last Tuesday",
    ],
    "offset not a number": ["quote", "add", "--source", "1", "--start", "x", "--end", "5"],
    "missing required option": ["quote", "add", "--source", "1", "--start", "0"],
    "unknown speaker filter": ["quotes", "--case", "1", "--speaker", "Nobody Known"],
    "unknown person filter": ["events", "--case", "1", "--person", "Nobody Known"],
    "source of another case": ["quotes", "--case", "1", "--source", "99"],
    "person add to unknown case": ["person", "add", "X", "--case", "99"],
    "person already there by alias": ["person", "add", "Mazloum Kobani", "--case", "1"],
    "org that is a person": ["person", "add", "X", "--case", "1", "--org", "Mazloum Abdi"],
    "blank person name": ["person", "add", "   ", "--case", "1"],
    "blank case title": ["new-case", "   "],
    "bad source url": ["edit-source", "1", "--url", "notaurl://x"],
    "script url": ["edit-source", "1", "--url", "javascript:alert(1)"],
    "bad grade": ["edit-source", "1", "--grade", "Z9"],
    "stale version": ["edit-source", "1", "--title", "New", "--expected-version", "99"],
    "edit unknown source": ["edit-source", "99", "--title", "New"],
    "nothing to edit": ["edit-source", "1"],
    "unknown command": ["frobnicate"],
}


@pytest.mark.parametrize("args", list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_exits_2_with_one_line_and_no_change(
    args: list[str], demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(demo_db)
    status, out, err = cli(capsys, str(demo_db), *args)
    assert status == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sourcebook")
    assert "Traceback" not in err
    assert digest(demo_db) == before


@pytest.mark.parametrize(
    "db",
    [
        "notaurl://",
        "sqlite+nosuchdriver:///x.db",
        "/nonexistent-folder/sub/store.db",
        "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=3",
    ],
    ids=["unknown scheme", "unknown driver", "missing folder", "unreachable server"],
)
def test_bad_store_url_exits_2(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli(capsys, db, "cases")
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("sourcebook")


def test_not_a_store_file_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 20, encoding="utf-8")
    before = digest(path)
    status, _, err = cli(capsys, str(path), "cases")
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert digest(path) == before


def test_bad_input_via_subprocess_leaves_store_unchanged(demo_db: Path) -> None:
    before = digest(demo_db)
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--db",
            str(demo_db),
            "quote",
            "add",
            "--source",
            "1",
            "--start",
            "0",
            "--end",
            "999999",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "sourcebook: offsets 0..999999 are outside the source's text (0..3124)"
    )
    assert digest(demo_db) == before


@pytest.mark.postgres
def test_bad_input_on_the_server_changes_nothing(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, pg_url, "demo")[0] == 0

    def counts() -> tuple[int, ...]:
        store = open_store(pg_url)
        try:
            with store.sessions() as s:
                return tuple(
                    s.scalar(select(func.count()).select_from(m)) or 0
                    for m in (Case, Source, Quote, Person)
                )
        finally:
            store.close()

    before = counts()
    for args in (
        BAD_INPUT["text does not match"],
        BAD_INPUT["org that is a person"],
        BAD_INPUT["stale version"],
    ):
        status, _, err = cli(capsys, pg_url, *args)
        assert status == 2, err
    assert counts() == before


def test_a_multi_line_error_is_shown_as_one_line(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.cases import CaseService
    from services.errors import DomainError

    def broken(self: CaseService) -> None:
        raise DomainError("the store is not available: disk full\n[SQL: SELECT ...]")

    monkeypatch.setattr(CaseService, "list", broken)
    status, out, err = cli(capsys, str(demo_db), "cases")
    assert status == 2 and out == ""
    assert err == "sourcebook: the store is not available: disk full\n"


# --- Every field of the data model is editable from the command line

# Columns set by the store or by how a row came to be, never typed in: ids, owners, counters and
# times; an imported file's bytes and page offsets; revisions (a corrected text is a new
# revision, `revise-source`); saved searches belong to the search command line.
NOT_TYPED_IN = {
    "*": {"id", "case_id", "version", "created_at", "updated_at"},
    "sources": {"file_id", "page_starts", "parent_id", "revision", "revision_of_id"},
    "source_files": {"sha256", "size", "media_type", "data"},
    "aliases": {"person_id"},
    "place_aliases": {"place_id"},
    "affiliations": {"person_id"},
    "saved_searches": {"name", "query"},
}

T = "2024-03-02T10:30:00+00:00"
# (what, command line, table, row id or None for "the newest row", expected column values)
EDITS: list[tuple[str, list[str], str, int | None, dict[str, object]]] = [
    (
        "case",
        ["edit-case", "1", "--title", "T2", "--summary", "S2", "--author", "A2"],
        "cases",
        1,
        {"title": "T2", "summary": "S2", "author": "A2"},
    ),
    (
        "source metadata",
        [
            "edit-source",
            "1",
            "--kind",
            "pdf",
            "--title",
            "New title",
            "--author",
            "Au",
            "--publisher",
            "Pub",
            "--url",
            "https://example.org/a",
            "--published",
            "2021-02-03",
            "--retrieved",
            T,
            "--language",
            "fr",
            "--grade",
            "C3",
            "--confidentiality",
            "confidential",
            "--descriptor",
            "A local paper",
            "--file-name",
            "page.html",
            "--meta",
            "desk=night",
            "--note",
            "N",
        ],
        "sources",
        1,
        {
            "kind": "pdf",
            "title": "New title",
            "author": "Au",
            "publisher": "Pub",
            "url": "https://example.org/a",
            "published_on": "2021-02-03",
            "retrieved_at": T,
            "language": "fr",
            "reliability": "C",
            "credibility": "3",
            "meta": {"desk": "night"},
            "confidentiality": "confidential",
            "descriptor": "A local paper",
            "file_name": "page.html",
            "note": "N",
        },
    ),  # fmt: skip
    (
        "quote",
        [
            "quote",
            "edit",
            "1",
            "--speaker",
            "Mazloum Kobani",
            "--said",
            "late 2021-01",
            "--status",
            "disputed",
            "--checked-by",
            "Desk",
            "--checked-at",
            T,
            "--note",
            "QN",
            "--language",
            "en-GB",
            "--translation",
            "Nos forces",
            "--translation-language",
            "fr",
            "--translator",
            "RR",
            "--start",
            "340",
            "--end",
            "346",
        ],
        "quotes",
        1,
        {
            "speaker_id": 9,
            "said_start": "2021-01-21",
            "said_end": "2021-01-31",
            "said_precision": "late_month",
            "status": "disputed",
            "checked_by": "Desk",
            "checked_at": T,
            "note": "QN",
            "language": "en-GB",
            "translation": "Nos forces",
            "translation_language": "fr",
            "translator": "RR",
            "start_offset": 340,
            "end_offset": 346,
            "text": "forces",
        },
    ),  # fmt: skip
    (
        "person",
        [
            "person",
            "edit",
            "13",
            "--name",
            "Hind al-Khidr",
            "--kind",
            "organisation",
            "--role",
            "R",
            "--contact",
            "Signal",
            "--confidential",
            "--descriptor",
            "A local leader",
            "--notes",
            "PN",
            "--aliases",
            "Hind Latif,هند",
        ],
        "people",
        13,
        {
            "name": "Hind al-Khidr",
            "kind": "organisation",
            "role": "R",
            "contact": "Signal",
            "confidential": True,
            "descriptor": "A local leader",
            "notes": "PN",
        },
    ),  # fmt: skip
    (
        "alias",
        ["person", "edit", "9", "--add-alias", "Abdi M."],
        "aliases",
        None,
        {"name": "Abdi M."},
    ),
    (
        "affiliation",
        [
            "person",
            "edit-affiliation",
            "2",
            "--org",
            "People's Protection Units",
            "--role",
            "Commander",
            "--from",
            "2013-01-01",
            "--to",
            "2015-10-10",
        ],
        "affiliations",
        2,
        {
            "organisation_id": 2,
            "role": "Commander",
            "start_on": "2013-01-01",
            "end_on": "2015-10-10",
        },
    ),  # fmt: skip
    (
        "place",
        [
            "place",
            "edit",
            "5",
            "--name",
            "Hama city",
            "--lat",
            "35.1",
            "--lon",
            "36.7",
            "--notes",
            "PL",
        ],
        "places",
        5,
        {"name": "Hama city", "latitude": 35.1, "longitude": 36.7, "notes": "PL"},
    ),
    (
        "place spelling",
        ["place", "edit", "5", "--aliases", "Hamah"],
        "place_aliases",
        None,
        {"name": "Hamah"},
    ),
    (
        "event",
        [
            "event",
            "edit",
            "1",
            "--title",
            "E2",
            "--date",
            "~2019-03-20..2019-03-23",
            "--place",
            "Deir ez-Zor",
            "--description",
            "ED",
        ],
        "events",
        1,
        {
            "title": "E2",
            "date_start": "2019-03-20",
            "date_end": "2019-03-23",
            "date_precision": "approximate",
            "place_id": 1,
            "description": "ED",
        },
    ),  # fmt: skip
    (
        "tag name",
        ["tags", "--case", "1", "--rename", "{tag}", "Campaign 2021"],
        "tags",
        None,
        {"name": "Campaign 2021"},
    ),
]

# Link tables: (command line, table, the link row expected afterwards)
LINK_EDITS: list[tuple[list[str], str, dict[str, int]]] = [
    (["tag", "source", "1", "--add", "x"], "source_tags", {"source_id": 1}),
    (["quote", "edit", "2", "--tags", "y"], "quote_tags", {"quote_id": 2}),
    (["person", "edit", "8", "--tags", "spokes"], "person_tags", {"person_id": 8}),
    (["tag", "place", "2", "--add", "north"], "place_tags", {"place_id": 2}),
    (["tag", "event", "2", "--add", "attacks"], "event_tags", {"event_id": 2}),
    (["event", "edit", "1", "--link", "person:Wayne Marotto"], "event_people", {"person_id": 10}),
    (["event", "add", "E", "--case", "1", "--link", "source:1"], "event_sources", {"source_id": 1}),
    (["event", "edit", "1", "--link", "quote:3"], "event_quotes", {"event_id": 1, "quote_id": 3}),
    (
        ["place", "edit", "2", "--mention", "source:1"],
        "source_places",
        {"place_id": 2, "source_id": 1},
    ),
    (
        ["place", "edit", "2", "--mention", "quote:4"],
        "quote_places",
        {"place_id": 2, "quote_id": 4},
    ),
    (
        ["person", "edit", "7", "--mentioned-in", "1"],
        "source_people",
        {"person_id": 7, "source_id": 1},
    ),
]


def _raw(value: object) -> object:
    """A column value as the comparison above writes it."""
    import datetime as dt
    import enum

    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def test_every_column_is_covered_by_an_edit_command() -> None:
    from models.entities import Base

    covered = {(table, col) for _, _, table, _, values in EDITS for col in values}
    covered |= {
        (table, c.name) for _, table, _ in LINK_EDITS for c in Base.metadata.tables[table].c
    }
    covered |= {("quotes", "source_id")}  # delete-source --quotes move (test below)
    covered |= {("sources", "text")}  # revise-source (test below)
    missing = sorted(
        (t.name, c.name)
        for t in Base.metadata.sorted_tables
        for c in t.columns
        if c.name not in NOT_TYPED_IN["*"] | NOT_TYPED_IN.get(t.name, set())
        and (t.name, c.name) not in covered
    )
    assert missing == [], f"no command edits {missing}"


@pytest.mark.parametrize("what, args, table, row_id, expected", EDITS, ids=[e[0] for e in EDITS])
def test_each_field_is_edited_by_its_command(
    what: str,
    args: list[str],
    table: str,
    row_id: int | None,
    expected: dict[str, object],
    demo_db: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from models.entities import Base

    t = Base.metadata.tables[table]

    def row() -> dict[str, object]:
        store = open_store(str(demo_db))
        try:
            with store.engine.connect() as c:
                q = (
                    select(t).where(t.c.id == row_id)
                    if row_id
                    else select(t).order_by(t.c.id.desc())
                )
                return {k: _raw(v) for k, v in c.execute(q.limit(1)).mappings().one().items()}
        finally:
            store.close()

    if "{tag}" in args:
        assert cli(capsys, str(demo_db), "tag", "source", "1", "--add", "campaign")[0] == 0
        args = [a.replace("{tag}", "campaign") for a in args]
    before = row() if row_id else {}
    status, out, err = cli(capsys, str(demo_db), *args, "--json")
    assert status == 0, err
    json.loads(out)
    after = row()

    def part(values: dict[str, object]) -> dict[str, object]:
        return {
            k: {kk: values[k].get(kk) for kk in v} if isinstance(v, dict) else values[k]  # type: ignore[attr-defined]
            for k, v in expected.items()
        }

    assert part(after) == expected
    if row_id:
        unchanged = [k for k, v in part(before).items() if v == expected[k]]
        assert unchanged == [], "the test must change each field"
        if "version" in after:
            # One transaction per change; moving a quote's span is one more.
            assert after["version"] == before["version"] + (2 if what == "quote" else 1)


@pytest.mark.parametrize("args, table, link", LINK_EDITS, ids=[e[1] for e in LINK_EDITS])
def test_each_link_is_made_by_its_command(
    args: list[str],
    table: str,
    link: dict[str, int],
    demo_db: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from models.entities import Base

    t = Base.metadata.tables[table]

    def count() -> int:
        store = open_store(str(demo_db))
        try:
            with store.engine.connect() as c:
                cond = [t.c[k] == v for k, v in link.items()]
                return int(c.execute(select(func.count()).select_from(t).where(*cond)).scalar_one())
        finally:
            store.close()

    before = count()
    status, out, err = cli(capsys, str(demo_db), *args, "--json")
    assert status == 0, err
    assert count() == before + 1


def test_delete_source_asks_what_becomes_of_its_quotes(
    demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_db)
    before = digest(demo_db)
    status, out, err = cli(capsys, db, "delete-source", "1")
    assert status == 2 and out == ""
    assert "8 quote(s)" in err and "--quotes delete" in err and "--quotes move" in err
    assert digest(demo_db) == before  # nothing went by cascade
    # A corrected text: the quoted text stays, a new revision is made.
    text = cli(capsys, db, "source", "1", "--json")[1]
    old = json.loads(text)["text"]
    fixed = tmp_path / "fixed.txt"
    fixed.write_text(old.replace("eastern Syria", "east Syria"), encoding="utf-8")
    status, out, err = cli(capsys, db, "revise-source", "1", "--text-file", str(fixed), "--json")
    assert status == 0, err
    rev = json.loads(out)
    assert rev["id"] != 1 and rev["revision_of_id"] == 1 and rev["revision"] == 2
    assert json.loads(cli(capsys, db, "source", "1", "--json")[1])["text"] == old
    # Move the quotes to the revision (re-anchored by their exact text), then delete.
    status, out, err = cli(
        capsys, db, "delete-source", "1", "--quotes", "move", "--move-to", str(rev["id"])
    )
    assert status == 0, err
    quotes = json.loads(cli(capsys, db, "quotes", "--case", "1", "--json")[1])
    assert len(quotes) == 8 and {q["source_id"] for q in quotes} == {rev["id"]}
    new_text = json.loads(cli(capsys, db, "source", str(rev["id"]), "--json")[1])["text"]
    assert all(new_text[q["start"] : q["end"]] == q["text"] for q in quotes)
    # Deleting with the quotes, said explicitly.
    status, out, err = cli(capsys, db, "delete-source", str(rev["id"]), "--quotes", "delete")
    assert status == 0, err
    assert json.loads(cli(capsys, db, "quotes", "--case", "1", "--json")[1]) == []


def test_a_quote_cites_the_role_its_speaker_held_that_day(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_db)
    # Mazloum Abdi commanded the YPG before he led the SDF (founded in October 2015).
    assert cli(capsys, db, "person", "edit-affiliation", "2", "--from", "2015-10-10")[0] == 0
    status, _, err = cli(
        capsys, db, "person", "affiliate", "9", "--org", "Unknown Front", "--role", "Commander",
    )  # fmt: skip
    assert status == 2 and "no organisation called 'Unknown Front'" in err
    status, _, err = cli(
        capsys, db, "person", "affiliate", "9", "--org", "YPG",  # an alias
        "--role", "Commander", "--from", "2013-01-01", "--to", "2015-10-09",
    )  # fmt: skip
    assert status == 0, err
    text = json.loads(cli(capsys, db, "source", "1", "--json")[1])["text"]
    start = text.index("retaliation") if "retaliation" in text else 0
    status, out, err = cli(
        capsys, db, "quote", "add", "--source", "1", "--start", str(start),
        "--end", str(start + 11), "--speaker", "مظلوم عبدي", "--said", "2014-06", "--json",
    )  # fmt: skip
    assert status == 0, err
    old = json.loads(out)["id"]
    quotes = {q["id"]: q for q in json.loads(cli(capsys, db, "quotes", "--case", "1", "--json")[1])}
    assert quotes[old]["speaker_role"] == "Commander, People's Protection Units"
    abdi_2021 = [
        q for q in quotes.values() if q["speaker_name"] == "Mazloum Abdi" and q["id"] != old
    ]
    assert abdi_2021 and all(
        q["speaker_role"] == "General commander, Syrian Democratic Forces" for q in abdi_2021
    )
    table = cli(capsys, db, "quotes", "--case", "1", "--speaker", "Mazloum Abdi")[1]
    assert "ROLE THEN" in table and "Commander, People's Protection Units" in table


def test_merge_and_conflicts_on_the_command_line(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_db)
    status, out, err = cli(capsys, db, "person", "add", "M. Abdi", "--case", "1", "--json")
    assert status == 0, err
    dup = json.loads(out)["id"]
    status, out, err = cli(capsys, db, "person", "merge", "9", str(dup), "--json")
    assert status == 0, err
    assert "M. Abdi" in json.loads(out)["aliases"]
    # A stale version is refused with both versions named, and nothing changes.
    before = digest(demo_db)
    status, out, err = cli(
        capsys, db, "quote", "edit", "1", "--note", "mine", "--expected-version", "0"
    )
    assert status == 2 and "changed by someone else" in err and "version 1" in err
    assert digest(demo_db) == before


def test_json_marks_confidential_people_and_sources_everywhere(
    demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(demo_db)
    assert cli(capsys, db, "person", "edit", "8", "--confidential", "--add-alias", "Ali")[0] == 0
    assert cli(capsys, db, "edit-source", "1", "--confidentiality", "confidential")[0] == 0
    outputs = {
        " ".join(args): json.loads(cli(capsys, db, *args, "--json")[1])
        for args in (
            ["people", "--case", "1"],
            ["quotes", "--case", "1"],
            ["quotes", "--case", "1", "--speaker", "Siyamend Ali"],
            ["sources", "--case", "1"],
            ["source", "1", "--no-text"],
            ["person", "edit", "8", "--notes", "n"],
            ["quote", "edit", "1", "--note", "n"],
            ["quote", "add", "--source", "1", "--start", "340", "--end", "346", "--speaker", "Ali"],
            ["edit-source", "1", "--note", "n"],
        )
    }
    seen = {"person": 0, "speaker": 0, "source": 0, "quote source": 0}

    def walk(value: object, where: str) -> None:
        if isinstance(value, list):
            for v in value:
                walk(v, where)
            return
        if not isinstance(value, dict):
            return
        if value.get("name") == "Siyamend Ali":
            assert value["confidential"] is True, where
            seen["person"] += 1
        if value.get("speaker_id") == 8:
            assert value["speaker_confidential"] is True, where
            seen["speaker"] += 1
        if value.get("source_id") == 1:
            assert value["source_confidential"] is True, where
            seen["quote source"] += 1
        if value.get("id") == 1 and "confidentiality" in value:
            assert value["confidential"] is True, where
            seen["source"] += 1
        for v in value.values():
            walk(v, where)

    for where, data in outputs.items():
        walk(data, where)
    assert all(seen.values()), seen


WINDOW_PROBE = """
import sys
import main
import ui.app as app

opened = app.open_window


def probe(db, settings_path, **kw):
    window = opened(db, settings_path, **kw)
    from PySide6.QtCore import QTimer

    def report():
        print("window:", window.windowTitle(), window.svc.store.url, flush=True)
        window.close()
        app.QApplication.instance().quit()

    QTimer.singleShot(0, report)
    return window


app.open_window = probe
sys.exit(main.main(sys.argv[1:]))
"""


@pytest.mark.parametrize("with_db", [False, True], ids=["default store", "--db"])
def test_no_command_opens_the_window(with_db: bool, demo_db: Path, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    env.pop("SOURCEBOOK_DB", None)
    args = ["--db", str(demo_db)] if with_db else []
    proc = subprocess.run(
        [sys.executable, "-c", WINDOW_PROBE, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a bound against a hang; a loaded CI machine took over 180 s
    )
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("window:"))
    assert "Sourcebook" in line
    if with_db:
        assert str(demo_db) in line
    else:  # the default store: one SQLite file in the user data folder
        assert (tmp_path / "data" / "Sourcebook" / "sourcebook.db").exists()
        assert str(tmp_path / "data" / "Sourcebook" / "sourcebook.db") in line
