"""The main window: four linked panes (Sources, Quotes, People, Events), the reader and cards.

Selecting something links the other panes to it: a person shows their quotes, events and
sources; an event its people, quotes and sources; a source its quotes and the people it
mentions; a quote opens its source in the reader with the span highlighted. Back and Forward
walk the selection history. Every edit is a QUndoCommand (``ui/commands.py``) calling services.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from services.container import Services, later_steps
from services.errors import DomainError
from ui import commands as cmd
from ui.cards import CardView, noun
from ui.editors import EditorPanel
from ui.panes.saved_searches import SavedSearchesPane, SearchHighlighter, plain_words
from ui.panes.table_pane import TablePane
from ui.reader_view import ReaderView
from ui.settings import LAYOUT_VERSION, WindowSettings
from ui.table_models import (
    EventsTableModel,
    PeopleTableModel,
    QuotesTableModel,
    SourcesTableModel,
)
from ui.timeline_view import TimelinePane
from ui.workers import ProgressBridge, TaskSignals, run_task

log = logging.getLogger(__name__)

QUOTE_SHORTCUT = "Ctrl+Shift+Q"  # Ctrl+Q is Quit on the desktops
SEARCH_DELAY = 250  # ms of typing pause before a search runs
SEARCH_PAGE = 200  # search hits asked for at a time (the quotes pane fetches more on scroll)
POLL_INTERVAL = 5000  # ms between checks for colleagues' changes, at least
POLL_FACTOR = 20  # ... and at least this many times as long as the last check took
NAME_LIMIT = 20_000  # people offered by the speaker completer
TIMELINE_LIMIT = 2000  # events drawn on the timeline at most
CARD_EVENTS = 100  # events listed on a place's card at most (the count says how many more)
AFTER_PAINT_LIMIT = 3000  # ms: work deferred to the first paint starts by then regardless

# Default column widths (pixels) of each pane until the user changes them.
COLUMN_WIDTHS = {
    "source": (250, 90, 150, 90),
    "person": (180, 90, 150),
    "event": (210, 160),
    "quote": (480, 170, 160, 80),
}

KIND_NOUN = {"quote": "quote", "person": "person", "event": "event", "source": "source"}


# Said on a store without a case (a first start): what to do, with the menus' own words.
NO_CASE_YET = (
    "This store holds no case yet. File › New case… starts one; "
    "File › Open the demo case shows a sample story to try the window on."
)


class MessageBar(QWidget):
    """A dismissable line at the top of the window for errors and notices, in plain words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.label = QLabel()
        self.label.setWordWrap(True)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(self.label, 1)
        lay.addWidget(close)
        self.setAutoFillBackground(True)
        self.hide()

    def show_message(self, text: str, error: bool = True) -> None:
        """Show ``text`` (an error in red, a notice in the normal colour)."""
        colour = "#b00020" if error else self.palette().text().color().name()
        self.label.setStyleSheet(f"color: {colour}")
        self.label.setText(text)
        self.show()


def spoken_names(people: Iterable[Any]) -> list[str]:
    """Each person's name and aliases, as the speaker completers offer them."""
    return [n for p in people for n in (p.name, *p.aliases)]


class MainWindow(QMainWindow):
    """The journalist's window over one store.

    Attributes:
        svc: The services.
        undo_stack: Edits of the open case.
        case_id: The open case.
        focus: The selection the panes are linked to, as (kind, id), or None.

    Signals:
        case_opened: Id of the case now shown.
        search_finished: After search results filled the panes.
    """

    case_opened = Signal(int)
    search_finished = Signal()

    def __init__(
        self, services: Services, settings: WindowSettings, *, defer_background: bool = False
    ) -> None:
        """Build the window and open the last case.

        ``defer_background``: start the background reads of the first case (completions,
        counts) only once the window has painted, so they do not slow the first picture
        (``python main.py``; tests build the window without it, workers then run at once).
        """
        super().__init__()
        # Work waiting for the first paint (None once painted, or when nothing is deferred).
        # After the first paint: the ORM and the services' modules first (the first pages
        # were read without them), then the background reads; one per turn of the event loop.
        self._after_paint: list[Callable[[], Any]] | None = (
            list(later_steps()) if defer_background else None
        )
        if defer_background:  # a window that is never painted (minimised) starts it anyway
            QTimer.singleShot(AFTER_PAINT_LIMIT, self._start_after_paint)
        self.svc = services
        self.settings = settings
        self.case_id: int | None = None
        self.focus: tuple[str, int] | None = None
        self.history: list[tuple[str, int]] = []
        self.history_pos = -1
        self.current_quote_id: int | None = None
        self.confirm: Callable[[str], bool] = self._ask_yes_no
        self.ask_speaker: Callable[[], str | None] = self._ask_speaker
        self._closing = False
        self._polling = False
        self._search_seq = 0
        self.setWindowTitle("Sourcebook")
        self.setObjectName("mainWindow")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)

        self.undo_stack = QUndoStack(self)
        self.undo_stack.indexChanged.connect(self._after_edit)
        cmd.ServiceCommand.report = self.show_error

        self._build_panes()
        self._build_actions()
        self._update_history_actions()  # nothing to go back or forward to yet
        self._build_toolbar_and_menus()
        self._build_status()
        self._restore_layout()

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY)
        self._search_timer.timeout.connect(self._run_search)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_INTERVAL)
        self._poll_timer.timeout.connect(self._poll_changes)

        self.reload_cases()
        last = settings.last_case
        ids: list[int] = [int(self.case_combo.itemData(i)) for i in range(self.case_combo.count())]
        if ids:
            self.open_case(last if last is not None and last in ids else ids[0])
        else:
            self.show_notice(NO_CASE_YET)
        self._poll_timer.start()

    # --- Building

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_panes(self) -> None:
        quotes_model = QuotesTableModel(self)
        self.quotes = TablePane(quotes_model)
        self.people = TablePane(PeopleTableModel(self))
        self.sources = TablePane(SourcesTableModel(self))
        self.events = TablePane(EventsTableModel(self))
        self.events.accept_drops()
        self.events.model.link_requested.connect(self.link_to_event)
        self.timeline_pane = TimelinePane()
        self.timeline = self.timeline_pane.view
        self.timeline.event_clicked.connect(lambda i: self.select_item("event", i))
        self.events_tabs = QTabWidget()
        self.events_tabs.addTab(self.events, "List")
        self.events_tabs.addTab(self.timeline_pane, "Timeline")
        # The timeline is drawn when its tab shows (see _draw_timeline).
        self._timeline_due: dict[str, Any] | None = None
        self._timeline_drawn: dict[str, Any] | None = None  # the filters of what it shows
        self.events_tabs.currentChanged.connect(lambda _: self._draw_timeline_if_shown())
        self.panes = {
            "source": self.sources,
            "quote": self.quotes,
            "person": self.people,
            "event": self.events,
        }
        for kind, pane in self.panes.items():
            pane.item_selected.connect(lambda i, k=kind: self.select_item(k, i))

        self.reader = ReaderView()
        self.reader.quote_requested.connect(self.create_quote)
        self.message_bar = MessageBar()
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.message_bar)
        lay.addWidget(self.reader, 1)
        self.setCentralWidget(central)

        left, right, bottom = (
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.docks = {
            "source": self._dock("Sources", "sourcesDock", self.sources, left),
            "person": self._dock("People", "peopleDock", self.people, left),
            "quote": self._dock("Quotes", "quotesDock", self.quotes, bottom),
            "event": self._dock("Events", "eventsDock", self.events_tabs, right),
        }
        self.card = CardView()
        self.card.place_edit_requested.connect(self.edit_place)
        self.editor = EditorPanel()
        self.editor.edit_requested.connect(self._on_edit_requested)
        self.editor.tags_requested.connect(self._on_tags_requested)
        self.editor.aliases_requested.connect(
            lambda pid, old, new: self.push(cmd.SetAliasesCommand(self.svc, pid, old, new))
        )
        self.editor.speaker_requested.connect(self._on_speaker_requested)
        self.editor.affiliation_added.connect(
            lambda *args: self.push(cmd.AddAffiliationCommand(self.svc, *args))
        )
        self.editor.unlink_requested.connect(
            lambda e, k, i: self.push(cmd.UnlinkCommand(self.svc, e, k, i))
        )
        self.editor.affiliation_removed.connect(
            lambda a: self.push(cmd.RemoveAffiliationCommand(self.svc, a))
        )
        self.editor.failed.connect(self.show_error)
        self.card_dock = self._dock("Card", "cardDock", self.card, right)
        self.editor_dock = self._dock("Edit", "editorDock", self.editor, right)
        self.splitDockWidget(self.docks["event"], self.card_dock, Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.card_dock, self.editor_dock)
        self.card_dock.raise_()
        self.splitDockWidget(self.docks["source"], self.docks["person"], Qt.Orientation.Vertical)
        self.saved_searches = SavedSearchesPane(
            self.svc, lambda: self.search_edit.text(), run_later=self.run_after_first_paint
        )
        self.saved_searches.run_requested.connect(self.run_saved_search)
        self.saved_searches.failed.connect(self.show_error)
        self.saved_searches.noticed.connect(self.show_notice)
        self.case_opened.connect(self.saved_searches.set_case)
        self.saved_dock = self._dock(
            "Saved searches", "savedSearchesDock", self.saved_searches, left
        )
        self.tabifyDockWidget(self.docks["person"], self.saved_dock)
        self.docks["person"].raise_()
        self.search_marks = SearchHighlighter(self.reader.text_edit)  # matches in the reader
        self.resizeDocks(
            [self.docks["source"], self.docks["event"]], [400, 420], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.docks["quote"]], [230], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["event"], self.card_dock], [300, 420], Qt.Orientation.Vertical)

        # The suggestions pane is built when first wanted (its modules take 50 ms to import).
        self._review: tuple[Any, QDockWidget] | None = None

    def _action(
        self, text: str, slot: Callable[..., Any], shortcut: Any = None, tip: str = ""
    ) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(lambda *_: slot())
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        a = self._action
        self.act_quote = a(
            "&Quote selection",
            self.quote_selection,
            QUOTE_SHORTCUT,
            "Make a quote of the selected text (Ctrl+Shift+Q)",
        )
        self.act_move_span = a(
            "&Move quote to selection",
            self.move_quote_to_selection,
            tip="Make the selected quote cover the text selected in the reader",
        )
        self.act_back = a(
            "&Back", self.go_back, QKeySequence.StandardKey.Back, "Previous selection"
        )
        self.act_forward = a(
            "&Forward", self.go_forward, QKeySequence.StandardKey.Forward, "Next selection"
        )
        self.act_back.setShortcuts([QKeySequence("Alt+Left")])
        self.act_forward.setShortcuts([QKeySequence("Alt+Right")])
        self.act_show_all = a(
            "Show &all", self.show_all, "Esc", "Unlink the panes: show everything"
        )
        self.act_search = a("&Search", self.focus_search, QKeySequence.StandardKey.Find)
        self.act_save_search = a(
            "Save current searc&h…",
            self.saved_searches.save_current,
            tip="Keep the search in the search field under a name (Saved searches pane)",
        )
        self.act_delete = a("&Delete…", self.delete_selected, QKeySequence.StandardKey.Delete)
        self.act_new_note = a("&New note…", self.new_note, "Ctrl+N", "Type interview notes")
        self.act_import = a("&Import files…", self.import_dialog, "Ctrl+I")
        self.act_import_folder = a(
            "Import a &folder…",
            self.import_folder_dialog,
            "Ctrl+Shift+I",
            "Import every file in a folder and its subfolders",
        )
        self.act_export = a("&Export…", self.export_dialog, "Ctrl+E")
        self.act_new_case = a("New &case…", self.new_case)
        self.act_case_details = a("Case &details…", self.edit_case, tip="Title, author, summary")
        self.act_demo = a("Open the &demo case", self.open_demo)
        self.act_merge = a("&Merge into…", self.merge_person)
        self.act_suggest = a("&Suggest quotes…", self.suggest_quotes)
        self.act_quit = a("&Quit", self.close, "Ctrl+Q")  # the desktops' Quit key everywhere
        self.act_undo = self.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(QKeySequence("Ctrl+Z"))
        self.act_redo = self.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addAction(self.act_undo)
        self.addAction(self.act_redo)
        self.pane_actions = []
        for n, kind in enumerate(("source", "quote", "person", "event"), start=1):
            self.pane_actions.append(
                a(self.docks[kind].windowTitle(), lambda k=kind: self.focus_pane(k), f"Alt+{n}")
            )
        self.pane_actions.append(a(self.saved_dock.windowTitle(), self.focus_saved, "Alt+5"))

    def _build_toolbar_and_menus(self) -> None:
        tb = QToolBar("Main")
        tb.setObjectName("mainToolbar")
        self.addToolBar(tb)
        self.case_combo = QComboBox()
        self.case_combo.setObjectName("caseCombo")
        self.case_combo.setMinimumContentsLength(24)
        self.case_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.case_combo.setToolTip("Switch case")
        self.case_combo.activated.connect(
            lambda i: self.open_case(int(self.case_combo.itemData(i)))
        )
        tb.addWidget(QLabel(" Case: "))
        tb.addWidget(self.case_combo)
        tb.addSeparator()
        tb.addAction(self.act_back)
        tb.addAction(self.act_forward)
        tb.addAction(self.act_show_all)
        tb.addSeparator()
        tb.addAction(self.act_quote)
        tb.addAction(self.act_new_note)
        tb.addAction(self.act_import)
        tb.addSeparator()
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setPlaceholderText("Search (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMaximumWidth(320)
        self.search_edit.textChanged.connect(self._search_changed)
        tb.addWidget(self.search_edit)
        tb.addAction(self.act_save_search)
        self.focus_label = QLabel()
        self.focus_label.setObjectName("focusLabel")
        tb.addWidget(self.focus_label)

        mb = self.menuBar()
        f = mb.addMenu("&File")
        for a in (
            self.act_new_case,
            self.act_case_details,
            self.act_demo,
            None,
            self.act_new_note,
            self.act_import,
            self.act_import_folder,
            self.act_export,
            None,
            self.act_quit,
        ):
            f.addSeparator() if a is None else f.addAction(a)
        e = mb.addMenu("&Edit")
        for a in (
            self.act_undo,
            self.act_redo,
            None,
            self.act_quote,
            self.act_move_span,
            self.act_delete,
            None,
            self.act_search,
            self.act_save_search,
        ):
            e.addSeparator() if a is None else e.addAction(a)
        p = mb.addMenu("&Person")
        p.addAction(self.act_merge)
        s = mb.addMenu("&Source")
        s.addAction(self.act_suggest)
        v = mb.addMenu("&View")
        for a in (self.act_back, self.act_forward, self.act_show_all, None, *self.pane_actions):
            v.addSeparator() if a is None else v.addAction(a)
        v.addSeparator()
        for d in (*self.docks.values(), self.saved_dock, self.card_dock, self.editor_dock):
            v.addAction(d.toggleViewAction())

    def _build_status(self) -> None:
        self.backup_label = QLabel()
        self.count_label = QLabel()
        self.statusBar().addWidget(self.count_label, 1)
        self.statusBar().addPermanentWidget(self.backup_label)
        self.run_after_first_paint(self.show_backup)  # a read of the backups folder

    # --- Layout persistence

    def _restore_layout(self) -> None:
        if self.settings.geometry is not None:
            self.restoreGeometry(self.settings.geometry)
        else:
            self.resize(1400, 860)
        if self.settings.state is not None:
            self.restoreState(self.settings.state, LAYOUT_VERSION)
        for kind, pane in self.panes.items():
            h = self.settings.header(kind)
            if h is not None:
                pane.view.horizontalHeader().restoreState(h)
            else:
                for column, width in enumerate(COLUMN_WIDTHS[kind]):
                    pane.view.setColumnWidth(column, width)

    def save_layout(self) -> None:
        """Remember geometry, docks, column widths and the open case."""
        self.settings.save_window(self.saveGeometry(), self.saveState(LAYOUT_VERSION))
        for kind, pane in self.panes.items():
            self.settings.save_header(kind, pane.view.horizontalHeader().saveState())
        if self.case_id is not None:
            self.settings.save_case(self.case_id)
        self.settings.sync()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        """Save the layout; every edit is already saved."""
        self._closing = True
        self._poll_timer.stop()
        self._search_timer.stop()
        self.save_layout()
        if cmd.ServiceCommand.report == self.show_error:
            cmd.ServiceCommand.report = None
        super().closeEvent(event)

    @property
    def closing(self) -> bool:
        """Whether the window is closing (late task results are then dropped)."""
        return self._closing

    def run_after_first_paint(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` once the window has painted (now if it has, or if nothing is deferred)."""
        if self._after_paint is None:
            fn()
        else:
            self._after_paint.append(fn)

    def paintEvent(self, event: Any) -> None:  # noqa: N802
        """After the first paint, start the work that was waiting for it."""
        super().paintEvent(event)
        self._start_after_paint()

    def _start_after_paint(self) -> None:
        if self._after_paint is not None:
            pending, self._after_paint = self._after_paint, None
            if pending:
                QTimer.singleShot(0, lambda: self._run_pending(pending))

    def _run_pending(self, pending: list[Callable[[], Any]]) -> None:
        # One at a time, so that input waiting in between is served.
        if not self._closing and pending:
            pending.pop(0)()
            QTimer.singleShot(0, lambda: self._run_pending(pending))

    # --- Messages

    def show_error(self, text: str) -> None:
        """Show a plain-language error in the message bar."""
        self.message_bar.show_message(text, error=True)

    def show_notice(self, text: str) -> None:
        """Show a notice in the message bar."""
        self.message_bar.show_message(text, error=False)

    def _task_failed(self, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            self.show_error(exc.message)
        else:
            log.error("task failed", exc_info=exc)
            self.show_error(f"Something went wrong: {exc}")

    def _guard(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except DomainError as exc:
            self.show_error(exc.message)
            return None

    def _ask_yes_no(self, question: str) -> bool:
        answer = QMessageBox.question(self, "Sourcebook", question)
        return answer == QMessageBox.StandardButton.Yes

    # --- Cases

    def reload_cases(self) -> None:
        """Fill the case switcher."""
        self.case_combo.blockSignals(True)
        self.case_combo.clear()
        for c in self.svc.lists.cases():
            self.case_combo.addItem(c.title, c.id)
        self.case_combo.blockSignals(False)

    def open_case(self, case_id: int) -> None:
        """Show a case in every pane."""
        if self.message_bar.label.text() == NO_CASE_YET:
            self.message_bar.hide()
        self.case_id = case_id
        idx = self.case_combo.findData(case_id)
        if idx >= 0:
            self.case_combo.setCurrentIndex(idx)
            self.setWindowTitle(f"{self.case_combo.itemText(idx)} — Sourcebook")
        self.undo_stack.clear()
        self.history, self.history_pos = [], -1
        self._update_history_actions()
        self.focus = None
        self.current_quote_id = None
        self.reader.clear()
        self.card.show_nothing()
        self.editor.show_nothing()
        self.settings.save_case(case_id)
        self._timeline_drawn = None  # another case's, or the same case read again
        self._apply_filters({})
        self.run_after_first_paint(self._refresh_completions)
        self.run_after_first_paint(self._update_counts)
        # The baseline for colleagues' changes (a scan of the case: seconds on a big one).
        self.run_after_first_paint(lambda: run_task(partial(self.svc.changes.reset, case_id)))
        self.case_opened.emit(case_id)

    def edit_case(self) -> None:
        """Edit the open case's title, author and summary in the editor (File > Case details)."""
        if self.case_id is not None:
            case = self._guard(lambda: self.svc.cases.get(self.case_id or 0))
            if case is not None:
                self.editor.show_item("case", case)
                self.editor_dock.show()
                self.editor_dock.raise_()

    def edit_place(self, place_id: int) -> None:
        """Edit a place (its name, coordinates and notes) in the editor."""
        place = self._guard(lambda: self.svc.places.get(place_id))
        if place is not None:
            self.editor.show_item("place", place)
            self.editor_dock.show()
            self.editor_dock.raise_()

    def new_case(self) -> None:
        """Ask for a title and create a case."""
        title, ok = QInputDialog.getText(self, "New case", "Title of the case:")
        if ok and title.strip():
            c = self._guard(lambda: self.svc.cases.create(title.strip()))
            if c is not None:
                self.reload_cases()
                self.open_case(c.id)

    def open_demo(self) -> None:
        """Create the sample case and open it."""
        from services.demo import build_demo

        c = self._guard(lambda: build_demo(self.svc))
        if c is not None:
            self.reload_cases()
            self.open_case(c.id)

    # --- Linking

    def _fetcher(self, kind: str, **filters: Any) -> Callable[[int, int], Sequence[Any]]:
        case_id = self.case_id
        assert case_id is not None
        svc = self.svc
        if kind == "quote":
            return lambda o, n: svc.lists.quotes(case_id, offset=o, limit=n, **filters)
        if kind == "person":
            return lambda o, n: svc.lists.people(case_id, offset=o, limit=n, **filters)
        if kind == "source":
            return lambda o, n: svc.lists.sources(case_id, offset=o, limit=n, **filters)
        return lambda o, n: svc.lists.events(case_id, offset=o, limit=n, **filters)

    def _apply_filters(self, filters: dict[str, dict[str, Any] | None]) -> None:
        """Point each pane at its filtered list.

        A pane missing from ``filters`` shows all; a pane mapped to None keeps what it shows.
        """
        if self.case_id is None:
            return
        for kind, pane in self.panes.items():
            if kind in filters and filters[kind] is None:
                continue
            pane.model.set_fetcher(self._fetcher(kind, **(filters.get(kind) or {})))
            pane.load_first_page()
        self._draw_timeline(filters.get("event") or {})

    def _draw_timeline(self, filters: dict[str, Any]) -> None:
        """Show the case's events, filtered by ``filters``, on the timeline once its tab shows.

        Reading and drawing 2,000 events takes a few tenths of a second on a big case: a start,
        or a selection, with the event list showing leaves it for when the tab is chosen. The
        same events as those drawn are not drawn again (the view keeps its place and zoom: an
        event clicked on the timeline stays under the mouse) unless the case was read again
        (``_timeline_drawn`` set to None).
        """
        self._timeline_due = dict(filters)
        self._draw_timeline_if_shown()

    def _draw_timeline_if_shown(self) -> None:
        shown = self.events_tabs.currentWidget() is self.timeline_pane
        if not shown or self.case_id is None:
            return
        if self._timeline_due is not None:
            filters, self._timeline_due = self._timeline_due, None
            if filters != self._timeline_drawn:
                drawn = self.svc.events.timeline(self.case_id, limit=TIMELINE_LIMIT, **filters)
                self.timeline_pane.set_timeline(drawn)
                self._timeline_drawn = filters
        focus = self.focus
        self.timeline.mark_selected(focus[1] if focus is not None and focus[0] == "event" else None)

    def select_item(self, kind: str, ident: int, *, record: bool = True) -> None:
        """Make (kind, ident) the current selection and link the other panes to it."""
        if self.case_id is None:
            return
        try:
            self._select(kind, ident)
        except DomainError as exc:
            self.show_error(exc.message)
            return
        if record:
            del self.history[self.history_pos + 1 :]
            if not self.history or self.history[-1] != (kind, ident):
                self.history.append((kind, ident))
            self.history_pos = len(self.history) - 1
        self._update_history_actions()

    def _select(self, kind: str, ident: int) -> None:
        svc = self.svc
        if kind == "person":
            person = svc.people.get(ident)
            self.focus = (kind, ident)
            self._apply_filters(
                {
                    "person": None,
                    "quote": {"speaker_id": ident},
                    "event": {"person_id": ident},
                    "source": {"person_id": ident},
                }
            )
            self.card.show_person(person, svc.people.stats(ident))
            self.card_dock.raise_()
            self.editor.show_item("person", person)
            self._set_focus_label(f"Linked to {person.public_label}")
        elif kind == "event":
            event = svc.events.get(ident)
            self.focus = (kind, ident)
            self._apply_filters(
                {
                    "event": None,
                    "quote": {"event_id": ident},
                    "person": {"event_id": ident},
                    "source": {"event_id": ident},
                }
            )
            self._draw_timeline({})
            if event.place_id is not None:
                place = svc.places.get(event.place_id)
                there = svc.lists.events(event.case_id, place_id=place.id, limit=CARD_EVENTS)
                total = len(there)
                if total == CARD_EVENTS:
                    total = svc.events.count(event.case_id, place_id=place.id)
                self.card.show_place(place, there, total)
            else:
                self.card.show_nothing()
            self.editor.show_item("event", event, self._event_links(event))
            self._set_focus_label(f"Linked to event “{event.title}”")
        elif kind == "source":
            source = svc.sources.get(ident)
            self.focus = (kind, ident)
            self._apply_filters(
                {
                    "source": None,
                    "quote": {"source_id": ident},
                    "person": {"source_id": ident},
                    "event": {"source_id": ident},
                }
            )
            self.current_quote_id = None
            self.open_source(ident)
            self.editor.show_item("source", source)
            self._set_focus_label(f"Linked to {source.public_label}")
        elif kind == "quote":
            quote = svc.quotes.get(ident)
            self.current_quote_id = ident
            self.open_source(quote.source_id, quote_id=ident)
            self.editor.show_item("quote", quote)
            if quote.speaker_id is not None:  # who said it, with their names and roles
                speaker = svc.people.get(quote.speaker_id)
                self.card.show_person(speaker, svc.people.stats(speaker.id))
                self.card_dock.raise_()
        self.panes[kind].select_id(ident)

    def _event_links(self, event: Any) -> list[tuple[str, int, str]]:
        """What an event is linked to, labelled for the editor (confidential ones marked)."""
        links: list[tuple[str, int, str]] = []
        for link in self.svc.events.links(event.id):
            label = link.label
            if link.kind == "quote":
                text = label if len(label) <= 60 else label[:59] + "…"
                label = f"“{text}”"
            elif link.confidential:
                label = "\N{LOCK} " + label
            links.append((link.kind, link.id, label))
        return links

    def _set_focus_label(self, text: str) -> None:
        self.focus_label.setText(f"  {text}  " if text else "")
        for kind, pane in self.panes.items():
            linked = self.focus is not None and self.focus[0] != kind
            pane.set_caption(text if linked else "")

    def show_all(self) -> None:
        """Unlink: every pane shows the whole case."""
        self.focus = None
        self._set_focus_label("")
        self._apply_filters({})

    def open_source(self, source_id: int, quote_id: int | None = None) -> None:
        """Show a source in the reader, its quotes highlighted (``quote_id`` in focus)."""
        source = self.svc.sources.get(source_id)
        text = self.svc.sources.get_text(source_id)
        quotes = self.svc.lists.quotes(source_id=source_id)
        self.reader.show_source(source, text, quotes)
        self.reader.highlight(quote_id)

    # --- History

    def go_back(self) -> None:
        """The previous selection."""
        if self.history_pos > 0:
            self.history_pos -= 1
            self.select_item(*self.history[self.history_pos], record=False)

    def go_forward(self) -> None:
        """The next selection."""
        if self.history_pos < len(self.history) - 1:
            self.history_pos += 1
            self.select_item(*self.history[self.history_pos], record=False)

    def _update_history_actions(self) -> None:
        self.act_back.setEnabled(self.history_pos > 0)
        self.act_forward.setEnabled(self.history_pos < len(self.history) - 1)

    # --- Keyboard

    def focus_pane(self, kind: str) -> None:
        """Raise a pane and put the keyboard in it (Alt+1..4)."""
        dock = self.docks[kind]
        dock.show()
        dock.raise_()
        if kind == "event":
            self.events_tabs.setCurrentWidget(self.events)
        self.panes[kind].view.setFocus()

    def focus_saved(self) -> None:
        """Raise the saved searches and put the keyboard in them (Alt+5)."""
        self.saved_dock.show()
        self.saved_dock.raise_()
        self.saved_searches.view.setFocus()

    def focus_search(self) -> None:
        """Put the keyboard in the search field (Ctrl+F)."""
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def _focused_kind(self) -> str | None:
        w = self.focusWidget()
        for kind, pane in self.panes.items():
            if w is not None and (w is pane.view or pane.isAncestorOf(w)):
                return kind
        return None

    # --- Search

    def has_search_service(self) -> bool:
        """Whether the store offers full-text search (services.search)."""
        return getattr(self.svc, "search", None) is not None

    def _search_changed(self, text: str) -> None:
        if not self.has_search_service():
            # Until full-text search exists, the field filters the rows each pane shows.
            for pane in self.panes.values():
                pane.proxy.set_text(text)
            return
        # People and events are not indexed: they are filtered as they are shown.
        self.people.proxy.set_text(plain_words(text))
        self.events.proxy.set_text(plain_words(text))
        self._search_timer.start()

    def _run_search(self) -> None:
        text = self.search_edit.text().strip()
        case_id = self.case_id
        if case_id is None:
            return
        self._search_seq += 1
        if not text:
            self.search_marks.set_query("")
            self.show_all()
            self.search_finished.emit()
            return
        seq = self._search_seq
        search = getattr(self.svc, "search", None)
        if search is None:
            return

        get_source = self.svc.sources.get  # on this thread: it may import the service

        def find() -> tuple[Any, list[Any]]:
            # The first page of sources is read here too: on a big case, reading sources on
            # the GUI thread would freeze the window after each keystroke.
            result = _call_search(search, case_id, text, 0, SEARCH_PAGE)
            return result, _sources_by_id(get_source, _hit_ids(result)[1][:SEARCH_PAGE])

        def done(found: tuple[Any, list[Any]]) -> None:
            if seq != self._search_seq or self._closing or case_id != self.case_id:
                return  # a newer search is running, or another case is open
            self.show_search_results(text, found[0], search, found[1])
            self.search_finished.emit()

        run_task(find, done, self._task_failed)

    def run_saved_search(self, query: str) -> None:
        """Put a saved search's query in the search field and run it now."""
        self.search_edit.setText(query)
        self._search_timer.stop()
        self._run_search()

    def show_search_results(
        self, text: str, first: Any, search: Any = None, sources_read: Sequence[Any] = ()
    ) -> None:
        """Show what a search found.

        Quotes come best first; more pages are asked of ``search`` as the list scrolls. The
        Sources pane shows the sources that matched or hold a matching quote, in the order of
        the hits (``sources_read``: those already read, so not read again here).
        """
        if self.case_id is None:
            return
        case_id, svc = self.case_id, self.svc
        quote_ids, source_ids = _hit_ids(first)
        total = int(getattr(first, "quote_total", len(quote_ids)))
        exact = bool(getattr(first, "quote_total_exact", True))

        def quotes(o: int, n: int) -> list[Any]:
            page = list(quote_ids[o : o + n])
            if len(page) < n and search is not None and len(quote_ids) >= SEARCH_PAGE:
                at = o + len(page)  # beyond the first page: ask the search for the next hits
                more, _ = _hit_ids(_call_search(search, case_id, text, at, n - len(page), "quotes"))
                page += more
            if not page:
                return []
            order = {qid: i for i, qid in enumerate(page)}
            return sorted(svc.lists.quotes(case_id, ids=page), key=lambda q: order[q.id])

        wanted = source_ids
        read = {s.id: s for s in sources_read}

        def sources(o: int, n: int) -> list[Any]:
            page = wanted[o : o + n]
            missing = _sources_by_id(svc.sources.get, [i for i in page if i not in read])
            read.update((s.id, s) for s in missing)
            return [read[i] for i in page if i in read]

        self.focus = None
        self.search_marks.set_query(text)
        count = f"{total:,}{'' if exact else '+'} quote{'s' if total != 1 else ''}"
        self._set_focus_label(f"Search “{text}”: {count}")
        self.quotes.proxy.set_text("")
        self.sources.proxy.set_text("")
        self.quotes.model.set_fetcher(quotes)
        self.quotes.load_first_page()
        self.sources.model.set_fetcher(sources if wanted else None)
        self.sources.load_first_page()

    # --- Annotating

    def quote_selection(self) -> None:
        """Make a quote from the reader's selection (Ctrl+Shift+Q)."""
        if not self.reader.request_quote():
            self.show_error("Select the words of the quote in the reader first.")

    def move_quote_to_selection(self) -> None:
        """Make the current quote cover the reader's selection instead (Edit menu)."""
        span = self.reader.selected_span()
        qid = self.current_quote_id
        if qid is None or span is None or self.reader.source is None:
            self.show_error("Select a quote, then select its new words in the reader.")
            return
        quote = self._guard(lambda: self.svc.quotes.get(qid))
        if quote is None:
            return
        if quote.source_id != self.reader.source.id:
            self.show_error("A quote can only move within its own source.")
            return
        self.push(cmd.MoveSpanCommand(self.svc, qid, (quote.start, quote.end), span[:2]))

    def create_quote(
        self, start: int, end: int, text: str, speaker: str | None = None
    ) -> int | None:
        """Create a quote from ``start``..``end`` of the source in the reader; returns its id."""
        if self.reader.source is None or self.case_id is None:
            return None
        name = self.ask_speaker() if speaker is None else speaker
        if name is None:
            return None  # cancelled
        speaker_id, new_speaker = self._resolve_speaker(name)
        c = cmd.AddQuoteCommand(
            self.svc,
            self.reader.source.id,
            start,
            end,
            text,
            speaker_id=speaker_id,
            new_speaker=new_speaker,
            case_id=self.case_id,
        )
        self.push(c)
        if c.error is None and c.quote_id is not None:
            self.current_quote_id = c.quote_id
            self.reader.highlight(c.quote_id)
        return c.quote_id if c.error is None else None

    def _resolve_speaker(self, name: str) -> tuple[int | None, str | None]:
        name = name.strip()
        if not name or self.case_id is None:
            return None, None
        found = self.svc.people.find(self.case_id, name)
        return (found.id, None) if found is not None else (None, name)

    def _ask_speaker(self) -> str | None:
        dlg = QDialog(self)
        dlg.setWindowTitle("Who said it?")
        edit = QLineEdit()
        edit.setPlaceholderText("Name or alias; a new name creates the person; empty: unknown")
        model = QStringListModel(self._name_list(), dlg)
        completer = QCompleter(model, edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        edit.setCompleter(completer)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(dlg.accept)
        buttons.rejected.connect(dlg.reject)
        lay = QVBoxLayout(dlg)
        lay.addWidget(QLabel("Speaker:"))
        lay.addWidget(edit)
        lay.addWidget(buttons)
        return edit.text() if dlg.exec() == QDialog.DialogCode.Accepted else None

    def _name_list(self) -> list[str]:
        if self.case_id is None:
            return []
        return spoken_names(self.svc.lists.people(self.case_id, limit=NAME_LIMIT))

    def _refresh_completions(self) -> None:
        """Reload the names, tags and places the editor offers (on a worker: big cases)."""
        if self.case_id is None:
            return
        case_id, lists, tag_service, place_service = (
            self.case_id,
            self.svc.lists,
            self.svc.tags,
            self.svc.places,
        )

        def load() -> tuple[list[str], list[tuple[int, str]], list[str], list[tuple[int, str]]]:
            people = lists.people(case_id, limit=NAME_LIMIT)
            names = spoken_names(people)
            organisations = [(p.id, p.name) for p in people if p.kind.value == "organisation"]
            tags = [n for n, _ in tag_service.list(case_id)]
            places = [(p.id, p.name) for p in place_service.list(case_id)]
            return names, organisations, tags, places

        def done(result: Any) -> None:
            if self._closing or case_id != self.case_id:
                return
            names, organisations, tags, places = result
            self.editor.set_person_names(names)
            self.editor.set_organisations(organisations)
            self.editor.set_tag_names(tags)
            self.editor.set_places(places)

        run_task(load, done, self._task_failed)

    # --- Editing

    def push(self, command: cmd.ServiceCommand) -> None:
        """Run an edit through the undo stack (push runs its redo)."""
        self.undo_stack.push(command)

    def _on_edit_requested(self, kind: str, ident: int, old: Any, new: Any) -> None:
        self.push(cmd.UpdateCommand(self.svc, kind, ident, old, new))

    def _on_tags_requested(self, kind: str, ident: int, old: Any, new: Any) -> None:
        self.push(cmd.SetTagsCommand(self.svc, kind, ident, old, new))

    def _on_speaker_requested(self, quote_id: int, name: str) -> None:
        speaker_id, new_name = self._resolve_speaker(name)
        old = self.svc.quotes.get(quote_id).speaker_id
        self.push(
            cmd.SetSpeakerCommand(self.svc, quote_id, old, speaker_id, new_name, self.case_id)
        )

    def link_to_event(self, event_id: int, kind: str, ident: int) -> None:
        """Link a dropped quote, person or source to an event (undoable)."""
        self.push(cmd.LinkCommand(self.svc, event_id, kind, ident))
        self.show_notice(f"Linked {KIND_NOUN.get(kind, kind)} to the event.")

    def delete_selected(self) -> None:
        """Delete the selected quote, event or person, after asking (Delete key)."""
        kind = self._focused_kind() or (self.history[self.history_pos][0] if self.history else None)
        if kind is None:
            return
        ident = self.panes[kind].current_id()
        if ident is None:
            return
        self.delete_item(kind, ident)

    def delete_item(self, kind: str, ident: int) -> None:
        """Ask, then delete one item through the undo stack."""
        if kind == "quote":
            q = self.svc.quotes.get(ident)
            if self.confirm(f"Delete the quote “{q.text[:80]}”? (Ctrl+Z brings it back.)"):
                self.push(cmd.DeleteQuoteCommand(self.svc, ident, q.text))
        elif kind == "event":
            e = self.svc.events.get(ident)
            if self.confirm(f"Delete the event “{e.title}”? (Ctrl+Z brings it back.)"):
                self.push(cmd.DeleteEventCommand(self.svc, ident, e.title))
        elif kind == "person":
            p = self.svc.people.get(ident)
            if self.confirm(f"Delete {p.name}? (Ctrl+Z brings them back.)"):
                self.push(cmd.DeletePersonCommand(self.svc, ident, p.name))
        else:
            self.show_error(
                "Sources are kept: correct one with a new revision, or delete it from the "
                "command line (`sourcebook source delete`)."
            )

    def merge_person(self) -> None:
        """Merge the selected person into another (cannot be undone)."""
        if self.case_id is None or not self.people.current_id():
            self.show_error("Select the person to merge in the People pane first.")
            return
        other = self.svc.people.get(self.people.current_id() or 0)
        people = [p for p in self.svc.people.list(self.case_id, limit=5000) if p.id != other.id]
        names = [p.name for p in people]
        name, ok = QInputDialog.getItem(
            self, "Merge people", f"Merge {other.name} into:", names, 0, False
        )
        if not ok:
            return
        survivor = people[names.index(name)]
        self.merge_people(survivor.id, other.id)

    def merge_people(self, survivor_id: int, other_id: int) -> None:
        """Merge ``other`` into ``survivor`` after asking (merging cannot be undone)."""
        other = self.svc.people.get(other_id)
        survivor = self.svc.people.get(survivor_id)
        if not self.confirm(
            f"Merge {other.name} into {survivor.name}? Their quotes, links and names move to "
            f"{survivor.name}. This cannot be undone."
        ):
            return
        if self._guard(lambda: self.svc.people.merge(survivor_id, other_id)) is not None:
            self.undo_stack.clear()  # earlier edits may name the merged person
            self.refresh()
            self.select_item("person", survivor_id)

    def _after_edit(self, *_: Any) -> None:
        self.refresh()
        if self.case_id is not None:
            case_id = self.case_id
            run_task(partial(self.svc.changes.reset, case_id))

    def refresh(self) -> None:
        """Reload what is shown from the services (after an edit here or by a colleague)."""
        if self.case_id is None or self._closing:
            return
        for pane in self.panes.values():
            current = pane.current_id()
            try:
                pane.model.reload()
            except DomainError as exc:
                self.show_error(exc.message)
            if current is not None:
                pane.select_id(current)
        focus_filters = (self.focus or ("", 0))[0]
        self._timeline_drawn = None  # what it shows may have changed
        self._draw_timeline(
            {"person": {"person_id": self.focus[1]}, "source": {"source_id": self.focus[1]}}.get(
                focus_filters, {}
            )
            if self.focus
            else {}
        )
        if self.reader.source is not None:
            try:
                self.open_source(self.reader.source.id, self.current_quote_id)
            except DomainError:
                self.reader.clear()
        self._refresh_editor()
        self._refresh_completions()
        self._update_counts()
        self.saved_searches.recount()
        if self.editor.kind == "case":  # its title may have changed
            self.reload_cases()
            idx = self.case_combo.findData(self.case_id)
            self.case_combo.setCurrentIndex(idx)
            self.setWindowTitle(f"{self.case_combo.itemText(idx)} — Sourcebook")

    def _refresh_editor(self) -> None:
        kind, dto = self.editor.kind, self.editor.dto
        if not kind or dto is None:
            return
        getter = {
            "quote": self.svc.quotes.get,
            "person": self.svc.people.get,
            "event": self.svc.events.get,
            "source": self.svc.sources.get,
            "place": self.svc.places.get,
            "case": self.svc.cases.get,
        }[kind]
        try:
            fresh = getter(dto.id)
        except DomainError:
            self.editor.show_nothing()
            return
        if fresh != dto:
            self.editor.update_item(fresh)
            if kind == "event":
                self.editor.set_links(self._event_links(fresh))
        if kind == "person":
            self.card.show_person(fresh, self.svc.people.stats(dto.id))

    def _update_counts(self) -> None:
        if self.case_id is None:
            return
        case_id = self.case_id

        def shown(counts: Any) -> None:
            if self._closing or case_id != self.case_id:
                return
            self.count_label.setText(
                "  ·  ".join(f"{v:,} {noun(v, k)}" for k, v in counts.items() if isinstance(v, int))
            )

        run_task(partial(self.svc.cases.counts, case_id), shown, lambda exc: None)

    # --- Notes, imports, exports

    def new_note(self, title: str | None = None, text: str | None = None) -> int | None:
        """Type interview notes; they become a source (File > New note)."""
        if self.case_id is None:
            self.show_error("Open or create a case first.")
            return None
        if title is None or text is None:
            dlg = QDialog(self)
            dlg.setWindowTitle("New note")
            t = QLineEdit()
            t.setPlaceholderText("Title, e.g. Interview with …, 12 March")
            body = QPlainTextEdit()
            buttons = QDialogButtonBox(
                QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            )
            buttons.accepted.connect(dlg.accept)
            buttons.rejected.connect(dlg.reject)
            lay = QVBoxLayout(dlg)
            lay.addWidget(t)
            lay.addWidget(body, 1)
            lay.addWidget(buttons)
            dlg.resize(640, 480)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return None
            title, text = t.text().strip() or "Interview note", body.toPlainText()
        c = cmd.AddNoteCommand(self.svc, self.case_id, title, text)
        self.push(c)
        if c.error is None and c.source_id is not None:
            self.select_item("source", c.source_id)
            return c.source_id
        return None

    def import_dialog(self) -> None:
        """Choose files to import (File > Import files); the filter lists what can be read."""
        from services.importers import FILE_PATTERNS

        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Import files",
            "",
            f"Sources ({FILE_PATTERNS});;All files (*)",
        )
        if paths:
            self.import_paths(paths)

    def import_folder_dialog(self) -> None:
        """Choose a folder whose files are all imported (File > Import a folder)."""
        folder = QFileDialog.getExistingDirectory(self, "Import a folder")
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths: Sequence[str | Path]) -> TaskSignals | None:
        """Import files in a worker with a progress dialog and a Cancel button."""
        if self.case_id is None:
            self.show_error("Open or create a case first.")
            return None
        from services.imports import ImportService

        importer = getattr(self.svc, "imports", None) or ImportService(self.svc.store.sessions)
        case_id = self.case_id
        signals = TaskSignals()
        bridge = ProgressBridge(signals)
        dialog = QProgressDialog("Importing…", "Cancel", 0, 1000, self)
        dialog.setWindowTitle("Import")
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(bridge.cancel)

        def progressed(fraction: float, text: str) -> None:
            dialog.setValue(int(fraction * 1000))
            dialog.setLabelText(text)

        signals.progressed.connect(progressed)
        self.import_progress = dialog

        def done(summary: Any) -> None:
            dialog.reset()
            n = len(summary.imported)
            parts = [f"Imported {n} file{'s' if n != 1 else ''}."]
            if summary.duplicates:
                parts.append(f"{len(summary.duplicates)} already in the case.")
            if summary.failed:
                parts.append(
                    "Not imported: " + "; ".join(reason for _, reason in summary.failed[:5])
                )
            if summary.cancelled:
                parts.append("Stopped before the end.")
            self.show_message_for(summary, " ".join(parts))
            self.refresh()

        def failed(exc: BaseException) -> None:
            dialog.reset()
            self._task_failed(exc)

        return run_task(
            lambda: importer.import_files(case_id, [str(p) for p in paths], bridge),
            done,
            failed,
            write=True,
            signals=signals,
        )

    def show_message_for(self, summary: Any, text: str) -> None:
        """An import summary: an error if some files failed, else a notice."""
        if summary.failed:
            self.show_error(text)
        else:
            self.show_notice(text)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        """Files dragged onto the window can be imported."""
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        """Import the dropped files."""
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    def export_dialog(self) -> None:
        """File > Export… (the export dialog, imported when first wanted)."""
        if self.case_id is None:
            return
        from ui.export_dialog import ExportDialog

        ids = self.quotes.selected_ids() or None
        ExportDialog(self.svc, self.case_id, self, quote_ids=ids).exec()

    @property
    def review_pane(self) -> Any:
        """The suggested-quotes pane (built on first use, in a hidden dock)."""
        return self._review_parts()[0]

    @property
    def review_dock(self) -> QDockWidget:
        """The dock of the suggested-quotes pane (built on first use, hidden)."""
        return self._review_parts()[1]

    def _review_parts(self) -> tuple[Any, QDockWidget]:
        if self._review is None:
            from ui.panes.review_pane import ReviewPane

            pane = ReviewPane(self.svc, self.reader, self.undo_stack)
            pane.failed.connect(self.show_error)
            pane.proposals_accepted.connect(lambda *_: self.refresh())
            dock = self._dock(
                "Suggested quotes", "reviewDock", pane, Qt.DockWidgetArea.RightDockWidgetArea
            )
            self.tabifyDockWidget(self.editor_dock, dock)
            dock.hide()
            self._review = (pane, dock)
        return self._review

    def suggest_quotes(self) -> None:
        """Source > Suggest quotes… for the source in the reader."""
        if self.reader.source is None:
            self.show_error("Open a source in the reader first.")
            return
        self.review_pane.set_source(self.reader.source.id)
        self.review_dock.show()
        self.review_dock.raise_()

    # --- Background checks

    def _poll_changes(self) -> None:
        if self.case_id is None or self._closing:
            return
        if self._polling:
            return  # the last check is still running (a big case on a slow disk)
        case_id = self.case_id
        self._polling = True
        started = time.monotonic()

        def done(changed: bool) -> None:
            self._polling = False
            # A check must not keep the store busy: wait at least POLL_FACTOR times as long
            # as the check took before the next one.
            took_ms = (time.monotonic() - started) * 1000
            self._poll_timer.setInterval(max(POLL_INTERVAL, int(took_ms * POLL_FACTOR)))
            if changed and not self._closing and case_id == self.case_id:
                self.show_notice("This case was changed elsewhere; the panes were reloaded.")
                self.refresh()

        def failed(exc: BaseException) -> None:
            self._polling = False

        run_task(partial(self.svc.changes.poll, case_id), done, failed)
        self.show_backup()

    def show_backup(self) -> None:
        """Show the time of the last backup in the status bar."""

        def shown(info: Any) -> None:
            if self._closing:
                return
            if info is None:
                self.backup_label.setText("No backup yet")
            else:
                self.backup_label.setText(f"Last backup {info.made_at.astimezone():%d %b %H:%M}")

        run_task(self.svc.backups.last_backup, shown, lambda exc: None)


def _call_search(
    search: Any, case_id: int, text: str, offset: int, limit: int, kind: str = "both"
) -> Any:
    """One page of ``services.search``'s answer (``SearchService.search``)."""
    return search.search(case_id, text, limit=limit, offset=offset, kind=kind)


def _hit_ids(result: Any) -> tuple[list[int], list[int]]:
    """Quote ids (in result order) and the ids of sources found or quoted, from a search.

    ``result`` is a ``services.search`` result (``quotes`` and ``sources`` hit lists, each hit
    with ``kind``, ``id`` and ``source_id``), or a plain list of such hits.
    """
    if hasattr(result, "quotes") and hasattr(result, "sources"):
        hits = [*result.quotes, *result.sources]
    else:
        hits = list(getattr(result, "items", result) or [])
    quotes: list[int] = []
    sources: list[int] = []
    for hit in hits:
        kind = getattr(hit, "kind", "quote")
        kind = getattr(kind, "value", kind)
        if kind == "source":
            sources.append(int(hit.id))
        else:
            quotes.append(int(getattr(hit, "quote_id", None) or hit.id))
            if getattr(hit, "source_id", None) is not None:
                sources.append(int(hit.source_id))
    return quotes, list(dict.fromkeys(sources))


def _sources_by_id(get: Callable[[int], Any], ids: Sequence[int]) -> list[Any]:
    """The sources ``ids`` in that order, read with ``get`` (one deleted since is left out)."""
    out: list[Any] = []
    for sid in ids:
        try:
            out.append(get(sid))
        except DomainError:
            continue
    return out
