"""The search use cases: ranked search with snippets, batch search, saved searches.

One query language (``services.search.query``) is compiled for each engine
(``services.search.compile``). How a query runs depends on what it asks, because the engines
cannot do everything fast (figures in docs/performance.md, "## Search"):

* Few text matches (at most ``RANK_CAP``): every match is ranked (FTS5 ``bm25`` / PostgreSQL
  ``ts_rank``) and the total is exact.
* Many text matches: ranking them all would take seconds on SQLite (bm25 over every match of a
  common word), so the newest ``RANK_WINDOW`` matches (``SOURCE_RANK_WINDOW`` for sources) that
  pass the filters are ranked and the older ones follow them newest first (``rank_window`` in
  the results says so); the total is counted up to ``COUNT_CAP``. Both engines rank the same
  window, so they return the same rows. Ranking and counting happen inside the database: only
  the page's rows reach Python.
* Filters with text (``speaker:``, ``said:``, ``tag:``...): on SQLite, FTS5 cannot use the
  filters' B-tree indexes, so when the filter selects few rows (``FILTER_FIRST_CAP``) those rows
  are checked one by one against the index (a rowid lookup each) and ranked here in Python with
  BM25; otherwise the text matches are scanned newest first and filtered. PostgreSQL combines its
  GIN and B-tree indexes by itself.

Names in filters (speakers with their aliases, tags, places with their spellings, cases) are
looked up at query time, so a new alias counts at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models.entities import (
    Alias,
    Case,
    Person,
    Place,
    PlaceAlias,
    Quote,
    SavedSearch,
    Source,
    Tag,
    quote_places,
    quote_tags,
    source_places,
)
from services.base import Service, get_or_raise
from services.errors import DuplicateError, ValidationError
from services.lists import read_saved_searches, reading
from services.search.compile import Compiled, Compiler, Kind, compiler_for
from services.search.dto import (
    BatchLine,
    SavedSearchDTO,
    SearchGroup,
    SearchHit,
    SearchResults,
)
from services.search.highlight import find_matches, matcher, snippet
from services.search.query import And, Filter, Node, Text, parse, text_leaves, tokens

SearchKind = Literal["quotes", "sources", "both"]
GroupBy = Literal["speaker", "source"] | None

RANK_CAP = 1_000  # text matches ranked in full; above this, newest first
FILTER_FIRST_CAP = 200  # rows a filter may select for the filter-first plan (SQLite)
SET_CAP = 30_000  # rows a filter may select to be applied as a set of ids (SQLite)
RANK_FILTERED_CAP = 3_000  # filtered matches ranked in full when the text matches are few
RANK_WINDOW = 2_000  # more matches than can be ranked: the newest this many are ranked
# Sources are ranked in a smaller window: a source is 20 times longer than a quote, so bm25
# costs more per row (2,000 newest sources of a common word: 8-11 ms of CPU, 1,000: 5-8 ms), and
# the newest 1,000 sources hold the text of 20,000 quotes. Both engines use the same windows.
SOURCE_RANK_WINDOW = 1_000
COUNT_CAP = 10_000  # matches counted before a total becomes "at least"
# tag: + kind: + a word with more matches than this: the tag's name in the index is used to find
# the few matches holding both (``_sqlite_tag_kind``); for rarer words it costs more than it saves.
TAG_NAME_CAP = 50_000
MAX_LIMIT = 10_000  # hits per page
BATCH_MAX_LINES = 5_000
_BM25_K1 = 1.2
_BM25_B = 0.75

_QUOTES = Quote.__table__
_SOURCES = Source.__table__


def _window_for(kind: Kind) -> int:
    """How many of the newest matches are ranked when there are too many to rank them all."""
    return RANK_WINDOW if kind == "quote" else min(RANK_WINDOW, SOURCE_RANK_WINDOW)


@functools.lru_cache(maxsize=100_000)
def _name_tokens(name: str) -> tuple[str, ...]:
    # Folding thousands of names on every keystroke cost more than the search itself.
    return tokens(name)


_PeopleIndex = dict[str, list[tuple[int, tuple[str, ...]]]]
_people_cache: dict[tuple[str, int | None], tuple[tuple[Any, ...], _PeopleIndex]] = {}
_people_lock = threading.Lock()


def _people_index(s: Session, case_id: int | None) -> _PeopleIndex:
    """Each name and alias of the case's people under each of its folded words.

    Built once and reused while a cheap signature of the people and alias tables is unchanged
    (loading and folding thousands of names cost more than the search itself).
    """
    p = Person.__table__
    a = Alias.__table__
    scope = [] if case_id is None else [p.c.case_id == case_id]
    sig = tuple(
        s.execute(
            sa.select(sa.func.count(), sa.func.max(p.c.updated_at), sa.func.sum(p.c.version))
            .select_from(p)
            .where(*scope)
        ).one()
    ) + tuple(
        s.execute(
            sa.select(sa.func.count(), sa.func.max(a.c.id), sa.func.sum(a.c.person_id))
            .select_from(a.join(p, p.c.id == a.c.person_id))
            .where(*scope)
        ).one()
    )
    key = (str(s.get_bind().engine.url), case_id)
    with _people_lock:
        hit = _people_cache.get(key)
    if hit is not None and hit[0] == sig:
        return hit[1]
    rows = list(s.execute(sa.select(p.c.id, p.c.name).where(*scope)))
    rows += list(
        s.execute(sa.select(a.c.person_id, a.c.name).join(p, p.c.id == a.c.person_id).where(*scope))
    )
    index: _PeopleIndex = {}
    for i, n in rows:
        toks = _name_tokens(n)
        for w in set(toks):
            index.setdefault(w, []).append((int(i), toks))
    with _people_lock:
        if len(_people_cache) > 64:
            _people_cache.clear()
        _people_cache[key] = (sig, index)
    return index


@dataclass
class _Names:
    """Name lookups for one search (loaded on first use, scoped to the case)."""

    session: Session
    case_id: int | None
    _people: _PeopleIndex | None = None
    _memo: dict[tuple[str, tuple[str, ...], bool], list[int]] = field(default_factory=dict)
    _tags: list[tuple[int, tuple[str, ...]]] | None = None
    _places: list[tuple[int, str, tuple[str, ...]]] | None = None
    _only: list[int | None] = field(default_factory=list)

    def only_case(self) -> int | None:
        """The store's only case (None: several or none), looked up once per search."""
        if not self._only:
            self._only.append(_only_case(self.session))
        return self._only[0]

    def _scope(self, col: Any) -> list[ColumnElement[bool]]:
        return [] if self.case_id is None else [col == self.case_id]

    def people(self, words: tuple[str, ...], prefix: bool) -> list[int]:
        """People with a name or alias holding ``words`` in a row."""
        if self._people is None:
            self._people = _people_index(self.session, self.case_id)
        key = ("people", words, prefix)
        if key not in self._memo:
            if prefix and len(words) == 1:
                cands = [e for w, es in self._people.items() if w.startswith(words[0]) for e in es]
            else:
                cands = self._people.get(words[0], [])
            self._memo[key] = sorted({i for i, toks in cands if _contains(toks, words, prefix)})
        return self._memo[key]

    def tags(self, words: tuple[str, ...], prefix: bool, within: bool = False) -> list[int]:
        """Tags whose name is ``words`` (or starts so, with a prefix; ``within``: holds them)."""
        if self._tags is None:
            t = Tag.__table__
            rows = self.session.execute(
                sa.select(t.c.id, t.c.name).where(*self._scope(t.c.case_id))
            )
            self._tags = [(int(i), _name_tokens(n)) for i, n in rows]
        test = _contains if within else _equal
        return sorted({i for i, toks in self._tags if test(toks, words, prefix)})

    def places(self, words: tuple[str, ...], prefix: bool) -> tuple[list[int], list[str]]:
        """Places with a spelling holding ``words`` in a row, and all their spellings."""
        if self._places is None:
            p = Place.__table__
            a = PlaceAlias.__table__
            rows = list(
                self.session.execute(sa.select(p.c.id, p.c.name).where(*self._scope(p.c.case_id)))
            )
            rows += list(
                self.session.execute(
                    sa.select(a.c.place_id, a.c.name)
                    .join(p, p.c.id == a.c.place_id)
                    .where(*self._scope(p.c.case_id))
                )
            )
            self._places = [(int(i), str(n), _name_tokens(n)) for i, n in rows]
        ids = sorted({i for i, _n, toks in self._places if _contains(toks, words, prefix)})
        spellings = [n for i, n, _t in self._places if i in ids]
        return ids, spellings

    def place_linked(self, place_ids: list[int], kind: Kind) -> bool:
        """Whether any quote (or source) is linked to one of the places."""
        link = quote_places if kind == "quote" else source_places
        found = self.session.execute(
            sa.select(link.c.place_id).where(link.c.place_id.in_(place_ids)).limit(1)
        ).first()
        return found is not None

    def cases(self, value: str, words: tuple[str, ...]) -> list[int]:
        """Cases by id or by words of their title."""
        c = Case.__table__
        if value.isdigit():
            found = self.session.execute(sa.select(c.c.id).where(c.c.id == int(value))).scalar()
            return [int(found)] if found is not None else []
        rows = self.session.execute(sa.select(c.c.id, c.c.title))
        return sorted(int(i) for i, t in rows if _contains(_name_tokens(t), words, False))


def _contains(hay: tuple[str, ...], words: tuple[str, ...], prefix: bool) -> bool:
    n = len(words)
    if not n or n > len(hay):
        return False
    for i in range(len(hay) - n + 1):
        if hay[i : i + n - 1] == words[:-1] and (
            hay[i + n - 1].startswith(words[-1]) if prefix else hay[i + n - 1] == words[-1]
        ):
            return True
    return False


def _equal(hay: tuple[str, ...], words: tuple[str, ...], prefix: bool) -> bool:
    if prefix:
        return len(hay) >= len(words) and _contains(hay[: len(words)], words, True)
    return hay == words


@dataclass
class _KindResult:
    ids: list[int]
    scores: dict[int, float]
    total: int
    exact: bool
    ranked: bool
    extra: list[Text] = field(default_factory=list)
    window: int = 0  # ranked among the newest ``window`` matches only (0: all ranked)


class SearchService(Service):
    """Full-text search over quotes and sources, on SQLite (FTS5) and PostgreSQL (tsvector)."""

    # --- Queries

    @staticmethod
    def parse_query(query: str) -> Node:
        """The query's tree.

        Raises:
            QuerySyntaxError: the query is malformed; the message says what to change.
        """
        return parse(query)

    def search(
        self,
        case_id: int | None,
        query: str,
        *,
        limit: int = 50,
        offset: int = 0,
        kind: SearchKind = "both",
        group_by: GroupBy = None,
    ) -> SearchResults:
        """Quotes and sources matching ``query`` in case ``case_id`` (None: every case).

        Hits come best first when they can all be ranked quickly (``ranked``), else newest
        first. Each hit has a snippet with the matches marked ⟦ ⟧ and the match offsets in its
        text. ``group_by`` ("speaker" or "source") also groups the quote hits.

        Raises:
            QuerySyntaxError: the query is malformed.
            ValidationError: a bad limit, offset, kind or grouping.
        """
        tree = parse(query)
        if kind not in ("quotes", "sources", "both"):
            raise ValidationError("search kind must be quotes, sources or both")
        if group_by not in (None, "speaker", "source"):
            raise ValidationError("results can be grouped by speaker or by source")
        if limit < 0 or offset < 0:
            raise ValidationError("limit and offset cannot be negative")
        limit = min(limit, MAX_LIMIT)
        with self._read() as s:
            names = _Names(s, case_id)
            leaves = text_leaves(tree)
            q_hits: tuple[SearchHit, ...] = ()
            s_hits: tuple[SearchHit, ...] = ()
            q_res = s_res = _KindResult([], {}, 0, True, True)
            if kind in ("quotes", "both"):
                q_res = self._run(s, names, tree, leaves, "quote", case_id, limit, offset)
                q_hits = self._quote_hits(s, q_res, leaves)
            if kind in ("sources", "both"):
                s_res = self._run(s, names, tree, leaves, "source", case_id, limit, offset)
                s_hits = self._source_hits(s, s_res, leaves)
            groups = self._groups(s, q_hits, group_by) if group_by else ()
        return SearchResults(
            query=query,
            quotes=q_hits,
            sources=s_hits,
            quote_total=q_res.total,
            source_total=s_res.total,
            quote_total_exact=q_res.exact,
            source_total_exact=s_res.exact,
            ranked=q_res.ranked and s_res.ranked,
            groups=groups,
            rank_window=max(q_res.window, s_res.window),
            source_rank_window=s_res.window,
        )

    def ids(
        self, case_id: int | None, query: str, kind: Literal["quotes", "sources"] = "quotes"
    ) -> list[int]:
        """Every matching quote (or source) id, newest first (an export selection)."""
        tree = parse(query)
        k: Kind = "quote" if kind == "quotes" else "source"
        with self._read() as s:
            return self._all_ids(s, _Names(s, case_id), tree, k, case_id)

    def count(self, case_id: int | None, query: str) -> tuple[int, int]:
        """Exact numbers of matching quotes and sources (can take a while for common words)."""
        tree = parse(query)
        with self._read() as s:
            names = _Names(s, case_id)
            return (
                len(self._all_ids(s, names, tree, "quote", case_id)),
                len(self._all_ids(s, names, tree, "source", case_id)),
            )

    def batch(self, case_id: int | None, lines: Iterable[str]) -> list[BatchLine]:
        """Search each line (a name or a term; a query with operators is run as written).

        A line of several plain words is searched as a phrase, so "Mazloum Abdi" finds the
        name, not every quote with "Mazloum" and "Abdi" apart. Blank lines and lines starting
        with ``#`` are skipped. A line that cannot be searched gets its error, the others run.
        """
        wanted = [ln.strip() for ln in lines]
        wanted = [ln for ln in wanted if ln and not ln.startswith("#")]
        if len(wanted) > BATCH_MAX_LINES:
            raise ValidationError(f"a batch holds at most {BATCH_MAX_LINES:,} lines")
        out: list[BatchLine] = []
        with self._read() as s:
            names = _Names(s, case_id)
            for line in wanted:
                q = _batch_query(line)
                try:
                    tree = parse(q)
                    qids = self._all_ids(s, names, tree, "quote", case_id)
                    sids = self._all_ids(s, names, tree, "source", case_id)
                except ValidationError as exc:
                    out.append(BatchLine(line, q, 0, 0, (), (), str(exc)))
                    continue
                out.append(BatchLine(line, q, len(qids), len(sids), tuple(qids), tuple(sids)))
        return out

    # --- Saved searches

    def save(self, case_id: int | None, name: str, query: str) -> SavedSearchDTO:
        """Keep ``query`` under ``name`` (checked first: a malformed query is refused)."""
        name = name.strip()
        if not name:
            raise ValidationError("give the saved search a name")
        if len(name) > 200:
            raise ValidationError("a saved search's name holds at most 200 characters")
        parse(query)
        with self._tx() as s:
            if case_id is not None:
                get_or_raise(s, Case, case_id)
            same = s.scalar(
                sa.select(SavedSearch).where(
                    SavedSearch.name == name,
                    SavedSearch.case_id.is_(None)
                    if case_id is None
                    else SavedSearch.case_id == case_id,
                )
            )
            if same is not None:
                raise DuplicateError(f"a saved search is already called {name!r}", same.id)
            row = SavedSearch(case_id=case_id, name=name, query=query.strip())
            s.add(row)
            s.flush()
            return _saved_dto(row)

    list_saved = reading(read_saved_searches)

    def get_saved(self, saved_id: int) -> SavedSearchDTO:
        """One saved search."""
        with self._read() as s:
            return _saved_dto(get_or_raise(s, SavedSearch, saved_id))

    def delete_saved(self, saved_id: int) -> None:
        """Forget a saved search."""
        with self._tx() as s:
            s.delete(get_or_raise(s, SavedSearch, saved_id))

    def rename_saved(self, saved_id: int, name: str) -> SavedSearchDTO:
        """Give a saved search another name (names are unique within its case)."""
        name = name.strip()
        if not name:
            raise ValidationError("give the saved search a name")
        if len(name) > 200:
            raise ValidationError("a saved search's name holds at most 200 characters")
        with self._tx() as s:
            row = get_or_raise(s, SavedSearch, saved_id)
            same = s.scalar(
                sa.select(SavedSearch.id).where(
                    SavedSearch.name == name,
                    SavedSearch.id != saved_id,
                    SavedSearch.case_id.is_(None)
                    if row.case_id is None
                    else SavedSearch.case_id == row.case_id,
                )
            )
            if same is not None:
                raise DuplicateError(f"a saved search is already called {name!r}", same)
            row.name = name
            s.flush()
            return _saved_dto(row)

    def run_saved(
        self,
        saved_id: int,
        *,
        case_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
        kind: SearchKind = "both",
        group_by: GroupBy = None,
    ) -> SearchResults:
        """Run a saved search (in its own case, or ``case_id`` for one saved for every case)."""
        saved = self.get_saved(saved_id)
        scope = saved.case_id if saved.case_id is not None else case_id
        return self.search(
            scope, saved.query, limit=limit, offset=offset, kind=kind, group_by=group_by
        )

    # --- Planning and running

    def _run(
        self,
        s: Session,
        names: _Names,
        tree: Node,
        leaves: list[Text],
        kind: Kind,
        case_id: int | None,
        limit: int,
        offset: int,
    ) -> _KindResult:
        dialect = s.get_bind().dialect.name
        comp = compiler_for(dialect, kind, names)
        c = comp.compile(tree)
        table = _QUOTES if kind == "quote" else _SOURCES
        base = [] if case_id is None else [table.c.case_id == case_id]
        if c.nothing:
            return _KindResult([], {}, 0, True, True, c.extra_leaves)
        if c.match is None:
            if isinstance(tree, Text):
                # One word that also names people or tags (typing a name): text OR names.
                return self._text_or_names(s, comp, tree, table, kind, case_id, base, limit, offset)
            return self._filter_only(s, table, base + c.conds, limit, offset, c)
        if dialect == "sqlite":
            return self._sqlite_text(
                s, table, kind, base, c, leaves, limit, offset, case_id, (names, tree)
            )
        return self._pg_text(s, table, base, c, comp.text_cond(c.match), limit, offset)

    def _text_or_names(
        self,
        s: Session,
        comp: Compiler,
        leaf: Text,
        table: Any,
        kind: Kind,
        case_id: int | None,
        base: list[ColumnElement[bool]],
        limit: int,
        offset: int,
    ) -> _KindResult:
        """A word, phrase or prefix that also finds rows through names (speakers, tags).

        As one condition (text OR names) SQLite read every text match into a temporary index
        twice (count, page): 100-240 ms for a two-letter prefix that starts a speaker's name.
        Here the newest rows of each stream (the text index, the names' rows) are merged,
        the newest RANK_WINDOW ranked: text matches by bm25 / ts_rank, then rows found only
        through a name, then older rows newest first.
        """
        match = comp.text_string(leaf)
        names = comp.expansion(leaf)
        if s.get_bind().dialect.name != "sqlite":
            cond = sa.or_(comp.text_cond(match), *names)
            return self._pg_text(
                s, table, base, Compiled(match, [], extra_leaves=comp.extra), cond, limit, offset
            )
        if case_id is not None and _only_case(s) == case_id:
            base = []
        fts_name = "fts_quotes" if kind == "quote" else "fts_sources"
        fts = sa.table(fts_name, sa.column("rowid", sa.Integer))
        m = sa.literal_column(fts_name).op("MATCH")(sa.bindparam("tn_m", match))
        weights = (1.0, 0.5) if kind == "quote" else (2.0, 1.0)
        bm25 = sa.func.bm25(sa.literal_column(fts_name), *weights)
        if base:
            text_rows = (
                sa.select(table.c.id.label("id"))
                .select_from(fts.join(table, table.c.id == fts.c.rowid))
                .where(m, *base)
            )
        else:
            text_rows = sa.select(fts.c.rowid.label("id")).where(m)
        name_rows = sa.select(table.c.id.label("id")).where(sa.or_(*names), *base)
        key_t = list(text_rows.selected_columns)[0]

        def merged(k: int, below: Any = None) -> sa.Subquery:
            parts = []
            for sel, col in ((text_rows, key_t), (name_rows, table.c.id)):
                if below is not None:
                    sel = sel.where(col < below)
                sub = sel.order_by(col.desc()).limit(k).subquery()
                parts.append(sa.select(sub.c.id))
            return sa.union(*parts).subquery("merged")

        text_n = _capped_count(s, text_rows)
        names_n = _capped_count(s, name_rows)
        if text_n + names_n <= COUNT_CAP:
            counted = merged(COUNT_CAP + 1)
            total = int(s.execute(sa.select(sa.func.count()).select_from(counted)).scalar() or 0)
            exact = True
        else:  # at least the larger stream (an exact count would merge them: 40 ms)
            total, exact = min(max(text_n, names_n), COUNT_CAP), False
        size = _window_for(kind)
        win = merged(size)
        newest = sa.select(win.c.id).order_by(win.c.id.desc()).limit(size).subquery("nw")
        n_win, lo = s.execute(sa.select(sa.func.count(), sa.func.min(newest.c.id))).one()
        n_win = int(n_win)
        page: list[tuple[int, float]] = []
        if n_win:
            # Every text match from the window's oldest row on is in the window: rank them.
            in_win = text_rows.where(key_t >= lo)
            page, n_text = _sqlite_ranked_page(s, in_win, bm25, limit, offset)
            if n_text is None:
                n_text = _capped_count(s, in_win, size)
            if len(page) < limit:  # then the window's rows found only through a name
                text_ids = sa.select(fts.c.rowid).where(m, fts.c.rowid >= lo)
                only_names = (
                    name_rows.where(table.c.id >= lo, table.c.id.not_in(text_ids))
                    .order_by(table.c.id.desc())
                    .limit(limit - len(page))
                    .offset(max(0, offset - n_text))
                )
                page += [(int(i), 0.0) for i in s.execute(only_names).scalars()]
        full = n_win >= size
        if full and len(page) < limit:
            older = merged(offset + limit, lo)
            tail = (
                sa.select(older.c.id)
                .order_by(older.c.id.desc())
                .limit(limit - len(page))
                .offset(max(0, offset - n_win))
            )
            page += [(int(i), 0.0) for i in s.execute(tail).scalars()]
        return _KindResult(
            [i for i, _ in page],
            dict(page),
            max(total, n_win) if not exact else total,
            exact,
            True,
            comp.extra,
            size if full else 0,
        )

    @staticmethod
    def _filter_only(
        s: Session,
        table: sa.Table | Any,
        where: list[ColumnElement[bool]],
        limit: int,
        offset: int,
        c: Compiled,
    ) -> _KindResult:
        total = _capped_count(s, sa.select(table.c.id).where(*where))
        ids = list(
            s.execute(
                sa.select(table.c.id)
                .where(*where)
                .order_by(table.c.id.desc())
                .limit(limit)
                .offset(offset)
            ).scalars()
        )
        return _KindResult(
            ids, {}, min(total, COUNT_CAP), total <= COUNT_CAP, False, c.extra_leaves
        )

    def _sqlite_text(
        self,
        s: Session,
        table: Any,
        kind: Kind,
        base: list[ColumnElement[bool]],
        c: Compiled,
        leaves: list[Text],
        limit: int,
        offset: int,
        case_id: int | None,
        source: tuple[_Names, Node] | None = None,
    ) -> _KindResult:
        assert c.match is not None
        fts_name = "fts_quotes" if kind == "quote" else "fts_sources"
        fts = sa.table(fts_name, sa.column("rowid", sa.Integer))
        match = sa.literal_column(fts_name).op("MATCH")(sa.bindparam("fts_m", c.match))
        weights = (1.0, 0.5) if kind == "quote" else (2.0, 1.0)
        bm25 = sa.func.bm25(sa.literal_column(fts_name), *weights)
        only = source[0].only_case() if source is not None else _only_case(s)
        if case_id is not None and only == case_id:
            base = []  # the one case of the store: no need to look rows up for their case
        # An upper bound of the matches, from the index alone (cheap; stops at COUNT_CAP).
        text_n = _capped_count(s, sa.select(fts.c.rowid).where(match))
        where = base + c.conds
        filter_n = 0
        filtered: list[int] = []
        filter_sql: Any = None  # the filtered ids as a statement
        tag_kind = None
        if c.tag_and_source and source is not None:
            tag_kind = _sqlite_tag_kind(
                s,
                source[0],
                source[1],
                fts,
                match,
                c.match,
                case_id if base else None,
                text_n,
            )
        if tag_kind is not None:
            filter_n = tag_kind.n_tag  # the tag's quotes: an upper bound of the filtered rows
        elif where:
            # The filtered ids, read once (index ranges) and reused below as a set.
            set_stmt = sa.select(table.c.id).where(*where)
            if c.tag_and_source and source is not None:
                # A tag's quotes, filtered by their source (kind:, source:): tested on
                # (id, source_id) in the covering index ``search_quotes_source`` (migration
                # 0004) instead of on each quote's row: 14,000 row reads for one tag took
                # 40 ms, the index 24 ms.
                comp = compiler_for("sqlite", kind, source[0])
                comp.source_by_index = True
                set_stmt = sa.select(table.c.id).where(*base, *comp.compile(source[1]).conds)
                filtered = _sqlite_indexed_by(
                    s, set_stmt.limit(SET_CAP + 1), "quotes", "search_quotes_source"
                )
                filter_n = len(filtered)
            else:
                # Counted, not fetched: SQLite builds the set itself from the same statement
                # below (fetching a month's 6,000 ids into Python and back as JSON cost 12 ms).
                if c.id_set is not None and not base:
                    set_stmt = c.id_set  # the date index alone, no quote row read
                filter_n = _capped_count(s, set_stmt, SET_CAP)
                filter_sql = set_stmt
                if c.conds and filter_n <= FILTER_FIRST_CAP and filter_n < text_n:
                    filtered = [int(i) for i in s.execute(set_stmt).scalars()]
            if c.conds and filter_n <= FILTER_FIRST_CAP and filter_n < text_n:
                return self._sqlite_filter_first(
                    s, table, fts_name, filtered, c, leaves, limit, offset
                )
        # Three ways to apply the filters while reading the text index newest first: none; the
        # filtered ids as a set (no row lookups: best for a selective filter); or a join to
        # the table (best when most rows pass, so few are read before the page is full).
        # Rank when few rows can match: few text matches, or a filter set that leaves few (the
        # scan then reads at most COUNT_CAP text matches and ranks only those in the set).
        rank_all = text_n <= RANK_CAP or (
            bool(where)
            and filter_n <= SET_CAP
            and text_n <= COUNT_CAP
            and min(text_n, filter_n) <= RANK_FILTERED_CAP
        )
        if not where:
            stmt = sa.select(fts.c.rowid).where(match)
        elif tag_kind is not None:
            stmt = tag_kind.stmt
        elif filter_n <= SET_CAP:
            # "+ 0": a plain rowid IN (...) would be handed to FTS5, one lookup per id.
            ids_set: sa.Select[Any] = (
                filter_sql
                if filter_sql is not None
                else (
                    sa.select(sa.column("value")).select_from(
                        sa.func.json_each(sa.bindparam("ids_json", json.dumps(filtered)))
                    )
                )
            )
            stmt = sa.select(fts.c.rowid).where(match, (fts.c.rowid + 0).in_(ids_set))
        else:
            if source is not None:
                # Each row is read anyway: test its date on it rather than build the id set.
                comp = compiler_for("sqlite", kind, source[0])
                comp.said_as_rows = True
                where = base + comp.compile(source[1]).conds
            # The plan is SQLite's own choice: a ``with_hint(table, "NOT INDEXED")`` here was
            # never rendered (SQLAlchemy's SQLite compiler drops table hints), and the figures
            # in docs/performance.md were measured without it.
            stmt = (
                sa.select(table.c.id)
                .select_from(fts.join(table, table.c.id == fts.c.rowid))
                .where(match, *where)
            )
        if rank_all:
            page, total = _sqlite_ranked_page(s, stmt, bm25, limit, offset)
            if total is None:  # a page past the end
                total = _capped_count(s, stmt, RANK_CAP + COUNT_CAP)
            return _KindResult([i for i, _ in page], dict(page), total, True, True, c.extra_leaves)
        if text_n > RANK_CAP and any(len(leaf.words) > 1 for leaf in leaves):
            # A phrase with this many matches: bm25 weighs it by evaluating it over every row
            # holding its words (142 ms for "of the"; as long again as the count for a phrase
            # of common words), whatever the window. Newest first; PostgreSQL ranks them.
            newest_page = stmt.order_by(fts.c.rowid.desc()).limit(limit).offset(offset)
            ids = [int(i) for i in s.execute(newest_page).scalars()]
            if where:  # the index's count is only an upper bound; say "at least"
                return _KindResult(ids, {}, offset + len(ids), False, False, c.extra_leaves)
            return _KindResult(
                ids, {}, min(text_n, COUNT_CAP), text_n <= COUNT_CAP, False, c.extra_leaves
            )
        # Too many matches to rank them all (bm25 over every match of a common word took
        # seconds): the newest RANK_WINDOW matches that pass the filters are ranked, older ones
        # follow newest first. One scan reads the window newest first with each row's bm25
        # and ranks, counts and bounds it ("rowid >= its oldest") in the same statement:
        # reading it once to find its bounds and again to rank it cost twice the scan (the
        # filters tested twice per match: 8-14 ms each for a month or a tag at 1,000,000).
        size = _window_for(kind)
        if tag_kind is not None and tag_kind.fast is not None:
            # A very common word: its matches are many more than the tag's quotes, so FTS5
            # finds the few holding both faster than the tag set can test every match.
            stmt = tag_kind.fast  # the same rows, found through the tag's name in the index
            assert stmt is not None
            page, n_win, lo = _sqlite_tag_window(s, tag_kind, fts, bm25, size, limit, offset)
        else:
            page, n_win, lo = _sqlite_window_page(s, stmt, fts.c.rowid, bm25, size, limit, offset)
        full = n_win >= size
        if full and len(page) < limit:
            older = (
                stmt.where(fts.c.rowid < lo)
                .order_by(fts.c.rowid.desc())
                .limit(limit - len(page))
                .offset(max(0, offset - n_win))
            )
            page += [(int(i), 0.0) for i in s.execute(older).scalars()]
        if not where:
            total, exact = min(text_n, COUNT_CAP), text_n <= COUNT_CAP
        elif full:
            # Filtered: the index's count is only an upper bound; say "at least".
            total, exact = max(n_win, offset + len(page)), False
        else:
            total, exact = n_win, True
        return _KindResult(
            [i for i, _ in page],
            dict(page),
            total,
            exact,
            True,
            c.extra_leaves,
            size if full else 0,
        )

    def _sqlite_filter_first(
        self,
        s: Session,
        table: Any,
        fts_name: str,
        candidates: list[int],
        c: Compiled,
        leaves: list[Text],
        limit: int,
        offset: int,
    ) -> _KindResult:
        assert c.match is not None
        # One rowid lookup per candidate (FTS5 seeks in its doclists); CROSS JOIN keeps SQLite
        # from starting at the text index instead.
        sql = sa.text(
            f"SELECT j.value FROM json_each(:ids) AS j CROSS JOIN {fts_name} "
            f"WHERE {fts_name}.rowid = j.value AND {fts_name} MATCH :m"
        )
        ids = sorted(
            (
                int(v)
                for v in s.execute(sql, {"ids": json.dumps(candidates), "m": c.match}).scalars()
            ),
            reverse=True,
        )
        size = _window_for("quote" if table is _QUOTES else "source")
        window = ids[:size]
        scores = self._python_bm25(s, table, fts_name, window, [*leaves, *c.extra_leaves])
        rest = ids[len(window) :]
        page = _window_page(window, scores, size, offset, limit, lambda a, n: rest[a : a + n])
        return _KindResult(page, scores, len(ids), True, True, c.extra_leaves, size if rest else 0)

    @staticmethod
    def _python_bm25(
        s: Session, table: Any, fts_name: str, ids: list[int], leaves: Sequence[Text]
    ) -> dict[int, float]:
        """BM25 over ``ids`` (document frequencies from the index, counted up to COUNT_CAP)."""
        if not ids or not leaves:
            return {}
        # The highest id stands for the number of rows (counting them costs a scan).
        n_docs = max(int(s.execute(sa.select(sa.func.max(table.c.id))).scalar() or 1), 1)
        texts: dict[int, str] = {
            int(i): str(t)
            for i, t in s.execute(sa.select(table.c.id, table.c.text).where(table.c.id.in_(ids)))
        }
        lengths = {i: max(len(t.split()), 1) for i, t in texts.items()}
        avg = sum(lengths.values()) / max(len(lengths), 1)
        scores: dict[int, float] = dict.fromkeys(ids, 0.0)
        for leaf in leaves:
            m = sa.literal_column(fts_name).op("MATCH")(sa.bindparam("m", _fts_phrase(leaf)))
            df = _capped_count(
                s, sa.select(sa.literal_column("rowid")).select_from(sa.table(fts_name)).where(m)
            )
            idf = math.log((n_docs - df + 0.5) / (df + 0.5) + 1.0)
            pat = matcher([leaf])
            for i, t in texts.items():
                tf = len(find_matches(t, pat))
                if tf:
                    norm = _BM25_K1 * (1 - _BM25_B + _BM25_B * lengths[i] / avg)
                    scores[i] += idf * tf * (_BM25_K1 + 1) / (tf + norm)
        return scores

    @staticmethod
    def _pg_text(
        s: Session,
        table: Any,
        base: list[ColumnElement[bool]],
        c: Compiled,
        text_cond: ColumnElement[bool],
        limit: int,
        offset: int,
    ) -> _KindResult:
        assert c.match is not None
        where = [text_cond, *base, *c.conds]
        n = _capped_count(s, sa.select(table.c.id).where(*where))
        if n <= RANK_CAP:
            tsq = sa.func.to_tsquery(sa.literal_column("'simple'"), sa.bindparam("pg_m", c.match))
            rank = sa.func.ts_rank(sa.literal_column(f"{table.name}.search_vec"), tsq)
            rows = s.execute(
                sa.select(table.c.id, rank)
                .where(*where)
                .order_by(rank.desc(), table.c.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return _KindResult(
                [int(r[0]) for r in rows],
                {int(r[0]): float(r[1]) for r in rows},
                n,
                True,
                True,
                c.extra_leaves,
            )
        # As on SQLite: the newest matches ranked (RANK_WINDOW; SOURCE_RANK_WINDOW for sources),
        # older ones newest first.
        size = _window_for("quote" if table is _QUOTES else "source")
        vec: ColumnElement[Any] = sa.literal_column(f"{table.name}.search_vec")
        newest = (
            sa.select(table.c.id.label("id"), vec.label("vec"))
            .where(*where)
            .order_by(table.c.id.desc())
            .limit(size)
            .subquery("newest")
        )
        n_win, lo = s.execute(sa.select(sa.func.count(), sa.func.min(newest.c.id))).one()
        n_win = int(n_win)
        tsq = sa.func.to_tsquery(sa.literal_column("'simple'"), sa.bindparam("pg_m", c.match))
        score = sa.func.ts_rank(newest.c.vec, tsq)
        rows = s.execute(
            sa.select(newest.c.id, score)
            .order_by(score.desc(), newest.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        page = [(int(r[0]), float(r[1])) for r in rows]
        full = n_win >= size
        if full and len(page) < limit:
            older = (
                sa.select(table.c.id)
                .where(*where, table.c.id < lo)
                .order_by(table.c.id.desc())
                .limit(limit - len(page))
                .offset(max(0, offset - n_win))
            )
            page += [(int(i), 0.0) for i in s.execute(older).scalars()]
        return _KindResult(
            [i for i, _ in page],
            dict(page),
            min(n, COUNT_CAP),
            n <= COUNT_CAP,
            True,
            c.extra_leaves,
            size if full else 0,
        )

    def _all_ids(
        self, s: Session, names: _Names, tree: Node, kind: Kind, case_id: int | None
    ) -> list[int]:
        """Every match, newest first, by the plain plan (exact; for batches and exports)."""
        dialect = s.get_bind().dialect.name
        comp = compiler_for(dialect, kind, names)
        c = comp.compile(tree)
        if c.nothing:
            return []
        table = _QUOTES if kind == "quote" else _SOURCES
        where = [] if case_id is None else [table.c.case_id == case_id]
        where += c.conds
        if c.match is not None:
            where.append(comp.text_cond(c.match))
        stmt = sa.select(table.c.id).where(*where).order_by(table.c.id.desc())
        return [int(i) for i in s.execute(stmt).scalars()]

    # --- Hits

    @staticmethod
    def _groups(s: Session, hits: Sequence[SearchHit], by: str) -> tuple[SearchGroup, ...]:
        """Quote hits grouped by speaker or source, groups in order of their best hit."""
        groups: dict[int | None, list[SearchHit]] = {}
        for h in hits:
            groups.setdefault(h.speaker_id if by == "speaker" else h.source_id, []).append(h)
        if by == "speaker":
            labels = {k: (v[0].label or "No speaker") for k, v in groups.items()}
        else:
            t = _SOURCES
            keys = [k for k in groups if k is not None]
            labels = dict(s.execute(sa.select(t.c.id, t.c.title).where(t.c.id.in_(keys))).all())
        return tuple(SearchGroup(k, str(labels.get(k, "")), tuple(v)) for k, v in groups.items())

    def _quote_hits(
        self, s: Session, res: _KindResult, leaves: list[Text]
    ) -> tuple[SearchHit, ...]:
        if not res.ids:
            return ()
        q, p = _QUOTES, Person.__table__
        rows = s.execute(
            sa.select(
                q.c.id,
                q.c.case_id,
                q.c.source_id,
                q.c.speaker_id,
                q.c.text,
                q.c.start_offset,
                p.c.name,
            )
            .outerjoin(p, p.c.id == q.c.speaker_id)
            .where(q.c.id.in_(res.ids))
        ).all()
        by_id = {int(r[0]): r for r in rows}
        pat = matcher([*leaves, *res.extra])
        out = []
        for i in res.ids:
            r = by_id.get(i)
            if r is None:
                continue
            text = str(r.text)
            matches = find_matches(text, pat)
            snip, spans = snippet(text, matches)
            out.append(
                SearchHit(
                    kind="quote",
                    id=i,
                    case_id=int(r.case_id),
                    source_id=int(r.source_id),
                    speaker_id=None if r.speaker_id is None else int(r.speaker_id),
                    label=str(r.name or ""),
                    score=round(res.scores.get(i, 0.0), 6),
                    snippet=snip,
                    snippet_spans=spans,
                    matches=matches,
                    text_start=int(r.start_offset),
                )
            )
        return tuple(out)

    def _source_hits(
        self, s: Session, res: _KindResult, leaves: list[Text]
    ) -> tuple[SearchHit, ...]:
        if not res.ids:
            return ()
        t = _SOURCES
        rows = s.execute(
            sa.select(t.c.id, t.c.case_id, t.c.title, t.c.text).where(t.c.id.in_(res.ids))
        ).all()
        by_id = {int(r[0]): r for r in rows}
        pat = matcher([*leaves, *res.extra])
        out = []
        for i in res.ids:
            r = by_id.get(i)
            if r is None:
                continue
            text = str(r.text)
            matches = find_matches(text, pat)
            snip, spans = snippet(text, matches)
            out.append(
                SearchHit(
                    kind="source",
                    id=i,
                    case_id=int(r.case_id),
                    source_id=i,
                    speaker_id=None,
                    label=str(r.title),
                    score=round(res.scores.get(i, 0.0), 6),
                    snippet=snip,
                    snippet_spans=spans,
                    matches=matches,
                )
            )
        return tuple(out)


# --- Helpers


def _fts_phrase(leaf: Text) -> str:
    return '"' + " ".join(leaf.words) + '"' + ("*" if leaf.prefix else "")


def _sqlite_ranked_page(
    s: Session, stmt: sa.Select[Any], bm25: ColumnElement[Any], limit: int, offset: int
) -> tuple[list[tuple[int, float]], int | None]:
    """One page of ``stmt``'s rows best first (bm25), with their scores and how many there are.

    The rows are ranked and counted inside SQLite; only the page reaches Python. The count is
    None when the page is empty (``offset`` past the end).
    """
    ranked = stmt.add_columns(bm25.label("score")).subquery("ranked")
    key, score = list(ranked.c)[0], ranked.c.score
    rows = s.execute(
        sa.select(key, score, sa.func.count().over())
        .order_by(score, key.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    page = [(int(r[0]), -float(r[1])) for r in rows]
    return page, (int(rows[0][2]) if rows else None)


@dataclass
class _TagKindPlan:
    """How ``tag:`` + ``kind:`` + text runs on SQLite (``_sqlite_tag_kind``)."""

    stmt: sa.Select[Any]  # the filtered text matches' rowids
    n_tag: int  # the tag's quotes: an upper bound of the filtered rows
    # The same rows, the text match ANDed with the tag's name (tags column); None when the
    # text asks for the name's words anyway (nothing to gain: every tagged quote matches).
    fast: sa.Select[Any] | None
    tag_phrase: str  # that name as an FTS5 query on the tags column


def _sqlite_tag_kind(
    s: Session,
    names: _Names,
    tree: Node,
    fts: Any,
    match: ColumnElement[bool],
    match_text: str,
    case_id: int | None,
    text_n: int,
) -> _TagKindPlan | None:
    """``tag:`` + ``kind:`` + text on quotes without building the filtered set in Python.

    Reading the filtered ids (the tag's 14,000 quotes, each one's source checked) cost 25-40
    ms before any text work at 1,000,000 quotes. Here the text matches are read newest first,
    kept when the tag's quotes (read by SQLite from ``search_quote_tags``) hold them, and only
    those have their source's kind checked: the source id read from ``search_quotes_source``,
    looked up in the set of the kind's sources (from ``search_sources_kind``). Returns the
    statements and the number of the tag's quotes (an upper bound of the filtered rows), or
    None when the tag has so few quotes that the filter-first plan is better, or too many for a
    set. ``case_id`` (None: no need to check) is checked on the same quotes. ``text_n``: the
    text's matches, counted up to ``COUNT_CAP + 1``.

    A tagged quote holds its tag's name in the index (column ``tags``), so ``fast`` asks FTS5
    for the text match AND the name there: FTS5 intersects the two lists, and the tag and kind
    checks see a few thousand rows instead of every match of a common word (116,000 for
    "this": 40-50 ms). The tag and kind are still checked exactly (a name can be part of
    another tag's name). Its bm25 includes the name's own term; ``_sqlite_tag_window`` takes
    it out.
    """
    clauses = list(tree.children) if isinstance(tree, And) else [tree]
    filters = [cl for cl in clauses if isinstance(cl, Filter)]
    tags = [f for f in filters if f.name == "tag"]
    kinds = [f for f in filters if f.name == "kind"]
    if len(filters) != 2 or len(tags) != 1 or len(kinds) != 1 or not tags[0].words:
        return None
    tag_ids = names.tags(tags[0].words, tags[0].prefix)
    link = sa.select(quote_tags.c.quote_id).where(quote_tags.c.tag_id.in_(tag_ids))
    n_tag = _capped_count(s, link, SET_CAP)
    if n_tag <= FILTER_FIRST_CAP or n_tag > SET_CAP:
        return None
    in_case = "" if case_id is None else " AND quotes.case_id = :tk_case"
    asked = {w for leaf in text_leaves(tree) for w in leaf.words}
    name_asked = set(tags[0].words) <= asked  # then every tagged quote matches the text
    common = (
        not name_asked
        and text_n > COUNT_CAP
        and _capped_count(s, sa.select(fts.c.rowid).where(match), TAG_NAME_CAP) > TAG_NAME_CAP
    )
    if name_asked or common:
        # Thousands of matches reach the kind check: each one's source (from the covering
        # index) is looked up in the set of the kind's sources, built once by SQLite from
        # ``search_sources_kind`` (about 3 ms for 18,000 sources). Reading each source's row
        # (below) cost about twice as much: 14,000 checks took 50-64 ms, 23-36 with the set.
        kind_ok = sa.text(
            "(SELECT quotes.source_id FROM quotes INDEXED BY search_quotes_source "
            f"WHERE quotes.id = fts_quotes.rowid{in_case}) "
            "IN (SELECT sources.id FROM sources WHERE sources.kind = :tk_kind)"
        )
    else:  # a few dozen to a few hundred: cheaper than building the set
        kind_ok = sa.text(
            "EXISTS (SELECT 1 FROM quotes INDEXED BY search_quotes_source "
            "CROSS JOIN sources ON sources.id = quotes.source_id + 0 "
            f"WHERE quotes.id = fts_quotes.rowid AND sources.kind = :tk_kind{in_case})"
        )
    kind_ok = kind_ok.bindparams(tk_kind=kinds[0].value)
    if case_id is not None:
        kind_ok = kind_ok.bindparams(tk_case=case_id)
    # "+ 0": a plain rowid IN (...) would be handed to FTS5, one lookup per id.
    checks = [(fts.c.rowid + 0).in_(link), kind_ok]
    stmt = sa.select(fts.c.rowid).where(match, *checks)
    tag_phrase = "tags : " + _fts_phrase(Text(tags[0].words, tags[0].prefix))
    both = sa.literal_column("fts_quotes").op("MATCH")(
        sa.bindparam("tk_m", f"({match_text}) AND {tag_phrase}")
    )
    fast = sa.select(fts.c.rowid).where(both, *checks) if common else None
    return _TagKindPlan(stmt, n_tag, fast, tag_phrase)


def _sqlite_tag_window(
    s: Session,
    plan: _TagKindPlan,
    fts: Any,
    bm25: ColumnElement[Any],
    size: int,
    limit: int,
    offset: int,
) -> tuple[list[tuple[int, float]], int, Any]:
    """``_sqlite_window_page`` for ``tag:`` + ``kind:`` + text, read through ``plan.fast``.

    FTS5's bm25 is a sum over the query's phrases, each term depending only on its phrase's
    document frequency and hits and on the row's length. So the text's own score is the
    score of "text AND tag name" less the score of the tag name alone, which is read for the
    window's rows from the name's (short) list: the same scores as ranking the text alone.
    """
    assert plan.fast is not None
    rows = s.execute(
        plan.fast.add_columns(bm25.label("score")).order_by(fts.c.rowid.desc()).limit(size)
    ).all()
    if not rows:
        return [], 0, None
    ids = [int(r[0]) for r in rows]
    in_window: sa.Select[Any] = sa.select(sa.column("value")).select_from(
        sa.func.json_each(sa.bindparam("tk_ids", json.dumps(ids)))
    )
    name_only = sa.literal_column("fts_quotes").op("MATCH")(sa.bindparam("tk_tag", plan.tag_phrase))
    name_score = {
        int(i): float(v)
        for i, v in s.execute(
            sa.select(fts.c.rowid, bm25).where(name_only, (fts.c.rowid + 0).in_(in_window))
        )
    }
    # Rounded: the difference of two sums may differ from the text's score in its last bits.
    scored = sorted(
        ((round(float(r[1]) - name_score.get(int(r[0]), 0.0), 9), int(r[0])) for r in rows),
        key=lambda t: (t[0], -t[1]),
    )
    page = [(i, -score) for score, i in scored[offset : offset + limit]]
    return page, len(rows), min(ids)


def _sqlite_indexed_by(s: Session, stmt: sa.Select[Any], table: str, index: str) -> list[int]:
    """The first column of ``stmt``'s rows, its outer ``table`` read through ``index``.

    SQLAlchemy does not render table hints on SQLite (``with_hint`` is ignored there), so the
    statement is rendered and ``INDEXED BY`` put after its first ``FROM table``. Dates are
    passed as SQLite stores them (ISO text).
    """
    compiled = stmt.compile(
        dialect=sqlite_dialect(paramstyle="named"), compile_kwargs={"render_postcompile": True}
    )
    sql = str(compiled)
    head = f"FROM {table} "
    if head not in sql:  # pragma: no cover - the statements built above always have it
        raise AssertionError(sql)
    sql = sql.replace(head, f"FROM {table} INDEXED BY {index} ", 1)
    params = {
        k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in compiled.params.items()
    }
    return [int(i) for i in s.execute(sa.text(sql), params).scalars()]


def _sqlite_window_page(
    s: Session,
    stmt: sa.Select[Any],
    rowid: ColumnElement[Any],
    bm25: ColumnElement[Any],
    size: int,
    limit: int,
    offset: int,
) -> tuple[list[tuple[int, float]], int, Any]:
    """One page of the newest ``size`` rows of ``stmt``, best first (bm25).

    Returns the page with its scores, the number of rows in the window and the window's
    oldest rowid (None when it is empty). The window is read once, newest first, each row
    scored as it is read; the count and the bound come back with the page (a page past the
    window's end asks for them alone).
    """
    newest = (
        stmt.add_columns(bm25.label("score")).order_by(rowid.desc()).limit(size).subquery("newest")
    )
    key, score = list(newest.c)[0], newest.c.score
    rows = s.execute(
        sa.select(key, score, sa.func.count().over(), sa.func.min(key).over())
        .order_by(score, key.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    if rows:
        return [(int(r[0]), -float(r[1])) for r in rows], int(rows[0][2]), rows[0][3]
    bounds = stmt.order_by(rowid.desc()).limit(size).subquery("bounds")
    first = list(bounds.c)[0]
    n_win, lo = s.execute(sa.select(sa.func.count(), sa.func.min(first))).one()
    return [], int(n_win), lo


def _window_page(
    window: list[int],
    scores: dict[int, float],
    size: int,
    offset: int,
    limit: int,
    older: Callable[[int, int], list[int]],
) -> list[int]:
    """One page of: the ``window`` (newest matches) best first, then older matches newest first.

    ``older(skip, take)`` reads matches older than the window; it is asked only when the window
    is full (``size`` rows) and the page reaches past it.
    """
    order = sorted(window, key=lambda i: (-scores.get(i, 0.0), -i))
    page = order[offset : offset + limit]
    if len(window) >= size and len(page) < limit:
        page += older(max(0, offset - len(order)), limit - len(page))
    return page


def _capped_count(s: Session, stmt: sa.Select[Any], cap: int = COUNT_CAP) -> int:
    """Rows of ``stmt``, counted up to ``cap + 1``."""
    sub = stmt.limit(cap + 1).subquery()
    return int(s.execute(sa.select(sa.func.count()).select_from(sub)).scalar() or 0)


def _only_case(s: Session) -> int | None:
    """The id of the store's only case, or None when it holds several (or none)."""
    c = Case.__table__
    n, first = s.execute(sa.select(sa.func.count(), sa.func.min(c.c.id))).one()
    return int(first) if n == 1 else None


def _batch_query(line: str) -> str:
    if re.search(r'["()*:]|(^|\s)-|\b(OR|AND|NOT)\b', line):
        return line
    words = line.split()
    return f'"{line}"' if len(words) > 1 else line


def _saved_dto(row: SavedSearch) -> SavedSearchDTO:
    return SavedSearchDTO(row.id, row.case_id, row.name, row.query, row.created_at)
