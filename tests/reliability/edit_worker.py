"""A journalist at work, to be killed: imports files and edits a case, reporting each save.

Every edit is one service call (one transaction); only after it returns, the worker writes one
line to stdout with ``os.write`` (atomic for short lines on a pipe), so every line printed is an
edit the store acknowledged:

    source <id> <sha256>            an imported file
    quote <id> <source id> <start> <end>
    person <id> <name>
    role <person id> <version> <role>   an update of a person
    event <id> <title>

Modes:
    serve STORE FILES CASE   fork server: reads ``run <seed>`` lines on stdin; for each, forks a
                             worker (modules already imported, so it starts in milliseconds),
                             prints ``pid <pid>``, waits for it to die, prints ``exit <status>``.
    once STORE FILES CASE SEED   one worker in this process (the benchmark starts a fresh
                             interpreter each time).
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from models.db import open_store  # noqa: E402
from services.container import Services  # noqa: E402
from services.errors import DomainError  # noqa: E402
from services.imports import ImportService  # noqa: E402

WORDS = [
    "minister",
    "bridge",
    "tender",
    "money",
    "port",
    "school",
    "contract",
    "signed",
    "denied",
    "meeting",
]


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode("utf-8"))


def work(store: str, files: Path, case_id: int, seed: int, steps: int = 100_000) -> None:
    """Edit the case until killed (or ``steps`` edits)."""
    rng = random.Random(seed)
    st = open_store(store)
    svc = Services.over(st)
    imports = ImportService(st.sessions)
    sources: list[tuple[int, int]] = []  # (id, text length)
    people: list[int] = []
    for i in range(steps):
        action = rng.choice(("source", "quote", "quote", "person", "role", "role", "event"))
        if action == "source" or not sources:
            body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60)))
            path = files / f"f-{seed}-{i}.txt"
            path.write_text(f"{seed}-{i}: {body}\n", encoding="utf-8")
            src = imports.import_file(case_id, path)
            sources.append((src.id, src.text_length))
            _say(f"source {src.id} {src.sha256}")
        elif action == "quote":
            sid, n = rng.choice(sources)
            start = rng.randint(0, max(0, n - 8))
            end = min(n, start + rng.randint(3, 30))
            speaker = rng.choice(people) if people else None
            try:
                q = svc.quotes.create(sid, start, end, speaker_id=speaker)
            except DomainError:  # a span of blank space: not an edit, try another
                continue
            _say(f"quote {q.id} {sid} {q.start} {q.end}")
        elif action == "person" or not people:
            p = svc.people.create(case_id, f"Person {seed}-{i}")
            people.append(p.id)
            _say(f"person {p.id} Person {seed}-{i}")
        elif action == "role":
            pid = rng.choice(people)
            current = svc.people.get(pid)
            role = f"role-{seed}-{i}"
            p = svc.people.update(pid, expected_version=current.version, role=role)
            _say(f"role {pid} {p.version} {role}")
        else:
            title = f"Event {seed}-{i}"
            e = svc.events.create(case_id, title, person_ids=people[-2:])
            _say(f"event {e.id} {title}")
    st.close()


def warm_up() -> None:
    """Import one file into a scratch store, so that lazily loaded parts are loaded once here.

    The importers load some things on first use (the language identifier's model takes about a
    second); without this, every forked worker would pay that before its first edit and most
    kills would land before any edit was made.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        st = open_store(str(folder / "warm.db"))  # encrypted, like the real one, if it is
        case = Services.over(st).cases.create("Warm up")
        sample = folder / "warm.txt"
        sample.write_text("The minister denied signing the bridge contract.\n", encoding="utf-8")
        ImportService(st.sessions).import_file(case.id, sample)
        st.close()


def serve(store: str, files: Path, case_id: int) -> None:
    """Fork a worker per ``run <seed>`` line; report its pid and how it ended."""
    warm_up()
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] != "run":
            break
        seed = int(parts[1])
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                work(store, files, case_id, seed)
            except BaseException as exc:  # report, then leave without running parent cleanup
                os.write(2, f"worker {seed} failed: {exc!r}\n".encode())
                code = 1
            os._exit(code)
        _say(f"pid {pid}")
        _, status = os.waitpid(pid, 0)
        _say(f"exit {status}")


def main() -> int:
    """Run in ``serve`` or ``once`` mode."""
    mode, store, files, case = sys.argv[1:5]
    if mode == "serve":
        serve(store, Path(files), int(case))
    else:
        work(store, Path(files), int(case), int(sys.argv[5]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
