"""Bad input, format by format: one clear message naming the file, and an unchanged store.

Every case below is imported through ``import_files`` (the path the window and the command line
use) and through ``import_one``; the store's row counts, table by table, are the same after.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from models.entities import Base
from services import imports as imports_module
from services.container import Services
from services.errors import ImportFailedError
from services.imports import MAX_FILE_BYTES
from tests.data.builders import (
    docx_bytes,
    email_message,
    pdf_bytes,
    web_page,
    write,
    zip_bomb_docx,
)

FORMATS = (".txt", ".md", ".html", ".mhtml", ".pdf", ".docx", ".eml")


def _counts(services: Services) -> dict[str, int]:
    """Rows in every table of the store."""
    with services.store.sessions() as s:
        return {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def _mhtml(html: str) -> bytes:
    return (
        "From: <Saved by Blink>\nSnapshot-Content-Location: https://herald.example/a\n"
        "Subject: Port deal signed\nMIME-Version: 1.0\n"
        'Content-Type: multipart/related; type="text/html"; boundary="XX"\n\n'
        "--XX\nContent-Type: text/html\nContent-Transfer-Encoding: 8bit\n"
        f"Content-Location: https://herald.example/a\n\n{html}\n--XX--\n"
    ).encode()


def _junk() -> bytes:
    rng = random.Random(20261125)
    data = bytes(rng.randrange(256) for _ in range(8192))
    assert not data.startswith((b"%PDF", b"PK", b"\x89PNG", b"\xff\xd8"))
    return data


def _truncated(ext: str) -> bytes:
    """A good file of the format cut off part-way."""
    if ext == ".pdf":
        data = pdf_bytes(["Page one of the minutes.", "Page two of the minutes."])
        return data[: len(data) // 2]
    if ext == ".docx":
        data = docx_bytes()
        return data[: len(data) // 2]
    if ext == ".eml":
        data = email_message(attachments=(("t.pdf", pdf_bytes(["Tender"]), "application/pdf"),))
        return data[: int(len(data) * 0.6)]
    if ext == ".mhtml":
        data = _mhtml(web_page())
        return data[: len(data) // 2]
    assert ext == ".html"
    return web_page().encode()[:600]  # cut inside <head>: no text at all


def _expect_refused(services: Services, case: int, path: Path, *fragments: str) -> str:
    """Import ``path`` both ways; check one clear line naming the file and an unchanged store."""
    before = _counts(services)
    summary = services.imports.import_files(case, [path])
    assert summary.imported == () and summary.duplicates == ()
    assert len(summary.failed) == 1
    failed_path, message = summary.failed[0]
    assert failed_path == str(path)
    assert message.startswith(f"{path.name}: "), message
    assert "\n" not in message and "Traceback" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    with pytest.raises(ImportFailedError) as err:
        services.imports.import_one(case, path)
    assert err.value.message == message
    assert _counts(services) == before
    return message


@pytest.fixture
def case(services: Services) -> int:
    """A case with one source already in it, so "unchanged" is not "empty"."""
    case_id = services.cases.create("Port deal").id
    services.sources.add(case_id, title="Typed note", text="The harbour master said no.")
    return case_id


@pytest.mark.parametrize("ext", FORMATS)
def test_empty_file(services: Services, case: int, tmp_path: Path, ext: str) -> None:
    path = write(tmp_path, f"empty{ext}", b"")
    _expect_refused(services, case, path, "the file is empty")


@pytest.mark.parametrize("ext", FORMATS)
def test_blank_file(services: Services, case: int, tmp_path: Path, ext: str) -> None:
    path = write(tmp_path, f"blank{ext}", b"  \r\n\t\n   \n")
    _expect_refused(services, case, path)


@pytest.mark.parametrize(
    ("ext", "reason"),
    [
        (".pdf", "the PDF is damaged or truncated"),
        (".docx", "the Word document is damaged or truncated"),
        (".eml", "the email is truncated"),
        (".mhtml", "the web archive is truncated"),
        (".html", "the web page has no readable text"),
    ],
)
def test_truncated_file(
    services: Services, case: int, tmp_path: Path, ext: str, reason: str
) -> None:
    path = write(tmp_path, f"cut{ext}", _truncated(ext))
    _expect_refused(services, case, path, reason)


@pytest.mark.parametrize(("encoding", "ext"), [("utf-8", ".txt"), ("utf-16", ".md")])
def test_truncated_text_loses_only_the_cut_character(
    services: Services, case: int, tmp_path: Path, encoding: str, ext: str
) -> None:
    # Text has no structure to break: a file cut inside a character keeps every whole one,
    # decoded in its own encoding (never mojibake from a guessed legacy encoding).
    text = "قال الوزير إن المدرسة ستفتح في حلب الأسبوع المقبل"
    data = text.encode(encoding)[:-1]
    src = services.imports.import_file(case, write(tmp_path, f"cut{ext}", data))
    assert services.sources.get_text(src.id) == text[:-1]
    assert src.language == "ar"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("page.pdf", web_page().encode(), "this is not a PDF"),
        ("note.docx", b"The minutes, typed as plain text.", "this is not a Word document"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "this is PNG data, not a text file"),
        ("photo.html", b"\xff\xd8\xff\xe0" + b"\x10" * 200, "this is JPEG data, not a web page"),
        ("letter.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "save it as .docx"),
        ("table.xlsx", b"PK\x03\x04" + b"\x00" * 100, "cannot import .xlsx files"),
        ("note.rtf", b"{\\rtf1 The minutes}", "cannot import .rtf files"),
    ],
)
def test_wrong_extension_that_cannot_be_read_is_refused(
    services: Services, case: int, tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    _expect_refused(services, case, write(tmp_path, name, data), reason)


def test_plain_zip_named_docx_is_refused(services: Services, case: int, tmp_path: Path) -> None:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "Not a Word document at all.")
    path = write(tmp_path, "archive.docx", buf.getvalue())
    _expect_refused(services, case, path, "this zip archive is not a Word document")


def test_wrong_extension_with_readable_content_is_imported_with_a_notice(
    services: Services, case: int, tmp_path: Path
) -> None:
    # Content decides when it is unmistakable: a PDF saved as ".eml" is still the PDF, and the
    # summary says so.
    path = write(tmp_path, "minutes.eml", pdf_bytes(["The board approved the contract."]))
    summary = services.imports.import_files(case, [path])
    assert not summary.failed
    (src,) = summary.imported
    assert src.media_type == "application/pdf" and src.page_starts == (0,)
    assert "approved the contract" in services.sources.get_text(src.id)
    assert list(summary.notices) == [
        (str(path), "minutes.eml: The file name says an email (.eml) but it is a PDF.")
    ]


def test_password_protected_pdf(services: Services, case: int, tmp_path: Path) -> None:
    data = pdf_bytes(["Confidential tender evaluation."], password="harbour")
    path = write(tmp_path, "locked.pdf", data)
    _expect_refused(services, case, path, "password-protected")


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A .docx-shaped zip of about 130 KB whose document would unpack to 128 MB."""
    return zip_bomb_docx(128)


def test_zip_bomb_docx_is_refused_without_unpacking(
    services: Services, case: int, tmp_path: Path, bomb: bytes
) -> None:
    assert len(bomb) < 1024 * 1024
    path = write(tmp_path, "bomb.docx", bomb)
    _expect_refused(services, case, path, "zip bomb", "word/document.xml")


def test_docx_that_unpacks_past_the_total_limit_is_refused(
    services: Services, case: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Many members, each below the ratio rule, adding up past the limit.
    import services.importers.word as word

    monkeypatch.setattr(word, "MAX_UNPACKED_BYTES", 40_000)
    data = docx_bytes(paragraphs=tuple("A paragraph about the port." for _ in range(2000)))
    path = write(tmp_path, "long.docx", data)
    _expect_refused(services, case, path, "would unpack to", "limit")


@pytest.mark.parametrize("ext", FORMATS)
def test_a_200_mb_file_is_refused_before_it_is_read(
    services: Services, case: int, tmp_path: Path, ext: str
) -> None:
    path = tmp_path / f"huge{ext}"
    with path.open("wb") as f:  # sparse: 200 MB on paper, a few bytes on disk
        f.write(b"%PDF-1.4\n" if ext == ".pdf" else b"From: a@b.c\nSubject: big\n\n")
        f.truncate(200 * 1024 * 1024)
    assert path.stat().st_size > MAX_FILE_BYTES
    _expect_refused(services, case, path, "200 MB is larger than the 100 MB limit")


@pytest.mark.parametrize("ext", FORMATS)
def test_binary_junk(services: Services, case: int, tmp_path: Path, ext: str) -> None:
    message = _expect_refused(services, case, write(tmp_path, f"junk{ext}", _junk()))
    assert "this is not" in message


def test_a_failure_part_way_through_an_email_leaves_nothing_behind(
    services: Services, case: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The email is stored, then its second attachment fails in the store: the whole file goes.
    data = email_message(
        attachments=(
            ("one.txt", b"First attachment.", "text/plain"),
            ("two.txt", b"Second attachment.", "text/plain"),
        )
    )
    path = write(tmp_path, "tip.eml", data)
    real_store = imports_module._insert_row
    calls: list[str] = []

    def store_then_break(*args: Any, **kw: Any) -> Any:
        calls.append("add")
        if len(calls) == 3:
            raise ImportFailedError("two.txt: the store refused it (simulated)")
        return real_store(*args, **kw)

    monkeypatch.setattr(imports_module, "_insert_row", store_then_break)
    before = _counts(services)
    summary = services.imports.import_files(case, [path])
    assert summary.failed == ((str(path), "two.txt: the store refused it (simulated)"),)
    assert len(calls) == 3
    assert _counts(services) == before


def test_one_bad_file_never_stops_the_others(
    services: Services, case: int, tmp_path: Path, bomb: bytes
) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    good: list[Path] = []
    bad: list[Path] = []
    for i, ext in enumerate(FORMATS):
        bad.append(write(folder, f"{i}-junk{ext}", _junk()))
        good.append(write(folder, f"{i}-good.txt", f"Good note number {i} on the port.\n"))
    bad.append(write(folder, "z-bomb.docx", bomb))
    bad.append(write(folder, "z-empty.pdf", b""))
    before = services.sources.count(case)
    summary = services.imports.import_files(case, [folder])
    assert sorted(s.file_name for s in summary.imported) == sorted(p.name for p in good)
    assert sorted(Path(p).name for p, _ in summary.failed) == sorted(p.name for p in bad)
    assert services.sources.count(case) == before + len(good)


def test_a_file_whose_row_is_refused_at_the_batch_flush_fails_alone(
    services: Services, case: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a folder import a file's row is built when its batch is flushed, after later files
    # were extracted: a refusal then must fail that file only and store nothing of it.
    from services.errors import ValidationError

    paths = [write(tmp_path, f"{n}.txt", f"Note {n} from the harbour.\n") for n in "abc"]
    real_row = imports_module._source_row

    def refuse_b(*args: Any, **kw: Any) -> Any:
        row = real_row(*args, **kw)
        if row["file_name"] == "b.txt":
            raise ValidationError("b.txt: the title is refused (simulated)")
        return row

    monkeypatch.setattr(imports_module, "_source_row", refuse_b)
    before = _counts(services)
    summary = services.imports.import_files(case, paths)
    assert summary.failed == ((str(paths[1]), "b.txt: the title is refused (simulated)"),)
    assert [s.file_name for s in summary.imported] == ["a.txt", "c.txt"]
    after = _counts(services)
    assert after["sources"] == before["sources"] + 2
    assert after["source_files"] == before["source_files"] + 2
