"""``main.py export``: briefs and data files from the command line, with source protection."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
        timeout=180,
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
            import zipfile

            with zipfile.ZipFile(f) as z:
                texts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            texts.append(f.read_text("utf-8-sig"))
    everything = flat("\n".join(texts)) + names
    for secret in export_template[1]:
        assert secret not in everything
    assert "a local official" in everything


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
