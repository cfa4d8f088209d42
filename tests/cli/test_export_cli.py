"""``main.py export``: briefs and data files from the command line, with source protection."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

import main
from services.container import Services
from services.demo import build_demo
from tests.services.brief_helpers import add_confidential, flat, pdftotext

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def export_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A SQLite store with the sample case plus a confidential person and source."""
    path = tmp_path_factory.mktemp("export") / "demo.db"
    svc = Services.open(str(path), auto_backup=False)
    case = build_demo(svc)
    secrets, _, _ = add_confidential(svc, case.id)
    svc.close()
    return path, secrets


@pytest.fixture
def db(export_template: tuple[Path, list[str]], tmp_path: Path) -> str:
    """A fresh copy of the store for one test."""
    path = tmp_path / "store.db"
    shutil.copyfile(export_template[0], path)
    return str(path)


def cli(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    """Run ``main.py --db DB ARGS`` in-process; returns (status, stdout, stderr)."""
    capsys.readouterr()
    try:
        status = main.main(["--db", db, *args])
    except SystemExit as exc:  # argparse --help and the like
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def test_the_issue_command_writes_both_formats(db: str, tmp_path: Path) -> None:
    out = tmp_path / "briefs"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", db, "export", "--case", "1"]
        + ["--template", "brief", "--format", "pdf,docx", "--out", str(out), "--only-verified"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,  # a bound against a hang; a loaded CI machine took over 180 s
    )
    assert run.returncode == 0, run.stderr
    files = [Path(line) for line in run.stdout.splitlines()]
    assert [f.suffix for f in files] == [".pdf", ".docx"]
    assert all(f.is_file() and f.parent == out for f in files)
    assert files[0].name == "deir-ez-zor-campaign-brief.pdf"
    assert "100% Done" in run.stderr  # progress lines go to stderr
    # What leaves the machine is listed before the files are written.
    shown = run.stderr.index("The files will show:")
    assert shown < run.stderr.index("Case read")
    assert "person: a local official (confidential)" in run.stderr
    assert "person: Siyamend Ali" in run.stderr
    text = flat(pdftotext(files[0]))
    assert "Only verified quotes are included." in text
    assert "Our forces have already arrested over 30 terrorists" in text  # verified
    assert "large-scale operation" not in text  # unverified


def test_selection_flags_and_json(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = cli(
        capsys,
        db,
        "export",
        "--case",
        "Deir ez-Zor campaign",
        "--template",
        "quotes",
        "--format",
        "json,csv",
        "--from",
        "2021-02-01",
        "--to",
        "2021-02-10",
        "--out",
        str(tmp_path),
        "--json",
    )
    assert status == 0, err
    result = json.loads(out)
    assert len(result["files"]) == 5  # one JSON and four CSV tables
    data = json.loads(Path(result["files"][0]).read_text("utf-8"))
    assert data["quotes"] and all("Feb 2021" in q["said"] for q in data["quotes"])
    assert result["quotes"] == len(data["quotes"])

    status, out, err = cli(
        capsys,
        db,
        "export",
        "--case",
        "1",
        "--quotes",
        "1,2",
        "--format",
        "json",
        "--out",
        str(tmp_path / "q"),
        "--quiet",
    )
    assert status == 0 and err == ""
    picked = json.loads(Path(out.strip()).read_text("utf-8"))
    assert [q["id"] for q in picked["quotes"]] == [1, 2]


def test_check_lists_what_leaves_and_writes_nothing(
    db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    export_template: tuple[Path, list[str]],
) -> None:
    status, out, _ = cli(
        capsys, db, "export", "--case", "1", "--check", "--out", str(tmp_path / "x")
    )
    assert status == 0
    assert "person: Mazloum Abdi — also as: Mazloum Kobani, مظلوم عبدي" in out
    assert "person: a local official (confidential)" in out
    assert "source: a private notebook (confidential)" in out
    assert "2 confidential entries redacted." in out
    for secret in export_template[1]:
        assert secret not in out
    assert not (tmp_path / "x").exists()
    # The check follows --format: the people table carries the aliases the brief leaves out.
    svc = Services.open(db, auto_backup=False)
    svc.people.create(1, "Qorvin Taldash", aliases=["Abu Qorvin"])
    svc.close()
    _, out, _ = cli(capsys, db, "export", "--case", "1", "--check")
    assert "person: Qorvin Taldash\n" in out
    _, out, _ = cli(capsys, db, "export", "--case", "1", "--check", "--format", "csv")
    assert "person: Qorvin Taldash — also as: Abu Qorvin" in out


def test_confidential_details_stay_out_of_every_file(
    db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    export_template: tuple[Path, list[str]],
) -> None:
    status, out, err = cli(
        capsys,
        db,
        "export",
        "--case",
        "1",
        "--template",
        "dossier",
        "--format",
        "pdf,docx,csv,json",
        "--out",
        str(tmp_path),
        "--quiet",
    )
    assert status == 0, err
    names = " ".join(p.name for p in tmp_path.iterdir())
    texts = []
    for line in out.splitlines():
        f = Path(line)
        if f.suffix == ".pdf":
            texts.append(pdftotext(f))
        elif f.suffix == ".docx":
            with zipfile.ZipFile(f) as z:
                texts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            texts.append(f.read_text("utf-8-sig"))
    everything = flat("\n".join(texts)) + names
    for secret in export_template[1]:
        assert secret not in everything
    assert "a local official" in everything


def _docx_headings(path: Path) -> list[str]:
    """The text of every Heading-styled paragraph of a .docx body."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("word/document.xml"))
    out = []
    for p in root.iter(f"{w}p"):
        style = p.find(f"{w}pPr/{w}pStyle")
        if style is not None and style.get(f"{w}val", "").startswith("Heading"):
            out.append("".join(t.text or "" for t in p.iter(f"{w}t")))
    return out


def test_grouping_notes_tag_and_author_flags(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svc = Services.open(db, auto_backup=False)
    quotes = svc.quotes.list(1)
    for q in quotes[:2]:
        svc.quotes.set_tags(q.id, ["arrests"])
    svc.quotes.set_tags(quotes[2].id, ["fighting"])
    svc.quotes.update(quotes[0].id, note="Ask the fixer again")
    svc.close()
    args = ["export", "--case", "1", "--template", "quotes", "--format", "docx,json,csv"]
    status, out, err = cli(
        capsys,
        db,
        *args,
        *("--group-by", "tag", "--notes", "--author", "Night desk", "--author-in-properties"),
        *("--out", str(tmp_path / "all"), "--quiet"),
    )
    assert status == 0, err
    files = [Path(line) for line in out.splitlines()]
    docx_file = next(f for f in files if f.suffix == ".docx")
    headings = _docx_headings(docx_file)
    # Grouped by tag: one heading per tag and one for the rest, not one per speaker.
    assert {"arrests", "fighting", "Untagged"} <= set(headings)
    assert "Siyamend Ali" not in headings
    with zipfile.ZipFile(docx_file) as z:
        assert "<dc:creator>Night desk</dc:creator>" in z.read("docProps/core.xml").decode()
    data = json.loads(next(f for f in files if f.suffix == ".json").read_text("utf-8"))
    notes = {q["id"]: q["note"] for q in data["quotes"]}
    assert notes[quotes[0].id] == "Ask the fixer again"
    quotes_csv = next(f for f in files if f.name.endswith("-quotes.csv"))
    raw = quotes_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw[3:].decode("utf-8").splitlines()[0].endswith(",tags,note")

    # Without --notes the notes stay home; --tag keeps only that tag's quotes.
    status, out, err = cli(
        capsys, db, *args, "--tag", "arrests", "--out", str(tmp_path / "tag"), "--quiet"
    )
    assert status == 0, err
    files = [Path(line) for line in out.splitlines()]
    data = json.loads(next(f for f in files if f.suffix == ".json").read_text("utf-8"))
    assert sorted(q["id"] for q in data["quotes"]) == sorted(q.id for q in quotes[:2])
    assert all("note" not in q for q in data["quotes"])
    text = "\n".join(f.read_text("utf-8-sig") for f in files if f.suffix == ".csv")
    assert "Ask the fixer again" not in text
    headings = _docx_headings(next(f for f in files if f.suffix == ".docx"))
    assert "fighting" not in headings  # grouped by speaker (the default) now
    with zipfile.ZipFile(next(f for f in files if f.suffix == ".docx")) as z:
        assert "Night desk" not in z.read("docProps/core.xml").decode()


def test_person_flag_keeps_that_persons_quotes(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svc = Services.open(db, auto_backup=False)
    person = next(p for p in svc.people.list(1) if p.name == "Sadradeen Kinno")
    theirs = sorted(q.id for q in svc.quotes.list(1) if q.speaker_id == person.id)
    svc.close()
    status, out, err = cli(
        capsys,
        db,
        *("export", "--case", "1", "--format", "json", "--person", str(person.id)),
        *("--out", str(tmp_path), "--quiet"),
    )
    assert status == 0, err
    data = json.loads(Path(out.strip()).read_text("utf-8"))
    assert theirs and sorted(q["id"] for q in data["quotes"]) == theirs
    assert {q["speaker"] for q in data["quotes"]} == {"Sadradeen Kinno"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--case", "1", "--format", "rtf"], "unknown format 'rtf'"),
        (["--case", "99"], "no case"),
        (["--case", "1", "--person", "9999"], "person 9999 is not in case 1"),
        (["--case", "1", "--from", "2021-02-01", "--to", "2021-01-01"], "ends before it starts"),
        (["--case", "1", "--from", "yesterday"], "not a date"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    status, out, err = cli(capsys, db, "export", *args, "--out", str(tmp_path / "o"))
    assert status == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_search_flags_select_quotes(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["export", "--case", "1", "--format", "json", "--quiet"]
    status, out, err = cli(capsys, db, *args, "--search", "arrested", "--out", str(tmp_path / "a"))
    assert status == 0, err
    data = json.loads(Path(out.strip()).read_text("utf-8"))
    assert [q["text"] for q in data["quotes"]] == [
        "Our forces have already arrested over 30 terrorists"
    ]
    svc = Services.open(db, auto_backup=False)
    saved = svc.search.save(1, "Syria", "Syria")
    svc.close()
    status, out, err = cli(
        capsys, db, *args, "--saved-search", str(saved.id), "--out", str(tmp_path / "b")
    )
    assert status == 0, err
    data = json.loads(Path(out.strip()).read_text("utf-8"))
    assert data["quotes"] and all("Syria" in q["text"] for q in data["quotes"])
    status, _, err = cli(capsys, db, *args, "--saved-search", "999", "--out", str(tmp_path))
    assert status == 2 and "no saved search with id 999" in err
