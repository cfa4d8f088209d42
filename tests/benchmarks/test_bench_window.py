"""The window benchmark's instruction count: a child that ends at its first paint, and the
total read from callgrind's output (the counting itself needs valgrind and is run on demand)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_window.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_window", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_total_comes_from_the_summary_line() -> None:
    bench = _bench()
    out = "version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 2579757688\nfn=(1) x\n"
    assert bench.callgrind_total(out) == 2_579_757_688
    assert bench.callgrind_total("events: Ir\ntotals: 483046961\n") == 483_046_961
    with pytest.raises(ValueError, match="no summary"):
        bench.callgrind_total("events: Ir\n")


@pytest.mark.parametrize("counting", [False, True])
def test_a_counted_start_ends_at_its_first_paint(counting: bool) -> None:
    """Counted, the bare window's child exits at the paint without printing its figures."""
    bench = _bench()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env[bench.SPAWNED] = repr(time.time())
    env.pop(bench.EXIT_AT_PAINT, None)
    if counting:
        env[bench.EXIT_AT_PAINT] = "1"
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--child", "bare"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert ('"seconds"' in proc.stdout) is not counting
