"""Cards: a person's aliases, affiliations over time and counts; a place's spellings and events."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from ui.reader_view import is_rtl

_SINGULAR = {
    "cases": "case",
    "events": "event",
    "people": "person",
    "places": "place",
    "quotes": "quote",
    "sources": "source",
}


def noun(count: int, plural: str) -> str:
    """``plural`` as it reads after ``count``: "1 event", "2 events", "1 person"."""
    return _SINGULAR.get(plural, plural) if count == 1 else plural


def _line(text: str) -> str:
    """One paragraph, laid out right-to-left when the text is Arabic or Hebrew."""
    if is_rtl(text):
        return f'<p dir="rtl" align="right" style="margin:0">{html.escape(text)}</p>'
    return f'<p style="margin:0">{html.escape(text)}</p>'


def person_card_html(person: Any, stats: Mapping[str, int]) -> str:
    """The person card as rich text."""
    e = html.escape
    head = e(person.name)
    if person.confidential:
        head = (
            f"\N{LOCK} {head} <span style='color:#b00020'>(confidential — shown outside as "
            f"“{e(person.public_label)}”)</span>"
        )
    parts = [f"<h3 style='margin:0'>{head}</h3>"]
    sub = [person.kind.value]
    if person.role:
        sub.append(e(person.role))
    parts.append(f"<p style='margin:0'>{' · '.join(sub)}</p>")
    counts = [(stats.get(kind, 0), kind) for kind in ("quotes", "events", "sources")]
    parts.append(
        "<p style='margin:0'>"
        + " · ".join(f"<b>{n:,}</b> {noun(n, kind)}" for n, kind in counts)
        + "</p>"
    )
    if person.aliases:
        parts.append("<p style='margin:4px 0 0 0'><b>Also known as</b></p>")
        parts.extend(_line(a) for a in person.aliases)
    if person.affiliations:
        parts.append("<p style='margin:4px 0 0 0'><b>Affiliations</b></p>")
        for a in sorted(person.affiliations, key=lambda a: (a.start_on is None, a.start_on)):
            when = _span(a.start_on, a.end_on)
            role = f"{e(a.role)}, " if a.role else ""
            parts.append(f"<p style='margin:0'>{role}{e(a.organisation_name)}{when}</p>")
    if person.tags:
        parts.append(f"<p style='margin:4px 0 0 0'>Tags: {e(', '.join(person.tags))}</p>")
    if person.notes:
        parts.append(_line(person.notes))
    return "".join(parts)


def _span(start: Any, end: Any) -> str:
    if start is None and end is None:
        return ""
    a = start.isoformat() if start else "…"
    b = end.isoformat() if end else "now"
    return f" ({a} – {b})"


def place_card_html(place: Any, events: Sequence[Any], total: int | None = None) -> str:
    """The place card as rich text: ``events`` are the first of ``total`` there (all if None)."""
    e = html.escape
    parts = [
        f"<h3 style='margin:0'>{e(place.name)}</h3>",
        f"<p style='margin:0'><a href='place:{place.id}'>Edit this place</a></p>",
    ]
    if place.latitude is not None and place.longitude is not None:
        parts.append(f"<p style='margin:0'>{place.latitude:.4f}, {place.longitude:.4f}</p>")
    if place.aliases:
        parts.append("<p style='margin:4px 0 0 0'><b>Spellings</b></p>")
        parts.extend(_line(a) for a in place.aliases)
    total = len(events) if total is None else total
    parts.append(f"<p style='margin:4px 0 0 0'><b>Events</b> ({total:,})</p>")
    for ev in events:
        when = f"{ev.date.label()}: " if ev.date else ""
        parts.append(f"<p style='margin:0'>{e(when)}{e(ev.title)}</p>")
    if total > len(events):
        parts.append(f"<p style='margin:0'><i>and {total - len(events):,} more</i></p>")
    return "".join(parts)


class CardView(QScrollArea):
    """Shows the card of the selected person (or an event's place).

    Signals:
        place_edit_requested: Id of the place whose "Edit this place" link was clicked.
    """

    place_edit_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.label.linkActivated.connect(self._link)
        self.label.setMargin(6)
        self.setWidget(self.label)
        self.setWidgetResizable(True)
        self.show_nothing()

    def _link(self, href: str) -> None:
        kind, _, ident = href.partition(":")
        if kind == "place" and ident.isdigit():
            self.place_edit_requested.emit(int(ident))

    def show_nothing(self) -> None:
        """No card."""
        self.label.setText("<i>Select a person, or an event with a place, to see a card.</i>")

    def show_person(self, person: Any, stats: Mapping[str, int]) -> None:
        """A person's card."""
        self.label.setText(person_card_html(person, stats))

    def show_place(self, place: Any, events: Sequence[Any], total: int | None = None) -> None:
        """A place's card: its spellings and ``events``, the first of ``total`` there."""
        self.label.setText(place_card_html(place, events, total))
