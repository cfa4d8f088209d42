"""Saved searches in the window, driven as a journalist would, and search matches in the reader."""

from __future__ import annotations

import sys
from typing import Any

import pytest
import sqlalchemy as sa

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QInputDialog, QMessageBox, QPlainTextEdit, QToolBar

from models.entities import SavedSearch
from services.container import Services
from services.errors import DuplicateError, NotFoundError, ValidationError
from ui.main_window import MainWindow
from ui.panes.saved_searches import (
    MATCH_COLOUR,
    MATCH_COLOUR_DARK,
    NAME,
    QUERY,
    QUOTES,
    SOURCES,
    SavedSearchesTableModel,
    SearchHighlighter,
    plain_words,
)
from ui.table_models import IdRole

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


# --- Helpers


def _shown_ids(pane: Any) -> list[int]:
    while pane.model.canFetchMore():
        pane.model.fetchMore()
    return [pane.id_at(r) for r in range(pane.proxy.rowCount())]


def _listed(window: MainWindow) -> list[tuple[str, str]]:
    m = window.saved_searches.model
    return [
        (str(m.index(r, NAME).data()), str(m.index(r, QUERY).data())) for r in range(m.rowCount())
    ]


def _type_search(qtbot: Any, window: MainWindow, text: str) -> None:
    window.search_edit.clear()
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        qtbot.keyClicks(window.search_edit, text)


def _answer_name(monkeypatch: Any, name: str, ok: bool = True) -> list[str]:
    """Answer the name dialogs with ``name``; returns the prompts shown."""
    asked: list[str] = []

    def get_text(parent: Any, title: str, label: str, *a: Any, **kw: Any) -> tuple[str, bool]:
        asked.append(label)
        return name, ok

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(get_text))
    return asked


def _answer_question(monkeypatch: Any, yes: bool) -> list[str]:
    """Answer QMessageBox.question with Yes or No; returns the questions asked."""
    asked: list[str] = []

    def question(parent: Any, title: str, text: str, *a: Any, **kw: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Yes if yes else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return asked


def _save(qtbot: Any, window: MainWindow, monkeypatch: Any, query: str, name: str) -> int:
    _type_search(qtbot, window, query)
    _answer_name(monkeypatch, name)
    window.act_save_search.trigger()
    saved = window.saved_searches.selected()
    assert saved is not None and saved.name == name
    return saved.id


def _double_click(qtbot: Any, window: MainWindow, saved_id: int) -> None:
    pane = window.saved_searches
    row = pane.model.row_of(saved_id)
    assert row is not None
    rect = pane.view.visualRect(pane.model.index(row, NAME))
    vp = pane.view.viewport()
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(vp, Qt.MouseButton.LeftButton, pos=rect.center())


# --- The pane


def _menu(window: MainWindow, title: str) -> Any:
    return next(m for m in window.menuBar().actions() if m.text() == title).menu()


def test_the_pane_is_a_dock_with_a_view_menu_toggle_and_alt_5(window: MainWindow) -> None:
    dock = window.saved_dock
    assert dock.widget() is window.saved_searches
    assert dock.toggleViewAction() in _menu(window, "&View").actions()
    assert window.act_save_search in _menu(window, "&Edit").actions()
    toolbar = window.findChild(QToolBar, "mainToolbar")
    assert window.act_save_search in toolbar.actions()
    dock.hide()
    alt5 = next(a for a in window.pane_actions if a.shortcut().toString() == "Alt+5")
    alt5.trigger()
    assert dock.isVisible()
    assert window.saved_searches.view.hasFocus() or not window.isActiveWindow()


def test_type_a_query_save_it_and_see_it_listed_with_its_hits(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    assert _listed(window) == []
    assert window.saved_searches.empty_label.isVisibleTo(window.saved_searches)
    _type_search(qtbot, window, "coalition")
    asked = _answer_name(monkeypatch, "  Coalition quotes ")
    window.act_save_search.trigger()
    assert asked and "coalition" in asked[0]
    assert _listed(window) == [("Coalition quotes", "coalition")]
    assert "Saved the search “Coalition quotes”" in window.message_bar.label.text()
    m = window.saved_searches.model
    quotes, sources = sqlite_services.search.count(demo.id, "coalition")
    assert quotes > 0
    assert m.index(0, QUOTES).data() == f"{quotes:,}"
    assert m.index(0, SOURCES).data() == f"{sources:,}"
    assert [s.name for s in sqlite_services.search.list_saved(demo.id)] == ["Coalition quotes"]
    assert not window.saved_searches.empty_label.isVisibleTo(window.saved_searches)


def test_the_pane_follows_the_case_switch_and_back(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    _save(qtbot, window, monkeypatch, "coalition", "Coalition")
    other = sqlite_services.cases.create("Another case")
    sqlite_services.search.save(None, "Everywhere", "border")
    window.reload_cases()
    window.open_case(other.id)
    assert _listed(window) == [("Everywhere", "border")]
    window.open_case(demo.id)
    assert _listed(window) == [("Coalition", "coalition"), ("Everywhere", "border")]
    tip = window.saved_searches.model.index(1, NAME).data(Qt.ItemDataRole.ToolTipRole)
    assert "every case" in tip


def test_double_click_runs_it_and_the_quotes_pane_shows_only_the_hits(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    saved_id = _save(qtbot, window, monkeypatch, "coalition", "Coalition")
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        window.search_edit.clear()
    everything = _shown_ids(window.quotes)
    hits = sqlite_services.search.ids(demo.id, "coalition")
    assert hits and len(everything) > len(hits)
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        _double_click(qtbot, window, saved_id)
    assert window.search_edit.text() == "coalition"
    shown = _shown_ids(window.quotes)
    assert sorted(shown) == sorted(hits)
    for qid in shown:
        assert "coalition" in sqlite_services.quotes.get(qid).text.lower()
    source_hits = {sqlite_services.quotes.get(q).source_id for q in hits}
    source_hits |= set(sqlite_services.search.ids(demo.id, "coalition", kind="sources"))
    assert set(_shown_ids(window.sources)) == source_hits


def test_enter_runs_the_selected_saved_search(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    _save(qtbot, window, monkeypatch, "border", "Border")
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        window.search_edit.clear()
    window.saved_searches.view.setFocus()
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        qtbot.keyClick(window.saved_searches.view, Qt.Key.Key_Return)
    assert window.search_edit.text() == "border"
    assert sorted(_shown_ids(window.quotes)) == sorted(
        sqlite_services.search.ids(demo.id, "border")
    )


def test_delete_asks_first_and_the_delete_key_deletes_no_quote(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    saved_id = _save(qtbot, window, monkeypatch, "coalition", "Coalition")
    window.select_item("quote", _shown_ids(window.quotes)[0])  # a quote the window could delete
    window.confirm = lambda question: pytest.fail(f"the window asked: {question}")
    quotes_before = sqlite_services.quotes.count(demo.id)
    window.saved_searches.select_id(saved_id)
    window.saved_searches.view.setFocus()
    asked = _answer_question(monkeypatch, yes=False)
    qtbot.keyClick(window.saved_searches.view, Qt.Key.Key_Delete)
    assert asked == [
        "Delete the saved search “Coalition”? Its quotes and sources stay in the case."
    ]
    assert _listed(window) == [("Coalition", "coalition")]
    asked = _answer_question(monkeypatch, yes=True)
    qtbot.keyClick(window.saved_searches.view, Qt.Key.Key_Delete)
    assert len(asked) == 1
    assert _listed(window) == []
    assert sqlite_services.search.list_saved(demo.id) == []
    assert sqlite_services.quotes.count(demo.id) == quotes_before
    assert "Deleted the saved search “Coalition”" in window.message_bar.label.text()


def test_a_malformed_saved_query_shows_a_message_and_does_not_run(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    saved_id = _save(qtbot, window, monkeypatch, "coalition", "Old syntax")
    # Saved under an older query language: no longer valid.
    with sqlite_services.store.sessions.begin() as s:
        s.execute(sa.update(SavedSearch).where(SavedSearch.id == saved_id).values(query='"open'))
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        window.search_edit.clear()
    window.saved_searches.reload()
    m = window.saved_searches.model
    assert m.index(0, QUOTES).data() == "—"
    assert "Cannot run" in m.index(0, NAME).data(Qt.ItemDataRole.ToolTipRole)
    _double_click(qtbot, window, saved_id)
    text = window.message_bar.label.text()
    assert window.message_bar.isVisible()
    assert text.startswith("The saved search “Old syntax” cannot run: ")
    assert "Traceback" not in text
    assert window.search_edit.text() == ""


def test_saving_refuses_duplicates_empty_and_malformed_searches_in_plain_words(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    _save(qtbot, window, monkeypatch, "coalition", "Coalition")
    _answer_name(monkeypatch, "Coalition")
    window.act_save_search.trigger()
    assert "already called 'Coalition'" in window.message_bar.label.text()
    assert len(_listed(window)) == 1
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        window.search_edit.clear()
    window.act_save_search.trigger()
    assert window.message_bar.label.text() == (
        "Type a search in the search field first, then save it."
    )
    window.search_edit.setText('"unclosed phrase')
    window._search_timer.stop()
    window.act_save_search.trigger()
    assert window.message_bar.label.text().startswith("This search cannot be saved: ")
    _answer_name(monkeypatch, "whatever", ok=False)  # cancelled: nothing happens
    window.search_edit.setText("border")
    window._search_timer.stop()
    window.message_bar.hide()
    window.act_save_search.trigger()
    assert not window.message_bar.isVisible()
    assert len(_listed(window)) == 1


def test_rename_from_the_pane(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    _save(qtbot, window, monkeypatch, "border", "Border")
    saved_id = _save(qtbot, window, monkeypatch, "coalition", "Coalition")
    window.saved_searches.select_id(saved_id)
    asked = _answer_name(monkeypatch, "The coalition")
    window.saved_searches.act_rename.trigger()
    assert asked == ["New name:"]
    assert _listed(window) == [("Border", "border"), ("The coalition", "coalition")]
    assert window.saved_searches.selected_id() == saved_id
    _answer_name(monkeypatch, "Border")
    window.saved_searches.act_rename.trigger()
    assert "already called 'Border'" in window.message_bar.label.text()
    assert sqlite_services.search.get_saved(saved_id).name == "The coalition"


def test_actions_need_a_selection(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    pane = window.saved_searches
    assert not pane.act_run.isEnabled() and not pane.act_delete.isEnabled()
    _save(qtbot, window, monkeypatch, "coalition", "Coalition")
    assert pane.act_run.isEnabled() and pane.act_rename.isEnabled()
    pane.view.clearSelection()
    assert not pane.act_rename.isEnabled()
    assert pane.delete_selected() is False


def test_the_model_passes_the_model_tester(
    qtmodeltester: Any, sqlite_services: Services, demo: Any
) -> None:
    a = sqlite_services.search.save(demo.id, "A", "coalition")
    b = sqlite_services.search.save(demo.id, "B", '"border crossing"')
    model = SavedSearchesTableModel()
    model.set_rows([a, b])
    model.set_hits({a.id: ("3", "1"), b.id: "unbalanced quotation marks"})
    qtmodeltester.check(model)
    assert model.index(1, NAME).data(IdRole) == b.id


# --- The service's saved-search rename (both engines)


def test_rename_saved_on_each_engine(services: Services) -> None:
    case = services.cases.create("Case")
    other = services.cases.create("Other")
    a = services.search.save(case.id, "Border", "border")
    services.search.save(case.id, "Coalition", "coalition")
    services.search.save(other.id, "Renamed", "x")  # another case's name does not clash
    renamed = services.search.rename_saved(a.id, "  Renamed ")
    assert renamed.name == "Renamed" and renamed.query == "border" and renamed.id == a.id
    assert services.search.get_saved(a.id).name == "Renamed"
    with pytest.raises(DuplicateError, match="already called 'Coalition'"):
        services.search.rename_saved(a.id, "Coalition")
    assert services.search.rename_saved(a.id, "Renamed").name == "Renamed"  # its own name
    with pytest.raises(ValidationError, match="give the saved search a name"):
        services.search.rename_saved(a.id, "  ")
    with pytest.raises(ValidationError, match="200 characters"):
        services.search.rename_saved(a.id, "x" * 201)
    with pytest.raises(NotFoundError):
        services.search.rename_saved(a.id + 1000, "Nope")
    every = services.search.save(None, "Everywhere", "border")
    services.search.save(None, "Everywhere 2", "coalition")
    with pytest.raises(DuplicateError):
        services.search.rename_saved(every.id, "Everywhere 2")
    assert services.search.rename_saved(every.id, "Coalition").name == "Coalition"


# --- Matches highlighted in the reader


def test_the_matches_are_highlighted_in_the_reader_after_a_search(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    _type_search(qtbot, window, "coalition")
    first = _shown_ids(window.quotes)[0]
    window.select_item("quote", first)
    marked = window.search_marks.marked()
    source_text = sqlite_services.sources.get_text(sqlite_services.quotes.get(first).source_id)
    assert marked and all(w.lower() == "coalition" for w in marked)
    assert len(marked) == source_text.lower().count("coalition")
    fmt = window.search_marks.match_format()
    assert fmt.fontUnderline() and fmt.background().color().isValid()
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        window.search_edit.clear()
    assert window.search_marks.marked() == []
    assert window.reader.source is not None  # the reader still shows the text, unmarked


def test_reader_marks_follow_the_forgiving_matching_past_wide_characters(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    text = (
        "Reported 🙂 from Deir Ezzor today.\n"
        "قال مسؤول في دِيرِ الزُّور إن الوضع هادئ.\n"
        "Nothing about it here; but DEÎR EZZÔR again, and -Ezzor."
    )
    src = sqlite_services.sources.add(demo.id, title="Mixed", text=text)
    start = text.index("Deir Ezzor")
    q = sqlite_services.quotes.create(src.id, start, start + len("Deir Ezzor"))
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        window.search_edit.setText('"deir ezzor" OR "دير الزور"')  # keyClicks types ASCII only
    assert q.id in _shown_ids(window.quotes)
    window.select_item("quote", q.id)
    assert window.search_marks.marked() == [
        "Deir Ezzor",
        "دِيرِ الزُّور",
        "DEÎR EZZÔR",
    ]
    # A malformed search marks nothing (the message bar says why).
    window.search_marks.set_query('"open')
    assert window.search_marks.marked() == []


# --- People and events beside a search


def test_plain_words_are_what_the_unindexed_panes_can_filter_by() -> None:
    assert plain_words("coalition") == "coalition"
    assert plain_words("Mazloum Abdi") == "Mazloum Abdi"
    assert plain_words('"Mazloum Abdi"') == "Mazloum Abdi"
    assert plain_words("bord*") == "bord"
    assert plain_words("دير الزور") == "دير الزور"
    for query in ("coalition OR forces", "abdi -border", 'speaker:"Mazloum Kobani"', '"open'):
        assert plain_words(query) == ""


def test_a_query_with_operators_leaves_people_and_events_unfiltered(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    every_event = len(sqlite_services.events.list(demo.id))
    saved_id = _save(qtbot, window, monkeypatch, "coalition OR forces", "Either")
    assert window.events.proxy.rowCount() == every_event > 0
    assert window.people.proxy.rowCount() == window.people.model.rowCount() > 0
    _type_search(qtbot, window, "Mazloum")
    people = [window.people.proxy.index(r, 0).data() for r in range(window.people.proxy.rowCount())]
    assert people == ["Mazloum Abdi"]
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        _double_click(qtbot, window, saved_id)
    assert window.events.proxy.rowCount() == every_event
    assert len(_shown_ids(window.quotes)) == len(
        sqlite_services.search.ids(demo.id, "coalition OR forces")
    )


def test_marking_many_matches_keeps_the_interpreter_whole(qtbot: Any) -> None:
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None per void call (setFormat),
    so marking 20,000 matches ended the process in none_dealloc; pyproject.toml keeps it out."""
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    marks = SearchHighlighter(editor)
    editor.setPlainText("\n".join("border " * 50 for _ in range(400)))
    before = sys.getrefcount(None)
    marks.set_query("border")
    assert len(marks.marked()) == 20_000
    assert sys.getrefcount(None) >= before - 100
    marks.set_query("")
    assert marks.marked() == []


def test_matches_are_recoloured_for_a_dark_palette(qtbot: Any) -> None:
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    marks = SearchHighlighter(editor)
    editor.setPlainText("the border crossing")
    marks.set_query("border")
    assert marks.match_format().background().color() == MATCH_COLOUR
    dark = QPalette(editor.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor(20, 20, 20))
    editor.setPalette(dark)
    assert marks.match_format().background().color() == MATCH_COLOUR_DARK
    assert marks.marked() == ["border"]


# --- Search results without reading every source on the GUI thread


def test_a_search_reads_only_the_sources_it_found_in_hit_order(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    svc = sqlite_services
    for i in range(3):
        svc.sources.add(demo.id, title=f"Report {i}", text=f"Report {i} on the border crossing.")
    listed: list[Any] = []
    real_list = svc.sources.list
    monkeypatch.setattr(
        svc.sources, "list", lambda *a, **k: listed.append((a, k)) or real_list(*a, **k)
    )
    _type_search(qtbot, window, "border")
    assert listed == []  # a case of 100,000 sources would freeze the window for seconds
    found = svc.search.search(demo.id, "border", limit=200)
    expected = list(
        dict.fromkeys([h.source_id for h in found.quotes] + [h.id for h in found.sources])
    )
    assert len(expected) >= 4
    assert _shown_ids(window.sources) == expected


def test_hit_counts_follow_edits_when_shown(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    _save(qtbot, window, monkeypatch, "checkpoint", "Checkpoints")
    m = window.saved_searches.model
    assert m.index(0, SOURCES).data() == "0"
    with qtbot.waitSignal(window.saved_dock.visibilityChanged, timeout=2000):
        window.focus_saved()
    window.new_note("Call with a driver", "The checkpoint at the bridge reopened.")
    assert m.index(0, SOURCES).data() == "1"
    with qtbot.waitSignal(window.saved_dock.visibilityChanged, timeout=2000):
        window.docks["person"].raise_()  # behind People: counted when shown again
    window.new_note("Second call", "Another checkpoint, further east.")
    assert m.index(0, SOURCES).data() == "1"
    window.focus_saved()
    qtbot.waitUntil(lambda: m.index(0, SOURCES).data() == "2", timeout=2000)
