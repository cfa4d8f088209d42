from __future__ import annotations

import pytest

from models.dates import PartialDate, Precision
from services.container import Services
from services.errors import ConflictError, NotFoundError, ValidationError
from tests.conftest import select_statements


@pytest.fixture
def world(services: Services) -> dict[str, int]:
    case = services.cases.create("Deir ez-Zor").id
    src = services.sources.add(case, title="Article", text="Ali said: arrests were made.")
    ali = services.people.create(case, "Ali")
    q = services.quotes.create(src.id, 10, 27, speaker_id=ali.id)
    place = services.places.create(case, "Deir el-Zour", aliases=["دير الزور"])
    return {"case": case, "source": src.id, "ali": ali.id, "quote": q.id, "place": place.id}


def test_an_events_links_are_read_with_their_names_texts_and_titles(
    services: Services, world: dict[str, int]
) -> None:
    """For the editor's list: people, then quotes, then sources, each by id, in four
    statements whatever their number; confidential people and sources marked."""
    case = world["case"]
    secret = services.people.create(case, "Informant", confidential=True)
    hidden = services.sources.add(
        case, title="Leaked memo", text="Memo.", confidentiality="confidential"
    )
    ev = services.events.create(
        case,
        "Arrests",
        person_ids=[secret.id, world["ali"]],
        quote_ids=[world["quote"]],
        source_ids=[hidden.id, world["source"]],
    )
    with select_statements(services) as seen:
        links = services.events.links(ev.id)
    assert len(seen) == 4  # the event, its people, quotes and sources
    assert [(x.kind, x.id, x.label, x.confidential) for x in links] == [
        ("person", world["ali"], "Ali", False),
        ("person", secret.id, "Informant", True),
        ("quote", world["quote"], "arrests were made", False),
        ("source", world["source"], "Article", False),
        ("source", hidden.id, "Leaked memo", True),
    ]
    assert services.events.links(services.events.create(case, "Nothing").id) == []
    with pytest.raises(NotFoundError):
        services.events.links(10_000)


def test_partial_dates_and_order(services: Services, world: dict[str, int]) -> None:
    case = world["case"]
    late = services.events.create(case, "Leaders killed", date=PartialDate.parse("late 2021-01"))
    year = services.events.create(case, "Territorial defeat", date=PartialDate.parse("2019"))
    undated = services.events.create(case, "Rumour")
    approx = services.events.create(
        case, "Campaign", date=PartialDate.parse("~2021-01-25..2021-01-31")
    )
    assert late.date is not None and late.date.precision is Precision.LATE_MONTH
    assert late.date.label() == "late Jan 2021"
    assert services.events.get(approx.id).date.label() == "c. 25–31 Jan 2021"  # type: ignore[union-attr]
    order = [e.id for e in services.events.list(case)]
    assert order == [year.id, late.id, approx.id, undated.id]


def test_links_and_filters(services: Services, world: dict[str, int]) -> None:
    case = world["case"]
    e1 = services.events.create(
        case,
        "Arrests",
        date=PartialDate.day(2021, 2, 1),
        place_id=world["place"],
        person_ids=[world["ali"]],
        source_ids=[world["source"]],
    )
    e2 = services.events.create(case, "Statement", quote_ids=[world["quote"]])
    e3 = services.events.create(case, "Unrelated")
    assert e1.place_name == "Deir el-Zour"
    assert (e1.person_ids, e1.source_ids) == ((world["ali"],), (world["source"],))
    # Ali is linked directly to e1 and through his quote to e2.
    assert [e.id for e in services.events.list(case, person_id=world["ali"])] == [e1.id, e2.id]
    assert [e.id for e in services.events.list(case, source_id=world["source"])] == [e1.id, e2.id]
    assert [e.id for e in services.events.list(case, quote_id=world["quote"])] == [e2.id]
    assert [e.id for e in services.events.list(case, place_id=world["place"])] == [e1.id]
    linked = services.events.link(e3.id, "person", world["ali"])
    assert linked.person_ids == (world["ali"],)
    assert services.events.link(e3.id, "person", world["ali"]).person_ids == (world["ali"],)
    assert services.events.unlink(e3.id, "person", world["ali"]).person_ids == ()
    with pytest.raises(ValidationError, match="not 'place'"):
        services.events.link(e3.id, "place", world["place"])
    with pytest.raises(NotFoundError):
        services.events.link(e3.id, "quote", 999)


def test_links_stay_within_the_case(services: Services, world: dict[str, int]) -> None:
    other = services.cases.create("Other").id
    with pytest.raises(ValidationError, match="another case"):
        services.events.create(other, "x", person_ids=[world["ali"]])
    with pytest.raises(ValidationError, match="another case"):
        services.events.create(other, "x", place_id=world["place"])
    assert services.events.count(other) == 0


def test_update_conflict_delete_and_restore(services: Services, world: dict[str, int]) -> None:
    case = world["case"]
    e = services.events.create(case, "Arrests", person_ids=[world["ali"]])
    with pytest.raises(ValidationError, match="needs a title"):
        services.events.create(case, "  ")
    moved = services.events.update(
        e.id, expected_version=e.version, date=PartialDate.month(2021, 2), place_id=world["place"]
    )
    assert moved.date == PartialDate.month(2021, 2) and moved.place_id == world["place"]
    with pytest.raises(ConflictError):
        services.events.update(e.id, expected_version=e.version, title="Stale")
    with pytest.raises(ValidationError, match="cannot set"):
        services.events.update(e.id, case_id=2)
    snap = services.events.delete(e.id)
    with pytest.raises(NotFoundError):
        services.events.get(e.id)
    back = services.events.restore(snap)
    assert (back.id, back.title, back.person_ids, back.date) == (
        e.id,
        "Arrests",
        (world["ali"],),
        PartialDate.month(2021, 2),
    )
    page = services.events.page(case, 0, 10)
    assert page.total == 1


def test_list_reads_link_ids_not_the_linked_rows(services: Services, world: dict[str, int]) -> None:
    """A list of events (a pane's page, the timeline's 2,000) gives each event's links as ids
    read from the link tables: the same few statements however much is linked, and no source's
    text, person's aliases or place's spellings are read."""
    case = world["case"]
    long_source = services.sources.add(case, title="Leak", text="xy " * 50_000).id
    omar = services.people.create(case, "Abu Omar", aliases=["أبو عمر"]).id
    made = []
    for i in range(6):
        made.append(
            services.events.create(
                case,
                f"Event {i}",
                date=PartialDate.day(2021, 2, i + 1),
                place_id=world["place"] if i % 2 else None,
                person_ids=[world["ali"], omar][: i % 3],
                source_ids=[world["source"], long_source][: i % 3],
                quote_ids=[world["quote"]] if i % 2 else [],
            )
        )
        services.tags.add("event", made[-1].id, "tag")
    with select_statements(services) as seen:
        rows = services.events.list(case)
    statements = [sql for sql, _ in seen]
    # The case, the events with their places, their tags, and the three link tables.
    assert len(statements) == 6, statements
    assert not any("sources.text" in s or "aliases" in s for s in statements)
    assert rows == [services.events.get(e.id) for e in made]  # the same as one by one


def test_a_long_list_of_events_reads_their_links_in_chunks(
    services: Services, world: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A brief lists every event of the case: the link ids are read a chunk of events at a
    time (SQLite takes at most 32,766 values in one statement)."""
    import services.events as events_module

    monkeypatch.setattr(events_module, "ID_CHUNK", 2)
    case = world["case"]
    made = [
        services.events.create(
            case, f"Event {i}", person_ids=[world["ali"]], quote_ids=[world["quote"]]
        )
        for i in range(5)
    ]
    with select_statements(services) as seen:
        rows = services.events.list(case)
    link_reads = [sql for sql, _ in seen if "event_people" in sql and "IN" in sql]
    assert len(link_reads) == 3  # five events, two at a time
    assert rows == [services.events.get(e.id) for e in made]


def test_the_timeline_reads_the_dated_events_of_the_list_in_one_statement(
    services: Services, world: dict[str, int]
) -> None:
    """The timeline draws 2,000 events of a big case: it reads what it draws (title, date,
    place) in one statement, for the same events, filters and order as the list."""
    case = world["case"]
    dated = [
        services.events.create(
            case,
            f"Event {i}",
            date=PartialDate.parse(d),
            place_id=world["place"] if i % 2 else None,
            person_ids=[world["ali"]] if i % 3 == 0 else [],
            source_ids=[world["source"]] if i % 3 == 1 else [],
        )
        for i, d in enumerate(
            ["2021-02-03", "late 2021-01", "2020", "2021-02-03", "~2021-01-25..2021-01-31"]
        )
    ]
    services.events.create(case, "Undated", person_ids=[world["ali"]])
    for filters in ({}, {"person_id": world["ali"]}, {"source_id": world["source"]}):
        with select_statements(services) as seen:
            marks = services.events.timeline(case, **filters)
        assert len(seen) == 2  # the case, then the events with their places
        listed = [e for e in services.events.list(case, **filters) if e.date is not None]
        assert [(m.id, m.title, m.date, m.place_name) for m in marks.events] == [
            (e.id, e.title, e.date, e.place_name) for e in listed
        ]
        assert marks.total == len(listed) and not marks.cut
    whole = services.events.timeline(case)
    assert len(whole.events) == whole.total == len(dated)


def test_the_events_pane_reads_its_rows_in_one_statement(
    services: Services, world: dict[str, int]
) -> None:
    """Title, date and place of the events of the list, with the same filters, order and
    pages, undated ones last; no tags or links read."""
    case = world["case"]
    for i, d in enumerate(["2021-02-03", None, "late 2021-01", "2020", None, "2021-02-03"]):
        services.events.create(
            case,
            f"Event {i}",
            date=PartialDate.parse(d) if d else None,
            place_id=world["place"] if i % 2 else None,
            person_ids=[world["ali"]] if i % 3 == 0 else [],
            quote_ids=[world["quote"]] if i == 4 else [],
        )
    for filters in ({}, {"person_id": world["ali"]}, {"quote_id": world["quote"]}):
        with select_statements(services) as seen:
            rows = services.lists.events(case, **filters)
        assert len(seen) == 2  # the case, then the rows with their places
        listed = services.events.list(case, **filters)
        assert [(r.id, r.title, r.date, r.place_name) for r in rows] == [
            (e.id, e.title, e.date, e.place_name) for e in listed
        ]
    every = services.events.list(case)
    assert [e.date is None for e in every] == [False] * 4 + [True] * 2
    page = services.lists.events(case, offset=2, limit=3)
    assert [r.id for r in page] == [e.id for e in every[2:5]]


def test_a_timeline_cut_to_its_limit_keeps_the_latest_events_and_counts_them_all(
    services: Services, world: dict[str, int]
) -> None:
    """More events than the timeline draws: the latest ones, in date order, and the total (the
    window says how many it leaves out)."""
    case = world["case"]
    days = ["2021-03-01", "2020-05-05", "2021-01-10", "2019", "late 2021-02", "2021-03-01"]
    for i, d in enumerate(days):
        services.events.create(
            case, f"Event {i}", date=PartialDate.parse(d), person_ids=[world["ali"]] * (i % 2)
        )
    services.events.create(case, "Undated")  # not on the timeline, not counted
    everything = services.events.timeline(case).events
    assert [e.date.start for e in everything] == sorted(e.date.start for e in everything)
    with select_statements(services) as seen:
        cut = services.events.timeline(case, limit=3)
    assert len(seen) == 3  # the case, the latest three, how many there are
    assert cut.events == everything[-3:]
    assert [e.title for e in cut.events] == ["Event 4", "Event 0", "Event 5"]
    assert cut.total == 6 and cut.cut
    theirs = services.events.timeline(case, person_id=world["ali"], limit=2)
    assert [e.title for e in theirs.events] == ["Event 1", "Event 5"]  # 1, 3, 5: the latest two
    assert theirs.total == 3 and theirs.cut
    exact = services.events.timeline(case, limit=6)
    assert exact.events == everything and exact.total == 6 and not exact.cut
