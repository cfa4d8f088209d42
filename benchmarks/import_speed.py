"""Import speed: saved web pages and PDFs, against the extraction libraries alone (the floor).

    python benchmarks/import_speed.py [--pages 1000] [--pdfs 200] [--pdf-pages 4] [--rounds 3]
                                      [--db URL] [--one-process]

Builds the files in a temporary folder (varied articles with menus, ads and comments; PDFs of a
few pages), then in the same run:

* floor: trafilatura.bare_extraction (same options as the importer) on every page and pypdf's
  page-by-page extraction on every PDF, bytes already in memory;
* import: ``ImportService.import_paths`` of the same files into a fresh store (SQLite file by
  default), with everything the import does (reading the file, SHA-256, duplicate check,
  normalisation, language detection, rows inserted per batch in one transaction, the search
  index triggers included), twice: with a reader process extracting while the importer stores
  (the CPU figures count that process too, ``RUSAGE_CHILDREN``), and in one process. Which one
  the importer uses by itself depends on the cores (``READER_PROCESS_MIN_CORES``); both are
  measured whatever the machine, the two orders alternating from round to round, each into a
  store of its own.

Prints files per second and the ratio import/floor (goal: at most 1.3), for wall time and for
CPU time, with the load average before and after each round (other jobs on the machine slow
both, and not equally). ``--one-process`` leaves out the reader process (shorter runs).
Results go in docs/performance.md under "## Importing files".
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
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


def _cpu() -> float:
    """CPU seconds of this process and of its finished child processes (the reader process)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


class Clock:
    """Wall and CPU seconds since start (CPU time hides other jobs' load).

    CPU time counts the importer's reader process too (it has ended when the import returns),
    so work moved to that process is not hidden.
    """

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = _cpu()

    def read(self) -> tuple[float, float]:
        """(wall seconds, CPU seconds) since the clock started."""
        return time.perf_counter() - self.wall, _cpu() - self.cpu


Times = tuple[float, float]


def floor(html: list[Path], pdfs: list[Path]) -> tuple[Times, Times]:
    """Seconds the extraction libraries alone take: (web pages, PDFs)."""
    import trafilatura

    from services.importers.pdf import extract_pages
    from services.importers.web import TRAFILATURA_OPTIONS

    blobs = [p.read_bytes() for p in html]
    clock = Clock()
    for data in blobs:
        trafilatura.bare_extraction(data, **TRAFILATURA_OPTIONS)
    t_html = clock.read()
    blobs = [p.read_bytes() for p in pdfs]
    clock = Clock()
    for data in blobs:
        extract_pages(data)
    return t_html, clock.read()


def _children_cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def run_import(db: str, files: list[Path], reader: bool = True) -> tuple[Times, float]:
    """((wall, CPU) seconds to import ``files`` into a new case of ``db``, reader CPU seconds).

    ``reader=True`` makes the importer use a reader process whatever the number of cores;
    ``reader=False`` imports in this process alone.
    """
    import services.imports as imports

    svc = Services.open(db, auto_backup=False)
    saved = imports.READER_PROCESS_MIN_FILES, imports.READER_PROCESS_MIN_CORES
    imports.READER_PROCESS_MIN_FILES = 16 if reader else 10**9
    imports.READER_PROCESS_MIN_CORES = 1
    try:
        case = svc.cases.create(f"Benchmark {time.time()}")
        kids = _children_cpu()
        clock = Clock()
        summary = svc.imports.import_paths(case.id, files)
        took = clock.read()
        assert not summary.failed, summary.failed[:3]
        assert len(summary.imported) == len(files), (len(summary.imported), len(files))
        return took, _children_cpu() - kids
    finally:
        imports.READER_PROCESS_MIN_FILES, imports.READER_PROCESS_MIN_CORES = saved
        svc.close()


def main() -> int:
    """Build, measure, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--pdfs", type=int, default=200)
    ap.add_argument("--pdf-pages", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3, help="best of this many runs")
    ap.add_argument("--db", help="store URL (default: a new SQLite file per round)")
    ap.add_argument(
        "--one-process",
        action="store_true",
        help="measure the import in one process only (not with a reader process too)",
    )
    args = ap.parse_args()
    # (key, label, with a reader process)
    modes = [("one", "one process", False)]
    if not args.one_process:
        modes.insert(0, ("import", "with reader", True))
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

        # Interleaved rounds, best of each: other work on the machine slows single runs. CPU
        # time is reported beside wall time because it barely depends on other jobs.
        best: dict[str, Times] = {}
        # Per-round ratios: the floor and the import of one round ran side by side, under the
        # same load, so their ratio is steadier than a ratio of two best times.
        ratios: dict[str, list[float]] = {}

        def keep(key: str, value: Times) -> Times:
            old = best.get(key, (float("inf"), float("inf")))
            best[key] = (min(old[0], value[0]), min(old[1], value[1]))
            return value

        reader_cpu: dict[str, list[float]] = {"html": [], "pdf": []}
        for r in range(args.rounds):
            load = os.getloadavg()[0]
            fh, fp = floor(html, pdfs)
            keep("floor html", fh)
            keep("floor pdf", fp)
            line = [f"round {r + 1} (wall/CPU s): floor {fh[0]:.2f}/{fh[1]:.2f}"]
            line.append(f" + {fp[0]:.2f}/{fp[1]:.2f}")
            for mode, label, reader in modes if r % 2 == 0 else modes[::-1]:
                db = args.db or str(folder / f"bench-{r}-{int(reader)}.db")
                (ih, rh), (ip, rp) = run_import(db, html, reader), run_import(db, pdfs, reader)
                keep(f"{mode} html", ih)
                keep(f"{mode} pdf", ip)
                ratios.setdefault(f"{mode} html", []).append(ih[1] / fh[1])
                ratios.setdefault(f"{mode} pdf", []).append(ip[1] / fp[1])
                line.append(f", {label} {ih[0]:.2f}/{ih[1]:.2f} + {ip[0]:.2f}/{ip[1]:.2f}")
                if reader:
                    reader_cpu["html"].append(rh)
                    reader_cpu["pdf"].append(rp)
                    line.append(f" (reader process {rh:.2f} + {rp:.2f})")
            line.append(f"; load average {load:.2f} -> {os.getloadavg()[0]:.2f}")
            print("".join(line), flush=True)
        head = f"best of {args.rounds}  {'floor s':>14}{'files/s':>9}"
        for _mode, label, _reader in modes:
            head += f"{label + ' s':>16}{'files/s':>9}{'ratio':>7}"
        print(head)
        for name, key, n in (("web pages", "html", len(html)), ("PDFs", "pdf", len(pdfs))):
            for k, clock in ((0, "wall"), (1, "CPU")):
                fl = best[f"floor {key}"][k]
                row = f"{name:10}{clock:5}{fl:11.2f}{n / fl:9.1f}"
                for mode, _label, _reader in modes:
                    im = best[f"{mode} {key}"][k]
                    row += f"{im:16.2f}{n / im:9.1f}{im / fl:7.2f}"
                print(row)
            for mode, label, _reader in modes:
                what = ratios[f"{mode} {key}"]
                print(
                    f"{name:10}CPU {label}/floor per round: "
                    + ", ".join(f"{x:.2f}" for x in what)
                    + f"; median {statistics.median(what):.2f}"
                )
            if reader_cpu[key]:
                print(
                    f"{name:10}reader process CPU s per round: "
                    + ", ".join(f"{x:.2f}" for x in reader_cpu[key])
                    + " (the importer's own CPU is the rest of the import's)"
                )
        import services.imports as imports

        cores = imports._cores()
        default = "with reader" if imports._use_reader_process(len(html)) else "one process"
        print(
            f"on this machine ({cores} cores; reader from {imports.READER_PROCESS_MIN_CORES}) "
            f"the importer works {default}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
