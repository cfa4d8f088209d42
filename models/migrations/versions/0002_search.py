"""search indexes: FTS5 on SQLite, tsvector + GIN on PostgreSQL

Revision ID: 0002_search
Revises: 0001_initial
Create Date: 2026-11-25 10:10:00

Text reaches the index already folded the way ``services.textnorm.fold`` folds a query: Arabic
harakat, Quranic marks and tatweel removed, alef forms, taa marbuta and alef maqsura unified
(FTS5 keeps harakat, which split a word into letters, so the folding happens before the
tokenizer, in the SQLite function ``sb_fold`` that ``models.db`` registers on every
connection), case and Latin diacritics removed (FTS5 ``remove_diacritics 2``; PostgreSQL
``translate`` + ``lower``), punctuation turned into spaces so that both engines cut words at the
same places.

SQLite: ``fts_quotes`` / ``fts_sources`` are external-content FTS5 tables over the views
``search_quote_src`` / ``search_source_src`` (the folded text is computed, never stored twice),
kept in step by ``fts_*`` triggers in the writing transaction. ``'rebuild'`` refills them in bulk.
A quote's tag names are indexed too (column ``tags``): triggers on ``quote_tags`` and ``tags`` copy
them into ``quotes.search_tags``, which the quote's own trigger then reindexes.

PostgreSQL: ``search_vec`` generated tsvector columns (config ``simple`` over ``search_fold``)
with ``search_*_vec`` GIN indexes.

Every object is named ``fts_*`` or ``search_*`` so the autogenerate check ignores it. The
statements are also used by ``services.search`` to pause and rebuild indexing around bulk loads.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_search"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# --- Folding tables (kept in step with services.textnorm.fold)

_ARABIC_MARKS = (
    [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670"]
    + [chr(c) for c in range(0x06D6, 0x06EE)]
    + ["\u0640"]
)
_ARABIC_MAP = {
    "\u0622": "\u0627",
    "\u0623": "\u0627",
    "\u0625": "\u0627",
    "\u0671": "\u0627",
    "\u0629": "\u0647",
    "\u0649": "\u064a",
    "\u06cc": "\u064a",
    "\u06a9": "\u0643",
}
_PUNCT = (
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\u00a1\u00ab\u00b7\u00bb\u00bf"
    + "".join(chr(c) for c in range(0x2010, 0x2028))
    + "".join(chr(c) for c in range(0x2030, 0x205F))
    + "\u060c\u061b\u061f\u066a\u066b\u066c\u06d4\u3001\u3002"
)


def _bracket(chars: str) -> str:
    """A regular-expression bracket expression matching any of ``chars`` (PostgreSQL ARE)."""
    return "[" + "".join("\\" + c if c in "]\\^-[" else c for c in chars) + "]"


def pg_fold_function() -> str:
    """``search_fold(text)``: the PostgreSQL twin of ``services.textnorm.fold`` for indexing.

    Pure-ASCII text (the common case) only has punctuation turned into spaces and is
    lower-cased. Other text is decomposed (NFKD) so that Latin accents and the hamza and madda
    of alef forms become separate marks, the marks are removed, the remaining Arabic letter
    variants are unified with a short ``translate`` (a ``translate`` over a long table cost
    about 1 ms per quote), punctuation becomes spaces, and the result is lower-cased.
    """
    marks = "".join(chr(c) for c in range(0x300, 0x370)) + "".join(_ARABIC_MARKS)
    arabic_from = "".join(_ARABIC_MAP)
    arabic_to = "".join(_ARABIC_MAP.values())
    ascii_punct = "".join(c for c in _PUNCT if c.isascii())

    def lit(s: str) -> str:
        return "'" + s.replace("'", "''") + "'"

    full = (
        f"lower(regexp_replace(translate(regexp_replace(normalize(t, NFKD), "
        f"{lit(_bracket(marks))}, '', 'g'), {lit(arabic_from)}, {lit(arabic_to)}), "
        f"{lit(_bracket(_PUNCT))}, ' ', 'g'))"
    )
    plain = f"lower(regexp_replace(t, {lit(_bracket(ascii_punct))}, ' ', 'g'))"
    return (
        "CREATE OR REPLACE FUNCTION search_fold(t text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
        f"$$ SELECT CASE WHEN t ~ '^[\\x01-\\x7f]*$' THEN {plain} ELSE {full} END $$"
    )


def sqlite_fold(expr: str) -> str:
    """SQL that removes Arabic marks and unifies Arabic letter forms in ``expr``.

    ``sb_fold`` is ``models.textfold.index_fold``, registered on every SQLite connection by
    ``models.db`` (a 55-deep ``replace()`` chain overflowed SQLite's parser stack). Case and Latin
    diacritics are left to FTS5 (``remove_diacritics 2``).
    """
    return f"sb_fold({expr})"


# --- SQLite

_Q_BODY = "coalesce({p}.text, '') || ' ' || coalesce({p}.translation, '')"
_Q_NOTE = "coalesce({p}.note, '')"
_Q_TAGS = "coalesce({p}.search_tags, '')"
_S_TITLE = (
    "coalesce({p}.title, '') || ' ' || coalesce({p}.author, '') || ' ' "
    "|| coalesce({p}.publisher, '')"
)
_S_BODY = "coalesce({p}.text, '')"

_TABLES = {
    # fts table: (base table, view, [(column, expression)], columns that trigger an update)
    "fts_quotes": (
        "quotes",
        "search_quote_src",
        [("body", _Q_BODY), ("note", _Q_NOTE), ("tags", _Q_TAGS)],
        "text, translation, note, search_tags",
    ),
    "fts_sources": (
        "sources",
        "search_source_src",
        [("title", _S_TITLE), ("body", _S_BODY)],
        "title, author, publisher, text",
    ),
}


# A quote's tag names, space-separated: copied into quotes.search_tags by triggers, so that the
# FTS5 triggers see a tag change as an ordinary update of the quote with exact old values (an
# external-content FTS5 table is corrupted by a 'delete' with values other than those indexed).
_TAGS_OF = (
    "coalesce((SELECT group_concat(t.name, ' ') FROM quote_tags qt JOIN tags t "
    "ON t.id = qt.tag_id WHERE qt.quote_id = {q}), '')"
)
_TAG_TRIGGERS = ("fts_quote_tags_ai", "fts_quote_tags_ad", "fts_quote_tags_au", "fts_tags_au")


def sqlite_tag_column() -> list[str]:
    """The ``quotes.search_tags`` column (SQLite only; PostgreSQL looks tags up at query time)."""
    return ["ALTER TABLE quotes ADD COLUMN search_tags TEXT NOT NULL DEFAULT ''"]


def sqlite_refresh_tags() -> list[str]:
    """Recompute ``search_tags`` of the quotes that have tags (after a bulk load)."""
    return [
        f"UPDATE quotes SET search_tags = {_TAGS_OF.format(q='quotes.id')} "
        "WHERE id IN (SELECT quote_id FROM quote_tags) OR search_tags != ''"
    ]


def sqlite_tables() -> list[str]:
    """Views and FTS5 tables (without triggers)."""
    out = []
    for fts, (base, view, cols, _) in _TABLES.items():
        select = ", ".join(f"{sqlite_fold(e.format(p=base))} AS {c}" for c, e in cols)
        out.append(f"CREATE VIEW IF NOT EXISTS {view} AS SELECT id, {select} FROM {base}")
        names = ", ".join(c for c, _ in cols)
        out.append(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({names}, content='{view}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
    return out


def sqlite_triggers() -> list[str]:
    """Triggers keeping the FTS5 tables in step with their tables, in the same transaction."""
    out = []
    for fts, (base, _view, cols, watched) in _TABLES.items():
        names = ", ".join(c for c, _ in cols)
        new = ", ".join(sqlite_fold(e.format(p="new")) for _, e in cols)
        old = ", ".join(sqlite_fold(e.format(p="old")) for _, e in cols)
        ins = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
        dele = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
        out.append(f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {base} BEGIN {ins} END")
        out.append(f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {base} BEGIN {dele} END")
        out.append(
            f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {watched} ON {base} "
            f"BEGIN {dele} {ins} END"
        )

    def set_tags(q: str) -> str:
        return f"UPDATE quotes SET search_tags = {_TAGS_OF.format(q=q)} WHERE id = {q};"

    ai, ad, au, tags_au = _TAG_TRIGGERS
    out.append(
        f"CREATE TRIGGER IF NOT EXISTS {ai} AFTER INSERT ON quote_tags "
        f"BEGIN {set_tags('new.quote_id')} END"
    )
    out.append(
        f"CREATE TRIGGER IF NOT EXISTS {ad} AFTER DELETE ON quote_tags "
        f"BEGIN {set_tags('old.quote_id')} END"
    )
    out.append(
        f"CREATE TRIGGER IF NOT EXISTS {au} AFTER UPDATE ON quote_tags "
        f"BEGIN {set_tags('old.quote_id')} {set_tags('new.quote_id')} END"
    )
    out.append(
        f"CREATE TRIGGER IF NOT EXISTS {tags_au} AFTER UPDATE OF name ON tags BEGIN "
        f"UPDATE quotes SET search_tags = {_TAGS_OF.format(q='quotes.id')} "
        "WHERE id IN (SELECT quote_id FROM quote_tags WHERE tag_id = new.id); END"
    )
    return out


def sqlite_drop_triggers() -> list[str]:
    """Statements dropping the triggers (bulk loads index afterwards: 5x faster)."""
    return [
        *(f"DROP TRIGGER IF EXISTS {f}_{s}" for f in _TABLES for s in ("ai", "ad", "au")),
        *(f"DROP TRIGGER IF EXISTS {t}" for t in _TAG_TRIGGERS),
    ]


def sqlite_rebuild() -> list[str]:
    """Statements refilling the FTS5 tables from their views (tag names first)."""
    return [*sqlite_refresh_tags(), *(f"INSERT INTO {f}({f}) VALUES ('rebuild')" for f in _TABLES)]


# --- PostgreSQL

_PG_VEC = {
    "quotes": "setweight(to_tsvector('simple', search_fold(coalesce(text, '') || ' ' || "
    "coalesce(translation, ''))), 'A') || "
    "setweight(to_tsvector('simple', search_fold(coalesce(note, ''))), 'B')",
    "sources": "setweight(to_tsvector('simple', search_fold(coalesce(title, '') || ' ' || "
    "coalesce(author, '') || ' ' || coalesce(publisher, ''))), 'A') || "
    "setweight(to_tsvector('simple', search_fold(coalesce(text, ''))), 'B')",
}


def pg_columns() -> list[str]:
    """The fold function and the generated tsvector columns."""
    out = [pg_fold_function()]
    for table, expr in _PG_VEC.items():
        out.append(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vec tsvector "
            f"GENERATED ALWAYS AS ({expr}) STORED"
        )
    return out


def pg_indexes() -> list[str]:
    """GIN indexes over the tsvector columns."""
    return [
        f"CREATE INDEX IF NOT EXISTS search_{t}_vec ON {t} USING gin (search_vec)" for t in _PG_VEC
    ]


def pg_drop_indexes() -> list[str]:
    """Statements dropping the GIN indexes (bulk loads rebuild them afterwards)."""
    return [f"DROP INDEX IF EXISTS search_{t}_vec" for t in _PG_VEC]


# Dates by precision, so that "said between" can read a few index ranges (services.search).
SAID_INDEX = (
    "CREATE INDEX IF NOT EXISTS search_quotes_said "
    "ON quotes (said_precision, said_start, said_end, case_id)"
)
# kind:pdf reads sources by kind; without it, every (large) source row is read.
KIND_INDEX = "CREATE INDEX IF NOT EXISTS search_sources_kind ON sources (kind, case_id)"


def upgrade() -> None:
    """Create the search structures for this engine and index existing rows."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for stmt in [*sqlite_tag_column(), *sqlite_tables(), *sqlite_triggers(), *sqlite_rebuild()]:
            op.execute(stmt)
        op.execute(SAID_INDEX)
        op.execute(KIND_INDEX)
    elif dialect == "postgresql":
        for stmt in [*pg_columns(), *pg_indexes(), SAID_INDEX, KIND_INDEX]:
            op.execute(stmt)


def downgrade() -> None:
    """Drop the search structures."""
    dialect = op.get_bind().dialect.name
    op.execute("DROP INDEX IF EXISTS search_quotes_said")
    op.execute("DROP INDEX IF EXISTS search_sources_kind")
    if dialect == "sqlite":
        for stmt in sqlite_drop_triggers():
            op.execute(stmt)
        for fts, (_b, view, _c, _w) in _TABLES.items():
            op.execute(f"DROP TABLE IF EXISTS {fts}")
            op.execute(f"DROP VIEW IF EXISTS {view}")
        op.execute("ALTER TABLE quotes DROP COLUMN search_tags")
    elif dialect == "postgresql":
        for stmt in pg_drop_indexes():
            op.execute(stmt)
        for table in _PG_VEC:
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vec")
        op.execute("DROP FUNCTION IF EXISTS search_fold(text)")
