"""Without a PostgreSQL server the suite still runs, and says what it skipped and why."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_postgres_half_is_skipped_with_a_visible_reason() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOURCEBOOK_TEST_PG_URL"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/services/test_cases.py",
            "-p",
            "no:cacheprovider",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "SKIPPED" in proc.stdout
    assert "PostgreSQL tests skipped: set SOURCEBOOK_TEST_PG_URL" in proc.stdout
    last = proc.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"=+ \d+ passed, \d+ skipped in [\d.]+s( \([\d:]+\))? =+", last), last
