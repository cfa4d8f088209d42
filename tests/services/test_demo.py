from __future__ import annotations

from models.entities import PersonKind, QuoteStatus
from services.container import Services
from services.demo import build_demo, load_sample


def test_demo_builds_the_sample_case_from_its_data(services: Services) -> None:
    data, raw = load_sample()
    case = build_demo(services)
    assert case.title == data["case"]["title"]
    counts = services.cases.counts(case.id)
    assert counts == {
        "sources": 1,
        "quotes": 8,
        "people": len(data["people"]) + len(data["organisations"]),
        "events": len(data["events"]),
        "places": len(data["places"]),
    }
    (src,) = services.sources.list(case.id)
    text = services.sources.get_text(src.id)
    assert src.size == len(raw) and src.grade == "B2"

    quotes = services.quotes.list(case.id)
    assert [q.text for q in quotes] == [q["text"] for q in data["quotes"]]
    for q in quotes:
        assert text[q.start : q.end] == q.text  # offsets point at the exact words
    speakers = [q.speaker_name for q in quotes]
    assert speakers == [q["speaker"] for q in data["quotes"]]
    sdf = services.people.find(case.id, "SDF")
    assert sdf is not None and sdf.kind is PersonKind.ORGANISATION
    assert sum(1 for q in quotes if q.speaker_id == sdf.id) == 2
    assert quotes[0].status is QuoteStatus.VERIFIED

    abdi = services.people.find(case.id, "مظلوم عبدي")
    assert abdi is not None and abdi.name == "Mazloum Abdi"
    assert set(abdi.aliases) >= {"Mazloum Kobani", "مظلوم عبدي"}
    assert abdi.role_on(None) == ("General commander", "Syrian Democratic Forces")

    events = services.events.list(case.id)
    labels = {e.title: e.date.label() if e.date else None for e in events}
    assert labels["IS loses its last territory in Syria"] == "Mar 2019"
    statement = next(e for e in events if e.title.startswith("SDF announces"))
    assert statement.place_name == "Deir el-Zour"
    assert statement.quote_ids == tuple(q.id for q in quotes if q.speaker_id == sdf.id)
    assert statement.date is not None and statement.date.label() == "c. 25–31 Jan 2021"
