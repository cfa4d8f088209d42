"""Briefs: the neutral structure, both renderers, Arabic text, citations, selections."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from services.brief.bidi import visual_runs
from services.brief.build import build_brief, load_case
from services.brief.model import BriefOptions, GroupBy, Heading, QuoteBlock, Selection, Template
from services.container import Services
from services.demo import build_demo
from services.errors import ValidationError
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


def test_demo_brief_pdf_holds_every_quote_and_the_arabic_name(
    services: Services, tmp_path: Path
) -> None:
    case = build_demo(services)
    opts = BriefOptions(template=Template.BRIEF, today=TODAY)
    result = services.exports.export(case.id, opts, tmp_path, ["pdf"])
    text = flat(pdftotext(result.files[0]))
    doc = services.exports.document(case.id, opts)
    assert doc.quote_texts()
    for quote in doc.quote_texts():
        assert flat(quote) in text
    assert ARABIC_NAME in text
    assert "قوات سوريا الديمقراطية" in text  # the SDF's Arabic alias, logical order
    assert "late Jan 2021" in text  # timeline at the date's precision
    assert "Internal — not for publication" in text
    assert "Page 2" in text


def test_arabic_quote_and_mixed_text_come_back_in_logical_order(
    sqlite_services: Services, tmp_path: Path
) -> None:
    ids = build_arabic_case(sqlite_services)
    result = sqlite_services.exports.export(
        ids.case_id, BriefOptions(template=Template.DOSSIER, today=TODAY), tmp_path, ["pdf"]
    )
    text = flat(pdftotext(result.files[0]))
    assert ARABIC_QUOTE in text
    assert ARABIC_NAME in text
    assert "مقابلة مع القائد" in text  # an Arabic source title in the citations
    assert MIXED_QUOTE in text  # the Arabic name inside English, brackets on the right side
    assert "We left at dawn." in text
    assert "p. 2" in text  # page of the PDF source holding the third quote


def test_punctuation_stays_on_the_right_side_at_direction_changes() -> None:
    # English paragraph: the bracket and full stop after the Arabic name stay at its right.
    runs = visual_runs("He said (مظلوم عبدي).", 0)
    assert runs[0].text == "He said (" and not runs[0].rtl
    assert runs[-1].text == ")." and not runs[-1].rtl
    assert [r.text for r in runs if r.rtl and r.arabic] == ["عبدي", "مظلوم"]
    # Arabic paragraph: the closing full stop is drawn at the far left, the first word rightmost.
    runs = visual_runs("قال مظلوم عبدي.", 1)
    assert runs[0].text == "." and runs[0].rtl
    assert runs[-1].text == "قال"
    # Digits inside Arabic keep their own left-to-right order.
    runs = visual_runs("في عام 2021 قال", 1)
    assert any(r.text == "2021" and r.level == 2 for r in runs)


def test_docx_has_real_footnotes_and_marks_rtl(sqlite_services: Services, tmp_path: Path) -> None:
    ids = build_arabic_case(sqlite_services)
    result = sqlite_services.exports.export(
        ids.case_id, BriefOptions(template=Template.QUOTES, today=TODAY), tmp_path, ["docx"]
    )
    parts = docx_parts(result.files[0])
    notes = parts["word/footnotes.xml"]
    body = parts["word/document.xml"]
    assert "footnotes.xml" in parts["word/_rels/document.xml.rels"]
    assert "wordprocessingml.footnotes+xml" in parts["[Content_Types].xml"]
    refs = re.findall(r'<w:footnoteReference w:id="(\d+)"/>', body)
    assert refs == ["1", "2", "3"]
    for n in refs:
        assert f'<w:footnote w:id="{n}">' in notes
    assert notes.count("<w:footnoteRef/>") == 3
    assert "Asharq al-Awsat" in notes and "p. 2" in notes
    # The Arabic quote's paragraph reads right to left; its runs are marked rtl.
    para = next(p for p in re.findall(r"<w:p>.*?</w:p>", body) if ARABIC_QUOTE[:10] in p)
    assert "<w:bidi/>" in para and "<w:rtl/>" in para
    # The mixed English paragraph is left-to-right with only the Arabic run marked.
    para = next(p for p in re.findall(r"<w:p>.*?</w:p>", body) if "The commander" in p)
    assert "<w:bidi/>" not in para and para.count("<w:rtl/>") == 1


def test_docx_converts_with_libreoffice(sqlite_services: Services, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    case = build_demo(sqlite_services)
    result = sqlite_services.exports.export(
        case.id, BriefOptions(template=Template.BRIEF, today=TODAY), tmp_path, ["docx"]
    )
    out = tmp_path / "lo"
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(result.files[0]),
        ],
        capture_output=True,
        timeout=600,  # a bound against a hang; a loaded CI machine took over 180 s
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    pdf = out / (result.files[0].stem + ".pdf")
    assert pdf.is_file()
    text = flat(pdftotext(pdf))
    assert "Our forces have already arrested over 30 terrorists" in text
    # The footnote text is laid out by LibreOffice as a footnote of the page.
    assert "Voice of America (VOA), 4 Feb 2021." in text


def test_docx_contents_show_the_pages_libreoffice_lays_out(
    sqlite_services: Services, tmp_path: Path
) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    case = build_demo(sqlite_services)
    result = sqlite_services.exports.export(
        case.id, BriefOptions(template=Template.DOSSIER, today=TODAY), tmp_path, ["docx"]
    )
    out = tmp_path / "lo"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(result.files[0]),
        ],
        capture_output=True,
        timeout=600,  # a bound against a hang; a loaded CI machine took over 180 s
        check=True,
    )
    pages = pdftotext(out / (result.files[0].stem + ".pdf")).split("\f")
    toc = next(i for i, p in enumerate(pages) if "Contents" in p)
    for title in ("Summary", "Timeline", "Sources"):
        m = re.search(rf"^{title}\W*?(\d+)\s*$", pages[toc], re.M)
        assert m, title
        starts = next(
            i + 1 for i, p in enumerate(pages) if i > toc and re.search(rf"^{title}$", p, re.M)
        )
        assert int(m.group(1)) == starts, title


def test_dossier_pdf_has_outline_contents_and_clean_properties(
    sqlite_services: Services, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    case = build_demo(sqlite_services)
    result = sqlite_services.exports.export(
        case.id, BriefOptions(template=Template.DOSSIER, today=TODAY), tmp_path, ["pdf"]
    )
    reader = PdfReader(result.files[0])
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles[:4] == ["Summary", "People and organisations", "Timeline", "Quotes"]
    assert "Sources" in titles and "Notes" in titles
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Deir ez-Zor campaign — Full dossier"
    assert not meta.author  # no user name unless asked for
    text = flat(pdftotext(result.files[0]))
    assert "Contents" in text and "Sources" in text
    assert str(tmp_path) not in text


def test_selection_by_person_tag_dates_ids_and_verified(sqlite_services: Services) -> None:
    case = build_demo(sqlite_services)
    data = load_case(sqlite_services, case.id)
    abdi = next(p for p in data.people.values() if p.name == "Mazloum Abdi")

    def quotes(**sel: object) -> list[QuoteBlock]:
        opts = BriefOptions(template=Template.QUOTES, selection=Selection(**sel))  # type: ignore[arg-type]
        return [b for b in build_brief(data, opts).blocks if isinstance(b, QuoteBlock)]

    assert {b.speaker for b in quotes(person_id=abdi.id)} == {"Mazloum Abdi"}
    picked = [q.id for q in data.quotes[:2]]
    assert sorted(b.quote_id for b in quotes(quote_ids=tuple(picked))) == sorted(picked)
    early = quotes(date_from=dt.date(2021, 1, 1), date_to=dt.date(2021, 1, 26))
    assert early and all(b.date.startswith("c. 25") for b in early)
    assert quotes(date_from=dt.date(2022, 1, 1)) == []
    verified = build_brief(data, BriefOptions(template=Template.QUOTES, only_verified=True))
    statuses = {b.status for b in verified.blocks if isinstance(b, QuoteBlock)}
    assert statuses == {"Verified"}
    sqlite_services.quotes.set_tags(data.quotes[0].id, ["arrests"])
    data = load_case(sqlite_services, case.id)
    tagged = build_brief(
        data, BriefOptions(template=Template.QUOTES, selection=Selection(tag="arrests"))
    )
    assert [b.quote_id for b in tagged.blocks if isinstance(b, QuoteBlock)] == [data.quotes[0].id]
    with pytest.raises(ValidationError):
        build_brief(data, BriefOptions(selection=Selection(quote_ids=(999999,))))


@pytest.mark.parametrize("group", list(GroupBy))
def test_grouping_numbers_every_citation_once(sqlite_services: Services, group: GroupBy) -> None:
    case = build_demo(sqlite_services)
    data = load_case(sqlite_services, case.id)
    doc = build_brief(data, BriefOptions(template=Template.DOSSIER, group_by=group))
    quotes = [b for b in doc.blocks if isinstance(b, QuoteBlock)]
    assert [b.note for b in quotes] == list(range(1, len(doc.notes) + 1))
    assert {q.id for q in data.quotes} <= {b.quote_id for b in quotes}
    level2 = [b.text for b in doc.blocks if isinstance(b, Heading) and b.level == 2]
    if group is GroupBy.SPEAKER:
        assert "Mazloum Abdi" in level2
    elif group is GroupBy.SOURCE:
        assert level2 == [next(iter(data.sources.values())).title]
    elif group is GroupBy.TAG:
        assert level2 == ["Untagged"]
    else:
        assert "Not linked to an event" in level2 or len(level2) >= 1


def test_notes_included_only_when_asked(sqlite_services: Services) -> None:
    case = build_demo(sqlite_services)
    q = sqlite_services.quotes.list(case.id)[0]
    sqlite_services.quotes.update(q.id, note="Check with the press office")
    data = load_case(sqlite_services, case.id)
    without = build_brief(data, BriefOptions(template=Template.QUOTES))
    with_notes = build_brief(data, BriefOptions(template=Template.QUOTES, include_notes=True))
    assert all(not b.remark for b in without.blocks if isinstance(b, QuoteBlock))
    assert any(b.remark for b in with_notes.blocks if isinstance(b, QuoteBlock))


def test_renderers_refuse_an_unredacted_document(sqlite_services: Services, tmp_path: Path) -> None:
    from services.brief.render_docx import render_docx
    from services.brief.render_pdf import render_pdf

    case = build_demo(sqlite_services)
    doc = build_brief(load_case(sqlite_services, case.id), BriefOptions())
    with pytest.raises(ValueError):
        render_pdf(doc, tmp_path / "x.pdf")
    with pytest.raises(ValueError):
        render_docx(doc, tmp_path / "x.docx")
