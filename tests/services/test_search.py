"""Search: every query form on both engines, forgiving matching, index kept in step, batches.

Each test runs on SQLite and on PostgreSQL (``services`` fixture) and checks the exact set of
quote and source ids, so both engines are held to the same answers on the same data.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest

from models.dates import PartialDate
from services.container import Services
from services.errors import DomainError, DuplicateError, NotFoundError, ValidationError
from services.search import QuerySyntaxError
from services.search.highlight import MARK_CLOSE, MARK_OPEN

S1_TEXT = (
    'Mazloum Abdi said: "The border crossing at Semalka will reopen next week." '
    'He added: "We negotiate with Damascus, not with Ankara." '
    'Ilham Ahmed said: "Water from the Alouk station is a weapon." '
    'Later she said: "Nobody closed the border today."'
)
S2_TEXT = (
    'قال مظلوم عبدي: "إنَّ الحُدودَ مَفتوحةٌ الآن" في المؤتمر. '
    'A resident said: "The fighting near Deir el-Zour displaced thousands." '
    'Hevin Ali said: "Les négociations à Genève n\'ont pas abouti."'
)
S3_TEXT = 'An official said: "The border is closed to trucks."'


@dataclass
class Data:
    """Ids of the test case's rows."""

    case: int
    other_case: int
    s1: int
    s2: int
    s3: int
    s_plain: int
    abdi: int
    ilham: int
    hevin: int
    q_border: int  # Abdi, S1, "border crossing at Semalka"
    q_negotiate: int  # Abdi, S1, Damascus
    q_water: int  # Ilham, S1
    q_nobody: int  # Ilham, S1, "border today"
    q_arabic: int  # Abdi, S2, with harakat
    q_deir: int  # no speaker, S2, Deir el-Zour
    q_french: int  # Hevin, S2, négociations
    q_other: int  # other case, "border is closed"


def _quote(svc: Services, source_id: int, text: str, inner: str, **kw: object) -> int:
    start = text.index(inner)
    return svc.quotes.create(source_id, start, start + len(inner), **kw).id  # type: ignore[arg-type]


@pytest.fixture
def data(services: Services) -> Data:
    """A case with speakers, aliases in two scripts, a place with its spellings, tags, dates."""
    svc = services
    case = svc.cases.create("Border crossings").id
    other = svc.cases.create("Trucks").id
    abdi = svc.people.create(case, "Mazloum Abdi", aliases=["Mazloum Kobani", "مظلوم عبدي"]).id
    ilham = svc.people.create(case, "Ilham Ahmed", aliases=["Ilham Ehmed"]).id
    hevin = svc.people.create(case, "Hevin Ali").id
    svc.places.create(case, "Deir ez-Zor", aliases=["Deir el-Zour", "Deir Ezzor", "دير الزور"])
    s1 = svc.sources.add(case, title="Abdi interview on the border", text=S1_TEXT, kind="web_page")
    s2 = svc.sources.add(case, title="Report from Deir Ezzor", text=S2_TEXT, kind="pdf")
    s_plain = svc.sources.add(case, title="Ceasefire notes", text="Notes about the ceasefire.")
    s3 = svc.sources.add(other, title="Trucks at the crossing", text=S3_TEXT)
    jan = PartialDate.day(2021, 1, 15)
    feb = PartialDate.day(2021, 2, 20)
    may = PartialDate.day(2022, 5, 1)
    q_border = _quote(
        svc,
        s1.id,
        S1_TEXT,
        "The border crossing at Semalka will reopen next week.",
        speaker_id=abdi,
        said=jan,
        status="verified",
        tags=["crossings"],
    )
    q_negotiate = _quote(
        svc,
        s1.id,
        S1_TEXT,
        "We negotiate with Damascus, not with Ankara.",
        speaker_id=abdi,
        said=feb,
    )
    q_water = _quote(
        svc,
        s1.id,
        S1_TEXT,
        "Water from the Alouk station is a weapon.",
        speaker_id=ilham,
        said=may,
        status="disputed",
        tags=["water"],
    )
    q_nobody = _quote(
        svc, s1.id, S1_TEXT, "Nobody closed the border today.", speaker_id=ilham, said=may
    )
    q_arabic = _quote(svc, s2.id, S2_TEXT, "إنَّ الحُدودَ مَفتوحةٌ الآن", speaker_id=abdi, said=feb)
    q_deir = _quote(svc, s2.id, S2_TEXT, "The fighting near Deir el-Zour displaced thousands.")
    q_french = _quote(
        svc, s2.id, S2_TEXT, "Les négociations à Genève n'ont pas abouti.", speaker_id=hevin
    )
    q_other = _quote(svc, s3.id, S3_TEXT, "The border is closed to trucks.")
    return Data(
        case,
        other,
        s1.id,
        s2.id,
        s3.id,
        s_plain.id,
        abdi,
        ilham,
        hevin,
        q_border,
        q_negotiate,
        q_water,
        q_nobody,
        q_arabic,
        q_deir,
        q_french,
        q_other,
    )


def quotes(svc: Services, query: str, case: int | None) -> set[int]:
    """Ids of the quotes found."""
    return {h.id for h in svc.search.search(case, query, limit=500, kind="quotes").quotes}


def sources(svc: Services, query: str, case: int | None) -> set[int]:
    """Ids of the sources found."""
    return {h.id for h in svc.search.search(case, query, limit=500, kind="sources").sources}


# --- Every query form, same answers on both engines


def test_single_word_in_a_case_and_across_cases(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, "border", d.case) == {d.q_border, d.q_nobody}
    assert quotes(services, "border", None) == {d.q_border, d.q_nobody, d.q_other}
    assert quotes(services, "BORDER", d.case) == {d.q_border, d.q_nobody}
    # Sources are found by their text and by their title.
    assert sources(services, "border", d.case) == {d.s1}
    assert sources(services, "ceasefire", d.case) == {d.s_plain}
    assert sources(services, "border", d.other_case) == {d.s3}


def test_two_words_are_all_required(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, "border reopen", d.case) == {d.q_border}
    assert quotes(services, "border AND today", d.case) == {d.q_nobody}
    assert quotes(services, "border weapon", d.case) == set()


def test_phrases_keep_word_order(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, '"border crossing"', d.case) == {d.q_border}
    assert quotes(services, '"crossing border"', d.case) == set()
    # Punctuation inside a phrase does not matter; curly quotation marks work too.
    assert quotes(services, "“Damascus not with”", d.case) == {d.q_negotiate}


def test_prefix_and_diacritics(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, "negoti*", d.case) == {d.q_negotiate}
    # "négo*" folds to "nego*": finds the English and the French word.
    assert quotes(services, "négo*", d.case) == {d.q_negotiate, d.q_french}
    assert quotes(services, "geneve", d.case) == {d.q_french}
    assert quotes(services, "GENÈVE", d.case) == {d.q_french}


def test_or_and_not(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, "water OR damascus", d.case) == {d.q_water, d.q_negotiate}
    assert quotes(services, "border -semalka", d.case) == {d.q_nobody}
    assert quotes(services, "border NOT semalka", d.case) == {d.q_nobody}
    assert quotes(services, "(water OR damascus) -ankara", d.case) == {d.q_water}
    # A query of negations only: everything else in the case.
    everything = {
        d.q_border,
        d.q_negotiate,
        d.q_water,
        d.q_nobody,
        d.q_arabic,
        d.q_deir,
        d.q_french,
    }
    assert quotes(services, "-border", d.case) == everything - {d.q_border, d.q_nobody}


def test_speaker_filter_through_aliases(services: Services, data: Data) -> None:
    d = data
    abdi = {d.q_border, d.q_negotiate, d.q_arabic}
    assert quotes(services, 'speaker:"Mazloum Kobani"', d.case) == abdi
    assert quotes(services, "speaker:Abdi", d.case) == abdi
    assert quotes(services, 'speaker:"مظلوم عبدي"', d.case) == abdi
    assert quotes(services, "speaker:Ehmed", d.case) == {d.q_water, d.q_nobody}
    assert quotes(services, "speaker:Ehmed border", d.case) == {d.q_nobody}
    assert quotes(services, "speaker:nobody", d.case) == set()
    # A plain word that is a speaker's name finds what they said too.
    assert d.q_border in quotes(services, "Kobani", d.case)


def test_arabic_is_normalised(services: Services, data: Data) -> None:
    d = data
    # Stored with harakat; found without them, with taa marbuta as haa, and the other way.
    assert quotes(services, "الحدود", d.case) == {d.q_arabic}
    assert quotes(services, "مفتوحه", d.case) == {d.q_arabic}
    assert quotes(services, "مَفتوحةٌ", d.case) == {d.q_arabic}
    assert quotes(services, "ان", d.case) == {d.q_arabic}  # إنَّ: alef with hamza below
    assert quotes(services, "الحـــدود", d.case) == {d.q_arabic}  # tatweel


def test_place_filter_matches_every_spelling(services: Services, data: Data) -> None:
    d = data
    for spelling in ("Deir el-Zour", "Deir ez-Zor", "Deir Ezzor", "دير الزور"):
        assert quotes(services, f'place:"{spelling}"', d.case) == {d.q_deir}, spelling
        assert sources(services, f'place:"{spelling}"', d.case) == {d.s2}, spelling


def test_place_aliases_the_journalist_adds_count_at_once(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, 'place:"Dayr az-Zawr"', d.case) == set()
    place = services.places.find(d.case, "Deir ez-Zor")
    assert place is not None
    services.places.add_alias(place.id, "Dayr az-Zawr")
    assert quotes(services, 'place:"Dayr az-Zawr"', d.case) == {d.q_deir}


def test_tag_status_said_kind_source_case_filters(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, "tag:crossings", d.case) == {d.q_border}
    assert quotes(services, "status:verified", d.case) == {d.q_border}
    assert quotes(services, "status:disputed OR status:verified", d.case) == {
        d.q_border,
        d.q_water,
    }
    assert quotes(services, "said:2021-01..2021-02", d.case) == {
        d.q_border,
        d.q_negotiate,
        d.q_arabic,
    }
    assert quotes(services, "said:2021-02", d.case) == {d.q_negotiate, d.q_arabic}
    assert quotes(services, "said:2022.. border", d.case) == {d.q_nobody}
    assert quotes(services, "kind:pdf", d.case) == {d.q_arabic, d.q_deir, d.q_french}
    assert sources(services, "kind:pdf", d.case) == {d.s2}
    assert quotes(services, 'source:"Abdi interview" water', d.case) == {d.q_water}
    assert quotes(services, f"source:{d.s2} fighting", d.case) == {d.q_deir}
    assert quotes(services, "case:Trucks border", None) == {d.q_other}
    assert quotes(services, f"case:{d.case} border", None) == {d.q_border, d.q_nobody}


def test_a_word_that_names_a_tag_finds_the_tagged_quotes(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, "crossings", d.case) == {d.q_border}


# --- Results: ranking, snippets, groups, totals, the window's API


def test_hits_carry_snippets_offsets_and_the_window_api(services: Services, data: Data) -> None:
    d = data
    res = services.search.search(d.case, "border")
    assert res.ranked and res.quote_total == 2 and res.quote_total_exact
    hit = next(h for h in res.quotes if h.id == d.q_border)
    assert f"{MARK_OPEN}border{MARK_CLOSE}" in hit.snippet
    assert hit.label == "Mazloum Abdi" and hit.speaker_id == d.abdi and hit.source_id == d.s1
    # Offsets are in the quote's text; text_start places them in the source text.
    s, e = hit.matches[0]
    assert S1_TEXT[hit.text_start + s : hit.text_start + e] == "border"
    # What the window reads: items with quote_id / kind.
    assert {h.quote_id for h in res.items if h.kind == "quote"} == {d.q_border, d.q_nobody}
    assert [h.id for h in res.items if h.kind == "source"] == [d.s1]
    assert all(h.quote_id is None for h in res.sources)
    src_hit = res.sources[0]
    for s, e in src_hit.matches:
        assert S1_TEXT[s:e].lower() == "border"


def test_arabic_highlight_covers_the_word_with_its_marks(services: Services, data: Data) -> None:
    d = data
    hit = services.search.search(d.case, "الحدود", kind="quotes").quotes[0]
    assert hit.id == d.q_arabic
    q = services.quotes.get(d.q_arabic)
    s, e = hit.matches[0]
    assert q.text[s:e] == "الحُدودَ"


def test_ranking_puts_the_better_match_first(services: Services, data: Data) -> None:
    d = data
    src = services.sources.add(
        d.case, title="Notes", text='X said: "Border, border, border." Y said: "A border town."'
    )
    t = services.sources.get_text(src.id)
    strong = _quote(services, src.id, t, "Border, border, border.")
    weak = _quote(services, src.id, t, "A border town.")
    res = services.search.search(d.case, "border", kind="quotes")
    ids = [h.id for h in res.quotes]
    assert ids.index(strong) < ids.index(weak)
    assert res.quotes[0].score >= res.quotes[-1].score


def test_too_many_matches_rank_the_newest_window(
    services: Services, data: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.search import service as search_service

    d = data
    src = services.sources.add(
        d.case, title="Notes", text='X said: "Border, border, border." Y said: "A border town."'
    )
    t = services.sources.get_text(src.id)
    strong = _quote(services, src.id, t, "Border, border, border.")
    weak = _quote(services, src.id, t, "A border town.")  # newer than the strong one
    every = services.search.ids(d.case, "border")
    assert len(every) > 2
    monkeypatch.setattr(search_service, "RANK_CAP", 0)
    monkeypatch.setattr(search_service, "RANK_FILTERED_CAP", 0)
    monkeypatch.setattr(search_service, "RANK_WINDOW", 2)
    res = services.search.search(d.case, "border", kind="quotes")
    ids = [h.id for h in res.quotes]
    # The two newest matches, best first, then the older ones newest first.
    assert ids[:2] == [strong, weak]
    assert ids[2:] == [i for i in every if i not in (strong, weak)]
    assert res.ranked and res.rank_window == 2
    assert res.quotes[0].score > res.quotes[1].score > 0
    # Pages of one hit put together give the same list, across the window's edge too.
    paged = [
        h.id
        for k in range(len(every) + 1)
        for h in services.search.search(d.case, "border", kind="quotes", limit=1, offset=k).quotes
    ]
    assert paged == ids
    # A window holding every match ranks them all.
    monkeypatch.setattr(search_service, "RANK_WINDOW", 100)
    res = services.search.search(d.case, "border", kind="quotes")
    assert res.rank_window == 0 and {h.id for h in res.quotes} == set(every)


def test_a_phrase_with_too_many_matches_is_newest_first_on_sqlite(
    services: Services, data: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.search import service as search_service

    d = data
    monkeypatch.setattr(search_service, "RANK_CAP", 0)
    monkeypatch.setattr(search_service, "COUNT_CAP", 0)
    res = services.search.search(d.case, '"the border"', kind="quotes")
    ids = [h.id for h in res.quotes]
    assert set(ids) == {d.q_border, d.q_nobody}
    if services.store.dialect == "sqlite":  # bm25 would evaluate the phrase over every match
        assert ids == [d.q_nobody, d.q_border] and not res.ranked
    else:
        assert res.ranked
    # A single word with as many matches is ranked in the window on both engines.
    assert services.search.search(d.case, "border", kind="quotes").ranked


@pytest.mark.parametrize("window", [100, 2])
def test_a_name_ranks_text_matches_before_the_speakers_other_quotes(
    services: Services, data: Data, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    from services.search import service as search_service

    d = data
    src = services.sources.add(d.case, title="Notes", text='H said: "Ilham Ahmed was right."')
    t = services.sources.get_text(src.id)
    mention = _quote(services, src.id, t, "Ilham Ahmed was right.", speaker_id=d.hevin)
    monkeypatch.setattr(search_service, "RANK_CAP", 0)
    monkeypatch.setattr(search_service, "RANK_WINDOW", window)
    res = services.search.search(d.case, "ilham", kind="quotes")
    ids = [h.id for h in res.quotes]
    # The quote holding the word first (ranked), then hers newest first.
    assert ids == [mention, d.q_nobody, d.q_water]
    assert res.ranked and res.quotes[0].score > 0
    assert res.rank_window == (2 if window == 2 else 0)
    paged = [
        h.id
        for k in range(4)
        for h in services.search.search(d.case, "ilham", kind="quotes", limit=1, offset=k).quotes
    ]
    assert paged == ids


def test_group_by_speaker_and_by_source(services: Services, data: Data) -> None:
    d = data
    res = services.search.search(d.case, "said:2021..2022", kind="quotes", group_by="speaker")
    groups = {g.key: {h.id for h in g.hits} for g in res.groups}
    assert groups[d.abdi] == {d.q_border, d.q_negotiate, d.q_arabic}
    assert groups[d.ilham] == {d.q_water, d.q_nobody}
    labels = {g.key: g.label for g in res.groups}
    assert labels[d.abdi] == "Mazloum Abdi"
    res = services.search.search(d.case, "said:2021..2022", kind="quotes", group_by="source")
    by_source = {g.key: (g.label, len(g.hits)) for g in res.groups}
    assert by_source == {
        d.s1: ("Abdi interview on the border", 4),
        d.s2: ("Report from Deir Ezzor", 1),
    }


def test_paging(services: Services, data: Data) -> None:
    d = data
    q = "said:2021..2022"
    all_ids = [h.id for h in services.search.search(d.case, q, kind="quotes").quotes]
    assert len(all_ids) == 5
    page1 = [h.id for h in services.search.search(d.case, q, kind="quotes", limit=2).quotes]
    page2 = [
        h.id for h in services.search.search(d.case, q, kind="quotes", limit=2, offset=2).quotes
    ]
    assert page1 + page2 == all_ids[:4]


def test_ids_and_count_for_export_selections(services: Services, data: Data) -> None:
    d = data
    assert set(services.search.ids(d.case, "speaker:Abdi")) == {
        d.q_border,
        d.q_negotiate,
        d.q_arabic,
    }
    assert services.search.ids(d.case, "border", kind="sources") == [d.s1]
    assert services.search.count(d.case, "border") == (2, 1)


# --- Malformed queries: a clear message, never an SQL error


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ('"border crossing', "quotation mark"),
        ("border OR", "OR needs"),
        ("OR border", "OR needs"),
        ("(border", "not closed"),
        ("border)", "no matching"),
        ("()", "empty brackets"),
        ("said:2021-13", "not a real date"),
        ("said:yesterday", "said: expects"),
        ("said:2022..2021", "ends before"),
        ("colour:red", "unknown filter"),
        ("b*", "at least 2 letters"),
        ("bo*der", "can only end"),
        ("border -", "must be followed"),
        ("status:bogus", "not a status"),
        ("kind:xls", "not a kind"),
        ("speaker:", "needs a value"),
        ("", "type words"),
        ("   ", "type words"),
        ("...", "type words"),
        ("x" * 2001, "too long"),
    ],
)
def test_malformed_queries_say_what_to_change(
    services: Services, data: Data, query: str, words: str
) -> None:
    with pytest.raises(QuerySyntaxError) as err:
        services.search.search(data.case, query)
    assert words in str(err.value)
    assert "sql" not in str(err.value).lower()
    assert isinstance(err.value, DomainError)


@pytest.mark.parametrize(
    "query",
    ["NEAR(border)", "border^", "{body}: x", "'", "border:*", '"*"', "a\x00b", "AND", "NOT NOT x"],
)
def test_fts_syntax_in_queries_is_never_an_sql_error(
    services: Services, data: Data, query: str
) -> None:
    # Either a result or a domain error; never an engine error.
    with contextlib.suppress(DomainError):
        services.search.search(data.case, query)


# --- The index follows the tables in the same transaction


def test_index_follows_quote_insert_update_delete(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, "Alouk", d.case) == {d.q_water}
    assert quotes(services, "pumping", d.case) == set()
    services.quotes.update(d.q_water, note="pumping stopped in August")
    assert quotes(services, "pumping", d.case) == {d.q_water}
    services.quotes.update(d.q_water, note="")
    assert quotes(services, "pumping", d.case) == set()
    services.quotes.delete(d.q_water)
    assert quotes(services, "Alouk", d.case) == set()
    t = services.sources.get_text(d.s1)
    new = _quote(services, d.s1, t, "Water from the Alouk station is a weapon.")
    assert quotes(services, "Alouk", d.case) == {new}


def test_index_follows_source_changes(services: Services, data: Data) -> None:
    d = data
    assert sources(services, "Qamishli", d.case) == set()
    services.sources.update(d.s_plain, title="Ceasefire notes from Qamishli")
    assert sources(services, "Qamishli", d.case) == {d.s_plain}
    revised = services.sources.revise(d.s_plain, "Notes about the truce in Qamishli.")
    assert revised.id in sources(services, "truce", d.case)
    services.sources.delete(revised.id)
    assert revised.id not in sources(services, "truce", d.case)
    assert_index_sound(services)


def test_index_follows_tags_added_removed_and_renamed(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, "drought", d.case) == set()
    services.tags.add("quote", d.q_nobody, "drought crisis")
    assert quotes(services, "drought", d.case) == {d.q_nobody}
    assert quotes(services, "crisis drought", d.case) == {d.q_nobody}
    services.tags.rename(d.case, "drought crisis", "famine")
    assert quotes(services, "drought", d.case) == set()
    assert quotes(services, "famine", d.case) == {d.q_nobody}
    services.tags.remove("quote", d.q_nobody, "famine")
    assert quotes(services, "famine", d.case) == set()
    # The quote itself is still found by its words, and deleting a tagged quote works.
    assert quotes(services, "crossings", d.case) == {d.q_border}
    services.quotes.delete(d.q_border)
    assert quotes(services, "crossings", d.case) == set()
    assert quotes(services, "semalka", d.case) == set()
    assert_index_sound(services)


def assert_index_sound(services: Services) -> None:
    """FTS5's own check that the index holds exactly what the tables hold (SQLite)."""
    if services.store.dialect != "sqlite":
        return
    with services.store.engine.begin() as conn:
        for t in ("fts_quotes", "fts_sources"):
            conn.exec_driver_sql(f"INSERT INTO {t}({t}) VALUES ('integrity-check')")


def test_bulk_rebuild_refills_the_index_and_keeps_fts5_defaults(
    services: Services, data: Data
) -> None:
    """The bulk path (large FTS5 hash) makes the index the triggers made, then resets it."""
    if services.store.dialect != "sqlite":
        pytest.skip("FTS5 rebuild: SQLite only (PostgreSQL's GIN indexes are made by CREATE INDEX)")
    from services.search.bulk import DEFAULT_HASHSIZE, sqlite_rebuild

    d = data
    queries = ["border", "speaker:Abdi border", "tag:crossings", "الحدود", "negoc*", "Semalka"]
    before = {q: (quotes(services, q, d.case), sources(services, q, d.case)) for q in queries}
    assert all(before[q][0] for q in queries[:-1])
    engine = services.store.engine
    with engine.begin() as conn:
        for t in ("fts_quotes", "fts_sources"):
            conn.exec_driver_sql(f"INSERT INTO {t}({t}) VALUES ('delete-all')")
    assert quotes(services, "border", d.case) == set()  # the index is empty now
    with engine.begin() as conn:
        sqlite_rebuild(conn)
    assert {q: (quotes(services, q, d.case), sources(services, q, d.case)) for q in queries} == (
        before
    )
    assert_index_sound(services)
    with engine.connect() as conn:
        for t in ("fts_quotes", "fts_sources"):
            size = conn.exec_driver_sql(f"SELECT v FROM {t}_config WHERE k = 'hashsize'").scalar()
            assert size == DEFAULT_HASHSIZE, t
    # Triggered writes still work on the rebuilt index.
    services.sources.update(d.s_plain, title="Ceasefire notes from Qamishli")
    assert sources(services, "Qamishli", d.case) == {d.s_plain}
    with pytest.raises(ValueError), engine.begin() as conn:
        sqlite_rebuild(conn, ["quotes"])


def test_speaker_aliases_added_later_count_at_once(services: Services, data: Data) -> None:
    d = data
    assert quotes(services, 'speaker:"Hevin Xelil"', d.case) == set()
    services.people.add_alias(d.hevin, "Hevin Xelil")
    assert quotes(services, 'speaker:"Hevin Xelil"', d.case) == {d.q_french}


# --- Batch search


def test_batch_counts_and_lists_per_line(services: Services, data: Data) -> None:
    d = data
    lines = [
        "Mazloum Kobani",
        "Semalka",
        "# a comment",
        "",
        "Nobody Known",
        "bad (",
        "border OR water",
    ]
    out = services.search.batch(d.case, lines)
    assert [b.line for b in out] == [
        "Mazloum Kobani",
        "Semalka",
        "Nobody Known",
        "bad (",
        "border OR water",
    ]
    abdi, semalka, nobody, bad, either = out
    assert abdi.query == '"Mazloum Kobani"'
    assert set(abdi.quote_ids) == {d.q_border, d.q_negotiate, d.q_arabic}
    assert abdi.quote_count == 3
    assert semalka.quote_ids == (d.q_border,) and semalka.source_ids == (d.s1,)
    assert nobody.quote_count == 0 and nobody.source_count == 0 and not nobody.error
    assert bad.error and "not closed" in bad.error
    assert set(either.quote_ids) == {d.q_border, d.q_nobody, d.q_water}


# --- Saved searches


def test_saved_searches(services: Services, data: Data) -> None:
    d = data
    saved = services.search.save(d.case, "Abdi on the border", "speaker:Abdi border")
    everywhere = services.search.save(None, "Trucks", "trucks")
    assert [s.name for s in services.search.list_saved(d.case)] == [
        "Abdi on the border",
        "Trucks",
    ]
    res = services.search.run_saved(saved.id)
    assert {h.id for h in res.quotes} == {d.q_border}
    assert {h.id for h in services.search.run_saved(everywhere.id).quotes} == {d.q_other}
    with pytest.raises(DuplicateError):
        services.search.save(d.case, "Abdi on the border", "other")
    with pytest.raises(QuerySyntaxError):
        services.search.save(d.case, "Broken", '"unclosed')
    with pytest.raises(ValidationError):
        services.search.save(d.case, "  ", "border")
    services.search.delete_saved(saved.id)
    assert [s.name for s in services.search.list_saved(d.case)] == ["Trucks"]
    with pytest.raises(NotFoundError):
        services.search.run_saved(saved.id)


def test_bad_arguments(services: Services, data: Data) -> None:
    with pytest.raises(ValidationError):
        services.search.search(data.case, "border", kind="people")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        services.search.search(data.case, "border", group_by="tag")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        services.search.search(data.case, "border", limit=-1)


# --- Every plan gives the same answer


PLAN_QUERIES = [
    "border",
    "ilham",  # a speaker's name: her quotes, and quotes that hold the word
    "abd*",
    "border OR water",
    "speaker:Abdi",
    "speaker:Abdi border",
    "said:2021 -semalka",
    "said:2021-01..2021-02 border",
    "kind:pdf fighting OR négo*",
    "tag:crossings border",
    "tag:crossings kind:web_page border",  # a tag's quotes checked by their source's kind
    "tag:crossings kind:pdf border",
    'tag:water source:"Abdi interview" water',
    'place:"Deir Ezzor"',
    "status:verified OR status:disputed",
]


@pytest.mark.parametrize(
    "caps",
    [
        {},  # the defaults: small data ranks everything
        {"RANK_CAP": 0, "RANK_FILTERED_CAP": 0},  # newest first, filters as sets
        {"RANK_CAP": 0, "FILTER_FIRST_CAP": 0, "SET_CAP": 0},  # filters by joining the table
        {"FILTER_FIRST_CAP": 1_000, "COUNT_CAP": 1},  # filtered rows looked up one by one
        # The newest two ranked, the older ones after them (with a set, with a join).
        {"RANK_CAP": 0, "RANK_FILTERED_CAP": 0, "RANK_WINDOW": 2},
        {
            "RANK_CAP": 0,
            "RANK_FILTERED_CAP": 0,
            "RANK_WINDOW": 2,
            "FILTER_FIRST_CAP": 0,
            "SET_CAP": 0,
        },
        {"FILTER_FIRST_CAP": 1_000, "COUNT_CAP": 1, "RANK_WINDOW": 2},
        # Filters as sets even when they select few rows (tag + kind: tested per text match).
        {"FILTER_FIRST_CAP": 0},
        {"FILTER_FIRST_CAP": 0, "RANK_CAP": 0, "RANK_FILTERED_CAP": 0, "RANK_WINDOW": 2},
    ],
    ids=[
        "ranked",
        "newest-first-set",
        "join",
        "filter-first",
        "window",
        "window-join",
        "window-filter-first",
        "sets",
        "window-sets",
    ],
)
def test_every_plan_finds_the_same_rows(
    services: Services, data: Data, monkeypatch: pytest.MonkeyPatch, caps: dict[str, int]
) -> None:
    from services.search import service as search_service

    expected = {q: set(services.search.ids(data.case, q)) for q in PLAN_QUERIES}
    for name, value in caps.items():
        monkeypatch.setattr(search_service, name, value)
    for q in PLAN_QUERIES:
        res = services.search.search(data.case, q, limit=500, kind="quotes")
        assert {h.id for h in res.quotes} == expected[q], q
        if res.quote_total_exact:
            assert res.quote_total == len(expected[q]), q


@pytest.mark.parametrize(
    "caps",
    [
        {},
        {"FILTER_FIRST_CAP": 0},
        {"FILTER_FIRST_CAP": 0, "RANK_CAP": 0, "RANK_FILTERED_CAP": 0, "RANK_WINDOW": 1},
    ],
)
def test_a_month_in_a_one_case_store_finds_the_same_rows(
    services: Services, monkeypatch: pytest.MonkeyPatch, caps: dict[str, int]
) -> None:
    """One case: the date filter's ids come from the date index alone (no case check)."""
    from services.search import service as search_service

    case = services.cases.create("Only case").id
    text = 'A said: "The border is open." B said: "The border is shut." C said: "No border."'
    src = services.sources.add(case, title="Notes", text=text)
    t = services.sources.get_text(src.id)
    jan = _quote(services, src.id, t, "The border is open.", said=PartialDate.day(2021, 1, 5))
    _quote(services, src.id, t, "The border is shut.", said=PartialDate.day(2021, 2, 5))
    jan_month = _quote(services, src.id, t, "No border.", said=PartialDate.month(2021, 1))
    for name, value in caps.items():
        monkeypatch.setattr(search_service, name, value)
    for q, want in (
        ("said:2021-01 border", {jan, jan_month}),
        ("said:2021-01 -open", {jan_month}),
        ("said:2022 border", set()),
    ):
        assert set(services.search.ids(case, q)) == want, q
        res = services.search.search(case, q, kind="quotes")
        assert {h.id for h in res.quotes} == want, q


@pytest.mark.parametrize(
    "caps",
    [
        {"RANK_CAP": 0, "RANK_FILTERED_CAP": 0, "SOURCE_RANK_WINDOW": 1},
        {"RANK_CAP": 0, "RANK_FILTERED_CAP": 0, "SOURCE_RANK_WINDOW": 1, "FILTER_FIRST_CAP": 0},
    ],
    ids=["window", "window-sets"],
)
def test_sources_are_ranked_in_their_own_window(
    services: Services, data: Data, monkeypatch: pytest.MonkeyPatch, caps: dict[str, int]
) -> None:
    """Sources have a smaller ranking window than quotes; every match is still found."""
    from services.search import service as search_service

    d = data
    queries = ["border", "border OR water", "kind:pdf border OR négo*", "said", "abd*"]
    expected = {q: set(services.search.ids(d.case, q, kind="sources")) for q in queries}
    assert len(expected["said"]) >= 2
    for name, value in caps.items():
        monkeypatch.setattr(search_service, name, value)
    for q in queries:
        res = services.search.search(d.case, q, limit=500, kind="sources")
        assert {h.id for h in res.sources} == expected[q], q
        if len(expected[q]) > 1 and not q.startswith("kind:"):
            assert res.source_rank_window == res.rank_window == 1, q
    both = services.search.search(d.case, "said", limit=500)
    assert both.source_rank_window == 1
    assert both.rank_window == 1  # the quotes' window (2,000) is not full


def test_matches_found_alike_with_and_without_marks() -> None:
    """Text without accents or Arabic marks is searched with a faster twin pattern: same spans."""
    from services.search.highlight import find_matches, fold_same_length, matcher
    from services.search.query import parse, text_leaves

    texts = [
        "The border_crossing, the border-crossing; xborder, border's BORDER.",
        "Les négociations à Genève n'ont pas abouti; NÉGOCIATIONS.",
        "Les ne\u0301gociations a\u0300 Gene\u0300ve",  # combining accents: the general pattern
        "قال مظلوم عبدي: إنَّ الحُدودَ مَفتوحةٌ والحدود",
        "İstanbul border, of the border and of  the  border",
        "“They said” — they, THEY’re, theyx",
    ]
    queries = ["border", "négo*", "الحدود", '"of the border"', "they OR said", "bo* border", "ab*"]
    for q in queries:
        pat = matcher(text_leaves(parse(q)))
        assert pat is not None
        for t in texts:
            general = tuple((m.start(), m.end()) for m in pat.finditer(fold_same_length(t)))
            assert find_matches(t, pat) == general, (q, t)
    pat = matcher(text_leaves(parse("border")))
    assert find_matches(texts[0], pat) == ((4, 10), (25, 31), (51, 57), (60, 66))


def test_tag_kind_window_scores_are_the_texts_own(
    services: Services, data: Data, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tag: + kind: + text read through the tag's name in the index ranks as the text alone.

    The window plan asks FTS5 for "text AND tag name" and takes the name's own bm25 term out;
    the join plan (SET_CAP 0) ranks the text alone: same rows, same scores, same order.
    """
    from services.search import service as search_service

    d = data
    services.tags.add("quote", d.q_nobody, "crossings")  # two tagged quotes hold "border"
    queries = [
        "tag:crossings kind:web_page border",
        "tag:crossings kind:web_page crossings",  # the text is also the tag's name
        "tag:crossings kind:web_page border OR water",
        "tag:crossings kind:web_page -semalka",
        "tag:cross* kind:web_page bord*",
        "tag:crossings kind:pdf border",
    ]
    # Every word counts as very common, for which the tag's name is used.
    window = {
        "RANK_CAP": 0,
        "RANK_FILTERED_CAP": 0,
        "FILTER_FIRST_CAP": 0,
        "COUNT_CAP": 0,
        "TAG_NAME_CAP": 0,
    }
    for name, value in window.items():
        monkeypatch.setattr(search_service, name, value)

    def hits(q: str) -> list[tuple[int, float]]:
        res = services.search.search(d.case, q, limit=500, kind="quotes")
        return [(h.id, h.score) for h in res.quotes]

    through_name = {q: hits(q) for q in queries}
    monkeypatch.setattr(search_service, "SET_CAP", 0)
    for q in queries:
        assert through_name[q] == hits(q), q
        assert {i for i, _ in through_name[q]} == set(services.search.ids(d.case, q)), q
    assert len(through_name[queries[0]]) == 2
    if services.store.dialect == "sqlite":  # bm25 tells the two apart (ts_rank does not)
        assert through_name[queries[0]][0][1] != through_name[queries[0]][1][1]
