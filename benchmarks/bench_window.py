"""Time-to-window and resident memory: a bare QMainWindow, a 100-quote case, a 1,000,000-quote case.

Each measurement runs in a fresh subprocess (so imports, fonts and caches count as they do for a
user), several times; the median is reported. "Time to window" runs from the process start
(interpreter start-up included) to the first paint of the main window with its panes filled;
"first frame" to the paint of the frame ``python main.py`` shows while the store opens; "settled"
to the end of what the window does after its first paint, one step per turn of its event loop
(importing the ORM and the services' modules, starting the background reads). Beside the
wall-clock time, the process's CPU time (user + system) to the same paint is printed: on a shared,
busy machine the wall clock mostly measures waiting for a core, while the CPU time stays close to
what an idle machine takes (the bare window's wall time on an idle machine, 0.2-0.3 s, is its CPU
time here). The big case's window then scrolls the quotes pane to the bottom a few times: rows
come in pages (canFetchMore/fetchMore), so the pane holds a few hundred rows, never the million.

Children run with compiled bytecode, as an installed app does (``pip install`` compiles it):
``PYTHONDONTWRITEBYTECODE`` is dropped and the caches go under ``--dir`` (``PYTHONPYCACHEPREFIX``),
not into the source tree; the warm-up start of each case writes them.

With ``--count``, each case is also started once under valgrind's callgrind and ended at its
first paint, and the instructions it executed are printed: a figure that does not move with the
machine's speed, for comparing two versions of the code (a minute or two per case).

Usage::

    python benchmarks/bench_window.py                      # 1,000,000 quotes, 100,000 sources
    python benchmarks/bench_window.py --quotes 100000 --runs 3 --dir /tmp/benchwin
    python benchmarks/bench_window.py --runs 3 --count     # and the instruction counts

The stores are generated once into ``--dir`` (benchmarks/gen_case.py) and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCROLLS = 5  # times the big case's quotes pane is scrolled to the bottom
SPAWNED = "SOURCEBOOK_BENCH_SPAWNED"  # the parent's time.time() when it started the child
EXIT_AT_PAINT = "SOURCEBOOK_BENCH_EXIT_AT_PAINT"  # set: the child ends at the first paint


def _since_process_start() -> float:
    # From the moment the parent started this process (it passes its clock in the environment):
    # psutil's create_time counts from the boot time, which Linux gives in whole seconds, and
    # was up to a second off.
    return time.time() - float(os.environ[SPAWNED])


def _cpu_s() -> float:
    import psutil

    t = psutil.Process().cpu_times()
    return float(t.user + t.system)


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def child_bare() -> dict[str, float]:
    """A bare QApplication + QMainWindow, shown and painted."""
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    w = QMainWindow()
    w.resize(1400, 860)
    w.show()
    w.repaint()
    app.processEvents()
    _exit_if_counting()
    return {"seconds": _since_process_start(), "cpu_s": _cpu_s(), "rss_mb": _rss_mb()}


def _exit_if_counting() -> None:
    """End the process here when its instructions are being counted up to this point."""
    if os.environ.get(EXIT_AT_PAINT):
        sys.stdout.flush()
        os._exit(0)


def child_window(db: str, settings: str) -> dict[str, float]:
    """Sourcebook's window on the store ``db`` as ``python main.py`` opens it."""
    sys.path.insert(0, str(ROOT))
    from services.container import hold_gc, import_startup_modules

    hold_gc()  # as main.run_window does
    import_startup_modules()  # as main.run_window does, before Qt
    from PySide6.QtCore import QEventLoop

    from ui.app import open_window, setup_application, startup_frame

    # The steps of ui.app.run_app: the frame first, then the store and the filled window.
    app = setup_application()
    frame = startup_frame(settings)
    frame.show()
    frame.repaint()
    app.processEvents()
    first_frame = _since_process_start()
    first_frame_cpu = _cpu_s()
    window = open_window(db, settings)
    # The clock stops once the window's first paint is done: the turn of the event loop after
    # its paint event, before the work that waits for that paint (the ORM's import, the
    # background reads, the backup), which the window then runs one step per turn.
    painted: dict[str, float] = {}

    def first_paint() -> None:
        painted.update(seconds=_since_process_start(), cpu_s=_cpu_s(), rss_mb=_rss_mb())
        _exit_if_counting()

    watcher = _first_paint_filter(first_paint)
    window.installEventFilter(watcher)
    settled: dict[str, float] = {}
    window.run_after_first_paint(
        lambda: settled.update(seconds=_since_process_start(), cpu_s=_cpu_s())
    )
    frame.close()
    deadline = time.monotonic() + 120
    while not settled and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    if not painted or not settled:
        raise SystemExit("the window did not paint within 120 s")
    window.removeEventFilter(watcher)
    out = {
        "first_frame": first_frame,
        "first_frame_cpu_s": first_frame_cpu,
        **painted,
        "settled": settled["seconds"],
        "settled_cpu_s": settled["cpu_s"],
        "rows_loaded": float(window.quotes.model.rowCount()),
    }
    view = window.quotes.view
    t0 = time.perf_counter()
    for _ in range(SCROLLS):
        view.scrollToBottom()
        app.processEvents()
    out["scroll_ms"] = (time.perf_counter() - t0) * 1000 / SCROLLS
    out["rows_after_scroll"] = float(window.quotes.model.rowCount())
    out["rss_after_scroll_mb"] = _rss_mb()
    from ui.workers import write_pool

    write_pool().waitForDone(120_000)
    window.close()
    window.svc.close()
    return out


def _first_paint_filter(then: Callable[[], object]) -> Any:
    """An event filter that calls ``then`` on the turn after a widget's first paint event."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.seen = False

        def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and not self.seen:
                self.seen = True
                QTimer.singleShot(0, then)
            return False

    return FirstPaint()


def _run_child(args: list[str], pycache: Path) -> dict[str, float]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env[SPAWNED] = repr(time.time())
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stderr}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _count_child(args: list[str], pycache: Path, out: Path) -> int:
    """Instructions the child executes up to its first paint, counted by callgrind.

    The count does not depend on how fast the machine runs at the moment (this one's speed
    drifts by up to 2x within the hour), so two versions of the code can be compared with
    one start each; it runs some 50 times slower than the start itself.
    """
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env[SPAWNED] = repr(time.time())
    env[EXIT_AT_PAINT] = "1"
    proc = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            "--child",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=ROOT,
    )
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"counting {args} failed:\n{proc.stderr[-2000:]}")
    return callgrind_total(out.read_text(errors="replace"))


def callgrind_total(text: str) -> int:
    """The instruction count on a callgrind output file's ``summary:`` (or ``totals:``) line."""
    for line in text.splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise ValueError("no summary line in the callgrind output")


def _store(directory: Path, quotes: int, sources: int) -> str:
    path = directory / f"case_{quotes}.db"
    if not path.exists():
        sys.path.insert(0, str(ROOT / "benchmarks"))
        sys.path.insert(0, str(ROOT))
        from gen_case import generate

        t0 = time.perf_counter()
        generate(str(path), quotes, sources, 1)
        print(f"generated {quotes:,} quotes in {time.perf_counter() - t0:.0f} s", flush=True)
    return str(path)


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} cores)"


def _loop_s() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this machine runs at the moment.

    Here it varied from 0.19 to 0.35 s within an hour with nothing else running; the bare
    window's time moves with it.
    """
    t0 = time.process_time()
    sum(range(10**7))
    return time.process_time() - t0


def _median(rows: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main() -> None:
    """Measure and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quotes", type=int, default=1_000_000)
    ap.add_argument("--sources", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default="/tmp/sourcebook-bench-window")
    ap.add_argument(
        "--count",
        action="store_true",
        help="also count each start's instructions up to its first paint (valgrind's callgrind)",
    )
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind = args.child[0]
        result = child_bare() if kind == "bare" else child_window(args.child[1], args.child[2])
        print(json.dumps(result))
        return

    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    load_before = _load()
    loop_before = _loop_s()
    small = _store(directory, 100, 10)
    big = _store(directory, args.quotes, args.sources)
    cases = [
        ("bare QMainWindow", ["bare"]),
        ("window, 100 quotes", ["window", small, str(directory / "small.ini")]),
        (f"window, {args.quotes:,} quotes", ["window", big, str(directory / "big.ini")]),
    ]
    # One start each first: the automatic backup on opening a changed store happens then, and
    # the OS file cache is warm for every measured run, as on a journalist's second start.
    pycache = directory / "pycache"
    for _, child in cases:
        _run_child(child, pycache)
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in cases}
    for _ in range(args.runs):  # interleaved, so drifts of the machine hit each alike
        for name, child in cases:
            results[name].append(_run_child(child, pycache))

    print(f"\nPython {platform.python_version()} ({sys.executable})")
    print(f"load average before / after: {load_before} / {_load()}")
    print(f"a fixed Python loop before / after: {loop_before:.2f} / {_loop_s():.2f} s of CPU")
    print(f"{args.runs} runs each, median (min-max):")
    print(
        f"{'':28} {'to window (wall)':>20} {'CPU to window':>20} {'resident':>17}"
        f" {'rows':>7} {'scroll':>9}"
    )
    for name, rows in results.items():
        secs = [r["seconds"] for r in rows]
        cpu = [r["cpu_s"] for r in rows]
        mem = [r["rss_mb"] for r in rows]
        line = (
            f"{name:28} {_median(rows, 'seconds'):6.2f} s ({min(secs):.2f}-{max(secs):.2f})"
            f" {_median(rows, 'cpu_s'):6.2f} s ({min(cpu):.2f}-{max(cpu):.2f})"
            f" {_median(rows, 'rss_mb'):5.0f} MB ({min(mem):.0f}-{max(mem):.0f})"
        )
        if "first_frame" in rows[0]:
            line += (
                f"  first frame {_median(rows, 'first_frame'):.2f} s"
                f" ({_median(rows, 'first_frame_cpu_s'):.2f} s CPU)"
                f"  settled {_median(rows, 'settled'):.2f} s"
            )
        if "rows_loaded" in rows[0]:
            line += (
                f" {_median(rows, 'rows_loaded'):7.0f}"
                f" {_median(rows, 'scroll_ms'):6.0f} ms"
                f"  (after {SCROLLS} scrolls to the bottom: "
                f"{_median(rows, 'rows_after_scroll'):.0f} rows, "
                f"{_median(rows, 'rss_after_scroll_mb'):.0f} MB)"
            )
        print(line)
    if args.count:
        _print_counts(cases, pycache, directory)


def _print_counts(cases: list[tuple[str, list[str]]], pycache: Path, directory: Path) -> None:
    if shutil.which("valgrind") is None:
        print("\nvalgrind is not installed: no instruction counts (apt-get install valgrind)")
        return
    print("\nInstructions to the first paint (callgrind, one start each):")
    bare = 0
    for i, (name, child) in enumerate(cases):
        count = _count_child(child, pycache, directory / f"callgrind.{i}.out")
        bare = bare or count
        print(f"{name:28} {count / 1e6:8,.0f} million  ({count / bare:.2f} x the bare window)")


if __name__ == "__main__":
    main()
