"""People and organisations named in a text: mentions, roles, affiliations and acronyms.

Rules, no statistical model. A run of capitalised words (with the particles of Arabic and
European names: al-, el-, bin, de, van...) is a candidate name; it is classified as an
organisation (an organisation word such as "Forces" or "Project", a defined acronym, a case
organisation), a place (left to :mod:`services.extract.places`) or a person (two or more name
words, a title such as "Col.", a case person, or the surname of someone already named).
Appositions give roles and affiliations: "Siyamend Ali, a press officer with the People's
Protection Units (YPG), the main element within SDF".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from services.extract.matching import KnownName, NameIndex, arabic_pattern, name_key, token_keys
from services.extract.text import ABBREVIATIONS, Intervals, Span, in_range
from services.textnorm import fold


def _words(text: str) -> list[str]:
    return text.split()


PERSON = "person"
ORGANISATION = "organisation"
PLACE = "place"

# Words that make a capitalised run an organisation.
ORG_WORDS = frozenset(
    _words(
        """forces force units unit party ministry council army front group organisation
        organization project coalition committee agency office observatory network institute
        center centre university association union movement brigade brigades battalion
        department commission government court police company corporation bank fund watch
        international foundation alliance authority administration news times post service guard
        guards navy command nations state militia militias league assembly parliament congress
        senate tribune journal herald telegraph gazette press reuters bureau directorate
        division regiment corps club federation institution programme program school college
        hospital foundation trust society mission initiative commission frontières
        frontieres operation crescent cross helmets house"""
    )
)
# Common nouns after a name that make it an organisation ("Asharq al-Awsat newspaper").
ORG_NOUNS_AFTER = frozenset(
    _words(
        """newspaper daily agency channel group militia party website magazine network tribe
        organisation organization movement outlet broadcaster"""
    )
)
# Capitalised words that start sentences and are not names.
COMMON = frozenset(
    _words(
        """the a an in on at but and or despite several experts this that these those it he she
        they we our his her their its if when while after before as according meanwhile however
        since for from with by to of last next some many most all both each other another such
        there here then thus also yet still even only just no not so because although though
        until unless where what who whom whose which why how during under over between among
        about above below into onto upon within without across against along around behind
        beyond near throughout toward towards via one two three four five six seven eight nine
        ten first second third new old more less few any every my your i you me us him them mr
        mrs ms dr prof col gen lt maj capt sgt adm brig cmdr sen rep gov st jr sr january
        february march april may june july august september october november december monday
        tuesday wednesday thursday friday saturday sunday jan feb mar apr jun jul aug sep sept
        oct nov dec today yesterday tomorrow local officials residents sources witnesses
        analysts observers critics activists fighters militants forces troops police security
        government authorities"""
    )
)
# Nationality and other adjectives that begin names of things, not of people.
DEMONYMS = frozenset(
    _words(
        """syrian iraqi arab arabic kurdish turkish russian iranian american british french german
        israeli palestinian lebanese jordanian saudi egyptian yemeni libyan european islamic
        islamist muslim christian sunni shia shiite alawite yazidi assyrian armenian western
        eastern northern southern central global international national federal u.s. us u.n. un
        afghan pakistani indian chinese ukrainian qatari emirati"""
    )
)
TITLE_WORDS = {
    "col.": "colonel",
    "colonel": "colonel",
    "gen.": "general",
    "lt.": "lieutenant",
    "maj.": "major",
    "capt.": "captain",
    "sgt.": "sergeant",
    "adm.": "admiral",
    "brig.": "brigadier",
    "cmdr.": "commander",
    "dr.": "",
    "mr.": "",
    "mrs.": "",
    "ms.": "",
    "prof.": "professor",
    "sen.": "senator",
    "rep.": "representative",
    "gov.": "governor",
    "president": "president",
    "sheikh": "sheikh",
    "sheik": "sheikh",
    "imam": "imam",
    "minister": "minister",
    "senator": "senator",
    "judge": "judge",
    "general": "general",
    "secretary": "secretary",
    "ambassador": "ambassador",
    "envoy": "envoy",
    "commander": "commander",
    "lieutenant": "lieutenant",
    "sergeant": "sergeant",
    "captain": "captain",
    "king": "king",
    "queen": "queen",
    "prince": "prince",
    "emir": "emir",
    "mayor": "mayor",
    "governor": "governor",
    "spokesman": "spokesman",
    "spokeswoman": "spokeswoman",
}
# Head nouns of a role in an apposition ("a press officer with...").
ROLE_NOUNS = frozenset(
    _words(
        """officer official commander spokesman spokeswoman spokesperson minister president leader
        leaders chief head director researcher researchers analyst analysts expert experts envoy
        ambassador general colonel fighter fighters member members activist activists journalist
        journalists reporter correspondent editor adviser advisor professor lawyer mayor
        governor secretary chairman chairwoman chair founder cofounder co-founder deputy
        representative coordinator manager resident residents witness doctor citizen officials
        commanders soldier soldiers emir sheikh cleric imam judge prosecutor senator lawmaker
        legislator diplomat scholar fellow historian economist engineer teacher student farmer
        nurse surgeon worker volunteer employee alliance group militia coalition organisation
        organization newspaper agency element wing arm branch faction party movement force
        forces unit units broadcaster outlet network channel association council body umbrella
        observatory monitor think-tank tank institute partner partners administration authority
        mother father son daughter wife husband brother sister grandmother grandfather widow
        owner shopkeeper trader driver refugee survivor pharmacist mechanic baker"""
    )
)
_ORG_ROLE_NOUNS = frozenset(
    _words(
        """alliance group militia coalition organisation organization newspaper agency element wing
        arm branch faction party movement force forces unit units broadcaster outlet network
        channel association council body umbrella observatory monitor tank institute partner
        administration authority"""
    )
)
_AFFILIATION_PREPS = ("with", "of", "for", "at", "within", "to")
_NUMBER_WORDS = frozenset({"two", "three", "four", "five", "both", "several"})
_PARTICLES = frozenset(
    _words(
        """al el ez ad as ash at an ar az bin ibn bint abu abd de da del della di du van von der
        den la le dos das"""
    )
)
# Particles that stand alone between name words ("Ali al Hassan", "Omar bin Laden"); the others
# ("as", "at", "an") are English words unless joined by a hyphen ("as-Sham").
_STANDALONE_PARTICLES = _PARTICLES - {"as", "at", "an", "ar", "az", "ad", "ash", "ez"}
_JOINERS = frozenset({"of", "for", "de", "bin", "ibn", "bint", "van", "von", "der", "du", "da"})
_PRONOUNS = {"he": PERSON, "she": PERSON, "it": ORGANISATION}

_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}(?:-[\w’']+)*|[^\W\d_][\w’'\-]*\.?")
_ACRONYM_DEF = re.compile(r"\s*\((?P<acr>[A-Z][A-Za-z]{0,2}[A-Z][A-Za-z]{0,5}|[A-Z]{2,8})\)")
_ALLCAPS = re.compile(r"^[A-Z][A-Z0-9&]{1,7}$")
_POSSESSIVE = re.compile(r"[’']s$")


@dataclass
class Entity:
    """A person or organisation being gathered (mutable while the engine runs).

    Attributes:
        key: Identifier within one extraction.
        kind: ``person`` or ``organisation``.
        name: The fullest name the text gives.
        spans: Where it is named.
        role: The role the text gives.
        affiliation: The organisation it belongs to, if the text says so.
        acronym: The acronym the text defines for it.
        aliases: Other forms found (titled name, acronym, Arabic).
        known: The case entry it matched, if any.
    """

    key: str
    kind: str
    name: str
    spans: list[Span] = field(default_factory=list)
    role: str = ""
    affiliation: Entity | None = None
    acronym: str = ""
    aliases: list[str] = field(default_factory=list)
    known: KnownName | None = None
    title_role: str = ""


def title_role(title: str) -> str:
    """The role a title before a name states ("Col." colonel, "Prime Minister", "Dr." none)."""
    words = title.split()
    if not words:
        return ""
    if len(words) == 1:
        return TITLE_WORDS.get(words[0].lower(), "")
    # "Turkish President": the nationality keeps its capital, the title does not.
    return " ".join(
        TITLE_WORDS.get(w.lower(), w if w.lower() in DEMONYMS else w.lower()) for w in words
    )


@dataclass
class Mention:
    """One naming of an entity (or a place, or a pronoun) in the text.

    Attributes:
        start: First character.
        end: One past the last character.
        kind: ``person``, ``organisation``, ``place`` or ``pronoun``.
        entity: The entity it names (None for places and unresolved pronouns).
        name: The mentioned text (for places, the place name).
    """

    start: int
    end: int
    kind: str
    entity: Entity | None = None
    name: str = ""


class _Sorted(list[Mention]):
    """Mentions in text order with their start offsets, for range lookups."""

    def __init__(self, items: Sequence[Mention]) -> None:
        super().__init__(items)
        self.starts = [m.start for m in self]


@dataclass
class _Chunk:
    start: int
    end: int
    words: list[str]
    title: str = ""


class EntityTable:
    """Every entity found so far and how names, surnames and acronyms lead to them."""

    def __init__(self, known: NameIndex) -> None:
        self.known = known
        self.entities: list[Entity] = []
        self._by_key: dict[str, Entity] = {}
        self._by_acronym: dict[str, Entity] = {}
        self._by_known: dict[int, Entity] = {}
        self._by_part: dict[str, Entity] = {}
        self._by_suffix: dict[tuple[str, ...], Entity] = {}
        self._expand_checked: dict[str, int] = {}

    def _new(self, kind: str, name: str, known: KnownName | None) -> Entity:
        e = Entity(key=f"e{len(self.entities) + 1}", kind=kind, name=name, known=known)
        self.entities.append(e)
        self._index(e, name)
        if known is not None:
            self._by_known.setdefault(known.id, e)
        return e

    def _index(self, e: Entity, name: str) -> None:
        key = name_key(name)
        if key:
            self._by_key.setdefault(key, e)
        if e.kind == PERSON:
            # Surnames and first names lead back to the person (latest one wins).
            parts = token_keys(name)
            for part in parts:
                if len(part) > 2:
                    self._by_part[part] = e
            # A compound surname: "Abu Layla" for "Omar Abu Layla".
            for i in range(1, len(parts) - 1):
                self._by_suffix[parts[i:]] = e

    def expand(self, acronym: str) -> str | None:
        """The name of an organisation already named whose initials make ``acronym`` (UN)."""
        if acronym in self._by_acronym or self._expand_checked.get(acronym) == len(self.entities):
            return None
        self._expand_checked[acronym] = len(self.entities)
        for e in reversed(self.entities):
            if e.kind == ORGANISATION and not e.acronym:
                initials = "".join(
                    w[0] for w in e.name.split() if w.lower() not in ("of", "for", "the", "and")
                )
                if initials.upper() == acronym and len(acronym) > 1:
                    e.acronym = acronym
                    self._by_acronym[acronym] = e
                    return e.name
        return None

    def by_acronym(self, acronym: str) -> Entity | None:
        """The entity this acronym was defined for."""
        return self._by_acronym.get(acronym)

    def lookup(self, name: str) -> Entity | None:
        """An entity already named so (full name, acronym, surname, alias)."""
        if name in self._by_acronym:
            return self._by_acronym[name]
        hit = self._by_key.get(name_key(name))
        if hit is not None:
            return hit
        known = self.known.match(name)
        if known is not None and known.id in self._by_known:
            return self._by_known[known.id]
        keys = token_keys(name)
        if len(keys) == 1 and keys[0] in self._by_part:
            return self._by_part[keys[0]]
        return self._by_suffix.get(keys)

    def get_or_add(self, kind: str, name: str, span: Span, acronym: str = "") -> Entity:
        """The entity named ``name`` (created if new), with this mention recorded."""
        e = self.lookup(name)
        if e is None and acronym:
            e = self._by_acronym.get(acronym)
        if e is None:
            known = self.known.match(name)
            if known is None and acronym:
                known = self.known.match(acronym)
            if known is not None and known.kind not in (PERSON, ORGANISATION):
                known = None
            e = self._new(kind, name, known)
            if known is not None and known.kind == ORGANISATION:
                e.kind = ORGANISATION
        elif len(token_keys(name)) > len(token_keys(e.name)) and kind == e.kind:
            # The fuller name is the better one to show ("Wayne Marotto" over "Marotto").
            e.aliases.append(e.name)
            e.name = name
            self._index(e, name)
        elif fold(name) != fold(e.name) and name not in e.aliases and name != e.acronym:
            e.aliases.append(name)
        if acronym and not e.acronym:
            e.acronym = acronym
            self._by_acronym[acronym] = e
        if span not in e.spans:
            e.spans.append(span)
        return e

    def add_org(self, name: str, span: Span) -> Entity:
        """An organisation named by a lower-case phrase ("the U.S.-led coalition")."""
        e = self.lookup(name)
        if e is None:
            e = self._new(ORGANISATION, name, self.known.match(name, (ORGANISATION,)))
        if span not in e.spans:
            e.spans.append(span)
        return e


# --- Chunking


def _is_namey(tok: str) -> bool:
    if tok[0].isupper():
        return True
    # al-Faisal, el-Zour, ez-Zor: an article joined to a capitalised name.
    head, _, rest = tok.partition("-")
    return bool(rest) and head.lower() in _PARTICLES and rest[:1].isupper()


def _clean_token(tok: str) -> str:
    if (
        tok.endswith(".")
        and not re.fullmatch(r"(?:[A-Z]\.)+", tok)
        and tok[:-1].lower() not in ABBREVIATIONS
    ):
        tok = tok[:-1]
    return tok.rstrip("-")


def chunks(text: str) -> list[_Chunk]:
    """Runs of capitalised words on one line, each a candidate name."""
    out: list[_Chunk] = []
    cur: list[tuple[int, int, str]] = []

    def flush() -> None:
        # A name never ends with a joining word or a particle ("Jalal Mohammed at").
        while cur and cur[-1][2].lower() in _JOINERS | _PARTICLES | {"the"}:
            cur.pop()
        if cur:
            out.append(_Chunk(cur[0][0], cur[-1][1], [w for _, _, w in cur]))
        cur.clear()

    for m in _TOKEN.finditer(text):
        tok = _clean_token(m.group())
        if not tok:
            continue
        s, e = m.start(), m.start() + len(tok)
        low = tok.lower()
        # Only words one space apart make a name: a comma, a line end or a dash break it.
        if cur and text[cur[-1][1] : s] != " ":
            flush()
        if (
            _is_namey(tok)
            or cur
            and (
                low in _STANDALONE_PARTICLES
                or low in _JOINERS
                or (low == "the" and cur[-1][2] in ("of", "for"))
            )
        ):
            cur.append((s, e, tok))
        else:
            flush()
        if cur and m.group().endswith(".") and not tok.endswith("."):
            flush()  # a full stop (not an abbreviation's) ends the run
    flush()
    return out


# --- Classification


# Words that make a title of the title word after them: "Prime Minister", "Foreign Minister".
_TITLE_PREFIXES = frozenset(
    _words("prime foreign defence defense interior deputy vice chief senior former acting")
)


def _strip_leading(ch: _Chunk, text: str) -> _Chunk | None:
    words = list(ch.words)
    start = ch.start
    titles: list[str] = []
    while words:
        low = words[0].lower()
        is_prefix = (
            (low in _TITLE_PREFIXES or low in DEMONYMS)
            and len(words) > 2
            and words[1].lower() in TITLE_WORDS
        )
        if (low in TITLE_WORDS and len(words) > 1) or is_prefix:
            titles.append(words[0])
        elif low not in COMMON and low.rstrip(".") not in COMMON:
            break
        start = text.index(words[1], start + len(words[0])) if len(words) > 1 else ch.end
        words.pop(0)
    # "Information Minister Imad Sara", "Secretary General Antonio Guterres": the words up to
    # the last title word are the title when a name of two words or more follows.
    last = max((i for i, w in enumerate(words[:4]) if w.lower() in TITLE_WORDS), default=-1)
    if last >= 0 and len(words) - last - 1 >= 2 and not any(w.lower() in ORG_WORDS for w in words):
        titles.extend(words[: last + 1])
        start = text.index(words[last + 1], start)
        words = words[last + 1 :]
    if not words:
        return None
    return _Chunk(start, ch.end, words, " ".join(titles))


def _split_on_joiners(ch: _Chunk, text: str) -> list[_Chunk]:
    """Split "Bashar al-Assad of Syria" into a name and a place; keep "Voice of America"."""
    if not any(w in ("of", "for", "and") for w in ch.words):
        return [ch]
    if any(w.lower() in ORG_WORDS for w in ch.words):
        # "Dareen Khalifa of the International Crisis Group": a person of an organisation.
        if "of" in ch.words:
            at = ch.words.index("of")
            head, tail = ch.words[:at], ch.words[at + 1 :]
            if len(head) >= 2 and not any(w.lower() in ORG_WORDS for w in head) and tail:
                tail = tail[1:] if tail[0] == "the" else tail
                t0 = text.index(tail[0], ch.start + len(" ".join(head)))
                head_end = text.index(head[-1], ch.start) + len(head[-1])
                return [_Chunk(ch.start, head_end, head, ch.title), _Chunk(t0, ch.end, tail)]
        return [ch]
    parts: list[_Chunk] = []
    cur: list[str] = []
    pos = ch.start
    start = ch.start
    for w in ch.words:
        at = text.index(w, pos)
        if w in ("of", "for", "and", "the"):
            if cur:
                parts.append(_Chunk(start, pos, cur))
            cur = []
        else:
            if not cur:
                start = at
            cur.append(w)
        pos = at + len(w)
    if cur:
        parts.append(_Chunk(start, pos, cur))
    return parts


def _classify(
    ch: _Chunk,
    text: str,
    table: EntityTable,
    is_place: Callable[[str], bool],
) -> tuple[str, str] | None:
    """(kind, name) of a chunk, or None when it names nothing worth proposing."""
    words = ch.words
    name = " ".join(words)
    name = _POSSESSIVE.sub("", name) if not words[-1].lower().endswith("s’s") else name
    lows = [w.lower() for w in words]
    after = text[ch.end : ch.end + 40]
    acr = _ACRONYM_DEF.match(after)
    known = table.known.match(name)
    if known is not None:
        return (PLACE if known.kind == PLACE else known.kind), name
    if (
        any(w in ORG_WORDS for w in lows[1:])
        or (len(words) > 1 and lows[-1] in ORG_WORDS)
        or (len(words) > 1 and lows[0] == "operation")
    ):
        return ORGANISATION, name
    if acr and len(words) > 1:
        return ORGANISATION, name
    if len(words) == 1 and _ALLCAPS.match(words[0]):
        return (PLACE, name) if is_place(name) else (ORGANISATION, table.expand(name) or name)
    if re.fullmatch(r"(?:[A-Z]\.)+", name):
        return (PLACE, name) if is_place(name) else None
    if is_place(name):
        return PLACE, name
    nxt = re.match(r"\s+([a-z]+)", after)
    if nxt and nxt.group(1) in ORG_NOUNS_AFTER:
        return ORGANISATION, name
    existing = table.lookup(name)
    if existing is not None:
        return existing.kind, name
    if lows[0] in DEMONYMS or lows[0].rstrip("’'s") in DEMONYMS:
        return None
    if any(w in COMMON for w in lows):
        return None
    if ch.title and len(words) >= 1:
        return PERSON, name
    if len(words) >= 2 and all(len(w) > 1 for w in words):
        return PERSON, name
    if len(words) == 1 and len(name) > 2 and not name.isupper():
        return _single_word(name, lows[0], text, ch)
    return None


# Organisations known by one word (all-capital acronyms are organisations anyway).
_SINGLE_ORGS = frozenset(
    _words("hezbollah hamas reuters amnesty unicef daesh taliban interpol europol frontex")
)
_SPEECH_AFTER = re.compile(r"\s+(?:said|says|told|added|explained|asked|insisted|warned)\b")
_SPEECH_BEFORE = re.compile(r"\b(?:said|says|told|added|asked|according\s+to)\s+$")
_APPOSITION_THEN_SPEECH = re.compile(
    r",\s+(?:a|an|the|\d+)\b[^.\n\u201c\u201d\"]{0,100}?,\s+(?:said|says|told|added)\b"
)


def _single_word(name: str, low: str, text: str, ch: _Chunk) -> tuple[str, str] | None:
    """A one-word name: a person only where the text has them speak ("Ahmed, 34, said")."""
    if low in _SINGLE_ORGS:
        return ORGANISATION, name
    if name.endswith(("’s", "'s")):
        return None
    if (
        _SPEECH_AFTER.match(text, ch.end)
        or _SPEECH_BEFORE.search(text, max(0, ch.start - 20), ch.start)
        or _APPOSITION_THEN_SPEECH.match(text, ch.end)
        or _AGE.match(text, ch.end)
    ):
        return PERSON, name
    return None


# "Aisha, 62, has lived in the camp": only people are given an age.
_AGE = re.compile(r",\s+(?:\d{1,2}|1[01]\d),")


def find_mentions(
    text: str,
    table: EntityTable,
    is_place: Callable[[str], bool],
    places_out: list[Mention],
    titles: Sequence[Span] = (),
    nicknames: Sequence[Span] = (),
) -> list[Mention]:
    """Mentions of people and organisations, in text order; place names go to ``places_out``.

    ``titles`` are the marks around titles (a book, a film): the names inside name nothing.
    ``nicknames`` are the marks of "Ali Hassan “Chemical Ali” al-Majid": the names on both
    sides are one person, the nickname an alias.
    """
    mentions: list[Mention] = []
    in_title = Intervals(titles)
    raw_chunks = [c for c in chunks(text) if not in_title.inside(c.start)]
    raw_chunks = _merge_nicknames(text, raw_chunks, nicknames, table, mentions)
    for raw in raw_chunks:
        stripped = _strip_leading(raw, text)
        if stripped is None:
            continue
        for ch in _split_on_joiners(stripped, text):
            ch.title = ch.title or stripped.title
            got = _classify(ch, text, table, is_place)
            if got is None:
                continue
            kind, name = got
            end = ch.start + len(name) if text.startswith(name, ch.start) else ch.end
            if kind == PLACE:
                places_out.append(Mention(ch.start, end, PLACE, None, name))
                continue
            acr = _ACRONYM_DEF.match(text, ch.end)
            acronym = acr.group("acr") if acr and kind == ORGANISATION and len(ch.words) > 1 else ""
            e = table.get_or_add(kind, name, (ch.start, end), acronym)
            if ch.title:
                e.title_role = e.title_role or title_role(ch.title)
                titled = f"{ch.title} {name}"
                if titled not in e.aliases:
                    e.aliases.append(titled)
            mentions.append(Mention(ch.start, end, e.kind, e, name))
            if acr and acronym:
                a0 = acr.start("acr")
                mentions.append(Mention(a0, acr.end("acr"), e.kind, e, acronym))
                e.spans.append((a0, acr.end("acr")))
    _find_arabic_known(text, table, mentions)
    mentions.sort(key=lambda m: m.start)
    return _dedupe(mentions)


def _merge_nicknames(
    text: str,
    raw: list[_Chunk],
    nicknames: Sequence[Span],
    table: EntityTable,
    mentions: list[Mention],
) -> list[_Chunk]:
    if not nicknames:
        return raw
    in_nick = Intervals(nicknames)
    by_end = {c.end: c for c in raw}
    by_start = {c.start: c for c in raw}
    used: set[int] = set()
    for o, c in nicknames:
        left = by_end.get(o - 1)
        right = by_start.get(c + 2)
        if left is None or right is None:
            continue
        stripped = _strip_leading(left, text)
        if stripped is None:
            continue
        name = " ".join([*stripped.words, *right.words])
        e = table.get_or_add(PERSON, name, (stripped.start, right.end))
        nickname = text[o + 1 : c].strip()
        if nickname not in e.aliases:
            e.aliases.append(nickname)
        mentions.append(Mention(stripped.start, right.end, PERSON, e, name))
        used.update({id(left), id(right)})
    return [ch for ch in raw if id(ch) not in used and not in_nick.inside(ch.start)]


def _find_arabic_known(text: str, table: EntityTable, mentions: list[Mention]) -> None:
    """Case people and organisations named in Arabic script (no capitals to find them by)."""
    if not _ARABIC_LETTER.search(text):
        return
    taken = Intervals()
    for name, known in table.known.arabic_names():
        if known.kind == PLACE:
            continue
        for m in arabic_pattern(name).finditer(text):
            s, e = m.span("n")
            if taken.overlaps(s, e):
                continue
            taken.add(s, e)
            ent = table.get_or_add(known.kind, text[s:e], (s, e))
            ent.known = ent.known or known
            mentions.append(Mention(s, e, ent.kind, ent, text[s:e]))


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for m in mentions:
        if out and m.start < out[-1].end:
            if m.end - m.start > out[-1].end - out[-1].start:
                out[-1] = m
            continue
        out.append(m)
    return out


# --- Roles and affiliations


# The apposition also stops at the sentence's end (the caller's limit), which knows "U.S.".
_APPOSITION_END = re.compile(r",|;|:|\n|[\u201c\u201d\"\u00ab\u00bb]|\.$")
_CUT_ROLE = re.compile(r"\s+(?:who|which|that|whose|since|until|and\s+(?:a|an|the)\s)\b")
_DETERMINER = re.compile(r"^(?:a|an|the|one|two|three|four|five|both|several)\s+", re.IGNORECASE)
_SPEECH_START = re.compile(
    r"^(?:said|says|told|added|according|explained|stated|noted|wrote|warned|claimed)\b"
)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("men"):
        return word[:-3] + "man"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _apposition(text: str, pos: int, limit: int) -> tuple[int, int] | None:
    """The apposition starting at ``pos`` (", a press officer with ..."), as a span."""
    # An age before the apposition: "Ahmed, 34, a father of three".
    m = re.compile(r",\s+(?:\d{1,3},\s+)?").match(text, pos)
    if not m:
        return None
    start = m.end()
    end_m = _APPOSITION_END.search(text, start, min(limit, start + 160))
    end = end_m.start() if end_m else min(limit, start + 160)
    # Keep a parenthesised acronym inside the apposition: "(YPG)".
    seg = text[start:end]
    if not seg or _SPEECH_START.match(seg) or re.match(r"(?:who|whose|which|that|where)\b", seg):
        return None
    if seg[0].isupper() and not seg.startswith("U.S.") and not _DETERMINER.match(seg):
        return None
    words = [w.strip("()’'").lower() for w in seg.split()[:7]]
    # "a driver", "an engineer": an indefinite apposition is a role whatever the noun.
    if not any(w in ROLE_NOUNS for w in words) and not re.match(r"(?:a|an)\s", seg):
        return None
    return start, end


def _role_and_affiliation(
    text: str,
    span: Span,
    table: EntityTable,
    mentions: Sequence[Mention],
    is_place: Callable[[str], bool],
) -> tuple[str, Entity | None, bool]:
    """Split an apposition into its role and the organisation it names (if any)."""
    seg = text[span[0] : span[1]]
    cut = _CUT_ROLE.search(seg)
    if cut:
        seg = seg[: cut.start()]
    det = _DETERMINER.match(seg)
    plural = bool(det and det.group().strip().lower() in _NUMBER_WORDS)
    body_at = span[0] + (det.end() if det else 0)
    body = seg[det.end() :] if det else seg
    prep = re.search(r"\s(" + "|".join(_AFFILIATION_PREPS) + r")\s+", body)
    role_text, aff = body, None
    if prep:
        aff_start = body_at + prep.end()
        aff_end = body_at + len(body)
        starts = mentions.starts if isinstance(mentions, _Sorted) else [m.start for m in mentions]
        inside = [
            m
            for m in mentions[in_range(starts, aff_start, aff_end)]
            if m.entity is not None and m.kind == ORGANISATION
        ]
        raw_aff = text[aff_start:aff_end]
        lead = re.match(r"(?:the\s+)?", raw_aff)
        aff_text = re.sub(r"\s*\([^)]*\)$", "", raw_aff[lead.end() if lead else 0 :]).rstrip()
        aff_at = aff_start + (lead.end() if lead else 0)
        if inside:
            aff = inside[0].entity
            role_text = body[: prep.start()]
        elif (
            aff_text
            and not is_place(aff_text)
            and (" " in aff_text or not aff_text.islower())
            and (prep.group(1) in ("with", "for", "within") or (lead and lead.group()))
            and len(aff_text) < 60
        ):
            aff = table.add_org(aff_text, (aff_at, aff_at + len(aff_text)))
            role_text = body[: prep.start()]
    words = role_text.split()
    head = next((i for i, w in enumerate(words) if w.lower() in ROLE_NOUNS), None)
    if head is not None:
        # "a civil defence group operating in opposition areas": the role ends at the participle.
        cut_at = next(
            (i for i in range(head + 1, len(words)) if re.fullmatch(r"[a-z]{3,}ing", words[i])),
            None,
        )
        words = words[:cut_at] if cut_at is not None else words
    if plural and words:
        words = [*words[:-1], _singular(words[-1])] if not prep or aff else words
        words = [_singular(w) if w.lower() in ROLE_NOUNS else w for w in words]
    role = " ".join(words).strip(" ,")
    if role.endswith(".") and not re.search(r"\b(?:[A-Z]\.)+$", role):
        role = role[:-1]
    return role, aff, plural


def _role_before(
    text: str, m: Mention, mentions: Sequence[Mention], idx: int
) -> tuple[str, Entity | None]:
    """A role written before the name: "SDF commander Mazloum Abdi", "researcher Kinno"."""
    before = text[max(0, m.start - 60) : m.start]
    r = re.search(r"(?<![\w-])((?:[a-z][\w-]*\s+){0,2}?)([a-z][\w-]*)\s+$", before)
    if not r or r.group(2) not in ROLE_NOUNS or r.group(2) in _ORG_ROLE_NOUNS:
        return "", None
    role = (r.group(1) + r.group(2)).strip()
    role_start = m.start - len(before) + r.start()
    org: Entity | None = None
    if idx > 0:
        prev = mentions[idx - 1]
        if prev.kind == ORGANISATION and text[prev.end : role_start].strip() in ("", "’s", "'s"):
            org = prev.entity
    return role, org


def attach_roles(
    text: str,
    mentions: list[Mention],
    table: EntityTable,
    limits: Callable[[int], int],
    is_place: Callable[[str], bool],
) -> None:
    """Give entities the roles and affiliations their appositions state."""
    mentions = _Sorted(mentions)
    for i, m in enumerate(mentions):
        e = m.entity
        if e is None or m.kind not in (PERSON, ORGANISATION):
            continue
        limit = limits(m.start)
        pos = m.end
        acr = _ACRONYM_DEF.match(text, pos)
        if acr:
            pos = acr.end()
        app = _apposition(text, pos, limit)
        of_org = re.compile(r"\s+of\s+(?:the\s+)?").match(text, m.end)
        if app is None and of_org and e.kind == PERSON and e.affiliation is None:
            nxt = mentions[i + 1] if i + 1 < len(mentions) else None
            if nxt is not None and nxt.start == of_org.end() and nxt.kind == ORGANISATION:
                e.affiliation = nxt.entity
        if app is None:
            if e.kind == PERSON and not e.role:
                role, org = _role_before(text, m, mentions, i)
                if role:
                    e.role = role
                    if org is not None and e.affiliation is None:
                        e.affiliation = org
            continue
        role, aff, plural = _role_and_affiliation(text, app, table, mentions, is_place)
        if not role:
            continue
        # The head noun is the last noun before any preposition ("local council member").
        phrase = re.split(r"\s(?:of|in|with|for|at|from|near|on|to)\s", role.lower())[0]
        head = next((w for w in reversed(phrase.split()) if w in ROLE_NOUNS), "")
        if e.kind == PERSON and e.known is None and head in _ORG_ROLE_NOUNS:
            # "the White Helmets, a civil defence group": a group, not a person.
            e.kind = ORGANISATION
        if not e.role:
            e.role = role
        if aff is not None and aff is not e and e.affiliation is None:
            e.affiliation = aff
        if plural and i > 0:
            # "X and Y, two local leaders": the role belongs to both.
            prev = mentions[i - 1]
            joined = text[prev.end : m.start].strip() == "and"
            if prev.entity is not None and joined and not prev.entity.role:
                prev.entity.role = role
        # A second apposition describes the organisation just named:
        # "..., a press officer with the YPG, the main element within SDF".
        if aff is not None and aff.kind == ORGANISATION:
            app2 = _apposition(text, app[1], limit)
            if app2 is not None:
                role2, aff2, _ = _role_and_affiliation(text, app2, table, mentions, is_place)
                if role2 and not aff.role:
                    aff.role = role2
                if aff2 is not None and aff2 is not aff and aff.affiliation is None:
                    aff.affiliation = aff2


# --- Arabic speakers (Arabic has no capitals: a name is what follows a verb of speech)

_AR_VERB = (
    r"(?<!\w)(?:و|ف)?(?:قال|قالت|أضاف|أضافت|صرح|صرّح|صرحت|أكد|أكّد|أكدت|أوضح|أوضحت|"
    r"تابع|تابعت|أعلن|أعلنت|ذكر|ذكرت|أشار|أشارت|بحسب|حسب)(?!\w)"
)
_AR_WORD = r"[\u0621-\u064a\u0671-\u06d3][\u0621-\u065f\u0670-\u06d3]*"
_AR_NAME_END = (
    r"(?=\s*[\u060c,.:«\u201c\u061b]|\s+(?:في|إن|أن|إلى|على|خلال|لوكالة|لقناة|لصحيفة|أمس|اليوم)"
    r"(?:\s|[:\u060c,.])|\s+\u0644\u0640?(?:\s|[«\u201c\"]))"
)
_AR_SPEAKER = re.compile(
    _AR_VERB + r"\s+(?P<name>" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){0,3}?)" + _AR_NAME_END
)
# The role before the name: "قال المتحدث باسم التحالف الدولي واين ماروتو".
_AR_ROLE_FIRST = re.compile(
    _AR_VERB
    + r"\s+(?P<role>(?:ال)?(?:متحدث|ناطق|قائد|مسؤول|رئيس|مدير|وزير|عضو|مستشار|باحث|محلل|ناشط"
    r"|صحفي|مراسل|خبير|طبيب|قيادي|ضابط)\w*(?:\s+ال\w+){0,2}?)"
    r"(?:\s+(?:باسم|في|لـ?)\s*(?P<org>ال\w+(?:\s+ال\w+){0,2}?))?"
    r"\s+(?P<name>(?!ال)" + _AR_WORD + r"(?:\s+" + _AR_WORD + r"){0,2}?)" + _AR_NAME_END
)
_AR_NOT_NAME = frozenset(
    _words(
        """إن أن ان في لـ ل إلى الى على عن من خلال بأن بان أمس اليوم إنه انه إنها أنه أنها هو هي ما
        المتحدث مصدر مصادر مسؤول مسؤولون بيان البيان التحالف الجيش"""
    )
)
_AR_ROLE = re.compile(r"\s*[\u060c,]\s*(?P<role>[^\u060c,.:«»\u201c\u201d\n]{3,80})")


# Titles before an Arabic name: doctor, sheikh, colonel, brigadier, engineer, mister, madam.
_AR_TITLES = re.compile(
    r"^(?:الدكتور|الدكتورة|د\.|الشيخ|العقيد|اللواء|العميد|المهندس|المهندسة|السيد|السيدة|الأستاذ"
    r"|الأستاذة|الرئيس|النقيب|الرائد)\s+"
)


def find_arabic_speakers(text: str, table: EntityTable, mentions: list[Mention]) -> list[Mention]:
    """Add the people named after an Arabic verb of speech ("قال مظلوم عبدي")."""
    if not _ARABIC_LETTER.search(text):
        return mentions
    taken = Intervals([(m.start, m.end) for m in mentions])
    added = list(mentions)
    for m in _AR_ROLE_FIRST.finditer(text):
        s, e = m.span("name")
        if taken.overlaps(s, e):
            continue
        ent = table.get_or_add(PERSON, m.group("name"), (s, e))
        added.append(Mention(s, e, ent.kind, ent, m.group("name")))
        taken.add(s, e)
        if not ent.role:
            ent.role = text[m.start("role") : m.start("org") if m.group("org") else m.end("role")]
            ent.role = ent.role.strip()
        if m.group("org"):
            o0, o1 = m.span("org")
            org = next((x.entity for x in added if x.start == o0 and x.entity is not None), None)
            if org is None:
                org = table.add_org(m.group("org"), (o0, o1))
                added.append(Mention(o0, o1, ORGANISATION, org, m.group("org")))
            if ent.affiliation is None:
                ent.affiliation = org
    for m in _AR_SPEAKER.finditer(text):
        s, e = m.span("name")
        if taken.overlaps(s, e):
            continue
        name = m.group("name")
        if name.split()[0] in _AR_NOT_NAME:
            continue
        title = _AR_TITLES.match(name)
        if title and len(name) > title.end():
            s, name = s + title.end(), name[title.end() :]
        ent = table.get_or_add(PERSON, name, (s, e))
        if title:
            ent.aliases.append(m.group("name"))
        added.append(Mention(s, e, ent.kind, ent, name))
        taken.add(s, e)
        role = _AR_ROLE.match(text, e)
        if role and not ent.role:
            ent.role = role.group("role").strip()
            r0, r1 = role.span("role")
            inside = [x for x in added if r0 <= x.start < r1 and x.kind == ORGANISATION]
            if inside and ent.affiliation is None:
                ent.affiliation = inside[0].entity
    added.sort(key=lambda x: x.start)
    return added
