"""Importing files of every format: text, metadata, page mapping, offsets, provenance."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.entities import Source, SourceFile, SourceKind
from services.container import Services
from services.errors import DuplicateError
from services.imports import ImportService, ImportSummary
from tests.data.builders import (
    ARTICLE_TEXT,
    docx_bytes,
    email_message,
    pdf_bytes,
    scanned_pdf_bytes,
    web_page,
    write,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def _importer(services: Services) -> ImportService:
    return ImportService(services.store.sessions)


def _case(services: Services, title: str = "Port deal") -> int:
    return services.cases.create(title).id


# --- Web pages


def test_web_page_keeps_the_article_and_drops_menus_ads_banners_and_comments(
    services: Services, tmp_path: Path
) -> None:
    case = _case(services)
    path = write(tmp_path, "port-deal.html", web_page())
    src = _importer(services).import_file(case, path)
    text = services.sources.get_text(src.id)
    for paragraph in ARTICLE_TEXT:
        assert paragraph in text
    for junk in ("cookies", "World news", "CHEAP FLIGHTS", "Reader99", "Totally agree", "Privacy"):
        assert junk not in text, junk
    assert "tracker.invalid" not in text
    assert src.kind is SourceKind.WEB_PAGE
    assert src.title == "Port deal signed"
    assert src.author == "Lena Berg"
    assert src.publisher == "The Coastal Herald"
    assert src.url == "https://herald.example/2024/03/port-deal"
    assert src.published_on is not None and src.published_on.isoformat() == "2024-03-05"
    assert src.language == "en"
    assert src.media_type == "text/html"
    assert src.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # Offsets point into the stored text: a quote found there is found at the same place.
    quote = "No deal was signed behind closed doors,"
    start = text.index(quote)
    assert text[start : start + len(quote)] == quote


def test_mhtml_web_archive_goes_through_the_web_page_path(
    services: Services, tmp_path: Path
) -> None:
    html = web_page()
    mhtml = (
        "From: <Saved by Blink>\nSnapshot-Content-Location: https://herald.example/a\n"
        "Subject: Port deal signed\nDate: Tue, 5 Mar 2024 11:30:00 +0100\nMIME-Version: 1.0\n"
        'Content-Type: multipart/related; type="text/html"; boundary="XX"\n\n'
        "--XX\nContent-Type: text/html\nContent-Transfer-Encoding: 8bit\n"
        f"Content-Location: https://herald.example/a\n\n{html}\n--XX--\n"
    )
    src = _importer(services).import_file(_case(services), write(tmp_path, "page.mhtml", mhtml))
    text = services.sources.get_text(src.id)
    assert ARTICLE_TEXT[0] in text and "Reader99" not in text
    assert src.kind is SourceKind.WEB_PAGE
    assert src.title == "Port deal signed"
    assert src.media_type == "multipart/related"
    # The archive's date is when it was saved: the source's retrieval time.
    assert src.retrieved_at == dt.datetime(2024, 3, 5, 10, 30, tzinfo=dt.UTC)


ARABIC_PARAGRAPH = "قال الوزير إن المدرسة ستفتح في حلب الأسبوع المقبل، وأضاف أن العمل بدأ أمس. "


def test_arabic_page_with_json_ld_metadata_and_the_address_it_was_saved_from(
    services: Services, tmp_path: Path
) -> None:
    paragraphs = "".join(f"<p>{ARABIC_PARAGRAPH * 3}</p>" for _ in range(4))
    html = (
        "<!-- saved from url=(0040)https://news.example/ar/2024/school -->\n"
        '<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>مدرسة حلب</title>'
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        '"@type": "NewsArticle", "headline": "افتتاح مدرسة في حلب", '
        '"author": {"@type": "Person", "name": "سارة أحمد"}, '
        '"datePublished": "2024-02-10T08:00:00Z", '
        '"publisher": {"@type": "Organization", "name": "أخبار المثال"}}</script>'
        '</head><body><nav><a href="/">الرئيسية</a> <a href="/sport">الرياضة والترفيه</a></nav>'
        f"<article><h1>افتتاح مدرسة في حلب</h1>{paragraphs}</article>"
        "<footer>جميع الحقوق محفوظة</footer></body></html>"
    )
    src = _importer(services).import_file(_case(services), write(tmp_path, "school.htm", html))
    text = services.sources.get_text(src.id)
    assert ARABIC_PARAGRAPH.strip() in text
    assert "الرياضة" not in text and "محفوظة" not in text
    assert src.title == "افتتاح مدرسة في حلب"
    assert src.author == "سارة أحمد"
    assert src.publisher == "أخبار المثال"
    assert src.published_on == dt.date(2024, 2, 10)
    assert src.url == "https://news.example/ar/2024/school"
    assert src.meta["saved_from"] == src.url
    assert src.language == "ar"


@pytest.mark.parametrize(
    ("encoding", "declared"), [("cp1256", "windows-1256"), ("iso8859_6", "iso-8859-6")]
)
def test_arabic_page_in_a_legacy_encoding_is_read_without_mojibake(
    services: Services, tmp_path: Path, encoding: str, declared: str
) -> None:
    paragraphs = "".join(f"<p>{ARABIC_PARAGRAPH * 3}</p>" for _ in range(4))
    html = (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={declared}">'
        f"<title>مدرسة حلب</title></head><body><article>{paragraphs}</article></body></html>"
    )
    path = write(tmp_path, "old-site.html", html.encode(encoding))
    src = _importer(services).import_file(_case(services), path)
    assert ARABIC_PARAGRAPH.strip() in services.sources.get_text(src.id)
    assert src.language == "ar"


def test_importing_never_touches_the_network(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pages full of remote scripts, styles, pixels and links import with every way out closed.
    import socket

    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network use during import")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    case = _case(services)
    page = write(tmp_path, "page.html", web_page())
    mail = write(tmp_path, "mail.eml", email_message(text=None, html=web_page("Mailed page")))
    summary = _importer(services).import_files(case, [page, mail])
    assert not summary.failed and len(summary.imported) == 2
    assert attempts == []


# --- PDF


def test_pdf_text_is_kept_page_by_page_with_the_page_of_every_offset(
    services: Services, tmp_path: Path
) -> None:
    pages = [
        "Minutes of the port board, 4 March 2024.",
        "The board approved the dredging contract.",
        "Signed: the chair.",
    ]
    path = write(tmp_path, "minutes.pdf", pdf_bytes(pages, title="Board minutes"))
    src = _importer(services).import_file(_case(services), path)
    text = services.sources.get_text(src.id)
    assert src.kind is SourceKind.PDF
    assert src.title == "Board minutes"
    assert src.author == "Ministry of Ports"
    assert len(src.page_starts) == 3 and src.page_starts[0] == 0
    for number, page in enumerate(pages, 1):
        at = text.index(page)
        assert src.page_of(at) == number
        assert src.page_of(at + len(page) - 1) == number
        assert text[src.page_starts[number - 1] :].startswith(page)
    assert src.meta["pages"] == 3
    assert src.language == "en"


def test_pdf_page_without_text_is_kept_in_the_page_mapping_and_noted(
    services: Services, tmp_path: Path
) -> None:
    pages = ["Page one of the report.", "", "Page three of the report."]
    src = _importer(services).import_file(
        _case(services), write(tmp_path, "r.pdf", pdf_bytes(pages))
    )
    text = services.sources.get_text(src.id)
    assert len(src.page_starts) == 3
    at = text.index("Page three")
    assert sum(1 for s in src.page_starts if s <= at) == 3
    assert src.meta["pages_without_text"] == [2]
    assert "need OCR" in src.note


def test_pdf_printed_page_numbers_are_kept(services: Services, tmp_path: Path) -> None:
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for text in ("Foreword.", "Contents.", "Chapter one.", "Chapter two."):
        c.drawString(72, 700, text)
        c.showPage()
    c.addPageLabel(0, style="ROMAN_LOWER")
    c.addPageLabel(2, style="ARABIC", start=1)
    c.save()
    src = _importer(services).import_file(_case(services), write(tmp_path, "b.pdf", buf.getvalue()))
    assert src.meta["page_labels"] == ["i", "ii", "1", "2"]
    text = services.sources.get_text(src.id)
    assert src.page_of(text.index("Chapter two")) == 4  # the index; its label is "2"


def test_pdf_with_an_unreadable_text_layer_needs_ocr(services: Services, tmp_path: Path) -> None:
    # A font without a Unicode map: the text layer gives no letters (here NULs and private-use
    # characters), so the PDF is kept as a scan would be.
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from services.fonts import static_fonts
    from services.importers.pdf import unreadable

    pdfmetrics.registerFont(TTFont("SansPUA", str(static_fonts().sans_regular)))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("SansPUA", 12)
    for i in range(20):
        c.drawString(72, 700 - i * 16, "".join(chr(0xE000 + (i * 37 + j) % 400) for j in range(60)))
    c.showPage()
    c.save()
    src = _importer(services).import_file(_case(services), write(tmp_path, "g.pdf", buf.getvalue()))
    assert "needs OCR" in src.note and src.meta["needs_ocr"] is True
    assert services.sources.get_text(src.id) == ""
    assert unreadable("\ue001\ue002\ufffd" * 20)
    assert not unreadable("A readable page of the minutes, signed by the chair.")


def test_pdf_without_text_layer_is_imported_with_a_needs_ocr_note(
    services: Services, tmp_path: Path
) -> None:
    path = write(tmp_path, "scan.pdf", scanned_pdf_bytes(2))
    src = _importer(services).import_file(_case(services), path)
    assert "needs OCR" in src.note
    assert src.meta["needs_ocr"] is True
    assert services.sources.get_text(src.id) == ""
    assert src.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


# --- Word


def test_docx_body_in_order_with_tables_footnotes_comments_and_properties_apart(
    services: Services, tmp_path: Path
) -> None:
    data = docx_bytes(
        heading="Minutes of the port board",
        paragraphs=("The board approved the contract.", "Two members voted against."),
        table=(("Bidder", "Amount"), ("Acme Dredging", "40 million")),
        footnote="Source: copy of the signed minutes.",
        comment="Check the amount with the ministry.",
        author="Jan Kowalski",
    )
    src = _importer(services).import_file(_case(services), write(tmp_path, "minutes.docx", data))
    text = services.sources.get_text(src.id)
    assert src.kind is SourceKind.WORD
    assert src.title == "Minutes of the port board"  # no title property: the first heading
    heading = text.index("Minutes of the port board")
    first = text.index("The board approved the contract.")
    second = text.index("Two members voted against.")
    table = text.index("Acme Dredging\t40 million")
    assert heading < first < second < table
    assert "Bidder\tAmount" in text
    # Footnotes and comments are kept, but not in the quotable body.
    assert "signed minutes" not in text and "Check the amount" not in text
    assert src.meta["footnotes"][0]["text"] == "Source: copy of the signed minutes."
    assert src.meta["comments"][0]["text"] == "Check the amount with the ministry."
    assert src.meta["comments"][0]["author"] == "Editor"
    assert src.meta["headings"][0] == {
        "text": "Minutes of the port board",
        "level": 1,
        "offset": heading,
    }
    assert src.author == "Jan Kowalski"
    assert src.meta["document_author"] == "Jan Kowalski"
    assert "created" in src.meta


# --- Email


def test_email_headers_body_and_attachments_as_linked_sources(
    services: Services, tmp_path: Path
) -> None:
    attached_pdf = pdf_bytes(["The attached tender sheet lists three bidders."])
    data = email_message(
        attachments=(
            ("tender.pdf", attached_pdf, "application/pdf"),
            ("notes.txt", b"Call the harbour master on Monday.", "text/plain"),
            ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        )
    )
    case = _case(services)
    result = _importer(services).import_one(case, write(tmp_path, "tip.eml", data))
    email = result.source
    assert email.kind is SourceKind.EMAIL
    assert email.title == "The contract"
    assert email.meta["from"] == "Source One <one@example.org>"
    assert email.meta["to"] == "Desk <desk@example.org>"
    assert email.meta["subject"] == "The contract"
    assert email.published_on is not None and email.published_on.isoformat() == "2024-03-04"
    assert "signed on Friday" in services.sources.get_text(email.id)
    kids = {a.file_name: a for a in result.attachments}
    assert set(kids) == {"tender.pdf", "notes.txt", "photo.png"}
    assert all(a.parent_id == email.id for a in result.attachments)
    assert kids["tender.pdf"].kind is SourceKind.PDF
    assert kids["tender.pdf"].sha256 == hashlib.sha256(attached_pdf).hexdigest()
    assert "three bidders" in services.sources.get_text(kids["tender.pdf"].id)
    assert services.sources.get_text(kids["notes.txt"].id).startswith("Call the harbour")
    assert "No text could be read" in kids["photo.png"].note
    assert services.sources.count(case) == 4


def test_forwarded_email_is_an_attachment_of_its_own(services: Services, tmp_path: Path) -> None:
    from email import message_from_bytes, policy

    inner = email_message(subject="Original tip", text="The tender was rigged, I saw it.")
    outer = message_from_bytes(email_message(subject="Fwd: tip"), policy=policy.default)
    outer.add_attachment(message_from_bytes(inner, policy=policy.default))
    path = write(tmp_path, "fwd.eml", outer.as_bytes())
    result = _importer(services).import_one(_case(services), path)
    (child,) = result.attachments
    assert child.kind is SourceKind.EMAIL and child.title == "Original tip"
    assert child.parent_id == result.source.id
    assert "tender was rigged" in services.sources.get_text(child.id)


def test_html_only_email_goes_through_the_web_page_path(services: Services, tmp_path: Path) -> None:
    html = web_page()
    data = email_message(text=None, html=html)
    src = _importer(services).import_file(_case(services), write(tmp_path, "news.eml", data))
    text = services.sources.get_text(src.id)
    assert ARTICLE_TEXT[1] in text
    assert "Reader99" not in text and "<p>" not in text
    assert src.meta["body"] == "html"


# --- Plain text and encodings

ARABIC = "قال الوزير إن المدرسة ستفتح في حلب الأسبوع المقبل، وأضاف أن العمل بدأ أمس.\n"
FRENCH = "Le ministre a déclaré « nous gagnerons » à la fin de l'été, après être arrivé.\n"
ENGLISH = "The mayor said \u201cwe will open the bridge\u201d in May; caf\u00e9 owners agreed.\n"


@pytest.mark.parametrize(
    ("text", "encoding", "language"),
    [
        (ENGLISH, "utf-8", "en"),
        (ARABIC, "utf-8-sig", "ar"),
        (FRENCH, "utf-16", "fr"),
        (ARABIC, "utf-16-le", "ar"),
        (ENGLISH, "cp1252", "en"),
        (FRENCH, "cp1252", "fr"),
        (ARABIC, "cp1256", "ar"),
        (ARABIC, "iso8859_6", "ar"),
    ],
)
def test_text_encodings_are_detected_without_mojibake(
    services: Services, tmp_path: Path, text: str, encoding: str, language: str
) -> None:
    body = (text * 3).replace("\n", "\r\n")
    path = write(tmp_path, "note.txt", body.encode(encoding))
    src = _importer(services).import_file(_case(services), path)
    stored = services.sources.get_text(src.id)
    assert stored == text * 3  # decoded right, CRLF normalised to LF, BOM dropped
    assert src.language == language


def test_markdown_title_from_its_first_heading(services: Services, tmp_path: Path) -> None:
    path = write(tmp_path, "notes.md", "# Call with the harbour master\n\nHe said no.\n")
    src = _importer(services).import_file(_case(services), path)
    assert src.title == "Call with the harbour master"
    assert src.media_type == "text/markdown"


def test_text_is_normalised_once_to_nfc(services: Services, tmp_path: Path) -> None:
    decomposed = "Cafe\u0301 de la Paix: the owner said \u201cno\u201d.\n"
    src = _importer(services).import_file(_case(services), write(tmp_path, "n.txt", decomposed))
    assert (
        services.sources.get_text(src.id)
        == "Caf\u00e9 de la Paix: the owner said \u201cno\u201d.\n"
    )


# --- Duplicates and shared files


def test_same_bytes_twice_in_a_case_is_a_duplicate(services: Services, tmp_path: Path) -> None:
    case = _case(services)
    path = write(tmp_path, "a.pdf", pdf_bytes(["Page one."]))
    first = _importer(services).import_file(case, path)
    copy = write(tmp_path, "copy-of-a.pdf", path.read_bytes())
    with pytest.raises(DuplicateError) as err:
        _importer(services).import_file(case, copy)
    assert err.value.message == f"copy-of-a.pdf: already in this case (source {first.id})"
    assert services.sources.count(case) == 1


def test_same_bytes_in_another_case_is_added_sharing_the_stored_file(
    services: Services, tmp_path: Path
) -> None:
    one, two = _case(services, "One"), _case(services, "Two")
    path = write(tmp_path, "a.txt", "The mayor said no.\n")
    _importer(services).import_file(one, path)
    summary = _importer(services).import_files(two, [path])
    assert len(summary.imported) == 1
    assert list(summary.notices) == [
        (
            str(path),
            f"a.txt: already in another case (case {one}); added to this case too, "
            "sharing the stored file",
        )
    ]
    with services.store.sessions() as s:
        assert s.scalar(select(func.count(SourceFile.id))) == 1
        assert s.scalar(select(func.count(Source.id))) == 2


# --- Many files


class RecordingProgress:
    """A Progress that records reports and cancels after ``stop_after`` files."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.reports: list[tuple[float, str]] = []
        self.stop_after = stop_after

    def report(self, fraction: float, text: str) -> None:
        self.reports.append((fraction, text))

    def cancelled(self) -> bool:
        return self.stop_after is not None and len(self.reports) >= self.stop_after


def test_a_folder_with_good_bad_and_duplicate_files(services: Services, tmp_path: Path) -> None:
    case = _case(services)
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "a.txt", "First note about the port.\n")
    write(folder, "b.html", web_page())
    write(folder, "c.pdf", b"%PDF-1.4 truncated")
    write(folder, "d.txt", "First note about the port.\n")
    write(folder, "e.docx", docx_bytes())
    (folder / ".git").mkdir()
    write(folder / ".git", "config", "[core]\n")  # hidden folders and files are skipped
    write(folder, ".DS_Store", b"\x00\x00\x00\x01Bud1")
    progress = RecordingProgress()
    summary = _importer(services).import_files(case, [folder], progress)
    assert [s.file_name for s in summary.imported] == ["a.txt", "b.html", "e.docx"]
    assert [Path(p).name for p, _ in summary.duplicates] == ["d.txt"]
    assert list(summary.failed) == [
        (str(folder / "c.pdf"), "c.pdf: the PDF is damaged or truncated and cannot be read")
    ]
    assert progress.reports[-1] == (1.0, "done")
    assert [t for _, t in progress.reports[:-1]] == ["a.txt", "b.html", "c.pdf", "d.txt", "e.docx"]
    assert not summary.cancelled


def test_cancelling_stops_between_files(services: Services, tmp_path: Path) -> None:
    case = _case(services)
    paths = [write(tmp_path, f"{i}.txt", f"Note number {i}.\n") for i in range(5)]
    summary = _importer(services).import_files(case, paths, RecordingProgress(stop_after=2))
    assert summary.cancelled
    assert len(summary.imported) == 2
    assert services.sources.count(case) == 2


def test_import_from_a_worker_thread(services: Services, tmp_path: Path) -> None:
    import threading

    case = _case(services)
    paths = [write(tmp_path, f"{i}.txt", f"Note number {i} from the harbour.\n") for i in range(3)]
    box: list[ImportSummary] = []
    worker = threading.Thread(
        target=lambda: box.append(_importer(services).import_files(case, paths))
    )
    worker.start()
    worker.join()
    assert len(box[0].imported) == 3 and not box[0].failed


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("en", ENGLISH * 4),
        ("fr", FRENCH * 4),
        ("ar", ARABIC),
        (
            "es",
            "El ministro dijo que la escuela se abrirá en la ciudad la próxima semana y que "
            "los trabajos comenzaron ayer con el apoyo de las autoridades locales y los vecinos.",
        ),
        (
            "de",
            "Der Minister sagte, dass die Schule in der Stadt nächste Woche eröffnet wird und "
            "die Arbeiten gestern mit Unterstützung der örtlichen Behörden begonnen haben.",
        ),
        ("fa", "وزیر گفت که مدرسه هفته آینده در شهر باز خواهد شد و کار از دیروز آغاز شده است."),
        ("", "OK."),
    ],
)
def test_language_detection_tells_close_languages_apart(code: str, text: str) -> None:
    # English, French and Arabic are decided without the model; Spanish, German and Persian
    # (Arabic script) must not be mistaken for them.
    from services.importers.lang import detect_language

    assert detect_language(text) == code


def test_ascii_words_are_the_regex_words() -> None:
    # ASCII text is cut into words without the regular expression: the words must be the same.
    import random

    from services.importers.lang import _WORD, _letters, _words

    samples = [
        "it's the people's 'quoted' word; l'homme qu'il don't ''x'' a'b'c_d9e o'",
        "Tab\tnew\nline 42nd x_y (brackets) [more] {and} 'tis rock'n'roll -- dash",
        "",
        "'''",
    ]
    rng = random.Random(7)
    alphabet = "ab' _9.-\n\tZ"
    samples += ["".join(rng.choice(alphabet) for _ in range(60)) for _ in range(500)]
    for text in samples:
        lowered = text.lower()
        assert _words(lowered) == _WORD.findall(lowered), text
        assert _letters(text) == sum(map(str.isalpha, text)), text
    assert _words("café l'été") == ["café", "l'été"]  # not ASCII: the regular expression


def test_overlong_metadata_is_clipped_to_fit_every_engine(
    services: Services, tmp_path: Path
) -> None:
    subject = "Re: " * 200 + "the tender"
    data = email_message(subject=subject)
    src = _importer(services).import_file(_case(services), write(tmp_path, "long.eml", data))
    assert len(src.title) == 500 and src.title.endswith("\u2026")
    assert src.meta["subject"].endswith("the tender")  # the full header is kept


def test_file_dialog_patterns_name_every_importable_extension() -> None:
    from services.importers import EXTENSIONS, FILE_PATTERNS

    assert set(FILE_PATTERNS.split()) == {f"*{ext}" for ext in EXTENSIONS if ext}
    assert "*.pdf" in FILE_PATTERNS and "*.eml" in FILE_PATTERNS and "*.mhtml" in FILE_PATTERNS


# --- Rows inserted per batch (the fast path of import_files)


def test_imported_sources_are_as_stored_and_found_by_search_right_after(
    services: Services, tmp_path: Path
) -> None:
    case = _case(services)
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "a.html", web_page("Harbour tender", ["The zanzibarite contract was signed."]))
    write(folder, "b.txt", "Notes on the quartzmoor bridge budget.\n")
    write(folder, "c.pdf", pdf_bytes(["The first page.", "The oxbowlane page."]))
    write(
        folder, "d.eml", email_message(attachments=(("x.txt", b"Kestrelvane memo.", "text/plain"),))
    )
    write(folder, "e.txt", "Notes on the quartzmoor bridge budget.\n")  # same bytes as b.txt
    summary = _importer(services).import_files(case, [folder])
    assert [s.file_name for s in summary.imported] == ["a.html", "b.txt", "c.pdf", "d.eml"]
    assert [Path(p).name for p, _ in summary.duplicates] == ["e.txt"]
    b_id = next(s.id for s in summary.imported if s.file_name == "b.txt")
    assert summary.duplicates[0][1] == f"e.txt: already in this case (source {b_id})"
    # What the import returned is what a later read gives.
    for dto in (*summary.imported, *summary.attachments):
        assert services.sources.get(dto.id) == dto
    # The search index is in step as soon as import_files returns.
    for word, name in (
        ("zanzibarite", "a.html"),
        ("quartzmoor", "b.txt"),
        ("oxbowlane", "c.pdf"),
        ("kestrelvane", "x.txt"),
    ):
        hits = services.search.search(case, word, kind="sources").sources
        assert [services.sources.get(h.id).file_name for h in hits] == [name]


def test_a_row_the_store_refuses_fails_alone_in_its_batch(
    sqlite_services: Services, tmp_path: Path
) -> None:
    services = sqlite_services
    case = _case(services)
    with services.store.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER test_refuse BEFORE INSERT ON sources WHEN new.file_name = 'b.txt' "
            "BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
        )
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "b.txt", "c.txt"):
        write(folder, name, f"Note {name} on the port.\n")
    summary = _importer(services).import_files(case, [folder])
    assert [s.file_name for s in summary.imported] == ["a.txt", "c.txt"]
    assert list(summary.failed) == [
        (
            str(folder / "b.txt"),
            "b.txt: the store refused the file: refused by a test trigger",
        )
    ]
    assert services.sources.count(case) == 2
    with services.store.sessions() as s:
        assert s.scalar(select(func.count(SourceFile.id))) == 2


def test_the_duplicate_check_finds_sources_by_index_not_by_scanning(
    sqlite_services: Services,
) -> None:
    # Checking a file already stored must not read every source of the store (a re-import of a
    # folder into a large store would scan the sources table once per file).
    import services.imports as imports_module

    with sqlite_services.store.engine.connect() as conn:
        for query, params in (
            (imports_module._WHERE, {"sha256": "0" * 64}),
            (imports_module._WHERE_MANY, {"digests": ["0" * 64, "1" * 64]}),
        ):
            compiled = query.compile(conn)
            sql = str(compiled)
            values = compiled.construct_params(params)
            if "__[POSTCOMPILE_digests]" in sql:
                sql = sql.replace("(__[POSTCOMPILE_digests])", "(?, ?)")
                args: tuple[object, ...] = tuple(params["digests"])
            else:
                args = tuple(values[k] for k in compiled.positiontup or ())
            plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, args)]
            assert not any(step.startswith("SCAN sources") for step in plan), plan
            assert any("ix_sources_case_sha" in step for step in plan), plan
