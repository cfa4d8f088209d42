"""Bad input: thousands of generated and mutated inputs for each reader; only clear errors.

For each importer (one extension per format in ``services.importers.EXTENSIONS``), the archive
reader, and the search query parser and search itself: no crash (only ``DomainError``), no hang
past ``HANG_SECONDS``, and the store unchanged after each refused input. Example counts scale
with ``$SOURCEBOOK_FUZZ_SCALE`` (default 1: about 7,000 inputs; the figures in
docs/reliability.md).
"""

from __future__ import annotations

import io
import json
import os
import signal
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.db import open_store
from services.archive import ArchiveError, read_archive
from services.container import Services
from services.errors import DomainError
from services.importers import EXTENSIONS
from services.imports import ImportService, reader_for
from services.search.service import SearchService
from tests.reliability.helpers import populate_case, store_counts

HANG_SECONDS = 10  # one input may take at most this long
SCALE = float(os.environ.get("SOURCEBOOK_FUZZ_SCALE", "1"))

# One extension per format the importers read (the others only name the same reader).
FORMAT_EXTENSION = {
    "text": ".txt",
    "html": ".html",
    "mhtml": ".mhtml",
    "pdf": ".pdf",
    "docx": ".docx",
    "eml": ".eml",
}


def _n(count: int) -> int:
    return max(10, int(count * SCALE))


def _fuzz_settings(count: int) -> Any:
    return settings(
        max_examples=_n(count),
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


class HangError(Exception):
    """An input took longer than HANG_SECONDS."""


@contextmanager
def bounded(seconds: float = HANG_SECONDS) -> Iterator[None]:
    def on_alarm(_sig: int, _frame: Any) -> None:
        raise HangError(f"no answer after {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# --- Seeds: small valid files of each format, to mutate


def _seed_files() -> dict[str, bytes]:
    seeds = {
        ".txt": 'He said "we will win".\nقال «سنفوز».\n'.encode(),
        ".html": b"<html><head><title>T</title></head><body><article><p>The mayor said"
        b' "yes" on Monday.</p></article></body></html>',
        ".eml": b"From: a@example.org\nTo: b@example.org\nSubject: Hi\n"
        b"Date: Mon, 04 Mar 2024 10:00:00 +0000\n\nThe contract was signed.\n",
    }
    seeds[".mhtml"] = (
        b"MIME-Version: 1.0\nContent-Type: multipart/related; boundary=x\n\n--x\n"
        b"Content-Type: text/html\n\n" + seeds[".html"] + b"\n--x--\n"
    )
    try:
        import docx

        buf = io.BytesIO()
        d = docx.Document()
        d.add_heading("Minutes", 1)
        d.add_paragraph('The minister said "no deal".')
        d.save(buf)
        seeds[".docx"] = buf.getvalue()
    except ImportError:
        pass
    try:
        from reportlab.pdfgen import canvas

        buf = io.BytesIO()
        c = canvas.Canvas(buf)
        c.drawString(72, 720, 'The minister said "no deal".')
        c.showPage()
        c.save()
        seeds[".pdf"] = buf.getvalue()
    except ImportError:
        pass
    return seeds


SEEDS = _seed_files()


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few random edits: flips, cuts, insertions, duplications."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            data += draw(st.binary(min_size=1, max_size=16))
            continue
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup", "truncate", "byte"]))
        i = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte":
            data[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[i : i + draw(st.integers(1, 64))]
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=64))
        elif op == "dup":
            j = draw(st.integers(i, len(data)))
            data[i:i] = data[i:j][:4096]
        else:
            del data[i:]
    return bytes(data)


def _inputs(seed: bytes | None) -> st.SearchStrategy[bytes]:
    raw = st.binary(max_size=4096)
    if seed is None:
        return raw
    return st.one_of(raw, mutated(seed), mutated(seed).map(lambda b: b * 3))


SUPPORTED = sorted(FORMAT_EXTENSION.values())


def test_every_import_format_is_fuzzed() -> None:
    assert set(EXTENSIONS.values()) == set(FORMAT_EXTENSION)
    for ext in SUPPORTED:
        reader_for(Path(f"x{ext}"))  # each has a reader...
        assert ext in SEEDS  # ...and a valid seed file to mutate


def _clear(exc: DomainError) -> None:
    assert exc.message.strip(), "an error without a message"
    assert "Traceback" not in exc.message


# --- Importers


@pytest.mark.parametrize("ext", SUPPORTED)
def test_reader_gives_text_or_a_clear_error(ext: str, tmp_path: Path) -> None:
    reader = reader_for(Path(f"x{ext}"))
    path = tmp_path / f"fuzz{ext}"
    seen = {"n": 0}

    @_fuzz_settings(500)
    @given(data=_inputs(SEEDS.get(ext)))
    def check(data: bytes) -> None:
        seen["n"] += 1
        path.write_bytes(data)
        try:
            with bounded():
                got = reader(path, data)
        except DomainError as exc:
            _clear(exc)
            return
        assert isinstance(got.text, str)

    check()
    assert seen["n"] >= _n(500) // 2


@pytest.mark.parametrize("ext", SUPPORTED)
def test_import_refusals_leave_the_store_unchanged(ext: str, tmp_path: Path) -> None:
    svc = Services.over(open_store(str(tmp_path / "fuzz.db")))
    case = svc.cases.create("Fuzz")
    imports = ImportService(svc.store.sessions)
    folder = tmp_path / "in"
    folder.mkdir()
    seen = {"n": 0, "refused": 0}

    @_fuzz_settings(120)
    @given(data=_inputs(SEEDS.get(ext)))
    def check(data: bytes) -> None:
        seen["n"] += 1
        path = folder / f"input-{seen['n']}{ext}"
        path.write_bytes(data)
        before = store_counts(svc.store.engine)
        try:
            with bounded():
                imports.import_file(case.id, path)
        except DomainError as exc:
            _clear(exc)
            seen["refused"] += 1
            assert store_counts(svc.store.engine) == before
        finally:
            path.unlink()

    try:
        check()
    finally:
        svc.close()
    assert seen["n"] >= _n(120) // 2
    assert seen["refused"] > 0  # empty input at least is refused


# --- Archive reader


@pytest.fixture(scope="module")
def archive_blob(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("archive")
    svc = Services.over(open_store(str(folder / "src.db")))
    case = populate_case(svc, folder / "files")
    out = folder / "case.sbk"
    svc.archive.export_case(case.id, out)
    svc.close()
    return out.read_bytes()


def test_archive_reader_refuses_junk_clearly(archive_blob: bytes) -> None:
    seen = {"n": 0}

    @_fuzz_settings(1200)
    @given(data=st.one_of(st.binary(max_size=2048), mutated(archive_blob)))
    def check(data: bytes) -> None:
        seen["n"] += 1
        try:
            with bounded():
                read_archive(data)
        except ArchiveError as exc:
            _clear(exc)

    check()
    assert seen["n"] >= _n(1200) // 2


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
JSON_VALUES = (
    JSON_SCALARS
    | st.lists(JSON_SCALARS, max_size=3)
    | st.dictionaries(st.text(max_size=5), JSON_SCALARS, max_size=3)
)


@st.composite
def edited_archive(draw: st.DrawFn, blob: bytes) -> bytes:
    """A well-formed zip whose case.json or manifest.json has one value replaced."""
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    body = json.loads(members["case.json"])
    manifest = json.loads(members["manifest.json"])
    target = draw(st.sampled_from(["row", "row", "row", "columns", "manifest", "drop"]))
    tables = [t for t, spec in body["tables"].items() if spec["rows"]]
    if target == "manifest":
        key = draw(st.sampled_from(sorted(manifest)))
        manifest[key] = draw(JSON_VALUES)
    elif target == "columns":
        t = draw(st.sampled_from(tables))
        cols = body["tables"][t]["columns"]
        cols[draw(st.integers(0, len(cols) - 1))] = draw(st.text(max_size=12))
    elif target == "drop":
        del body["tables"][draw(st.sampled_from(sorted(body["tables"])))]
    else:
        t = draw(st.sampled_from(tables))
        rows = body["tables"][t]["rows"]
        row = rows[draw(st.integers(0, len(rows) - 1))]
        row[draw(st.integers(0, len(row) - 1))] = draw(JSON_VALUES)
    members["case.json"] = json.dumps(body).encode()
    members["manifest.json"] = json.dumps(manifest).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_archive_import_refusals_leave_the_store_unchanged(
    archive_blob: bytes, tmp_path: Path
) -> None:
    svc = Services.over(open_store(str(tmp_path / "target.db")))
    seen = {"n": 0, "refused": 0}

    @_fuzz_settings(250)
    @given(data=st.one_of(edited_archive(archive_blob), mutated(archive_blob)))
    def check(data: bytes) -> None:
        seen["n"] += 1
        before = store_counts(svc.store.engine)
        try:
            with bounded():
                svc.archive.import_bytes(data)
        except ArchiveError as exc:
            _clear(exc)
            seen["refused"] += 1
            assert store_counts(svc.store.engine) == before

    try:
        check()
    finally:
        svc.close()
    assert seen["n"] >= _n(250) // 2
    assert seen["refused"] > seen["n"] // 4


# --- Search: the query parser, and whole searches over a real case


QUERY_PIECES = [
    *"abc xyz\"()*-+:^~|&!\\'«»سنبنيé\u0640\u064e\u200f\x00\n\t",
    *("speaker:", "tag:", "source:", "status:", "said:", "kind:", "place:", "case:"),
    *("OR ", "NOT ", "2021-01", "..", "2021-13-45", "bridge", "Kowalski", "verified", "pdf"),
]
# Queries built from the query language's own pieces, and any text at all.
QUERY_TEXT = st.lists(st.sampled_from(QUERY_PIECES), max_size=24).map("".join) | st.text(
    max_size=60
)


def test_search_query_parser_gives_a_tree_or_a_clear_error() -> None:
    seen = {"n": 0}

    @_fuzz_settings(2000)
    @given(q=QUERY_TEXT)
    def check(q: str) -> None:
        seen["n"] += 1
        try:
            with bounded():
                SearchService.parse_query(q)
        except DomainError as exc:
            _clear(exc)

    check()
    assert seen["n"] >= _n(2000) // 2


def test_searches_answer_or_refuse_clearly_and_change_nothing(
    store_url: str, tmp_path: Path
) -> None:
    # On both engines: each compiles a query its own way (FTS5 MATCH, tsquery).
    svc = Services.over(open_store(store_url))
    case = populate_case(svc, tmp_path / "files")
    seen = {"n": 0, "refused": 0}
    before = store_counts(svc.store.engine)

    @_fuzz_settings(200)
    @given(q=QUERY_TEXT, scoped=st.booleans())
    def check(q: str, scoped: bool) -> None:
        seen["n"] += 1
        try:
            with bounded():
                svc.search.search(case.id if scoped else None, q, limit=20)
        except DomainError as exc:
            _clear(exc)
            seen["refused"] += 1

    try:
        check()
        assert store_counts(svc.store.engine) == before
    finally:
        svc.close()
    assert seen["n"] >= _n(200) // 2
