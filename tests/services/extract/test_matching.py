"""Name matching tolerant of transliteration, diacritics and Arabic script."""

from __future__ import annotations

import pytest

from services.extract.matching import KnownName, NameIndex, arabic_pattern, is_arabic, name_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Deir el-Zour", "Deir ez-Zor"),
        ("Deir el-Zour", "Deir Ezzor"),
        ("Deir el-Zour", "Deir al-Zur"),
        ("Mazloum Abdi", "Mazloum Abdy"),
        ("Mazloum Abdi", "MAZLOUM ABDI"),
        ("Hasaka", "al-Hasakah"),
        ("Bashar al-Assad", "Bashar Assad"),
        ("Raqqa", "Raqqah"),
        ("Qamishli", "Qamişli"),
        ("Yılmaz", "Yilmaz"),
        ("Col. Wayne Marotto", "Wayne Marotto"),
        ("People’s Protection Units", "People's Protection Units"),
        ("مظلوم عبدي", "مَظْلوم عَبْدي"),
        ("الحسكة", "الحسكه"),
        ("دير الزور", "دير الزّور"),
    ],
)
def test_spellings_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Homs", "Hama"),
        ("Mazloum Abdi", "Mazloum Kobani"),
        ("Ali", "Alia Salim"),
        ("Idlib", "Afrin"),
    ],
)
def test_different_names_do_not_match(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_index_matches_names_and_aliases_by_kind() -> None:
    idx = NameIndex(
        [
            KnownName(1, "Mazloum Abdi", ("Mazloum Kobani", "مظلوم عبدي"), "person"),
            KnownName(2, "Syrian Democratic Forces", ("SDF",), "organisation"),
        ]
    )
    assert idx.match("Mazloum Abdy").id == 1  # type: ignore[union-attr]
    assert idx.match("Mazlum Kobani").id == 1  # type: ignore[union-attr]
    assert idx.match("مظلومُ عبدي").id == 1  # type: ignore[union-attr]
    assert idx.match("SDF").id == 2  # type: ignore[union-attr]
    assert idx.match("SDF", kinds=("person",)) is None
    assert idx.match("Ilham Ahmed") is None


def test_arabic_pattern_finds_a_name_with_harakat_and_variants() -> None:
    text = "وقال مَظْلوم عبدى إن العمليات مستمرة"
    m = arabic_pattern("مظلوم عبدي").search(text)
    assert m is not None and m.group("n") == "مَظْلوم عبدى"
    glued = arabic_pattern("دير الزور").search("وصل إلى بدير الزور أمس")
    assert glued is not None and glued.group("n") == "دير الزور"
    assert is_arabic(text) and not is_arabic("Mazloum Abdi")
