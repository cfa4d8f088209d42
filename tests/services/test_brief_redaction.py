"""Source protection: confidential people and sources never leave the machine by name."""

from __future__ import annotations

import json
import string
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.entities import Confidentiality, SourceKind
from services.brief.model import BriefOptions, GroupBy, Template
from services.container import Services
from services.demo import build_demo
from tests.services.brief_helpers import add_confidential, flat, pdftotext

ALL_FORMATS = ["pdf", "docx", "csv", "json"]


def _pdf_everything(path: Path) -> str:
    """The PDF's text (pdftotext), its metadata and its outline, as one string."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    parts = [pdftotext(path)]
    parts += [str(v) for v in (reader.metadata or {}).values()]

    def walk(items: list[object]) -> Iterator[str]:
        for o in items:
            if isinstance(o, list):
                yield from walk(o)
            else:
                yield str(getattr(o, "title", ""))

    parts += list(walk(reader.outline))
    return "\n".join(parts)


def _assert_searched_parts_present(files: tuple[Path, ...], title: str) -> None:
    """The parts the property searches are really there: a search of nothing finds nothing.

    ``title`` is the case title as it must appear (redacted) in the document properties.
    """
    from pypdf import PdfReader

    kinds = sorted(f.suffix for f in files)
    assert kinds[:2] == [".csv", ".csv"] and ".pdf" in kinds and ".docx" in kinds
    pdf = next(f for f in files if f.suffix == ".pdf")
    reader = PdfReader(pdf)
    assert title in str((reader.metadata or {}).get("/Title", ""))
    assert reader.outline, "the PDF has bookmarks"
    assert title in flat(pdftotext(pdf))
    with zipfile.ZipFile(next(f for f in files if f.suffix == ".docx")) as z:
        names = z.namelist()
        core = z.read("docProps/core.xml").decode("utf-8")
    assert {"word/document.xml", "word/footnotes.xml", "docProps/core.xml"} <= set(names)
    assert title in core


def _docx_everything(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(
            z.read(n).decode("utf-8")
            for n in z.namelist()
            if n.endswith(".xml") or n.endswith(".rels")
        )


def _everything(files: tuple[Path, ...]) -> str:
    out = []
    for f in files:
        if f.suffix == ".pdf":
            out.append(_pdf_everything(f))
        elif f.suffix == ".docx":
            out.append(_docx_everything(f))
        else:
            out.append(f.read_text(encoding="utf-8-sig"))
    return "\n".join(out)


def _assert_absent(secrets: list[str], text: str) -> None:
    hay = text.casefold()
    flat_hay = flat(text).casefold()
    # XML escapes the ampersand etc.; the secrets below hold none of those characters.
    for s in secrets:
        assert s.casefold() not in hay, f"{s!r} leaked"
        assert flat(s).casefold() not in flat_hay, f"{s!r} leaked"


def test_confidential_people_and_sources_are_redacted_everywhere(
    sqlite_services: Services, tmp_path: Path
) -> None:
    case = build_demo(sqlite_services)
    secrets, person_id, source_id = add_confidential(sqlite_services, case.id)
    for template in Template:
        result = sqlite_services.exports.export(
            case.id, BriefOptions(template=template), tmp_path / template.value, ALL_FORMATS
        )
        text = _everything(result.files)
        _assert_absent(secrets, text)
        assert "a local official" in text
        assert "a private notebook" in text
        # The quote itself is kept: protection hides who said it, not what was said.
        assert "The convoy moved at night past the Qarnavex depot." in flat(text)


def test_a_case_named_after_a_protected_source_names_no_file_after_it(
    sqlite_services: Services, tmp_path: Path
) -> None:
    case = build_demo(sqlite_services)
    secrets, _, _ = add_confidential(sqlite_services, case.id)
    sqlite_services.cases.update(case.id, title="Talks with Zorblat Quenwhistle")
    for template in Template:
        result = sqlite_services.exports.export(
            case.id, BriefOptions(template=template), tmp_path / template.value, ALL_FORMATS
        )
        names = " ".join(f.name for f in result.files)
        assert "zorblat" not in names.casefold() and "quenwhistle" not in names.casefold()
        assert "talks-with-a-local-official" in names
        text = _everything(result.files)
        _assert_absent(secrets, text)
        assert "Talks with a local official" in text


def test_precheck_shows_confidential_entries_redacted(sqlite_services: Services) -> None:
    case = build_demo(sqlite_services)
    secrets, _, _ = add_confidential(sqlite_services, case.id)
    items = sqlite_services.exports.precheck(case.id, BriefOptions(template=Template.DOSSIER))
    lines = "\n".join(i.line() for i in items)
    _assert_absent(secrets, lines)
    conf = [i for i in items if i.confidential]
    assert {i.shown_as for i in conf} == {"a local official", "a private notebook"}
    assert all(i.names == ("[withheld]",) for i in conf)
    abdi = next(i for i in items if i.shown_as == "Mazloum Abdi")
    assert "مظلوم عبدي" in abdi.names  # the Arabic alias leaves the machine: it is listed


def test_precheck_lists_what_the_chosen_formats_carry(
    sqlite_services: Services, tmp_path: Path
) -> None:
    case = build_demo(sqlite_services)
    # Quoted nowhere: not among the brief's key people, but a row of the people table.
    sqlite_services.people.create(case.id, "Qorvin Taldash", aliases=["Abu Qorvin"], role="Aide")
    opts = BriefOptions(template=Template.BRIEF)

    def names(formats: list[str]) -> tuple[str, ...]:
        items = sqlite_services.exports.precheck(case.id, opts, formats=formats)
        return next(i.names for i in items if i.shown_as == "Qorvin Taldash")

    result = sqlite_services.exports.export(case.id, opts, tmp_path, ["pdf", "csv"])
    pdf_text = flat(pdftotext(result.files[0]))
    csv_text = "\n".join(f.read_text("utf-8-sig") for f in result.files if f.suffix == ".csv")
    assert "Abu Qorvin" not in pdf_text and "Abu Qorvin" in csv_text
    assert "Abu Qorvin" not in names(["pdf", "docx"])
    assert "Abu Qorvin" in names(["csv"]) and "Abu Qorvin" in names(["pdf", "json"])


def test_data_exports_are_utf8_with_bom_and_redacted(
    sqlite_services: Services, tmp_path: Path
) -> None:
    case = build_demo(sqlite_services)
    secrets, _, _ = add_confidential(sqlite_services, case.id)
    result = sqlite_services.exports.export(
        case.id, BriefOptions(template=Template.DOSSIER), tmp_path, ["csv", "json"]
    )
    csvs = [f for f in result.files if f.suffix == ".csv"]
    assert {f.name.rsplit("-", 1)[1] for f in csvs} == {
        "quotes.csv",
        "people.csv",
        "events.csv",
        "sources.csv",
    }
    for f in csvs:
        assert f.read_bytes().startswith(b"\xef\xbb\xbf")
    people = next(f for f in csvs if f.name.endswith("people.csv")).read_text("utf-8-sig")
    assert "مظلوم عبدي" in people
    data = json.loads(next(f for f in result.files if f.suffix == ".json").read_text("utf-8"))
    assert len(data["quotes"]) == 9
    speakers = {q["speaker"] for q in data["quotes"]}
    assert "a local official" in speakers
    _assert_absent(secrets, "\n".join(f.read_text("utf-8-sig") for f in result.files))


def test_data_tables_redact_each_row_alike_in_csv_and_json(
    sqlite_services: Services, tmp_path: Path
) -> None:
    import csv

    case = build_demo(sqlite_services)
    secrets, person_id, source_id = add_confidential(sqlite_services, case.id)
    sqlite_services.events.create(
        case.id,
        "Depot visit",
        description="Zorblat Quenwhistle showed the depot.",
        person_ids=[person_id],
        source_ids=[source_id],
    )
    result = sqlite_services.exports.export(
        case.id, BriefOptions(template=Template.DOSSIER), tmp_path, ["csv", "json"]
    )
    data = json.loads(next(f for f in result.files if f.suffix == ".json").read_text("utf-8"))
    tables = {}
    for f in result.files:
        if f.suffix == ".csv":
            with f.open(encoding="utf-8-sig", newline="") as fh:
                tables[f.stem.rsplit("-", 1)[1]] = list(csv.DictReader(fh))
    assert set(tables) == {"quotes", "people", "events", "sources"}
    for name, rows in tables.items():
        # The same rows in both formats (CSV holds text: compare as text, None as empty).
        as_text = [{k: "" if v is None else str(v) for k, v in r.items()} for r in data[name]]
        assert rows == as_text, name
    person = next(r for r in tables["people"] if r["id"] == str(person_id))
    assert (person["name"], person["role"], person["affiliation"], person["aliases"]) == (
        "a local official",
        "",
        "",
        "",
    )
    source = next(r for r in tables["sources"] if r["id"] == str(source_id))
    assert (source["title"], source["publisher"], source["url"]) == ("a private notebook", "", "")
    quote = next(r for r in tables["quotes"] if r["text"].startswith("The convoy moved"))
    assert (quote["speaker"], quote["source"], quote["publisher"], quote["url"]) == (
        "a local official",
        "a private notebook",
        "",
        "",
    )
    event = next(r for r in tables["events"] if r["title"] == "Depot visit")
    assert event["people"] == "a local official"
    assert event["description"] == "a local official showed the depot."
    everything = "\n".join(f.read_text("utf-8-sig") for f in result.files)
    _assert_absent(secrets, everything)


def test_document_properties_carry_no_user_name_or_path(
    sqlite_services: Services, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    case = build_demo(sqlite_services)
    result = sqlite_services.exports.export(case.id, BriefOptions(), tmp_path, ["pdf", "docx"])
    pdf, docx_file = result.files
    meta = PdfReader(pdf).metadata or {}
    assert not meta.get("/Author")
    with zipfile.ZipFile(docx_file) as z:
        core = z.read("docProps/core.xml").decode()
    assert "python-docx" not in core and "Sample desk" not in core
    for text in (json.dumps({k: str(v) for k, v in meta.items()}), core):
        assert str(tmp_path) not in text
    # Asked for: the author goes into the properties.
    result = sqlite_services.exports.export(
        case.id, BriefOptions(author_in_properties=True), tmp_path / "a", ["pdf", "docx"]
    )
    assert (PdfReader(result.files[0]).metadata or {}).get("/Author") == "Sample desk"


# --- Property: random cases, every template, both formats

_letters = st.text(alphabet=string.ascii_lowercase, min_size=5, max_size=9)
_name = st.builds(lambda a, b: f"Qx{a.capitalize()} Zv{b.capitalize()}", _letters, _letters)
_arabic = st.text(alphabet="بتثجحخدذرزسشصضطظعغفقكلمنهوي", min_size=4, max_size=8).map(
    lambda s: f"ق{s}ظ"
)


@st.composite
def _case_spec(draw: st.DrawFn) -> dict[str, object]:
    n_people = draw(st.integers(1, 4))
    people = []
    for i in range(n_people):
        people.append(
            {
                "name": draw(_name),
                "alias": draw(st.one_of(_name, _arabic)),
                "contact": f"+44 7{draw(st.integers(100000000, 999999999))} zz{i}"
                f"{draw(_letters)}@mail.test",
                "confidential": draw(st.booleans()) if i else True,
                "descriptor": draw(st.sampled_from(["", "a local official", "a witness"])),
                "mention": draw(st.booleans()),
            }
        )
    sources = [
        {
            "title": f"Wq{draw(_letters)} report {i}",
            "publisher": f"Pz{draw(_letters)} News",
            "confidential": draw(st.booleans()) if i else True,
            "descriptor": draw(st.sampled_from(["", "a leaked memo"])),
        }
        for i in range(draw(st.integers(1, 3)))
    ]
    return {"people": people, "sources": sources, "group": draw(st.sampled_from(list(GroupBy)))}


@pytest.fixture(scope="module")
def _prop_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("redaction-prop")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=_case_spec())
def test_property_no_confidential_detail_in_any_export(
    sqlite_services: Services, _prop_dir: Path, spec: dict[str, object]
) -> None:
    svc = sqlite_services
    people_spec = spec["people"]
    sources_spec = spec["sources"]
    assert isinstance(people_spec, list) and isinstance(sources_spec, list)
    # The first person is always protected: the case is named after them, so the cover, the
    # running header, the document properties and the file names all meet the name.
    case = svc.cases.create(
        f"Inquiry into {people_spec[0]['name']}", summary="Random case", author="Desk"
    )
    people = [
        svc.people.create(
            case.id,
            p["name"],
            aliases=[p["alias"]],
            contact=p["contact"],
            confidential=p["confidential"],
            descriptor=p["descriptor"],
            role="Official",
        )
        for p in people_spec
    ]
    secrets: list[str] = []
    for p in people_spec:
        if p["confidential"]:
            secrets += [p["name"], p["alias"], *p["contact"].split(" zz")[:1], p["contact"]]
    for s in sources_spec:
        if s["confidential"]:
            secrets += [s["title"], s["publisher"]]
    for i, s in enumerate(sources_spec):
        # Every quote names every person in its text, so that protection must reach quotes.
        said = (
            " and ".join(f"{p['name']} ({p['alias']})" for p in people_spec if p["mention"])
            or "nobody"
        )
        text = f"Report. “We saw {said} at the depot.” End of report {i}."
        src = svc.sources.add(
            case.id,
            title=s["title"],
            text=text,
            kind=SourceKind.PDF,
            publisher=s["publisher"],
            url=f"https://example.test/{i}",
            page_starts=[0],
            confidentiality=Confidentiality.CONFIDENTIAL
            if s["confidential"]
            else Confidentiality.ON_RECORD,
            descriptor=s["descriptor"],
        )
        span = f"We saw {said} at the depot."
        start = text.index(span)
        svc.quotes.create(src.id, start, start + len(span), speaker_id=people[i % len(people)].id)
    svc.events.create(case.id, "Meeting", person_ids=[p.id for p in people])
    out = _prop_dir / f"case-{case.id}"
    for template in Template:
        result = svc.exports.export(
            case.id,
            BriefOptions(template=template, group_by=spec["group"]),  # type: ignore[arg-type]
            out / template.value,
            ["pdf", "docx", "csv", "json"],
        )
        _assert_absent(secrets, _everything(result.files))
        first = people_spec[0]
        _assert_searched_parts_present(
            result.files, f"Inquiry into {first['descriptor'] or 'Confidential source'}"
        )
        names = " ".join(f.name for f in result.files).casefold()
        for secret in secrets:
            for word in secret.split():
                if len(word) >= 5:
                    assert word.casefold() not in names, f"{word!r} in a file name"
    # The check before export names none of them either.
    lines = "\n".join(i.line() for i in svc.exports.precheck(case.id, BriefOptions()))
    _assert_absent(secrets, lines)
