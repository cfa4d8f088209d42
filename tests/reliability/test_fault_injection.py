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
    # Each worker is killed after 0-12 acknowledged edits and then 10-200 ms more (in the middle
    # of whatever it was doing then), however fast or busy the machine is.
    report = run_kills(
        tmp_path / "kills",
        kills=100,
        seed=20261125,
        max_delay=0.2,
        max_edits_first=12,
        deadline=900,  # seconds: a bound for a very slow machine, far above the usual 30-110 s
    )
    assert report.kills == 100
    assert report.corrupt == []
    assert report.lost == []
    # The kills landed while real work was going on.
    assert report.acknowledged >= 500
    assert {"source", "quote", "person", "role", "event"} <= set(report.by_kind)


def test_encrypted_store_survives_kills_too(tmp_path: Path) -> None:
    report = run_kills(
        tmp_path / "kills",
        kills=25,
        seed=7,
        max_delay=0.2,
        max_edits_first=8,
        deadline=600,
        passphrase="kill me softly",
    )
    assert report.kills == 25
    assert report.corrupt == [] and report.lost == []
    assert report.acknowledged >= 75
