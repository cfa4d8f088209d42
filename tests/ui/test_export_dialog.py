"""The export dialog: the form maps to options, the export runs off the GUI thread, Cancel works."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QDate, QThreadPool

from services.brief.model import GroupBy, Selection, Template
from services.container import Services
from tests.services.brief_helpers import add_confidential
from ui import workers
from ui.export_dialog import ExportDialog


@pytest.fixture
def threaded() -> Iterator[None]:
    """Real worker threads (the folder's conftest makes them synchronous by default)."""
    workers.use_synchronous_pools(False)
    yield
    QThreadPool.globalInstance().waitForDone(30000)


def _dialog(qtbot: Any, svc: Services, case_id: int, tmp_path: Path, **kw: Any) -> ExportDialog:
    d = ExportDialog(svc, case_id, **kw)
    qtbot.addWidget(d)
    d.folder_edit.setText(str(tmp_path / "out"))
    return d


def _check_first(qtbot: Any, d: ExportDialog) -> None:
    """Press Export once: the dialog shows what will leave the machine and writes nothing."""
    with qtbot.waitSignal(d.check_finished, timeout=60000):
        d.export_button.click()
    assert d.export_button.text() == "Write the files"
    out = Path(d.folder_edit.text())
    assert not out.exists() or list(out.iterdir()) == []


def _pick(box: Any, data: object) -> None:
    i = box.findData(data)
    assert i >= 0, data
    box.setCurrentIndex(i)


def test_form_maps_to_options(qtbot: Any, sqlite_services: Services, demo: Any) -> None:
    sqlite_services.quotes.set_tags(sqlite_services.quotes.list(demo.id)[0].id, ["campaign"])
    d = _dialog(qtbot, sqlite_services, demo.id, Path("/nonexistent"))
    assert d.options().selection == Selection()
    assert d.formats() == ["pdf", "docx"]
    _pick(d.template_box, "dossier")
    _pick(d.group_box, "tag")
    d.verified_check.setChecked(True)
    d.notes_check.setChecked(True)
    d.format_checks["csv"].setChecked(True)
    d.format_checks["docx"].setChecked(False)
    opts = d.options()
    assert opts.template is Template.DOSSIER and opts.group_by is GroupBy.TAG
    assert opts.only_verified and opts.include_notes
    assert d.formats() == ["pdf", "csv"]
    person = next(p for p in sqlite_services.people.list(demo.id) if p.name == "Siyamend Ali")
    _pick(d.scope_box, "person")
    assert d.person_box.isEnabled() and not d.tag_box.isEnabled()
    _pick(d.person_box, person.id)
    assert d.options().selection == Selection(person_id=person.id)
    _pick(d.scope_box, "dates")
    d.from_edit.setDate(QDate(2021, 1, 1))
    d.to_edit.setDate(QDate(2021, 1, 31))
    assert d.options().selection == Selection(
        date_from=dt.date(2021, 1, 1), date_to=dt.date(2021, 1, 31)
    )
    _pick(d.scope_box, "tag")
    assert d.tag_box.isEnabled() and not d.person_box.isEnabled()
    _pick(d.tag_box, "campaign")
    assert d.options().selection == Selection(tag="campaign")
    assert d.options().author == "Sample desk" and not d.options().author_in_properties
    d.author_edit.setText(" Night desk ")
    d.author_props_check.setChecked(True)
    assert d.options().author == "Night desk" and d.options().author_in_properties
    for cb in d.format_checks.values():
        cb.setChecked(False)
    assert not d.export_button.isEnabled()


def test_search_and_saved_search_scopes(qtbot: Any, sqlite_services: Services, demo: Any) -> None:
    saved = sqlite_services.search.save(demo.id, "Arrests", "arrested")
    d = _dialog(qtbot, sqlite_services, demo.id, Path("/nonexistent"))
    _pick(d.scope_box, "search")
    assert d.search_edit.isEnabled() and not d.saved_box.isEnabled()
    d.search_edit.setText("  Syria ")
    assert d.options().selection == Selection(search="Syria")
    _pick(d.scope_box, "saved")
    _pick(d.saved_box, saved.id)
    assert d.options().selection == Selection(saved_search_id=saved.id)
    d.run_check()
    assert d.check_view.toPlainText().splitlines()[0].startswith("person: Siyamend Ali")


def test_hand_picked_quotes_are_the_default_scope(
    qtbot: Any, sqlite_services: Services, demo: Any
) -> None:
    ids = [q.id for q in sqlite_services.quotes.list(demo.id)[:2]]
    d = _dialog(qtbot, sqlite_services, demo.id, Path("/nonexistent"), quote_ids=ids)
    assert d.scope_box.currentData() == "quotes"
    assert d.options().selection == Selection(quote_ids=tuple(ids))


def test_changing_an_option_after_the_check_asks_for_a_new_check(
    qtbot: Any, sqlite_services: Services, demo: Any, tmp_path: Path
) -> None:
    d = _dialog(qtbot, sqlite_services, demo.id, tmp_path)
    _check_first(qtbot, d)
    d.verified_check.setChecked(True)
    _check_first(qtbot, d)  # the old check no longer describes the files: check again
    d.format_checks["csv"].setChecked(True)
    _check_first(qtbot, d)  # nor after another format is chosen: a CSV carries other things
    with qtbot.waitSignal(d.export_finished, timeout=60000):
        d.export_button.click()
    assert d.export_button.text() == "Export"


def test_check_lists_what_leaves_with_confidential_entries_redacted(
    qtbot: Any, sqlite_services: Services, demo: Any
) -> None:
    secrets, _, _ = add_confidential(sqlite_services, demo.id)
    d = _dialog(qtbot, sqlite_services, demo.id, Path("/nonexistent"))
    # The person list itself shows the protected person by descriptor only.
    labels = [d.person_box.itemText(i) for i in range(d.person_box.count())]
    assert "a local official" in labels
    d.run_check()
    text = d.check_view.toPlainText()
    assert "Mazloum Abdi" in text and "a local official (confidential)" in text
    for s in secrets:
        assert s not in text and s not in " ".join(labels)


def test_export_runs_off_the_gui_thread_with_progress(
    qtbot: Any, sqlite_services: Services, demo: Any, tmp_path: Path, threaded: None
) -> None:
    d = _dialog(qtbot, sqlite_services, demo.id, tmp_path)
    seen: list[float] = []
    threads: set[int] = set()
    d.services = _Spy(sqlite_services, threads)
    d.progress_bar.valueChanged.connect(seen.append)
    _check_first(qtbot, d)
    assert "person: Mazloum Abdi" in d.check_view.toPlainText()
    with qtbot.waitSignal(d.export_finished, timeout=60000) as blocker:
        d.export_button.click()
        assert d.running and not d.export_button.isEnabled()
        assert d.cancel_button.text() == "Cancel"
    files = [Path(p) for p in blocker.args[0]]
    assert [f.suffix for f in files] == [".pdf", ".docx"] and all(f.is_file() for f in files)
    assert threads and threading.get_ident() not in threads  # the work ran on a worker
    assert seen and seen == sorted(seen) and seen[-1] == 100
    assert len(set(seen)) > 3  # real steps, not just 0 and 100
    assert d.open_file_button.isVisibleTo(d) and d.open_folder_button.isVisibleTo(d)
    assert files[0].name in d.status_label.text()
    assert d.cancel_button.text() == "Close" and d.export_button.isEnabled()


def test_cancel_stops_the_export_and_leaves_no_file(
    qtbot: Any, sqlite_services: Services, demo: Any, tmp_path: Path, threaded: None
) -> None:
    d = _dialog(qtbot, sqlite_services, demo.id, tmp_path)
    _pick(d.template_box, "dossier")
    gate = threading.Event()
    started = threading.Event()
    d.services = _Spy(sqlite_services, set(), started=started, gate=gate)
    _check_first(qtbot, d)
    with qtbot.waitSignal(d.export_finished, timeout=60000) as blocker:
        d.export_button.click()
        assert started.wait(30)  # the worker is inside the export, waiting at the gate
        d.cancel_button.click()  # same button: "Cancel" while running
        assert d.status_label.text() == "Cancelling…"
        gate.set()
    assert blocker.args[0] == []
    assert d.status_label.text() == "Cancelled."
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert not d.open_file_button.isVisibleTo(d)


def test_data_exports_from_the_dialog_are_redacted(
    qtbot: Any, sqlite_services: Services, demo: Any, tmp_path: Path
) -> None:
    secrets, _, _ = add_confidential(sqlite_services, demo.id)
    d = _dialog(qtbot, sqlite_services, demo.id, tmp_path)
    for key in ("pdf", "docx"):
        d.format_checks[key].setChecked(False)
    for key in ("csv", "json"):
        d.format_checks[key].setChecked(True)
    _check_first(qtbot, d)
    with qtbot.waitSignal(d.export_finished, timeout=60000) as blocker:
        d.export_button.click()
    files = [Path(p) for p in blocker.args[0]]
    assert sorted(f.name.rsplit("-", 1)[-1] for f in files) == [
        "brief.json",
        "events.csv",
        "people.csv",
        "quotes.csv",
        "sources.csv",
    ]
    csvs = [f for f in files if f.suffix == ".csv"]
    assert all(f.read_bytes().startswith(b"\xef\xbb\xbf") for f in csvs)  # BOM for spreadsheets
    data = json.loads(next(f for f in files if f.suffix == ".json").read_text("utf-8"))
    assert "a local official" in {q["speaker"] for q in data["quotes"]}
    text = "\n".join(f.read_text("utf-8-sig") for f in files)
    assert "مظلوم عبدي" in text  # Arabic survives the round trip
    for secret in secrets:
        assert secret not in text


def test_open_file_and_folder_after_export(
    qtbot: Any, sqlite_services: Services, demo: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(
        "ui.export_dialog.QDesktopServices.openUrl", lambda url: opened.append(url.toLocalFile())
    )
    d = _dialog(qtbot, sqlite_services, demo.id, tmp_path)
    d.format_checks["docx"].setChecked(False)
    assert not d.open_file_button.isVisibleTo(d)
    _check_first(qtbot, d)
    with qtbot.waitSignal(d.export_finished, timeout=60000) as blocker:
        d.export_button.click()
    (pdf,) = [Path(p) for p in blocker.args[0]]
    assert d.open_file_button.isVisibleTo(d) and d.open_folder_button.isVisibleTo(d)
    d.open_file_button.click()
    d.open_folder_button.click()
    assert [Path(p) for p in opened] == [pdf, tmp_path / "out"]


def test_failure_is_shown_in_plain_words(
    qtbot: Any, sqlite_services: Services, demo: Any, tmp_path: Path
) -> None:
    blocker_file = tmp_path / "a-file"
    blocker_file.write_text("not a folder")
    d = _dialog(qtbot, sqlite_services, demo.id, tmp_path)
    d.folder_edit.setText(str(blocker_file / "sub"))
    d.run_check()
    with qtbot.waitSignal(d.export_failed, timeout=30000) as blocker:
        d.export_button.click()
    assert blocker.args[0].startswith("cannot create the folder")
    assert d.status_label.text() == blocker.args[0]
    assert not d.running and d.export_button.isEnabled()


class _Spy:
    """The services, with ``exports`` recording the thread it runs on (and optionally held)."""

    def __init__(
        self,
        svc: Services,
        threads: set[int],
        started: threading.Event | None = None,
        gate: threading.Event | None = None,
    ) -> None:
        self._svc = svc
        self._threads = threads
        self._started = started
        self._gate = gate

    def __getattr__(self, name: str) -> Any:
        return getattr(self._svc, name)

    @property
    def exports(self) -> Any:
        real = self._svc.exports
        spy = self

        class _Exports:
            def export(self, *args: Any, **kw: Any) -> Any:
                spy._threads.add(threading.get_ident())
                if spy._started is not None and spy._gate is not None:
                    spy._started.set()
                    spy._gate.wait(30)
                return real.export(*args, **kw)

            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

        return _Exports()
