"""What a window start loads: only the modules the first picture needs.

Extraction, importing, archives and the suggested-quotes pane cost a tenth of a second or more
to import; the window imports them when the journalist first uses them, not at every start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from services.container import Services
from services.demo import build_demo

ROOT = Path(__file__).resolve().parents[2]

LATER = (
    "services.extract.service",
    "services.extract.review",
    "services.imports",
    "services.archive",
    "services.brief.service",
    "ui.panes.review_pane",
)

CHILD = """
import json, sys
from ui.app import open_window, setup_application
app = setup_application()
window = open_window(sys.argv[1], sys.argv[2])
app.processEvents()
shown = window.quotes.model.rowCount()
before = sorted(m for m in json.loads(sys.argv[3]) if m in sys.modules)
window.review_pane  # Source > Suggest quotes builds it
window.svc.extraction, window.svc.imports
after = sorted(m for m in json.loads(sys.argv[3]) if m in sys.modules)
print(json.dumps({"quotes": shown, "before": before, "after": after}))
window.close()
window.svc.close()
"""


def test_a_window_start_leaves_the_heavy_modules_for_later(tmp_path: Path) -> None:
    db = tmp_path / "case.db"
    svc = Services.open(str(db), auto_backup=False)
    build_demo(svc)
    svc.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(tmp_path / "s.ini"), json.dumps(LATER)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["quotes"] > 0  # the window opened on the demo case, its quotes listed
    assert got["before"] == []
    assert set(got["after"]) >= {
        "ui.panes.review_pane",
        "services.extract.service",
        "services.imports",
    }
