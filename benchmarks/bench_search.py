"""Search benchmark: index build rate and query latency at 1,000,000 quotes, SQLite and PostgreSQL.

Generates the case with ``benchmarks/gen_case.py`` when the store is empty, then:

* index build: the SQLite FTS5 tables rebuilt from scratch (quotes and sources timed apart),
  the PostgreSQL GIN indexes dropped and recreated;
* p50 / p95 of single-word, two-word, phrase, prefix and filtered queries returning the top 50
  quotes with snippets, through ``SearchService.search``;
* the same single words with a naive ``LIKE '%word%'`` scan, newest first, top 50: the baseline.

Usage::

    python benchmarks/bench_search.py --sqlite /tmp/big.db [--pg postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.gen_case import HEAD_WORDS, _migration, generate  # noqa: E402
from models.db import create_store_engine, resolve_url  # noqa: E402
from models.entities import Person, Quote, Tag  # noqa: E402
from services.container import Services  # noqa: E402
from services.search.bulk import sqlite_rebuild  # noqa: E402


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))
    return xs[k]


def _queries(svc: Services, case_id: int, n: int, seed: int) -> dict[str, list[str]]:
    """Query strings per form, drawn from the case's own words, speakers, tags and dates."""
    rng = random.Random(seed)
    engine = svc.store.engine
    content = [w for w in HEAD_WORDS if len(w) > 3]
    with engine.connect() as conn:
        q = Quote.__table__
        top = int(conn.execute(sa.select(sa.func.max(q.c.id))).scalar() or 1)
        texts: list[str] = []
        while len(texts) < n:
            row = conn.execute(
                sa.select(q.c.text).where(q.c.id == rng.randint(1, top), q.c.language == "en")
            ).first()
            if row is not None:
                texts.append(str(row[0]))
        people = list(
            conn.execute(
                sa.select(Person.__table__.c.name)
                .where(Person.__table__.c.case_id == case_id)
                .order_by(Person.__table__.c.id)
                .limit(200)
            ).scalars()
        )
        tags = list(
            conn.execute(
                sa.select(Tag.__table__.c.name).where(Tag.__table__.c.case_id == case_id)
            ).scalars()
        )
    phrases = []
    for t in texts:
        words = [w.strip(",.").lower() for w in t.split()]
        i = rng.randrange(max(1, len(words) - 1))
        phrases.append('"' + " ".join(words[i : i + 2]) + '"')
    return {
        "single word": [rng.choice(content) for _ in range(n)],
        "two words": [f"{rng.choice(content)} {rng.choice(content)}" for _ in range(n)],
        "phrase": phrases,
        "prefix (4 letters)": [rng.choice(content)[:4] + "*" for _ in range(n)],
        "prefix (2 letters)": [rng.choice(content)[:2] + "*" for _ in range(n)],
        "filtered: speaker + word": [
            f'speaker:"{rng.choice(people)}" {rng.choice(content)}' for _ in range(n)
        ],
        "filtered: month + word": [
            f"said:{rng.randint(2011, 2024)}-{rng.randint(1, 12):02d} {rng.choice(content)}"
            for _ in range(n)
        ],
        "filtered: tag + kind + word": [
            f"tag:{rng.choice(tags)} kind:pdf {rng.choice(content)}" for _ in range(n)
        ],
        "filtered: place": ['place:"Deir el-Zour"', "place:Raqqa", 'place:"دير الزور"'] * (n // 3),
    }


_CPU: list[float] = []  # CPU ms of each timed call (this process: SQLite runs in it)


def _time(fn: Callable[[], object]) -> float:
    c = time.process_time()
    t = time.perf_counter()
    fn()
    _CPU.append((time.process_time() - c) * 1000)
    return (time.perf_counter() - t) * 1000


def bench_queries(url: str, n: int, seed: int) -> list[tuple[str, float, float, str]]:
    """p50/p95 (ms) per query form through the service, plus the LIKE baseline."""
    svc = Services.open(url, auto_backup=False)
    try:
        case_id = 1
        forms = _queries(svc, case_id, n, seed)
        out: list[tuple[str, float, float, str]] = []
        for q in forms["single word"][:5]:  # warm the caches (people index, pages)
            svc.search.search(case_id, q)
        for form, qs in forms.items():
            times, ranked = [], 0
            _CPU.clear()
            for q in qs:
                res = None

                def run(q: str = q) -> None:
                    nonlocal res
                    res = svc.search.search(case_id, q, limit=50, kind="quotes")

                times.append(_time(run))
                ranked += bool(res is not None and res.ranked)
            cpu = f"CPU p50 {statistics.median(_CPU):.1f} p95 {_pct(_CPU, 95):.1f} ms"
            out.append(
                (
                    form,
                    statistics.median(times),
                    _pct(times, 95),
                    f"{ranked}/{len(qs)} ranked; {cpu}",
                )
            )
            print(f"  {form:30} p50 {out[-1][1]:8.1f} ms  p95 {out[-1][2]:8.1f} ms  {out[-1][3]}")
        # Quotes and sources together, as the window asks.
        _CPU.clear()
        times = [_time(lambda q=q: svc.search.search(case_id, q)) for q in forms["single word"]]
        cpu = f"CPU p50 {statistics.median(_CPU):.1f} p95 {_pct(_CPU, 95):.1f} ms"
        out.append(
            ("single word, quotes + sources", statistics.median(times), _pct(times, 95), cpu)
        )
        print(f"  {out[-1][0]:30} p50 {out[-1][1]:8.1f} ms  p95 {out[-1][2]:8.1f} ms  {cpu}")
        # The naive baseline: LIKE over the quote text, newest first.
        q = Quote.__table__
        times = []
        _CPU.clear()
        with svc.store.engine.connect() as conn:
            for w in forms["single word"][: max(5, n // 4)]:
                stmt = (
                    sa.select(q.c.id, q.c.text)
                    .where(q.c.case_id == case_id, q.c.text.ilike(f"%{w}%"))
                    .order_by(q.c.id.desc())
                    .limit(50)
                )
                times.append(_time(lambda stmt=stmt: conn.execute(stmt).all()))
                stmt2 = sa.select(sa.func.count()).where(
                    q.c.case_id == case_id, q.c.text.ilike(f"%{w}%")
                )
                times[-1] += _time(lambda stmt2=stmt2: conn.execute(stmt2).scalar())
        out.append(("baseline: LIKE word + count", statistics.median(times), _pct(times, 95), ""))
        print(f"  {out[-1][0]:30} p50 {out[-1][1]:8.1f} ms  p95 {out[-1][2]:8.1f} ms")
        print(f"  load average during the run: {os.getloadavg()}")
        return out
    finally:
        svc.close()


def bench_index(url: str) -> dict[str, float]:
    """Seconds to build the search index from scratch over the rows already there."""
    engine = create_store_engine(resolve_url(url))
    mig = _migration()
    out: dict[str, float] = {}
    with engine.connect() as conn:
        out["quotes"] = float(conn.execute(sa.text("SELECT count(*) FROM quotes")).scalar() or 0)
        out["sources"] = float(conn.execute(sa.text("SELECT count(*) FROM sources")).scalar() or 0)
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            for s in mig.sqlite_drop_triggers():  # type: ignore[attr-defined]
                conn.exec_driver_sql(s)
        t = time.perf_counter()
        with engine.begin() as conn:
            for s in mig.sqlite_refresh_tags():  # type: ignore[attr-defined]
                conn.exec_driver_sql(s)
        out["tags_s"] = time.perf_counter() - t
        for table in ("fts_quotes", "fts_sources"):
            t, c = time.perf_counter(), time.process_time()
            with engine.begin() as conn:
                sqlite_rebuild(conn, [table])  # as gen_case.py does it (large FTS5 hash)
            out[f"{table}_s"] = time.perf_counter() - t
            out[f"{table}_cpu"] = time.process_time() - c  # SQLite works in this process
        with engine.begin() as conn:
            for s in mig.sqlite_triggers():  # type: ignore[attr-defined]
                conn.exec_driver_sql(s)
    else:
        with engine.begin() as conn:
            for s in mig.pg_drop_indexes():  # type: ignore[attr-defined]
                conn.exec_driver_sql(s)
        for table in ("quotes", "sources"):
            t = time.perf_counter()
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    f"CREATE INDEX IF NOT EXISTS search_{table}_vec ON {table} "
                    "USING gin (search_vec)"
                )
            out[f"{table}_gin_s"] = time.perf_counter() - t
    engine.dispose()
    return out


def _ensure(url: str, quotes: int, sources: int, seed: int) -> None:
    svc = Services.open(url, auto_backup=False)
    try:
        have = svc.quotes.count(1) if svc.cases.list() else 0
    finally:
        svc.close()
    if have == 0:
        print(f"generating {quotes:,} quotes, {sources:,} sources in {url}", flush=True)
        st = generate(url, quotes, sources, seed, verbose=True)
        print(
            f"  insert {st.insert_seconds:.1f} s, index after insert {st.index_seconds:.1f} s",
            flush=True,
        )


def main() -> None:
    """Run the benchmark on the stores given."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sqlite", help="SQLite file (generated if empty)")
    ap.add_argument("--pg", help="PostgreSQL URL (generated if empty)")
    ap.add_argument("--quotes", type=int, default=1_000_000)
    ap.add_argument("--sources", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=40, help="queries per form")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-index", action="store_true", help="skip the index rebuild timing")
    args = ap.parse_args()
    for name, url in (("SQLite", args.sqlite), ("PostgreSQL", args.pg)):
        if not url:
            continue
        print(f"== {name}", flush=True)
        _ensure(url, args.quotes, args.sources, 1)
        if not args.no_index:
            ix = bench_index(url)
            print("  index build:", {k: round(v, 1) for k, v in ix.items()}, flush=True)
            for k, v in ix.items():
                if (k.endswith("_s") or k.endswith("_cpu")) and k != "tags_s" and v:
                    rows = ix["quotes"] if "quotes" in k else ix["sources"]
                    print(f"    {k}: {rows / v:,.0f} rows/s", flush=True)
        print(f"  load average: {os.getloadavg()}", flush=True)
        bench_queries(url, args.runs, args.seed)


if __name__ == "__main__":
    main()
