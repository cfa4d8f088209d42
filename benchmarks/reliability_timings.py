"""Costs of the reliability features on a case of realistic size.

    python benchmarks/reliability_timings.py [--quotes 20000] [--pg URL]

Measures: one ChangeWatcher.poll (what the window does every few seconds), a backup, a case
archive export and import, store open and a small edit's commit, plain and encrypted.
Results go in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from models.db import open_store  # noqa: E402
from models.entities import Person, Quote, Source, SourceFile  # noqa: E402
from services.container import Services  # noqa: E402


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    runs.sort()
    return statistics.median(runs), runs[min(len(runs) - 1, int(len(runs) * 0.95))]


def fill(svc: Services, quotes: int) -> int:
    case = svc.cases.create("Benchmark case")
    n_sources = max(1, quotes // 10)
    with svc.store.sessions.begin() as s:
        people = [Person(case_id=case.id, name=f"Person {i}") for i in range(max(1, quotes // 40))]
        s.add_all(people)
        s.flush()
        for i in range(n_sources):
            body = f"Source {i}. " + "The minister said the port deal was never signed. " * 8
            f = SourceFile(
                sha256=hashlib.sha256(body.encode()).hexdigest(),
                size=len(body),
                media_type="text/plain",
                data=body.encode(),
            )
            src = Source(case_id=case.id, kind="plain_text", title=f"S{i}", text=body, file=f)
            s.add(src)
            s.flush()
            for j in range(10):
                start = 10 + j * 20
                s.add(
                    Quote(
                        case_id=case.id,
                        source_id=src.id,
                        start_offset=start,
                        end_offset=start + 15,
                        text=body[start : start + 15],
                        speaker_id=people[(i + j) % len(people)].id,
                    )
                )
    return case.id


def run(url: str, label: str, quotes: int, tmp: Path, passphrase: str | None = None) -> None:
    t = time.perf_counter()
    st = open_store(url, passphrase=passphrase)
    opened = (time.perf_counter() - t) * 1000
    svc = Services.over(st)
    case_id = fill(svc, quotes)
    person = svc.people.list(case_id, limit=1)[0]
    svc.changes.poll(case_id)
    poll = timed(lambda: svc.changes.poll(case_id), 50)

    def edit() -> None:
        p = svc.people.get(person.id)
        svc.people.update(p.id, expected_version=p.version, role=str(time.time()))

    commit = timed(edit, 100)
    print(
        f"[{label}] open {opened:.0f} ms; poll median {poll[0]:.1f} ms p95 {poll[1]:.1f} ms; "
        f"edit+commit median {commit[0]:.1f} ms p95 {commit[1]:.1f} ms"
    )
    if svc.backups.available:
        t = time.perf_counter()
        info = svc.backups.backup_now()
        print(
            f"[{label}] backup {(time.perf_counter() - t) * 1000:.0f} ms, {info.size / 1e6:.1f} MB"
        )
    out = tmp / f"{label}.sbk"
    t = time.perf_counter()
    svc.archive.export_case(case_id, out, passphrase=passphrase)
    exported = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    svc.archive.import_archive(out, passphrase=passphrase)
    imported = (time.perf_counter() - t) * 1000
    print(
        f"[{label}] archive export {exported:.0f} ms ({out.stat().st_size / 1e6:.1f} MB), "
        f"import {imported:.0f} ms"
    )
    svc.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quotes", type=int, default=20000)
    ap.add_argument("--pg", default=os.environ.get("SOURCEBOOK_TEST_PG_URL", ""))
    args = ap.parse_args()
    print(f"case of {args.quotes} quotes, {args.quotes // 10} sources, {args.quotes // 40} people")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        run(str(tmp / "plain.db"), "sqlite", args.quotes, tmp)
        run(str(tmp / "enc.db"), "sqlcipher", args.quotes, tmp, passphrase="benchmark pass")
        if args.pg:
            admin = create_engine(
                make_url(args.pg).set(database="postgres"), isolation_level="AUTOCOMMIT"
            )
            with admin.connect() as c:
                c.execute(text('DROP DATABASE IF EXISTS "sb_bench_rel"'))
                c.execute(text('CREATE DATABASE "sb_bench_rel"'))
            try:
                url = make_url(args.pg).set(database="sb_bench_rel")
                run(url.render_as_string(hide_password=False), "postgresql", args.quotes, tmp)
            finally:
                with admin.connect() as c:
                    c.execute(text('DROP DATABASE IF EXISTS "sb_bench_rel" WITH (FORCE)'))
                admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
