"""Scoring the engine on a labelled set: precision and recall of quotes and of person names.

The labelled set (``tests/data/extraction/paragraphs.json``) lists, per paragraph, the quotes
expected (exact text between the marks and the speaker's name) and the people named. A proposed
(quote span, speaker) pair counts as right only if both the span and the speaker are right.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.extract.engine import extract
from services.extract.matching import KnownName
from services.extract.model import EntityKind, Extraction
from services.textnorm import fold

DEFAULT_PUBLISHED = dt.date(2021, 2, 4)


def load_cases(path: Path) -> list[dict[str, Any]]:
    """The labelled cases of a data file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["cases"])


def run_case(case: Mapping[str, Any]) -> Extraction:
    """Run the engine on one labelled case."""
    published = case.get("published_on")
    known = [
        KnownName(k["id"], k["name"], tuple(k.get("aliases", ())), k.get("kind", "person"))
        for k in case.get("known", ())
    ]
    return extract(
        case["text"],
        published_on=dt.date.fromisoformat(published) if published else DEFAULT_PUBLISHED,
        language=case.get("language", "en"),
        known=known,
    )


def same_name(a: str | None, b: str | None) -> bool:
    """Names equal up to case, diacritics, apostrophe style and Arabic letter variants."""
    if a is None or b is None:
        return a is b
    return fold(a) == fold(b)


def quote_pairs(x: Extraction) -> set[tuple[str, str | None]]:
    """(quote text, speaker name) of every proposed quote."""
    out: set[tuple[str, str | None]] = set()
    for q in x.quotes:
        e = x.entity(q.speaker_key)
        out.add((q.text, fold(e.name) if e else None))
    return out


def person_names(x: Extraction) -> set[str]:
    """Folded names of the proposed people."""
    return {fold(e.name) for e in x.entities if e.kind is EntityKind.PERSON}


@dataclass(frozen=True)
class Score:
    """True positives, false positives and false negatives, with precision and recall.

    Attributes:
        tp: Right proposals.
        fp: Wrong proposals.
        fn: Expected items not proposed.
    """

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """Share of proposals that are right."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of expected items proposed."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _count(expected: set[Any], got: set[Any]) -> tuple[int, int, int]:
    return len(expected & got), len(got - expected), len(expected - got)


def score(cases: Iterable[Mapping[str, Any]]) -> dict[str, Score]:
    """Precision and recall of (quote span, speaker) pairs, of quote spans and of people."""
    totals = {"quotes+speaker": [0, 0, 0], "quote spans": [0, 0, 0], "people": [0, 0, 0]}
    for case in cases:
        x = run_case(case)
        want = {(q["text"], fold(q["speaker"]) if q["speaker"] else None) for q in case["quotes"]}
        got = quote_pairs(x)
        pairs: dict[str, tuple[set[Any], set[Any]]] = {
            "quotes+speaker": (set(want), set(got)),
            "quote spans": ({t for t, _ in want}, {t for t, _ in got}),
            "people": ({fold(p) for p in case["people"]}, person_names(x)),
        }
        for name, (exp, have) in pairs.items():
            tp, fp, fn = _count(exp, have)
            totals[name][0] += tp
            totals[name][1] += fp
            totals[name][2] += fn
    return {k: Score(*v) for k, v in totals.items()}
