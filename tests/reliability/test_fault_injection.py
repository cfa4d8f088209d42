"""Nothing lost: kill an editing process 100 times; every acknowledged edit survives."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.reliability.killing import run_kills

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="needs fork and SIGKILL"),
]


def test_sigkill_at_random_moments_loses_no_acknowledged_edit(tmp_path: Path) -> None:
    # Kills land 10-700 ms after a worker starts: opening the store takes part of that.
    report = run_kills(tmp_path / "kills", kills=100, seed=20261125, deadline=170, max_delay=0.7)
    assert report.kills == 100
    assert report.corrupt == []
    assert report.lost == []
    # The kills landed while real work was going on.
    assert report.acknowledged > 200
    assert {"source", "quote", "person", "role", "event"} <= set(report.by_kind)


def test_encrypted_store_survives_kills_too(tmp_path: Path) -> None:
    # Opening an encrypted store derives its key (PBKDF2, about 0.25 s here) before the first
    # edit, so the kills are spread over a longer window to land in the middle of real work.
    report = run_kills(
        tmp_path / "kills",
        kills=25,
        seed=7,
        deadline=90,
        max_delay=0.9,
        passphrase="kill me softly",
    )
    assert report.kills == 25
    assert report.corrupt == [] and report.lost == []
    assert report.acknowledged > 25
