"""The pane models: Qt's model tester, lazy fetching, drag data, the filter proxy."""

from __future__ import annotations

from typing import Any

import pytest

from services.container import Services
from ui.table_models import (
    BATCH,
    REF_MIME,
    EventsTableModel,
    FilterProxyModel,
    IdRole,
    PeopleTableModel,
    QuotesTableModel,
    SourcesTableModel,
    refs_of,
)


def _fill(model: Any, fetch: Any) -> Any:
    model.set_fetcher(fetch)
    while model.canFetchMore():
        model.fetchMore()
    return model


@pytest.mark.parametrize(
    ("model_cls", "service"),
    [
        (QuotesTableModel, "quotes"),
        (PeopleTableModel, "people"),
        (SourcesTableModel, "sources"),
        (EventsTableModel, "events"),
    ],
)
def test_models_pass_qt_model_tester(
    qtmodeltester: Any, sqlite_services: Services, demo: Any, model_cls: Any, service: str
) -> None:
    svc = getattr(sqlite_services, service)
    model = _fill(model_cls(), lambda o, n: svc.list(demo.id, offset=o, limit=n))
    assert model.rowCount() > 0
    qtmodeltester.check(model)
    proxy = FilterProxyModel()
    proxy.setSourceModel(model)
    proxy.set_text("a")
    qtmodeltester.check(proxy)


def test_rows_are_fetched_page_by_page(sqlite_services: Services) -> None:
    svc = sqlite_services
    case = svc.cases.create("Big")
    text = "word " * 2000
    src = svc.sources.add(case.id, title="Long", text=text)
    for i in range(BATCH + 50):
        svc.quotes.create(src.id, i * 5, i * 5 + 4)
    asked: list[tuple[int, int]] = []

    def fetch(offset: int, limit: int) -> Any:
        asked.append((offset, limit))
        return svc.quotes.list(case.id, offset=offset, limit=limit)

    model = QuotesTableModel()
    model.set_fetcher(fetch)
    assert model.rowCount() == 0 and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == BATCH
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == BATCH + 50
    assert not model.canFetchMore()
    assert asked == [(0, BATCH), (BATCH, BATCH)]
    ids = [model.index(r, 0).data(IdRole) for r in range(model.rowCount())]
    assert ids == [q.id for q in svc.quotes.list(case.id)]


def test_confidential_people_are_marked(sqlite_services: Services) -> None:
    svc = sqlite_services
    case = svc.cases.create("C")
    svc.people.create(case.id, "Real Name", confidential=True, descriptor="Official A")
    model = _fill(PeopleTableModel(), lambda o, n: svc.people.list(case.id, offset=o, limit=n))
    shown = model.index(0, 0).data()
    assert "Official A" in shown and "\N{LOCK}" in shown
    assert "Real Name" not in shown


def test_quote_rows_drag_as_references(sqlite_services: Services, demo: Any) -> None:
    svc = sqlite_services
    model = _fill(QuotesTableModel(), lambda o, n: svc.quotes.list(demo.id, offset=o, limit=n))
    md = model.mimeData([model.index(0, 0), model.index(1, 2)])
    assert md.hasFormat(REF_MIME)
    assert refs_of(md) == [
        ("quote", model.index(0, 0).data(IdRole)),
        ("quote", model.index(1, 0).data(IdRole)),
    ]


def test_event_rows_take_drops_and_ask_to_link(sqlite_services: Services, demo: Any) -> None:
    svc = sqlite_services
    quotes = _fill(QuotesTableModel(), lambda o, n: svc.quotes.list(demo.id, offset=o, limit=n))
    events = _fill(EventsTableModel(), lambda o, n: svc.events.list(demo.id, offset=o, limit=n))
    asked: list[tuple[int, str, int]] = []
    events.link_requested.connect(lambda e, k, i: asked.append((e, k, i)))
    md = quotes.mimeData([quotes.index(0, 0)])
    target = events.index(2, 0)
    from PySide6.QtCore import QModelIndex, Qt

    assert not events.canDropMimeData(md, Qt.DropAction.LinkAction, -1, -1, QModelIndex())
    assert events.dropMimeData(md, Qt.DropAction.LinkAction, -1, -1, target)
    assert asked == [(target.data(IdRole), "quote", quotes.index(0, 0).data(IdRole))]
