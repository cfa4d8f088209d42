"""Imports of many files, read (extracted) in a second process while the first one stores."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import services.imports as imports_module
from services.container import Services
from services.errors import ImportFailedError
from services.importers import pool
from services.imports import ImportService
from tests.data.builders import ARTICLE_TEXT, docx_bytes, email_message, pdf_bytes, web_page, write
from tests.services.test_imports import RecordingProgress

ARABIC = "قال المتحدث إن الاتفاق وقع يوم الجمعة في الميناء بحضور الوزير والمسؤولين عن المشروع."
FRENCH = (
    "Le ministre a signé le contrat pour le port et il a dit que les travaux sont prévus pour "
    "la fin de l'année, avec une aide de la région et des entreprises du secteur."
)


def _folder(tmp_path: Path) -> Path:
    """Every format, a damaged PDF, a file repeated, a text in ISO-8859-6, an email."""
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder, "a.txt", "\n\n".join(ARTICLE_TEXT))
    write(folder, "b.html", web_page())
    write(folder, "c.pdf", pdf_bytes(["First page of the contract.", "Second page, signed."]))
    write(folder, "d.pdf", b"%PDF-1.4 truncated")
    write(folder, "e.txt", "\n\n".join(ARTICLE_TEXT))  # same bytes as a.txt
    write(folder, "f.docx", docx_bytes())
    write(folder, "g.txt", ARABIC.encode("iso-8859-6"))
    write(folder, "h.txt", FRENCH)
    attachment = ("memo.txt", b"The memo names the contractor.", "text/plain")
    write(folder, "i.eml", email_message(attachments=(attachment,)))
    return folder


def _fields(s: Any) -> tuple[Any, ...]:
    return (s.file_name, s.kind, s.title, s.author, s.language, s.page_starts, s.sha256, s.note)


@pytest.fixture
def reader_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every import of more than one file uses a reader process (forked where possible)."""
    monkeypatch.setattr(imports_module, "READER_PROCESS_MIN_FILES", 2)
    monkeypatch.setattr(imports_module, "READER_PROCESS_MIN_FILES_SPAWN", 2)
    monkeypatch.setattr(imports_module, "READER_PROCESS_MIN_CORES", 1)


def test_a_reader_process_imports_exactly_what_this_process_would(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _folder(tmp_path)
    importer = ImportService(services.store.sessions)
    alone = services.cases.create("Read here").id
    together = services.cases.create("Read by a second process").id

    monkeypatch.setattr(imports_module, "READER_PROCESS_MIN_FILES", 10_000)
    monkeypatch.setattr(imports_module, "READER_PROCESS_MIN_FILES_SPAWN", 10_000)
    here = importer.import_files(alone, [folder])
    started: list[bool] = []
    real = pool.ReaderProcess.submit

    def submit(self: pool.ReaderProcess, path: Path, digest: str) -> pool.Pending:
        started.append(True)
        return real(self, path, digest)

    monkeypatch.setattr(pool.ReaderProcess, "submit", submit)
    monkeypatch.setattr(imports_module, "READER_PROCESS_MIN_FILES", 2)
    monkeypatch.setattr(imports_module, "READER_PROCESS_MIN_FILES_SPAWN", 2)
    monkeypatch.setattr(imports_module, "READER_PROCESS_MIN_CORES", 1)
    there = importer.import_files(together, [folder])

    assert started, "the second import did not use a reader process"
    assert [_fields(s) for s in there.imported] == [_fields(s) for s in here.imported]
    assert [_fields(s) for s in there.attachments] == [_fields(s) for s in here.attachments]
    assert [(Path(p).name, r) for p, r in there.failed] == [
        ("d.pdf", "d.pdf: the PDF is damaged or truncated and cannot be read")
    ]
    assert [Path(p).name for p, _ in there.duplicates] == ["e.txt"]
    by_name = {s.file_name: s for s in there.imported}
    assert by_name["c.pdf"].page_starts == (0, len("First page of the contract.") + 2)
    assert by_name["g.txt"].language == "ar"
    assert by_name["h.txt"].language == "fr"
    assert by_name["a.txt"].language == "en"
    first = {s.file_name: s.id for s in here.imported}
    for s in there.imported:
        assert services.sources.get_text(s.id) == services.sources.get_text(first[s.file_name])
    assert not multiprocessing.active_children()  # the reader process has ended


def test_importing_a_folder_again_reports_duplicates_through_the_reader(
    services: Services, tmp_path: Path, reader_always: None
) -> None:
    folder = _folder(tmp_path)
    case = services.cases.create("Twice").id
    importer = ImportService(services.store.sessions)
    first = importer.import_files(case, [folder])
    again = importer.import_files(case, [folder])
    assert not again.imported and len(again.failed) == 1
    assert sorted(Path(p).name for p, _ in again.duplicates) == sorted(
        [s.file_name for s in first.imported] + ["e.txt"]
    )
    assert services.sources.count(case) == len(first.imported) + len(first.attachments)


def test_cancelling_ends_the_reader_process_and_keeps_what_was_imported(
    services: Services, tmp_path: Path, reader_always: None
) -> None:
    case = services.cases.create("Stopped").id
    paths = [write(tmp_path, f"{i}.txt", f"Note number {i} from the harbour.\n") for i in range(6)]
    summary = ImportService(services.store.sessions).import_files(
        case, paths, RecordingProgress(stop_after=2)
    )
    assert summary.cancelled and len(summary.imported) == 2
    assert services.sources.count(case) == 2
    assert not multiprocessing.active_children()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the crash is injected by fork")
def test_a_file_that_kills_the_reader_fails_alone(
    services: Services, tmp_path: Path, reader_always: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pool.read_file

    def read_file(path: Path, data: bytes) -> pool.Read:
        if path.name == "poison.txt":
            os._exit(70)  # what a crash in a parsing library looks like from outside
        return real(path, data)

    # The reader is forked, so it runs this module's patched function.
    monkeypatch.setattr(pool, "read_file", read_file)
    monkeypatch.setattr(pool, "will_fork", lambda: True)
    monkeypatch.setattr(imports_module, "will_fork", lambda: True)
    case = services.cases.create("Crash").id
    paths = [write(tmp_path, f"{i}.txt", f"Note number {i}.\n") for i in range(2)]
    paths.append(write(tmp_path, "poison.txt", "Kills the reader.\n"))
    paths += [write(tmp_path, f"{i}.txt", f"Note number {i}.\n") for i in range(2, 5)]
    summary = ImportService(services.store.sessions).import_files(case, paths)
    assert [s.file_name for s in summary.imported] == [f"{i}.txt" for i in range(5)]
    assert summary.failed == (
        (
            str(tmp_path / "poison.txt"),
            "poison.txt: the reader stopped while reading this file (it may be damaged or too "
            "large to read)",
        ),
    )
    assert services.sources.count(case) == 5
    assert not multiprocessing.active_children()


def test_a_file_changed_between_the_two_reads_fails(tmp_path: Path) -> None:
    path = write(tmp_path, "note.txt", "The first version.\n")
    reader = pool.ReaderProcess()
    try:
        item = reader.submit(path, "0" * 64)  # the importer read other bytes than the reader
        with pytest.raises(
            ImportFailedError, match="note.txt: the file changed while it was being"
        ):
            item.result()
        good = reader.submit(path, hashlib.sha256(path.read_bytes()).hexdigest())
        assert good.result().text == "The first version.\n"
    finally:
        reader.close()
    assert not multiprocessing.active_children()


def test_from_a_worker_thread_the_reader_process_is_spawned(
    sqlite_services: Services, tmp_path: Path, reader_always: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The window imports from a worker thread, where forking is unsafe: a fresh interpreter.
    import threading

    methods: list[str] = []
    real = multiprocessing.get_context

    def get_context(method: str | None = None) -> Any:
        methods.append(str(method))
        return real(method)

    monkeypatch.setattr(pool.multiprocessing, "get_context", get_context)
    folder = _folder(tmp_path)
    case = sqlite_services.cases.create("From a thread").id
    box: list[Any] = []
    worker = threading.Thread(
        target=lambda: box.append(
            ImportService(sqlite_services.store.sessions).import_files(case, [folder])
        )
    )
    worker.start()
    worker.join()
    assert methods == ["spawn"]
    summary = box[0]
    assert sorted(s.file_name for s in summary.imported) == [
        "a.txt",
        "b.html",
        "c.pdf",
        "f.docx",
        "g.txt",
        "h.txt",
        "i.eml",
    ]
    assert [s.file_name for s in summary.attachments] == ["memo.txt"]
    assert {s.file_name: s.language for s in summary.imported}["g.txt"] == "ar"
    assert not multiprocessing.active_children()


def test_without_a_free_core_the_files_are_read_in_this_process(
    sqlite_services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(imports_module, "READER_PROCESS_MIN_FILES", 2)
    monkeypatch.setattr(imports_module, "_cores", lambda: 2)

    def no_reader(*args: object) -> None:
        raise AssertionError("a reader process was started on two cores")

    monkeypatch.setattr(pool.ReaderProcess, "submit", no_reader)
    case = sqlite_services.cases.create("Two cores").id
    paths = [write(tmp_path, f"{i}.txt", f"Note number {i} from the harbour.\n") for i in range(4)]
    summary = ImportService(sqlite_services.store.sessions).import_files(case, paths)
    assert len(summary.imported) == 4 and not summary.failed
