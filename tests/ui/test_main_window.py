"""The window driven as a journalist would: linking, annotating, undo, drag and drop, layout."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDockWidget, QLineEdit

from services.container import Services
from tests.ui.dnd import drag_event
from ui.app import install_excepthook
from ui.main_window import MainWindow
from ui.reader_view import OffsetMap

# The offscreen platform warns that it cannot size native windows for docks; harmless.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _shown_ids(pane: Any) -> list[int]:
    while pane.model.canFetchMore():
        pane.model.fetchMore()
    return [pane.id_at(r) for r in range(pane.proxy.rowCount())]


def _person(svc: Services, case_id: int, name: str) -> Any:
    p = svc.people.find(case_id, name)
    assert p is not None
    return p


def _click_row(qtbot: Any, pane: Any, ident: int) -> None:
    """Click the row showing ``ident`` in a pane, as a user would."""
    row = next(r for r in range(pane.proxy.rowCount()) if pane.id_at(r) == ident)
    view = pane.view
    rect = view.visualRect(pane.proxy.index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# --- Linking


def test_window_opens_on_the_case_with_every_pane_filled(window: MainWindow, demo: Any) -> None:
    assert window.case_id == demo.id
    for pane in window.panes.values():
        assert pane.proxy.rowCount() > 0


def test_selecting_a_person_shows_only_their_quotes_events_and_sources(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    siyamend = _person(svc, demo.id, "Siyamend Ali")
    _click_row(qtbot, window.people, siyamend.id)
    theirs = [q.id for q in svc.quotes.list(demo.id, speaker_id=siyamend.id)]
    assert theirs and _shown_ids(window.quotes) == theirs
    assert {q.speaker_id for q in window.quotes.model.loaded()} == {siyamend.id}
    assert _shown_ids(window.events) == [
        e.id for e in svc.events.list(demo.id, person_id=siyamend.id)
    ]
    assert _shown_ids(window.sources) == [
        s.id for s in svc.sources.list(demo.id, person_id=siyamend.id)
    ]
    assert window.focus == ("person", siyamend.id)
    assert "Siyamend Ali" in window.card.label.text()
    window.show_all()
    assert len(_shown_ids(window.quotes)) == svc.quotes.count(demo.id)


def test_selecting_an_event_shows_its_people_quotes_and_sources(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    event = next(e for e in svc.events.list(demo.id) if e.title.startswith("SDF captures"))
    _click_row(qtbot, window.events, event.id)
    assert _shown_ids(window.quotes) == sorted(event.quote_ids)
    assert set(_shown_ids(window.people)) >= set(event.person_ids)
    assert _shown_ids(window.sources) == list(event.source_ids)
    assert "Deir el-Zour" in window.card.label.text()  # the place card
    assert "دير الزور" in window.card.label.text()


def test_selecting_a_quote_opens_its_source_with_the_span_selected(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    quote = sqlite_services.quotes.list(demo.id)[3]
    _click_row(qtbot, window.quotes, quote.id)
    assert window.reader.source.id == quote.source_id
    cursor = window.reader.text_edit.textCursor()
    assert cursor.position() in (quote.start, quote.end)
    assert len(window.reader.text_edit.extraSelections()) == sqlite_services.quotes.count(
        demo.id, source_id=quote.source_id
    )


def test_selecting_a_source_shows_its_quotes_and_the_people_it_mentions(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    source = svc.sources.list(demo.id)[0]
    _click_row(qtbot, window.sources, source.id)
    assert _shown_ids(window.quotes) == [q.id for q in svc.quotes.list(source_id=source.id)]
    assert _shown_ids(window.people) == [
        p.id for p in svc.people.list(demo.id, source_id=source.id)
    ]
    assert window.reader.source.id == source.id
    assert "grade B2" in window.reader.meta.text()


def test_back_and_forward_walk_the_selection_history(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    a = _person(svc, demo.id, "Siyamend Ali")
    b = _person(svc, demo.id, "Mazloum Abdi")
    window.select_item("person", a.id)
    window.select_item("person", b.id)
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.focus == ("person", a.id)
    assert {q.speaker_id for q in window.quotes.model.loaded()} == {a.id}
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.focus == ("person", b.id)


def test_back_and_forward_are_greyed_out_with_nowhere_to_go(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    assert not window.act_back.isEnabled() and not window.act_forward.isEnabled()  # at start
    window.select_item("person", _person(svc, demo.id, "Siyamend Ali").id)
    window.select_item("person", _person(svc, demo.id, "Mazloum Abdi").id)
    assert window.act_back.isEnabled() and not window.act_forward.isEnabled()
    window.act_back.trigger()
    assert not window.act_back.isEnabled() and window.act_forward.isEnabled()
    # Another case starts a new history.
    other = svc.cases.create("Another story").id
    window.reload_cases()
    idx = window.case_combo.findData(other)
    window.case_combo.setCurrentIndex(idx)
    window.case_combo.activated.emit(idx)  # what choosing an entry in the list sends
    assert window.case_id == other
    assert not window.act_back.isEnabled() and not window.act_forward.isEnabled()


# --- Annotating and undo


def test_quoting_a_selected_span_creates_the_quote_and_undo_removes_it(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    source = svc.sources.list(demo.id)[0]
    window.select_item("source", source.id)
    text = svc.sources.get_text(source.id)
    words = "Despite its territorial defeat in March 2019"
    start = text.index(words)
    window.reader.select_span(start, start + len(words))
    window.ask_speaker = lambda: "مظلوم عبدي"  # an alias of Mazloum Abdi
    before = svc.quotes.count(demo.id)
    qtbot.keyClick(
        window.reader.text_edit,
        Qt.Key.Key_Q,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert svc.quotes.count(demo.id) == before + 1
    made = [q for q in svc.quotes.list(source_id=source.id) if q.start == start]
    assert len(made) == 1
    q = made[0]
    assert (q.start, q.end, q.text) == (start, start + len(words), words)
    assert q.speaker_id == _person(svc, demo.id, "Mazloum Abdi").id
    assert q.id in _shown_ids(window.quotes)

    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert svc.quotes.count(demo.id) == before
    assert not [x for x in svc.quotes.list(source_id=source.id) if x.start == start]
    assert q.id not in _shown_ids(window.quotes)

    qtbot.keyClick(
        window,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert svc.quotes.get(q.id).text == words


def test_quote_offsets_count_code_points_not_utf16_units(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    note = "Met at the café 😀🇸🇾 at noon. She said: 𝒜 claim about 𝔇eir ez-Zor, then left."
    sid = window.new_note("Interview, 3 Feb", note)
    assert sid is not None and svc.sources.get(sid).kind.value == "interview_note"
    words = "𝒜 claim about 𝔇eir ez-Zor"
    start = note.index(words)
    window.reader.select_span(start, start + len(words))
    qt_cursor = window.reader.text_edit.textCursor()
    assert qt_cursor.selectionStart() > start  # Qt counts the emoji as two units each
    assert qt_cursor.selectedText() == words
    qid = window.create_quote(*window.reader.selected_span(), speaker="")
    q = svc.quotes.get(qid)
    assert (q.start, q.end, q.text) == (start, start + len(words), words)
    assert q.speaker_id is None


def test_offset_map_round_trips() -> None:
    text = "a😀b𝒜c"
    m = OffsetMap(text)
    assert [m.to_qt(i) for i in range(len(text) + 1)] == [0, 1, 3, 4, 6, 7]
    assert [m.to_py(m.to_qt(i)) for i in range(len(text) + 1)] == list(range(len(text) + 1))
    assert m.to_py(2) == 1  # inside the emoji's pair: the emoji itself


def test_a_new_speaker_is_created_on_the_spot_and_undo_removes_them(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    source = svc.sources.list(demo.id)[0]
    window.select_item("source", source.id)
    text = svc.sources.get_text(source.id)
    words = "Several Arab tribal leaders"
    start = text.index(words)
    qid = window.create_quote(start, start + len(words), words, speaker="Unnamed tribal elder")
    speaker = svc.people.find(demo.id, "Unnamed tribal elder")
    assert speaker is not None and svc.quotes.get(qid).speaker_id == speaker.id
    window.undo_stack.undo()
    assert svc.people.find(demo.id, "Unnamed tribal elder") is None


def test_delete_asks_then_deletes_and_undo_restores(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    quote = svc.quotes.list(demo.id)[0]
    asked: list[str] = []
    window.confirm = lambda question: asked.append(question) or False
    _click_row(qtbot, window.quotes, quote.id)
    window.quotes.view.setFocus()
    qtbot.keyClick(window.quotes.view, Qt.Key.Key_Delete)
    assert asked and svc.quotes.get(quote.id)  # said no: still there
    window.confirm = lambda question: True
    qtbot.keyClick(window.quotes.view, Qt.Key.Key_Delete)
    assert quote.id not in [q.id for q in svc.quotes.list(demo.id)]
    window.undo_stack.undo()
    assert svc.quotes.get(quote.id).text == quote.text


# --- Editing


def test_editing_a_field_saves_at_once_and_undoes(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    person = _person(svc, demo.id, "Siyamend Ali")
    window.select_item("person", person.id)
    role = window.editor.widgets["role"]
    assert isinstance(role, QLineEdit)
    role.setText("Spokesman")
    role.editingFinished.emit()
    assert svc.people.get(person.id).role == "Spokesman"
    tags = window.editor.widgets["tags"]
    assert isinstance(tags, QLineEdit)
    tags.setText("SDF, spokespeople")
    tags.editingFinished.emit()
    assert svc.people.get(person.id).tags == ("SDF", "spokespeople")
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert svc.people.get(person.id).role == person.role
    assert svc.people.get(person.id).tags == ()


def test_event_dates_are_edited_with_their_precision(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    event = svc.events.list(demo.id)[0]
    window.select_item("event", event.id)
    field = window.editor.widgets["date"]
    assert isinstance(field, QLineEdit)
    field.setText("late 2021-01")
    field.editingFinished.emit()
    assert svc.events.get(event.id).date.label() == "late Jan 2021"
    field.setText("not a date")
    field.editingFinished.emit()
    assert window.message_bar.isVisible()
    assert "not a date" in window.message_bar.label.text()


def test_merging_people_moves_their_quotes(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    dup = svc.people.create(demo.id, "S. Ali")
    q = svc.quotes.list(demo.id)[0]
    svc.quotes.update(q.id, speaker_id=dup.id)
    keep = _person(svc, demo.id, "Siyamend Ali")
    window.merge_people(keep.id, dup.id)
    assert svc.quotes.get(q.id).speaker_id == keep.id
    assert "S. Ali" in svc.people.get(keep.id).aliases


# --- Drag and drop


def test_dropping_a_quote_on_an_event_links_it(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    window.focus_pane("event")
    quote = svc.quotes.list(demo.id)[6]
    event = svc.events.list(demo.id)[0]
    assert quote.id not in event.quote_ids
    # What a drag from the Quotes pane carries:
    qrow = next(
        r for r in range(window.quotes.proxy.rowCount()) if window.quotes.id_at(r) == quote.id
    )
    mime = window.quotes.proxy.mimeData([window.quotes.proxy.index(qrow, 0)])
    # ...dropped on the event's row in the Events pane:
    erow = next(
        r for r in range(window.events.proxy.rowCount()) if window.events.id_at(r) == event.id
    )
    view = window.events.view
    pos = view.visualRect(window.events.proxy.index(erow, 0)).center()
    actions = Qt.DropAction.LinkAction | Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    # The sequence Qt's drag machinery delivers: enter, move over the row, drop.
    enter = drag_event(QDragEnterEvent, pos.toPointF(), actions, mime)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    move = drag_event(QDragMoveEvent, pos.toPointF(), actions, mime)
    QApplication.sendEvent(view.viewport(), move)
    assert move.isAccepted()
    drop = QDropEvent(pos.toPointF(), actions, mime, buttons, mods)
    drop.setAccepted(False)
    QApplication.sendEvent(view.viewport(), drop)
    if not drop.isAccepted():  # some platforms route drops only during a real QDrag
        view.dropEvent(drop)
    assert drop.isAccepted()
    assert quote.id in svc.events.get(event.id).quote_ids
    window.undo_stack.undo()
    assert quote.id not in svc.events.get(event.id).quote_ids


def test_dropping_files_on_the_window_imports_them(
    window: MainWindow, sqlite_services: Services, demo: Any, tmp_path: Path
) -> None:
    from PySide6.QtCore import QMimeData, QUrl

    f = tmp_path / "interview_with_official.txt"
    f.write_text("The official said the road was closed.\n", encoding="utf-8")
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"\xff\xd8\xff")
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(f)), QUrl.fromLocalFile(str(bad))])
    drop = QDropEvent(
        QPoint(10, 10).toPointF(),
        Qt.DropAction.CopyAction,
        md,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(drop)
    titles = [s.title for s in sqlite_services.sources.list(demo.id)]
    assert "interview with official" in titles
    assert "photo.jpg" in window.message_bar.label.text()
    assert "Traceback" not in window.message_bar.label.text()


# --- Search, keyboard, errors


def test_search_field_filters_the_visible_lists(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_edit.hasFocus() or QApplication.focusWidget() is window.search_edit
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        qtbot.keyClicks(window.search_edit, "coalition")
    shown = [window.quotes.proxy.index(r, 0).data() for r in range(window.quotes.proxy.rowCount())]
    assert shown and all("coalition" in s.lower() or "Marotto" in s for s in shown)
    assert window.quotes.proxy.rowCount() < sqlite_services.quotes.count(demo.id)


def test_alt_number_focuses_each_pane(qtbot: Any, window: MainWindow) -> None:
    for n, kind in enumerate(("source", "quote", "person", "event"), start=1):
        qtbot.keyClick(window, getattr(Qt.Key, f"Key_{n}"), Qt.KeyboardModifier.AltModifier)
        assert QApplication.focusWidget() is window.panes[kind].view


def test_unexpected_errors_show_a_plain_message_not_a_traceback(window: MainWindow) -> None:
    old = sys.excepthook
    try:
        install_excepthook(window.show_error)
        try:
            raise KeyError("boom")
        except KeyError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    finally:
        sys.excepthook = old
    text = window.message_bar.label.text()
    assert "Something went wrong" in text and "Traceback" not in text


def test_person_card_shows_arabic_aliases_right_to_left(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    mazloum = _person(sqlite_services, demo.id, "Mazloum Abdi")
    window.select_item("person", mazloum.id)
    html = window.card.label.text()
    assert '<p dir="rtl" align="right" style="margin:0">مظلوم عبدي</p>' in html
    assert "General Commander" in html or "SDF" in html or "Syrian Democratic Forces" in html


def test_timeline_draws_days_as_points_and_ranges_as_bars(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    from PySide6.QtWidgets import QGraphicsEllipseItem, QGraphicsRectItem

    from models.dates import PartialDate

    svc = sqlite_services
    day = svc.events.create(demo.id, "Press conference", date=PartialDate.parse("2021-02-02"))
    window.refresh()
    window.events_tabs.setCurrentWidget(window.timeline_pane)  # the Timeline tab, drawn when shown
    items = window.timeline.items_by_event
    assert isinstance(items[day.id], QGraphicsEllipseItem)
    late = next(e for e in svc.events.list(demo.id) if e.title.startswith("Two local leaders"))
    assert isinstance(items[late.id], QGraphicsRectItem)
    assert items[late.id].rect().width() > items[day.id].rect().width()
    zoom = window.timeline.zoom
    window.timeline.zoom_by(2.0)
    assert window.timeline.zoom == pytest.approx(zoom * 2)
    # Linked to a person, the timeline shows only their events.
    siyamend = _person(svc, demo.id, "Siyamend Ali")
    window.select_item("person", siyamend.id)
    shown = set(window.timeline.items_by_event)
    assert shown == {e.id for e in svc.events.list(demo.id, person_id=siyamend.id)}


# --- Layout


def test_layout_and_last_case_are_restored_on_restart(
    make_window: Callable[[], MainWindow], sqlite_services: Services, demo: Any
) -> None:
    other = sqlite_services.cases.create("Second case")
    w = make_window()
    w.show()
    w.open_case(other.id)
    quotes_dock = w.findChild(QDockWidget, "quotesDock")
    w.removeDockWidget(quotes_dock)
    w.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, quotes_dock)
    quotes_dock.show()
    w.findChild(QDockWidget, "cardDock").hide()
    w.resize(760, 560)
    w.quotes.view.setColumnWidth(1, 333)
    w.close()

    again = make_window()
    again.show()
    assert again.case_id == other.id
    dock = again.findChild(QDockWidget, "quotesDock")
    assert again.dockWidgetArea(dock) == Qt.DockWidgetArea.TopDockWidgetArea
    assert not again.findChild(QDockWidget, "cardDock").isVisible()
    assert (again.width(), again.height()) == (760, 560)
    assert again.quotes.view.columnWidth(1) == 333


def test_a_store_without_a_case_says_what_to_do_until_a_case_opens(
    make_window: Any, sqlite_services: Services
) -> None:
    """A first start: the panes are empty and the message bar names the two menu items that
    start a case; opening one (here the demo) takes the notice away."""
    from ui.main_window import NO_CASE_YET

    window = make_window()
    window.show()
    assert window.case_id is None
    assert window.message_bar.isVisible()
    assert window.message_bar.label.text() == NO_CASE_YET
    menu_items = {a.text().replace("&", "") for a in window.menuBar().actions()[0].menu().actions()}
    assert {"New case…", "Open the demo case"} <= menu_items  # the notice's words are real
    window.act_demo.trigger()
    assert window.case_id is not None
    assert not window.message_bar.isVisible()
    assert window.quotes.proxy.rowCount() > 0
