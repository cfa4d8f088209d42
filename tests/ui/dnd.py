"""Drag events built as Qt's drag machinery builds them, on every supported PySide6.

PySide6 6.12 takes a QPointF for drag enter and move events (the QPoint form is deprecated);
earlier versions take only a QPoint. Drops take a QPointF everywhere.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent

BUTTONS = Qt.MouseButton.LeftButton
MODIFIERS = Qt.KeyboardModifier.NoModifier


def drag_event(
    cls: type[QDragEnterEvent] | type[QDragMoveEvent],
    pos: QPointF,
    actions: Qt.DropAction,
    mime: QMimeData,
) -> Any:
    """A drag enter or move event at ``pos``."""
    try:
        return cls(pos, actions, mime, BUTTONS, MODIFIERS)
    except TypeError:  # PySide6 before 6.12
        return cls(pos.toPoint(), actions, mime, BUTTONS, MODIFIERS)
