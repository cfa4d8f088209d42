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


BEFORE_QT = """
import json, sys
from services.container import STARTUP_MODULES


class ReachedQt(Exception):
    pass


class StopAtQt:
    # Records what is loaded when the window first asks for Qt, then stops the start there.
    def find_spec(self, name, path=None, target=None):
        if name == "PySide6":
            print(json.dumps(sorted(m for m in STARTUP_MODULES if m not in sys.modules)))
            raise ReachedQt
        return None


sys.meta_path.insert(0, StopAtQt())
import main
try:
    main.run_window(sys.argv[1])
except ReachedQt:
    print("stopped where Qt was first asked for")
"""


def test_python_main_imports_the_data_layer_before_qt(tmp_path: Path) -> None:
    """PySide6 makes every later first import read its module's source: the data layer comes
    first (services.container.import_startup_modules)."""
    proc = subprocess.run(
        [sys.executable, "-c", BEFORE_QT, str(tmp_path / "case.db")],
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "[]"  # every startup module was loaded before Qt was asked for
    assert lines[-1] == "stopped where Qt was first asked for"
