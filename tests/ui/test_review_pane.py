"""The review pane, driven as a journalist does: suggest, click accept, reject, edit, accept all.

The suggestions come from a hand-built extraction (``tests/services/test_extract_review.py``)
so that these tests check the pane and the review whatever the extractor finds.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication, QLineEdit

from services.container import Services
from services.errors import DomainError
from tests.services.test_extract_review import ABDI_AR, Q1, Q2, Q3, TEXT, make_extraction, span
from ui.main_window import MainWindow
from ui.panes.review_pane import (
    ACCEPTED,
    PENDING,
    PROPOSAL_COLOUR,
    REJECTED,
    KeyRole,
    ReviewPane,
    StatusRole,
)
from ui.reader_view import ReaderView

# The offscreen platform's own notices when a top-level widget or the completer's popup shows.
pytestmark = pytest.mark.qt_log_ignore(
    "propagateSizeHints", "does not support raise", "does not support grabbing"
)


@pytest.fixture
def env(qtbot: Any, sqlite_services: Services) -> SimpleNamespace:
    """A reader, an undo stack and the review pane over a case holding the test article."""
    svc = sqlite_services
    case = svc.cases.create("Deir ez-Zor")
    src = svc.sources.add(case.id, title="VOA report", text=TEXT, language="en")
    reader = ReaderView()
    stack = QUndoStack()
    pane = ReviewPane(svc, reader, stack)
    pane.extractor = lambda sid, stop: make_extraction(sid)
    qtbot.addWidget(reader)
    qtbot.addWidget(pane)
    reader.show()
    pane.show()
    return SimpleNamespace(
        svc=svc, case_id=case.id, source_id=src.id, reader=reader, pane=pane, stack=stack
    )


def suggest(qtbot: Any, env: SimpleNamespace) -> None:
    with qtbot.waitSignal(env.pane.suggestions_shown, timeout=5000):
        env.pane.set_source(env.source_id)


def click_row(qtbot: Any, pane: ReviewPane, key: str, modifier: Any = None) -> None:
    index = pane.model.index(pane.model.row_of(key), 0)
    pane.view.scrollTo(index)
    rect = pane.view.visualRect(index)
    mods = modifier or Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, mods, rect.center())
    assert pane.current_key() == key


def click(qtbot: Any, button: Any) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def status(pane: ReviewPane, key: str) -> str:
    return str(pane.model.index(pane.model.row_of(key), 0).data(StatusRole))


def stored_quotes(env: SimpleNamespace) -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker_name) for q in env.svc.quotes.list(env.case_id)]


# --- Showing


def test_suggestions_are_listed_and_highlighted_in_the_reader(
    qtbot: Any, qtmodeltester: Any, env: SimpleNamespace
) -> None:
    suggest(qtbot, env)
    pane = env.pane
    keys = [pane.model.index(r, 0).data(KeyRole) for r in range(pane.model.rowCount())]
    assert keys == ["q1", "q2", "q3", "e-sdf", "e-ypg", "e-ali", "e-abdi", "p-deir", "ev-killing"]
    qtmodeltester.check(pane.model)
    first = pane.model.index(0, 0).data(Qt.ItemDataRole.DisplayRole)
    assert "Our forces have already arrested" in first and "said by Siyamend Ali" in first
    assert all(status(pane, k) == PENDING for k in keys)
    # The pane opened the source in the reader and painted every pending quote.
    assert env.reader.source.id == env.source_id
    pale = PROPOSAL_COLOUR.name()
    painted = {(a, b) for a, b, colour in pane.highlighted_spans() if colour == pale}
    assert painted == {span(TEXT, Q1), span(TEXT, Q2), span(TEXT, Q3)}
    assert "3 quotes, 4 people and organisations" in pane.caption.text()
    assert env.svc.quotes.count(env.case_id) == 0  # nothing entered by suggesting


def test_selecting_a_proposal_highlights_it_strongly(qtbot: Any, env: SimpleNamespace) -> None:
    suggest(qtbot, env)
    click_row(qtbot, env.pane, "e-ali")
    strong = {(a, b) for a, b, c in env.pane.highlighted_spans() if c != PROPOSAL_COLOUR.name()}
    assert strong == {span(TEXT, "Siyamend Ali")}
    assert env.pane.speaker_edit.isEnabled() is False  # speakers are set on quotes


# --- Accepting and undoing


def test_clicking_accept_stores_one_quote_and_undo_takes_it_back(
    qtbot: Any, env: SimpleNamespace
) -> None:
    suggest(qtbot, env)
    pane = env.pane
    click_row(qtbot, pane, "q1")
    with qtbot.waitSignal(pane.proposals_accepted) as accepted:
        click(qtbot, pane.accept_button)
    assert stored_quotes(env) == [(Q1, "Siyamend Ali")]
    assert accepted.args[0].quote_ids
    # Its speaker and their organisation came with it; the rest is still pending.
    assert status(pane, "q1") == ACCEPTED
    assert status(pane, "e-ali") == ACCEPTED
    assert status(pane, "e-ypg") == ACCEPTED
    assert status(pane, "q2") == PENDING
    assert {p.name for p in env.svc.people.list(env.case_id)} == {
        "Siyamend Ali",
        "People\u2019s Protection Units",
    }
    assert env.stack.count() == 1
    assert env.stack.undoText().startswith("Accept suggestion “Our forces")

    env.stack.undo()
    assert stored_quotes(env) == []
    assert env.svc.people.count(env.case_id) == 0
    assert status(pane, "q1") == PENDING and status(pane, "e-ali") == PENDING
    env.stack.redo()
    assert stored_quotes(env) == [(Q1, "Siyamend Ali")]
    assert status(pane, "q1") == ACCEPTED


def test_undo_of_another_sources_acceptance_leaves_this_review_alone(
    qtbot: Any, env: SimpleNamespace
) -> None:
    suggest(qtbot, env)
    click_row(qtbot, env.pane, "q1")
    click(qtbot, env.pane.accept_button)
    other = env.svc.sources.add(env.case_id, title="Same text, other copy", text=TEXT)
    with qtbot.waitSignal(env.pane.suggestions_shown):
        env.pane.set_source(other.id)
    assert env.reader.source.id == other.id
    assert status(env.pane, "q1") == PENDING
    env.stack.undo()
    env.stack.redo()
    assert status(env.pane, "q1") == PENDING  # the redo stored q1 of the first source only
    assert [q.source_id for q in env.svc.quotes.list(env.case_id)] == [env.source_id]


def test_reject_then_accept_all(qtbot: Any, env: SimpleNamespace) -> None:
    suggest(qtbot, env)
    pane = env.pane
    click_row(qtbot, pane, "e-ali")
    click(qtbot, pane.reject_button)
    click_row(qtbot, pane, "q3")
    click(qtbot, pane.reject_button)
    assert status(pane, "e-ali") == REJECTED and status(pane, "q3") == REJECTED
    assert env.svc.people.count(env.case_id) == 0  # rejecting stores nothing

    click(qtbot, pane.accept_all_button)
    # Nothing rejected entered: Siyamend Ali's quotes are saved without a speaker.
    assert stored_quotes(env) == [(Q1, None), (Q2, None)]
    names = {p.name for p in env.svc.people.list(env.case_id)}
    assert "Siyamend Ali" not in names
    assert {"Syrian Democratic Forces", ABDI_AR} <= names
    assert [p.name for p in env.svc.places.list(env.case_id)] == ["Deir el-Zour"]
    [event] = env.svc.events.list(env.case_id)
    assert event.date is not None and event.date.label() == "late Jan 2021"
    assert status(pane, "q3") == REJECTED
    assert status(pane, "ev-killing") == ACCEPTED
    assert not pane.accept_all_button.isEnabled()
    # Accepting every suggestion was one undoable step.
    env.stack.undo()
    assert env.svc.cases.counts(env.case_id)["quotes"] == 0
    assert env.svc.people.count(env.case_id) == 0
    assert env.svc.events.count(env.case_id) == 0


def test_keyboard_enter_accepts_and_backspace_rejects(qtbot: Any, env: SimpleNamespace) -> None:
    suggest(qtbot, env)
    pane = env.pane
    click_row(qtbot, pane, "q3")
    qtbot.keyClick(pane.view, Qt.Key.Key_Backspace)
    assert status(pane, "q3") == REJECTED
    qtbot.keyClick(pane.view, Qt.Key.Key_Up)
    assert pane.current_key() == "q2"
    qtbot.keyClick(pane.view, Qt.Key.Key_Return)
    assert stored_quotes(env) == [(Q2, "Siyamend Ali")]


def test_selecting_several_rows_accepts_them_together(qtbot: Any, env: SimpleNamespace) -> None:
    suggest(qtbot, env)
    pane = env.pane
    click_row(qtbot, pane, "q2")
    click_row(qtbot, pane, "p-deir", Qt.KeyboardModifier.ControlModifier)
    assert pane.selected_keys() == ["q2", "p-deir"]
    click(qtbot, pane.accept_button)
    assert stored_quotes(env) == [(Q2, "Siyamend Ali")]
    assert [p.name for p in env.svc.places.list(env.case_id)] == ["Deir el-Zour"]
    assert env.stack.count() == 1


# --- Editing


def test_moving_a_span_to_the_reader_selection(qtbot: Any, env: SimpleNamespace) -> None:
    suggest(qtbot, env)
    pane = env.pane
    click_row(qtbot, pane, "q1")
    shorter = "arrested over 30 terrorists"
    env.reader.select_span(*span(TEXT, shorter))
    click(qtbot, pane.span_button)
    shown = pane.model.index(pane.model.row_of("q1"), 0).data(Qt.ItemDataRole.DisplayRole)
    assert f"“{shorter}”" in shown and "span moved" in shown
    strong = {(a, b) for a, b, c in pane.highlighted_spans() if c != PROPOSAL_COLOUR.name()}
    assert strong == {span(TEXT, shorter)}
    click(qtbot, pane.accept_button)
    [quote] = env.svc.quotes.list(env.case_id)
    assert (quote.start, quote.end, quote.text) == (*span(TEXT, shorter), shorter)


def test_use_selection_without_a_selection_explains(qtbot: Any, env: SimpleNamespace) -> None:
    suggest(qtbot, env)
    click_row(qtbot, env.pane, "q1")
    env.reader.text_edit.moveCursor(env.reader.text_edit.textCursor().MoveOperation.Start)
    with qtbot.waitSignal(env.pane.failed) as failed:
        click(qtbot, env.pane.span_button)
    assert "Select the words of the quote" in failed.args[0]


def test_changing_the_speaker_with_the_completer(qtbot: Any, env: SimpleNamespace) -> None:
    abdi = env.svc.people.create(env.case_id, "Mazloum Abdi", aliases=["Mazloum Kobani"])
    suggest(qtbot, env)
    pane = env.pane
    names = pane.names.stringList()
    assert {"Mazloum Abdi", "Mazloum Kobani", "Siyamend Ali", ABDI_AR} <= set(names)
    completer = pane.speaker_edit.completer()
    completer.setCompletionPrefix("kobani")
    assert completer.currentCompletion() == "Mazloum Kobani"

    click_row(qtbot, pane, "q2")
    assert pane.speaker_edit.text() == "Siyamend Ali"
    pane.speaker_edit.clear()
    qtbot.keyClicks(pane.speaker_edit, "Mazloum Kobani")
    qtbot.keyClick(pane.speaker_edit, Qt.Key.Key_Return)
    shown = pane.model.index(pane.model.row_of("q2"), 0).data(Qt.ItemDataRole.DisplayRole)
    assert "said by Mazloum Abdi" in shown

    click_row(qtbot, pane, "q1")
    pane.speaker_edit.clear()
    qtbot.keyClicks(pane.speaker_edit, "A Local Official")
    click(qtbot, pane.speaker_button)

    click_row(qtbot, pane, "q3")
    pane.speaker_edit.clear()
    click(qtbot, pane.speaker_button)  # empty: speaker unknown

    click_row(qtbot, pane, "q1")
    click_row(qtbot, pane, "q3", Qt.KeyboardModifier.ShiftModifier)
    click(qtbot, pane.accept_button)
    quotes = env.svc.quotes.list(env.case_id)
    assert [(q.text, q.speaker_id) for q in quotes][1:] == [(Q2, abdi.id), (Q3, None)]
    assert quotes[0].speaker_name == "A Local Official"
    assert env.svc.people.find(env.case_id, "Siyamend Ali") is None


def test_renaming_a_person_and_an_event_in_the_list(qtbot: Any, env: SimpleNamespace) -> None:
    suggest(qtbot, env)
    pane = env.pane
    click_row(qtbot, pane, "e-abdi")
    qtbot.keyClick(pane.view, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.text() == ABDI_AR
    editor.selectAll()
    qtbot.keyClicks(editor, "Mazloum Abdi")
    qtbot.keyClick(editor, Qt.Key.Key_Return)

    def shown() -> str:
        return str(pane.model.index(pane.model.row_of("e-abdi"), 0).data())

    qtbot.waitUntil(lambda: "Mazloum Abdi" in shown())  # the editor commits when it closes
    assert shown().startswith("○ Person: Mazloum Abdi") and f"renamed from {ABDI_AR}" in shown()
    assert env.svc.people.count(env.case_id) == 0  # Enter in the editor did not accept

    index = pane.model.index(pane.model.row_of("ev-killing"), 0)
    assert pane.model.setData(index, "Killing of two local leaders")
    assert not pane.model.setData(index, "   ")  # a name cannot be blanked
    quote = pane.model.index(pane.model.row_of("q1"), 0)
    assert not quote.flags() & Qt.ItemFlag.ItemIsEditable  # quotes move by span, not by text

    click_row(qtbot, pane, "e-abdi")
    click_row(qtbot, pane, "ev-killing", Qt.KeyboardModifier.ControlModifier)
    click(qtbot, pane.accept_button)
    abdi = env.svc.people.find(env.case_id, "Mazloum Abdi")
    assert abdi is not None and ABDI_AR in abdi.aliases
    [event] = env.svc.events.list(env.case_id)
    assert event.title == "Killing of two local leaders"
    assert not pane.model.index(pane.model.row_of("e-abdi"), 0).flags() & (
        Qt.ItemFlag.ItemIsEditable
    )
    assert "Mazloum Abdi" in pane.names.stringList()


# --- Refusals


def test_extraction_failure_is_shown_not_raised(qtbot: Any, env: SimpleNamespace) -> None:
    def broken(source_id: int, stop: Any) -> Any:
        raise DomainError("this source has no text to read")

    env.pane.extractor = broken
    with qtbot.waitSignal(env.pane.failed) as failed:
        env.pane.set_source(env.source_id)
    assert failed.args == ["this source has no text to read"]
    assert "this source has no text to read" in env.pane.caption.text()
    assert env.pane.model.rowCount() == 0


def test_extraction_runs_off_the_gui_thread_with_a_busy_bar_and_cancel(
    qtbot: Any, env: SimpleNamespace
) -> None:
    import threading

    from ui import workers

    gate = threading.Event()
    threads: list[threading.Thread] = []
    told_to_stop: list[bool] = []

    def slow(source_id: int, stop: Any) -> Any:
        threads.append(threading.current_thread())
        told_to_stop.append(stop())
        gate.wait(10)
        told_to_stop.append(stop())  # what the extraction sees at its next stage
        return make_extraction(source_id)

    workers.use_synchronous_pools(False)  # real threads for this test
    try:
        pane = env.pane
        pane.extractor = slow
        pane.set_source(env.source_id)
        # The GUI thread is free while the extraction runs: the busy bar and Cancel show.
        qtbot.waitUntil(lambda: bool(threads), timeout=10000)
        assert threads[0] is not threading.main_thread()
        assert pane.busy and pane.progress.isVisible() and pane.cancel_button.isVisible()
        click(qtbot, pane.cancel_button)
        assert not pane.busy and not pane.cancel_button.isVisible()
        assert "Stopped" in pane.caption.text()
        gate.set()  # the extraction goes on to its next stage: told to stop there
        workers.read_pool().waitForDone(10000)
        assert told_to_stop == [False, True]
        qtbot.wait(50)  # let its queued result reach the GUI thread
        assert pane.model.rowCount() == 0 and "Stopped" in pane.caption.text()

        # Not cancelled: the suggestions come and the bar goes.
        threads.clear()
        with qtbot.waitSignal(pane.suggestions_shown, timeout=10000):
            pane.set_source(env.source_id)
        assert threads and threads[0] is not threading.main_thread()
        assert pane.model.rowCount() > 0 and not pane.busy
        assert told_to_stop[2:] == [False, False]
    finally:
        gate.set()
        workers.read_pool().waitForDone(10000)
        workers.use_synchronous_pools(True)


def test_a_refused_acceptance_changes_nothing(qtbot: Any, env: SimpleNamespace) -> None:
    env.pane.extractor = lambda sid, stop: make_extraction(sid, q1_text="words not in the text")
    suggest(qtbot, env)
    with qtbot.waitSignal(env.pane.failed) as failed:
        click(qtbot, env.pane.accept_all_button)
    assert "the source may have changed" in failed.args[0]
    assert env.svc.cases.counts(env.case_id)["people"] == 0
    assert env.stack.count() == 0  # the refused command is not on the undo stack
    assert status(env.pane, "q2") == PENDING


# --- In the window


def test_suggest_quotes_from_the_window_and_accept_all(
    qtbot: Any, sqlite_services: Services, make_window: Callable[[], MainWindow]
) -> None:
    case = sqlite_services.cases.create("Deir ez-Zor")
    src = sqlite_services.sources.add(case.id, title="VOA report", text=TEXT, language="en")
    window = make_window()
    window.show()
    with qtbot.waitActive(window):  # keyboard shortcuts go to the active window
        window.activateWindow()
    assert window.review_pane is not None and window.act_suggest.isEnabled()
    window.review_pane.extractor = lambda sid, stop: make_extraction(sid)
    window.select_item("source", src.id)
    with qtbot.waitSignal(window.review_pane.suggestions_shown):
        window.act_suggest.trigger()
    assert window.review_dock is not None and window.review_dock.isVisible()
    click(qtbot, window.review_pane.accept_all_button)
    assert sqlite_services.quotes.count(case.id) == 3
    assert window.quotes.model.rowCount() == 3  # the window reloaded its panes
    assert window.undo_stack.count() == 1, window.undo_stack.text(0)
    # Ctrl+Z in the review list undoes the whole "accept all".
    window.review_pane.view.setFocus()
    qtbot.keyClick(window.review_pane.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert sqlite_services.quotes.count(case.id) == 0
    assert status(window.review_pane, "q1") == PENDING


def test_real_suggestions_on_the_demo_show_its_quotes_as_saved(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    source = sqlite_services.sources.list(demo.id)[0]
    window.select_item("source", source.id)
    pane = window.review_pane
    with qtbot.waitSignal(pane.suggestions_shown):
        window.act_suggest.trigger()
    quote_keys = [r.key for r in pane.model.rows if r.kind == "quote"]
    assert len(quote_keys) == 8
    assert all(status(pane, k) == ACCEPTED for k in quote_keys)
    before = sqlite_services.cases.counts(demo.id)
    click(qtbot, pane.accept_all_button)
    after = sqlite_services.cases.counts(demo.id)
    assert after["quotes"] == before["quotes"]
    assert after["events"] == before["events"]
    assert not pane.accept_all_button.isEnabled()
