"""The sample case, built from the demo's own data in ``resources/samples/``.

Everything (quotes and their speakers, people, roles, places, events) is entered from the JSON
file beside the article; nothing is guessed by code. Quote offsets are located by the exact quote
text, which must occur exactly once in the article.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.dates import PartialDate
from models.entities import PersonKind
from services.container import Services
from services.dto import CaseDTO
from services.errors import ValidationError
from services.sources import NewFile

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "resources" / "samples"
SAMPLE = "deir-ez-zor-campaign"


def load_sample(name: str = SAMPLE) -> tuple[dict[str, Any], bytes]:
    """The sample's data and the article's original bytes."""
    data = json.loads((SAMPLES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    raw = (SAMPLES_DIR / data["source"]["file"]).read_bytes()
    return data, raw


def build_demo(svc: Services, name: str = SAMPLE) -> CaseDTO:
    """Create the sample case in the store and return it."""
    data, raw = load_sample(name)
    meta = dict(data["source"])
    file_name = meta.pop("file")
    published = meta.pop("published_on", None)
    case = svc.cases.create(**data["case"])
    source = svc.sources.add(
        case.id,
        text=raw.decode("utf-8"),
        file=NewFile(raw, file_name, "text/plain"),
        published_on=PartialDate.parse(published).start if published else None,
        **meta,
    )
    text = svc.sources.get_text(source.id)

    ids: dict[str, int] = {}
    for org in data["organisations"]:
        p = svc.people.create(
            case.id,
            org["name"],
            kind=PersonKind.ORGANISATION,
            aliases=org["aliases"],
            role=org.get("role", ""),
        )
        ids[p.name] = p.id
    for person in data["people"]:
        p = svc.people.create(
            case.id, person["name"], aliases=person["aliases"], role=person.get("role", "")
        )
        ids[p.name] = p.id
        for aff in person["affiliations"]:
            svc.people.add_affiliation(p.id, ids[aff["org"]], aff["role"])
        svc.sources.link_person(source.id, p.id)
    for aff in data.get("org_affiliations", []):
        svc.people.add_affiliation(ids[aff["member"]], ids[aff["org"]], aff["role"])

    places: dict[str, int] = {}
    for place in data["places"]:
        pl = svc.places.create(
            case.id,
            place["name"],
            aliases=place["aliases"],
            latitude=place.get("latitude"),
            longitude=place.get("longitude"),
        )
        places[pl.name] = pl.id

    quote_ids: list[int] = []
    for q in data["quotes"]:
        start = text.find(q["text"])
        if start < 0 or text.find(q["text"], start + 1) >= 0:
            raise ValidationError(f"sample quote not found exactly once: {q['text'][:40]!r}")
        dto = svc.quotes.create(
            source.id,
            start,
            start + len(q["text"]),
            text=q["text"],
            speaker_id=ids[q["speaker"]] if q.get("speaker") else None,
            said=PartialDate.parse(q["said"]) if q.get("said") else None,
            status=q.get("status", "unverified"),
        )
        quote_ids.append(dto.id)

    for ev in data["events"]:
        svc.events.create(
            case.id,
            ev["title"],
            date=PartialDate.parse(ev["date"]) if ev.get("date") else None,
            place_id=places[ev["place"]] if ev.get("place") else None,
            description=ev.get("description", ""),
            person_ids=[ids[n] for n in ev.get("people", [])],
            source_ids=[source.id],
            quote_ids=[quote_ids[i] for i in ev.get("quotes", [])],
        )
    return svc.cases.get(case.id)
