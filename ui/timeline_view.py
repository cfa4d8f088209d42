"""Events on a zoomable time axis: a day is a point, "late January" a range."""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QFont, QPainter, QPen, QTransform, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models.dates import Precision

DAY_WIDTH = 24.0  # scene units per day at zoom 1
ROW_HEIGHT = 34.0  # scene units between event lanes
MARK_ROW = 16.0  # between lanes when zoomed out so far that only the marks show
LANE_GAP = 6.0  # on-screen pixels after an event's label (or mark) before the next in its lane
LEVELS = 12  # the lanes are laid out again at every power of two of the zoom, down to 2**-12
KEPT_ITEMS = 6000  # events whose items are kept to be drawn again (the timeline draws 2,000)
POINT_SIZE = 12.0  # diameter of a one-day event
LABEL_ZOOM = 0.5  # events' labels show from this zoom in; further out, marks only
MIN_ZOOM, MAX_ZOOM = 0.0005, 50.0  # 0.0005: some 50 years across a 600 px view
TICK_SPACING = 90  # on-screen pixels between the axis's dates, at least
AXIS_HEIGHT = 24  # on-screen pixels of the axis band along the top of the view
OPEN_MARGIN = 8  # pixels between what the view opens on and its edges (below the axis band)
# Steps between the axis's dates: (days, at least that many days, format). Months and years
# are calendar months and years, so that their shortest decides their spacing on screen.
TICK_STEPS = (
    (1, 1, "%d %b %Y"),
    (7, 7, "%d %b %Y"),
    (30, 28, "%b %Y"),
    (91, 89, "%b %Y"),
    (365, 365, "%Y"),
    (1826, 1826, "%Y"),
    (3652, 3652, "%Y"),
    (9131, 9131, "%Y"),
)
_FIXED_SIZE = QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations


def _tick_start(day: dt.date, step: int) -> dt.date:
    """The first date at or after ``day`` the axis marks for ``step``.

    The first of a month (of a quarter for 91) or of a year (divisible by 5, 10 or 25 for the
    longer steps); ``day`` itself for daily and weekly steps.
    """
    if step >= 365:
        years = step // 365
        year = day.year if (day.month, day.day) == (1, 1) else day.year + 1
        return dt.date(year + (-year) % years, 1, 1)
    if step >= 30:
        months = step // 30
        index = day.year * 12 + day.month - 1 + (day.day != 1)  # the first whole month
        index += (-index) % months
        return dt.date(index // 12, index % 12 + 1, 1)
    return day


def _tick_after(day: dt.date, step: int) -> dt.date:
    """The next date the axis marks after ``day``: whole months and years for the long steps."""
    if step >= 365:
        return dt.date(day.year + step // 365, 1, 1)
    if step >= 30:
        months = day.month - 1 + step // 30
        return dt.date(day.year + months // 12, months % 12 + 1, 1)
    return day + dt.timedelta(days=step)


@dataclass
class _Mark:
    """One event's items on the timeline, and where they are at the current drawing.

    The items are kept while the event may be drawn again; ``left`` and ``anchor`` are set
    at each drawing.
    """

    item: QGraphicsRectItem | QGraphicsEllipseItem
    label: QGraphicsSimpleTextItem
    point: bool  # a day (a round point) rather than a bar
    label_px: float  # on-screen pixels from ``anchor`` to the end of its label
    left: float = 0.0  # scene x where its bar starts, or its day's middle for a point
    anchor: float = 0.0  # scene x its label starts from: the bar's end or the point's centre

    @property
    def overhang(self) -> float:
        """On-screen pixels its point reaches left and right of ``anchor``."""
        return POINT_SIZE / 2 if self.point else 0.0


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
        self._marks: list[_Mark] = []  # in order of their start
        self._drawn: dict[tuple[Any, ...], _Mark] = {}  # items kept for events drawn again
        self._empty_note: QGraphicsSimpleTextItem | None = None
        self._level: int | None = None  # the zoom's power of two the lanes are laid out for
        self._labels_shown = True  # what the labels are set to (new ones show)
        self._span: tuple[dt.date, dt.date] | None = None
        self.setToolTip("Ctrl+wheel or +/- to zoom, 0 to see every event")
        # A few lanes start under the axis, not in the middle of a taller view.
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    # --- Drawing

    def set_events(self, events: Sequence[Any]) -> None:
        """Draw ``events`` (EventDTOs or EventRowDTOs); undated ones are left out.

        Ranges are bars as long as they last, on the zoomed axis; a day is a point and every
        text keeps its size on screen whatever the zoom. Events are stacked in lanes so that
        no mark or label covers another at the zoom shown (see :meth:`_lay_out`); further out
        than LABEL_ZOOM only the marks show, in narrower lanes, and their tooltips say what
        they are. An event drawn before with the same title, date and place keeps its items
        (making them is most of the time a drawing takes): a selection that narrows the
        timeline, then Show all, makes none.
        """
        self._events = list(events)
        scene = self.scene()
        if self._empty_note is not None:
            scene.removeItem(self._empty_note)
            self._empty_note = None
        for m in self._marks:
            scene.removeItem(m.item)
            scene.removeItem(m.label)
        self.items_by_event = {}
        self._marks = []
        self._level = None
        self._span = None
        dated = [e for e in events if e.date is not None]
        if not dated:
            self._empty_note = scene.addSimpleText("No dated events to show.")
            self._empty_note.setFlag(_FIXED_SIZE)
            self._empty_note.setPos(0, 0)
            return
        origin = min(e.date.start for e in dated)
        last = max(e.date.end for e in dated)
        latest = max(dated, key=lambda e: (e.date.end, e.id))
        opening: _Mark | None = None
        used: dict[tuple[Any, ...], _Mark] = {}
        for e in sorted(dated, key=lambda e: (e.date.start, e.id)):
            key = (e.id, e.title, e.date, e.place_name)
            mark = self._drawn.get(key) or self._draw(e)
            used[key] = mark
            x0 = self._x(e.date.start, origin)
            if mark.point:
                mark.anchor = x0 + DAY_WIDTH / 2
                mark.item.setPos(mark.anchor, 0)
            else:
                mark.anchor = x0 + mark.item.rect().width()
                mark.item.setPos(x0, 0)
            mark.left = min(x0, mark.anchor)
            mark.label.setPos(mark.anchor, 0)
            mark.label.setVisible(self._labels_shown)
            mark.item.setSelected(False)
            scene.addItem(mark.item)
            scene.addItem(mark.label)
            self.items_by_event[e.id] = mark.item
            self._marks.append(mark)
            if e is latest:
                opening = mark
        # Keep the items of the events drawn now (and of the last draw, up to a few thousand).
        if len(self._drawn) + len(used) > KEPT_ITEMS:
            self._drawn = {}
        self._drawn.update(used)
        self._span = (origin, last)
        self._lay_out()
        # Open on the latest events, where a story usually is, not on the earliest day. The
        # scroll bars the new scene needs are shown first (Qt does it in a queued call): a
        # vertical bar appearing afterwards narrowed the view and cut the latest label.
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        assert opening is not None
        self._open_on(opening)

    def _draw(self, e: Any) -> _Mark:
        """The items of one event, in the palette's colours, at the axis's start (x 0)."""
        palette = self.palette()
        accent = palette.highlight().color()
        item: QGraphicsRectItem | QGraphicsEllipseItem
        point = e.date.precision is Precision.DAY or e.date.start == e.date.end
        if point:
            gap = POINT_SIZE / 2 + 4
            item = QGraphicsEllipseItem(-POINT_SIZE / 2, -POINT_SIZE / 2, POINT_SIZE, POINT_SIZE)
            item.setFlag(_FIXED_SIZE)  # a point stays round and visible at any zoom
        else:
            gap = 4.0
            days = (e.date.end - e.date.start).days + 1
            item = QGraphicsRectItem(QRectF(0, -5, days * DAY_WIDTH, 10))
        item.setBrush(QBrush(accent))
        item.setPen(QPen(accent.darker(130)))
        item.setToolTip(
            f"{e.title}\n{e.date.label()}" + (f"\n{e.place_name}" if e.place_name else "")
        )
        item.setData(0, e.id)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        label = QGraphicsSimpleTextItem(f"{e.title} ({e.date.label()})")
        label.setBrush(QBrush(palette.text().color()))
        label.setFlag(_FIXED_SIZE)
        label.setTransform(QTransform.fromTranslate(gap, -9))  # on-screen pixels from the mark
        label.setData(0, e.id)
        return _Mark(item, label, point, gap + label.boundingRect().width())

    def _lay_out(self) -> bool:
        """Stack the events in lanes for the current zoom; False if they already are.

        Each event keeps its lane from its mark's left edge to the end of its label (of its
        mark alone when labels are hidden), as wide as they are on screen at the smallest zoom
        of the current power of two: within it nothing overlaps, and it is laid out again only
        when the zoom crosses into another (a few hundredths of a second for 2,000 events).
        Lanes are filled from the top, each event in the first lane free at its start.
        """
        level = max(math.floor(math.log2(self._zoom)), -LEVELS)
        if level == self._level:
            return False
        self._level = level
        labelled = self._zoom >= LABEL_ZOOM  # a whole level: LABEL_ZOOM is a power of two
        scale = 2.0**level  # screen pixels per scene unit, at least, within the level
        row = ROW_HEIGHT if labelled else MARK_ROW
        free: list[int] = []  # lanes free again, lowest first
        busy: list[tuple[float, int]] = []  # (scene x where it frees, lane), soonest first
        lanes = 0
        right = 0.0
        for m in self._marks:
            left = m.left - m.overhang / scale
            while busy and busy[0][0] < left:
                heapq.heappush(free, heapq.heappop(busy)[1])
            if free:
                lane = heapq.heappop(free)
            else:
                lane, lanes = lanes, lanes + 1
            ends = m.anchor + ((m.label_px if labelled else m.overhang) + LANE_GAP) / scale
            heapq.heappush(busy, (ends, lane))
            right = max(right, ends)
            y = AXIS_HEIGHT + 24 + lane * row  # the first lane below the axis band
            m.item.setPos(m.item.pos().x(), y)
            m.label.setPos(m.anchor, y)
        if labelled != self._labels_shown:
            for m in self._marks:
                m.label.setVisible(labelled)
            self._labels_shown = labelled
        # The axis band covers the scene's top, where no lane is.
        self.setSceneRect(QRectF(-20, 0, right + 40, AXIS_HEIGHT + 24 + lanes * row))
        return True

    def _open_on(self, mark: _Mark) -> None:
        """Scroll to ``mark`` and its label, with as many of the events around it as fit.

        Lanes are filled from the top, so the latest events often sit in a lane far below
        the others of their weeks: scrolled to the item alone, the view showed it under an
        empty stretch. Of the scroll positions that put one of the marks of the visible
        stretch of time just under the axis band and keep ``item`` whole in view, the one
        showing the most marks whole wins (see :meth:`marks_shown`).
        """
        item = mark.item
        mine = item.sceneBoundingRect()
        # Its end and its label, and as much of a long bar before them as the view holds.
        end = mark.anchor + (mark.label_px if self._labels_shown else mark.overhang) / self._zoom
        start = max(mine.left(), end - (self.viewport().width() - 2 * OPEN_MARGIN) / self._zoom)
        self.ensureVisible(QRectF(start, mine.top(), end - start, mine.height()), OPEN_MARGIN, 40)
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        marks = self._marks_across(seen)
        tops = sorted(r.top() for r in marks)
        bottoms = sorted(r.bottom() for r in marks)
        best, most = None, 0
        for top in tops:
            view_top = top - AXIS_HEIGHT - OPEN_MARGIN
            low, high = view_top + AXIS_HEIGHT, view_top + seen.height()
            if mine.top() < low or mine.bottom() > high:
                continue
            # Whole in view: top >= low and bottom <= high. No mark is as tall as the view,
            # so those with bottom > high are all among those with top >= low.
            shown = len(tops) - bisect.bisect_left(tops, low)
            shown -= len(bottoms) - bisect.bisect_right(bottoms, high)
            if shown > most:
                best, most = view_top, shown
        if best is not None:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + round(best - seen.top()))

    def _marks_across(self, seen: QRectF) -> list[QRectF]:
        """Scene rectangles of the events' marks (no labels) in the time stretch of ``seen``."""
        band = QRectF(seen.left(), self.sceneRect().top(), seen.width(), self.sceneRect().height())
        return [
            i.sceneBoundingRect()
            for i in self.scene().items(band)
            if i.data(0) is not None and not isinstance(i, QGraphicsSimpleTextItem)
        ]

    def marks_shown(self) -> int:
        """How many events' marks are whole in view, below the axis band."""
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        low, high = seen.top() + AXIS_HEIGHT, seen.bottom()
        return sum(1 for r in self._marks_across(seen) if r.top() >= low and r.bottom() <= high)

    def mark_selected(self, event_id: int | None) -> None:
        """Show ``event_id``'s mark as selected, scrolled into view; None selects nothing."""
        item = self.items_by_event.get(event_id) if event_id is not None else None
        for other in self.scene().selectedItems():
            if other is not item:
                other.setSelected(False)
        if item is not None and not item.isSelected():
            item.setSelected(True)
            self.ensureVisible(item, OPEN_MARGIN, AXIS_HEIGHT + OPEN_MARGIN)

    def _x(self, day: dt.date, origin: dt.date) -> float:
        return (day - origin).days * DAY_WIDTH

    def axis_ticks(self) -> list[tuple[int, str]]:
        """The dates the axis shows now: (x in the viewport, text).

        The step follows the zoom (days, weeks, months, quarters, years, 5, 10, 25 years): the
        shortest whose dates fall TICK_SPACING px apart or more; if that leaves fewer than two
        dates in a narrow view, the next shorter one, if its dates are half as far apart.
        """
        if self._span is None:
            return []
        day_px = DAY_WIDTH * self._zoom
        wide = [i for i, t in enumerate(TICK_STEPS) if t[1] * day_px >= TICK_SPACING]
        choice = wide[0] if wide else len(TICK_STEPS) - 1
        ticks = self._ticks_for(TICK_STEPS[choice])
        if len(ticks) < 2 and choice > 0:
            shorter = TICK_STEPS[choice - 1]
            if shorter[1] * day_px >= TICK_SPACING / 2:
                ticks = self._ticks_for(shorter)
        return ticks

    def _ticks_for(self, tick_step: tuple[int, int, str]) -> list[tuple[int, str]]:
        """The dates of one step across the visible stretch of the axis."""
        assert self._span is not None
        origin, _ = self._span
        step, _, fmt = tick_step
        width = self.viewport().width()
        # Only the visible stretch, from a little before its left edge: a span of years drawn
        # by the day would otherwise walk thousands of dates at every paint.
        first = math.floor(self.mapToScene(0, 0).x() / DAY_WIDTH) - 1
        last = math.ceil(self.mapToScene(width, 0).x() / DAY_WIDTH) + 1
        try:
            if step < 30:  # days and weeks counted from the first event's day
                day = origin + dt.timedelta(days=first - first % step)
            else:
                day = _tick_start(origin + dt.timedelta(days=first), step)
            end = origin + dt.timedelta(days=last)
        except (OverflowError, ValueError):  # scrolled past the calendar's ends
            return []
        ticks: list[tuple[int, str]] = []
        while day <= end:
            x = self.mapFromScene(QPointF(self._x(day, origin), 0)).x()
            if x >= -TICK_SPACING:
                ticks.append((x, day.strftime(fmt)))
            try:
                day = _tick_after(day, step)
            except (OverflowError, ValueError):
                break
        return ticks

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:  # noqa: N802
        """The time axis, along the top of the view whatever is scrolled under it."""
        super().drawForeground(painter, rect)
        if self._span is None:
            return
        painter.save()
        painter.resetTransform()
        width = self.viewport().width()
        painter.fillRect(0, 0, width, AXIS_HEIGHT, self.palette().base())
        colour = self.palette().text().color()
        painter.setPen(QPen(colour))
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        painter.setFont(font)
        painter.drawLine(0, AXIS_HEIGHT - 1, width, AXIS_HEIGHT - 1)
        for x, _ in self.axis_ticks():
            painter.drawLine(x, AXIS_HEIGHT - 6, x, AXIS_HEIGHT - 1)
        for x, text in self.axis_labels():
            painter.drawText(x, AXIS_HEIGHT - 8, text)
        painter.restore()

    def axis_labels(self) -> list[tuple[int, str]]:
        """The axis's dates as drawn: (x where the text starts, text), right of each tick.

        A date whose tick is left of the view is not written: its text would show only its
        end ("2" of "05 Feb 2022"), which reads like another date.
        """
        return [(x + 3, text) for x, text in self.axis_ticks() if x + 3 >= 0]

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        """Redraw in the new colours when the palette turns light or dark."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._drawn = {}  # made in the old colours
            self.set_events(self._events)

    # --- Zooming and clicking

    @property
    def zoom(self) -> float:
        """Current horizontal zoom factor."""
        return self._zoom

    def zoom_by(self, factor: float) -> None:
        """Stretch or shrink the time axis (texts and points keep their size on screen).

        When the lanes are laid out anew for the zoom, the event nearest the view's middle
        stays at the same height on screen.
        """
        new = min(max(self._zoom * factor, MIN_ZOOM), MAX_ZOOM)
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        centre = seen.center()
        near = min(
            (m for m in self._marks if seen.left() <= m.anchor <= seen.right()),
            key=lambda m: abs(m.item.sceneBoundingRect().center().y() - centre.y()),
            default=None,
        )
        before = self.mapFromScene(near.label.pos()).y() if near is not None else 0
        self.scale(new / self._zoom, 1.0)
        self._zoom = new
        if self._lay_out() and near is not None:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + self.mapFromScene(near.label.pos()).y() - before)
        self.viewport().update()

    def fit_all(self) -> None:
        """Zoom so that every event's stretch of time fits the view's width; show the top lanes.

        Zoomed out that far, only the marks show, in narrow lanes: as many as fit are in view.
        """
        if self._span is None:
            return
        origin, last = self._span
        days = (last - origin).days + 1
        room = max(self.viewport().width() - 2 * POINT_SIZE - 20, 50)
        self.zoom_by(room / (days * DAY_WIDTH) / self._zoom)
        self.centerOn(days * DAY_WIDTH / 2, self.mapToScene(self.viewport().rect().center()).y())
        self.verticalScrollBar().setValue(self.verticalScrollBar().minimum())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        """Ctrl+wheel zooms the time axis; the plain wheel scrolls."""
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.25 if event.angleDelta().y() > 0 else 0.8)
            event.accept()
        else:
            super().wheelEvent(event)

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        """+ and - zoom; 0 shows every event."""
        if event.text() in ("+", "="):
            self.zoom_by(1.25)
        elif event.text() == "-":
            self.zoom_by(0.8)
        elif event.text() == "0":
            self.fit_all()
        else:
            super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: Any) -> None:  # noqa: N802
        """Clicking an event selects it in the window."""
        super().mouseReleaseEvent(event)
        item = self.itemAt(event.position().toPoint())
        if item is not None and item.data(0) is not None:
            self.event_clicked.emit(int(item.data(0)))


class TimelinePane(QWidget):
    """The timeline with its zoom buttons, and a line saying when it leaves events out.

    Attributes:
        view: The :class:`TimelineView`.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.view = TimelineView()
        minus = "\u2212"
        self.zoom_out_button = self._button(minus, "Zoom out (-)", lambda: self.view.zoom_by(0.8))
        self.zoom_in_button = self._button("+", "Zoom in (+)", lambda: self.view.zoom_by(1.25))
        self.fit_button = self._button("Fit", "Show every event (0)", self.view.fit_all)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for b in (self.zoom_out_button, self.zoom_in_button, self.fit_button):
            bar.addWidget(b)
        bar.addWidget(self.note, 1)
        bar.addStretch()  # keeps the buttons together at the left when there is no note
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addWidget(self.view, 1)

    def _button(self, text: str, tip: str, act: Any) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setToolTip(tip)
        b.setAutoRaise(True)
        b.clicked.connect(act)
        return b

    def set_timeline(self, timeline: Any) -> None:
        """Draw a ``TimelineDTO``; if it holds only the latest events, say how many there are."""
        self.view.set_events(timeline.events)
        if timeline.cut:
            self.note.setText(
                f"The latest {len(timeline.events):,} of {timeline.total:,} dated events "
                "(the List tab has them all)."
            )
        self.note.setVisible(timeline.cut)
