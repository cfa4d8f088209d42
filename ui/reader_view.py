"""The source reader: text with every saved quote highlighted, metadata, RTL paragraphs.

Offsets: the store counts code points (Python indices); QTextCursor counts UTF-16 units, so a
character outside the Basic Multilingual Plane (an emoji, some CJK) is two positions in Qt and one
in Python. :class:`OffsetMap` converts both ways.
"""

from __future__ import annotations

import bisect
import html
import unicodedata
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QTextBlockFormat, QTextCharFormat, QTextCursor, QTextOption
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QVBoxLayout, QWidget

QUOTE_COLOUR = QColor(255, 226, 130)  # every saved quote
CURRENT_COLOUR = QColor(255, 170, 60)  # the quote selected in the Quotes pane
QUOTE_COLOUR_DARK = QColor(105, 85, 20)  # the same on a dark palette
CURRENT_COLOUR_DARK = QColor(160, 85, 0)


def is_dark(palette: Any) -> bool:
    """Whether a palette draws light text on a dark background."""
    return bool(palette.base().color().lightness() < 128)


class OffsetMap:
    """Converts between Python code-point offsets and Qt UTF-16 positions in one text."""

    def __init__(self, text: str) -> None:
        # Code-point indices of characters that take two UTF-16 units.
        self._wide = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]
        # Their UTF-16 positions (each earlier wide char shifts by one).
        self._wide_qt = [i + n for n, i in enumerate(self._wide)]

    def to_qt(self, offset: int) -> int:
        """UTF-16 position of code-point ``offset``."""
        return offset + bisect.bisect_left(self._wide, offset)

    def to_py(self, position: int) -> int:
        """Code-point offset of UTF-16 ``position`` (a position inside a pair rounds down)."""
        # Each wide character before ``position`` took one extra unit; a position between the
        # two halves of a pair counts that character as before it, so it rounds down onto it.
        return position - bisect.bisect_left(self._wide_qt, position)


def is_rtl(text: str) -> bool:
    """Whether the first strong character of ``text`` is right-to-left."""
    for ch in text:
        d = unicodedata.bidirectional(ch)
        if d in ("R", "AL"):
            return True
        if d == "L":
            return False
    return False


class ReaderView(QWidget):
    """Shows one source: metadata above, text below, quotes highlighted.

    Signals:
        quote_requested: (start, end, text) in code points when the user asks to quote the
            selection.
    """

    quote_requested = Signal(int, int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.meta = QLabel()
        self.meta.setTextFormat(Qt.TextFormat.RichText)
        self.meta.setWordWrap(True)
        self.meta.setObjectName("readerMeta")
        self.text_edit = QPlainTextEdit()
        self.text_edit.setReadOnly(True)
        self.text_edit.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.text_edit.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.meta)
        lay.addWidget(self.text_edit, 1)
        self.source: Any = None
        self._text = ""
        self._map = OffsetMap("")
        self._quotes: list[Any] = []
        self._current: int | None = None
        self.meta.setText("<i>Select a source or a quote to read it here.</i>")

    # --- Showing

    def show_source(self, source: Any, text: str, quotes: Sequence[Any]) -> None:
        """Show ``source`` (a SourceDTO) with its ``text`` and ``quotes`` highlighted."""
        if self.source is None or source.id != self.source.id or text != self._text:
            self.source = source
            self._text = text
            self._map = OffsetMap(text)
            self.text_edit.setPlainText(text)
            self._lay_out_directions()
        else:
            self.source = source
        self.meta.setText(_meta_html(source, len(quotes)))
        self._quotes = list(quotes)
        self.highlight(None)

    def clear(self) -> None:
        """Show nothing."""
        self.source = None
        self._text = ""
        self._quotes = []
        self.text_edit.setPlainText("")
        self.meta.setText("<i>Select a source or a quote to read it here.</i>")

    def _lay_out_directions(self) -> None:
        """Lay out right-to-left paragraphs right-to-left."""
        doc = self.text_edit.document()
        block = doc.begin()
        cursor = QTextCursor(doc)
        while block.isValid():
            if is_rtl(block.text()):
                cursor.setPosition(block.position())
                fmt = QTextBlockFormat(block.blockFormat())
                fmt.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
                fmt.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignAbsolute)
                cursor.setBlockFormat(fmt)
            block = block.next()

    def highlight(self, current_quote_id: int | None) -> None:
        """Highlight every quote; the current one stronger, selected and scrolled into view."""
        self._current = current_quote_id
        sels = []
        current = None
        colour, strong = self.highlight_colours()
        for q in self._quotes:
            sel = QTextEdit.ExtraSelection()
            c = QTextCursor(self.text_edit.document())
            c.setPosition(self._map.to_qt(q.start))
            c.setPosition(self._map.to_qt(q.end), QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = c
            fmt = QTextCharFormat()
            fmt.setBackground(strong if q.id == current_quote_id else colour)
            sel.format = fmt
            sels.append(sel)
            if q.id == current_quote_id:
                current = q
        self.text_edit.setExtraSelections(sels)
        if current is not None:
            self.show_span(current.start, current.end)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Recolour the highlights when the palette turns light or dark."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._quotes:
            self._recolour(self._current)

    def _recolour(self, current: int | None) -> None:
        """Highlight again without scrolling away from where the reader is."""
        bar = self.text_edit.verticalScrollBar()
        pos = bar.value()
        self.highlight(current)
        bar.setValue(pos)

    def highlight_colours(self) -> tuple[QColor, QColor]:
        """(every quote, the current quote) backgrounds for the present palette."""
        if is_dark(self.text_edit.palette()):
            return QUOTE_COLOUR_DARK, CURRENT_COLOUR_DARK
        return QUOTE_COLOUR, CURRENT_COLOUR

    def show_span(self, start: int, end: int) -> None:
        """Scroll the span (code points) into view, centred."""
        c = QTextCursor(self.text_edit.document())
        c.setPosition(self._map.to_qt(end))
        self.text_edit.setTextCursor(c)
        c.setPosition(self._map.to_qt(start))
        self.text_edit.setTextCursor(c)
        self.text_edit.centerCursor()

    # --- Selecting

    def select_span(self, start: int, end: int) -> None:
        """Select code points ``start``..``end`` as if by mouse (tests, keyboard users)."""
        c = QTextCursor(self.text_edit.document())
        c.setPosition(self._map.to_qt(start))
        c.setPosition(self._map.to_qt(end), QTextCursor.MoveMode.KeepAnchor)
        self.text_edit.setTextCursor(c)

    def selected_span(self) -> tuple[int, int, str] | None:
        """The selection as (start, end, text) in code points, or None."""
        c = self.text_edit.textCursor()
        if not c.hasSelection():
            return None
        start = self._map.to_py(c.selectionStart())
        end = self._map.to_py(c.selectionEnd())
        if end <= start:
            return None
        return start, end, self._text[start:end]

    def request_quote(self) -> bool:
        """Emit ``quote_requested`` for the selection; False if nothing is selected."""
        span = self.selected_span()
        if span is None or self.source is None:
            return False
        self.quote_requested.emit(*span)
        return True


def _meta_html(s: Any, n_quotes: int) -> str:
    e = html.escape
    title = e(s.title)
    if s.confidential:
        title = f"\N{LOCK} {title} <span style='color:#b00020'>(confidential)</span>"
    parts = [f"<b>{title}</b>"]
    row = [s.kind.value.replace("_", " ")]
    if s.publisher:
        row.append(e(s.publisher))
    if s.author:
        row.append(e(s.author))
    if s.published_on:
        row.append(f"published {s.published_on.isoformat()}")
    if s.retrieved_at:
        row.append(f"retrieved {s.retrieved_at:%Y-%m-%d}")
    row.append(f"grade {s.grade}" if s.grade else "ungraded")
    row.append(s.confidentiality.value.replace("_", " "))
    row.append(f"{n_quotes} quote{'s' if n_quotes != 1 else ''}")
    parts.append(" · ".join(row))
    return "<br>".join(parts)
