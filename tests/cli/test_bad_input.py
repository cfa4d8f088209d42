"""Every command, given bad input, prints one clear line, exits 2 and leaves the store as it was.

The table below names bad input for every subcommand the parser knows; a new command without an
entry fails ``test_every_command_has_a_bad_input_case``, so the promise keeps covering them all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.cli.test_core_cli import cli, digest
from ui.cli import build_parser

MISSING = "/nonexistent-folder/nothing-here.txt"

# command -> list of (label, args); "{tmp}" is replaced by the test's own temporary folder.
BAD_INPUT: dict[str, list[tuple[str, list[str]]]] = {
    "cases": [("unknown option", ["cases", "--colour"])],
    "new-case": [("blank title", ["new-case", "  "])],
    "sources": [("unknown case", ["sources", "--case", "Nope"])],
    "source": [("wrong id", ["source", "99"]), ("id not a number", ["source", "abc"])],
    "edit-source": [
        ("bad URL", ["edit-source", "1", "--url", "ftp//x y"]),
        ("bad retrieval time", ["edit-source", "1", "--retrieved", "last week"]),
        ("bad meta", ["edit-source", "1", "--meta", "novalue"]),
    ],
    "quotes": [("unknown case", ["quotes", "--case", "99"])],
    "quote": [
        ("edit wrong id", ["quote", "edit", "99", "--note", "x"]),
        ("edit unknown speaker", ["quote", "edit", "1", "--speaker", "Nobody Known"]),
        ("edit bad check time", ["quote", "edit", "1", "--checked-at", "yesterday"]),
        ("edit span outside", ["quote", "edit", "1", "--start", "0", "--end", "999999"]),
        ("edit half a span", ["quote", "edit", "1", "--start", "0"]),
        ("edit tag too long", ["quote", "edit", "1", "--tags", "x" * 201]),
        ("delete wrong id", ["quote", "delete", "99"]),
        (
            "offsets outside the text",
            ["quote", "add", "--source", "1", "--start", "5", "--end", "999999"],
        ),
        (
            "span text does not match",
            ["quote", "add", "--source", "1", "--start", "0", "--end", "4", "--text", "Nope"],
        ),
    ],
    "people": [("unknown case", ["people", "--case", "99"])],
    "person": [
        ("unknown case", ["person", "add", "Someone", "--case", "99"]),
        ("wrong id", ["person", "edit", "99", "--role", "x"]),
        ("stale version", ["person", "edit", "9", "--role", "x", "--expected-version", "7"]),
        ("blank name", ["person", "edit", "9", "--name", " "]),
        ("unknown organisation", ["person", "affiliate", "9", "--org", "Nope"]),
        (
            "ends before it starts",
            ["person", "edit-affiliation", "2", "--from", "2020-01-01", "--to", "2019-01-01"],
        ),
        ("day expected", ["person", "affiliate", "9", "--org", "YPG", "--from", "2019"]),
        ("wrong affiliation", ["person", "edit-affiliation", "99", "--role", "x"]),
        ("merge with oneself", ["person", "merge", "9", "9"]),
        ("delete a speaker", ["person", "delete", "9"]),
        ("mention in unknown source", ["person", "edit", "9", "--mentioned-in", "99"]),
    ],
    "events": [("unknown case", ["events", "--case", "99"])],
    "event": [
        ("unknown place", ["event", "add", "E", "--case", "1", "--place", "Atlantis"]),
        ("bad date", ["event", "add", "E", "--case", "1", "--date", "soon"]),
        ("bad link", ["event", "add", "E", "--case", "1", "--link", "quote:99"]),
        ("bad link kind", ["event", "edit", "1", "--link", "place:1"]),
        ("blank title", ["event", "edit", "1", "--title", " "]),
        ("nothing to change", ["event", "edit", "1"]),
    ],
    "edit-case": [
        ("unknown case", ["edit-case", "99", "--title", "x"]),
        ("blank title", ["edit-case", "1", "--title", " "]),
        ("nothing to change", ["edit-case", "1"]),
    ],
    "revise-source": [
        ("missing file", ["revise-source", "1", "--text-file", MISSING]),
        ("wrong id", ["revise-source", "99", "--text-file", "{tmp}/not-an-archive.sbk"]),
    ],
    "delete-source": [
        ("quotes not disposed of", ["delete-source", "1"]),
        ("move without target", ["delete-source", "1", "--quotes", "move"]),
        ("move to itself", ["delete-source", "1", "--quotes", "move", "--move-to", "1"]),
        (
            "move to an unknown source",
            ["delete-source", "1", "--quotes", "move", "--move-to", "99"],
        ),
    ],
    "places": [("unknown case", ["places", "--case", "99"])],
    "place": [
        ("bad latitude", ["place", "add", "X", "--case", "1", "--lat", "95"]),
        ("not a number", ["place", "edit", "1", "--lon", "east"]),
        ("mention of unknown quote", ["place", "edit", "1", "--mention", "quote:99"]),
        ("blank name", ["place", "edit", "1", "--name", " "]),
    ],
    "tag": [
        ("wrong id", ["tag", "quote", "99", "--add", "x"]),
        ("too long", ["tag", "quote", "1", "--add", "x" * 201]),
    ],
    "tags": [("unknown tag", ["tags", "--case", "1", "--rename", "nope", "new"])],
    "demo": [("unexpected argument", ["demo", "extra"])],
    "migrate": [("unexpected argument", ["migrate", "extra"])],
    "backup": [("unknown option", ["backup", "--to", "{tmp}/x.db"])],
    "restore": [("missing backup", ["restore", "no-such-backup.db", "--yes"])],
    "export-archive": [("unknown case", ["export-archive", "99", "--out", "{tmp}/x.sbk"])],
    "import-archive": [
        ("missing file", ["import-archive", MISSING]),
        ("not an archive", ["import-archive", "{tmp}/not-an-archive.sbk"]),
    ],
    "encrypt-store": [("no passphrase", ["encrypt-store", "--out", "{tmp}/enc.db"])],
    "export": [("unknown case", ["export", "--case", "99", "--out", "{tmp}/out"])],
    "import": [
        ("missing file", ["import", MISSING, "--case", "1"]),
        ("unknown case", ["import", "{tmp}/not-an-archive.sbk", "--case", "99"]),
    ],
    "extract": [("wrong id", ["extract", "999"])],
    "search": [("unknown case", ["search", "--case", "99", "minister"])],
    "searches": [("unknown case", ["searches", "--case", "99"])],
}


def _commands() -> set[str]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    raise AssertionError("no subcommands")


def test_every_command_has_a_bad_input_case() -> None:
    assert _commands() == set(BAD_INPUT)


CASES = [
    pytest.param(args, id=f"{command}: {label}")
    for command, entries in BAD_INPUT.items()
    for label, args in entries
]


@pytest.mark.parametrize("args", CASES)
def test_bad_input_prints_one_line_exits_2_and_changes_nothing(
    args: list[str],
    demo_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SOURCEBOOK_PASSPHRASE", raising=False)
    monkeypatch.delenv("SOURCEBOOK_PASSPHRASE_FILE", raising=False)
    (tmp_path / "not-an-archive.sbk").write_text("just some notes\n", encoding="utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    before = digest(demo_db)
    files_before = {p.name for p in tmp_path.iterdir()}
    status, out, err = cli(capsys, str(demo_db), *args)
    assert status == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sourcebook") and "Traceback" not in err
    assert digest(demo_db) == before
    # Nothing was written beside it either (backups made on open aside).
    assert {p.name for p in tmp_path.iterdir()} - {"store.db.backups"} <= files_before
