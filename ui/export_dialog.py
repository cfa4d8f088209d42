"""The export window: template, formats, selection, options and folder; runs in the background.

Self-contained: ``ExportDialog(services, case_id, parent=None, quote_ids=None)``. The export is
one service call (``services.exports.export``) run off the GUI thread by ``ui.workers.run_task``;
progress comes back through a signal, Cancel asks the service to stop (a half-written file is
removed), and when done the dialog offers to open the file or its folder. The first press of
Export only shows the pre-export check (what names, aliases, contacts and titles the files will
carry, confidential ones by descriptor); the files are written on the second press, and any
change to the options or formats asks for a new check.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from services.brief.model import BriefOptions, GroupBy, Selection, Template
from services.errors import DomainError
from ui.workers import ProgressBridge, TaskSignals, run_task

TEMPLATES = [
    (Template.BRIEF, "Brief (2–4 pages)"),
    (Template.DOSSIER, "Full dossier"),
    (Template.QUOTES, "Quote sheet"),
]
FORMAT_LABELS = [("pdf", "PDF"), ("docx", "Word (.docx)"), ("csv", "CSV"), ("json", "JSON")]
GROUPS = [
    (GroupBy.SPEAKER, "Speaker"),
    (GroupBy.SOURCE, "Source"),
    (GroupBy.EVENT, "Event"),
    (GroupBy.TAG, "Tag"),
]


class ExportDialog(QDialog):
    """Export a case, or a selection of it, as a brief and/or data files.

    Attributes:
        services: The services (``services.exports`` does the work).
        case_id: The case to export.
        quote_ids: Hand-picked quotes (or a search result), if any.
        files: The files the last export wrote.

    Signals:
        export_finished: The list of paths written.
        export_failed: The error message.
    """

    check_finished = Signal(list)
    export_finished = Signal(list)
    export_failed = Signal(str)

    def __init__(
        self,
        services: Any,
        case_id: int,
        parent: QWidget | None = None,
        quote_ids: list[int] | tuple[int, ...] | None = None,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.case_id = case_id
        self.quote_ids = tuple(quote_ids) if quote_ids is not None else None
        self.files: list[Path] = []
        self._bridge: ProgressBridge | None = None
        # The options the shown check was made for: files are written only after the
        # journalist has seen what they will reveal.
        self._checked: tuple[BriefOptions, tuple[str, ...]] | None = None
        case = services.cases.get(case_id)
        self.setWindowTitle(f"Export — {case.title}")
        self._build(case)

    # --- Layout

    def _build(self, case: Any) -> None:
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.template_box = QComboBox()
        for t, label in TEMPLATES:
            self.template_box.addItem(label, t.value)
        form.addRow("Template", self.template_box)

        fmt_row = QHBoxLayout()
        self.format_checks: dict[str, QCheckBox] = {}
        for key, label in FORMAT_LABELS:
            cb = QCheckBox(label)
            cb.setChecked(key in ("pdf", "docx"))
            cb.toggled.connect(self._update_buttons)
            self.format_checks[key] = cb
            fmt_row.addWidget(cb)
        fmt_row.addStretch(1)
        form.addRow("Formats", fmt_row)
        lay.addLayout(form)

        sel = QGroupBox("Selection")
        sform = QFormLayout(sel)
        self.scope_box = QComboBox()
        self.scope_box.addItem("Whole case", "case")
        self.scope_box.addItem("One person", "person")
        self.scope_box.addItem("One tag", "tag")
        self.scope_box.addItem("Date range", "dates")
        self.scope_box.addItem("Search", "search")
        self.saved_box = QComboBox()
        search = getattr(self.services, "search", None)
        for saved in search.list_saved(self.case_id) if search is not None else []:
            self.saved_box.addItem(saved.name, saved.id)
        if self.saved_box.count():
            self.scope_box.addItem("Saved search", "saved")
        if self.quote_ids is not None:
            self.scope_box.addItem(f"Chosen quotes ({len(self.quote_ids)})", "quotes")
            self.scope_box.setCurrentIndex(self.scope_box.count() - 1)
        self.scope_box.currentIndexChanged.connect(self._update_scope)
        sform.addRow("Export", self.scope_box)
        self.person_box = QComboBox()
        for p in self.services.people.list(self.case_id):
            self.person_box.addItem(p.public_label if p.confidential else p.name, p.id)
        sform.addRow("Person", self.person_box)
        self.tag_box = QComboBox()
        for name, _count in self.services.tags.list(self.case_id):
            self.tag_box.addItem(name, name)
        sform.addRow("Tag", self.tag_box)
        dates = QHBoxLayout()
        self.from_edit = QDateEdit(QDate.currentDate().addYears(-1))
        self.to_edit = QDateEdit(QDate.currentDate())
        for d in (self.from_edit, self.to_edit):
            d.setCalendarPopup(True)
            d.setDisplayFormat("d MMM yyyy")
        dates.addWidget(self.from_edit)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.to_edit)
        sform.addRow("Dates", dates)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Quotes this search finds, e.g. arrested speaker:Ali")
        sform.addRow("Search", self.search_edit)
        sform.addRow("Saved search", self.saved_box)
        lay.addWidget(sel)

        opts = QGroupBox("Options")
        oform = QFormLayout(opts)
        self.group_box = QComboBox()
        for g, label in GROUPS:
            self.group_box.addItem(label, g.value)
        oform.addRow("Group quotes by", self.group_box)
        self.verified_check = QCheckBox("Only verified quotes")
        self.notes_check = QCheckBox("Include my notes")
        oform.addRow(self.verified_check)
        oform.addRow(self.notes_check)
        self.author_edit = QLineEdit(case.author)
        self.author_edit.setPlaceholderText("Author or desk on the cover")
        oform.addRow("Author or desk", self.author_edit)
        # Off by default: document properties travel with the file and are easily overlooked.
        self.author_props_check = QCheckBox("Also put the author into the files' properties")
        oform.addRow(self.author_props_check)
        lay.addWidget(opts)

        out_row = QHBoxLayout()
        self.folder_edit = QLineEdit(str(Path.home()))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out_row.addWidget(self.folder_edit, 1)
        out_row.addWidget(browse)
        form2 = QFormLayout()
        form2.addRow("Save into", out_row)
        lay.addLayout(form2)

        self.check_button = QPushButton("Check what will leave this computer")
        self.check_button.clicked.connect(self.run_check)
        lay.addWidget(self.check_button)
        self.check_view = QPlainTextEdit()
        self.check_view.setReadOnly(True)
        self.check_view.setPlaceholderText(
            "Names, aliases, contact details and source titles the files will carry. "
            "Confidential people and sources are shown by their descriptor only."
        )
        self.check_view.setMaximumHeight(140)
        lay.addWidget(self.check_view)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        lay.addWidget(self.progress_bar)
        lay.addWidget(self.status_label)

        done_row = QHBoxLayout()
        self.open_file_button = QPushButton("Open file")
        self.open_folder_button = QPushButton("Open folder")
        self.open_file_button.clicked.connect(self.open_file)
        self.open_folder_button.clicked.connect(self.open_folder)
        for b in (self.open_file_button, self.open_folder_button):
            b.setVisible(False)
            done_row.addWidget(b)
        done_row.addStretch(1)
        lay.addLayout(done_row)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.clicked.connect(self.start_export)
        self.cancel_button.clicked.connect(self._close_or_cancel)
        lay.addWidget(self.buttons)
        self._update_scope()
        self._update_buttons()

    def _update_scope(self) -> None:
        scope = self.scope_box.currentData()
        self.person_box.setEnabled(scope == "person")
        self.tag_box.setEnabled(scope == "tag")
        self.from_edit.setEnabled(scope == "dates")
        self.to_edit.setEnabled(scope == "dates")
        self.search_edit.setEnabled(scope == "search")
        self.saved_box.setEnabled(scope == "saved")

    def _update_buttons(self) -> None:
        self.export_button.setEnabled(bool(self.formats()) and self._bridge is None)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save into", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    # --- Reading the form

    def formats(self) -> list[str]:
        """The chosen formats, in order."""
        return [k for k, cb in self.format_checks.items() if cb.isChecked()]

    def selection(self) -> Selection:
        """The chosen part of the case."""
        scope = self.scope_box.currentData()
        if scope == "person" and self.person_box.currentData() is not None:
            return Selection(person_id=int(self.person_box.currentData()))
        if scope == "tag" and self.tag_box.currentData():
            return Selection(tag=str(self.tag_box.currentData()))
        if scope == "dates":
            d1, d2 = self.from_edit.date(), self.to_edit.date()
            return Selection(
                date_from=dt.date(d1.year(), d1.month(), d1.day()),
                date_to=dt.date(d2.year(), d2.month(), d2.day()),
            )
        if scope == "search" and self.search_edit.text().strip():
            return Selection(search=self.search_edit.text().strip())
        if scope == "saved" and self.saved_box.currentData() is not None:
            return Selection(saved_search_id=int(self.saved_box.currentData()))
        if scope == "quotes" and self.quote_ids is not None:
            return Selection(quote_ids=self.quote_ids)
        return Selection()

    def options(self) -> BriefOptions:
        """The brief options the form describes."""
        return BriefOptions(
            template=Template(self.template_box.currentData()),
            group_by=GroupBy(self.group_box.currentData()),
            only_verified=self.verified_check.isChecked(),
            include_notes=self.notes_check.isChecked(),
            selection=self.selection(),
            author=self.author_edit.text().strip(),
            author_in_properties=self.author_props_check.isChecked(),
        )

    # --- Actions

    def run_check(self) -> None:
        """Show what the export will reveal (off the GUI thread: it builds the whole brief)."""
        options = self.options()
        formats = tuple(self.formats())
        exports = self.services.exports
        case_id = self.case_id
        self.check_view.setPlainText("Checking…")
        self._checked = None

        def done(items: Any) -> None:
            lines = [i.line() for i in items] or ["Nothing: the selection is empty."]
            self.check_view.setPlainText("\n".join(lines))
            self._checked = (options, formats)
            self.export_button.setText("Write the files")
            self.status_label.setText(
                "This is what the files will show. Press Write the files to export."
            )
            self.check_finished.emit(lines)

        def failed(exc: BaseException) -> None:
            message = exc.message if isinstance(exc, DomainError) else f"Check failed: {exc}"
            self.check_view.setPlainText(message)
            self.check_finished.emit([message])

        run_task(lambda: exports.precheck(case_id, options, formats=formats), done, failed)

    def start_export(self) -> None:
        """Run the export off the GUI thread."""
        formats = self.formats()
        if not formats or self._bridge is not None:
            return
        options = self.options()
        if (options, tuple(formats)) != self._checked:
            # First what will leave the machine; the files on the second press.
            self.run_check()
            return
        folder = self.folder_edit.text().strip() or str(Path.home())
        signals = TaskSignals()
        signals.progressed.connect(self._on_progress)
        bridge = ProgressBridge(signals)
        self._bridge = bridge
        self.export_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.status_label.setText("Exporting…")
        self.progress_bar.setValue(0)
        for b in (self.open_file_button, self.open_folder_button):
            b.setVisible(False)
        exports = self.services.exports
        case_id = self.case_id

        def work() -> Any:
            return exports.export(case_id, options, folder, formats, bridge)

        run_task(work, self._on_finished, self._on_failed, signals=signals)

    @property
    def running(self) -> bool:
        """Whether an export is under way."""
        return self._bridge is not None

    def _on_progress(self, fraction: float, text: str) -> None:
        self.progress_bar.setValue(int(fraction * 100))
        self.status_label.setText(text)

    def _on_finished(self, result: Any) -> None:
        self._bridge = None
        self.files = list(result.files)
        cancelled = bool(getattr(result, "cancelled", False))
        self.progress_bar.setValue(100 if not cancelled else self.progress_bar.value())
        names = ", ".join(p.name for p in self.files)
        if cancelled:
            text = f"Cancelled. Finished before that: {names}" if names else "Cancelled."
        else:
            text = f"Written: {names}"
        self.status_label.setText(text)
        for b in (self.open_file_button, self.open_folder_button):
            b.setVisible(bool(self.files))
        self.cancel_button.setText("Close")
        self.export_button.setText("Export")
        self._checked = None
        self._update_buttons()
        self.export_finished.emit([str(p) for p in self.files])

    def _on_failed(self, exc: Any) -> None:
        self._bridge = None
        message = exc.message if isinstance(exc, DomainError) else f"Export failed: {exc}"
        self.status_label.setText(message)
        self.cancel_button.setText("Close")
        self._update_buttons()
        self.export_failed.emit(message)

    def cancel(self) -> None:
        """Ask the running export to stop (it stops at its next check)."""
        if self._bridge is not None:
            self._bridge.cancel()
            self.status_label.setText("Cancelling…")

    def _close_or_cancel(self) -> None:
        if self._bridge is not None:
            self.cancel()
        else:
            self.reject()

    def reject(self) -> None:
        """Closing the window while an export runs cancels it first."""
        if self._bridge is not None:
            self.cancel()
            return
        super().reject()

    def open_file(self) -> None:
        """Open the first file written with the desktop's viewer."""
        if self.files:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.files[0])))

    def open_folder(self) -> None:
        """Open the folder the files were written into."""
        if self.files:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.files[0].parent)))
