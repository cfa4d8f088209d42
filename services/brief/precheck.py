"""The pre-export check: what names, aliases, contact details and titles will leave the machine."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass

from services.brief.build import CaseData, Selected
from services.brief.model import Document
from services.brief.redact import Redactor, person_secrets, source_secrets

WITHHELD = "[withheld]"


@dataclass(frozen=True)
class PrecheckItem:
    """One person, organisation or source as the export will show it.

    Attributes:
        kind: ``person``, ``organisation`` or ``source``.
        shown_as: The label the files carry (the descriptor for a confidential one).
        confidential: Whether it is protected.
        names: The name and the aliases that occur in the files (``[withheld]`` when protected).
        contact: Contact details that occur in the files (never exported: normally empty).
        title: For a source, the title the files carry.
    """

    kind: str
    shown_as: str
    confidential: bool
    names: tuple[str, ...]
    contact: tuple[str, ...]
    title: str = ""

    def line(self) -> str:
        """One line for a terminal or a list widget."""
        lock = " (confidential)" if self.confidential else ""
        extra = f" — also as: {', '.join(self.names[1:])}" if len(self.names) > 1 else ""
        contact = f" — contact: {', '.join(self.contact)}" if self.contact else ""
        return f"{self.kind}: {self.shown_as}{lock}{extra}{contact}"


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for v in value:
            yield from _strings(v)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _strings(getattr(value, f.name))


def _occurs(value: str, text: str) -> bool:
    """Whether ``value`` occurs in the case-folded ``text`` (short values as whole words)."""
    v = value.casefold()
    if len(v) >= 4:
        return v in text
    return re.search(rf"(?<!\w){re.escape(v)}(?!\w)", text) is not None


def document_text(doc: Document) -> str:
    """Every string of the document, joined (for searching)."""
    return "\n".join(_strings(doc))


def data_text(tables: dict[str, list[dict[str, object]]]) -> str:
    """Every string of the data tables (CSV/JSON export), joined (for searching)."""
    return "\n".join(
        v for rows in tables.values() for row in rows for v in row.values() if isinstance(v, str)
    )


def precheck(data: CaseData, sel: Selected, text: str) -> list[PrecheckItem]:
    """What the files reveal about each person and source of the selection.

    ``text`` is everything the files will carry: the redacted brief's strings
    (:func:`document_text`) for PDF and .docx, the data tables' (:func:`data_text`) for CSV and
    JSON. A person beyond the brief's ten key people is still in the CSV people table, with
    their aliases: the check must list what is in the files actually chosen.
    """
    text = text.casefold()
    # A name shared with a protected person or source is swept from the files too: show the
    # open entries as the files carry them.
    shown = Redactor.of(data.people.values(), data.sources.values()).text

    def present(values: list[str]) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for v in values:
            v = v.strip()
            if v and _occurs(v, text):
                seen.setdefault(v, None)
        return tuple(seen)

    items: list[PrecheckItem] = []
    for pid in sel.people:
        p = data.people[pid]
        if p.confidential:
            leaked = present(person_secrets(p))
            items.append(
                PrecheckItem(p.kind.value, p.public_label, True, leaked or (WITHHELD,), ())
            )
        else:
            names = present([p.name, *p.aliases]) or (shown(p.name),)
            items.append(
                PrecheckItem(p.kind.value, shown(p.name), False, names, present([p.contact]))
            )
    for sid in sel.sources:
        s = data.sources[sid]
        if s.confidential:
            leaked = present(source_secrets(s))
            items.append(
                PrecheckItem("source", s.public_label, True, leaked or (WITHHELD,), (), WITHHELD)
            )
        else:
            title = shown(s.title)
            items.append(PrecheckItem("source", title, False, (title,), (), title))
    return items
