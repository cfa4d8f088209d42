"""The ``import`` command on a folder of good, duplicate and bad files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import main
from services.container import Services
from tests.data.builders import docx_bytes, email_message, pdf_bytes, web_page, write

ROOT = Path(__file__).resolve().parents[2]


def cli(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    """Run ``main.py --db DB ARGS`` in-process; returns (status, stdout, stderr)."""
    capsys.readouterr()
    status = main.main(["--db", db, *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def db(sqlite_url: str) -> str:
    """A store with one case, "Port deal"."""
    svc = Services.open(sqlite_url, auto_backup=False)
    svc.cases.create("Port deal")
    svc.close()
    return sqlite_url


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Good files of every format, a duplicate and three bad files."""
    d = tmp_path / "inbox"
    d.mkdir()
    write(d, "a-note.txt", "The harbour master said the contract was signed.\n")
    write(d, "b-article.html", web_page())
    write(d, "c-minutes.pdf", pdf_bytes(["Minutes, page one.", "Minutes, page two."]))
    write(d, "d-board.docx", docx_bytes())
    write(
        d,
        "e-tip.eml",
        email_message(attachments=(("sheet.txt", b"Bidders: three.", "text/plain"),)),
    )
    write(d, "f-copy-of-note.txt", "The harbour master said the contract was signed.\n")
    write(d, "g-broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    write(d, "h-empty.docx", b"")
    write(d, "i-photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    return d


def _source_count(db: str) -> int:
    svc = Services.open(db, auto_backup=False)
    try:
        return svc.sources.count(svc.cases.find("Port deal").id)
    finally:
        svc.close()


def test_import_a_folder_prints_a_summary_and_a_progress_bar(
    capsys: pytest.CaptureFixture[str], db: str, folder: Path
) -> None:
    status, out, err = cli(capsys, db, "import", "--case", "Port deal", str(folder))
    assert status == 1  # some files failed
    lines = out.splitlines()
    assert lines[0] == "Imported: 5 files (+1 attachments)"
    for title in ("Port deal signed", "Minutes of the port board", "The contract"):
        assert any(title in line for line in lines), title
    assert "Duplicates: 1" in lines
    assert any("f-copy-of-note.txt: already in this case (source 1)" in x for x in lines)
    assert "Failed: 3" in lines
    assert "  g-broken.pdf: the PDF is damaged or truncated and cannot be read" in lines
    assert "  h-empty.docx: the file is empty" in lines
    assert any(x.startswith("  i-photo.jpg: cannot import .jpg files") for x in lines)
    # The bar: one line per file on a pipe, ending at 100 %.
    bar = err.splitlines()
    assert len(bar) == 10
    assert bar[0].startswith("[") and bar[0].endswith("a-note.txt")
    assert bar[-1].startswith("[" + "#" * 30 + "] 100% done")
    # Bad files left nothing behind: the five files and the email's attachment only.
    assert _source_count(db) == 6


def test_import_again_reports_every_good_file_as_a_duplicate_in_json(
    capsys: pytest.CaptureFixture[str], db: str, folder: Path
) -> None:
    cli(capsys, db, "import", "--quiet", "--case", "Port deal", str(folder))
    status, out, err = cli(capsys, db, "import", "--json", "--quiet", "--case", "1", str(folder))
    assert status == 1 and err == ""
    data = json.loads(out)
    assert data["imported"] == [] and data["attachments"] == []
    assert len(data["duplicates"]) == 6
    assert all("already in this case" in d["message"] for d in data["duplicates"])
    assert [Path(f["file"]).name for f in data["failed"]] == [
        "g-broken.pdf",
        "h-empty.docx",
        "i-photo.jpg",
    ]
    assert _source_count(db) == 6


def test_import_good_files_only_exits_zero_with_json_sources(
    capsys: pytest.CaptureFixture[str], db: str, folder: Path
) -> None:
    files = [str(folder / "a-note.txt"), str(folder / "c-minutes.pdf")]
    status, out, _ = cli(capsys, db, "import", "--json", "--quiet", "--case", "1", *files)
    assert status == 0
    data = json.loads(out)
    pdf = data["imported"][1]
    assert pdf["file_name"] == "c-minutes.pdf"
    assert pdf["page_starts"][0] == 0 and len(pdf["page_starts"]) == 2
    assert data["imported"][0]["language"] == "en"


def test_import_into_an_unknown_case_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], db: str, folder: Path
) -> None:
    status, out, err = cli(capsys, db, "import", "--case", "Nope", str(folder))
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Nope" in err
    assert _source_count(db) == 0


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_ctrl_c_stops_after_the_current_file_and_keeps_what_was_imported(
    db: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "many"
    inbox.mkdir()
    for i in range(300):
        write(inbox, f"{i:03d}.txt", f"Note {i}: the harbour master called about the tender.\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--db", db, "import", "--case", "1", str(inbox)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()  # the bar's first line: the first file is under way
    assert first.startswith("[") and "000.txt" in first
    # As a terminal does: the signal reaches the whole process group (the importer's reader
    # process too, which leaves stopping to the importer).
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert "Stopping after this file" in err
    assert "Stopped before the end." in out
    imported = int(out.splitlines()[0].split()[1])
    assert 1 <= imported < 300
    assert _source_count(db) == imported
