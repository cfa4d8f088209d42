"""Generate a large synthetic case: quotes, sources, speakers, dates, tags (benchmarks only).

``generate(url, quotes, sources, seed)`` fills a store (created and migrated if needed) with one
case holding ``sources`` sources whose texts contain ``quotes`` quotes. Word frequencies follow a
Zipf law over a vocabulary of about 60,000 words (a few hundred real English words at the head,
about 5 % of the quotes in Arabic, some with harakat); speakers are Zipf-distributed too (a few
speak a lot), dates spread over 2011–2024. One event per 100 quotes by default, dated at every
precision (days, "late January", months, years, ranges), most at a place, each linked to one to
three people and up to three sources and quotes.

Rows go in through SQLAlchemy Core bulk inserts. The search index is built after the insert
(MACHINE-NOTES: five times faster than per-row triggers): on SQLite the FTS5 triggers are dropped
during the load, then the index is rebuilt and the triggers put back; on PostgreSQL the GIN
indexes are dropped and recreated (the tsvector columns are generated at insert time).

Usage::

    python benchmarks/gen_case.py --db /tmp/big.db --quotes 1000000 --sources 100000
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.dates import PartialDate  # noqa: E402
from models.db import open_store  # noqa: E402
from models.entities import (  # noqa: E402
    Alias,
    Case,
    Event,
    Person,
    Place,
    PlaceAlias,
    Quote,
    Source,
    Tag,
    event_people,
    event_quotes,
    event_sources,
    quote_tags,
)
from services.search.bulk import sqlite_rebuild  # noqa: E402

BATCH = 20_000  # rows per executemany


def _split(words: str) -> list[str]:
    return words.split()


# Real words at the head of the Zipf distribution, so that benchmark queries mean something.
HEAD_WORDS = _split(
    """the of and to in a that is for on we it with as was be by this are not they at
have from or will but had has an their which all there been would were more one people can our
said about than what if no so who them when up out its also only into over other new some could
time these two may then first any like now my such make us over years after most very even back
government forces border city town village council military security army fighters attack
ceasefire talks agreement region water oil wells prisoners camp families children women return
negotiations withdrawal troops patrol checkpoint bridge river crossing road airport market
hospital school election militia police court trial evidence report witness commander minister
president spokesman official statement interview press conference sanctions aid convoy refugees
displaced shelling drone strike casualties killed wounded arrested released detained hostage
negotiation mediator delegation envoy embassy treaty accord truce offensive operation campaign
frontline district province capital north south east west northern southern eastern western
kurdish arab turkish russian american syrian iraqi european international local regional
contracts tender bidding company ministry budget funds money payment bank transfer invoice
audit investigation corruption bribery fraud documents leaked email meeting minutes decision
"""
)

ARABIC_WORDS = _split(
    """قال الحدود المدينة القوات الحكومة المجلس الاتفاق وقف إطلاق النار المفاوضات
الأهالي المياه النفط الآبار السجناء المخيم العائلات الأطفال النساء العودة الانسحاب الدورية
الجسر النهر المعبر الطريق المطار السوق المستشفى المدرسة الانتخابات الشرطة المحكمة الشهود
القائد الوزير الرئيس المتحدث البيان المؤتمر العقوبات المساعدات اللاجئين النازحين القصف
دير الزور الرقة الحسكة القامشلي منبج كوباني عين عيسى تل أبيض رأس العين الشدادي البوكمال الميادين
مسؤول محلي مصدر عسكري كردي عربي تركي روسي أمريكي سوري عراقي دولي إقليمي شركة وزارة ميزانية"""
)

HARAKAT = "\u064e\u064f\u0650\u0651\u0652\u064b"

FIRST = _split(
    """Ahmed Mohammed Ali Hassan Hussein Omar Khaled Mahmoud Ibrahim Youssef Mustafa Salim
Rami Samir Nadia Leila Fatima Aisha Maryam Sara Hevin Rojda Nuri Azad Shivan Dilan Zana Berivan
Anna Maria John Michael David James Robert Elena Olga Ivan Sergei Mehmet Ayse Emre Selin Can
Deniz Ilham Jamal Karim Walid Bashar Fawaz Nasser Tariq Ziad Hamid Rashid Adnan Faisal"""
)
LAST = _split(
    """Abdi Hassan Ali Khalil Haddad Mansour Saleh Najjar Rahman Yilmaz Kaya Demir Sahin
Celik Ozturk Aydin Smith Jones Brown Miller Davis Wilson Petrov Ivanov Smirnov Barzani Talabani
Osman Darwish Issa Jaber Karam Nouri Qasim Rashid Sabbagh Tamimi Wazir Zaidi Kobani Muslim Hamo
Ocalan Kurdi Shami Halabi Homsi Raqqawi Deiri Jazrawi Hasakawi Mosuli Baghdadi"""
)

PLACES = [
    ("Deir ez-Zor", ["Deir el-Zour", "Deir Ezzor", "Dayr az-Zawr", "دير الزور"]),
    ("Raqqa", ["Al-Raqqah", "Rakka", "الرقة"]),
    ("Hasakah", ["Al-Hasakah", "Hasaka", "الحسكة"]),
    ("Qamishli", ["Kamishli", "Qamişlo", "القامشلي"]),
    ("Manbij", ["Menbij", "منبج"]),
    ("Kobani", ["Ayn al-Arab", "Kobanê", "كوباني"]),
]

LEADS = [
    "{name} said: “{q}”",
    "“{q}” {name} told reporters.",
    "In an interview, {name} said “{q}”",
    "{name} added: “{q}”",
    "According to {name}, “{q}”",
]

FILLER_SENTENCES = 2  # filler sentences between quotes in a source


@dataclass(frozen=True)
class GenStats:
    """What ``generate`` made and how long it took.

    Attributes:
        case_id: The generated case.
        quotes: Quotes inserted.
        sources: Sources inserted.
        people: Speakers inserted.
        events: Events inserted.
        insert_seconds: Time to insert all rows (search index off).
        index_seconds: Time to build the search index afterwards.
        dialect: ``sqlite`` or ``postgresql``.
    """

    case_id: int
    quotes: int
    sources: int
    people: int
    events: int
    insert_seconds: float
    index_seconds: float
    dialect: str


def _syllable_words(rng: random.Random, n: int) -> list[str]:
    cons = "bcdfghjklmnprstvwz"
    vow = "aeiou"
    seen = set(HEAD_WORDS)
    out: list[str] = []
    while len(out) < n:
        k = rng.choice((2, 2, 3, 3, 3, 4))
        w = "".join(rng.choice(cons) + rng.choice(vow) for _ in range(k))
        if rng.random() < 0.3:
            w += rng.choice(cons)
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


def _zipf_cum(n: int, s: float = 1.07) -> list[float]:
    return list(itertools.accumulate(1.0 / (r**s) for r in range(1, n + 1)))


class _Words:
    """Zipf-distributed word draws over a fixed vocabulary."""

    def __init__(self, rng: random.Random, vocab: list[str]) -> None:
        self.rng = rng
        self.vocab = vocab
        self.cum = _zipf_cum(len(vocab))
        self.total = self.cum[-1]

    def sentence(self, n: int) -> str:
        rng, cum, total, vocab = self.rng, self.cum, self.total, self.vocab
        words = [vocab[bisect.bisect(cum, rng.random() * total)] for _ in range(n)]
        words[0] = words[0].capitalize()
        # Commas now and then, a full stop at the end: realistic punctuation for the tokenizer.
        for i in range(5, n - 1, rng.randint(6, 12)):
            words[i] += ","
        return " ".join(words) + "."


class _Doc:
    """A source text being written, with the current length (quote offsets)."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.pos += len(text)


def _arabic(rng: random.Random, n: int) -> str:
    words = []
    for _ in range(n):
        w = rng.choice(ARABIC_WORDS)
        if rng.random() < 0.1:  # some words carry vowel marks
            w = "".join(c + (rng.choice(HARAKAT) if rng.random() < 0.4 else "") for c in w)
        words.append(w)
    return " ".join(words) + "."


def generate(
    url: str,
    quotes: int = 1_000_000,
    sources: int = 100_000,
    seed: int = 1,
    *,
    people: int = 2_000,
    events: int | None = None,
    title: str = "Synthetic case",
    verbose: bool = False,
) -> GenStats:
    """Fill the store at ``url`` with one synthetic case and build its search index.

    Returns the new case's id and the insert and index timings. The store is created and
    migrated if it is new; other cases in it are left alone. ``events`` defaults to one per 100
    quotes.
    """
    rng = random.Random(seed)
    store = open_store(url, allow_server_upgrade=True)
    engine = store.engine
    dialect = engine.dialect.name
    vocab = HEAD_WORDS + _syllable_words(rng, 60_000 - len(HEAD_WORDS))
    words = _Words(rng, vocab)
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

    def log(msg: str) -> None:
        if verbose:
            print(msg, file=sys.stderr, flush=True)

    _search_index_off(engine)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        case_id = conn.execute(
            sa.insert(Case.__table__).values(title=title, summary="generated", author="bench")
        ).inserted_primary_key[0]
        # People: a few speak a lot (Zipf); Mazloum Abdi is known as Mazloum Kobani too.
        names = ["Mazloum Abdi"]
        seen_names = set(names)
        while len(names) < people:
            n = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if n in seen_names:
                n = f"{n} {len(names)}"
            seen_names.add(n)
            names.append(n)
        person_rows = [
            {"case_id": case_id, "name": n, "role": "", "created_at": now, "updated_at": now}
            for n in names
        ]
        conn.execute(sa.insert(Person.__table__), person_rows)
        person_ids = list(
            conn.execute(
                sa.select(Person.__table__.c.id)
                .where(Person.__table__.c.case_id == case_id)
                .order_by(Person.__table__.c.id)
            ).scalars()
        )
        alias_rows = [{"person_id": person_ids[0], "name": "Mazloum Kobani"}]
        alias_rows += [
            {"person_id": pid, "name": f"{names[i].split()[0]} {rng.choice(LAST)}"}
            for i, pid in enumerate(person_ids[1:], start=1)
            if rng.random() < 0.3
        ]
        alias_rows = list({(r["person_id"], r["name"]): r for r in alias_rows}.values())
        conn.execute(sa.insert(Alias.__table__), alias_rows)
        tag_names = ["border", "water", "prisoners", "oil", "contracts", "ceasefire", "aid"]
        conn.execute(sa.insert(Tag.__table__), [{"case_id": case_id, "name": t} for t in tag_names])
        tag_ids = list(
            conn.execute(
                sa.select(Tag.__table__.c.id).where(Tag.__table__.c.case_id == case_id)
            ).scalars()
        )
        place_ids = []
        for pname, aliases in PLACES:
            pid = conn.execute(
                sa.insert(Place.__table__).values(
                    case_id=case_id, name=pname, created_at=now, updated_at=now
                )
            ).inserted_primary_key[0]
            conn.execute(
                sa.insert(PlaceAlias.__table__), [{"place_id": pid, "name": a} for a in aliases]
            )
            place_ids.append(pid)
    speaker_cum = _zipf_cum(len(person_ids), 0.9)
    speaker_total = speaker_cum[-1]
    start_day = dt.date(2011, 1, 1).toordinal()
    span_days = dt.date(2024, 12, 31).toordinal() - start_day
    statuses = ["unverified"] * 6 + ["verified"] * 3 + ["disputed"]
    kinds = ["web_page"] * 6 + ["pdf"] * 2 + ["word", "email", "interview_note"]

    # Quotes per source: the total split as evenly as possible, with some spread.
    per_source = [quotes // sources] * sources
    for i in range(quotes - sum(per_source)):
        per_source[i % sources] += 1
    for _ in range(sources // 2):
        a, b = rng.randrange(sources), rng.randrange(sources)
        if per_source[a] > 1:
            per_source[a] -= 1
            per_source[b] += 1

    first_source_id = _next_id(engine, Source.__table__)
    first_quote_id = _next_id(engine, Quote.__table__)
    src_rows: list[dict[str, object]] = []
    q_rows: list[dict[str, object]] = []
    tag_rows: list[dict[str, object]] = []
    qid = first_quote_id
    made_quotes = 0
    with engine.begin() as conn:
        for si in range(sources):
            sid = first_source_id + si
            day = start_day + rng.randrange(span_days)
            doc = _Doc()
            add = doc.add
            add(words.sentence(rng.randint(8, 20)) + " ")
            for _ in range(per_source[si]):
                arabic = rng.random() < 0.05
                qtext = (
                    _arabic(rng, rng.randint(8, 30))
                    if arabic
                    else words.sentence(max(6, int(rng.lognormvariate(3.1, 0.45))))
                )
                sp = bisect.bisect(speaker_cum, rng.random() * speaker_total)
                lead = rng.choice(LEADS)
                before, after = lead.split("{q}")
                before = before.format(name=names[sp])
                after = after.format(name=names[sp])
                add(before)
                start = doc.pos
                add(qtext)
                end = doc.pos
                add(after + " ")
                for _ in range(rng.randint(0, FILLER_SENTENCES)):
                    add(words.sentence(rng.randint(8, 24)) + " ")
                qday = day - rng.randrange(30)
                q_rows.append(
                    {
                        "id": qid,
                        "case_id": case_id,
                        "source_id": sid,
                        "start_offset": start,
                        "end_offset": end,
                        "text": qtext,
                        "speaker_id": person_ids[sp],
                        "said_start": dt.date.fromordinal(qday),
                        "said_end": dt.date.fromordinal(qday),
                        "said_precision": "day",
                        "status": rng.choice(statuses),
                        "language": "ar" if arabic else "en",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                if rng.random() < 0.1:
                    tag_rows.append({"quote_id": qid, "tag_id": rng.choice(tag_ids)})
                qid += 1
                made_quotes += 1
            src_rows.append(
                {
                    "id": sid,
                    "case_id": case_id,
                    "kind": rng.choice(kinds),
                    "title": words.sentence(rng.randint(4, 10)).rstrip("."),
                    "author": names[rng.randrange(len(names))],
                    "publisher": rng.choice(["Reuters", "AFP", "Rudaw", "Enab Baladi", "BBC"]),
                    "url": f"https://example.org/{sid}",
                    "published_on": dt.date.fromordinal(day),
                    "language": "en",
                    "text": "".join(doc.parts).rstrip(),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if len(q_rows) >= BATCH or si == sources - 1:
                conn.execute(sa.insert(Source.__table__), src_rows)
                conn.execute(sa.insert(Quote.__table__), q_rows)
                if tag_rows:
                    conn.execute(sa.insert(quote_tags), tag_rows)
                src_rows, q_rows, tag_rows = [], [], []
                log(f"  {made_quotes:,} quotes, {si + 1:,} sources")
    n_events = quotes // 100 if events is None else events
    _insert_events(
        engine,
        rng,
        words,
        case_id=case_id,
        count=n_events,
        person_ids=person_ids,
        place_ids=place_ids,
        source_ids=(first_source_id, first_source_id + sources),
        quote_ids=(first_quote_id, qid),
        speaker_cum=speaker_cum,
        now=now,
    )
    log(f"  {n_events:,} events")
    _fix_sequences(engine)
    insert_s = time.perf_counter() - t0
    log(f"inserted in {insert_s:.1f} s; indexing")
    t1 = time.perf_counter()
    _search_index_on(engine)
    index_s = time.perf_counter() - t1
    log(f"indexed in {index_s:.1f} s")
    _analyze(engine)
    store.close()
    return GenStats(
        case_id, made_quotes, sources, len(person_ids), n_events, insert_s, index_s, dialect
    )


# How precisely the generated events are dated (weights): mostly days, some partial dates.
EVENT_PRECISIONS = (
    ("day", 55),
    ("early_month", 5),
    ("mid_month", 5),
    ("late_month", 8),
    ("month", 12),
    ("year", 5),
    ("approximate", 3),
    ("range", 7),
)


def _event_date(rng: random.Random, precision: str, day: dt.date) -> PartialDate:
    """A date of ``precision`` around ``day``, built as the app builds it."""
    if precision == "day":
        return PartialDate.day(day.year, day.month, day.day)
    if precision.endswith("_month"):
        return PartialDate.month(day.year, day.month, precision.split("_")[0])
    if precision == "month":
        return PartialDate.month(day.year, day.month)
    if precision == "year":
        return PartialDate.year(day.year)
    end = day + dt.timedelta(days=rng.randint(2, 60))
    return PartialDate.between(day, end, approximate=precision == "approximate")


def _insert_events(
    engine: sa.Engine,
    rng: random.Random,
    words: _Words,
    *,
    case_id: int,
    count: int,
    person_ids: list[int],
    place_ids: list[int],
    source_ids: tuple[int, int],
    quote_ids: tuple[int, int],
    speaker_cum: list[float],
    now: dt.datetime,
) -> None:
    """``count`` events of the case, linked to people (Zipf, like speakers), sources, quotes."""
    if count <= 0:
        return
    precisions = [p for p, _ in EVENT_PRECISIONS]
    weights = [w for _, w in EVENT_PRECISIONS]
    start_day = dt.date(2011, 1, 1).toordinal()
    span_days = dt.date(2024, 12, 31).toordinal() - start_day
    first_id = _next_id(engine, Event.__table__)
    rows: list[dict[str, object]] = []
    links: dict[sa.Table, list[dict[str, object]]] = {
        event_people: [],
        event_sources: [],
        event_quotes: [],
    }
    with engine.begin() as conn:
        for i in range(count):
            eid = first_id + i
            precision = rng.choices(precisions, weights)[0]
            date = _event_date(
                rng, precision, dt.date.fromordinal(start_day + rng.randrange(span_days))
            )
            rows.append(
                {
                    "id": eid,
                    "case_id": case_id,
                    "title": words.sentence(rng.randint(4, 9)).rstrip("."),
                    "date_start": date.start,
                    "date_end": date.end,
                    "date_precision": date.precision.value,
                    "place_id": rng.choice(place_ids) if rng.random() < 0.8 else None,
                    "description": words.sentence(rng.randint(10, 30)),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            people = {
                person_ids[bisect.bisect(speaker_cum, rng.random() * speaker_cum[-1])]
                for _ in range(rng.randint(1, 3))
            }
            links[event_people] += [{"event_id": eid, "person_id": p} for p in people]
            for table, (lo, hi), column in (
                (event_sources, source_ids, "source_id"),
                (event_quotes, quote_ids, "quote_id"),
            ):
                if hi > lo:
                    picked = {rng.randrange(lo, hi) for _ in range(rng.randint(0, 3))}
                    links[table] += [{"event_id": eid, column: x} for x in picked]
            if len(rows) >= BATCH or i == count - 1:
                conn.execute(sa.insert(Event.__table__), rows)
                for table, link_rows in links.items():
                    if link_rows:
                        conn.execute(sa.insert(table), link_rows)
                    link_rows.clear()
                rows = []


def _next_id(engine: sa.Engine, table: sa.Table | sa.FromClause) -> int:
    with engine.connect() as conn:
        top = conn.execute(sa.select(sa.func.max(table.c.id))).scalar()
    return int(top or 0) + 1


def _fix_sequences(engine: sa.Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for t in ("sources", "quotes", "events"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {t}))"
            )


def _migration() -> object:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "models/migrations/versions/0002_search.py"
    spec = importlib.util.spec_from_file_location("_search_migration", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _search_index_off(engine: sa.Engine) -> None:
    mig = _migration()
    stmts = (
        mig.sqlite_drop_triggers()  # type: ignore[attr-defined]
        if engine.dialect.name == "sqlite"
        else mig.pg_drop_indexes()  # type: ignore[attr-defined]
    )
    with engine.begin() as conn:
        for s in stmts:
            conn.exec_driver_sql(s)


def _search_index_on(engine: sa.Engine) -> None:
    mig = _migration()
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for s in mig.sqlite_refresh_tags():  # type: ignore[attr-defined]
                conn.exec_driver_sql(s)
            sqlite_rebuild(conn)  # with a large FTS5 hash: 30-40 % less CPU
            stmts = mig.sqlite_triggers()  # type: ignore[attr-defined]
        else:
            stmts = mig.pg_indexes()  # type: ignore[attr-defined]
        for s in stmts:
            conn.exec_driver_sql(s)


def _analyze(engine: sa.Engine) -> None:
    # PostgreSQL's autovacuum would analyze the new rows soon anyway. SQLite stores are never
    # analyzed by the app (MACHINE-NOTES: ANALYZE made one plan 3-5x slower), so neither here.
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def main() -> None:
    """Command line: generate a case into a store."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="SQLite file or database URL")
    ap.add_argument("--quotes", type=int, default=1_000_000)
    ap.add_argument("--sources", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    stats = generate(args.db, args.quotes, args.sources, args.seed, verbose=True)
    rate = stats.quotes / stats.index_seconds if stats.index_seconds else 0
    print(
        f"case {stats.case_id}: {stats.quotes:,} quotes, {stats.sources:,} sources, "
        f"{stats.events:,} events on {stats.dialect}; insert {stats.insert_seconds:.1f} s, "
        f"index {stats.index_seconds:.1f} s ({rate:,.0f} quotes/s)"
    )


if __name__ == "__main__":
    main()
