"""Qt table models over the services, one per pane, fetching rows lazily (STYLE §2).

Each model holds only the rows the view has asked for: ``canFetchMore``/``fetchMore`` pull the
next page from the service's ``list(..., offset, limit)``, so a case with a million quotes never
lands in Python lists whole. Views read ids with ``index.data(IdRole)``, never row positions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

IdRole = Qt.ItemDataRole.UserRole + 1
ConfidentialRole = Qt.ItemDataRole.UserRole + 2
DtoRole = Qt.ItemDataRole.UserRole + 3
KindRole = Qt.ItemDataRole.UserRole + 4

# Rows per fetchMore: more than a tall pane shows (the view asks for more as it scrolls), few
# enough that the four panes of a window start read 64 rows each, not 200 (40-50 ms less).
BATCH = 64
REF_MIME = "application/x-sourcebook-ref"  # JSON list of {"kind": ..., "id": ...}
LOCK = "\N{LOCK} "  # marks confidential people and sources in every pane

Index = QModelIndex | QPersistentModelIndex
Fetcher = Callable[[int, int], Sequence[Any]]


def _date_label(d: Any) -> str:
    return d.label() if d is not None else ""


class LazyTableModel(QAbstractTableModel):
    """Rows of DTOs fetched page by page from a service.

    Attributes:
        kind: What the rows are ("quote", "person", "event", "source").

    Signals:
        link_requested: (event id, kind, id) when a reference is dropped on a row.
    """

    kind = ""
    COLUMNS: tuple[tuple[str, Callable[[Any], str]], ...] = ()
    link_requested = Signal(int, str, int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._fetch: Fetcher | None = None
        self._exhausted = True

    # --- Loading

    def set_fetcher(self, fetch: Fetcher | None) -> None:
        """Show what ``fetch(offset, limit)`` returns, starting again from the top."""
        self.beginResetModel()
        self._fetch = fetch
        self._rows = []
        self._exhausted = fetch is None
        self.endResetModel()

    def reload(self) -> None:
        """Fetch again as many rows as are loaded now (after an edit elsewhere)."""
        if self._fetch is None:
            return
        n = max(len(self._rows), BATCH)
        rows = list(self._fetch(0, n))
        self.beginResetModel()
        self._rows = rows
        self._exhausted = len(rows) < n
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008, N802
        """Whether the service has rows beyond those loaded."""
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008, N802
        """Load the next page from the service."""
        if parent.isValid() or self._exhausted or self._fetch is None:
            return
        batch = list(self._fetch(len(self._rows), BATCH))
        if len(batch) < BATCH:
            self._exhausted = True
        if batch:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(batch) - 1)
            self._rows.extend(batch)
            self.endInsertRows()

    def loaded(self) -> list[Any]:
        """The rows loaded so far (a copy)."""
        return list(self._rows)

    def row_of(self, ident: int) -> int:
        """Row of the loaded item with this id, or -1."""
        return next((i for i, r in enumerate(self._rows) if r.id == ident), -1)

    # --- Qt model API

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        """Loaded rows."""
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        """Columns of this pane."""
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:  # noqa: N802
        """Column titles."""
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.COLUMNS)
        ):
            return self.COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Cell text, the row's id (IdRole), DTO (DtoRole) and confidentiality."""
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        dto = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = str(self.COLUMNS[index.column()][1](dto))
            if index.column() == 0 and self._confidential(dto):
                return LOCK + text
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self.COLUMNS[index.column()][1](dto)
            return tip + ("\n(confidential)" if self._confidential(dto) else "")
        if role == IdRole:
            return dto.id
        if role == DtoRole:
            return dto
        if role == KindRole:
            return self.kind
        if role == ConfidentialRole:
            return self._confidential(dto)
        if role == Qt.ItemDataRole.ForegroundRole and self._confidential(dto):
            return QBrush(QColor(176, 0, 32))
        return None

    def _confidential(self, dto: Any) -> bool:
        return bool(getattr(dto, "confidential", False))

    # --- Drag and drop

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Rows are selectable and can be dragged (as references)."""
        base = super().flags(index)
        if index.isValid():
            base |= Qt.ItemFlag.ItemIsDragEnabled
        return base

    def mimeTypes(self) -> list[str]:  # noqa: N802
        """References to rows."""
        return [REF_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        """The dragged rows as ``[{"kind", "id"}]``."""
        ids = sorted({i.data(IdRole) for i in indexes if i.isValid()})
        return ref_mime(self.kind, ids)

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        """Dragging links, it never moves rows."""
        return Qt.DropAction.LinkAction | Qt.DropAction.CopyAction


def ref_mime(kind: str, ids: Sequence[int]) -> QMimeData:
    """Mime data naming rows of one kind (what a drag from a pane carries)."""
    md = QMimeData()
    md.setData(REF_MIME, json.dumps([{"kind": kind, "id": int(i)} for i in ids]).encode())
    return md


def refs_of(md: QMimeData) -> list[tuple[str, int]]:
    """(kind, id) pairs carried by a drag, empty if it carries none."""
    if not md.hasFormat(REF_MIME):
        return []
    try:
        items = json.loads(bytes(md.data(REF_MIME).data()).decode())
        return [(str(x["kind"]), int(x["id"])) for x in items]
    except (ValueError, KeyError, TypeError):
        return []


# --- The four panes' models


def _speaker(q: Any) -> str:
    if q.speaker_name is None:
        return ""
    return (LOCK if q.speaker_confidential else "") + str(q.speaker_name)


class QuotesTableModel(LazyTableModel):
    """Quotes (text, speaker, date, status, source).

    A quote from a confidential source, or by a confidential speaker, is marked like the
    source or person itself.
    """

    kind = "quote"
    SOURCE_COLUMN = 4
    COLUMNS = (
        ("Quote", lambda q: q.text.replace("\n", " ")),
        ("Speaker", _speaker),
        ("Said", lambda q: _date_label(q.said)),
        ("Status", lambda q: q.status.value),
        ("Source", lambda q: q.source_title),
    )

    def _confidential(self, dto: Any) -> bool:
        return bool(dto.speaker_confidential or dto.source_confidential)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """As the base, with the Source cell marked when the source is confidential."""
        value = super().data(index, role)
        if (
            role == Qt.ItemDataRole.DisplayRole
            and index.isValid()
            and index.column() == self.SOURCE_COLUMN
            and value is not None
            and self._rows[index.row()].source_confidential
        ):
            return LOCK + value
        return value


class PeopleTableModel(LazyTableModel):
    """People and organisations."""

    kind = "person"
    COLUMNS = (
        ("Name", lambda p: p.public_label if p.confidential else p.name),
        ("Kind", lambda p: p.kind.value),
        ("Role", lambda p: p.role),
        ("Aliases", lambda p: ", ".join(p.aliases)),
    )


class SourcesTableModel(LazyTableModel):
    """Sources with their kind and grade."""

    kind = "source"
    COLUMNS = (
        ("Title", lambda s: s.title),
        ("Kind", lambda s: s.kind.value.replace("_", " ")),
        ("Publisher", lambda s: s.publisher),
        ("Published", lambda s: s.published_on.isoformat() if s.published_on else ""),
        ("Grade", lambda s: s.grade),
    )


class EventsTableModel(LazyTableModel):
    """Events in date order; quotes and people can be dropped on them to link them."""

    kind = "event"
    COLUMNS = (
        ("Event", lambda e: e.title),
        ("Date", lambda e: _date_label(e.date)),
        ("Place", lambda e: e.place_name or ""),
    )

    def flags(self, index: Index) -> Qt.ItemFlag:
        """Events accept drops."""
        return super().flags(index) | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        """Drops link."""
        return Qt.DropAction.LinkAction | Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def canDropMimeData(  # noqa: N802
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        """Quotes, people and sources dropped on an event row."""
        return parent.isValid() and any(
            k in ("quote", "person", "source") for k, _ in refs_of(data)
        )

    def dropMimeData(  # noqa: N802
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        """Ask (through ``link_requested``) to link what was dropped to the event under it."""
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        event_id = parent.data(IdRole)
        for kind, ident in refs_of(data):
            if kind in ("quote", "person", "source"):
                self.link_requested.emit(int(event_id), kind, ident)
        return True


class FilterProxyModel(QSortFilterProxyModel):
    """Case-insensitive filter over every column of the loaded rows (until search lands)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
        self._needle = ""

    def set_text(self, text: str) -> None:
        """Keep only rows containing ``text`` in some column."""
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 replaced invalidateFilter
            self.beginFilterChange()
            self._needle = text.casefold().strip()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self._needle = text.casefold().strip()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        """Rows whose cells contain the filter text."""
        if not self._needle:
            return True
        m = self.sourceModel()
        for c in range(m.columnCount(source_parent)):
            v = m.index(source_row, c, source_parent).data()
            if v and self._needle in str(v).casefold():
                return True
        return False
