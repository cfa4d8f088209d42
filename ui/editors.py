"""The editor panel: every field of the selected quote, person, event or source.

Each field commits when the user leaves it (no Save button). The panel does not write: it emits
``edit_requested`` / ``tags_requested`` / ``aliases_requested`` and the window pushes the undo
command that calls the service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QWidget,
)

from models.dates import PartialDate
from models.schema import (
    INFORMATION_CREDIBILITY,
    SOURCE_RELIABILITY,
    Confidentiality,
    PersonKind,
    QuoteStatus,
    SourceKind,
)

MOMENT_FORMAT = "%Y-%m-%d %H:%M"  # how a date and time is shown for editing
TAG_SEPARATOR = ","
ALIAS_SEPARATOR = ";"  # aliases may contain commas (and Arabic text uses its own comma)


class FieldError(ValueError):
    """A field's text cannot be turned into a value (shown in the message bar)."""


@dataclass(frozen=True)
class Field:
    """One editable field: key in the service, label, widget kind and choices."""

    key: str
    label: str
    # line | text | combo | check | date | day | moment | number | speaker | place
    widget: str = "line"
    choices: tuple[str, ...] = ()


def _enum_values(e: Any) -> tuple[str, ...]:
    return tuple(x.value for x in e)


FIELDS: dict[str, tuple[Field, ...]] = {
    "quote": (
        Field("speaker", "Speaker", "speaker"),
        Field("status", "Status", "combo", _enum_values(QuoteStatus)),
        Field("said", "Said on", "date"),
        Field("checked_by", "Checked by"),
        Field("note", "Note", "text"),
        Field("language", "Language"),
        Field("translation", "Translation", "text"),
        Field("translation_language", "Translation language"),
        Field("translator", "Translator"),
    ),
    "person": (
        Field("name", "Name"),
        Field("kind", "Kind", "combo", _enum_values(PersonKind)),
        Field("role", "Role"),
        Field("contact", "Contact"),
        Field("confidential", "Confidential", "check"),
        Field("descriptor", "Shown outside as"),
        Field("notes", "Notes", "text"),
    ),
    "event": (
        Field("title", "Title"),
        Field("date", "Date", "date"),
        Field("place_id", "Place", "place"),
        Field("description", "Description", "text"),
    ),
    "source": (
        Field("title", "Title"),
        Field("kind", "Kind", "combo", _enum_values(SourceKind)),
        Field("author", "Author"),
        Field("publisher", "Publisher"),
        Field("url", "Address (URL)"),
        Field("published_on", "Published on", "day"),
        Field("retrieved_at", "Retrieved at", "moment"),
        Field("language", "Language"),
        Field("reliability", "Reliability (A–F)", "combo", ("", *SOURCE_RELIABILITY)),
        Field("credibility", "Credibility (1–6)", "combo", ("", *INFORMATION_CREDIBILITY)),
        Field("confidentiality", "Confidentiality", "combo", _enum_values(Confidentiality)),
        Field("descriptor", "Shown outside as"),
        Field("file_name", "File name"),
        Field("note", "Note", "text"),
    ),
    "place": (
        Field("name", "Name"),
        Field("latitude", "Latitude", "number"),
        Field("longitude", "Longitude", "number"),
        Field("notes", "Notes", "text"),
    ),
    "case": (
        Field("title", "Title"),
        Field("author", "Author"),
        Field("summary", "Summary", "text"),
    ),
}


class _NoteEdit(QPlainTextEdit):
    """A multi-line field that commits when it loses focus."""

    left = Signal()

    def focusOutEvent(self, event: Any) -> None:  # noqa: N802
        """Commit on leaving."""
        super().focusOutEvent(event)
        self.left.emit()


def parse_date_field(text: str) -> PartialDate | None:
    """A partial date from the text a user typed ("late 2021-01"), None when blank."""
    text = text.strip()
    if not text:
        return None
    try:
        return PartialDate.parse(text)
    except ValueError as exc:
        raise FieldError(str(exc)) from None


def parse_moment_field(text: str) -> dt.datetime | None:
    """A local date and time ("2024-05-06 07:08" or a day) as an aware datetime; None if blank."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(f"not a date and time: {text!r} (use YYYY-MM-DD HH:MM)") from None
    return moment.astimezone() if moment.tzinfo is None else moment


def _day(text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise FieldError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def split_list(text: str, sep: str) -> list[str]:
    """Items of a separated list, trimmed, blanks dropped."""
    return [x.strip() for x in text.split(sep) if x.strip()]


class EditorPanel(QScrollArea):
    """Edits the selected item's fields.

    Signals:
        edit_requested: (kind, id, old values, new values).
        tags_requested: (kind, id, old tags, new tags).
        aliases_requested: (person id, old aliases, new aliases).
        speaker_requested: (quote id, speaker name) — the window resolves or creates the person.
        affiliation_added: (person id, organisation id, role, start date, end date).
        affiliation_removed: The AffiliationDTO to remove.
        unlink_requested: (event id, kind, id) of a link to remove from the event.
        failed: A plain-language message about a field that could not be read.
    """

    edit_requested = Signal(str, int, object, object)
    tags_requested = Signal(str, int, object, object)
    aliases_requested = Signal(int, object, object)
    speaker_requested = Signal(int, str)
    affiliation_added = Signal(int, int, str, object, object)
    affiliation_removed = Signal(object)
    unlink_requested = Signal(int, str, int)
    failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.kind = ""
        self.dto: Any = None
        self.widgets: dict[str, QWidget] = {}
        self._tag_model = QStringListModel(self)
        self._name_model = QStringListModel(self)
        self._places: list[tuple[int | None, str]] = [(None, "")]
        self._organisations: list[tuple[int, str]] = []
        self._loading = False
        self.show_nothing()

    # --- Completions

    def set_tag_names(self, names: Sequence[str]) -> None:
        """Tags offered by the tag completer."""
        self._tag_model.setStringList(list(names))

    def set_person_names(self, names: Sequence[str]) -> None:
        """Names and aliases offered by the speaker completer."""
        self._name_model.setStringList(list(names))

    def set_places(self, places: Sequence[tuple[int, str]]) -> None:
        """Places offered for events."""
        self._places = [(None, ""), *places]

    def set_organisations(self, organisations: Sequence[tuple[int, str]]) -> None:
        """Organisations offered for a person's affiliations."""
        self._organisations = list(organisations)

    # --- Building the form

    def show_nothing(self) -> None:
        """An empty panel."""
        self.kind, self.dto, self.widgets = "", None, {}
        label = QLabel(
            "<i>Select a quote, person, event or source to edit it here (File › Case details "
            "for the case, the card's link for a place).</i>"
        )
        label.setWordWrap(True)
        self.setWidget(label)

    def show_item(self, kind: str, dto: Any, links: Sequence[tuple[str, int, str]] = ()) -> None:
        """Edit ``dto`` (a quote, person, event, source, place or case DTO).

        ``links`` lists what an event is linked to, as (kind, id, label).
        """
        self._loading = True
        self.kind, self.dto = kind, dto
        form_host = QWidget()
        form = QFormLayout(form_host)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.widgets = {}
        for f in FIELDS[kind]:
            w = self._make(f, dto)
            self.widgets[f.key] = w
            form.addRow(f.label, w)
        if kind == "person":
            aliases = QLineEdit(f"{ALIAS_SEPARATOR} ".join(dto.aliases))
            aliases.setToolTip("Separate aliases with “;”")
            aliases.editingFinished.connect(self._commit_aliases)
            self.widgets["aliases"] = aliases
            form.addRow("Aliases", aliases)
        if hasattr(dto, "tags"):
            tags = QLineEdit(f"{TAG_SEPARATOR} ".join(dto.tags))
            tags.setToolTip("Separate tags with commas")
            completer = QCompleter(self._tag_model, tags)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            tags.setCompleter(completer)
            tags.editingFinished.connect(self._commit_tags)
            self.widgets["tags"] = tags
            form.addRow("Tags", tags)
        if kind == "person":
            self._add_affiliations(form, dto)
        if kind == "event":
            self._add_links(form, links)
        self.setWidget(form_host)
        self._loading = False

    def update_item(self, dto: Any) -> None:
        """Show fresh values of the item being edited, keeping the widgets (and the focus)."""
        if self.dto is None or dto.id != self.dto.id:
            return
        self._loading = True
        try:
            self.dto = dto
            for f in FIELDS[self.kind]:
                w: Any = self.widgets[f.key]
                if w.hasFocus():
                    continue
                value = self._current(f.key, dto)
                if f.widget == "combo":
                    w.setCurrentText(value)
                elif f.widget == "place":
                    w.setCurrentIndex(max(w.findData(value), 0))
                elif f.widget == "check":
                    w.setChecked(bool(value))
                elif f.widget == "text":
                    if w.toPlainText() != value:
                        w.setPlainText(value)
                elif w.text() != value:
                    w.setText(value)
            if "aliases" in self.widgets:
                self.widgets["aliases"].setText(  # type: ignore[attr-defined]
                    f"{ALIAS_SEPARATOR} ".join(dto.aliases)
                )
            if "tags" in self.widgets:
                self.widgets["tags"].setText(f"{TAG_SEPARATOR} ".join(dto.tags))  # type: ignore[attr-defined]
            if "affiliations" in self.widgets:
                self._fill_affiliations(dto)
        finally:
            self._loading = False

    # --- An event's links

    def _add_links(self, form: QFormLayout, links: Sequence[tuple[str, int, str]]) -> None:
        linked = QListWidget()
        linked.setMaximumHeight(110)
        linked.setToolTip("Drag quotes, people or sources onto the event in the list to link them")
        unlink = QPushButton("Unlink")
        unlink.clicked.connect(self._unlink)
        self.widgets["links"] = linked
        self.widgets["unlink"] = unlink
        form.addRow("Linked", linked)
        form.addRow("", unlink)
        self.set_links(links)

    def set_links(self, links: Sequence[tuple[str, int, str]]) -> None:
        """Show what the event being edited is linked to, as (kind, id, label)."""
        linked: Any = self.widgets.get("links")
        if linked is None:
            return
        linked.clear()
        for kind, ident, label in links:
            item = QListWidgetItem(f"{kind}: {label}")
            item.setData(Qt.ItemDataRole.UserRole, (kind, ident))
            linked.addItem(item)

    def _unlink(self) -> None:
        linked: Any = self.widgets.get("links")
        item = linked.currentItem() if linked is not None else None
        if item is None:
            self.failed.emit("Select the link to remove in the list first.")
            return
        kind, ident = item.data(Qt.ItemDataRole.UserRole)
        self.unlink_requested.emit(self.dto.id, kind, int(ident))

    # --- Affiliations (roles over time)

    def _add_affiliations(self, form: QFormLayout, dto: Any) -> None:
        roles = QListWidget()
        roles.setMaximumHeight(90)
        self.widgets["affiliations"] = roles
        remove = QPushButton("Remove role")
        remove.clicked.connect(self._remove_affiliation)
        form.addRow("Roles", roles)
        form.addRow("", remove)
        org = QComboBox()
        for oid, name in self._organisations:
            if oid != dto.id:
                org.addItem(name, oid)
        role = QLineEdit()
        role.setPlaceholderText("Role, e.g. spokesman")
        start, end = QLineEdit(), QLineEdit()
        start.setPlaceholderText("from YYYY-MM-DD")
        end.setPlaceholderText("to YYYY-MM-DD")
        add = QPushButton("Add role")
        add.clicked.connect(self._add_affiliation)
        self.widgets.update(
            {"aff_org": org, "aff_role": role, "aff_start": start, "aff_end": end, "aff_add": add}
        )
        form.addRow("Organisation", org)
        form.addRow("Role", role)
        form.addRow("From", start)
        form.addRow("To", end)
        form.addRow("", add)
        self._fill_affiliations(dto)

    def _fill_affiliations(self, dto: Any) -> None:
        roles: Any = self.widgets["affiliations"]
        roles.clear()
        for a in sorted(dto.affiliations, key=lambda a: (a.start_on is None, a.start_on)):
            when = ""
            if a.start_on or a.end_on:
                a_from = a.start_on.isoformat() if a.start_on else "…"
                a_to = a.end_on.isoformat() if a.end_on else "now"
                when = f" ({a_from} – {a_to})"
            item = QListWidgetItem(f"{a.role + ', ' if a.role else ''}{a.organisation_name}{when}")
            item.setData(Qt.ItemDataRole.UserRole, a)
            roles.addItem(item)

    def _remove_affiliation(self) -> None:
        roles: Any = self.widgets.get("affiliations")
        item = roles.currentItem() if roles is not None else None
        if item is None:
            self.failed.emit("Select the role to remove in the list first.")
            return
        self.affiliation_removed.emit(item.data(Qt.ItemDataRole.UserRole))

    def _add_affiliation(self) -> None:
        w: Any = self.widgets
        org_id = w["aff_org"].currentData()
        if org_id is None:
            self.failed.emit("Choose an organisation for the role (add it in People first).")
            return
        try:
            start = _day(w["aff_start"].text())
            end = _day(w["aff_end"].text())
        except FieldError as exc:
            self.failed.emit(str(exc))
            return
        self.affiliation_added.emit(
            self.dto.id, int(org_id), w["aff_role"].text().strip(), start, end
        )
        for key in ("aff_role", "aff_start", "aff_end"):
            w[key].clear()

    def _make(self, f: Field, dto: Any) -> QWidget:
        value = self._current(f.key, dto)
        commit: Callable[[], None] = lambda: self._commit(f)  # noqa: E731
        if f.widget == "combo":
            w: Any = QComboBox()
            w.addItems(list(f.choices))
            w.setCurrentText(value)
            w.currentIndexChanged.connect(commit)
        elif f.widget == "place":
            w = QComboBox()
            for pid, name in self._places:
                w.addItem(name, pid)
            idx = next((i for i, (pid, _) in enumerate(self._places) if pid == value), 0)
            w.setCurrentIndex(idx)
            w.currentIndexChanged.connect(commit)
        elif f.widget == "check":
            w = QCheckBox()
            w.setChecked(bool(value))
            w.toggled.connect(commit)
        elif f.widget == "text":
            w = _NoteEdit(value)
            w.setMaximumHeight(80)
            w.left.connect(commit)
        else:
            w = QLineEdit(value)
            if f.widget == "date":
                w.setPlaceholderText("2021-01-25, 2021-01, late 2021-01, 2021, a..b")
            elif f.widget == "day":
                w.setPlaceholderText("YYYY-MM-DD")
            elif f.widget == "moment":
                w.setPlaceholderText("YYYY-MM-DD HH:MM (local time)")
            elif f.widget == "number":
                w.setPlaceholderText("decimal degrees, e.g. 35.3359")
            elif f.widget == "speaker":
                completer = QCompleter(self._name_model, w)
                completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
                completer.setFilterMode(Qt.MatchFlag.MatchContains)
                w.setCompleter(completer)
                w.setPlaceholderText("Name or alias (a new name creates the person)")
            w.editingFinished.connect(commit)
        return w  # type: ignore[no-any-return]

    @staticmethod
    def _current(key: str, dto: Any) -> Any:
        """The field's value as the widget shows it."""
        if key == "speaker":
            return dto.speaker_name or ""
        value = getattr(dto, key)
        if key in ("said", "date"):
            return value.iso() if value is not None else ""
        if key == "published_on":
            return value.isoformat() if value else ""
        if isinstance(value, dt.datetime):
            return value.astimezone().strftime(MOMENT_FORMAT)
        if hasattr(value, "value"):
            return value.value
        if key == "place_id" or isinstance(value, bool):
            return value
        return "" if value is None else str(value)

    # --- Committing

    def _read(self, f: Field) -> Any:
        w: Any = self.widgets[f.key]
        if f.widget == "combo":
            return w.currentText() or None
        if f.widget == "place":
            return w.currentData()
        if f.widget == "check":
            return w.isChecked()
        if f.widget == "text":
            return w.toPlainText()
        text = w.text()
        if f.widget == "date":
            return parse_date_field(text)
        if f.widget == "moment":
            return parse_moment_field(text)
        if f.widget == "number":
            if not text.strip():
                return None
            try:
                return float(text.strip().replace(",", "."))
            except ValueError:
                raise FieldError(f"not a number: {text!r}") from None
        if f.widget == "day":
            return _day(text)
        return text

    def _commit(self, f: Field) -> None:
        if self._loading or self.dto is None:
            return
        try:
            new = self._read(f)
        except FieldError as exc:
            self.failed.emit(str(exc))
            return
        if f.key == "speaker":
            if new.strip() != (self.dto.speaker_name or ""):
                self.speaker_requested.emit(self.dto.id, new.strip())
            return
        old = getattr(self.dto, f.key)
        if hasattr(old, "value") and not isinstance(old, PartialDate):
            old = old.value
        if f.widget == "moment" and self._current(f.key, self.dto) == self.widgets[f.key].text():  # type: ignore[attr-defined]
            return  # shown to the minute: an unchanged field must not drop the seconds
        if new == old or (f.widget == "combo" and (new or None) == (old or None)):
            return
        self.edit_requested.emit(self.kind, self.dto.id, {f.key: old}, {f.key: new})

    def _commit_tags(self) -> None:
        if self._loading or self.dto is None:
            return
        w: Any = self.widgets["tags"]
        new = split_list(w.text(), TAG_SEPARATOR)
        if sorted(new) != sorted(self.dto.tags):
            self.tags_requested.emit(self.kind, self.dto.id, list(self.dto.tags), new)

    def _commit_aliases(self) -> None:
        if self._loading or self.dto is None:
            return
        w: Any = self.widgets["aliases"]
        new = split_list(w.text(), ALIAS_SEPARATOR)
        if new != list(self.dto.aliases):
            self.aliases_requested.emit(self.dto.id, list(self.dto.aliases), new)
