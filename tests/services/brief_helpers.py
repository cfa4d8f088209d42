"""Helpers shared by the brief and export tests: an Arabic case, text extraction from files."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from models.dates import PartialDate
from models.entities import Confidentiality, SourceKind
from services.container import Services

ARABIC_NAME = "مظلوم عبدي"
ARABIC_QUOTE = "نحن مستمرون في ملاحقة خلايا التنظيم في دير الزور."
MIXED_QUOTE = "The commander, known as مظلوم عبدي (Mazloum Abdi), spoke in Hasaka."
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def pdftotext(path: Path) -> str:
    """The PDF's text as pdftotext gives it (skips the test when poppler is missing)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Text with poppler's invisible direction marks dropped and whitespace runs as one space."""
    return " ".join(_BIDI_CONTROLS.sub("", text).split())


def docx_parts(path: Path) -> dict[str, str]:
    """Every XML part of a .docx, by name."""
    with zipfile.ZipFile(path) as z:
        return {
            n: z.read(n).decode("utf-8")
            for n in z.namelist()
            if n.endswith(".xml") or n.endswith(".rels")
        }


@dataclass(frozen=True)
class ArabicCase:
    """Ids of the Arabic test case."""

    case_id: int
    speaker_id: int
    arabic_quote_id: int
    mixed_quote_id: int
    english_quote_id: int


def build_arabic_case(svc: Services) -> ArabicCase:
    """A small case with an Arabic quote, a mixed-script quote and a paged (PDF) source."""
    case = svc.cases.create("حملة دير الزور — Arabic test", summary="قضية اختبار", author="Desk")
    text = (
        f"قال القائد: «{ARABIC_QUOTE}» ثم غادر.\n{MIXED_QUOTE}\nPlain page two: “We left at dawn.”"
    )
    src = svc.sources.add(
        case.id,
        title="مقابلة مع القائد",
        text=text,
        kind=SourceKind.PDF,
        publisher="Asharq al-Awsat",
        url="https://example.org/interview",
        page_starts=[0, text.index("Plain page two")],
    )
    person = svc.people.create(
        case.id, "Mazloum Abdi", aliases=[ARABIC_NAME], role="General commander"
    )
    start = text.index(ARABIC_QUOTE)
    q1 = svc.quotes.create(
        src.id,
        start,
        start + len(ARABIC_QUOTE),
        speaker_id=person.id,
        said=PartialDate.parse("late 2021-01"),
        status="verified",
        tags=["campaign"],
    )
    start = text.index(MIXED_QUOTE)
    q2 = svc.quotes.create(src.id, start, start + len(MIXED_QUOTE), speaker_id=person.id)
    start = text.index("We left at dawn.")
    q3 = svc.quotes.create(
        src.id, start, start + len("We left at dawn."), said=PartialDate.parse("2021-02-04")
    )
    svc.events.create(
        case.id,
        "Interview published",
        date=PartialDate.parse("late 2021-01"),
        person_ids=[person.id],
        source_ids=[src.id],
        quote_ids=[q1.id],
    )
    return ArabicCase(case.id, person.id, q1.id, q2.id, q3.id)


def add_confidential(svc: Services, case_id: int) -> tuple[list[str], int, int]:
    """Add a confidential person (quoted) and a confidential source; returns the secrets."""
    text = "Zorblat Quenwhistle said: “The convoy moved at night past the Qarnavex depot.”"
    src = svc.sources.add(
        case_id,
        title="Notes from the Qarnavex meeting",
        text=text,
        kind=SourceKind.INTERVIEW_NOTE,
        publisher="Vexmoor Gazette",
        url="https://secret.example/vexmoor",
        confidentiality=Confidentiality.CONFIDENTIAL,
        descriptor="a private notebook",
    )
    person = svc.people.create(
        case_id,
        "Zorblat Quenwhistle",
        aliases=["Zee Quen"],
        contact="+44 7700 900123\nzorblat@example.net",
        confidential=True,
        descriptor="a local official",
        role="Depot manager at Qarnavex",
    )
    span = "The convoy moved at night past the Qarnavex depot."
    start = text.index(span)
    svc.quotes.create(src.id, start, start + len(span), speaker_id=person.id, status="verified")
    secrets = [
        "Zorblat Quenwhistle",
        "Zee Quen",
        "+44 7700 900123",
        "zorblat@example.net",
        "Notes from the Qarnavex meeting",
        "Vexmoor Gazette",
        "https://secret.example/vexmoor",
    ]
    return secrets, person.id, src.id
