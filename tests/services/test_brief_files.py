"""Briefs as files: templates, layout, fonts, links, headers, cancelling, PDF and .docx agreeing."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from models.dates import PartialDate
from models.entities import SourceKind
from services.brief.model import BriefOptions, GroupBy, Heading, QuoteBlock, Selection, Template
from services.container import Services
from services.demo import build_demo
from tests.services.brief_helpers import (
    ARABIC_NAME,
    ARABIC_QUOTE,
    MIXED_QUOTE,
    build_arabic_case,
    docx_parts,
    flat,
    pdftotext,
)

TODAY = dt.date(2026, 11, 25)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_WORD = re.compile(r"\w+")
# pdftotext puts these around right-to-left stretches; they are not content.
_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def _docx_paragraph_texts(path: Path) -> list[str]:
    """The text of every paragraph of the body, headers, footers and footnotes."""
    out = []
    for name, xml in docx_parts(path).items():
        if not re.fullmatch(r"word/(document|footnotes|header\d*|footer\d*)\.xml", name):
            continue
        for p in ET.fromstring(xml).iter(f"{W}p"):
            bits = []
            for el in p.iter():
                if el.tag == f"{W}t":
                    bits.append(el.text or "")
                elif el.tag in (f"{W}br", f"{W}tab"):
                    bits.append("\n")
            out.append("".join(bits))
    return out


def _words(text: str) -> Counter[str]:
    text = unicodedata.normalize("NFC", _MARKS.sub("", text))
    return Counter(w for w in _WORD.findall(text) if not w.isdigit())


def _long_case(svc: Services) -> int:
    """A case with a very long address and title, many people and a long event description."""
    case = svc.cases.create("Layout case", summary="A case to test the layout.", author="Desk")
    long_url = "https://example.org/" + "very-long-path-segment-" * 8 + "end"
    text = "Intro. “" + "A long quoted sentence that goes on. " * 12 + "” The end."
    src = svc.sources.add(
        case.id,
        title="A report with a rather long title that must wrap inside its table cell " * 2,
        text=text,
        kind=SourceKind.WEB_PAGE,
        publisher="Some Publisher With A Long Name",
        url=long_url,
    )
    people = [
        svc.people.create(case.id, f"Person Number{i} Withalongsurname", role="Official " * 6)
        for i in range(30)
    ]
    span = text[text.index("A long") : text.index("” The end.")].rstrip()
    start = text.index(span)
    svc.quotes.create(src.id, start, start + len(span), speaker_id=people[0].id)
    svc.events.create(
        case.id,
        "Something happened",
        date=PartialDate.parse("mid 2021-03"),
        description="A long description of what happened. " * 15,
        person_ids=[p.id for p in people[:3]],
    )
    return case.id


# --- Templates


def test_brief_is_two_to_four_pages_with_its_sections(
    sqlite_services: Services, tmp_path: Path
) -> None:
    case = build_demo(sqlite_services)
    opts = BriefOptions(template=Template.BRIEF, today=TODAY)
    result = sqlite_services.exports.export(case.id, opts, tmp_path, ["pdf"])
    assert 2 <= _pages(result.files[0]) <= 4
    doc = sqlite_services.exports.document(case.id, opts)
    h1 = [b.text for b in doc.blocks if isinstance(b, Heading) and b.level == 1]
    assert h1 == ["Summary", "Key people", "Timeline", "Key quotes"]
    text = flat(pdftotext(result.files[0]))
    # Cover: title, template, date, author or desk, classification line.
    cover = text[: text.index("Summary")]
    for part in ("Deir ez-Zor campaign", "Brief", "25 Nov 2026", "Sample desk"):
        assert part in cover
    assert "Internal — not for publication" in cover


def test_dossier_has_contents_with_pages_and_a_source_list(
    sqlite_services: Services, tmp_path: Path
) -> None:
    case = build_demo(sqlite_services)
    result = sqlite_services.exports.export(
        case.id, BriefOptions(template=Template.DOSSIER, today=TODAY), tmp_path, ["pdf", "docx"]
    )
    text = pdftotext(result.files[0])
    contents = text[text.index("Contents") : text.index("Summary", text.index("Contents") + 9)]
    # Each first-level entry of the contents carries its page number.
    for title in ("Summary", "People and organisations", "Timeline", "Quotes", "Sources"):
        assert re.search(rf"{title}\s+\d+", text[text.index("Contents") :]), title
    assert "Contents" in contents
    # The numbers are the pages the sections start on.
    pages = text.split("\f")
    toc_page = next(i for i, p in enumerate(pages) if "Contents" in p)
    for title in ("Summary", "People and organisations", "Timeline", "Sources", "Notes"):
        listed = int(re.search(rf"^{title}\s+(\d+)", pages[toc_page], re.M).group(1))  # type: ignore[union-attr]
        starts = next(
            i + 1 for i, p in enumerate(pages) if i > toc_page and re.search(rf"^{title}$", p, re.M)
        )
        assert listed == starts, title
    assert "US-backed forces intensify campaign against IS remnants" in flat(
        text[text.rindex("Sources") :]
    )
    parts = docx_parts(result.files[1])
    body = parts["word/document.xml"]
    for key in ("summary", "people", "timeline", "quotes", "sources"):
        # Each entry links to its heading's bookmark and shows its page through a PAGEREF.
        assert f'w:anchor="_Toc_{key}"' in body and f'w:name="_Toc_{key}"' in body
        assert f"PAGEREF _Toc_{key} \\h" in body
    assert '<w:updateFields w:val="true"/>' in parts["word/settings.xml"]


def test_quote_sheet_groups_by_speaker_with_a_citation_each(
    sqlite_services: Services, tmp_path: Path
) -> None:
    case = build_demo(sqlite_services)
    opts = BriefOptions(template=Template.QUOTES, today=TODAY)
    doc = sqlite_services.exports.document(case.id, opts)
    quotes = [b for b in doc.blocks if isinstance(b, QuoteBlock)]
    assert len(quotes) == len(sqlite_services.quotes.list(case.id))
    current = None
    for b in doc.blocks:
        if isinstance(b, Heading) and b.level == 2:
            current = b.text
        elif isinstance(b, QuoteBlock):
            assert b.speaker == current
    assert [q.note for q in quotes] == list(range(1, len(quotes) + 1))
    result = sqlite_services.exports.export(case.id, opts, tmp_path, ["pdf"])
    text = flat(pdftotext(result.files[0]))
    notes = text[text.rindex("Notes") :]
    for n in range(1, len(quotes) + 1):
        assert f"{n}. US-backed forces intensify campaign" in notes


@pytest.mark.parametrize("group", [GroupBy.SOURCE, GroupBy.EVENT, GroupBy.TAG])
def test_grouping_shows_in_the_files(
    sqlite_services: Services, tmp_path: Path, group: GroupBy
) -> None:
    ids = build_arabic_case(sqlite_services)
    opts = BriefOptions(template=Template.QUOTES, group_by=group, today=TODAY)
    result = sqlite_services.exports.export(ids.case_id, opts, tmp_path, ["pdf", "docx"])
    text = flat(pdftotext(result.files[0]))
    body = "\n".join(_docx_paragraph_texts(result.files[1]))
    expected = {
        GroupBy.SOURCE: ["مقابلة مع القائد"],
        GroupBy.EVENT: ["Interview published", "Not linked to an event"],
        GroupBy.TAG: ["campaign", "Untagged"],
    }[group]
    for heading in expected:
        assert heading in text
        assert heading in body


def test_only_verified_and_notes_reach_both_files(
    sqlite_services: Services, tmp_path: Path
) -> None:
    ids = build_arabic_case(sqlite_services)
    sqlite_services.quotes.update(ids.english_quote_id, note="Ask the fixer again")
    sqlite_services.quotes.update(ids.arabic_quote_id, note="Checked against the audio")
    opts = BriefOptions(template=Template.QUOTES, only_verified=True, today=TODAY)
    result = sqlite_services.exports.export(ids.case_id, opts, tmp_path / "v", ["pdf", "docx"])
    for text in (
        flat(pdftotext(result.files[0])),
        flat(" ".join(_docx_paragraph_texts(result.files[1]))),
    ):
        assert ARABIC_QUOTE in text
        assert "We left at dawn." not in text and "Hasaka" not in text
        assert "Checked against the audio" not in text  # notes are off by default
    opts = BriefOptions(template=Template.QUOTES, include_notes=True, today=TODAY)
    result = sqlite_services.exports.export(ids.case_id, opts, tmp_path / "n", ["pdf", "docx"])
    for text in (
        flat(pdftotext(result.files[0])),
        flat(" ".join(_docx_paragraph_texts(result.files[1]))),
    ):
        assert "Note: Ask the fixer again" in text
        assert "Note: Checked against the audio" in text


def test_selections_reach_the_files(sqlite_services: Services, tmp_path: Path) -> None:
    case = build_demo(sqlite_services)
    people = {p.name: p.id for p in sqlite_services.people.list(case.id)}
    quotes = sqlite_services.quotes.list(case.id)
    opts = BriefOptions(
        template=Template.QUOTES, selection=Selection(person_id=people["Sadradeen Kinno"])
    )
    result = sqlite_services.exports.export(case.id, opts, tmp_path / "p", ["pdf"])
    text = flat(pdftotext(result.files[0]))
    assert "The challenge in Syria is the fact" in text
    assert "Our forces have already arrested" not in text
    picked = [q for q in quotes if q.text.startswith("Our forces")]
    opts = BriefOptions(
        template=Template.BRIEF, selection=Selection(quote_ids=tuple(q.id for q in picked))
    )
    result = sqlite_services.exports.export(case.id, opts, tmp_path / "q", ["docx"])
    body = flat(" ".join(_docx_paragraph_texts(result.files[0])))
    assert "Our forces have already arrested over 30 terrorists" in body
    assert "The challenge in Syria" not in body
    assert "covers 1 quote from 1 source" in body


# --- What the files are made of


def test_pdf_embeds_every_font(sqlite_services: Services, tmp_path: Path) -> None:
    from pypdf import PdfReader

    ids = build_arabic_case(sqlite_services)
    result = sqlite_services.exports.export(
        ids.case_id, BriefOptions(template=Template.DOSSIER, today=TODAY), tmp_path, ["pdf"]
    )
    fonts: dict[str, bool] = {}
    for page in PdfReader(result.files[0]).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            target = descendants[0].get_object() if descendants else font
            desc = target.get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            fonts[str(font["/BaseFont"])] = any(
                k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values()), fonts
    names = " ".join(fonts)
    assert "NotoSans-Regular" in names and "NotoSansArabic" in names
    assert "Helvetica" not in names


def test_pdf_citations_link_both_ways_and_pages_are_numbered(
    sqlite_services: Services, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    case = build_demo(sqlite_services)
    result = sqlite_services.exports.export(
        case.id, BriefOptions(template=Template.QUOTES, today=TODAY), tmp_path, ["pdf"]
    )
    reader = PdfReader(result.files[0])
    page_of = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    # (page, top of the link's box, page it jumps to, height it jumps to)
    links: list[tuple[int, float, int, float]] = []
    for i, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/Subtype") == "/Link" and "/Dest" in a:
                dest = a["/Dest"]
                top = float(a["/Rect"][3])
                links.append((i, top, page_of[dest[0].idnum], float(dest[3])))
    n = len(sqlite_services.quotes.list(case.id))
    assert len(links) == 2 * n

    def lands_on(a: tuple[int, float, int, float], b: tuple[int, float, int, float]) -> bool:
        return a[2] == b[0] and abs(a[3] - b[1]) < 30

    # Each quote's superscript number jumps to its note, and the note's number jumps back.
    pairs = [(a, b) for a in links for b in links if a < b and lands_on(a, b) and lands_on(b, a)]
    assert len(pairs) == n
    text = pdftotext(result.files[0])
    pages = text.split("\f")
    for k, page in enumerate(pages[1:-1], start=2):  # the cover has no header or number
        assert f"Page {k}" in page
        assert "Deir ez-Zor campaign · Internal — not for publication" in page


def test_pdf_addresses_and_contents_entries_are_links(
    sqlite_services: Services, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    case_id = _long_case(sqlite_services)  # its address is long enough to wrap
    opts = BriefOptions(template=Template.DOSSIER, today=TODAY)
    result = sqlite_services.exports.export(case_id, opts, tmp_path, ["pdf"])
    doc = sqlite_services.exports.document(case_id, opts)
    reader = PdfReader(result.files[0])
    page_of = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    uris: list[str] = []
    fit_targets: list[int] = []  # pages the contents' whole-line links jump to
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            assert a["/Subtype"] == "/Link" and [float(v) for v in a["/Border"]] == [0, 0, 0]
            if "/A" in a:
                assert a["/A"]["/S"] == "/URI"
                uris.append(str(a["/A"]["/URI"]))
            elif a["/Dest"][1] == "/Fit":
                fit_targets.append(page_of[a["/Dest"][0].idnum])
    # Every note's address is a link to that address (pieces of a wrapped one: same target).
    assert set(uris) == {n.url for n in doc.notes if n.url}
    assert len(uris) >= 2  # the wrapped address: each of its lines is a link
    # Each contents entry jumps to the page its section starts on (the outline's page).

    def outline_pages(items: list[object]) -> list[int]:
        out: list[int] = []
        for o in items:
            if isinstance(o, list):
                out += outline_pages(o)
            else:
                out.append(reader.get_destination_page_number(o))  # type: ignore[arg-type]
        return out

    assert fit_targets == outline_pages(reader.outline)
    assert len(fit_targets) == sum(isinstance(b, Heading) for b in doc.blocks) + 1  # + Notes


def test_docx_has_header_page_numbers_and_footnote_per_quote(
    sqlite_services: Services, tmp_path: Path
) -> None:
    case = build_demo(sqlite_services)
    result = sqlite_services.exports.export(
        case.id, BriefOptions(template=Template.BRIEF, today=TODAY), tmp_path, ["docx"]
    )
    parts = docx_parts(result.files[0])
    headers = " ".join(v for k, v in parts.items() if re.fullmatch(r"word/header\d*\.xml", k))
    footers = " ".join(v for k, v in parts.items() if re.fullmatch(r"word/footer\d*\.xml", k))
    assert "Deir ez-Zor campaign · Internal — not for publication" in headers
    assert "PAGE" in footers and 'fldCharType="begin"' in footers
    assert "<w:titlePg/>" in parts["word/document.xml"]  # no header on the cover
    notes = ET.fromstring(parts["word/footnotes.xml"])
    real = [f for f in notes.iter(f"{W}footnote") if f.get(f"{W}type") is None]
    body_refs = re.findall(r'<w:footnoteReference w:id="(\d+)"/>', parts["word/document.xml"])
    assert [f.get(f"{W}id") for f in real] == body_refs
    assert len(body_refs) == len(
        [
            b
            for b in sqlite_services.exports.document(case.id, BriefOptions()).blocks
            if isinstance(b, QuoteBlock)
        ]
    )


def test_people_rows_and_quote_lines_carry_their_fields(
    sqlite_services: Services, tmp_path: Path
) -> None:
    case = build_demo(sqlite_services)
    opts = BriefOptions(template=Template.BRIEF, today=TODAY)
    result = sqlite_services.exports.export(case.id, opts, tmp_path, ["pdf", "docx"])
    pdf_text = flat(pdftotext(result.files[0]))
    paras = [flat(p) for p in _docx_paragraph_texts(result.files[1])]
    # A quote: its exact text, then speaker, date at its precision and status on the next line.
    quote = "Our forces have already arrested over 30 terrorists"
    meta = "— Siyamend Ali · c. 28 Jan – 4 Feb 2021 · Verified"
    assert f"“{quote}” {meta}" in pdf_text
    i = paras.index(f"“{quote}”")
    assert paras[i + 1].startswith(meta)  # the footnote number follows
    # A person: name, role, affiliation in one table row (cells in order in both files).
    row = ["Siyamend Ali", "Press officer", "Press officer, People's Protection Units"]
    pdftotext(result.files[0])  # skips the test without poppler
    layout = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(result.files[0]), "-"],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    assert any(flat(line) == " ".join(row) for line in layout.splitlines())
    k = paras.index(row[0])
    assert paras[k : k + 3] == row


def test_dates_are_shown_at_their_precision(sqlite_services: Services, tmp_path: Path) -> None:
    ids = build_arabic_case(sqlite_services)
    result = sqlite_services.exports.export(
        ids.case_id, BriefOptions(template=Template.DOSSIER, today=TODAY), tmp_path, ["pdf", "docx"]
    )
    for text in (
        flat(pdftotext(result.files[0])),
        flat(" ".join(_docx_paragraph_texts(result.files[1]))),
    ):
        assert "late Jan 2021" in text  # quote and event known to the part of a month
        assert "4 Feb 2021" in text  # a quote known to the day
        assert "2021-01" not in text


def test_pdf_and_docx_carry_the_same_words(sqlite_services: Services, tmp_path: Path) -> None:
    ids = build_arabic_case(sqlite_services)
    case = build_demo(sqlite_services)
    for case_id in (ids.case_id, case.id):
        for template in Template:
            out = tmp_path / f"{case_id}-{template.value}"
            result = sqlite_services.exports.export(
                case_id, BriefOptions(template=template, today=TODAY), out, ["pdf", "docx"]
            )
            pdf_words = _words(pdftotext(result.files[0]))
            docx_words = _words("\n".join(_docx_paragraph_texts(result.files[1])))
            # The PDF repeats the running header and "Page" on every page; the .docx holds
            # them once in its header and footer parts. Everything else appears equally often.
            furniture = _words(sqlite_services.exports.document(case_id, BriefOptions()).header)
            furniture["Page"] = 1
            # The PDF gathers its citations under "Notes" (listed in the dossier's contents);
            # Word sets them as footnotes.
            pdf_words["Notes"] -= 2 if template is Template.DOSSIER else 1
            for w in furniture:
                pdf_words.pop(w, None)
                docx_words.pop(w, None)
            # The dossier's contents list is a field in Word, with the same entries.
            assert pdf_words == docx_words, (
                template,
                pdf_words - docx_words,
                docx_words - pdf_words,
            )


def test_arabic_in_both_files(sqlite_services: Services, tmp_path: Path) -> None:
    ids = build_arabic_case(sqlite_services)
    result = sqlite_services.exports.export(
        ids.case_id, BriefOptions(template=Template.BRIEF, today=TODAY), tmp_path, ["pdf", "docx"]
    )
    text = flat(pdftotext(result.files[0]))
    for s in (ARABIC_QUOTE, ARABIC_NAME, MIXED_QUOTE, "حملة دير الزور — Arabic test"):
        assert s in text
    paras = _docx_paragraph_texts(result.files[1])
    assert ARABIC_QUOTE in paras
    body = docx_parts(result.files[1])["word/document.xml"]
    styles = docx_parts(result.files[1])["word/styles.xml"]
    assert 'w:cs="Noto Sans Arabic"' in styles and 'w:ascii="Noto Sans"' in styles
    assert re.search(r"<w:bidi/>.*?" + re.escape(ARABIC_QUOTE[:8]), body)


def test_no_table_or_line_leaves_the_page(sqlite_services: Services, tmp_path: Path) -> None:
    import subprocess

    case_id = _long_case(sqlite_services)
    result = sqlite_services.exports.export(
        case_id, BriefOptions(template=Template.DOSSIER, today=TODAY), tmp_path, ["pdf"]
    )
    out = subprocess.run(
        ["pdftotext", "-bbox", str(result.files[0]), "-"], capture_output=True, check=True
    ).stdout.decode()
    width = float(re.search(r'<page width="([\d.]+)"', out).group(1))  # type: ignore[union-attr]
    margin = 2.1 / 2.54 * 72
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', out):
        assert float(m.group(1)) >= margin - 0.5
        assert float(m.group(2)) <= width - margin + 0.5, m.group(0)
    assert "very-long-path-segment" in pdftotext(result.files[0])


# --- Cancelling


class _CancelAfter:
    """A Progress that asks to stop after ``n`` questions."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.asked = 0
        self.reports: list[tuple[float, str]] = []

    def report(self, fraction: float, text: str) -> None:
        self.reports.append((fraction, text))

    def cancelled(self) -> bool:
        self.asked += 1
        return self.asked > self.n


def test_cancel_stops_and_leaves_no_half_written_file(
    sqlite_services: Services, tmp_path: Path
) -> None:
    case = build_demo(sqlite_services)
    opts = BriefOptions(template=Template.DOSSIER)
    # Never cancelled: both files, progress rising to 1.
    p = _CancelAfter(10**6)
    done = sqlite_services.exports.export(case.id, opts, tmp_path / "all", ["pdf", "docx"], p)
    assert not done.cancelled and [f.suffix for f in done.files] == [".pdf", ".docx"]
    fractions = [f for f, _ in p.reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    # Cancelled while the PDF is written: nothing is left behind.
    p = _CancelAfter(1)
    res = sqlite_services.exports.export(case.id, opts, tmp_path / "cut", ["pdf", "docx"], p)
    assert res.cancelled and res.files == ()
    assert list((tmp_path / "cut").iterdir()) == []


# --- Selections from search


def test_search_and_saved_search_select_the_quotes(
    sqlite_services: Services, tmp_path: Path
) -> None:
    from services.errors import ValidationError

    svc = sqlite_services
    case = build_demo(svc)
    wanted = {q.id for q in svc.quotes.list(case.id) if "arrested" in q.text}
    assert wanted
    opts = BriefOptions(template=Template.QUOTES, selection=Selection(search="arrested"))
    doc = svc.exports.document(case.id, opts)
    assert {b.quote_id for b in doc.blocks if isinstance(b, QuoteBlock)} == wanted
    saved = svc.search.save(case.id, "Arrests", "arrested")
    opts = BriefOptions(template=Template.QUOTES, selection=Selection(saved_search_id=saved.id))
    result = svc.exports.export(case.id, opts, tmp_path, ["pdf"])
    text = flat(pdftotext(result.files[0]))
    assert "Our forces have already arrested over 30 terrorists" in text
    assert "large-scale operation" not in text
    items = svc.exports.precheck(case.id, opts)
    assert {i.shown_as for i in items if i.kind == "person"} == {"Siyamend Ali"}
    other = svc.cases.create("Another case")
    foreign = svc.search.save(other.id, "Elsewhere", "arrested")
    with pytest.raises(ValidationError, match="belongs to another case"):
        svc.exports.document(case.id, BriefOptions(selection=Selection(saved_search_id=foreign.id)))
    with pytest.raises(ValidationError):
        svc.exports.document(case.id, BriefOptions(selection=Selection(search='"unclosed')))


def test_docx_embeds_the_fonts_it_names(sqlite_services: Services, tmp_path: Path) -> None:
    import zipfile

    from services.brief.render_docx import _obfuscate
    from services.fonts import static_fonts

    ids = build_arabic_case(sqlite_services)
    result = sqlite_services.exports.export(
        ids.case_id, BriefOptions(template=Template.BRIEF, today=TODAY), tmp_path, ["docx"]
    )
    parts = docx_parts(result.files[0])
    assert "<w:embedTrueTypeFonts/>" in parts["word/settings.xml"]
    table = ET.fromstring(parts["word/fontTable.xml"])
    rels = ET.fromstring(parts["word/_rels/fontTable.xml.rels"])
    targets = {r.get("Id"): r.get("Target") for r in rels}
    r_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    f = static_fonts()
    expected = {
        ("Noto Sans", "embedRegular"): f.sans_regular,
        ("Noto Sans", "embedBold"): f.sans_bold,
        ("Noto Sans Arabic", "embedRegular"): f.arabic_regular,
        ("Noto Sans Arabic", "embedBold"): f.arabic_bold,
    }
    found = {}
    with zipfile.ZipFile(result.files[0]) as z:
        for font in table.iter(f"{W}font"):
            for el in font:
                tag = el.tag.removeprefix(W)
                if tag.startswith("embed"):
                    data = z.read("word/" + targets[el.get(r_id)])
                    # Obfuscation is an XOR: applying it again gives the font back.
                    found[(font.get(f"{W}name"), tag)] = _obfuscate(data, el.get(f"{W}fontKey"))
    assert set(found) == set(expected)
    for key, path in expected.items():
        assert found[key] == path.read_bytes(), key


def test_docx_has_no_template_leftovers(sqlite_services: Services, tmp_path: Path) -> None:
    import zipfile

    case = build_demo(sqlite_services)
    result = sqlite_services.exports.export(case.id, BriefOptions(), tmp_path, ["docx"])
    with zipfile.ZipFile(result.files[0]) as z:
        names = z.namelist()
        core = z.read("docProps/core.xml").decode()
        app = z.read("docProps/app.xml").decode()
    assert not any("thumbnail" in n for n in names)
    # Extended properties name Sourcebook, not the template's application, template or counts.
    assert "<Application>Sourcebook</Application>" in app
    for leftover in ("Microsoft", "Normal.dotm", "<Pages>", "<Company>", "<Manager>"):
        assert leftover not in app
    assert "<w:removePersonalInformation/>" in docx_parts(result.files[0])["word/settings.xml"]
    assert "Deir ez-Zor campaign — Brief" in core
    assert "<cp:lastModifiedBy></cp:lastModifiedBy>" in core or "lastModifiedBy/>" in core


def test_brief_of_a_large_case_stays_within_four_pages(
    sqlite_services: Services, tmp_path: Path
) -> None:
    svc = sqlite_services
    case = svc.cases.create("Large case", summary="A long running story. " * 12, author="Desk")
    sentence = "the convoy crossed the river at night and the officials said nothing about it"
    quotes = [f"{sentence.capitalize()} ({i}), {sentence}." for i in range(40)]
    text = "\n".join(f"Para {i}: “{q}” End." for i, q in enumerate(quotes))
    src = svc.sources.add(case.id, title="Long report", text=text, kind=SourceKind.WEB_PAGE)
    people = [
        svc.people.create(case.id, f"Person {i}", role="Deputy director of regional affairs")
        for i in range(30)
    ]
    for i, q in enumerate(quotes):
        start = text.index(q)
        svc.quotes.create(
            src.id, start, start + len(q), speaker_id=people[i % 30].id, status="verified"
        )
    for i in range(30):
        svc.events.create(
            case.id,
            f"Event {i}: officials meet in the capital to discuss the convoy and the river",
            date=PartialDate.parse(f"2021-{1 + i % 12:02d}"),
        )
    result = svc.exports.export(
        case.id, BriefOptions(template=Template.BRIEF, today=TODAY), tmp_path, ["pdf"]
    )
    assert 2 <= _pages(result.files[0]) <= 4
