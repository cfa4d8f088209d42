"""Export speed: a full dossier of a large case, as PDF and .docx, against the bare libraries.

    python benchmarks/bench_export.py [--quotes 1000] [--sources 200] [--repeat 3]

Builds a case (1,000 quotes, 200 sources, a tenth of it Arabic, some people and sources
confidential), then times, in the same run:

* reading the case and building the redacted brief structure;
* Sourcebook's PDF renderer and its .docx renderer on that structure;
* the bare libraries writing the same paragraphs and tables: reportlab Platypus (Paragraph and
  Table, same embedded fonts, no bidi layout) and python-docx (``add_paragraph``, ``add_table``
  rows), with no footnotes part.

Prints the median seconds of each (wall and CPU) and the CPU ratios to the bare libraries.
Results go in docs/performance.md ("## Export").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.dates import PartialDate  # noqa: E402
from models.entities import Confidentiality, SourceKind  # noqa: E402
from services.brief.model import (  # noqa: E402
    BriefOptions,
    Document,
    Heading,
    Para,
    QuoteBlock,
    Table,
    Template,
)
from services.container import Services  # noqa: E402

ARABIC = "نحن مستمرون في ملاحقة خلايا التنظيم في دير الزور"
WORDS = [
    "the",
    "campaign",
    "forces",
    "said",
    "officials",
    "reported",
    "village",
    "convoy",
    "night",
    "arrested",
    "statement",
    "coalition",
    "support",
    "operation",
    "desert",
    "border",
    "local",
    "leaders",
    "insurgency",
    "attacks",
    "province",
]


def _sentence(i: int, n: int) -> str:
    return " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(n)).capitalize() + "."


def fill(svc: Services, n_quotes: int, n_sources: int) -> int:
    """Create the benchmark case; returns its id."""
    case = svc.cases.create("Benchmark dossier", summary=_sentence(1, 40), author="Desk")
    s = svc.store.sessions.begin()
    with s as session:
        people = []
        for i in range(max(10, n_quotes // 12)):
            people.append(
                svc.people.create(
                    case.id,
                    f"Person {i} Name{i}",
                    aliases=[f"مصدر {i}"] if i % 10 == 0 else [],
                    role=_sentence(i, 4),
                    contact=f"+44 7700 9{i:05d}",
                    confidential=i % 15 == 0,
                    descriptor="a local official" if i % 15 == 0 else "",
                )
            )
        sources = []
        per_source = max(1, n_quotes // n_sources)
        for i in range(n_sources):
            quotes = [
                (ARABIC + f" {k}." if (i * per_source + k) % 10 == 0 else _sentence(i + k, 18))
                for k in range(per_source)
            ]
            text = "\n".join(f"Paragraph {k}: “{q}” More text." for k, q in enumerate(quotes))
            pages = [0] + [text.index(f"Paragraph {k}:") for k in range(2, per_source, 2)]
            sources.append(
                (
                    svc.sources.add(
                        case.id,
                        title=f"Report {i}: {_sentence(i, 8)}"
                        if i % 10
                        else f"تقرير {i} عن الحملة",
                        text=text,
                        kind=SourceKind.PDF if i % 2 else SourceKind.WEB_PAGE,
                        page_starts=pages if i % 2 else [],
                        publisher=f"Publisher {i % 17}",
                        url=f"https://example.org/reports/{i}/{'-'.join(WORDS[:6])}",
                        confidentiality=Confidentiality.CONFIDENTIAL
                        if i % 25 == 0
                        else Confidentiality.ON_RECORD,
                        session=session,
                    ),
                    text,
                    quotes,
                )
            )
        count = 0
        for i, (src, text, quotes) in enumerate(sources):
            for k, q in enumerate(quotes):
                if count >= n_quotes:
                    break
                start = text.index(f"“{q}”") + 1
                svc.quotes.create(
                    src.id,
                    start,
                    start + len(q),
                    speaker_id=people[(i + k) % len(people)].id,
                    said=PartialDate.day(2021, 1 + (i % 12), 1 + (k % 28)),
                    status="verified" if k % 3 == 0 else "unverified",
                    session=session,
                )
                count += 1
    for i in range(100):
        svc.events.create(
            case.id,
            f"Event {i}: {_sentence(i, 6)}",
            date=PartialDate.month(2021, 1 + i % 12, "late" if i % 2 else None),
            description=_sentence(i, 25),
        )
    return case.id


# --- The bare libraries, writing the same paragraphs and tables


def bare_reportlab(doc: Document, path: Path) -> None:
    """reportlab alone: a Paragraph per text and a Table per table (chunked like ours)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate
    from reportlab.platypus import Table as RLTable

    from services.brief.render_pdf import SANS, TABLE_CHUNK, register_fonts

    register_fonts()
    body = ParagraphStyle("b", fontName=SANS, fontSize=10, leading=14)
    cell = ParagraphStyle("c", fontName=SANS, fontSize=8.5, leading=11)
    story: list[Any] = []
    for b in doc.blocks:
        if isinstance(b, Heading | Para):
            story.append(Paragraph(escape(b.text), body))
        elif isinstance(b, QuoteBlock):
            story.append(Paragraph(escape(b.text), body))
            story.append(Paragraph(escape(f"— {b.speaker} · {b.date} · {b.status}"), cell))
        elif isinstance(b, Table):
            rows = [[Paragraph(escape(c), cell) for c in r] for r in b.rows]
            head = [Paragraph(escape(h), cell) for h in b.headers]
            widths = [w * (A4[0] - 120) for w in b.widths]
            for i in range(0, len(rows), TABLE_CHUNK):
                story.append(RLTable([head, *rows[i : i + TABLE_CHUNK]], colWidths=widths))
    for n in doc.notes:
        story.append(Paragraph(escape(n.text()), cell))
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def bare_docx(doc: Document, path: Path) -> None:
    """python-docx alone: add_paragraph per text, add_table with rows added one by one."""
    import docx

    d = docx.Document()
    for b in doc.blocks:
        if isinstance(b, Heading):
            d.add_heading(b.text, b.level)
        elif isinstance(b, Para):
            d.add_paragraph(b.text)
        elif isinstance(b, QuoteBlock):
            d.add_paragraph(b.text)
            d.add_paragraph(f"— {b.speaker} · {b.date} · {b.status}")
        elif isinstance(b, Table):
            t = d.add_table(rows=1, cols=len(b.headers))
            for c, h in zip(t.rows[0].cells, b.headers, strict=True):
                c.text = h
            for r in b.rows:
                cells = t.add_row().cells
                for c, v in zip(cells, r, strict=True):
                    c.text = v
    for n in doc.notes:
        d.add_paragraph(n.text())
    d.save(str(path))


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median wall-clock and CPU seconds over ``repeat`` runs, and the least CPU seconds.

    CPU time is steadier than wall time on a busy machine, and the least of several runs is
    the steadiest: other processes only ever add to it (cache and memory-bus contention).
    """
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), min(cpus)


def _fmt(t: tuple[float, float, float]) -> str:
    return f"{t[0]:6.2f} s ({t[1]:5.2f} s CPU)"


def main() -> None:
    """Build the case and print the timings."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quotes", type=int, default=1000)
    ap.add_argument("--sources", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from services.brief.render_docx import render_docx
    from services.brief.render_pdf import render_pdf

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        svc = Services.open(str(out / "bench.db"), auto_backup=False)
        t = time.perf_counter()
        case_id = fill(svc, args.quotes, args.sources)
        print(f"case built in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        opts = BriefOptions(template=Template.DOSSIER, today=dt.date(2026, 1, 1))
        ex = svc.exports
        doc = ex.document(case_id, opts)
        quotes = len(doc.quote_texts())
        build = timed(lambda: ex.document(case_id, opts), args.repeat)
        # Warm both libraries once (imports, font registration) outside the timings.
        render_pdf(doc, out / "warm.pdf")
        render_docx(doc, out / "warm.docx")
        pdf = timed(lambda: render_pdf(doc, out / "d.pdf"), args.repeat)
        docx_t = timed(lambda: render_docx(doc, out / "d.docx"), args.repeat)
        bare_pdf = timed(lambda: bare_reportlab(doc, out / "bare.pdf"), args.repeat)
        bare_dx = timed(lambda: bare_docx(doc, out / "bare.docx"), args.repeat)
        whole = timed(lambda: ex.export(case_id, opts, out / "all", ["pdf", "docx"]), 1)
        from pypdf import PdfReader

        pages = len(PdfReader(out / "d.pdf").pages)
        svc.close()
    cpus = os.cpu_count()
    load = os.getloadavg()[0]
    print(f"dossier: {quotes} quotes, {args.sources} sources, {pages} PDF pages")
    print(f"{cpus} CPUs, load average {load:.1f}; median of {args.repeat}")
    print(f"read + build + redact      {_fmt(build)}")
    print(f"PDF  Sourcebook            {_fmt(pdf)}   bare reportlab   {_fmt(bare_pdf)}")
    print(
        f"     ratio (CPU)           {pdf[1] / bare_pdf[1]:6.2f} x"
        f"   (least CPU of each: {pdf[2] / bare_pdf[2]:.2f} x)"
    )
    print(f"DOCX Sourcebook            {_fmt(docx_t)}   bare python-docx {_fmt(bare_dx)}")
    print(
        f"     ratio (CPU)           {docx_t[1] / bare_dx[1]:6.2f} x"
        f"   (least CPU of each: {docx_t[2] / bare_dx[2]:.2f} x)"
    )
    print(f"export() both formats      {_fmt(whole)}")


if __name__ == "__main__":
    main()
