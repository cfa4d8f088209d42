"""Offline by design: with every network connection made to fail, nothing even tries one.

Each part runs a feature with ``socket`` connect, send-to and name lookups replaced by functions
that record the attempt and fail: import of web pages and emails, extraction, search, export and
the window (which must not load Qt's network module either: Qt's own sockets are not Python's).
Imported HTML is stored and shown without its remote content; exported files carry no remote
reference.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models.db import open_store
from services.container import Services
from services.imports import ImportService
from tests.reliability.helpers import populate_case
from ui.cli import run

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

    def sendto(self: socket.socket, *args: Any) -> int:
        raise attempts.fail(f"sendto {args[-1]!r}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "sendto", sendto)
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
    svc, case_id = case_store
    path = tmp_path / f"item{ext}"
    path.write_text(body, encoding="utf-8")
    src = svc.imports.import_file(case_id, path)
    text = svc.sources.get_text(src.id)
    assert "signed" in text
    assert REMOTE not in text  # remote content is neither fetched nor shown
    assert REMOTE not in repr(svc.sources.get(src.id))  # nor kept in its metadata
    assert offline.tried == []


def _db(svc: Services) -> str:
    return str(Path(svc.store.engine.url.database or ""))


def test_extraction_offline(
    offline: NetworkAttempts, case_store: tuple[Services, int], tmp_path: Path, capsys: Any
) -> None:
    svc, case_id = case_store
    page = tmp_path / "page.html"
    page.write_text(WEB_PAGE, encoding="utf-8")
    web = svc.imports.import_file(case_id, page)
    proposed = [svc.extraction.propose(src.id) for src in svc.sources.list(case_id)]
    assert sum(len(p.quotes) for p in proposed) > 0  # it really read the sources
    assert run(["--db", _db(svc), "extract", str(web.id), "--accept-all", "--json"]) == 0
    capsys.readouterr()
    assert offline.tried == []


def test_search_offline(
    offline: NetworkAttempts, case_store: tuple[Services, int], capsys: Any
) -> None:
    svc, case_id = case_store
    assert svc.search.search(case_id, "bridge").quote_total > 0
    assert svc.search.search(case_id, "سنبني").quote_total > 0
    for query in ('"we will"', "kowalski", "speaker:kowalski said:2024"):
        assert run(["--db", _db(svc), "search", query, "--case", str(case_id), "--json"]) == 0
    capsys.readouterr()
    assert offline.tried == []


def _remote_references(path: Path) -> list[str]:
    """Links a file would follow or load from elsewhere (web addresses, external parts)."""
    import re
    import zipfile

    found: list[str] = []
    data = path.read_bytes()
    if REMOTE.encode() in data:
        found.append(REMOTE)
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                part = z.read(name).decode("utf-8", "replace")
                if REMOTE in part:
                    found.append(f"{name}: {REMOTE}")
                if name.endswith(".rels"):
                    # Hyperlinks a reader clicks are allowed; parts loaded from outside are not.
                    for rel in re.findall(r"<Relationship [^>]*>", part):
                        if 'TargetMode="External"' in rel and "/hyperlink" not in rel:
                            found.append(f"{name}: {rel}")
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(path)
        for page in reader.pages:
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A") or {}
                if action.get("/S") in ("/GoToR", "/Launch", "/ImportData", "/SubmitForm"):
                    found.append(f"pdf action {action.get('/S')}")
    return found


def test_export_offline_carries_no_remote_reference(
    offline: NetworkAttempts, case_store: tuple[Services, int], tmp_path: Path, capsys: Any
) -> None:
    svc, case_id = case_store
    page = tmp_path / "page.html"
    page.write_text(WEB_PAGE, encoding="utf-8")
    svc.imports.import_file(case_id, page)
    out = tmp_path / "out"
    out.mkdir()
    status = run(
        ["--db", _db(svc), "export", "--case", str(case_id), "--template", "dossier"]
        + ["--format", "pdf,docx,csv,json", "--out", str(out), "--quiet"]
    )
    capsys.readouterr()
    assert status == 0
    assert offline.tried == []
    written = [p for p in out.rglob("*") if p.is_file()]
    assert {p.suffix for p in written} >= {".pdf", ".docx"}
    for p in written:
        assert _remote_references(p) == [], p


@pytest.mark.qt_log_ignore("propagateSizeHints")  # the offscreen plugin's own notice
def test_window_offline(
    offline: NetworkAttempts, case_store: tuple[Services, int], qtbot: Any, tmp_path: Path
) -> None:
    import sys

    from ui.main_window import MainWindow
    from ui.settings import WindowSettings, make_settings

    svc, case_id = case_store
    page = tmp_path / "page.html"
    page.write_text(WEB_PAGE, encoding="utf-8")
    web = svc.imports.import_file(case_id, page)
    window = MainWindow(svc, WindowSettings(make_settings(str(tmp_path / "settings.ini"))))
    qtbot.addWidget(window)
    window.show()
    window.open_case(case_id)
    window.open_source(web.id)  # the imported web page, in the reader
    qtbot.wait(300)
    window.focus_search()
    window.show_all()
    qtbot.wait(300)
    window.close()
    assert offline.tried == []
    # Qt reaches the network only through QtNetwork (or WebEngine): neither is even loaded.
    assert not [
        m for m in sys.modules if m.startswith(("PySide6.QtNetwork", "PySide6.QtWebEngine"))
    ]


def test_store_on_disk_opens_offline(offline: NetworkAttempts, tmp_path: Path) -> None:
    st = open_store(str(tmp_path / "new.db"))
    st.close()
    assert offline.tried == []
