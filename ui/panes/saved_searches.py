"""Saved searches beside the panes, and the search's matches marked in the reader.

The pane lists the open case's saved searches (and those saved for every case) with how many
quotes and sources each finds (counted on a worker). Enter or a double-click runs one: the main
window puts its query in the search field and fills the quotes and sources panes. The journalist
saves the current search under a name, renames and deletes (after asking) saved searches; every
failure is a plain sentence for the window's message bar.

:class:`SearchHighlighter` marks the words of the current search in the reader's text (bold,
underlined, on a green ground outside saved quotes), with the search service's own forgiving
matching, so ``deir ezzor`` marks “Deir Ezzor” and a harakat-free Arabic word its voweled form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QKeyEvent,
    QSyntaxHighlighter,
    QTextCharFormat,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from services.container import Services
from services.errors import DomainError
from services.search.dto import SavedSearchDTO
from services.search.highlight import find_matches, matcher
from services.search.query import And, Text, parse, text_leaves
from ui.panes.table_pane import setup_row_view
from ui.reader_view import OffsetMap, is_dark
from ui.table_models import IdRole
from ui.workers import run_task

QueryRole = Qt.ItemDataRole.UserRole + 2

MATCH_COLOUR = QColor(170, 230, 170)  # a search match outside saved quotes
MATCH_COLOUR_DARK = QColor(35, 100, 45)
NAME_CHARS = 60  # characters of the query offered as the name of a new saved search

COLUMNS = ("Name", "Quotes", "Sources", "Search")
NAME, QUOTES, SOURCES, QUERY = range(4)


def _clip(text: str, n: int = NAME_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _count(total: int, exact: bool) -> str:
    return f"{total:,}" if exact else f"{total:,}+"


def plain_words(query: str) -> str:
    """The words of ``query`` when it is only words, prefixes or phrases, else "".

    The people and events panes are not indexed: they keep the rows whose cells contain these
    words. A query with OR, NOT or filters (``speaker:``...) cannot be applied that way, so they
    then show every row instead of none.
    """
    try:
        tree = parse(query)
    except DomainError:
        return ""
    leaves = tree.children if isinstance(tree, And) else (tree,)
    if not all(isinstance(leaf, Text) for leaf in leaves):
        return ""
    return " ".join(leaf.raw.rstrip("*") for leaf in leaves if isinstance(leaf, Text))


# Hits of one saved search: (quotes, sources) as shown, or why it cannot run.
Hits = tuple[str, str] | str


def count_hits(search: Any, case_id: int, rows: Sequence[SavedSearchDTO]) -> dict[int, Hits]:
    """How many quotes and sources each saved search finds in ``case_id`` (a worker task)."""
    out: dict[int, Hits] = {}
    for row in rows:
        try:
            found = search.search(case_id, row.query, limit=0)
        except DomainError as exc:
            out[row.id] = exc.message
            continue
        out[row.id] = (
            _count(found.quote_total, found.quote_total_exact),
            _count(found.source_total, found.source_total_exact),
        )
    return out


class SavedSearchesTableModel(QAbstractTableModel):
    """Saved searches: name, quotes and sources found, the query.

    Attributes:
        rows: The saved searches shown, by name.
        hits: Per saved search id, (quotes, sources) counted, or why its query cannot run.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[SavedSearchDTO] = []
        self.hits: dict[int, Hits] = {}

    # --- Qt overrides

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Number of saved searches."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Name, quotes, sources, query."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        """Column titles."""
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        """Cell text, a tooltip with the whole query (or what is wrong with it), id, query."""
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        hits = self.hits.get(row.id)
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == NAME:
                return row.name
            if col == QUERY:
                return row.query
            if isinstance(hits, tuple):
                return hits[0] if col == QUOTES else hits[1]
            return "" if hits is None else "—"
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{row.name}\n{row.query}"
            if row.case_id is None:
                tip += "\n(saved for every case)"
            if isinstance(hits, str):
                tip += f"\nCannot run: {hits}"
            return tip
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (QUOTES, SOURCES):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and isinstance(hits, str):
            return QColor(176, 0, 32)
        if role == IdRole:
            return row.id
        if role == QueryRole:
            return row.query
        return None

    # --- Filling

    def set_rows(self, rows: Sequence[SavedSearchDTO]) -> None:
        """Show ``rows``; counts of searches still listed are kept until recounted."""
        self.beginResetModel()
        self.rows = list(rows)
        ids = {r.id for r in self.rows}
        self.hits = {k: v for k, v in self.hits.items() if k in ids}
        self.endResetModel()

    def set_hits(self, hits: dict[int, Hits]) -> None:
        """Show counted hits (per saved search id)."""
        self.hits.update(hits)
        if self.rows:
            self.dataChanged.emit(
                self.index(0, QUOTES),
                self.index(len(self.rows) - 1, SOURCES),
                [Qt.ItemDataRole.DisplayRole],
            )

    def row_of(self, saved_id: int) -> int | None:
        """The row showing saved search ``saved_id``."""
        return next((i for i, r in enumerate(self.rows) if r.id == saved_id), None)


class _SavedSearchesView(QTableView):
    """The list; Delete deletes here instead of triggering the window's Delete (quotes...)."""

    delete_pressed = Signal()

    def event(self, event: QEvent) -> bool:
        """Claim the Delete key before the window's shortcut sees it."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Delete
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        """Delete asks to delete the selected saved search."""
        if event.key() == Qt.Key.Key_Delete:
            self.delete_pressed.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class SavedSearchesPane(QWidget):
    """The open case's saved searches.

    Attributes:
        svc: The services (``svc.search`` saves, lists, renames and deletes).
        case_id: The case shown, or None.
        model: The saved searches and their hit counts.
        view: The table.
        current_query: Returns the search field's text (what "Save current search…" keeps).

    Signals:
        run_requested: A saved search's query to run (Enter, double-click, Run).
        failed: A plain sentence saying what went wrong.
        noticed: A plain sentence saying what was done.
    """

    run_requested = Signal(str)
    failed = Signal(str)
    noticed = Signal(str)

    def __init__(
        self,
        services: Services,
        current_query: Callable[[], str] | None = None,
        parent: QWidget | None = None,
        run_later: Callable[[Callable[[], Any]], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("savedSearchesPane")
        self.svc = services
        # Runs the hit counts (the search service and the ORM it imports) once the window has
        # painted; the list itself is read at once, with Core.
        self.run_later: Callable[[Callable[[], Any]], None] = run_later or (lambda fn: fn())
        self.case_id: int | None = None
        self.current_query: Callable[[], str] = current_query or (lambda: "")
        self._count_seq = 0
        self._stale = False  # the hit counts wait for the pane to come into view
        self._in_view = True
        self.model = SavedSearchesTableModel(self)
        self.view = _SavedSearchesView(self)
        self.view.setObjectName("savedSearchesView")
        self.view.setModel(self.model)
        setup_row_view(self.view, QAbstractItemView.SelectionMode.SingleSelection)
        for col, width in ((NAME, 150), (QUOTES, 60), (SOURCES, 60)):
            self.view.setColumnWidth(col, width)
        self.view.activated.connect(lambda index: self.run_saved(int(index.data(IdRole))))
        self.view.delete_pressed.connect(self.delete_selected)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

        self.act_run = self._action("&Run", self.run_selected, "Search with the selected query")
        self.act_rename = self._action("Re&name…", self.rename_selected)
        self.act_delete = self._action("&Delete…", self.delete_selected, "Forget it (asks first)")
        self.view.addActions([self.act_run, self.act_rename, self.act_delete])

        self.empty_label = QLabel(
            "No saved searches. Type a search, then “Save current search…”.", self
        )
        self.empty_label.setWordWrap(True)
        self.empty_label.setObjectName("savedSearchesEmpty")
        self.save_button = QPushButton("Save current…", self)
        self.save_button.setToolTip("Keep the search in the search field under a name")
        self.save_button.clicked.connect(lambda *_: self.save_current())
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.save_button)
        for act in (self.act_run, self.act_rename, self.act_delete):
            b = QPushButton(act.text().replace("&", ""), self)
            b.setToolTip(act.toolTip())
            b.clicked.connect(lambda *_, a=act: a.trigger())
            act.enabledChanged.connect(b.setEnabled)
            b.setEnabled(act.isEnabled())
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(2)
        lay.addLayout(buttons)
        lay.addWidget(self.empty_label)
        lay.addWidget(self.view, 1)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.model.modelReset.connect(self._update_actions)
        self._update_actions()

    def _action(self, text: str, slot: Callable[[], Any], tip: str = "") -> QAction:
        a = QAction(text, self)
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(lambda *_: slot())
        return a

    def _update_actions(self) -> None:
        chosen = self.selected() is not None
        for act in (self.act_run, self.act_rename, self.act_delete):
            act.setEnabled(chosen)
        self.empty_label.setVisible(not self.model.rows)
        self.save_button.setEnabled(self.case_id is not None)

    def _search(self) -> Any:
        return getattr(self.svc, "search", None)

    # --- Listing

    def set_case(self, case_id: int | None) -> None:
        """Show the saved searches of ``case_id`` (on opening or switching case)."""
        self.case_id = case_id
        self.model.set_rows([])
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        """List the case's saved searches again and recount their hits on a worker."""
        case_id = self.case_id
        keep = select_id if select_id is not None else self.selected_id()
        if case_id is None:
            self.model.set_rows([])
            return
        try:
            rows = self.svc.lists.saved_searches(case_id)
        except DomainError as exc:
            self.failed.emit(f"The saved searches could not be listed: {exc.message}")
            return
        self.model.set_rows(rows)
        if keep is not None:
            self.select_id(keep)
        self._update_actions()
        self._count_seq += 1
        seq = self._count_seq

        def counted(hits: dict[int, Hits]) -> None:
            if seq == self._count_seq and case_id == self.case_id:
                self.model.set_hits(hits)

        def count() -> None:
            search = self.svc.search
            run_task(lambda: count_hits(search, case_id, rows), counted, lambda exc: None)

        if rows:
            self.run_later(count)

    def recount(self) -> None:
        """Count the hits again after the case changed (now if in view, else when shown)."""
        if self._in_view and self.isVisible():
            self.reload()
        else:
            self._stale = True

    def event(self, event: QEvent) -> bool:
        """Follow the dock that holds the pane: a dock behind another tab is out of view."""
        if event.type() == QEvent.Type.ParentChange:
            dock = self.parentWidget()
            if isinstance(dock, QDockWidget):
                dock.visibilityChanged.connect(self._dock_shown)
        return super().event(event)

    def _dock_shown(self, shown: bool) -> None:
        self._in_view = shown
        if shown and self._stale:
            self._stale = False
            self.reload()

    def select_id(self, saved_id: int) -> bool:
        """Select saved search ``saved_id``; False if it is not listed."""
        row = self.model.row_of(saved_id)
        if row is None:
            return False
        self.view.selectRow(row)
        self.view.setCurrentIndex(self.model.index(row, NAME))
        return True

    def selected(self) -> SavedSearchDTO | None:
        """The selected saved search."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        r = rows[0].row()
        return self.model.rows[r] if 0 <= r < len(self.model.rows) else None

    def selected_id(self) -> int | None:
        """The selected saved search's id."""
        chosen = self.selected()
        return None if chosen is None else chosen.id

    # --- Saving, running, renaming, deleting

    def save_current(self) -> SavedSearchDTO | None:
        """Save the search field's query under a name the journalist types."""
        return self.save_search(self.current_query())

    def save_search(self, query: str, name: str | None = None) -> SavedSearchDTO | None:
        """Save ``query`` under ``name`` (asked when None); None if refused or cancelled."""
        search = self._search()
        if search is None or self.case_id is None:
            self.failed.emit("Open a case with full-text search first.")
            return None
        query = query.strip()
        if not query:
            self.failed.emit("Type a search in the search field first, then save it.")
            return None
        try:
            search.parse_query(query)
        except DomainError as exc:
            self.failed.emit(f"This search cannot be saved: {exc.message}.")
            return None
        if name is None:
            name, ok = QInputDialog.getText(
                self, "Save search", f"Name for the search “{_clip(query)}”:", text=_clip(query)
            )
            if not ok:
                return None
        try:
            saved: SavedSearchDTO = search.save(self.case_id, name, query)
        except DomainError as exc:
            self.failed.emit(f"The search was not saved: {exc.message}.")
            return None
        self.reload(select_id=saved.id)
        self.noticed.emit(f"Saved the search “{saved.name}”.")
        return saved

    def run_selected(self) -> None:
        """Run the selected saved search."""
        chosen = self.selected_id()
        if chosen is not None:
            self.run_saved(chosen)

    def run_saved(self, saved_id: int) -> bool:
        """Ask the window to run saved search ``saved_id``; False with a message if it cannot."""
        row = self.model.row_of(saved_id)
        if row is None:
            return False
        saved = self.model.rows[row]
        try:
            self._search().parse_query(saved.query)
        except DomainError as exc:
            self.failed.emit(
                f"The saved search “{saved.name}” cannot run: {exc.message}. Delete it, "
                "correct the search in the search field and save it again."
            )
            return False
        self.run_requested.emit(saved.query)
        return True

    def rename_selected(self, name: str | None = None) -> SavedSearchDTO | None:
        """Rename the selected saved search (the name is asked when None)."""
        chosen = self.selected()
        if chosen is None:
            return None
        if name is None:
            name, ok = QInputDialog.getText(
                self, "Rename saved search", "New name:", text=chosen.name
            )
            if not ok:
                return None
        try:
            renamed: SavedSearchDTO = self._search().rename_saved(chosen.id, name)
        except DomainError as exc:
            self.failed.emit(f"The saved search was not renamed: {exc.message}.")
            return None
        self.reload(select_id=renamed.id)
        return renamed

    def delete_selected(self) -> bool:
        """Delete the selected saved search after asking (Delete key); True if deleted."""
        chosen = self.selected()
        if chosen is None:
            return False
        answer = QMessageBox.question(
            self,
            "Delete saved search",
            f"Delete the saved search “{chosen.name}”? Its quotes and sources stay in the case.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            self._search().delete_saved(chosen.id)
        except DomainError as exc:
            self.failed.emit(f"The saved search was not deleted: {exc.message}.")
            self.reload()
            return False
        self.reload()
        self.noticed.emit(f"Deleted the saved search “{chosen.name}”.")
        return True


_WIDE = re.compile("[\U00010000-\U0010ffff]")  # characters Qt counts as two positions


class SearchHighlighter(QSyntaxHighlighter):
    """Marks the words of the current search in the reader (bold, underlined, green ground).

    Saved quotes keep their own ground (the reader draws them over this), so a match inside a
    quote shows as bold underlined words on the quote's colour. Without a search the highlighter
    leaves the document, so reading costs nothing extra.

    Attributes:
        query: The search whose matches are marked ("" for none).
    """

    def __init__(self, editor: QPlainTextEdit) -> None:
        # The editor is the parent; no Python reference to it is kept, for a reference cycle
        # between a Qt parent and its child crashes when the collector breaks it.
        super().__init__(editor)
        self._pattern: Any = None
        self._format: QTextCharFormat | None = None
        self.query = ""
        editor.installEventFilter(self)

    def set_query(self, query: str) -> None:
        """Mark the matches of ``query`` (a malformed or empty query marks nothing)."""
        query = query.strip()
        if query == self.query:
            return
        self.query = query
        pattern = None
        if query:
            try:
                pattern = matcher(text_leaves(parse(query)))
            except DomainError:
                pattern = None
        self._pattern = pattern
        doc = self._editor().document()
        if pattern is None:
            self.setDocument(None)
        else:
            if self.document() is not doc:
                self.setDocument(doc)
            self.rehighlight()  # now, not on the next turn of the event loop

    def _editor(self) -> QPlainTextEdit:
        editor = self.parent()
        assert isinstance(editor, QPlainTextEdit)
        return editor

    def eventFilter(self, watched: Any, event: QEvent) -> bool:  # noqa: N802
        """Recolour the matches when the reader's palette turns light or dark."""
        if event.type() == QEvent.Type.PaletteChange:
            self._format = None
            if self._pattern is not None and self.document() is not None:
                self.rehighlight()
        return False

    def match_format(self) -> QTextCharFormat:
        """How a match looks on the present palette."""
        if self._format is None:
            fmt = QTextCharFormat()
            fmt.setFontWeight(QFont.Weight.Bold)
            fmt.setFontUnderline(True)
            dark = is_dark(self._editor().palette())
            fmt.setBackground(MATCH_COLOUR_DARK if dark else MATCH_COLOUR)
            self._format = fmt
        return self._format

    def highlightBlock(self, text: str) -> None:  # noqa: N802
        """Mark the matches in one paragraph (offsets from code points to UTF-16)."""
        if self._pattern is None or not text:
            return
        spans = find_matches(text, self._pattern)
        if not spans:
            return
        fmt = self.match_format()
        if text.isascii() or _WIDE.search(text) is None:  # Qt positions are Python indices
            for start, end in spans:
                self.setFormat(start, end - start, fmt)
        else:
            to_qt = OffsetMap(text).to_qt
            for start, end in spans:
                self.setFormat(to_qt(start), to_qt(end) - to_qt(start), fmt)

    def marked(self) -> list[str]:
        """The marked words of the document, in order (what the reader shows highlighted)."""
        doc = self.document()
        if doc is None:
            return []
        out: list[str] = []
        block = doc.begin()
        while block.isValid():
            text = block.text()
            to_py = OffsetMap(text).to_py
            for r in sorted(block.layout().formats(), key=lambda r: r.start):
                if r.format.fontUnderline():
                    out.append(text[to_py(r.start) : to_py(r.start + r.length)])
            block = block.next()
        return out
