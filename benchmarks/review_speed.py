"""Reviewing suggestions: how long accepting, re-accepting and undoing take on a long source.

    python benchmarks/review_speed.py [--words 20000] [--repeat 3] [--db URL] [--no-gui]

Builds a source of about ``--words`` words from the sample article (repeated; each copy's
quotes are distinct spans), then times on a fresh store each round:

* ``propose``: the extractor (``services.extraction.propose``), for scale;
* ``accept all``: :meth:`ReviewService.accept_all` of everything proposed, one transaction;
* ``saved keys``: which proposals are already quotes (the pane's status query);
* ``accept again``: accept all a second time (everything matched, nothing added);
* ``withdraw``: the undo of the first acceptance;
* ``pane``: the review pane showing the suggestions and painting them in the reader
  (offscreen Qt, synchronous worker), unless ``--no-gui``.

Prints the median of each. Results go in docs/performance.md ("## Extraction review").
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from models.dates import PartialDate  # noqa: E402
from services.container import Services  # noqa: E402
from services.demo import load_sample  # noqa: E402


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _long_text(words: int) -> str:
    _, raw = load_sample()
    article = raw.decode("utf-8").strip()
    copies = max(1, round(words / len(article.split())))
    return "\n".join(article for _ in range(copies))


def one_round(db: str, text: str, gui: bool) -> dict[str, float]:
    """Time each step on a fresh store."""
    svc = Services.open(db, auto_backup=False)
    try:
        data, _ = load_sample()
        case = svc.cases.create("Benchmark")
        src = svc.sources.add(
            case.id,
            title="Long report",
            text=text,
            published_on=PartialDate.parse(data["source"]["published_on"]).start,
            language="en",
        )
        out: dict[str, float] = {}
        out["propose"], x = _timed(lambda: svc.extraction.propose(src.id))
        out["accept all"], result = _timed(lambda: svc.review.accept_all(x))
        out["saved keys"], _ = _timed(lambda: svc.review.saved_keys(x))
        out["accept again"], again = _timed(lambda: svc.review.accept_all(x))
        assert not again.changed
        out["withdraw"], _ = _timed(lambda: svc.review.withdraw(result))
        out["quotes"] = len(x.quotes)
        out["proposals"] = len(x.quotes) + len(x.entities) + len(x.places) + len(x.events)
        if gui:
            out["pane"] = _time_pane(svc, src.id, x)
        return out
    finally:
        svc.close()


def _time_pane(svc: Services, source_id: int, x: Any) -> float:
    from PySide6.QtWidgets import QApplication

    from ui import workers
    from ui.panes.review_pane import ReviewPane
    from ui.reader_view import ReaderView

    app = QApplication.instance() or QApplication([])
    workers.use_synchronous_pools(True)
    reader = ReaderView()
    pane = ReviewPane(svc, reader)
    pane.extractor = lambda _sid: x  # the extractor is timed above
    t = time.perf_counter()
    pane.set_source(source_id)
    app.processEvents()
    elapsed = time.perf_counter() - t
    assert pane.model.rowCount() > 0
    pane.deleteLater()
    reader.deleteLater()
    app.processEvents()
    return elapsed


def main() -> None:
    """Run the rounds and print medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--db", help="a PostgreSQL URL (default: a temporary SQLite file)")
    ap.add_argument("--no-gui", action="store_true")
    args = ap.parse_args()
    text = _long_text(args.words)
    rounds = []
    for i in range(args.repeat):
        db = args.db or str(Path(tempfile.mkdtemp(prefix="sb-review-")) / f"r{i}.db")
        rounds.append(one_round(db, text, not args.no_gui))
    print(
        f"source: {len(text.split()):,} words, {rounds[0]['quotes']:.0f} quotes, "
        f"{rounds[0]['proposals']:.0f} proposals; median of {args.repeat} rounds"
    )
    for key in ("propose", "accept all", "saved keys", "accept again", "withdraw", "pane"):
        if key in rounds[0]:
            ms = statistics.median(r[key] for r in rounds) * 1000
            print(f"  {key:<13} {ms:9.1f} ms")


if __name__ == "__main__":
    main()
