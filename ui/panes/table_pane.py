"""A pane showing one lazily fetched table model through a filter proxy."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.table_models import FilterProxyModel, IdRole, LazyTableModel


def setup_row_view(view: QTableView, selection: QAbstractItemView.SelectionMode) -> None:
    """The look every list of the window shares: whole rows, read-only, compact, striped."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(selection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)


class TablePane(QWidget):
    """A table of one kind of item (quotes, people, sources or events).

    Attributes:
        model: The lazily fetched source model.
        proxy: The sort/filter proxy the view shows.
        view: The table view.

    Signals:
        item_selected: Id of the item the user made current.
    """

    item_selected = Signal(int)

    def __init__(self, model: LazyTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = FilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.view = QTableView(self)
        self.view.setObjectName(f"{model.kind}View")
        self.view.setModel(self.proxy)
        setup_row_view(self.view, QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.view.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setDefaultDropAction(Qt.DropAction.LinkAction)
        self.caption = QLabel(self)
        self.caption.setObjectName("paneCaption")
        self.caption.setVisible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(2)
        lay.addWidget(self.caption)
        lay.addWidget(self.view, 1)
        # Selection, not the current index: focusing a view makes a row current without
        # selecting it, and that must not relink the panes.
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self._quiet = False

    def accept_drops(self) -> None:
        """Let references be dropped on rows (the events pane)."""
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.view.setAcceptDrops(True)
        self.view.viewport().setAcceptDrops(True)
        self.view.setDropIndicatorShown(True)
        self.view.setDragDropOverwriteMode(True)

    def set_caption(self, text: str) -> None:
        """A line above the table saying what it shows ("Linked to …")."""
        self.caption.setText(text)
        self.caption.setVisible(bool(text))

    def _selection_changed(self, *_: Any) -> None:
        if self._quiet:
            return
        current = self.view.currentIndex()
        sm = self.view.selectionModel()
        if not current.isValid() or not sm.isRowSelected(current.row(), QModelIndex()):
            rows = sm.selectedRows()
            if not rows:
                return
            current = rows[0]
        ident = current.data(IdRole)
        if ident is not None:
            self.item_selected.emit(int(ident))

    def current_id(self) -> int | None:
        """Id of the current row."""
        idx = self.view.currentIndex()
        v = idx.data(IdRole) if idx.isValid() else None
        return int(v) if v is not None else None

    def selected_ids(self) -> list[int]:
        """Ids of every selected row, in view order."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        return [int(self.proxy.index(r, 0).data(IdRole)) for r in rows]

    def select_id(self, ident: int, *, quiet: bool = True) -> bool:
        """Make the loaded row with this id current (without re-announcing it when ``quiet``)."""
        row = self.model.row_of(ident)
        if row < 0:
            return False
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if not idx.isValid():
            return False
        self._quiet = quiet
        try:
            self.view.setCurrentIndex(idx)
            self.view.scrollTo(idx)
        finally:
            self._quiet = False
        return True

    def load_first_page(self) -> None:
        """Fetch the first page now (the view asks for more as it scrolls)."""
        if self.model.canFetchMore():
            self.model.fetchMore()

    def id_at(self, row: int) -> Any:
        """Id shown in view row ``row`` (tests)."""
        return self.proxy.index(row, 0).data(IdRole)
