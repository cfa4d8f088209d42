"""File > Import, dropping files on the window and the command line: one import service."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog

import main
from services.container import Services
from services.imports import ImportService, ImportSummary, Progress
from tests.data.builders import pdf_bytes, web_page, write
from ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, list[str]]]:
    """Every call of ``ImportService.import_files`` (the shared service), as (case, names)."""
    seen: list[tuple[int, list[str]]] = []
    real = ImportService.import_files

    def spy(
        self: ImportService,
        case_id: int,
        paths: Sequence[Path | str],
        progress: Progress | None = None,
    ) -> ImportSummary:
        seen.append((case_id, [Path(p).name for p in paths]))
        return real(self, case_id, paths, progress)

    monkeypatch.setattr(ImportService, "import_files", spy)
    return seen


def _titles(svc: Services, case_id: int) -> set[str]:
    return {s.title for s in svc.sources.list(case_id)}


def test_file_import_menu_imports_through_the_shared_service(
    window: MainWindow,
    sqlite_services: Services,
    demo: Any,
    tmp_path: Path,
    calls: list[tuple[int, list[str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = write(tmp_path, "harbour_story.html", web_page("Harbour story"))
    pdf = write(tmp_path, "minutes.pdf", pdf_bytes(["Minutes, page one.", "Page two."]))
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(page), str(pdf)], "")
    )
    window.act_import.trigger()  # File > Import files…
    assert calls == [(demo.id, ["harbour_story.html", "minutes.pdf"])]
    assert {"Harbour story", "minutes"} <= _titles(sqlite_services, demo.id)
    assert "Imported 2 files" in window.message_bar.label.text()


def test_the_file_dialog_offers_the_readable_kinds_and_a_folder_can_be_imported(
    window: MainWindow,
    sqlite_services: Services,
    demo: Any,
    tmp_path: Path,
    calls: list[tuple[int, list[str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []

    def open_files(*args: Any, **kw: Any) -> tuple[list[str], str]:
        asked.append(args[3])  # the name filter
        return [], ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", open_files)
    window.act_import.trigger()
    assert asked[0].startswith("Sources (") and "*.pdf" in asked[0] and "*.eml" in asked[0]
    assert asked[0].endswith(";;All files (*)")
    assert calls == []  # cancelled: nothing imported

    folder = tmp_path / "clippings"
    (folder / "older").mkdir(parents=True)
    write(folder, "harbour_story.html", web_page("Harbour story"))
    write(folder / "older", "note.txt", "The mayor said the harbour would stay open.\n")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    assert "Import a &folder…" in [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    window.act_import_folder.trigger()  # File > Import a folder…
    assert calls == [(demo.id, ["clippings"])]
    assert {"Harbour story", "note"} <= _titles(sqlite_services, demo.id)
    assert "Imported 2 files" in window.message_bar.label.text()


def test_dropped_files_and_the_command_line_use_the_same_service(
    window: MainWindow,
    sqlite_services: Services,
    sqlite_url: str,
    demo: Any,
    tmp_path: Path,
    calls: list[tuple[int, list[str]]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    dropped = write(tmp_path, "dropped_note.txt", "The official said the road was closed.\n")
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(dropped))])
    drop = QDropEvent(
        QPoint(10, 10).toPointF(),
        Qt.DropAction.CopyAction,
        md,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    assert calls == [(demo.id, ["dropped_note.txt"])]
    assert "dropped note" in _titles(sqlite_services, demo.id)

    typed = write(tmp_path, "typed_note.txt", "The mayor said the bridge would open in May.\n")
    status = main.main(["--db", sqlite_url, "import", str(typed), "--case", demo.title])
    capsys.readouterr()
    assert status == 0
    assert calls[1] == (demo.id, ["typed_note.txt"])
    assert "typed note" in _titles(sqlite_services, demo.id)


def test_a_failed_file_in_the_window_names_the_file_and_the_reason(
    window: MainWindow, sqlite_services: Services, demo: Any, tmp_path: Path
) -> None:
    before = sqlite_services.sources.count(demo.id)
    broken = write(tmp_path, "broken.pdf", b"%PDF-1.4 truncated")
    window.import_paths([broken])
    text = window.message_bar.label.text()
    assert "broken.pdf: the PDF is damaged or truncated and cannot be read" in text
    assert "Traceback" not in text
    assert sqlite_services.sources.count(demo.id) == before


def test_showing_an_imported_web_page_fetches_nothing(
    window: MainWindow,
    sqlite_services: Services,
    demo: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The page names a remote stylesheet, script and tracking pixel: the reader shows the
    # stored text only, so nothing is fetched at display either.
    import socket

    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network use while showing a source")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    page = write(tmp_path, "tracked.html", web_page("Tracked page"))
    src = ImportService(sqlite_services.store.sessions).import_file(demo.id, page)
    window.refresh()
    window.select_item("source", src.id)
    shown = window.reader.text_edit.toPlainText()
    assert "No deal was signed behind closed doors" in shown
    assert "tracker.invalid" not in shown
    doc = window.reader.text_edit.document().toHtml()
    assert "<img" not in doc and "tracker.invalid" not in doc
    assert attempts == []
