"""More of the window driven as a user would: the reader, editing every field, confidential
marks, search with and without the search service, fonts, palette, backups, background work."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QModelIndex, QRunnable, Qt, QTimer
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
)

from services.container import Services
from tests.ui.dnd import drag_event
from ui import workers
from ui.main_window import SEARCH_PAGE, MainWindow, _hit_ids
from ui.table_models import BATCH, LOCK, IdRole

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _shown_ids(pane: Any) -> list[int]:
    while pane.model.canFetchMore():
        pane.model.fetchMore()
    return [pane.id_at(r) for r in range(pane.proxy.rowCount())]


def _person(svc: Services, case_id: int, name: str) -> Any:
    p = svc.people.find(case_id, name)
    assert p is not None
    return p


def _cells(pane: Any, column: int) -> list[str]:
    while pane.model.canFetchMore():
        pane.model.fetchMore()
    return [str(pane.proxy.index(r, column).data()) for r in range(pane.proxy.rowCount())]


def _drop_on_event(window: MainWindow, mime: Any, event_id: int) -> None:
    """Deliver a drag's enter, move and drop onto an event's row, as Qt's drag machinery does."""
    erow = next(
        r for r in range(window.events.proxy.rowCount()) if window.events.id_at(r) == event_id
    )
    view = window.events.view
    pos = view.visualRect(window.events.proxy.index(erow, 0)).center().toPointF()
    actions = Qt.DropAction.LinkAction | Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = drag_event(QDragEnterEvent, pos, actions, mime)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    QApplication.sendEvent(view.viewport(), drag_event(QDragMoveEvent, pos, actions, mime))
    drop = QDropEvent(pos, actions, mime, buttons, mods)
    drop.setAccepted(False)
    QApplication.sendEvent(view.viewport(), drop)
    if not drop.isAccepted():  # some platforms route drops only during a real QDrag
        view.dropEvent(drop)
    assert drop.isAccepted()


# --- The reader


def test_a_selected_quote_is_scrolled_into_view_in_a_long_source(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    lines = [f"Paragraph {i}: the council met again and nothing was decided." for i in range(400)]
    lines[350] = "Paragraph 350: the mayor said the bridge would reopen in May."
    text = "\n".join(lines)
    sid = window.new_note("Long interview", text)
    assert sid is not None
    words = "the bridge would reopen in May"
    start = text.index(words)
    q = svc.quotes.create(sid, start, start + len(words), text=words)
    window.refresh()
    window.select_item("quote", q.id)
    editor = window.reader.text_edit
    assert editor.verticalScrollBar().value() > 0
    assert editor.viewport().rect().intersects(editor.cursorRect())
    assert editor.textCursor().block().text() == lines[350]
    # The current quote is drawn in the stronger colour.
    colour, strong = window.reader.highlight_colours()
    sels = editor.extraSelections()
    current = [s for s in sels if s.format.background().color() == strong]
    assert len(current) == 1
    assert current[0].cursor.selectedText() == words


def test_reader_shows_metadata_and_lays_out_arabic_paragraphs_right_to_left(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    text = "Notes from the call.\nقال المتحدث إن الطريق مغلق.\nThen the line dropped."
    sid = window.new_note("Call with a spokesman", text)
    assert sid is not None
    svc.sources.update(sid, publisher="Desk notes", reliability="B", credibility="3")
    window.select_item("source", sid)
    meta = window.reader.meta.text()
    for part in ("interview note", "Desk notes", "grade B3", "on record"):
        assert part in meta
    doc = window.reader.text_edit.document()
    directions = [doc.findBlockByNumber(i).blockFormat().layoutDirection() for i in range(3)]
    assert directions[1] == Qt.LayoutDirection.RightToLeft
    assert directions[0] != Qt.LayoutDirection.RightToLeft
    assert directions[2] != Qt.LayoutDirection.RightToLeft


def test_quoting_arabic_text_keeps_exact_offsets(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    text = "Notes.\nقال المتحدث إن الطريق مغلق منذ أسبوع.\n"
    sid = window.new_note("Arabic call", text)
    assert sid is not None
    words = "الطريق مغلق"
    start = text.index(words)
    window.reader.select_span(start, start + len(words))
    window.ask_speaker = lambda: "Mazloum Abdi"
    assert window.reader.request_quote()
    made = svc.quotes.list(source_id=sid)
    assert [(q.start, q.end, q.text) for q in made] == [(start, start + len(words), words)]


def test_quoting_nothing_explains_what_to_do(window: MainWindow) -> None:
    window.reader.clear()
    window.act_quote.trigger()
    assert "Select the words" in window.message_bar.label.text()


def test_the_speaker_completer_offers_names_and_aliases(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    names = window._name_list()
    assert "Mazloum Abdi" in names and "مظلوم عبدي" in names
    quote = sqlite_services.quotes.list(demo.id)[0]
    window.select_item("quote", quote.id)
    speaker = window.editor.widgets["speaker"]
    assert isinstance(speaker, QLineEdit)
    completer = speaker.completer()
    completer.setCompletionPrefix("مظلوم")
    assert completer.currentCompletion() == "مظلوم عبدي"


# --- File > New note through the menu


def test_file_new_note_makes_an_interview_note_source(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    assert window.act_new_note in file_menu.actions()

    def fill() -> None:
        dlg = QApplication.activeModalWidget()
        if not isinstance(dlg, QDialog):  # not open yet: look again shortly
            QTimer.singleShot(10, fill)
            return
        dlg.findChild(QLineEdit).setText("Interview with the mayor, 3 March")
        dlg.findChild(QPlainTextEdit).setPlainText("She said the bridge would reopen.")
        dlg.accept()

    QTimer.singleShot(0, fill)
    window.act_new_note.trigger()
    notes = [s for s in sqlite_services.sources.list(demo.id) if s.title.startswith("Interview")]
    assert len(notes) == 1 and notes[0].kind.value == "interview_note"
    assert sqlite_services.sources.get_text(notes[0].id) == "She said the bridge would reopen."
    assert window.reader.source.id == notes[0].id
    window.undo_stack.undo()
    assert all(s.id != notes[0].id for s in sqlite_services.sources.list(demo.id))


# --- Editing every field


def _set(widget: Any, value: Any) -> None:
    """Change a field's widget as a user would and leave it (which commits)."""
    if isinstance(widget, QComboBox):
        idx = widget.findData(value) if not isinstance(value, str) else widget.findText(value)
        assert idx >= 0, value
        widget.setCurrentIndex(idx)
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QPlainTextEdit):
        widget.setPlainText(value)
        widget.left.emit()  # type: ignore[attr-defined]
    else:
        widget.setText(value)
        widget.editingFinished.emit()


def _edit_all(window: MainWindow, kind: str, ident: int, values: dict[str, Any]) -> None:
    window.select_item(kind, ident)
    for key, value in values.items():
        _set(window.editor.widgets[key], value)


QUOTE_EDITS = {
    "status": "disputed",
    "said": "early 2019-03",
    "checked_by": "R. Desk",
    "note": "Second line\nof the note",
    "language": "de",
    "translation": "ترجمة",
    "translation_language": "ar",
    "translator": "K. Hassan",
    "tags": "military, denial",
}


def test_every_quote_field_is_edited_saved_at_once_and_undone(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    quote = svc.quotes.list(demo.id)[2]
    _edit_all(window, "quote", quote.id, QUOTE_EDITS)
    q = svc.quotes.get(quote.id)
    assert q.status.value == "disputed" and q.checked_at is not None
    assert q.said is not None and q.said.label() == "early Mar 2019"
    assert (q.checked_by, q.note, q.language) == ("R. Desk", "Second line\nof the note", "de")
    assert (q.translation, q.translation_language, q.translator) == ("ترجمة", "ar", "K. Hassan")
    assert q.tags == ("denial", "military")
    assert window.undo_stack.count() == len(QUOTE_EDITS)
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    back = svc.quotes.get(quote.id)
    for key in ("status", "said", "checked_by", "note", "translation", "tags"):
        assert getattr(back, key) == getattr(quote, key)


def test_every_person_field_and_alias_is_edited_and_undone(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    person = _person(svc, demo.id, "Siyamend Ali")
    _edit_all(
        window,
        "person",
        person.id,
        {
            "name": "Siyamend A. Ali",
            "role": "Spokesman",
            "contact": "+963 000 000",
            "descriptor": "a spokesman for an armed group",
            "notes": "Met twice.",
            "confidential": True,
            "aliases": "S. Ali; سيامند علي",
            "tags": "spokespeople",
            "kind": "organisation",
        },
    )
    p = svc.people.get(person.id)
    assert (p.name, p.role, p.contact, p.notes) == (
        "Siyamend A. Ali",
        "Spokesman",
        "+963 000 000",
        "Met twice.",
    )
    assert p.confidential and p.descriptor == "a spokesman for an armed group"
    assert p.aliases == ("S. Ali", "سيامند علي") and p.tags == ("spokespeople",)
    assert p.kind.value == "organisation"
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    back = svc.people.get(person.id)
    assert (back.name, back.role, back.confidential, back.kind, back.aliases, back.tags) == (
        person.name,
        person.role,
        person.confidential,
        person.kind,
        person.aliases,
        person.tags,
    )


def test_every_event_field_is_edited_and_the_place_card_follows(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    event = svc.events.list(demo.id)[0]
    place = next(p for p in svc.places.list(demo.id) if p.id != event.place_id)
    _edit_all(
        window,
        "event",
        event.id,
        {
            "title": "Renamed event",
            "date": "2019-03..2019-04",
            "place_id": place.id,
            "description": "What happened, in two lines.\nSecond line.",
            "tags": "battle",
        },
    )
    e = svc.events.get(event.id)
    assert e.title == "Renamed event" and e.place_id == place.id
    assert e.date is not None and (e.date.start, e.date.end) == (
        dt.date(2019, 3, 1),
        dt.date(2019, 4, 30),
    )
    assert e.description.endswith("Second line.") and e.tags == ("battle",)
    window.select_item("event", event.id)
    assert place.name in window.card.label.text()
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    back = svc.events.get(event.id)
    assert (back.title, back.date, back.place_id, back.tags) == (
        event.title,
        event.date,
        event.place_id,
        event.tags,
    )


def test_every_source_field_is_edited_and_undone(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    source = svc.sources.list(demo.id)[0]
    values = {
        "title": "Renamed article",
        "kind": "web_page",
        "author": "A. Writer",
        "publisher": "The Paper",
        "url": "https://example.org/article",
        "published_on": "2019-04-01",
        "retrieved_at": "2024-05-06 07:08",
        "language": "de",
        "reliability": "C",
        "credibility": "4",
        "confidentiality": "background",
        "descriptor": "a regional newspaper",
        "file_name": "article.txt",
        "note": "Checked against the print edition.",
        "tags": "press",
    }
    _edit_all(window, "source", source.id, values)
    s = svc.sources.get(source.id)
    assert (s.title, s.author, s.publisher, s.url) == (
        "Renamed article",
        "A. Writer",
        "The Paper",
        "https://example.org/article",
    )
    assert s.published_on == dt.date(2019, 4, 1)
    assert s.retrieved_at is not None
    assert s.retrieved_at.astimezone().strftime("%Y-%m-%d %H:%M") == "2024-05-06 07:08"
    assert (s.grade, s.confidentiality.value, s.descriptor) == (
        "C4",
        "background",
        "a regional newspaper",
    )
    assert (s.file_name, s.note, s.tags) == (
        "article.txt",
        "Checked against the print edition.",
        ("press",),
    )
    assert "grade C4" in window.reader.meta.text()
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    back = svc.sources.get(source.id)
    assert (back.title, back.grade, back.retrieved_at, back.file_name) == (
        source.title,
        source.grade,
        source.retrieved_at,
        source.file_name,
    )


def test_a_bad_value_is_refused_in_plain_words(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    source = sqlite_services.sources.list(demo.id)[0]
    window.select_item("source", source.id)
    _set(window.editor.widgets["url"], "not a web address")
    text = window.message_bar.label.text()
    assert window.message_bar.isVisible() and "Traceback" not in text
    assert sqlite_services.sources.get(source.id).url == source.url
    assert window.undo_stack.count() == 0  # nothing to undo: the refused edit was dropped


def test_the_tag_completer_offers_the_case_tags(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    quote = svc.quotes.list(demo.id)[0]
    svc.tags.set_tags("quote", quote.id, ["ceasefire", "casualties"])
    other = svc.quotes.list(demo.id)[1]
    window.refresh()
    window.select_item("quote", other.id)
    tags = window.editor.widgets["tags"]
    assert isinstance(tags, QLineEdit)
    completer = tags.completer()
    completer.setCompletionPrefix("cas")
    assert completer.currentCompletion() == "casualties"


# --- Drag and drop, merge


def test_dropping_a_person_on_an_event_links_them_and_undo_unlinks(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    event = svc.events.list(demo.id)[0]
    person = next(p for p in svc.people.list(demo.id) if p.id not in event.person_ids)
    window.focus_pane("event")
    prow = next(
        r for r in range(window.people.proxy.rowCount()) if window.people.id_at(r) == person.id
    )
    mime = window.people.proxy.mimeData([window.people.proxy.index(prow, 0)])
    _drop_on_event(window, mime, event.id)
    assert person.id in svc.events.get(event.id).person_ids
    assert window.undo_stack.undoText().startswith("Link person")
    window.undo_stack.undo()
    assert person.id not in svc.events.get(event.id).person_ids


def test_merge_through_the_person_menu(
    window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    from PySide6.QtWidgets import QInputDialog

    svc = sqlite_services
    dup = svc.people.create(demo.id, "Mazloum Kobani")
    keep = _person(svc, demo.id, "Mazloum Abdi")
    window.refresh()
    window.select_item("person", dup.id)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("Mazloum Abdi", True))
    window.act_merge.trigger()
    assert svc.people.find(demo.id, "Mazloum Kobani").id == keep.id
    assert window.focus == ("person", keep.id)
    assert dup.id not in _shown_ids(window.people)


# --- Confidential people and sources are marked in every pane


def test_confidential_people_and_sources_are_marked_in_every_pane(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    person = _person(svc, demo.id, "Siyamend Ali")
    svc.people.update(person.id, confidential=True, descriptor="an SDF official")
    source = svc.sources.list(demo.id)[0]
    svc.sources.update(source.id, confidentiality="confidential", descriptor="a news site")
    window.refresh()
    people = _cells(window.people, 0)
    assert f"{LOCK}an SDF official" in people
    assert not any("Siyamend Ali" in p for p in people)
    assert all(c.startswith(LOCK) for c in _cells(window.sources, 0))
    assert all(c.startswith(LOCK) for c in _cells(window.quotes, 4))  # every quote's source
    speakers = _cells(window.quotes, 1)
    assert f"{LOCK}Siyamend Ali" in speakers
    window.select_item("person", person.id)
    assert "confidential" in window.card.label.text()
    window.select_item("source", source.id)
    assert "(confidential)" in window.reader.meta.text()
    row = window.quotes.proxy.index(0, 0)
    assert row.data(Qt.ItemDataRole.ForegroundRole) is not None


# --- Search


def test_search_without_the_search_service_filters_each_pane(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(sqlite_services, "search", None, raising=False)
    assert not window.has_search_service()
    window.search_edit.setText("Mazloum")
    people = _cells(window.people, 0)
    assert people and all("Mazloum" in p for p in people)
    quotes = _cells(window.quotes, 1)
    assert quotes and all("Mazloum" in q for q in quotes)
    window.search_edit.clear()
    assert len(_shown_ids(window.quotes)) == sqlite_services.quotes.count(demo.id)


class _Hit:
    def __init__(self, kind: str, ident: int, source_id: int) -> None:
        self.kind, self.id, self.source_id = kind, ident, source_id


class _Results:
    def __init__(self, quotes: list[_Hit], sources: list[_Hit]) -> None:
        self.quotes, self.sources = tuple(quotes), tuple(sources)


class _FakeSearch:
    """The search service's shape: ``search(case_id, query)`` -> quotes and sources hits."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.asked: list[tuple[int, str, int, int]] = []

    def search(
        self, case_id: int, query: str, *, limit: int = 50, offset: int = 0, kind: str = "both"
    ) -> _Results:
        self.asked.append((case_id, query, offset, limit))
        quotes = [q for q in self.svc.quotes.list(case_id) if query.lower() in q.text.lower()]
        quotes.reverse()  # ranked: not in source order
        hits = [_Hit("quote", q.id, q.source_id) for q in quotes]
        return _Results(hits[offset : offset + limit], [])


def test_search_with_the_search_service_shows_its_hits_in_rank_order(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    fake = _FakeSearch(sqlite_services)
    monkeypatch.setattr(sqlite_services, "search", fake, raising=False)
    assert window.has_search_service()
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        window.search_edit.setText("coalition")
    assert fake.asked == [(demo.id, "coalition", 0, 200)]
    expected = [h.id for h in fake.search(demo.id, "coalition").quotes]
    assert expected and _shown_ids(window.quotes) == expected
    assert _shown_ids(window.sources) == [sqlite_services.sources.list(demo.id)[0].id]
    assert "Search “coalition”" in window.focus_label.text()
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        window.search_edit.clear()
    assert len(_shown_ids(window.quotes)) == sqlite_services.quotes.count(demo.id)


def test_search_with_the_real_search_service(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    assert window.has_search_service()
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        window.search_edit.setText("coalition")
    shown = _shown_ids(window.quotes)
    found = sqlite_services.search.search(demo.id, "coalition", kind="quotes")
    assert shown and shown == [h.id for h in found.quotes]
    for qid in shown:
        assert "coalition" in sqlite_services.quotes.get(qid).text.lower()
    assert _shown_ids(window.sources) == [sqlite_services.sources.list(demo.id)[0].id]
    # People and events are not indexed: the same words filter them as they are shown.
    proxy = window.people.proxy
    for r in range(proxy.rowCount()):
        row = " ".join(str(proxy.index(r, c).data()) for c in range(proxy.columnCount()))
        assert "coalition" in row.lower()


def test_a_long_search_result_is_fetched_page_by_page(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: Any
) -> None:
    svc = sqlite_services
    text = " ".join(f"w{i} bridge." for i in range(450))
    src = svc.sources.add(demo.id, title="Many bridges", text=text)
    for i in range(450):
        start = text.index(f"w{i} bridge.")
        svc.quotes.create(src.id, start, start + len(f"w{i} bridge"))
    fake = _FakeSearch(svc)
    monkeypatch.setattr(svc, "search", fake, raising=False)
    with qtbot.waitSignal(window.search_finished, timeout=5000):
        window.search_edit.setText("bridge")
    model = window.quotes.model
    assert model.rowCount() == BATCH and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * BATCH
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 450
    # The first search gave SEARCH_PAGE hits; pages beyond them ask the search for the rest.
    asks = [(0, SEARCH_PAGE)]
    for offset in range(0, 450, BATCH):
        have = max(0, min(SEARCH_PAGE - offset, BATCH))
        if have < BATCH:
            asks.append((offset + have, BATCH - have))
    assert [a[2:] for a in fake.asked] == asks
    expected = [h.id for h in fake.search(demo.id, "bridge", limit=1000).quotes]
    assert [model.index(r, 0).data(IdRole) for r in range(450)] == expected


def test_hit_ids_read_the_search_service_results() -> None:
    dto = pytest.importorskip("services.search.dto")
    fields = dto.SearchHit.__dataclass_fields__
    base = {k: None for k in fields}
    base.update(case_id=1, speaker_id=None, label="", score=0.0, snippet="")
    base.update(snippet_spans=(), matches=(), text_start=0)
    q = dto.SearchHit(**{**base, "kind": "quote", "id": 7, "source_id": 3})
    s = dto.SearchHit(**{**base, "kind": "source", "id": 4, "source_id": 4})

    class R:
        quotes = (q,)
        sources = (s,)

    assert _hit_ids(R()) == ([7], [3, 4])


def test_search_errors_show_in_the_message_bar(
    qtbot: Any, window: MainWindow, sqlite_services: Services, monkeypatch: Any
) -> None:
    from services.errors import ValidationError

    class Broken:
        def search(self, case_id: int, query: str, **kw: Any) -> Any:
            raise ValidationError("unbalanced quotation marks in the search")

    monkeypatch.setattr(sqlite_services, "search", Broken(), raising=False)
    window.search_edit.setText('"open')
    window._search_timer.stop()
    window._search_timer.timeout.emit()  # the typing pause is over
    assert "unbalanced quotation marks" in window.message_bar.label.text()


# --- Start-up: fonts, palette, status bar


def test_bundled_latin_and_arabic_fonts_are_registered() -> None:
    from PySide6.QtGui import QFontDatabase

    from ui.app import register_fonts, setup_application

    app = setup_application()
    families = set(register_fonts())
    assert {"Noto Sans", "Noto Sans Arabic"} <= families
    assert "Noto Sans" in QFontDatabase.families()
    assert app.font().family() == "Noto Sans"


def test_the_application_is_set_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """python main.py sets the application up before the startup frame and open_window asks
    again: fonts, style and palette are done once, and the scheme signal connected once."""
    import ui.app as ui_app

    app = ui_app.setup_application()
    registered: list[int] = []
    monkeypatch.setattr(ui_app, "register_fonts", lambda: registered.append(1) or [])
    assert ui_app.setup_application() is app
    assert registered == []
    assert app.font().family() == "Noto Sans"


def test_the_palette_follows_the_system_light_or_dark_scheme() -> None:
    from ui.app import apply_color_scheme, setup_application

    app = setup_application()
    try:
        apply_color_scheme(app, Qt.ColorScheme.Dark)
        assert app.palette().window().color().lightness() < 100
        assert app.palette().text().color().lightness() > 180
        apply_color_scheme(app, Qt.ColorScheme.Light)
        assert app.palette().window().color().lightness() > 200
    finally:
        apply_color_scheme(app)


def test_quote_highlights_stay_readable_on_a_dark_palette(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    from ui.app import dark_palette
    from ui.reader_view import CURRENT_COLOUR_DARK, QUOTE_COLOUR_DARK

    quote = sqlite_services.quotes.list(demo.id)[0]
    window.select_item("quote", quote.id)
    window.reader.text_edit.setPalette(dark_palette())
    window.reader.setPalette(dark_palette())
    sels = window.reader.text_edit.extraSelections()
    colours = {s.format.background().color().name() for s in sels}
    assert colours == {QUOTE_COLOUR_DARK.name(), CURRENT_COLOUR_DARK.name()}


def test_status_bar_shows_the_last_backup(window: MainWindow, sqlite_services: Services) -> None:
    info = sqlite_services.backups.backup_now()
    window.show_backup()
    assert window.backup_label.text() == f"Last backup {info.made_at.astimezone():%d %b %H:%M}"
    assert window.count_label.text()  # counts of the case


def test_status_bar_counts_the_case_in_words(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    """The demo case has one source: "1 source", not "1 sources"."""
    qtbot.waitUntil(lambda: "quotes" in window.count_label.text(), timeout=5000)
    counts = sqlite_services.cases.counts(demo.id)
    assert counts["sources"] == 1 and counts["quotes"] > 1
    assert window.count_label.text().startswith(f"1 source  ·  {counts['quotes']} quotes  ·  ")


# --- Long work off the GUI thread


def test_imports_run_on_a_worker_thread_with_progress_and_cancel(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any, tmp_path: Path
) -> None:
    workers.use_synchronous_pools(False)  # real threads for this test
    try:
        paths = []
        for i in range(3):
            f = tmp_path / f"note_{i}.txt"
            f.write_text(f"Note number {i}: the road was closed.\n", encoding="utf-8")
            paths.append(f)
        sig = window.import_paths(paths)
        assert sig is not None
        qtbot.waitUntil(lambda: "Imported" in window.message_bar.label.text(), timeout=20000)
        assert window.import_progress.labelText() == "done"  # the worker's reports reached it
        assert "Imported 3 files" in window.message_bar.label.text()
        assert {s.title for s in sqlite_services.sources.list(demo.id)} >= {
            "note 0",
            "note 1",
            "note 2",
        }

        more = tmp_path / "later.txt"
        more.write_text("Never imported.\n", encoding="utf-8")
        started: list[bool] = []
        workers.write_pool().start(_Blocker(started))  # holds the one write thread
        sig = window.import_paths([more])
        assert sig is not None
        window.import_progress.findChild(QPushButton).click()  # the Cancel button
        _Blocker.release()
        qtbot.waitUntil(lambda: "Stopped" in window.message_bar.label.text(), timeout=20000)
        assert started
        assert "Stopped before the end" in window.message_bar.label.text()
        assert all(s.title != "later" for s in sqlite_services.sources.list(demo.id))
    finally:
        workers.write_pool().waitForDone(10000)
        workers.use_synchronous_pools(True)


class _Blocker(QRunnable):
    """Holds the single write thread until released, so a queued import can be cancelled."""

    _gate = threading.Event()

    def __init__(self, started: list[bool]) -> None:
        super().__init__()
        self.started = started
        _Blocker._gate.clear()

    def run(self) -> None:
        self.started.append(True)
        _Blocker._gate.wait(10)

    @classmethod
    def release(cls) -> None:
        cls._gate.set()


def test_models_reject_drops_outside_event_rows(window: MainWindow) -> None:
    md = window.quotes.proxy.mimeData([window.quotes.proxy.index(0, 0)])
    assert not window.events.model.canDropMimeData(
        md, Qt.DropAction.LinkAction, -1, -1, QModelIndex()
    )


def test_selecting_a_quote_shows_its_speakers_card(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    mazloum = _person(sqlite_services, demo.id, "Mazloum Abdi")
    quote = sqlite_services.quotes.list(demo.id, speaker_id=mazloum.id)[0]
    window.select_item("quote", quote.id)
    assert "Mazloum Abdi" in window.card.label.text()
    assert "مظلوم عبدي" in window.card.label.text()


def test_python_main_opens_the_window_then_backs_up(
    qtbot: Any, sqlite_url: str, settings_path: str
) -> None:
    import sys

    from services.demo import build_demo
    from ui.app import open_window

    svc = Services.open(sqlite_url, auto_backup=False)
    case = build_demo(svc)
    svc.close()
    hook = sys.excepthook
    try:
        w = open_window(sqlite_url, settings_path)
        qtbot.addWidget(w)
        assert w.isVisible() and w.case_id == case.id
        assert w.quotes.model.rowCount() > 0
        # The backup and the background reads wait for the first picture of the window...
        assert w.svc.backups.last_backup() is None
        assert w.count_label.text() == ""
        w.repaint()
        # ...then the backup runs on the write worker (synchronous in tests), the status bar
        # says when, and the counts and completions are filled.
        qtbot.waitUntil(lambda: w.backup_label.text().startswith("Last backup"), timeout=10000)
        assert w.svc.backups.last_backup() is not None
        assert "quotes" in w.count_label.text()
        assert "Mazloum Abdi" in w.editor._name_model.stringList()
        w.close()
        w.svc.close()
    finally:
        sys.excepthook = hook


def test_roles_over_time_are_added_removed_and_undone(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    person = _person(svc, demo.id, "Siyamend Ali")
    before = svc.people.get(person.id).affiliations
    window.select_item("person", person.id)
    w: Any = window.editor.widgets
    w["aff_org"].setCurrentIndex(w["aff_org"].findText("Syrian Democratic Forces"))
    w["aff_role"].setText("Spokesman")
    w["aff_start"].setText("2019-01-01")
    w["aff_end"].setText("2020-06-30")
    w["aff_add"].click()
    added = [a for a in svc.people.get(person.id).affiliations if a.role == "Spokesman"]
    assert len(added) == 1
    assert (added[0].organisation_name, added[0].start_on, added[0].end_on) == (
        "Syrian Democratic Forces",
        dt.date(2019, 1, 1),
        dt.date(2020, 6, 30),
    )
    roles = w["affiliations"]
    texts = [roles.item(i).text() for i in range(roles.count())]
    assert "Spokesman, Syrian Democratic Forces (2019-01-01 – 2020-06-30)" in texts
    assert "Spokesman" in window.card.label.text()  # the card shows roles over time
    roles.setCurrentRow(
        texts.index("Spokesman, Syrian Democratic Forces (2019-01-01 – 2020-06-30)")
    )
    next(b for b in window.editor.findChildren(QPushButton) if b.text() == "Remove role").click()
    assert svc.people.get(person.id).affiliations == before
    window.undo_stack.undo()  # the removal
    assert [a.role for a in svc.people.get(person.id).affiliations].count("Spokesman") == 1
    window.undo_stack.undo()  # the addition
    assert [a.role for a in svc.people.get(person.id).affiliations].count("Spokesman") == 0
    w = window.editor.widgets
    w["aff_start"].setText("June 2019")
    w["aff_add"].click()
    assert "not a date" in window.message_bar.label.text()


def test_a_place_is_edited_from_its_card(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    event = next(e for e in svc.events.list(demo.id) if e.place_id is not None)
    window.select_item("event", event.id)
    assert "place:" in window.card.label.text()
    window.card.label.linkActivated.emit(f"place:{event.place_id}")  # the "Edit this place" link
    assert window.editor.kind == "place"
    _set(window.editor.widgets["latitude"], "35.3359")
    _set(window.editor.widgets["longitude"], "40.1408")
    _set(window.editor.widgets["notes"], "Provincial capital.")
    _set(window.editor.widgets["tags"], "city")
    place = svc.places.get(event.place_id)
    assert (place.latitude, place.longitude, place.notes, place.tags) == (
        35.3359,
        40.1408,
        "Provincial capital.",
        ("city",),
    )
    _set(window.editor.widgets["latitude"], "north")
    assert "not a number" in window.message_bar.label.text()
    window.undo_stack.undo()
    assert svc.places.get(event.place_id).tags == ()


def test_case_details_are_edited_and_the_switcher_follows(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    window.act_case_details.trigger()
    assert window.editor.kind == "case"
    _set(window.editor.widgets["title"], "Deir ez-Zor, 2021")
    _set(window.editor.widgets["summary"], "Campaign against IS remnants.")
    case = sqlite_services.cases.get(demo.id)
    assert (case.title, case.summary) == ("Deir ez-Zor, 2021", "Campaign against IS remnants.")
    assert window.case_combo.currentText() == "Deir ez-Zor, 2021"
    assert window.windowTitle().startswith("Deir ez-Zor, 2021")
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert sqlite_services.cases.get(demo.id).title == demo.title


def test_no_two_actions_share_a_shortcut(window: MainWindow) -> None:
    seen: dict[str, str] = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            name = key.toString()
            assert name not in seen, f"{name} is both {seen[name]!r} and {action.text()!r}"
            seen[name] = action.text()
    assert seen["Ctrl+Q"] == "&Quit"
    assert seen["Ctrl+Shift+Q"] == "&Quote selection"
    assert {"Alt+Left", "Alt+Right", "Ctrl+F", "Del", "Ctrl+Z", "Ctrl+Shift+Z"} <= set(seen)


def test_a_quote_is_moved_to_the_selected_words_and_back(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    quote = svc.quotes.list(demo.id)[0]
    window.select_item("quote", quote.id)
    text = svc.sources.get_text(quote.source_id)
    start, end = quote.start, quote.end - 10  # a shorter span of the same words
    window.reader.select_span(start, end)
    window.act_move_span.trigger()
    moved = svc.quotes.get(quote.id)
    assert (moved.start, moved.end, moved.text) == (start, end, text[start:end])
    window.undo_stack.undo()
    back = svc.quotes.get(quote.id)
    assert (back.start, back.end, back.text) == (quote.start, quote.end, quote.text)


def test_the_startup_frame_appears_where_the_window_was(
    qtbot: Any, make_window: Any, settings_path: str, demo: Any
) -> None:
    from ui.app import startup_frame

    w = make_window()
    w.show()
    w.resize(700, 500)  # within the offscreen screen (800 x 600): restoring clamps to it
    size = (w.width(), w.height())
    w.close()
    frame = startup_frame(settings_path)
    qtbot.addWidget(frame)
    assert (frame.width(), frame.height()) == size
    assert "Opening" in frame.centralWidget().text()


def test_an_events_links_read_as_names_quotes_and_titles(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    """Selecting an event lists what it is linked to: a confidential person or source with a
    lock, a long quote cut to 60 characters."""
    svc = sqlite_services
    secret = svc.people.create(demo.id, "Informant", confidential=True)
    source = svc.sources.list(demo.id)[0]
    quote = max(svc.quotes.list(demo.id), key=lambda q: len(q.text))
    assert len(quote.text) > 60
    ev = svc.events.create(
        demo.id, "Briefing", person_ids=[secret.id], quote_ids=[quote.id], source_ids=[source.id]
    )
    window.refresh()
    window.select_item("event", ev.id)
    linked: Any = window.editor.widgets["links"]
    assert [linked.item(i).text() for i in range(linked.count())] == [
        "person: \N{LOCK} Informant",
        f"quote: “{quote.text[:59]}…”",
        f"source: {source.title}",
    ]
    assert linked.item(1).data(Qt.ItemDataRole.UserRole) == ("quote", quote.id)


def test_an_events_links_are_listed_and_unlinked_with_undo(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    event = next(e for e in svc.events.list(demo.id) if e.quote_ids and e.person_ids)
    window.select_item("event", event.id)
    linked: Any = window.editor.widgets["links"]
    labels = [linked.item(i).text() for i in range(linked.count())]
    assert len(labels) == len(event.person_ids) + len(event.quote_ids) + len(event.source_ids)
    row = next(i for i, t in enumerate(labels) if t.startswith("quote:"))
    kind, qid = linked.item(row).data(Qt.ItemDataRole.UserRole)
    linked.setCurrentRow(row)
    window.editor.widgets["unlink"].click()
    assert qid not in svc.events.get(event.id).quote_ids
    assert window.editor.widgets["links"].count() == len(labels) - 1
    window.undo_stack.undo()
    assert qid in svc.events.get(event.id).quote_ids
