"""The search command line: queries, JSON, batches from a file, saved searches, bad queries."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import main
from services.container import Services
from services.demo import build_demo


def cli(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    """Run ``main.py --db DB ARGS`` in-process; returns (status, stdout, stderr)."""
    capsys.readouterr()
    status = main.main(["--db", db, *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample case (Mazloum Abdi, also known as Mazloum Kobani), built once."""
    path = tmp_path_factory.mktemp("search-demo") / "demo.db"
    svc = Services.open(str(path), auto_backup=False)
    build_demo(svc)
    svc.close()
    return path


@pytest.fixture
def db(demo_template: Path, tmp_path: Path) -> str:
    """A fresh copy of the demo store."""
    path = tmp_path / "store.db"
    shutil.copyfile(demo_template, path)
    return str(path)


def test_search_by_alias_as_json(capsys: pytest.CaptureFixture[str], db: str) -> None:
    status, out, err = cli(
        capsys, db, "search", 'speaker:"Mazloum Kobani"', "--case", "1", "--json"
    )
    assert status == 0, err
    res = json.loads(out)
    assert res["quotes"], "the demo has quotes by Mazloum Abdi"
    assert {h["label"] for h in res["quotes"]} == {"Mazloum Abdi"}
    assert all(h["kind"] == "quote" and h["quote_id"] == h["id"] for h in res["quotes"])
    assert res["quote_total"] == len(res["quotes"]) and res["quote_total_exact"]


def test_search_table_marks_matches_and_limit(capsys: pytest.CaptureFixture[str], db: str) -> None:
    status, out, _ = cli(capsys, db, "search", "Deir", "--case", "1", "--json", "--limit", "1")
    assert status == 0
    res = json.loads(out)
    assert len(res["quotes"]) <= 1 and len(res["sources"]) <= 1
    assert res["quotes"] or res["sources"]
    status, out, _ = cli(capsys, db, "search", "Deir", "--case", "1")
    assert status == 0
    assert "⟦Deir⟧" in out
    assert "quotes" in out.splitlines()[0]


def test_batch_from_a_file(capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("Mazloum Kobani\nNobody Atall\n\n# skipped\nbad (\n", encoding="utf-8")
    status, out, err = cli(capsys, db, "search", "--batch", str(names), "--case", "1", "--json")
    assert status == 0, err
    lines = json.loads(out)
    assert [b["line"] for b in lines] == ["Mazloum Kobani", "Nobody Atall", "bad ("]
    assert lines[0]["quote_count"] > 0 and lines[0]["query"] == '"Mazloum Kobani"'
    assert lines[1]["quote_count"] == 0 and not lines[1]["error"]
    assert "not closed" in lines[2]["error"]
    status, out, _ = cli(capsys, db, "search", "--batch", str(names), "--case", "1")
    assert status == 0 and "Mazloum Kobani" in out


def test_saved_searches(capsys: pytest.CaptureFixture[str], db: str) -> None:
    status, _, err = cli(
        capsys, db, "search", "speaker:Abdi", "--case", "1", "--save", "Abdi", "--json"
    )
    assert status == 0, err
    status, out, _ = cli(capsys, db, "searches", "--case", "1", "--json")
    saved = json.loads(out)
    assert [(s["name"], s["query"]) for s in saved] == [("Abdi", "speaker:Abdi")]
    status, out, _ = cli(capsys, db, "search", "--saved", str(saved[0]["id"]), "--json")
    assert status == 0 and {h["label"] for h in json.loads(out)["quotes"]} == {"Mazloum Abdi"}
    status, _, err = cli(capsys, db, "search", "x", "--case", "1", "--save", "Abdi")
    assert status == 2 and "already" in err
    assert cli(capsys, db, "searches", "--delete", str(saved[0]["id"]))[0] == 0
    assert json.loads(cli(capsys, db, "searches", "--json")[1]) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", '"unclosed', "--case", "1"], "quotation mark"),
        (["search", "said:2021-13", "--case", "1"], "not a real date"),
        (["search", "colour:red"], "unknown filter"),
        (["search", "border", "--case", "99"], "no case"),
        (["search"], "give a query"),
        (["search", "--batch", "/nonexistent/names.txt"], "cannot read"),
        (["search", "--saved", "999"], "no saved search"),
    ],
)
def test_bad_input_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], db: str, args: list[str], message: str
) -> None:
    status, out, err = cli(capsys, db, *args)
    assert status == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and "sqlite" not in err.lower()
