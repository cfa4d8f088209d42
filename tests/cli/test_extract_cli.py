"""``main.py extract``: listing suggestions stores nothing; accepting stores them once.

The suggestions come from a hand-built extraction (``tests/services/test_extract_review.py``),
so these tests check the command and the review, whatever the extractor finds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

import main
from services.container import Services
from tests.services.test_extract_review import ABDI_AR, Q1, Q2, TEXT, make_extraction
from ui.cli import extract as extract_cli


@pytest.fixture
def db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A store with one case and the test article as source 1; suggestions for it."""
    svc = Services.open(sqlite_url, auto_backup=False)
    case = svc.cases.create("Deir ez-Zor")
    src = svc.sources.add(case.id, title="VOA report", text=TEXT, language="en")
    svc.close()
    assert src.id == 1
    monkeypatch.setattr(extract_cli, "propose", lambda svc, source_id: make_extraction(source_id))
    yield sqlite_url


def cli(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main.main(["--db", db, *args])
    out, err = capsys.readouterr()
    return status, out, err


def stored(db: str) -> dict[str, list[Any]]:
    svc = Services.open(db, auto_backup=False)
    try:
        return {
            "quotes": [(q.text, q.speaker_name) for q in svc.quotes.list(1)],
            "people": sorted(p.name for p in svc.people.list(1)),
            "places": [p.name for p in svc.places.list(1)],
            "events": [e.title for e in svc.events.list(1)],
        }
    finally:
        svc.close()


EMPTY: dict[str, list[Any]] = {"quotes": [], "people": [], "places": [], "events": []}


def test_listing_shows_every_suggestion_and_stores_nothing(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    status, out, err = cli(capsys, db, "extract", "1")
    assert status == 0, err
    assert "3 quotes, 4 people and organisations, 1 place, 1 event." in out
    lines = out.splitlines()
    q1 = next(line for line in lines if line.startswith("q1 "))
    assert "Our forces have already arrested" in q1
    assert "Siyamend Ali" in q1
    assert "new" in q1
    ali = next(line for line in lines if line.startswith("e-ali "))
    assert "press officer, People\u2019s Protection Units" in ali
    assert any(line.startswith("ev-killing ") and "late Jan 2021" in line for line in lines)
    assert "Nothing was stored" in out
    assert stored(db) == EMPTY


def test_listing_as_json_has_exact_spans(capsys: pytest.CaptureFixture[str], db: str) -> None:
    status, out, _ = cli(capsys, db, "extract", "1", "--json")
    assert status == 0
    data = json.loads(out)
    assert data["source_id"] == 1
    q1 = next(q for q in data["quotes"] if q["key"] == "q1")
    assert TEXT[q1["start"] : q1["end"]] == Q1 == q1["text"]
    assert q1["speaker_key"] == "e-ali"
    assert data["events"][0]["date"]["precision"] == "late_month"
    assert data["saved"] == []
    assert stored(db) == EMPTY


def test_accept_some_then_listing_marks_them_saved(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    status, out, err = cli(capsys, db, "extract", "1", "--accept", "q1, q2")
    assert status == 0, err
    assert out.startswith("VOA report: 2 quotes")
    after = stored(db)
    assert after["quotes"] == [(Q1, "Siyamend Ali"), (Q2, "Siyamend Ali")]
    assert after["people"] == ["People\u2019s Protection Units", "Siyamend Ali"]
    assert after["places"] == after["events"] == []

    status, out, _ = cli(capsys, db, "extract", "1")
    q1 = next(line for line in out.splitlines() if line.startswith("q1 "))
    assert q1.rstrip().endswith("saved")
    status, out, _ = cli(capsys, db, "extract", "1", "--json")
    assert json.loads(out)["saved"] == ["q1", "q2"]


def test_accept_all_with_rejections_as_json(capsys: pytest.CaptureFixture[str], db: str) -> None:
    status, out, err = cli(
        capsys, db, "extract", "1", "--accept-all", "--reject", "q3,e-abdi", "--json"
    )
    assert status == 0, err
    result = json.loads(out)
    assert len(result["quote_ids"]) == 2
    assert len(result["event_ids"]) == 1
    assert set(result["stored"]) >= {"q1", "q2", "e-ali", "e-sdf", "p-deir", "ev-killing"}
    after = stored(db)
    assert [t for t, _ in after["quotes"]] == [Q1, Q2]
    assert ABDI_AR not in after["people"]
    assert after["places"] == ["Deir el-Zour"]

    # Accepting everything again adds only what was rejected before, never a duplicate.
    status, out, _ = cli(capsys, db, "extract", "1", "--accept-all")
    assert status == 0
    assert "1 quote, 1 person or organisation added; 2 quotes were already saved" in out
    assert len(stored(db)["quotes"]) == 3


def test_bad_input_exits_2_with_one_line_and_stores_nothing(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    status, out, err = cli(capsys, db, "extract", "1", "--accept", "q1,q9")
    assert status == 2
    assert (
        err.strip() == "sourcebook: no proposal 'q9' in this extraction; run the suggestions again"
    )
    assert stored(db) == EMPTY

    status, _, err = cli(capsys, db, "extract", "1", "--reject", "q1")
    assert status == 2
    assert "--reject goes with --accept-all" in err

    status, _, err = cli(capsys, db, "extract", "42")
    assert status == 2
    assert err.strip() == "sourcebook: no source with id 42"

    status, _, err = cli(capsys, db, "extract", "1", "--accept-all", "--accept", "q1")
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert stored(db) == EMPTY


def test_without_an_extraction_service_the_command_says_so(tmp_path: Path) -> None:
    class Bare:
        pass

    with pytest.raises(Exception, match="not available"):
        extract_cli.propose(cast(Services, Bare()), 1)


def test_real_extractor_on_the_demo_marks_its_quotes_saved_and_adds_no_twin(
    capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    from services.demo import build_demo

    svc = Services.open(sqlite_url, auto_backup=False)
    case = build_demo(svc)
    before = svc.cases.counts(case.id)
    svc.close()

    status, out, err = cli(capsys, sqlite_url, "extract", "1", "--json")
    assert status == 0, err
    data = json.loads(out)
    assert len(data["quotes"]) == 8
    assert sorted(data["saved"], key=lambda k: int(k[1:])) == [q["key"] for q in data["quotes"]]

    status, out, err = cli(capsys, sqlite_url, "extract", "1", "--accept-all")
    assert status == 0, err
    assert "8 quotes were already saved" in out
    svc = Services.open(sqlite_url, auto_backup=False)
    after = svc.cases.counts(case.id)
    svc.close()
    assert (after["quotes"], after["people"], after["events"]) == (
        before["quotes"],
        before["people"],
        before["events"],
    )
