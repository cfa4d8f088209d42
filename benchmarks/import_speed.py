"""Import speed: saved web pages and PDFs, against the extraction libraries alone (the floor).

    python benchmarks/import_speed.py [--pages 1000] [--pdfs 200] [--pdf-pages 4] [--rounds 3]
                                      [--db URL]

Builds the files in a temporary folder (varied articles with menus, ads and comments; PDFs of a
few pages), then in the same run:

* floor: trafilatura.bare_extraction (same options as the importer) on every page and pypdf's
  page-by-page extraction on every PDF, bytes already in memory;
* import: ``ImportService.import_paths`` of the same files into a fresh store (SQLite file by
  default), with everything the import does (reading the file, SHA-256, duplicate check,
  normalisation, language detection, one transaction per file).

Prints files per second and the ratio import/floor (goal: at most 1.3). Results go in
docs/performance.md under "## Importing files".
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.container import Services  # noqa: E402
from services.importers.lang import warm_up  # noqa: E402
from tests.data.builders import pdf_bytes, web_page  # noqa: E402

WORDS = [
    "minister",
    "harbour",
    "contract",
    "tender",
    "signed",
    "denied",
    "meeting",
    "board",
    "council",
    "budget",
    "port",
    "bridge",
    "school",
    "company",
    "registered",
    "address",
    "records",
    "show",
    "according",
    "documents",
    "seen",
    "by",
    "this",
    "newspaper",
    "the",
    "a",
    "of",
    "to",
    "in",
    "and",
    "on",
    "for",
    "with",
    "was",
    "were",
    "said",
    "that",
    "it",
    "had",
    "been",
    "would",
    "not",
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 24))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 6)))


def build(folder: Path, pages: int, pdfs: int, pdf_pages: int) -> tuple[list[Path], list[Path]]:
    """Write ``pages`` web pages and ``pdfs`` PDFs; return their paths."""
    rng = random.Random(20261125)
    html_paths = []
    for i in range(pages):
        paras = [_paragraph(rng) for _ in range(rng.randint(4, 14))]
        path = folder / f"page-{i:04d}.html"
        path.write_text(web_page(f"Story number {i}", paras), encoding="utf-8")
        html_paths.append(path)
    pdf_paths = []
    for i in range(pdfs):
        texts = []
        for _ in range(pdf_pages):
            lines = [_sentence(rng)[:90] for _ in range(rng.randint(20, 40))]
            texts.append("\n".join(lines))
        path = folder / f"doc-{i:04d}.pdf"
        path.write_bytes(pdf_bytes(texts, title=f"Document {i}"))
        pdf_paths.append(path)
    return html_paths, pdf_paths


def floor(html: list[Path], pdfs: list[Path]) -> tuple[float, float]:
    """Seconds the extraction libraries alone take: (web pages, PDFs)."""
    import trafilatura

    from services.importers.pdf import extract_pages
    from services.importers.web import TRAFILATURA_OPTIONS

    blobs = [p.read_bytes() for p in html]
    t = time.perf_counter()
    for data in blobs:
        trafilatura.bare_extraction(data, **TRAFILATURA_OPTIONS)
    t_html = time.perf_counter() - t
    blobs = [p.read_bytes() for p in pdfs]
    t = time.perf_counter()
    for data in blobs:
        extract_pages(data)
    return t_html, time.perf_counter() - t


def store_only(db: str, files: list[Path]) -> float:
    """Seconds to store already-extracted files (the store's share: rows, blobs, search index)."""
    from services.importers import read_any
    from services.sources import NewFile

    done = [(p, read_any(p, p.read_bytes()), p.read_bytes()) for p in files]
    svc = Services.open(db, auto_backup=False)
    try:
        case = svc.cases.create(f"Store only {time.time()}")
        t = time.perf_counter()
        with svc.store.sessions.begin() as s:
            for path, got, data in done:
                with s.begin_nested():
                    svc.sources.add(
                        case.id,
                        title=got.title,
                        text=got.text,
                        kind=got.kind,
                        file=NewFile(data + b"\n", path.name, got.media_type),
                        page_starts=got.page_starts,
                        session=s,
                    )
        return time.perf_counter() - t
    finally:
        svc.close()


def run_import(db: str, files: list[Path]) -> float:
    """Seconds to import ``files`` into a new case of the store ``db``."""
    svc = Services.open(db, auto_backup=False)
    try:
        case = svc.cases.create(f"Benchmark {time.time()}")
        t = time.perf_counter()
        summary = svc.imports.import_paths(case.id, files)
        took = time.perf_counter() - t
        assert not summary.failed, summary.failed[:3]
        assert len(summary.imported) == len(files), (len(summary.imported), len(files))
        return took
    finally:
        svc.close()


def main() -> int:
    """Build, measure, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--pdfs", type=int, default=200)
    ap.add_argument("--pdf-pages", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3, help="best of this many runs")
    ap.add_argument("--db", help="store URL (default: a new SQLite file per round)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        html, pdfs = build(folder, args.pages, args.pdfs, args.pdf_pages)
        size = sum(p.stat().st_size for p in html + pdfs) / 1e6
        print(
            f"built {len(html)} pages and {len(pdfs)} PDFs ({size:.1f} MB) in "
            f"{time.perf_counter() - t:.1f} s"
        )
        warm_up()
        import pypdf  # noqa: F401
        import trafilatura  # noqa: F401 - loaded once before either timing

        # Interleaved rounds, best of each: other work on the machine slows single runs.
        f_html = f_pdf = i_html = i_pdf = float("inf")
        for r in range(args.rounds):
            fh, fp = floor(html, pdfs)
            db = args.db or str(folder / f"bench-{r}.db")
            ih, ip = run_import(db, html), run_import(db, pdfs)
            sh, sp = store_only(db, html), store_only(db, pdfs)
            print(
                f"round {r + 1}: floor {fh:.2f} + {fp:.2f} s, import {ih:.2f} + {ip:.2f} s, "
                f"of which storing alone {sh:.2f} + {sp:.2f} s"
            )
            f_html, f_pdf = min(f_html, fh), min(f_pdf, fp)
            i_html, i_pdf = min(i_html, ih), min(i_pdf, ip)
        print(f"{'':12}{'floor s':>9}{'files/s':>9}{'import s':>10}{'files/s':>9}{'ratio':>7}")
        for name, n, fl, im in (
            ("web pages", len(html), f_html, i_html),
            ("PDFs", len(pdfs), f_pdf, i_pdf),
        ):
            print(f"{name:12}{fl:9.2f}{n / fl:9.1f}{im:10.2f}{n / im:9.1f}{im / fl:7.2f}")
        total_f, total_i = f_html + f_pdf, i_html + i_pdf
        print(
            f"{'all':12}{total_f:9.2f}{(len(html) + len(pdfs)) / total_f:9.1f}"
            f"{total_i:10.2f}{(len(html) + len(pdfs)) / total_i:9.1f}{total_i / total_f:7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
