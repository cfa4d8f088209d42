"""The review list beside the reader: suggested quotes, people, places and events for a source.

The journalist accepts, edits (moves a quote's span to the reader's selection, changes its
speaker), rejects, or accepts all. Nothing enters the case until accepted; each acceptance is one
undoable command (undo takes back exactly what it added). The extraction itself runs off the GUI
thread (``ui.workers.run_task``). Proposals are highlighted in the reader: pending quotes in pale
blue, the selected proposal in a stronger blue; saved quotes keep the reader's own colour.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import shiboken6

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QStringListModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QTextCharFormat, QTextCursor, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from services.container import Services
from services.errors import DomainError
from services.extract.model import EntityKind, Extraction, Span
from services.extract.review import Decision, ReviewResult
from services.textnorm import fold
from ui import commands as cmd
from ui.reader_view import OffsetMap
from ui.workers import run_task

KeyRole = Qt.ItemDataRole.UserRole + 1
KindRole = Qt.ItemDataRole.UserRole + 2
StatusRole = Qt.ItemDataRole.UserRole + 3

PENDING = "pending"
ACCEPTED = "accepted"
REJECTED = "rejected"

PROPOSAL_COLOUR = QColor(190, 220, 255)  # every pending suggested quote
CURRENT_COLOUR = QColor(120, 175, 255)  # the proposal selected in the list
PROPOSAL_COLOUR_DARK = QColor(30, 60, 110)
CURRENT_COLOUR_DARK = QColor(40, 95, 180)

_MARKS = {PENDING: "○", ACCEPTED: "✓", REJECTED: "✗"}
_KIND_LABELS = {
    "quote": "Quote",
    "person": "Person",
    "organisation": "Organisation",
    "place": "Place",
    "event": "Event",
}


def _clip(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass(frozen=True)
class ProposalRow:
    """One line of the review list.

    Attributes:
        key: The proposal's key in the extraction.
        kind: quote, person, organisation, place or event.
        title: What the line shows (quote text, name, event title).
        detail: Speaker, role, date... (second line and tooltip).
        spans: Where the proposal sits in the source's text (code points).
        name: The full name or title a journalist may correct (empty for quotes).
    """

    key: str
    kind: str
    title: str
    detail: str
    spans: tuple[Span, ...]
    name: str = ""


class ProposalListModel(QAbstractListModel):
    """The proposals of one extraction with their review status (pending/accepted/rejected).

    Signals:
        rename_requested: (key, name) when a name or title is corrected in the list.
    """

    rename_requested = Signal(str, str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[ProposalRow] = []
        self.status: dict[str, str] = {}

    # --- Qt overrides

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        """Number of proposals."""
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        """Text, tooltip, status colour and the roles the pane reads."""
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        status = self.status.get(row.key, PENDING)
        if role == Qt.ItemDataRole.DisplayRole:
            head = f"{_MARKS[status]} {_KIND_LABELS.get(row.kind, row.kind)}: {row.title}"
            return f"{head}\n    {row.detail}" if row.detail else head
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row.title}\n{row.detail}".strip()
        if role == Qt.ItemDataRole.ForegroundRole and status == REJECTED:
            return QBrush(QColor(140, 140, 140))
        if role == Qt.ItemDataRole.FontRole and status != PENDING:
            font = QFont()
            font.setStrikeOut(status == REJECTED)
            font.setItalic(status == ACCEPTED)
            return font
        if role == Qt.ItemDataRole.EditRole:
            return row.name or row.title
        if role == KeyRole:
            return row.key
        if role == KindRole:
            return row.kind
        if role == StatusRole:
            return status
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        """Names and titles of pending people, places and events can be corrected in place."""
        base = super().flags(index)
        if index.isValid() and 0 <= index.row() < len(self.rows):
            row = self.rows[index.row()]
            if row.name and self.status.get(row.key, PENDING) == PENDING:
                return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(  # noqa: N802
        self, index: QModelIndex | QPersistentModelIndex, value: Any, role: int = 2
    ) -> bool:
        """A corrected name: the pane records it (``rename_requested``) and redraws the row."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        row = self.rows[index.row()]
        name = " ".join(str(value or "").split())
        if not row.name or not name:
            return False
        if name != row.name:
            self.rename_requested.emit(row.key, name)
        return True

    # --- Changing

    def set_rows(self, rows: Sequence[ProposalRow], status: dict[str, str]) -> None:
        """Show another extraction."""
        self.beginResetModel()
        self.rows = list(rows)
        self.status = dict(status)
        self.endResetModel()

    def replace_row(self, row: ProposalRow) -> None:
        """Redraw one proposal after an edit."""
        for i, r in enumerate(self.rows):
            if r.key == row.key:
                self.rows[i] = row
                idx = self.index(i, 0)
                self.dataChanged.emit(idx, idx)
                return

    def set_status(self, status: dict[str, str]) -> None:
        """New statuses; rows whose status changed are redrawn."""
        changed = [
            i for i, r in enumerate(self.rows) if status.get(r.key) != self.status.get(r.key)
        ]
        self.status = dict(status)
        for i in changed:
            idx = self.index(i, 0)
            self.dataChanged.emit(idx, idx)

    def row_of(self, key: str) -> int:
        """Row number of proposal ``key`` (-1 if absent)."""
        return next((i for i, r in enumerate(self.rows) if r.key == key), -1)


class AcceptProposalsCommand(cmd.ServiceCommand):
    """Accept suggestions for a source; undo takes back exactly what was added.

    Attributes:
        result: What the last redo stored (a ReviewResult).
    """

    def __init__(
        self,
        services: Services,
        extraction: Extraction,
        decisions: Sequence[Decision],
        text: str,
        on_change: Callable[[ReviewResult, bool], None],
        on_error: Callable[[str], None],
    ) -> None:
        super().__init__(text)
        self._svc = services
        self._x = extraction
        self._decisions = list(decisions)
        self._on_change = on_change
        self._on_error = on_error
        self.result: ReviewResult | None = None

    def _redo(self) -> None:
        self.result = self._svc.review.accept(self._x, self._decisions)
        self._on_change(self.result, True)

    def _undo(self) -> None:
        if self.result is not None:
            self._svc.review.withdraw(self.result)
            self._on_change(self.result, False)

    def _tell(self, exc: DomainError) -> None:
        # The pane shows its own refusals (the window's message bar may not exist).
        self._on_error(f"{self.text()}: {exc.message}")


class ReviewPane(QWidget):
    """Suggested quotes, people, places and events of one source, to accept or reject.

    Attributes:
        svc: The services.
        reader: The window's reader (proposals are highlighted in it), or None.
        undo_stack: Where acceptances go (undoable), or None to accept directly.
        extractor: ``(source_id, stop) -> Extraction``, where ``stop()`` turns True once the
            journalist cancels (the extraction service by default, which then ends early).
        extraction: The suggestions shown, or None.
        edits: The journalist's corrections, by proposal key.
        rejected: Keys the journalist rejected.

    Signals:
        suggestions_shown: Number of proposals, once the extraction is shown.
        proposals_accepted: The ReviewResult of an acceptance.
        failed: A plain-language message (extraction or acceptance refused).
    """

    suggestions_shown = Signal(int)
    proposals_accepted = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        services: Services,
        reader: Any = None,
        undo_stack: QUndoStack | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.svc = services
        self.reader = reader
        self.undo_stack = undo_stack
        self.extractor: Callable[[int, Callable[[], bool]], Extraction] = self._propose
        self.extraction: Extraction | None = None
        self.source: Any = None
        self.text = ""
        self._map = OffsetMap("")
        self.edits: dict[str, Decision] = {}
        self.rejected: set[str] = set()
        self.accepted: set[str] = set()
        self.saved: frozenset[str] = frozenset()
        self._seq = 0
        self._painted = False
        self._build()
        if undo_stack is not None:
            undo_stack.indexChanged.connect(self._on_stack_changed)

    # --- Building

    def _build(self) -> None:
        self.setObjectName("reviewPane")
        self.caption = QLabel("<i>Open a source and choose Source › Suggest quotes…</i>")
        self.caption.setWordWrap(True)
        # While the extraction runs on its worker: a busy bar and a Cancel button.
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setToolTip("Stop waiting for the suggestions")
        self.cancel_button.clicked.connect(self.cancel)
        busy_row = QHBoxLayout()
        busy_row.addWidget(self.progress, 1)
        busy_row.addWidget(self.cancel_button)
        self.model = ProposalListModel(self)
        self.view = QListView()
        self.view.setObjectName("proposalsView")
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.model.rename_requested.connect(lambda key, name: self._edit(key, name=name))
        self.view.setWordWrap(True)
        self.view.setAlternatingRowColors(True)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._current_changed())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.view.installEventFilter(self)

        self.accept_button = QPushButton("&Accept")
        self.accept_button.setToolTip("Store the selected suggestions in the case")
        self.accept_button.clicked.connect(self.accept_selected)
        self.reject_button = QPushButton("&Reject")
        self.reject_button.setToolTip("Leave the selected suggestions out")
        self.reject_button.clicked.connect(self.reject_selected)
        self.accept_all_button = QPushButton("Accept a&ll")
        self.accept_all_button.setToolTip("Store every suggestion not rejected")
        self.accept_all_button.clicked.connect(self.accept_all)
        self.span_button = QPushButton("&Use selection")
        self.span_button.setToolTip("Move the quote to the text selected in the reader")
        self.span_button.clicked.connect(self.use_reader_selection)

        self.speaker_edit = QLineEdit()
        self.speaker_edit.setObjectName("speakerEdit")
        self.speaker_edit.setPlaceholderText("Speaker: a name or alias; empty for unknown")
        self.names = QStringListModel(self)
        completer = QCompleter(self.names, self.speaker_edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.speaker_edit.setCompleter(completer)
        self.speaker_edit.returnPressed.connect(self.set_speaker_from_edit)
        self.speaker_button = QPushButton("Set &speaker")
        self.speaker_button.clicked.connect(self.set_speaker_from_edit)

        buttons = QHBoxLayout()
        for b in (self.accept_button, self.reject_button, self.accept_all_button):
            buttons.addWidget(b)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.span_button)
        edit_row.addWidget(self.speaker_edit, 1)
        edit_row.addWidget(self.speaker_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.caption)
        lay.addLayout(busy_row)
        lay.addWidget(self.view, 1)
        lay.addLayout(edit_row)
        lay.addLayout(buttons)
        self._set_busy(False)
        self._update_buttons()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """In the list, Enter accepts and Backspace rejects the selected suggestions."""
        editing = self.view.state() == QAbstractItemView.State.EditingState
        if watched is self.view and event.type() == QEvent.Type.KeyPress and not editing:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.accept_selected()
                return True
            if key == Qt.Key.Key_Backspace:
                self.reject_selected()
                return True
        return super().eventFilter(watched, event)

    # --- Running the extraction

    def _propose(self, source_id: int, stop: Callable[[], bool]) -> Extraction:
        result: Extraction = self.svc.extraction.propose(source_id, stop=stop)
        return result

    def set_source(self, source_id: int) -> None:
        """Suggest for ``source_id`` (the extraction runs off the GUI thread)."""
        self._seq += 1
        seq = self._seq
        self.caption.setText("Reading the source for quotes, people, places and dates…")
        self._set_busy(True)
        svc, extractor = self.svc, self.extractor

        def stop() -> bool:  # asked by the extraction on its worker thread
            return seq != self._seq

        def task() -> tuple[Extraction, Any, str, frozenset[str]]:
            x = extractor(source_id, stop)
            return (
                x,
                svc.sources.get(source_id),
                svc.sources.get_text(source_id),
                (svc.review.saved_keys(x)),
            )

        def done(result: tuple[Extraction, Any, str, frozenset[str]]) -> None:
            if seq == self._seq:
                self._set_busy(False)
                self._show(*result)

        def failed(exc: BaseException) -> None:
            if seq != self._seq:
                return
            self._set_busy(False)
            msg = exc.message if isinstance(exc, DomainError) else f"could not suggest: {exc}"
            self.caption.setText(f"<span style='color:#b00020'>{msg}</span>")
            self.failed.emit(msg)

        run_task(task, done, failed)

    def cancel(self) -> None:
        """Stop the running extraction (it ends at its next stage) and drop what it finds.

        The list keeps what it showed before; nothing entered the case.
        """
        if not self.busy:
            return
        self._seq += 1
        self._set_busy(False)
        self.caption.setText("Stopped: no new suggestions. Choose Source › Suggest quotes… again.")

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)

    @property
    def busy(self) -> bool:
        """Whether an extraction is running and its suggestions are awaited."""
        return not self.progress.isHidden()

    def _show(self, x: Extraction, source: Any, text: str, saved: frozenset[str]) -> None:
        self._clear_paint()
        self.extraction, self.source, self.text = x, source, text
        self._map = OffsetMap(text)
        self.edits, self.rejected, self.accepted = {}, set(), set()
        self.saved = saved
        self.model.set_rows([self._row(k) for k in self._keys()], self._statuses())
        self._refresh_names()
        self._show_caption()
        self._ensure_reader()
        self._paint()
        self._update_buttons()
        self.suggestions_shown.emit(self.model.rowCount())

    def _keys(self) -> list[str]:
        x = self.extraction
        if x is None:
            return []
        # Reading order: quotes first (the main job), then who, where and when.
        return [
            *(q.key for q in sorted(x.quotes, key=lambda q: q.start)),
            *(e.key for e in x.entities),
            *(p.key for p in x.places),
            *(e.key for e in x.events),
        ]

    def _show_caption(self) -> None:
        x = self.extraction
        if x is None or self.source is None:
            return
        pending = sum(1 for s in self.model.status.values() if s == PENDING)
        self.caption.setText(
            f"<b>{_esc(_clip(self.source.title, 60))}</b><br>"
            f"{len(x.quotes)} quotes, {len(x.entities)} people and organisations, "
            f"{len(x.places)} places, {len(x.events)} events · {pending} to review"
        )

    # --- Rows

    def _row(self, key: str) -> ProposalRow:
        x = self.extraction
        assert x is not None
        d = self.edits.get(key)
        for q in x.quotes:
            if q.key == key:
                start, end = (d.start, d.end) if d is not None and d.moved else (q.start, q.end)
                assert start is not None and end is not None
                text = self.text[start:end] if d is not None and d.moved else q.text
                parts = [self._speaker_label(key)]
                if q.said is not None:
                    parts.append(q.said.label())
                if q.partial:
                    parts.append("partial quote")
                if d is not None and d.moved:
                    parts.append("span moved")
                return ProposalRow(
                    key, "quote", f"“{_clip(text)}”", " · ".join(parts), ((start, end),)
                )
        for e in x.entities:
            if e.key == key:
                org = x.entity(e.affiliation_key)
                bits = [b for b in (e.role, org.name if org else "") if b]
                if e.acronym:
                    bits.append(e.acronym)
                bits.append("in the case" if e.matched_person_id is not None else "new")
                kind = "organisation" if e.kind is EntityKind.ORGANISATION else "person"
                name = d.name if d is not None and d.name else e.name
                if name != e.name:
                    bits.append(f"renamed from {e.name}")
                return ProposalRow(key, kind, name, " · ".join(bits), e.spans, name)
        for p in x.places:
            if p.key == key:
                where = "in the case" if p.matched_place_id is not None else "new"
                name = d.name if d is not None and d.name else p.name
                return ProposalRow(key, "place", name, where, p.spans, name)
        for ev in x.events:
            if ev.key == key:
                place = next((p.name for p in x.places if p.key == ev.place_key), "")
                people = [p.name for p in map(x.entity, ev.people_keys) if p is not None]
                bits = [b for b in (ev.date.label(), place, ", ".join(people)) if b]
                title = d.name if d is not None and d.name else ev.title
                return ProposalRow(
                    key,
                    "event",
                    _clip(title),
                    " · ".join(bits),
                    (ev.date_span, ev.sentence_span),
                    title,
                )
        raise KeyError(key)

    def _speaker_label(self, key: str) -> str:
        x = self.extraction
        assert x is not None
        d = self.edits.get(key)
        if d is not None:
            if d.no_speaker:
                return "speaker unknown"
            if d.speaker_key is not None:
                e = x.entity(d.speaker_key)
                return f"said by {e.name}" if e else "speaker unknown"
            if d.speaker_id is not None:
                return f"said by {self.svc.people.get(d.speaker_id).name}"
            if d.speaker_name:
                return f"said by {d.speaker_name} (new)"
        q = next(q for q in x.quotes if q.key == key)
        e = x.entity(q.speaker_key)
        return f"said by {e.name}" if e else "speaker unknown"

    def _statuses(self) -> dict[str, str]:
        out = {}
        for key in self._keys():
            if key in self.accepted or key in self.saved:
                out[key] = ACCEPTED
            elif key in self.rejected:
                out[key] = REJECTED
            else:
                out[key] = PENDING
        return out

    def _on_stack_changed(self, _index: int) -> None:
        # An undo or redo anywhere in the window may add or remove a quote of this source.
        # While the window closes, the stack may still signal after our widgets are gone.
        if shiboken6.isValid(self.accept_button):
            self._refresh_status()

    def _refresh_status(self) -> None:
        if self.extraction is None:
            return
        try:
            self.saved = self.svc.review.saved_keys(self.extraction)
        except DomainError:
            self.saved = frozenset()
        self.model.set_status(self._statuses())
        self._show_caption()
        self._paint()
        self._update_buttons()

    def _refresh_names(self) -> None:
        names: list[str] = []
        if self.source is not None:
            for p in self.svc.people.list(self.source.case_id, limit=5000):
                names.append(p.name)
                names.extend(p.aliases)
        if self.extraction is not None:
            names.extend(e.name for e in self.extraction.entities)
        seen: set[str] = set()
        unique = [n for n in names if not (n in seen or seen.add(n))]  # type: ignore[func-returns-value]
        self.names.setStringList(unique)

    # --- Selection

    def current_key(self) -> str | None:
        """Key of the proposal under the cursor in the list."""
        idx = self.view.currentIndex()
        return idx.data(KeyRole) if idx.isValid() else None

    def selected_keys(self) -> list[str]:
        """Keys of the selected proposals, in list order."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()})
        if not rows and self.view.currentIndex().isValid():
            rows = [self.view.currentIndex().row()]
        return [self.model.rows[r].key for r in rows]

    def select_key(self, key: str) -> None:
        """Make proposal ``key`` current and selected (as a click does)."""
        row = self.model.row_of(key)
        if row < 0:
            raise KeyError(key)
        self.view.selectionModel().setCurrentIndex(
            self.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def _current_changed(self) -> None:
        key = self.current_key()
        self.speaker_edit.clear()
        if key is not None and self.extraction is not None:
            row = self.model.rows[self.model.row_of(key)]
            if row.kind == "quote":
                label = self._speaker_label(key)
                self.speaker_edit.setText(label.removeprefix("said by ").removesuffix(" (new)"))
                if label == "speaker unknown":
                    self.speaker_edit.clear()
        self._ensure_reader()
        self._paint()
        self._update_buttons()

    def _update_buttons(self) -> None:
        keys = self.selected_keys() if self.extraction is not None else []
        status = self.model.status
        self.accept_button.setEnabled(any(status.get(k) != ACCEPTED for k in keys))
        self.reject_button.setEnabled(any(status.get(k) == PENDING for k in keys))
        self.accept_all_button.setEnabled(any(s == PENDING for s in status.values()))
        is_quote = bool(keys) and self.model.rows[self.model.row_of(keys[0])].kind == "quote"
        editable = is_quote and status.get(keys[0]) != ACCEPTED
        self.span_button.setEnabled(editable)
        self.speaker_button.setEnabled(editable)
        self.speaker_edit.setEnabled(editable)

    # --- Decisions

    def reject_selected(self) -> None:
        """Leave the selected pending proposals out."""
        for key in self.selected_keys():
            if self.model.status.get(key) == PENDING:
                self.rejected.add(key)
        self._refresh_status()

    def accept_selected(self) -> ReviewResult | None:
        """Store the selected proposals (and what they bring in)."""
        keys = [k for k in self.selected_keys() if self.model.status.get(k) != ACCEPTED]
        return self._accept(keys)

    def accept_all(self) -> ReviewResult | None:
        """Store every proposal still pending."""
        keys = [k for k, s in self.model.status.items() if s == PENDING]
        return self._accept(keys)

    def _accept(self, keys: list[str]) -> ReviewResult | None:
        x = self.extraction
        if x is None or not keys:
            return None
        self.rejected.difference_update(keys)
        decisions = [self.edits.get(k, Decision(k)) for k in keys]
        decisions += [Decision(k, accept=False) for k in sorted(self.rejected)]
        text = (
            f"Accept suggestion {self._describe(keys[0])}"
            if len(keys) == 1
            else f"Accept {len(keys)} suggestions from “{_clip(self.source.title, 40)}”"
        )
        command = AcceptProposalsCommand(
            self.svc, x, decisions, text, self._accepted_changed, self._report
        )
        if self.undo_stack is not None:
            self.undo_stack.push(command)
        else:
            command.redo()
        self._refresh_status()
        if command.error is not None or command.result is None:
            return None
        self._refresh_names()
        self.proposals_accepted.emit(command.result)
        # The window reloads the reader after an edit: put the highlights back.
        self._paint()
        return command.result

    def _describe(self, key: str) -> str:
        row = self.model.rows[self.model.row_of(key)]
        return row.title if row.kind == "quote" else f"“{_clip(row.title, 40)}”"

    def _accepted_changed(self, result: ReviewResult, accepted: bool) -> None:
        # An undo or redo of an acceptance made while another source was under review: its
        # keys mean other proposals here, so only the quotes' saved state is re-read.
        if self.extraction is not None and result.source_id == self.extraction.source_id:
            if accepted:
                self.accepted |= set(result.stored)
            else:
                self.accepted -= set(result.stored)
        self._refresh_status()

    def _report(self, message: str) -> None:
        self.caption.setText(f"<span style='color:#b00020'>{_esc(message)}</span>")
        self.failed.emit(message)

    # --- Edits

    def use_reader_selection(self) -> bool:
        """Move the current quote's span to the text selected in the reader."""
        key = self.current_key()
        if key is None or self.reader is None or self.source is None:
            return False
        if self.reader.source is None or self.reader.source.id != self.source.id:
            self._report("Open this source in the reader and select the words of the quote.")
            return False
        span = self.reader.selected_span()
        if span is None:
            self._report("Select the words of the quote in the reader first.")
            return False
        start, end, _ = span
        self._edit(key, start=start, end=end)
        return True

    def move_span(self, key: str, start: int, end: int) -> None:
        """Move quote proposal ``key`` to ``start``..``end`` (code points)."""
        self._edit(key, start=start, end=end)

    def set_speaker_from_edit(self) -> None:
        """Give the current quote the speaker typed in the speaker field."""
        key = self.current_key()
        if key is not None:
            self.set_speaker(key, self.speaker_edit.text())

    def set_speaker(self, key: str, name: str) -> None:
        """Change quote ``key``'s speaker: a proposed entity, a person of the case, or new."""
        x = self.extraction
        if x is None:
            return
        name = " ".join(name.split())
        clear = {"speaker_id": None, "speaker_name": None, "speaker_key": None, "no_speaker": False}
        if not name:
            self._edit(key, **{**clear, "no_speaker": True})
            return
        wanted = fold(name)
        for e in x.entities:
            if wanted in {fold(e.name), *(fold(a) for a in e.aliases), fold(e.acronym or "\0")}:
                self._edit(key, **{**clear, "speaker_key": e.key})
                return
        found = self.svc.people.find(self.source.case_id, name) if self.source else None
        if found is not None:
            self._edit(key, **{**clear, "speaker_id": found.id})
        else:
            self._edit(key, **{**clear, "speaker_name": name})

    def _edit(self, key: str, **changes: Any) -> None:
        d = dataclasses.replace(self.edits.get(key, Decision(key)), **changes)
        self.edits[key] = d
        self.model.replace_row(self._row(key))
        self._paint()

    # --- Highlighting in the reader

    def _ensure_reader(self) -> None:
        """Show the reviewed source in the reader if it shows another one."""
        r = self.reader
        if r is None or self.source is None:
            return
        if r.source is None or r.source.id != self.source.id:
            r.show_source(self.source, self.text, self.svc.quotes.list(source_id=self.source.id))

    def _reader_shows_source(self) -> bool:
        r = self.reader
        return bool(
            r is not None
            and self.source is not None
            and r.source is not None
            and r.source.id == self.source.id
        )

    def _colours(self) -> tuple[QColor, QColor]:
        base = self.reader.text_edit.palette().base().color() if self.reader else QColor("white")
        if base.lightness() < 128:
            return PROPOSAL_COLOUR_DARK, CURRENT_COLOUR_DARK
        return PROPOSAL_COLOUR, CURRENT_COLOUR

    def _clear_paint(self) -> None:
        if not self._painted or not self._reader_shows_source():
            self._painted = False
            return
        doc = self.reader.text_edit.document()
        c = QTextCursor(doc)
        c.beginEditBlock()
        c.select(QTextCursor.SelectionType.Document)
        c.setCharFormat(QTextCharFormat())
        c.endEditBlock()
        self._painted = False

    def _paint(self) -> None:
        """Highlight the pending quotes and the current proposal in the reader."""
        if not self._reader_shows_source() or self.extraction is None:
            return
        self._clear_paint()
        pale, strong = self._colours()
        current = self.current_key()
        spans: list[tuple[Span, QColor, bool]] = []
        for row in self.model.rows:
            status = self.model.status.get(row.key, PENDING)
            if row.key == current:
                spans.extend((s, strong, True) for s in row.spans)
            elif row.kind == "quote" and status == PENDING:
                spans.extend((s, pale, False) for s in row.spans)
        doc = self.reader.text_edit.document()
        c = QTextCursor(doc)
        c.beginEditBlock()
        for (start, end), colour, underline in spans:
            if not 0 <= start < end <= len(self.text):
                continue
            c.setPosition(self._map.to_qt(start))
            c.setPosition(self._map.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
            fmt = QTextCharFormat()
            fmt.setBackground(colour)
            fmt.setFontUnderline(underline)
            c.mergeCharFormat(fmt)
        c.endEditBlock()
        self._painted = bool(spans)
        cur = next((r for r in self.model.rows if r.key == current), None)
        if cur is not None and cur.spans:
            self.reader.show_span(*cur.spans[0])

    def highlighted_spans(self) -> list[tuple[int, int, str]]:
        """(start, end, colour name) runs highlighted by this pane in the reader (code points).

        For tests and accessibility checks: reads back what is painted in the document.
        """
        if not self._reader_shows_source():
            return []
        out: list[tuple[int, int, str]] = []
        block = self.reader.text_edit.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                frag = it.fragment()
                brush = frag.charFormat().background()
                if brush.style() != Qt.BrushStyle.NoBrush:
                    start = self._map.to_py(frag.position())
                    end = self._map.to_py(frag.position() + frag.length())
                    out.append((start, end, brush.color().name()))
                it += 1
            block = block.next()
        return _merge_runs(out)


def _merge_runs(runs: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    for start, end, colour in runs:
        if merged and merged[-1][1] == start and merged[-1][2] == colour:
            merged[-1] = (merged[-1][0], end, colour)
        else:
            merged.append((start, end, colour))
    return merged


def _esc(text: str) -> str:
    import html

    return html.escape(text)
