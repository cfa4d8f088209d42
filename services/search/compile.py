"""Compiling a parsed query into SQL for one engine and one kind of row (quotes or sources).

Names (speakers, tags, places, cases) are resolved in Python through ``Resolver`` at query time,
so alias changes and merges count at once without re-indexing. Text becomes one FTS5 ``MATCH``
string (SQLite) or one ``tsquery`` (PostgreSQL) where possible, else ``id IN (text matches)``
conditions combined with the filters.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from models.dates import Precision
from models.entities import Quote, Source, quote_places, quote_tags, source_people, source_places
from models.entities import source_tags as source_tags_t
from services.search.query import And, Filter, Node, Not, Or, Text, tokens

Kind = Literal["quote", "source"]
_QUOTES = Quote.__table__
_SOURCES = Source.__table__


class Resolver(Protocol):
    """Looks names up (case scope applied by the implementation)."""

    def people(self, words: tuple[str, ...], prefix: bool) -> list[int]:
        """Ids of people with a name or alias holding ``words`` in a row."""

    def tags(self, words: tuple[str, ...], prefix: bool, within: bool = False) -> list[int]:
        """Ids of tags whose folded name is ``words`` (``within``: holds them in a row)."""

    def places(self, words: tuple[str, ...], prefix: bool) -> tuple[list[int], list[str]]:
        """Ids of matching places and all their spellings."""

    def cases(self, value: str, words: tuple[str, ...]) -> list[int]:
        """Ids of cases by id or title."""

    def place_linked(self, place_ids: list[int], kind: Kind) -> bool:
        """Whether any quote (or source) is linked to one of the places."""


@dataclass
class Compiled:
    """A query compiled for one engine and kind.

    Attributes:
        match: The text part as one FTS5/tsquery string, or None.
        conds: Further conditions on the quotes/sources table (AND-ed).
        nothing: The query cannot match any row of this kind.
        extra_leaves: Words and phrases to highlight besides the query's (place spellings).
    """

    match: str | None
    conds: list[ColumnElement[bool]]
    nothing: bool = False
    extra_leaves: list[Text] = field(default_factory=list)
    # A quote query whose filters are ``tag:`` with ``kind:`` or ``source:`` (and nothing else
    # but text): every filter can be tested on (id, source_id), so the filtered ids can be
    # read through ``search_quotes_source`` (``source_by_index``).
    tag_and_source: bool = False
    # The query's only filter as a statement of ids that reads no quote row (``said:``
    # through the date index), or None.
    id_set: Any = None


class _NotExpressibleError(Exception):
    pass


class Compiler:
    """Shared compilation; subclasses give the engine's text syntax."""

    fts_table = ""
    # Whether a plain word also finds quotes whose tag names hold it. SQLite indexes tag names
    # with the text (FTS5 column ``tags``); PostgreSQL looks them up here.
    expand_tags = True
    # ``said:`` as a test on the row (for plans that read the row anyway) instead of an id set
    # served by the date index.
    said_as_rows = False
    # The quote's source tested as a value (``source_id + 0``), never as an index range: for
    # plans that read ``search_quotes_source`` by id (an IN list on its second column would
    # make SQLite seek every (id, source) pair).
    source_by_index = False

    def __init__(self, kind: Kind, resolver: Resolver) -> None:
        self.kind = kind
        self.resolver = resolver
        self.table = _QUOTES if kind == "quote" else _SOURCES
        self.extra: list[Text] = []
        self._names = itertools.count()
        self._id_sets: dict[int, Any] = {}  # id(cond) -> a statement of the ids it selects

    # --- Engine specifics

    def text_string(self, node: Node) -> str:
        """The engine's text-query string for a pure text subtree (or _NotExpressibleError)."""
        raise NotImplementedError

    def text_cond(self, match: str) -> ColumnElement[bool]:
        """``id`` matches the engine text query ``match``."""
        raise NotImplementedError

    def title_cond(self, words: tuple[str, ...], prefix: bool) -> ColumnElement[bool]:
        """Sources whose title, author or publisher hold ``words`` in a row."""
        raise NotImplementedError

    def negative_only(self) -> bool:
        """Whether the engine can run a text query made only of negations."""
        return False

    def _param(self) -> str:
        return f"m{next(self._names)}"

    # --- Entry point

    def compile(self, root: Node) -> Compiled:
        """Split the tree into one text string and conditions."""
        root = self._rewrite(root)
        clauses = list(root.children) if isinstance(root, And) else [root]
        pos: list[Node] = []
        neg: list[Node] = []
        conds: list[ColumnElement[bool]] = []
        for clause in clauses:
            if self._pure(clause):
                target = neg if isinstance(clause, Not) else pos
                try:
                    self.text_string(clause.child if isinstance(clause, Not) else clause)
                    target.append(clause.child if isinstance(clause, Not) else clause)
                    continue
                except _NotExpressibleError:
                    pass
            conds.append(self.cond(clause))
        match = self.combine(pos, neg, conds)
        nothing = any(isinstance(c, sa.sql.elements.False_) for c in conds)
        filters = {cl.name for cl in clauses if isinstance(cl, Filter)}
        tag_and_source = (
            self.kind == "quote"
            and len(conds) == len(filters) == sum(isinstance(cl, Filter) for cl in clauses)
            and "tag" in filters
            and bool(filters & {"kind", "source"})
            and filters <= {"tag", "kind", "source"}
        )
        id_set = self._id_sets.get(id(conds[0])) if len(conds) == 1 else None
        return Compiled(match, conds, nothing, self.extra, tag_and_source, id_set)

    def combine(
        self, pos: list[Node], neg: list[Node], conds: list[ColumnElement[bool]]
    ) -> str | None:
        """One text string from the positive and negative pure clauses."""
        if not pos:
            for n in neg:
                conds.append(sa.not_(self.text_cond(self.text_string(n))))
            return None
        return self.join_and([self.text_string(p) for p in pos], [self.text_string(n) for n in neg])

    def join_and(self, pos: list[str], neg: list[str]) -> str:
        """AND of ``pos`` minus ``neg`` in the engine's syntax."""
        raise NotImplementedError

    def _rewrite(self, node: Node) -> Node:
        """Place filters whose places no row is linked to become plain text (their spellings).

        Text alone runs inside the text index (fast); a condition beside it may not.
        """
        if isinstance(node, Filter) and node.name == "place":
            ids, _spellings = self.resolver.places(node.words, node.prefix)
            if not ids or not self.resolver.place_linked(ids, self.kind):
                leaves = self._place_leaves(node)
                if leaves:
                    return leaves[0] if len(leaves) == 1 else Or(tuple(leaves))
            return node
        if isinstance(node, Not):
            return Not(self._rewrite(node.child))
        if isinstance(node, And):
            return And(tuple(self._rewrite(c) for c in node.children))
        if isinstance(node, Or):
            return Or(tuple(self._rewrite(c) for c in node.children))
        return node

    def _place_leaves(self, f: Filter) -> list[Text]:
        ids, spellings = self.resolver.places(f.words, f.prefix)
        leaves: list[Text] = []
        seen: set[tuple[str, ...]] = set()
        for name in spellings or [f.value.rstrip("*")]:
            words = tokens(name)
            if words and words not in seen:
                seen.add(words)
                leaves.append(Text(words, f.prefix and not spellings, name))
        self.extra.extend(leaves)
        return leaves

    # --- Purity: text that needs no name lookups

    def _expansion(self, leaf: Text) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        t = self.table
        people = self.resolver.people(leaf.words, leaf.prefix)
        if people:
            if self.kind == "quote":
                out.append(sa.and_(t.c.speaker_id.is_not(None), t.c.speaker_id.in_(people)))
            else:
                out.append(
                    t.c.id.in_(
                        sa.select(source_people.c.source_id).where(
                            source_people.c.person_id.in_(people)
                        )
                    )
                )
        tags = (
            self.resolver.tags(leaf.words, leaf.prefix, within=True)
            if self.expand_tags and self.kind == "quote"
            else []
        )
        if tags:
            out.append(self._tagged(tags))
        return out

    def expansion(self, leaf: Text) -> list[ColumnElement[bool]]:
        """Conditions finding rows through names that ``leaf`` matches (speakers, tags)."""
        return self._expansion(leaf)

    def _pure(self, node: Node) -> bool:
        if isinstance(node, Text):
            return not self._expansion(node)
        if isinstance(node, Not):
            return self._pure(node.child)
        if isinstance(node, And | Or):
            return all(self._pure(c) for c in node.children)
        return False

    # --- Generic conditions

    def cond(self, node: Node) -> ColumnElement[bool]:
        """Any subtree as a condition on the table."""
        if isinstance(node, Text):
            parts = [self.text_cond(self.text_string(node)), *self._expansion(node)]
            return parts[0] if len(parts) == 1 else sa.or_(*parts)
        if isinstance(node, Not):
            return sa.not_(self.cond(node.child))
        if isinstance(node, And):
            return sa.and_(*(self.cond(c) for c in node.children))
        if isinstance(node, Or):
            return sa.or_(*(self.cond(c) for c in node.children))
        return self.filter_cond(node)

    def _tagged(self, tag_ids: list[int]) -> ColumnElement[bool]:
        if self.kind == "quote":
            link = sa.select(quote_tags.c.quote_id).where(quote_tags.c.tag_id.in_(tag_ids))
        else:
            link = sa.select(source_tags_t.c.source_id).where(source_tags_t.c.tag_id.in_(tag_ids))
        return self.table.c.id.in_(link)

    def filter_cond(self, f: Filter) -> ColumnElement[bool]:
        """A filter as a condition (never NULL, so that NOT works on rows with empty fields)."""
        t = self.table
        quote = self.kind == "quote"
        if f.name == "speaker":
            return self._expansion_people(f)
        if f.name == "tag":
            ids = self.resolver.tags(f.words, f.prefix)
            return self._tagged(ids) if ids else sa.false()
        if f.name == "status":
            return t.c.status == f.value if quote else sa.false()
        if f.name == "case":
            ids = self.resolver.cases(f.value, f.words)
            return t.c.case_id.in_(ids) if ids else sa.false()
        if f.name == "kind":
            if quote:
                return self._source_col().in_(
                    sa.select(_SOURCES.c.id).where(_SOURCES.c.kind == f.value).correlate(None)
                )
            return t.c.kind == f.value
        if f.name == "said":
            assert f.dates is not None
            lo, hi = f.dates
            if quote and self.said_as_rows:
                start = t.c.said_start
                end = sa.func.coalesce(t.c.said_end, start)
                rows: list[ColumnElement[bool]] = [start.is_not(None)]
                rows += [start <= hi] if hi is not None else []
                rows += [end >= lo] if lo is not None else []
                return sa.and_(*rows)
            if quote:
                if lo is None:
                    return _said_overlaps(t, lo, hi)
                union = _said_union(t, lo, hi)
                cond: ColumnElement[bool] = t.c.id.in_(union)
                self._id_sets[id(cond)] = union
                return cond
            parts: list[ColumnElement[bool]] = [t.c.published_on.is_not(None)]
            if hi is not None:
                parts.append(t.c.published_on <= hi)
            if lo is not None:
                parts.append(t.c.published_on >= lo)
            return sa.and_(*parts)
        if f.name == "source":
            if f.value.isdigit():
                ids_cond: ColumnElement[bool] = _SOURCES.c.id == int(f.value)
                sel = sa.select(_SOURCES.c.id).where(ids_cond).correlate(None)
            else:
                sel = (
                    sa.select(_SOURCES.c.id)
                    .where(self.title_cond(f.words, f.prefix))
                    .correlate(None)
                )
            return self._source_col().in_(sel) if quote else t.c.id.in_(sel)
        if f.name == "place":
            return self._place(f)
        raise AssertionError(f.name)  # pragma: no cover - the parser knows every filter

    def _source_col(self) -> ColumnElement[Any]:
        col: ColumnElement[Any] = self.table.c.source_id
        return col + 0 if self.source_by_index else col

    def _expansion_people(self, f: Filter) -> ColumnElement[bool]:
        ids = self.resolver.people(f.words, f.prefix)
        if not ids:
            return sa.false()
        t = self.table
        if self.kind == "quote":
            return sa.and_(t.c.speaker_id.is_not(None), t.c.speaker_id.in_(ids))
        return t.c.id.in_(
            sa.select(source_people.c.source_id).where(source_people.c.person_id.in_(ids))
        )

    def _place(self, f: Filter) -> ColumnElement[bool]:
        ids, _spellings = self.resolver.places(f.words, f.prefix)
        leaves = self._place_leaves(f)
        parts = [self.text_cond(self.text_string(leaf)) for leaf in leaves]
        if ids:
            if self.kind == "quote":
                link = sa.select(quote_places.c.quote_id).where(quote_places.c.place_id.in_(ids))
            else:
                link = sa.select(source_places.c.source_id).where(source_places.c.place_id.in_(ids))
            parts.append(self.table.c.id.in_(link))
        return sa.or_(*parts) if parts else sa.false()


class SqliteCompiler(Compiler):
    """FTS5 ``MATCH`` strings over ``fts_quotes`` / ``fts_sources``."""

    expand_tags = False

    def __init__(self, kind: Kind, resolver: Resolver) -> None:
        super().__init__(kind, resolver)
        self.fts_table = "fts_quotes" if kind == "quote" else "fts_sources"

    @staticmethod
    def phrase(leaf: Text) -> str:
        """``"w1 w2"`` with ``*`` for a prefix."""
        return '"' + " ".join(leaf.words) + '"' + ("*" if leaf.prefix else "")

    def text_string(self, node: Node) -> str:
        """FTS5 syntax; a lone NOT or an OR holding a NOT cannot be written in FTS5."""
        if isinstance(node, Text):
            return self.phrase(node)
        if isinstance(node, And):
            pos = [c for c in node.children if not isinstance(c, Not)]
            neg = [c.child for c in node.children if isinstance(c, Not)]
            if not pos:
                raise _NotExpressibleError
            return self.join_and(
                [self.text_string(c) for c in pos], [self.text_string(c) for c in neg]
            )
        if isinstance(node, Or):
            if any(isinstance(c, Not) for c in node.children):
                raise _NotExpressibleError
            return "(" + " OR ".join(self.text_string(c) for c in node.children) + ")"
        raise _NotExpressibleError

    def join_and(self, pos: list[str], neg: list[str]) -> str:
        """``(a AND b) NOT (c)``."""
        out = "(" + " AND ".join(pos) + ")"
        for n in neg:
            out = f"({out} NOT {n})"
        return out

    def text_cond(self, match: str) -> ColumnElement[bool]:
        """``id IN (SELECT rowid FROM fts_x WHERE fts_x MATCH :m)``."""
        name = self._param()
        sub = (
            sa.text(f"SELECT rowid FROM {self.fts_table} WHERE {self.fts_table} MATCH :{name}")
            .bindparams(sa.bindparam(name, match))
            .columns(sa.column("rowid", sa.Integer))
        )
        return self.table.c.id.in_(sub)

    def title_cond(self, words: tuple[str, ...], prefix: bool) -> ColumnElement[bool]:
        """Sources whose title column matches the phrase."""
        name = self._param()
        phrase = "title : " + self.phrase(Text(words, prefix))
        sub = (
            sa.text(f"SELECT rowid FROM fts_sources WHERE fts_sources MATCH :{name}")
            .bindparams(sa.bindparam(name, phrase))
            .columns(sa.column("rowid", sa.Integer))
        )
        return _SOURCES.c.id.in_(sub)


class PgCompiler(Compiler):
    """``tsquery`` strings over the ``search_vec`` columns."""

    @staticmethod
    def phrase(leaf: Text, weight: str = "") -> str:
        """``'w1' <-> 'w2':*``."""
        words = [f"'{w}'" + (":" + weight if weight else "") for w in leaf.words]
        if leaf.prefix:
            words[-1] = f"'{leaf.words[-1]}':*{weight}"
        return "(" + " <-> ".join(words) + ")"

    def text_string(self, node: Node) -> str:
        """The tsquery syntax (any tree of text can be written)."""
        if isinstance(node, Text):
            return self.phrase(node)
        if isinstance(node, Not):
            return "!" + self.text_string(node.child)
        if isinstance(node, And):
            return "(" + " & ".join(self.text_string(c) for c in node.children) + ")"
        if isinstance(node, Or):
            return "(" + " | ".join(self.text_string(c) for c in node.children) + ")"
        raise _NotExpressibleError

    def join_and(self, pos: list[str], neg: list[str]) -> str:
        """``a & b & !c``."""
        return "(" + " & ".join(pos + ["!" + n for n in neg]) + ")"

    def combine(
        self, pos: list[Node], neg: list[Node], conds: list[ColumnElement[bool]]
    ) -> str | None:
        """Keep the same plan shape as SQLite (results must not differ between engines)."""
        return super().combine(pos, neg, conds)

    def text_cond(self, match: str) -> ColumnElement[bool]:
        """``search_vec @@ to_tsquery('simple', :m)``."""
        return _ts_match("quotes" if self.kind == "quote" else "sources", match)

    def title_cond(self, words: tuple[str, ...], prefix: bool) -> ColumnElement[bool]:
        """Sources whose weight-A part (title, author, publisher) holds the phrase."""
        return _ts_match("sources", self.phrase(Text(words, prefix), "A"))


# The longest a date of each precision can last (days); RANGE and APPROXIMATE have no bound.
_SPANS = (
    ((Precision.DAY,), 0),
    ((Precision.EARLY_MONTH, Precision.MID_MONTH, Precision.LATE_MONTH, Precision.MONTH), 31),
    ((Precision.YEAR,), 366),
)


def _said_overlaps(t: Any, lo: dt.date | None, hi: dt.date | None) -> ColumnElement[bool]:
    """Quotes whose date (start..end) overlaps lo..hi, in a form the date index can serve.

    "Ends on or after lo" alone cannot use an index on the start: for an old month it would
    read most of the table. Each precision bounds how long a date lasts, so the start is at
    least lo minus that span; one index range per precision (``search_quotes_said``).
    """
    start = t.c.said_start
    if lo is None:
        return sa.and_(start.is_not(None), start <= hi)
    within: ColumnElement[bool] = t.c.id.in_(_said_union(t, lo, hi))
    return within


def _said_union(t: Any, lo: dt.date, hi: dt.date | None) -> Any:
    """The ids of quotes whose date overlaps lo..hi: one date-index range per precision."""
    start = t.c.said_start
    end = sa.func.coalesce(t.c.said_end, start)
    overlap = [end >= lo] + ([start <= hi] if hi is not None else [])
    branches = [
        sa.select(t.c.id).where(
            t.c.said_precision.in_(precisions),
            start >= lo - dt.timedelta(days=span),
            *overlap,
        )
        for precisions, span in _SPANS
    ]
    unbounded = sa.or_(
        t.c.said_precision.is_(None),
        t.c.said_precision.in_((Precision.RANGE, Precision.APPROXIMATE)),
    )
    branches.append(sa.select(t.c.id).where(unbounded, start.is_not(None), *overlap))
    return sa.union_all(*branches)


def compiler_for(dialect: str, kind: Kind, resolver: Resolver) -> Compiler:
    """The compiler for an engine name (``sqlite`` or ``postgresql``)."""
    if dialect == "sqlite":
        return SqliteCompiler(kind, resolver)
    if dialect == "postgresql":
        return PgCompiler(kind, resolver)
    raise ValueError(f"search does not support the {dialect} engine")


def _ts_match(table: str, match: str) -> ColumnElement[bool]:
    return sa.literal_column(f"{table}.search_vec").bool_op("@@")(
        sa.func.to_tsquery(sa.literal_column("'simple'"), sa.bindparam(None, match))
    )
