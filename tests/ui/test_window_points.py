"""The window's remaining points driven as a user would: the timeline (zoom with the wheel and
keys, click to select, filtered by the selection), the cards, the case switcher and files
dragged onto the window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from models.dates import PartialDate
from services.container import Services
from tests.ui.dnd import drag_event
from ui.main_window import MainWindow

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")


def _person(svc: Services, case_id: int, name: str) -> Any:
    p = svc.people.find(case_id, name)
    assert p is not None
    return p


def _wheel(widget: Any, up: bool, modifiers: Qt.KeyboardModifier) -> None:
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    delta = QPoint(0, 120 if up else -120)
    ev = QWheelEvent(
        pos,
        widget.mapToGlobal(pos),
        QPoint(0, 0),
        delta,
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, ev)


def _show_timeline(window: MainWindow) -> Any:
    """Raise the Events pane and click its Timeline tab."""
    from PySide6.QtTest import QTest

    window.focus_pane("event")
    bar = window.events_tabs.tabBar()
    tab = next(i for i in range(bar.count()) if bar.tabText(i) == "Timeline")
    QTest.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tab).center())
    assert window.events_tabs.currentWidget() is window.timeline_pane
    return window.timeline


# --- The timeline


def test_timeline_zooms_with_ctrl_wheel_and_plus_minus_keys(qtbot: Any, window: MainWindow) -> None:
    timeline = _show_timeline(window)
    start = timeline.zoom
    _wheel(timeline.viewport(), True, Qt.KeyboardModifier.ControlModifier)
    assert timeline.zoom == pytest.approx(start * 1.25)
    assert timeline.transform().m11() == pytest.approx(start * 1.25)  # the axis is stretched
    _wheel(timeline.viewport(), False, Qt.KeyboardModifier.ControlModifier)
    assert timeline.zoom == pytest.approx(start)
    _wheel(timeline.viewport(), True, Qt.KeyboardModifier.NoModifier)  # plain wheel scrolls
    assert timeline.zoom == pytest.approx(start)
    timeline.setFocus()
    qtbot.keyClicks(timeline, "++")
    assert timeline.zoom == pytest.approx(start * 1.25 * 1.25)
    qtbot.keyClicks(timeline, "-")
    assert timeline.zoom == pytest.approx(start * 1.25)


def test_timeline_buttons_zoom_out_in_and_fit_every_event(qtbot: Any, window: MainWindow) -> None:
    timeline = _show_timeline(window)
    pane = window.timeline_pane
    start = timeline.zoom
    qtbot.mouseClick(pane.zoom_in_button, Qt.MouseButton.LeftButton)
    assert timeline.zoom == pytest.approx(start * 1.25)
    qtbot.mouseClick(pane.zoom_out_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pane.zoom_out_button, Qt.MouseButton.LeftButton)
    assert timeline.zoom == pytest.approx(start * 0.8)
    qtbot.mouseClick(pane.fit_button, Qt.MouseButton.LeftButton)
    view = timeline.viewport().rect()
    for item in timeline.items_by_event.values():  # every event's mark across the view
        x = timeline.mapFromScene(item.sceneBoundingRect().center()).x()
        assert view.left() <= x <= view.right()
    assert pane.note.isHidden()  # nothing left out


def test_a_timeline_cut_to_its_limit_shows_the_latest_events_and_says_so(
    monkeypatch: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    monkeypatch.setattr("ui.main_window.TIMELINE_LIMIT", 3)
    dated = sorted(
        (e for e in sqlite_services.events.list(demo.id) if e.date is not None),
        key=lambda e: (e.date.start, e.id),
    )
    assert len(dated) > 3
    _show_timeline(window)
    assert set(window.timeline.items_by_event) == {e.id for e in dated[-3:]}
    note = window.timeline_pane.note
    assert note.isVisible()
    assert note.text() == f"The latest 3 of {len(dated)} dated events (the List tab has them all)."
    person = next(p for p in sqlite_services.people.list(demo.id) if p.name == "Siyamend Ali")
    theirs = [e for e in sqlite_services.events.list(demo.id, person_id=person.id) if e.date]
    assert 0 < len(theirs) <= 3
    window.select_item("person", person.id)  # few enough: all drawn, no note
    assert set(window.timeline.items_by_event) == {e.id for e in theirs}
    assert note.isHidden()


def test_clicking_an_event_on_the_timeline_selects_it_and_links_the_panes(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    timeline = _show_timeline(window)
    event = next(e for e in svc.events.list(demo.id) if e.title.startswith("SDF captures"))
    item = timeline.items_by_event[event.id]
    timeline.centerOn(item)
    pos = timeline.mapFromScene(item.sceneBoundingRect().center())
    assert timeline.itemAt(pos) is item
    qtbot.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert window.focus == ("event", event.id)
    shown = [window.quotes.id_at(r) for r in range(window.quotes.proxy.rowCount())]
    assert shown == sorted(event.quote_ids)


def test_clicking_an_event_on_the_timeline_keeps_the_view_where_it_is(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    """The timeline already shows every event: a click selects one without drawing them all
    again and jumping back to the latest; an edit draws them again."""
    svc = sqlite_services
    svc.events.create(demo.id, "Much later", date=PartialDate.parse("2024-06-01"))
    window.refresh()
    timeline = _show_timeline(window)
    older = next(e for e in svc.events.list(demo.id) if e.title.startswith("SDF captures"))
    item = timeline.items_by_event[older.id]
    timeline.zoom_by(1.25)
    timeline.centerOn(item)
    place = (timeline.horizontalScrollBar().value(), timeline.verticalScrollBar().value())
    pos = timeline.mapFromScene(item.sceneBoundingRect().center())
    qtbot.mouseClick(timeline.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert window.focus == ("event", older.id)
    assert timeline.items_by_event[older.id] is item  # not drawn again
    assert item.isSelected()
    assert (timeline.horizontalScrollBar().value(), timeline.verticalScrollBar().value()) == place
    assert timeline.zoom == pytest.approx(1.25)
    svc.events.update(older.id, title="SDF captures dozens (renamed)")
    window.refresh()  # as after any edit: drawn again, with the new title, still selected
    renamed = timeline.items_by_event[older.id]
    assert renamed is not item and renamed.isSelected()
    assert "renamed" in renamed.toolTip()


def test_the_timeline_draws_an_event_again_with_the_items_it_made_for_it(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    """Narrowed to a source's events and back to all: the same items, in the same places (the
    axis starts at the first event drawn); a person without events: a note, gone again after."""
    from PySide6.QtWidgets import QGraphicsSimpleTextItem

    from ui.app import dark_palette

    svc = sqlite_services
    svc.events.create(demo.id, "Caliphate declared", date=PartialDate.parse("2014-06-29"))
    window.refresh()
    timeline = _show_timeline(window)
    before = dict(timeline.items_by_event)
    places = {i: item.sceneBoundingRect() for i, item in before.items()}
    source = next(s for s in svc.sources.list(demo.id) if svc.events.list(demo.id, source_id=s.id))
    window.select_item("source", source.id)
    narrowed = set(timeline.items_by_event)
    assert narrowed < set(before)
    assert all(timeline.items_by_event[i] is before[i] for i in narrowed)
    window.act_show_all.trigger()
    assert timeline.items_by_event == before  # the very same items
    assert {i: item.sceneBoundingRect() for i, item in before.items()} == places
    assert len(timeline.scene().items()) == 2 * len(before)  # a mark and a label each
    nobody = svc.people.create(demo.id, "Nobody in particular")
    window.refresh()
    window.select_item("person", nobody.id)
    texts = [i.text() for i in timeline.scene().items() if isinstance(i, QGraphicsSimpleTextItem)]
    assert texts == ["No dated events to show."]
    window.act_show_all.trigger()
    assert "No dated events to show." not in {
        i.text() for i in timeline.scene().items() if isinstance(i, QGraphicsSimpleTextItem)
    }
    timeline.setPalette(dark_palette())  # other colours: items made anew
    assert all(timeline.items_by_event[i] is not before[i] for i in before)


def test_an_event_chosen_in_the_list_is_marked_on_the_timeline(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    dated = sorted(
        (e for e in svc.events.list(demo.id) if e.date is not None), key=lambda e: e.date.start
    )
    earliest = dated[0]
    timeline = _show_timeline(window)
    window.select_item("event", earliest.id)
    item = timeline.items_by_event[earliest.id]
    assert [i for i in timeline.scene().selectedItems()] == [item]
    centre = timeline.mapFromScene(item.sceneBoundingRect().center())
    assert timeline.viewport().rect().contains(centre)
    window.act_show_all.trigger()
    assert timeline.scene().selectedItems() == []


def test_the_timeline_opens_on_the_latest_events(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    svc.events.create(demo.id, "Much later", date=PartialDate.parse("2024-06-01"))
    window.refresh()
    timeline = _show_timeline(window)
    dated = [e for e in svc.events.list(demo.id) if e.date is not None]
    latest = max(dated, key=lambda e: e.date.end)
    earliest = min(dated, key=lambda e: e.date.start)

    def on_screen(event_id: int) -> bool:
        centre = timeline.items_by_event[event_id].sceneBoundingRect().center()
        return timeline.viewport().rect().contains(timeline.mapFromScene(centre))

    assert latest.title == "Much later"
    assert on_screen(latest.id)
    assert not on_screen(earliest.id)  # years earlier: scrolled away to the left


def test_the_timeline_opens_where_most_events_around_the_latest_show(qtbot: Any) -> None:
    """Lanes hold their events' labels: nine long-titled events of early February keep the
    top lanes busy into March, though their marks are weeks to the left. The latest event
    (1-10 March) goes below them, with five events of its days below it: the view opens on it
    and on them, not on it under the February lanes' empty stretch."""
    from services.dto import EventRowDTO
    from ui.timeline_view import AXIS_HEIGHT, TimelineView

    def event(i: int, title: str, date: str) -> EventRowDTO:
        return EventRowDTO(i, title, PartialDate.parse(date), None)

    long = "A very long title that keeps its lane busy for weeks"
    early = [event(i, f"{long} {i}", f"2021-02-0{i}") for i in range(1, 10)]
    latest = event(20, "Talks", "~2021-03-01..2021-03-10")
    days = [event(30 + i, f"Day {i}", f"2021-03-0{i + 1}") for i in range(1, 6)]
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(420, 240)
    view.show()
    view.set_events([*early, latest, *days])
    qtbot.wait(20)  # as on screen: what Qt queued (the scroll bars) has happened
    bar = view.verticalScrollBar()
    mark = view.items_by_event[latest.id]
    opened, shown = bar.value(), view.marks_shown()

    def latest_whole_in_view() -> bool:
        r = view.mapFromScene(mark.sceneBoundingRect()).boundingRect()
        return r.top() >= AXIS_HEIGHT and r.bottom() <= view.viewport().height()

    assert latest_whole_in_view()
    best = 0
    for value in range(bar.minimum(), bar.maximum() + 1):  # every position keeping it in view
        bar.setValue(value)
        if latest_whole_in_view():
            best = max(best, view.marks_shown())
    assert shown == best >= 4  # the latest and three or more of the days under it
    bar.setValue(bar.minimum())
    view.ensureVisible(mark, 80, 40)  # as it opened before: at the bottom, under nothing
    assert view.marks_shown() < shown
    bar.setValue(opened)


def test_the_timeline_opens_with_the_latest_label_whole_and_the_lanes_at_the_top(
    qtbot: Any,
) -> None:
    """One event of a person: the end of its long bar and its whole label in view, its lane
    right under the axis (Qt centred a short scene in a taller view)."""
    from services.dto import EventRowDTO
    from ui.timeline_view import AXIS_HEIGHT, TimelineView

    only = EventRowDTO(1, "A long title for a long campaign", PartialDate.parse("2022-08"), None)
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(400, 200)
    view.show()
    view.set_events([only])
    (label,) = [i for i in view.scene().items() if i is not view.items_by_event[1]]
    shown = view.viewport().rect()
    text = label.deviceTransform(view.viewportTransform()).mapRect(label.boundingRect())
    bar = view.mapFromScene(view.items_by_event[1].sceneBoundingRect()).boundingRect()
    assert shown.contains(text.toRect())
    assert bar.left() < 0 < bar.right() <= text.left()  # a month: longer than the view
    assert AXIS_HEIGHT < bar.top() < AXIS_HEIGHT + 40


def test_the_latest_label_stays_whole_when_the_timeline_needs_a_vertical_scroll_bar(
    qtbot: Any,
) -> None:
    """Forty events on one day fill more lanes than a short view holds: the vertical scroll
    bar it needs is there before the view opens on the latest label (it used to appear just
    after, narrowing the view and cutting the label's end)."""
    from PySide6.QtWidgets import QGraphicsSimpleTextItem

    from services.dto import EventRowDTO
    from ui.timeline_view import TimelineView

    events = [
        EventRowDTO(i, f"Shelling reported in district {i}", PartialDate.parse("2022-03-01"), None)
        for i in range(40)
    ]
    latest = EventRowDTO(
        99, "Ceasefire announced after talks", PartialDate.parse("2022-03-20"), None
    )
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    view.set_events([*events, latest])
    qtbot.wait(50)  # let anything Qt queued (the scroll bars) happen
    assert view.verticalScrollBar().isVisible()
    (label,) = [
        i
        for i in view.scene().items()
        if isinstance(i, QGraphicsSimpleTextItem) and i.text().startswith("Ceasefire")
    ]
    text = label.deviceTransform(view.viewportTransform()).mapRect(label.boundingRect())
    assert view.viewport().rect().contains(text.toRect())


def _crowded_timeline(qtbot: Any) -> Any:
    """A timeline of 90 events, days and ranges, over two months, in a 700 x 400 view."""
    import datetime as dt
    import random

    from services.dto import EventRowDTO
    from ui.timeline_view import TimelineView

    rng = random.Random(7)
    events = []
    for i in range(90):
        day = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(60))
        if rng.random() < 0.6:
            date = PartialDate.day(day.year, day.month, day.day)
        else:
            date = PartialDate.parse(f"~{day}..{day + dt.timedelta(days=rng.randrange(2, 20))}")
        events.append(EventRowDTO(i, f"Event {i} " + "x" * rng.randrange(30), date, None))
    view = TimelineView()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    view.set_events(events)
    qtbot.wait(20)  # as on screen: what Qt queued (the scroll bars) has happened
    return view


def _on_screen(view: Any) -> dict[int, Any]:
    """Each event's mark and (when shown) label, as one rectangle in viewport pixels."""
    from PySide6.QtWidgets import QGraphicsSimpleTextItem

    def rect(item: Any) -> Any:
        return item.deviceTransform(view.viewportTransform()).mapRect(item.boundingRect())

    boxes = {i: rect(item) for i, item in view.items_by_event.items()}
    for item in view.scene().items():
        if isinstance(item, QGraphicsSimpleTextItem) and item.isVisible():
            boxes[item.data(0)] = boxes[item.data(0)].united(rect(item))
    return boxes


def test_timeline_lanes_never_overlap_and_close_up_when_zoomed_out(qtbot: Any) -> None:
    """At any zoom no event's mark or label covers another's (each can be told apart and
    clicked); zoomed out past LABEL_ZOOM the labels give way and the lanes close up to
    MARK_ROW apart, fewer of them; zoomed in, fewer too."""
    from ui.timeline_view import LABEL_ZOOM, MARK_ROW, ROW_HEIGHT

    view = _crowded_timeline(qtbot)
    lanes = {}
    for zoom in (1.0, 0.7, 3.0, 12.0, 0.3, 0.02, 0.6):
        view.zoom_by(zoom / view.zoom)
        boxes = list(_on_screen(view).values())
        for n, a in enumerate(boxes):
            assert not any(a.intersects(b) for b in boxes[n + 1 :]), zoom
        ys = sorted(
            {
                round(i.scenePos().y() + i.boundingRect().center().y())
                for i in view.items_by_event.values()
            }
        )
        gaps = {b - a for a, b in zip(ys, ys[1:], strict=False)}
        assert gaps <= {MARK_ROW if zoom < LABEL_ZOOM else ROW_HEIGHT}, zoom
        lanes[zoom] = len(ys)
    # Further out still, points a few days apart cover each other unless stacked: more lanes.
    assert lanes[0.3] < lanes[0.7] and lanes[3.0] < lanes[0.7]


def test_zooming_keeps_the_event_in_the_middle_at_its_height(qtbot: Any) -> None:
    """When the lanes are laid out anew, the event whose mark is nearest the view's middle
    height, of those whose label starts in view, stays at that height on screen."""
    from PySide6.QtWidgets import QGraphicsRectItem

    view = _crowded_timeline(qtbot)
    view.zoom_by(1.2 / view.zoom)
    bar = view.verticalScrollBar()

    def label_start(item: Any) -> float:  # a bar's end, a point's centre
        is_bar = isinstance(item, QGraphicsRectItem)
        return float(item.sceneBoundingRect().right() - 0.5 if is_bar else item.pos().x())

    def height(item: Any) -> float:
        return float(view.mapFromScene(item.sceneBoundingRect().center()).y())

    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    middle = view.viewport().rect().center().y()
    in_view = [
        i for i in view.items_by_event.values() if seen.left() <= label_start(i) <= seen.right()
    ]
    # Scrolled so that the middle one of the lanes in view is at the view's middle height.
    lanes = sorted(in_view, key=lambda i: i.sceneBoundingRect().center().y())
    bar.setValue(bar.value() + round(height(lanes[len(lanes) // 2]) - middle))
    item = min(in_view, key=lambda i: abs(height(i) - middle))
    assert abs(height(item) - middle) < 20
    before = height(item)
    view.zoom_by(0.5)  # labels twice as long on the axis: more lanes, laid out anew
    assert view.zoom == pytest.approx(0.6)
    assert abs(height(item) - before) <= 1


def test_timeline_shows_only_the_events_of_the_selected_source_then_all_again(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    svc.events.create(demo.id, "Talks in March", date=PartialDate.parse("2021-03"))  # no source
    window.refresh()
    _show_timeline(window)
    everything = {e.id for e in svc.events.list(demo.id) if e.date is not None}
    assert set(window.timeline.items_by_event) == everything
    source = next(s for s in svc.sources.list(demo.id) if svc.events.list(demo.id, source_id=s.id))
    linked = {e.id for e in svc.events.list(demo.id, source_id=source.id) if e.date is not None}
    assert linked and linked != everything
    window.select_item("source", source.id)
    assert set(window.timeline.items_by_event) == linked
    window.act_show_all.trigger()
    assert set(window.timeline.items_by_event) == everything


def test_timeline_draws_each_event_as_long_as_its_precision(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    from models.dates import Precision
    from ui.timeline_view import DAY_WIDTH

    svc = sqlite_services
    month = svc.events.create(demo.id, "Talks in March", date=PartialDate.parse("2021-03"))
    day = svc.events.create(demo.id, "Talks resume", date=PartialDate.parse("2021-03-15"))
    window.refresh()
    items = _show_timeline(window).items_by_event
    assert svc.events.get(month.id).date.precision is Precision.MONTH
    # March is 31 days wide; a day is a point the size of one day or less.
    assert items[month.id].rect().width() == pytest.approx(31 * DAY_WIDTH)
    assert items[day.id].rect().width() <= DAY_WIDTH
    # The day's point sits inside the month's range.
    assert items[month.id].sceneBoundingRect().left() < items[day.id].scenePos().x()
    assert items[day.id].scenePos().x() < items[month.id].sceneBoundingRect().right()


def test_zoomed_out_the_timeline_keeps_its_texts_and_points_readable(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    """The axis stretches and shrinks; texts and a day's point keep their size on screen. Far
    out, the events' labels give way to their marks (tooltips say what they are) and the axis
    marks months or years, never closer than half TICK_SPACING pixels."""
    from PySide6.QtWidgets import QGraphicsSimpleTextItem

    from ui.timeline_view import LABEL_ZOOM, TICK_SPACING

    svc = sqlite_services
    day = svc.events.create(demo.id, "Talks resume", date=PartialDate.parse("2021-03-15"))
    timeline = _show_timeline(window)

    def on_screen_width(item: Any) -> float:
        shape = item.deviceTransform(timeline.viewportTransform()).map(item.boundingRect())
        return float(shape.boundingRect().width())

    def labels() -> list[Any]:
        return [
            i
            for i in timeline.scene().items()
            if isinstance(i, QGraphicsSimpleTextItem) and i.isVisible()
        ]

    def spaced(ticks: list[tuple[int, str]]) -> bool:
        xs = [x for x, _ in ticks]
        return all(b - a >= TICK_SPACING / 2 for a, b in zip(xs, xs[1:], strict=False))

    point = timeline.items_by_event[day.id]
    point_width = on_screen_width(point)
    label = next(t for t in labels() if t.data(0) == day.id)
    label_width = on_screen_width(label)
    near = timeline.axis_ticks()
    assert near and spaced(near) and all(len(text.split()) == 3 for _, text in near)  # days
    timeline.zoom_by(0.05)
    assert timeline.zoom < LABEL_ZOOM
    assert on_screen_width(point) == pytest.approx(point_width)  # still a round point
    assert not label.isVisible() and labels() == []
    far = timeline.axis_ticks()
    assert len(far) >= 2 and spaced(far)
    assert all(len(text.split()) <= 2 for _, text in far)  # months or years
    timeline.zoom_by(20)
    assert label.isVisible() and on_screen_width(label) == pytest.approx(label_width)


def test_zero_fits_every_event_into_the_timeline(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    """The timeline opens on the latest events at the day's scale; 0 shows the whole story."""
    from ui.timeline_view import TICK_SPACING

    svc = sqlite_services
    svc.events.create(demo.id, "Caliphate declared", date=PartialDate.parse("2014-06-29"))
    timeline = _show_timeline(window)

    def shown(item: Any) -> bool:
        x = timeline.mapFromScene(item.sceneBoundingRect().center()).x()
        return 0 <= x <= timeline.viewport().width()

    assert not all(shown(i) for i in timeline.items_by_event.values())
    timeline.setFocus()
    qtbot.keyClicks(timeline, "0")
    assert all(shown(i) for i in timeline.items_by_event.values())
    # That far out only the marks show, in narrow lanes: the whole story is in view.
    assert timeline.marks_shown() == len(timeline.items_by_event)
    ticks = timeline.axis_ticks()
    xs = [x for x, _ in ticks]
    assert len(ticks) >= 2
    assert all(b - a >= TICK_SPACING / 2 for a, b in zip(xs, xs[1:], strict=False))
    # A narrow view still dates the whole story.
    timeline.resize(160, timeline.height())
    timeline.fit_all()
    assert all(shown(i) for i in timeline.items_by_event.values())
    assert len(timeline.axis_ticks()) >= 2


def test_the_axis_writes_no_date_cut_at_its_left_edge(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    """Scrolled so that a date's tick is just left of the view: its tail ("2" of "05 Feb
    2021") is not written; the dates whose ticks are in view are."""
    timeline = _show_timeline(window)
    bar = timeline.horizontalScrollBar()
    found = False
    for value in range(bar.minimum(), bar.maximum() + 1, 7):
        bar.setValue(value)
        ticks = timeline.axis_ticks()
        if any(-60 < x < -3 for x, _ in ticks):
            found = True
            break
    assert found, "no scroll position put a tick just left of the view"
    labels = timeline.axis_labels()
    assert labels and all(x >= 0 for x, _ in labels)
    assert [t for _, t in labels] == [t for x, t in ticks if x + 3 >= 0]


def test_the_timeline_axis_stays_along_the_top_when_scrolled_down(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    """Many lanes of events scroll under the axis; its dates stay in view."""
    from ui.timeline_view import AXIS_HEIGHT

    svc = sqlite_services
    for i in range(40):  # one day, forty events: forty lanes
        svc.events.create(demo.id, f"Protest {i}", date=PartialDate.parse("2021-01-27"))
    timeline = _show_timeline(window)
    bar = timeline.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(0)  # at the top, the first lane shows below the axis, not under it
    first_lane = min(i.sceneBoundingRect().top() for i in timeline.items_by_event.values())
    assert timeline.mapFromScene(0, first_lane).y() > AXIS_HEIGHT
    bar.setValue(bar.maximum())
    top = timeline.mapToScene(0, 0).y()
    assert top > 100  # scrolled well below where the axis was drawn before
    assert timeline.axis_ticks()  # the dates are still drawn along the top
    picture = timeline.viewport().grab().toImage()
    base = timeline.palette().base().color().lightness()

    def inked(x: int, y: int) -> bool:
        return abs(picture.pixelColor(x, y).lightness() - base) > 60

    width = picture.width()
    assert sum(inked(x, AXIS_HEIGHT - 1) for x in range(width)) > 0.9 * width  # the line
    assert any(inked(x, y) for x in range(width) for y in range(4, AXIS_HEIGHT - 8))  # dates


# --- Cards


def test_person_card_counts_their_quotes_events_and_sources(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    person = _person(svc, demo.id, "Mazloum Abdi")
    window.select_item("person", person.id)
    quotes = svc.quotes.count(demo.id, speaker_id=person.id)
    sources = len({q.source_id for q in svc.quotes.list(demo.id, speaker_id=person.id)})
    events = len([e for e in svc.events.list(demo.id) if person.id in e.person_ids])
    html = window.card.label.text()
    assert quotes > 0
    words = [
        f"<b>{n}</b> {w if n == 1 else w + 's'}"
        for n, w in ((quotes, "quote"), (events, "event"), (sources, "source"))
    ]
    assert " · ".join(words) + "</p>" in html
    for alias in svc.people.get(person.id).aliases:
        assert alias in html


def test_person_card_counts_read_with_thousands_separators(
    sqlite_services: Services, demo: Any
) -> None:
    from ui.cards import person_card_html

    person = _person(sqlite_services, demo.id, "Mazloum Abdi")
    html = person_card_html(person, {"quotes": 83768, "events": 1561, "sources": 58206})
    assert "<b>83,768</b> quotes · <b>1,561</b> events · <b>58,206</b> sources" in html
    html = person_card_html(person, {"quotes": 1, "events": 1, "sources": 1})
    assert "<b>1</b> quote · <b>1</b> event · <b>1</b> source</p>" in html
    html = person_card_html(person, {"quotes": 0, "events": 2, "sources": 0})
    assert "<b>0</b> quotes · <b>2</b> events · <b>0</b> sources</p>" in html


def test_place_card_shows_its_spellings_and_every_event_there(
    window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    svc = sqlite_services
    event = next(e for e in svc.events.list(demo.id) if e.place_id is not None)
    place = svc.places.get(event.place_id)
    there = svc.events.list(demo.id, place_id=place.id)
    window.select_item("event", event.id)
    html = window.card.label.text()
    assert place.name in html
    assert place.aliases and all(a in html for a in place.aliases)
    assert f"<b>Events</b> ({len(there)})" in html
    for e in there:
        assert e.title in html


def test_a_place_card_lists_the_first_events_there_and_counts_the_rest(
    window: MainWindow, sqlite_services: Services, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A place of a big case can have thousands of events: the card lists the first ones."""
    import ui.main_window as main_window

    monkeypatch.setattr(main_window, "CARD_EVENTS", 2)
    svc = sqlite_services
    event = next(e for e in svc.events.list(demo.id) if e.place_id is not None)
    for day in range(1, 4):
        svc.events.create(
            demo.id, f"Patrol {day}", date=PartialDate.day(2022, 5, day), place_id=event.place_id
        )
    there = svc.events.list(demo.id, place_id=event.place_id)
    assert len(there) > 2
    window.select_item("event", event.id)
    html = window.card.label.text()
    assert f"<b>Events</b> ({len(there)})" in html
    assert [e.title in html for e in there] == [True, True] + [False] * (len(there) - 2)
    assert f"and {len(there) - 2} more" in html


# --- Case switcher


def test_the_case_switcher_opens_the_chosen_case(
    qtbot: Any, window: MainWindow, sqlite_services: Services, demo: Any
) -> None:
    other = sqlite_services.cases.create("Raqqa, 2017")
    window.reload_cases()
    combo = window.case_combo
    idx = combo.findData(other.id)
    assert idx >= 0
    with qtbot.waitSignal(window.case_opened, timeout=5000) as opened:
        combo.setCurrentIndex(idx)
        combo.activated.emit(idx)  # what choosing an entry in the list sends
    assert opened.args == [other.id]
    assert window.case_id == other.id
    assert window.quotes.proxy.rowCount() == 0  # the new case is empty
    assert "Raqqa, 2017" in window.windowTitle()
    combo.activated.emit(combo.findData(demo.id))
    assert window.case_id == demo.id and window.quotes.proxy.rowCount() > 0


# --- Files dragged onto the window


def test_files_dragged_onto_the_window_are_accepted_and_imported(
    window: MainWindow, sqlite_services: Services, demo: Any, tmp_path: Path
) -> None:
    f = tmp_path / "call_with_the_mayor.txt"
    f.write_text("The mayor said the bridge would reopen.\n", encoding="utf-8")
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(f))])
    pos = QPointF(window.width() / 2, window.height() / 2)
    enter = drag_event(QDragEnterEvent, pos, Qt.DropAction.CopyAction, md)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        pos, Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted()
    titles = [s.title for s in sqlite_services.sources.list(demo.id)]
    assert "call with the mayor" in titles
    assert "Imported 1 file." in window.message_bar.label.text()

    # Something that is not a file (a quote dragged from a pane) is not an import.
    text = QMimeData()
    text.setText("just words")
    enter = drag_event(QDragEnterEvent, pos, Qt.DropAction.CopyAction, text)
    enter.setAccepted(False)
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()


# --- Light or dark, as the system says


def test_the_palette_switches_when_the_system_scheme_changes(
    qtbot: Any, window: MainWindow
) -> None:
    from ui.app import apply_color_scheme, setup_application

    app = setup_application()
    hints = app.styleHints()
    try:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # what Qt sends on a system switch
        assert app.palette().window().color().lightness() < 100
        # The open window follows (Qt tells its widgets on the next turn of the event loop).
        qtbot.waitUntil(lambda: window.palette().base().color().lightness() < 100)
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
        assert app.palette().window().color().lightness() > 200
        qtbot.waitUntil(lambda: window.palette().text().color().lightness() < 100)
    finally:
        apply_color_scheme(app)


# --- Start-up: the first picture first


def test_background_work_waits_for_the_first_paint_or_starts_anyway(
    qtbot: Any, sqlite_services: Services, demo: Any, settings_path: str
) -> None:
    from ui.settings import WindowSettings, make_settings

    def make() -> MainWindow:
        w = MainWindow(
            sqlite_services, WindowSettings(make_settings(settings_path)), defer_background=True
        )
        qtbot.addWidget(w)
        return w

    shown = make()
    shown.show()
    assert shown.quotes.proxy.rowCount() > 0  # the panes are filled before the first paint
    assert shown.count_label.text() == ""  # the counts wait for it
    shown.repaint()
    qtbot.waitUntil(lambda: "quotes" in shown.count_label.text(), timeout=5000)
    ran: list[bool] = []
    shown.run_after_first_paint(lambda: ran.append(True))  # after the first paint: at once
    assert ran

    never_painted = make()  # say, opened minimised
    assert never_painted.count_label.text() == ""
    qtbot.waitUntil(lambda: "quotes" in never_painted.count_label.text(), timeout=10000)


# --- Pane sizes survive a restart


def test_pane_sizes_are_restored_on_restart(
    qtbot: Any, make_window: Any, sqlite_services: Services, demo: Any
) -> None:
    from PySide6.QtWidgets import QDockWidget

    def sizes(w: MainWindow) -> tuple[int, int]:
        quotes = w.findChild(QDockWidget, "quotesDock")
        sources = w.findChild(QDockWidget, "sourcesDock")
        return quotes.height(), sources.height()

    w = make_window()
    w.resize(780, 580)  # within the offscreen screen, which a restored window is kept inside
    w.show()
    QApplication.processEvents()
    default = sizes(w)
    # The user drags the splitters: the quotes pane lower, the sources pane taller.
    w.resizeDocks([w.findChild(QDockWidget, "quotesDock")], [177], Qt.Orientation.Vertical)
    w.resizeDocks([w.findChild(QDockWidget, "sourcesDock")], [120], Qt.Orientation.Vertical)
    QApplication.processEvents()
    dragged = sizes(w)
    assert dragged[0] == 177 and dragged[0] != default[0] and dragged[1] > default[1]
    w.close()

    again = make_window()
    again.show()
    QApplication.processEvents()
    assert (again.width(), again.height()) == (780, 580)
    assert sizes(again) == dragged
