"""Who said each quote: attribution clauses, pronouns and surnames that refer back.

Patterns: "…,” said X", "…,” X said", "…,” X told VOA", "…,” according to X", "X, a press
officer with Y, said: “…”", "X said in a statement that the “…”", Arabic «…»، قال X. A pronoun
("he told VOA") is the latest person named before it; "it" and "the group" the latest
organisation; a surname ("Kinno told VOA") was already tied to the full name by the entity table.
A quote with no attribution of its own takes the speaker of the quote beside it in the same
sentence, or of the quote just before it in the same or previous paragraph.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.extract.entities import ORGANISATION, PERSON, Entity, Mention
from services.extract.quotes import QuoteSpan
from services.extract.text import SentenceIndex, Span


def _words(text: str) -> list[str]:
    return text.split()


SPEECH_VERBS = (
    "said|says|say|told|tells|added|adds|explained|explains|stated|states|noted|notes|wrote|"
    "writes|tweeted|warned|warns|insisted|insists|argued|argues|claimed|claims|asked|asks|"
    "replied|continued|announced|announces|declared|acknowledged|admitted|recalled|confirmed|"
    "confirms|denied|commented|posted|remarked|suggested|urged|predicted|concluded|stressed|"
    "recounted|recalls|recounts|called|calls|described|describes|lamented|wondered|boasted|joked|conceded|"
    "emphasized|emphasised|cautioned|observed|complained|vowed|pledged|promised|alleged|"
    "maintained|responded|shouted|adding|saying|telling|writing|noting|warning|according\\s+to|"
    # "In Hamid Rashid’s words", "in the words of Hamid Rashid"
    "(?<=[\u2019']s\\s)words|in\\s+the\\s+words\\s+of"
)
_SPEECH = re.compile(rf"\b(?:{SPEECH_VERBS})\b", re.IGNORECASE)
_AR_SPEECH = re.compile(
    r"(?<!\w)(?:و|ف)?(?:قال|قالت|أضاف|أضافت|اضاف|صرح|صرّح|صرحت|أكد|أكّد|أكدت|اكد|أوضح|أوضحت|"
    r"تابع|تابعت|أعلن|أعلنت|ذكر|ذكرت|أشار|أشارت|يقول|تقول|بحسب|حسب)(?!\w)"
)
_AR_NAME_STOP = frozenset(
    _words(
        """في إن أن ان لـ ل إلى الى على عن من خلال بأن بان أمس اليوم لقناة لإذاعة لوكالة لصحيفة"""
    )
)
_PRONOUN = re.compile(
    r"\b(?P<p>[Hh]e|[Ss]he|[Ii]t|[Tt]he\s+(?:group|organi[sz]ation|alliance|militia|ministry|"
    r"coalition|movement|agency|army|statement|spokesman|spokeswoman|official|commander))\b"
)
# Between "said" and the name: "said the SDF", "said Dr. Salah Abu Ras".
_OBJECT_GAP = re.compile(
    r"\s*(?:(?:[Tt]he|by|[A-Z][a-z]{1,4}\.|President|Sheikh|General|Colonel|Prime\s+Minister"
    r"|Minister)\s+)*"
    # "said an official with the Syrian Arab Red Crescent": the organisation speaks.
    r"(?:(?:an?|one|two|several|the)\s+(?:[a-z]+\s+)?(?:officials?|spokes(?:man|woman|person)|"
    r"sources?|members?|employees?|workers?|representatives?)\s+(?:with|of|from|for|at|in)\s+"
    r"(?:the\s+)?)?"
    # "according to a statement from the Iranian Foreign Ministry"
    r"(?:(?:an?|the)\s+(?:[a-z]+\s+)?(?:statement|report|communiqu[eé]|post|tweet|letter)\s+"
    r"(?:from|by|of|issued\s+by)\s+(?:the\s+)?)?"
    # "said the group’s commander, Abu Hatem Shaqra"
    r"(?:(?:the|its|their|his|her)\s+(?:[\w-]+[\u2019']s\s+)?(?:[a-z-]+\s+){0,2}"
    r"(?:commander|spokes(?:man|woman|person)|leader|head|chief|director|official|envoy|"
    r"minister|adviser|advisor|founder|deputy|lawyer)\s*,?\s+)?"
)
_PERSON_NOUNS = frozenset({"spokesman", "spokeswoman", "official", "commander"})


@dataclass(frozen=True)
class Attribution:
    """Who said a quote and where the text says so.

    Attributes:
        speaker: The entity, or None when nobody is named.
        span: The words naming the speaker (a name, an acronym, a pronoun).
        how: ``after`` / ``before`` (clause beside the quote), ``sentence`` (shared with a
            quote in the same sentence), ``previous`` (continues the previous speaker), or
            ``none``.
        has_verb: Whether a verb of speech is in the quote's sentence (outside the quote).
    """

    speaker: Entity | None
    span: Span | None
    how: str
    has_verb: bool


class _Resolver:
    def __init__(
        self,
        text: str,
        mentions: Sequence[Mention],
        quotes: Sequence[QuoteSpan],
        sentences: SentenceIndex | None = None,
    ):
        self.text = text
        self.sentences = sentences
        inside = sorted((q.open_at, q.close_at) for q in quotes)
        self._q_opens = [a for a, _ in inside]
        self._inside = inside
        self.mentions = [
            m
            for m in mentions
            if m.entity is not None
            and m.kind in (PERSON, ORGANISATION)
            and not self.in_quote(m.start)
        ]
        self.starts = [m.start for m in self.mentions]

    def in_quote(self, pos: int) -> bool:
        i = bisect.bisect_right(self._q_opens, pos) - 1
        return i >= 0 and self._inside[i][0] < pos < self._inside[i][1]

    def mentions_in(self, a: int, b: int) -> list[Mention]:
        i = bisect.bisect_left(self.starts, a)
        j = bisect.bisect_left(self.starts, b)
        return self.mentions[i:j]

    def latest_before(self, pos: int, kinds: tuple[str, ...]) -> Mention | None:
        i = bisect.bisect_left(self.starts, pos) - 1
        while i >= 0:
            if self.mentions[i].kind in kinds:
                return self.mentions[i]
            i -= 1
        return None

    def pronoun(self, m: re.Match[str]) -> tuple[Entity | None, Span]:
        word = m.group("p").lower()
        span = m.span("p")
        if word in ("he", "she") or word.split()[-1] in _PERSON_NOUNS:
            ref = self.latest_before(span[0], (PERSON,))
            if ref is not None and self.sentences is not None and self.sentences.spans:
                # "Hassan met his cousin Jalal. … he said": the subject, the first person named
                # in that sentence, rather than the last.
                s0 = self.sentences.around(ref.start)[0]
                first = next((m for m in self.mentions_in(s0, ref.start) if m.kind == PERSON), None)
                ref = first or ref
        else:
            ref = self.latest_before(span[0], (ORGANISATION,))
        return (ref.entity if ref else None), span

    # --- Clauses

    def _subject(self, a: int, verb_at: int) -> tuple[Entity | None, Span] | None:
        """The subject before a verb of speech: a name (maybe with an apposition) or pronoun."""
        text = self.text
        found = self.mentions_in(a, verb_at)
        for k, m in enumerate(found):
            between = text[m.end : verb_at].strip()
            # "Dareen Khalifa of the International Crisis Group argued": the person speaks.
            of_org = (
                k + 1 < len(found)
                and m.kind == PERSON
                and found[k + 1].kind == ORGANISATION
                and re.fullmatch(r"\s+of\s+(?:the\s+)?", text[m.end : found[k + 1].start])
                and text[found[k + 1].end : verb_at].strip() == ""
            )
            if (
                of_org
                or between in ("", "\u2019s", "'s", ", who", ", who has", ", who had")
                or (between.endswith(",") and between[:1] in ",(" and len(between) > 1)
                or re.fullmatch(r"\([^)]*\)", between)
            ):
                return m.entity, (m.start, m.end)
        for p in _PRONOUN.finditer(text, a, verb_at):
            if text[p.end() : verb_at].strip() == "":
                return self.pronoun(p)
        return None

    def _object(self, verb_end: int, b: int) -> tuple[Entity | None, Span] | None:
        """The speaker after the verb: "said X", "according to X"."""
        text = self.text
        window = min(b, verb_end + 80)
        ms = self.mentions_in(verb_end, window)
        p = _PRONOUN.search(text, verb_end, window)
        # The gap may hold "the group’s commander, ": a name after it still wins.
        if ms and _OBJECT_GAP.fullmatch(text[verb_end : ms[0].start]):
            return ms[0].entity, (ms[0].start, ms[0].end)
        if p is not None and re.fullmatch(r"\s*", text[verb_end : p.start()]):
            return self.pronoun(p)
        return None

    def clause(self, a: int, b: int, after: bool) -> tuple[tuple[Entity | None, Span] | None, bool]:
        """The speaker named in ``text[a:b]`` and whether a verb of speech is there."""
        if b <= a:
            return None, False
        text = self.text
        verbs = [m for m in _SPEECH.finditer(text, a, b) if not self.in_quote(m.start())]
        verbs += [m for m in _AR_SPEECH.finditer(text, a, b) if not self.in_quote(m.start())]
        if not verbs:
            # "Her neighbour, Khalil Osman, disagreed: “…”": a colon introduces the quote.
            if not after and text[a:b].rstrip().endswith(":"):
                for m in self.mentions_in(a, b):
                    if m.kind == PERSON or m.start - a < 5:
                        return (m.entity, (m.start, m.end)), False
            return None, False
        verbs.sort(key=lambda m: m.start())
        # After a quote the first verb counts; before it, the nearest one.
        verbs = [v for v in verbs if v.start() - a < 220][:1] if after else verbs[::-1]
        for v in verbs:
            is_according = v.group().lower().startswith(("according", "in the words")) or (
                v.group() in ("بحسب", "حسب")
            )
            if not is_according:
                got = self._subject(a, v.start())
                if got is not None and got[0] is not None:
                    return got, True
            # "told VOA": after "told" comes who was told, not who spoke.
            if not v.group().lower().startswith(("told", "tell")):
                got = self._object(v.end(), b)
                if got is not None and got[0] is not None:
                    return got, True
            if v.re is _AR_SPEECH:
                # Arabic puts the role first: "قال المتحدث باسم التحالف واين ماروتو".
                window = min(b, v.end() + 80)
                people = [m for m in self.mentions_in(v.end(), window) if m.kind == PERSON]
                if people and not re.search('[«\u201c"]', text[v.end() : people[0].start]):
                    return (people[0].entity, (people[0].start, people[0].end)), True
                arabic = self._arabic_name(v.end(), b)
                if arabic is not None:
                    return arabic, True
        return None, True

    def _arabic_name(self, a: int, b: int) -> tuple[Entity | None, Span] | None:
        # An Arabic verb of speech with no name after it continues the last speaker.
        text = self.text
        rest = text[a:b]
        if re.match(r"\s*[:«\u201c\"]|\s*$|\s*[،,]", rest):
            ref = self.latest_before(a, (PERSON,)) or self.latest_before(a, (ORGANISATION,))
            return (ref.entity, (ref.start, ref.end)) if ref else None
        return None


def attribute(
    text: str,
    quotes: Sequence[QuoteSpan],
    sentences: SentenceIndex,
    mentions: Sequence[Mention],
    paragraph_of: Sequence[int],
) -> list[Attribution]:
    """The attribution of each quote (same order as ``quotes``)."""
    r = _Resolver(text, mentions, quotes, sentences)
    out: list[Attribution] = []
    sent_of = [sentences.index_of(q.open_at) for q in quotes]
    for i, q in enumerate(quotes):
        s_start, s_end = sentences.spans[sent_of[i]] if sentences.spans else (0, len(text))
        # Quotes are in text order, so a neighbour in the same sentence is adjacent.
        same_next = i + 1 < len(quotes) and sent_of[i + 1] == sent_of[i]
        same_prev = i > 0 and sent_of[i - 1] == sent_of[i]
        nxt = quotes[i + 1].open_at if same_next else s_end
        prv = quotes[i - 1].close_at + 1 if same_prev else s_start
        after, verb_after = r.clause(q.close_at + 1, min(nxt, s_end), after=True)
        if after is not None:
            out.append(Attribution(after[0], after[1], "after", True))
            continue
        if prv == s_start and text[s_start : q.open_at].strip() == "":
            # "Mariam Yousef said:" closing the paragraph before the quote opens.
            i_prev = sent_of[i] - 1
            if i_prev >= 0 and text[: sentences.spans[i_prev][1]].rstrip().endswith(":"):
                prv = sentences.spans[i_prev][0]
        before, verb_before = r.clause(prv, q.open_at, after=False)
        if before is not None:
            out.append(Attribution(before[0], before[1], "before", True))
            continue
        out.append(Attribution(None, None, "none", verb_after or verb_before))
    # Quotes of one sentence share their speaker; a bare quote continues the one before it.
    for i in range(len(quotes)):
        if out[i].speaker is not None:
            continue
        for j in (i - 1, i + 1):
            if (
                0 <= j < len(quotes)
                and sent_of[j] == sent_of[i]
                and out[j].how in ("after", "before")
            ):
                out[i] = Attribution(out[j].speaker, out[j].span, "sentence", out[j].has_verb)
                break
    for i in range(len(quotes)):
        if out[i].speaker is not None or i == 0 or out[i].has_verb:
            continue
        prev = out[i - 1]
        # Someone else named in between is more likely the speaker: do not guess.
        # (Not counting the previous quote's own attribution: "told Reuters by phone".)
        prev_sentence_end = sentences.spans[sent_of[i - 1]][1] if sentences.spans else 0
        between = r.mentions_in(max(quotes[i - 1].close_at, prev_sentence_end), quotes[i].open_at)
        if any(m.entity is not prev.speaker for m in between):
            continue
        if prev.speaker is not None and paragraph_of[i] - paragraph_of[i - 1] <= 1:
            out[i] = Attribution(prev.speaker, prev.span, "previous", False)
    return out
