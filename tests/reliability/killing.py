"""Fault injection: kill an editing process at random moments and check what survived.

Used by ``tests/reliability/test_fault_injection.py`` (100 kills through a fork server) and
``benchmarks/killtest.py`` (more kills, optionally a fresh interpreter per kill).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from models.db import open_store
from models.entities import Event, Person, Quote, Source, SourceFile
from services.container import Services

WORKER = Path(__file__).with_name("edit_worker.py")
WORKER_TIMEOUT = 60.0  # seconds a worker may take for the edits it must make before its kill
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class KillReport:
    """What a run of kills found.

    Attributes:
        kills: Processes killed with SIGKILL.
        acknowledged: Edits the processes reported as saved.
        lost: Acknowledged edits missing after reopening (must be empty).
        corrupt: Rounds whose integrity check was not ``ok`` (must be empty).
        seconds: Wall time of the run.
    """

    kills: int = 0
    acknowledged: int = 0
    lost: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    seconds: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)


def prepare(folder: Path, passphrase: str | None = None) -> tuple[Path, Path, int]:
    """A fresh store with one case, and a folder for the files to import."""
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "killed.db"
    files = folder / "files"
    files.mkdir(exist_ok=True)
    svc = Services.over(open_store(str(store), passphrase=passphrase))
    case = svc.cases.create("Under fire")
    svc.close()
    return store, files, case.id


def verify(store: Path, acks: list[str], report: KillReport, passphrase: str | None = None) -> None:
    """Reopen the store, check its integrity and that every acknowledged edit is there."""
    st = open_store(str(store), passphrase=passphrase)
    try:
        with st.engine.connect() as conn:
            verdict = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            if verdict != "ok":
                report.corrupt.append(f"kill {report.kills}: {verdict}")
        with st.sessions() as s:
            for line in acks:
                kind, rest = line.split(" ", 1)
                report.acknowledged += 1
                report.by_kind[kind] = report.by_kind.get(kind, 0) + 1
                if not _present(s, kind, rest.split(" ")):
                    report.lost.append(line)
    finally:
        st.close()


def _present(s: object, kind: str, f: list[str]) -> bool:
    from sqlalchemy.orm import Session

    assert isinstance(s, Session)
    if kind == "source":
        sha = s.scalar(
            select(SourceFile.sha256)
            .join(Source, Source.file_id == SourceFile.id)
            .where(Source.id == int(f[0]))
        )
        return sha == f[1]
    if kind == "quote":
        q = s.get(Quote, int(f[0]))
        return (
            q is not None
            and q.source_id == int(f[1])
            and (q.start_offset, q.end_offset) == (int(f[2]), int(f[3]))
            and q.source.text[q.start_offset : q.end_offset] == q.text
        )
    if kind == "person":
        p = s.get(Person, int(f[0]))
        return p is not None and p.name == " ".join(f[1:])
    if kind == "role":
        p = s.get(Person, int(f[0]))
        # A later save may have committed before the kill without being reported: then the
        # version is higher. Never lower, and equal means this very role.
        return p is not None and (p.version > int(f[1]) or p.role == f[2])
    if kind == "event":
        e = s.get(Event, int(f[0]))
        return e is not None and e.title == " ".join(f[1:])
    raise ValueError(f"unknown acknowledgement {kind!r}")


def run_kills(
    folder: Path,
    kills: int,
    seed: int,
    *,
    fork_server: bool = True,
    max_delay: float = 0.35,
    deadline: float | None = None,
    passphrase: str | None = None,
    max_edits_first: int = 0,
) -> KillReport:
    """Start, kill and check ``kills`` times; stop early (still checked) past ``deadline`` s.

    Each worker is killed ``max_delay`` seconds at most after it starts; with
    ``max_edits_first`` (fork server only), after it reported a random number of edits up to that
    many and then a random 0-``max_delay`` seconds more, so that on a slow or busy machine the
    kills still land in the middle of real work rather than while the store opens.
    """
    rng = random.Random(seed)
    store, files, case_id = prepare(folder, passphrase)
    report = KillReport()
    started = time.monotonic()
    env = dict(os.environ, PYTHONPATH=str(ROOT), SOURCEBOOK_BACKUP_MINUTES="100000")
    env.pop("SOURCEBOOK_PASSPHRASE_FILE", None)
    if passphrase:
        env["SOURCEBOOK_PASSPHRASE"] = passphrase  # the workers' open_store reads it
    else:
        env.pop("SOURCEBOOK_PASSPHRASE", None)
    server = None
    if fork_server:
        server = subprocess.Popen(
            [sys.executable, str(WORKER), "serve", str(store), str(files), str(case_id)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
    try:
        for _ in range(kills):
            if deadline is not None and time.monotonic() - started > deadline:
                break
            worker_seed = rng.randrange(1 << 30)
            delay = rng.uniform(0.01, max_delay)
            edits_first = rng.randint(0, max_edits_first) if max_edits_first else 0
            if server is not None:
                acks = _kill_forked(server, worker_seed, delay, edits_first)
            else:
                acks = _kill_spawned(store, files, case_id, worker_seed, delay, env)
            report.kills += 1
            verify(store, acks, report, passphrase)
    finally:
        if server is not None:
            assert server.stdin is not None
            server.stdin.close()
            server.wait(10)
            if server.stdout is not None:
                server.stdout.close()
    report.seconds = time.monotonic() - started
    return report


def _kill_forked(
    server: subprocess.Popen[bytes], seed: int, delay: float, edits_first: int = 0
) -> list[str]:
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(f"run {seed}\n".encode())
    server.stdin.flush()
    first = server.stdout.readline().decode().split()
    if not first or first[0] != "pid":
        raise RuntimeError(f"fork server said {first!r}")
    pid = int(first[1])
    acks: list[str] = []
    # Bounded in time: a worker that stops making edits is killed by the watchdog, and the
    # run fails with that said, instead of waiting for ever.
    watchdog = threading.Timer(WORKER_TIMEOUT, os.kill, (pid, signal.SIGKILL))
    watchdog.start()
    try:
        while len(acks) < edits_first:
            line = server.stdout.readline().decode()
            if not line or line.startswith("exit "):
                raise RuntimeError(
                    f"worker made {len(acks)} edits in {WORKER_TIMEOUT} s, then {line!r}"
                )
            acks.append(line.rstrip("\n"))
    finally:
        watchdog.cancel()
    time.sleep(delay)
    os.kill(pid, signal.SIGKILL)
    while True:
        line = server.stdout.readline().decode()
        if not line:
            raise RuntimeError("fork server ended")
        if line.startswith("exit "):
            status = int(line.split()[1])
            if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
                raise RuntimeError(f"worker ended by itself (status {status}), not killed")
            return acks
        acks.append(line.rstrip("\n"))


def _kill_spawned(
    store: Path, files: Path, case_id: int, seed: int, delay: float, env: dict[str, str]
) -> list[str]:
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), "once", str(store), str(files), str(case_id), str(seed)],
        stdout=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    # A fresh interpreter needs about a second to import the stack: kill after it started.
    time.sleep(1.0 + delay)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate()
    if proc.returncode != -signal.SIGKILL:
        raise RuntimeError(f"worker ended by itself (status {proc.returncode}), not killed")
    return [line for line in out.decode().splitlines() if line]
