"""Offline by design: with every network connection made to fail, nothing even tries one.

Each part runs a feature with ``socket`` connect and name lookups replaced by functions that
record the attempt and fail. Parts whose feature is not built yet are skipped with the reason.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models.db import open_store
from services.container import Services
from services.errors import DomainError
from services.imports import ImportService, reader_for
from tests.reliability.helpers import populate_case
from ui.cli import build_parser, run
from ui.cli.common import CliError

REMOTE = "tracker.invalid"  # any attempt to reach it is recorded before it fails

WEB_PAGE = f"""<!doctype html>
<html><head><title>Port deal signed</title>
<link rel="stylesheet" href="https://{REMOTE}/site.css">
<script src="https://{REMOTE}/analytics.js"></script>
<meta name="author" content="Lena Berg">
<link rel="canonical" href="https://news.example/port-deal">
</head><body>
<article><h1>Port deal signed</h1>
<p>The minister said "no deal was signed" on Monday, according to the minutes seen by us.</p>
<p><img src="https://{REMOTE}/pixel.gif" width="1" height="1">The port authority declined to
comment. Documents show the contract was worth 40 million.</p>
<iframe src="https://{REMOTE}/embed"></iframe>
</article></body></html>
"""

EMAIL = f"""From: Source One <one@example.org>
To: Desk <desk@example.org>
Subject: The contract
Date: Mon, 04 Mar 2024 10:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

The contract was signed on Friday. I saw it.

--b1
Content-Type: text/html; charset=utf-8

<html><body><p>The contract was signed on Friday. I saw it.</p>
<img src="https://{REMOTE}/open-tracker.gif"></body></html>
--b1--
"""


class NetworkAttempts:
    """Every connection or lookup tried while the guard is on."""

    def __init__(self) -> None:
        self.tried: list[str] = []

    def fail(self, what: str) -> OSError:
        self.tried.append(what)
        return OSError(f"network disabled by the offline test: {what}")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkAttempts]:
    """Make every socket connect and name lookup fail, recording the attempt."""
    attempts = NetworkAttempts()

    def connect(self: socket.socket, address: Any) -> None:
        raise attempts.fail(f"connect {address!r}")

    def connect_ex(self: socket.socket, address: Any) -> int:
        raise attempts.fail(f"connect_ex {address!r}")

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise attempts.fail(f"getaddrinfo {host!r}")

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        raise attempts.fail(f"create_connection {address!r}")

    def gethostbyname(host: str) -> str:
        raise attempts.fail(f"gethostbyname {host!r}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "gethostbyname", gethostbyname)
    monkeypatch.setattr(socket, "gethostbyname_ex", gethostbyname)
    yield attempts


@pytest.fixture
def case_store(tmp_path: Path) -> Iterator[tuple[Services, int]]:
    svc = Services.open(str(tmp_path / "offline.db"))
    case = populate_case(svc, tmp_path / "files")
    yield svc, case.id
    svc.close()


def test_the_guard_catches_a_connection(offline: NetworkAttempts) -> None:
    import urllib.request

    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://{REMOTE}/", timeout=1)
    assert offline.tried  # so an empty list below means "nothing tried"


def _supported(ext: str) -> bool:
    try:
        reader_for(Path(f"x{ext}"))
    except DomainError:
        return False
    return True


def test_import_text_backup_and_archive_offline(
    offline: NetworkAttempts, case_store: tuple[Services, int], tmp_path: Path
) -> None:
    svc, case_id = case_store
    note = tmp_path / "note.txt"
    note.write_text(f"Call notes. See https://{REMOTE}/doc for the file.\n", encoding="utf-8")
    ImportService(svc.store.sessions).import_file(case_id, note)
    svc.backups.backup_now()
    svc.archive.export_case(case_id, tmp_path / "case.sbk")
    svc.archive.import_archive(tmp_path / "case.sbk")
    svc.changes.poll(case_id)
    assert offline.tried == []


@pytest.mark.parametrize(("ext", "body"), [(".html", WEB_PAGE), (".eml", EMAIL)])
def test_import_web_page_and_email_offline(
    offline: NetworkAttempts,
    case_store: tuple[Services, int],
    tmp_path: Path,
    ext: str,
    body: str,
) -> None:
    if not _supported(ext):
        pytest.skip(f"no importer for {ext} files yet (issue 3)")
    svc, case_id = case_store
    path = tmp_path / f"item{ext}"
    path.write_text(body, encoding="utf-8")
    src = ImportService(svc.store.sessions).import_file(case_id, path)
    text = svc.sources.get_text(src.id)
    assert "signed" in text
    assert REMOTE not in text  # remote content is neither fetched nor shown
    assert offline.tried == []


def _command_exists(name: str) -> bool:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return name in getattr(sub, "choices", {})


def _run_cli(args: list[str]) -> int:
    try:
        return run(args)
    except CliError as exc:
        return exc.status


def test_extraction_offline(
    offline: NetworkAttempts, case_store: tuple[Services, int], tmp_path: Path, capsys
) -> None:
    if not _command_exists("extract"):
        pytest.skip("no `extract` command yet (issue 4)")
    svc, case_id = case_store
    db = str(Path(svc.store.engine.url.database or ""))
    for src in svc.sources.list(case_id):
        _run_cli(["--db", db, "extract", str(src.id), "--json"])
    capsys.readouterr()
    assert offline.tried == []


def test_search_offline(offline: NetworkAttempts, case_store: tuple[Services, int], capsys) -> None:
    if not _command_exists("search"):
        pytest.skip("no `search` command yet (issue 8)")
    svc, case_id = case_store
    db = str(Path(svc.store.engine.url.database or ""))
    for query in ("bridge", "سنبني", '"we will"', "kowalski"):
        _run_cli(["--db", db, "search", query, "--case", str(case_id), "--json"])
    capsys.readouterr()
    assert offline.tried == []


def test_export_offline_carries_no_remote_reference(
    offline: NetworkAttempts, case_store: tuple[Services, int], tmp_path: Path, capsys
) -> None:
    if not _command_exists("export"):
        pytest.skip("no `export` command yet (issue 5)")
    svc, case_id = case_store
    page = tmp_path / "page.html"
    page.write_text(WEB_PAGE, encoding="utf-8")
    if _supported(".html"):
        ImportService(svc.store.sessions).import_file(case_id, page)
    db = str(Path(svc.store.engine.url.database or ""))
    out = tmp_path / "out"
    out.mkdir()
    try:
        status = _run_cli(
            ["--db", db, "export", "--case", str(case_id), "--template", "brief"]
            + ["--format", "pdf,docx", "--out", str(out)]
        )
    except Exception as exc:  # a crash of the exporter itself is issue 5's to fix
        assert offline.tried == []
        pytest.xfail(f"export crashed on this case (not a network matter): {exc!r}")
    capsys.readouterr()
    assert status == 0
    assert offline.tried == []
    written = [p for p in out.rglob("*") if p.is_file()]
    assert written
    for p in written:
        data = p.read_bytes()
        assert REMOTE.encode() not in data, p
        if p.suffix == ".docx":
            import zipfile

            with zipfile.ZipFile(p) as z:
                for name in z.namelist():
                    if name.endswith(".rels"):
                        rels = z.read(name).decode("utf-8", "replace")
                        assert 'TargetMode="External"' not in rels, (p, name)


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin's own notice
def test_window_offline(
    offline: NetworkAttempts, case_store: tuple[Services, int], qtbot: Any, tmp_path: Path
) -> None:
    try:
        from ui.main_window import MainWindow
        from ui.settings import WindowSettings, make_settings
    except ImportError:
        pytest.skip("no window yet (issue 7)")
    svc, _ = case_store
    window = MainWindow(svc, WindowSettings(make_settings(str(tmp_path / "settings.ini"))))
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(500)
    window.close()
    assert offline.tried == []


def test_store_on_disk_opens_offline(offline: NetworkAttempts, tmp_path: Path) -> None:
    st = open_store(str(tmp_path / "new.db"))
    st.close()
    assert offline.tried == []
