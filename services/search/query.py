"""The search query language, parsed once into a tree that each engine compiles.

Grammar (operators in capitals; a space between parts means AND)::

    query   := or
    or      := and ("OR" and)*
    and     := unary ("AND"? unary)*
    unary   := ("-" | "NOT") unary | primary
    primary := "(" or ")" | '"' phrase '"' | word["*"] | filter
    filter  := name ":" (value | '"' value '"')

Filters: ``speaker:`` ``tag:`` ``source:`` ``status:`` ``case:`` ``said:`` ``kind:`` ``place:``.
Words are folded like names (``services.textnorm.fold``): case, diacritics, Arabic letter forms,
harakat and tatweel do not matter. A word that folds to several words (``el-Zour``) is a phrase.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from models.schema import QuoteStatus, SourceKind
from services.errors import ValidationError
from services.textnorm import fold


class QuerySyntaxError(ValidationError):
    """A search query that cannot be read; the message says what to change."""


FILTERS = ("speaker", "tag", "source", "status", "case", "said", "kind", "place")
MIN_PREFIX = 2  # letters before a "*"

_TOKEN = re.compile(r"[^\W_]+")
_FILTER = re.compile(r"^([A-Za-z]+):(.*)$", re.S)
_KINDS = {
    "pdf": SourceKind.PDF,
    "web": SourceKind.WEB_PAGE,
    "web_page": SourceKind.WEB_PAGE,
    "webpage": SourceKind.WEB_PAGE,
    "page": SourceKind.WEB_PAGE,
    "word": SourceKind.WORD,
    "docx": SourceKind.WORD,
    "email": SourceKind.EMAIL,
    "mail": SourceKind.EMAIL,
    "note": SourceKind.INTERVIEW_NOTE,
    "interview": SourceKind.INTERVIEW_NOTE,
    "interview_note": SourceKind.INTERVIEW_NOTE,
    "text": SourceKind.PLAIN_TEXT,
    "plain": SourceKind.PLAIN_TEXT,
    "plain_text": SourceKind.PLAIN_TEXT,
}


def tokens(text: str) -> tuple[str, ...]:
    """The folded words of ``text``, cut where the index cuts them."""
    return tuple(_TOKEN.findall(fold(text)))


# --- The tree


@dataclass(frozen=True)
class Text:
    """A word, a prefix (``bord*``) or a phrase: one or more folded words in a row.

    Attributes:
        words: The folded words, in order.
        prefix: Whether the last word is a prefix.
        raw: What the journalist typed.
    """

    words: tuple[str, ...]
    prefix: bool = False
    raw: str = ""


@dataclass(frozen=True)
class Filter:
    """``name:value``; dates and enumerations are checked when parsed.

    Attributes:
        name: One of FILTERS.
        value: The value as typed (without quotes).
        words: The folded words of the value.
        prefix: The value ended with ``*``.
        dates: For ``said:``, the inclusive range (either end may be open).
    """

    name: str
    value: str
    words: tuple[str, ...] = ()
    prefix: bool = False
    dates: tuple[dt.date | None, dt.date | None] | None = None


@dataclass(frozen=True)
class Not:
    """Everything that does not match ``child``."""

    child: Node


@dataclass(frozen=True)
class And:
    """All children match."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one child matches."""

    children: tuple[Node, ...]


Node = Text | Filter | Not | And | Or


# --- Lexer


@dataclass(frozen=True)
class _Tok:
    kind: str  # "(" ")" "-" "OR" "AND" "NOT" "word" "phrase" "filter"
    text: str = ""
    name: str = ""
    quoted: bool = False


def _lex(q: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(q)
    q = q.replace("\u201c", '"').replace("\u201d", '"').replace("\u00ab", '"')
    q = q.replace("\u00bb", '"')
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(_Tok(c))
            i += 1
        elif c == '"':
            j = q.find('"', i + 1)
            if j < 0:
                raise QuerySyntaxError(f"a quotation mark is not closed: {q[i:]!r}")
            out.append(_Tok("phrase", q[i + 1 : j]))
            i = j + 1
        elif c == "-" and (i == 0 or q[i - 1].isspace() or q[i - 1] == "("):
            if i + 1 >= n or q[i + 1].isspace():
                raise QuerySyntaxError("a '-' must be followed by what to leave out, as in -rumour")
            out.append(_Tok("-"))
            i += 1
        else:
            j = i
            while j < n and not q[j].isspace() and q[j] not in '()"':
                j += 1
            word = q[i:j]
            m = _FILTER.match(word)
            if m and m.group(1).lower() in FILTERS:
                name, value = m.group(1).lower(), m.group(2)
                if not value and j < n and q[j] == '"':
                    k = q.find('"', j + 1)
                    if k < 0:
                        raise QuerySyntaxError(f"a quotation mark is not closed: {q[j:]!r}")
                    out.append(_Tok("filter", q[j + 1 : k], name=name, quoted=True))
                    i = k + 1
                    continue
                out.append(_Tok("filter", value, name=name))
            elif m and m.group(1).isalpha() and not m.group(2).startswith("/"):
                raise QuerySyntaxError(
                    f"unknown filter {m.group(1)}:; use one of "
                    + ", ".join(f + ":" for f in FILTERS)
                )
            elif word in ("OR", "AND", "NOT"):
                out.append(_Tok(word))
            else:
                out.append(_Tok("word", word))
            i = j
    return out


# --- Parser


class _Parser:
    def __init__(self, toks: list[_Tok], source: str) -> None:
        self.toks = toks
        self.pos = 0
        self.source = source

    def peek(self) -> _Tok | None:
        return self.toks[self.pos] if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Node | None:
        node = self.or_()
        if self.peek() is not None:
            tok = self.take()
            if tok.kind == ")":
                raise QuerySyntaxError("a ')' has no matching '('")
            raise QuerySyntaxError(f"unexpected {tok.kind!r}")  # pragma: no cover - defensive
        return node

    def or_(self) -> Node | None:
        parts = [self.and_()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            if self.peek() is None or self.peek().kind in (")", "OR"):  # type: ignore[union-attr]
                raise QuerySyntaxError(
                    "OR needs something on both sides, as in: border OR frontier"
                )
            parts.append(self.and_())
        if len(parts) > 1 and parts[0] is None:
            raise QuerySyntaxError("OR needs something on both sides, as in: border OR frontier")
        kept = tuple(p for p in parts if p is not None)
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else Or(kept)

    def and_(self) -> Node | None:
        parts: list[Node] = []
        seen_any = False
        while (tok := self.peek()) is not None and tok.kind not in (")", "OR"):
            if tok.kind == "AND":
                self.take()
                if not seen_any or self.peek() is None or self.peek().kind in (")", "OR", "AND"):  # type: ignore[union-attr]
                    raise QuerySyntaxError("AND needs something on both sides")
                continue
            seen_any = True
            node = self.unary()
            if node is not None:
                parts.append(node)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node | None:
        tok = self.take()
        if tok.kind in ("-", "NOT"):
            nxt = self.peek()
            if nxt is None or nxt.kind in (")", "OR", "AND"):
                raise QuerySyntaxError(
                    "NOT / '-' must be followed by what to leave out, as in: border -rumour"
                )
            child = self.unary()
            return None if child is None else Not(child)
        if tok.kind == "(":
            inner = self.or_()
            close = self.peek()
            if close is None or close.kind != ")":
                raise QuerySyntaxError("a '(' is not closed")
            self.take()
            if inner is None:
                raise QuerySyntaxError("empty brackets: put words between '(' and ')'")
            return inner
        if tok.kind == ")":
            raise QuerySyntaxError("a ')' has no matching '('")
        if tok.kind == "phrase":
            words = tokens(tok.text)
            return Text(words, False, tok.text) if words else None
        if tok.kind == "filter":
            return _filter(tok)
        return _word(tok.text)


def _word(raw: str) -> Text | None:
    prefix = raw.endswith("*")
    body = raw.rstrip("*") if prefix else raw
    if "*" in body:
        raise QuerySyntaxError(f"a '*' can only end a word, as in negotiat*: {raw!r}")
    words = tokens(body)
    if not words:
        if prefix:
            raise QuerySyntaxError(f"type at least {MIN_PREFIX} letters before '*'")
        return None
    if prefix and len(words[-1]) < MIN_PREFIX:
        raise QuerySyntaxError(f"type at least {MIN_PREFIX} letters before '*': {raw!r}")
    return Text(words, prefix, raw)


def _filter(tok: _Tok) -> Filter:
    name, value = tok.name, tok.text.strip()
    if not value:
        raise QuerySyntaxError(f"{name}: needs a value, as in {name}:{_EXAMPLES[name]}")
    if name == "said":
        return Filter(name, value, dates=parse_date_range(value))
    if name == "status":
        v = value.lower()
        if v not in {s.value for s in QuoteStatus}:
            raise QuerySyntaxError(
                f"status:{value} is not a status; use one of "
                + ", ".join(s.value for s in QuoteStatus)
            )
        return Filter(name, v)
    if name == "kind":
        v = value.lower()
        if v not in _KINDS:
            raise QuerySyntaxError(
                f"kind:{value} is not a kind of source; use one of pdf, web, word, email, note, "
                "text"
            )
        return Filter(name, _KINDS[v].value)
    prefix = value.endswith("*") and not tok.quoted
    words = tokens(value.rstrip("*") if prefix else value)
    if not words:
        raise QuerySyntaxError(f"{name}:{value} has no letters or digits to look for")
    return Filter(name, value, words, prefix)


_EXAMPLES = {
    "speaker": '"Mazloum Abdi"',
    "tag": "border",
    "source": "Reuters",
    "status": "verified",
    "case": "1",
    "said": "2021-01..2021-02",
    "kind": "pdf",
    "place": '"Deir ez-Zor"',
}

_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def _date_bounds(text: str) -> tuple[dt.date, dt.date]:
    m = _DATE.match(text.strip())
    if not m:
        raise QuerySyntaxError(
            f"said: expects dates as 2021, 2021-03 or 2021-03-15 (a range with ..): {text!r}"
        )
    year = int(m.group(1))
    try:
        if m.group(3):
            d = dt.date(year, int(m.group(2)), int(m.group(3)))
            return d, d
        if m.group(2):
            month = int(m.group(2))
            start = dt.date(year, month, 1)
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            return start, nxt - dt.timedelta(days=1)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    except ValueError as exc:
        raise QuerySyntaxError(f"said: {text!r} is not a real date") from exc


def parse_date_range(value: str) -> tuple[dt.date | None, dt.date | None]:
    """``2021``, ``2021-03``, ``2021-03-15``, ``A..B``, ``A..`` or ``..B`` as inclusive bounds."""
    if ".." in value:
        left, _, right = value.partition("..")
        lo = _date_bounds(left)[0] if left.strip() else None
        hi = _date_bounds(right)[1] if right.strip() else None
        if lo is None and hi is None:
            raise QuerySyntaxError("said: needs at least one date, as in said:2021-01..2021-02")
        if lo is not None and hi is not None and lo > hi:
            raise QuerySyntaxError(f"said:{value}: the range ends before it starts")
        return lo, hi
    lo, hi = _date_bounds(value)
    return lo, hi


def parse(query: str) -> Node:
    """Parse ``query`` into a tree.

    Raises:
        QuerySyntaxError: the query is malformed or holds nothing to search for; the message
            says what to change.
    """
    if len(query) > 2000:
        raise QuerySyntaxError("the search is too long (2,000 characters at most)")
    node = _Parser(_lex(query), query).parse()
    if node is None:
        raise QuerySyntaxError("type words to search for, or a filter such as speaker:Abdi")
    return node


def text_leaves(node: Node, negated: bool = False) -> list[Text]:
    """The words and phrases that should be highlighted (those not under a NOT)."""
    if isinstance(node, Text):
        return [] if negated else [node]
    if isinstance(node, Not):
        return text_leaves(node.child, not negated)
    if isinstance(node, And | Or):
        return [t for c in node.children for t in text_leaves(c, negated)]
    return []
