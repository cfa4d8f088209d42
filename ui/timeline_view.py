"""Events on a zoomable time axis: a day is a point, "late January" a range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
)

from models.dates import Precision

DAY_WIDTH = 24.0  # scene units per day at zoom 1
ROW_HEIGHT = 34.0  # scene units between event lanes
POINT_SIZE = 12.0  # diameter of a one-day event


class TimelineView(QGraphicsView):
    """A horizontal time axis with one mark per dated event.

    Signals:
        event_clicked: Id of the event the user clicked.
    """

    event_clicked = Signal(int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.items_by_event: dict[int, QGraphicsItem] = {}
        self._zoom = 1.0
        self._events: list[Any] = []
        self.setToolTip("Ctrl+wheel or +/- to zoom")

    # --- Drawing

    def set_events(self, events: Sequence[Any]) -> None:
        """Draw ``events`` (EventDTOs); undated ones are left out."""
        self._events = list(events)
        scene = self.scene()
        scene.clear()
        self.items_by_event = {}
        dated = [e for e in events if e.date is not None]
        if not dated:
            t = scene.addSimpleText("No dated events to show.")
            t.setPos(0, 0)
            return
        origin = min(e.date.start for e in dated)
        last = max(e.date.end for e in dated)
        accent = self.palette().highlight().color()
        text_colour = self.palette().text().color()
        fill, outline, ink = QBrush(accent), QPen(accent.darker(130)), QBrush(text_colour)
        lanes: list[float] = []  # right edge (scene x) of each lane, to avoid overlaps
        for e in sorted(dated, key=lambda e: (e.date.start, e.id)):
            x0 = self._x(e.date.start, origin)
            x1 = self._x(e.date.end, origin) + DAY_WIDTH
            label = f"{e.title} ({e.date.label()})"
            width = max(x1 - x0, POINT_SIZE) + 8 + len(label) * 6.5
            lane = next((i for i, right in enumerate(lanes) if right < x0), len(lanes))
            if lane == len(lanes):
                lanes.append(0.0)
            lanes[lane] = x0 + width
            y = 30 + lane * ROW_HEIGHT
            item: QGraphicsItem
            if e.date.precision is Precision.DAY or e.date.start == e.date.end:
                cx = x0 + DAY_WIDTH / 2
                item = QGraphicsEllipseItem(
                    cx - POINT_SIZE / 2, y - POINT_SIZE / 2, POINT_SIZE, POINT_SIZE
                )
                text_x = cx + POINT_SIZE
            else:
                item = QGraphicsRectItem(QRectF(x0, y - 5, x1 - x0, 10))
                text_x = x1 + 4
            item.setBrush(fill)
            item.setPen(outline)
            item.setToolTip(
                f"{e.title}\n{e.date.label()}" + (f"\n{e.place_name}" if e.place_name else "")
            )
            item.setData(0, e.id)
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
            scene.addItem(item)
            self.items_by_event[e.id] = item
            t = QGraphicsSimpleTextItem(label)
            t.setBrush(ink)
            t.setPos(text_x, y - 9)
            t.setData(0, e.id)
            scene.addItem(t)
        self._draw_axis(origin, last, text_colour)
        self.setSceneRect(scene.itemsBoundingRect().adjusted(-20, -10, 40, 10))
        # Open on the latest events, where a story usually is, not on the earliest day.
        latest = max(dated, key=lambda e: (e.date.end, e.id))
        self.ensureVisible(self.items_by_event[latest.id], 80, 40)

    def _x(self, day: dt.date, origin: dt.date) -> float:
        return (day - origin).days * DAY_WIDTH

    def _draw_axis(self, origin: dt.date, last: dt.date, colour: QColor) -> None:
        scene = self.scene()
        span = (last - origin).days + 1
        pen = QPen(colour)
        scene.addLine(0, 10, span * DAY_WIDTH, 10, pen)
        step = 1 if span <= 31 else 7 if span <= 120 else 30 if span <= 800 else 365
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        d = 0
        while d <= span:
            day = origin + dt.timedelta(days=d)
            x = d * DAY_WIDTH
            scene.addLine(x, 6, x, 14, pen)
            t = scene.addSimpleText(day.strftime("%d %b %Y" if step < 365 else "%Y"), font)
            t.setBrush(QBrush(colour))
            t.setPos(x + 2, -8)
            d += step

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Redraw in the new colours when the palette turns light or dark."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.set_events(self._events)

    # --- Zooming and clicking

    @property
    def zoom(self) -> float:
        """Current horizontal zoom factor."""
        return self._zoom

    def zoom_by(self, factor: float) -> None:
        """Stretch or shrink the time axis."""
        new = min(max(self._zoom * factor, 0.02), 50.0)
        self.scale(new / self._zoom, 1.0)
        self._zoom = new

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        """Ctrl+wheel zooms the time axis; the plain wheel scrolls."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.25 if event.angleDelta().y() > 0 else 0.8)
            event.accept()
        else:
            super().wheelEvent(event)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        """+ and - zoom."""
        if event.text() in ("+", "="):
            self.zoom_by(1.25)
        elif event.text() == "-":
            self.zoom_by(0.8)
        else:
            super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: Any) -> None:  # noqa: N802
        """Clicking an event selects it in the window."""
        super().mouseReleaseEvent(event)
        item = self.itemAt(event.position().toPoint())
        if item is not None and item.data(0) is not None:
            self.event_clicked.emit(int(item.data(0)))
