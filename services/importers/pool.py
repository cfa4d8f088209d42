"""Reading files in a second process while the importer stores the ones already read.

Extraction (trafilatura, pypdf) is most of an import's work and needs no store, while storing
needs no extraction library: with a reader process, the two overlap. The importer sends a file's
path with :meth:`ReaderProcess.submit` and takes back, in the same order, what :func:`read_file`
found, with the SHA-256 of the bytes the reader read (a file changed between the two reads fails
rather than pairing one version's bytes with another's text). Requests are a few short
messages on a pipe, answered in order; a duplicate's request is withdrawn with a "skip" message.
A file the reader process cannot survive (it crashes or is killed while reading it) is tried
once more in a new process, then fails alone with a clear message.

The process starts by forking when that is safe (Linux, called from the only Python thread:
the command line), so it starts in milliseconds with the libraries already loaded; otherwise
(the window's worker threads, macOS, Windows) a fresh interpreter is spawned.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import signal
import sys
import threading
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from services.errors import ImportFailedError
from services.importers.base import Extracted, fail


@dataclass(frozen=True)
class Read:
    """A file read: what its reader found, the text normalised once, and its language."""

    got: Extracted
    text: str
    language: str


def read_file(path: Path, data: bytes) -> Read:
    """Read ``data`` (the bytes of ``path``): reader, NFC text and language.

    Raises:
        ImportFailedError: one message naming the file and the problem.
    """
    from services.importers import read_any

    return finish(read_any(path, data))


def finish(got: Extracted) -> Read:
    """What a reader found, with its text normalised once (NFC, LF) and its language."""
    from services.importers.lang import detect_language
    from services.textnorm import normalise_text

    text = normalise_text(got.text)
    return Read(got, text, detect_language(text))


def _read_path(path: str) -> tuple[bool, Any]:
    """In the reader process: (True, (SHA-256, :class:`Read`)) or (False, message)."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        return False, f"{file.name}: cannot read the file ({exc.strerror})"
    try:
        return True, (hashlib.sha256(data).hexdigest(), read_file(file, data))
    except ImportFailedError as exc:  # sent back as its message: exceptions pickle poorly
        return False, exc.message


def serve(conn: Connection, other_end: Connection | None = None) -> None:
    """The reader process: answer ``("read", id, path)`` requests in order.

    ``("skip", id)`` withdraws a request not yet started; ``("stop",)`` or a closed pipe ends
    the process. ``other_end`` (the importer's end, inherited by a fork) is closed first, so
    that the pipe closes when the importer's process ends.
    """
    if other_end is not None:
        other_end.close()
    # Ctrl+C in a terminal reaches the whole process group: the importer decides what stops
    # (after the current file), and ends this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A forked reader inherits every object of the importer: leave them out of garbage
    # collection, which would otherwise walk them all (and copy their memory pages) again and
    # again while the extraction libraries allocate.
    gc.freeze()
    todo: deque[tuple[str, int, str]] = deque()
    skipped: set[int] = set()
    while True:
        while not todo or conn.poll():  # take every message waiting before the next file
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                return
            if msg[0] == "stop":
                return
            if msg[0] == "skip":
                skipped.add(msg[1])
            else:
                todo.append(msg)
        _kind, ident, path = todo.popleft()
        if ident in skipped:
            skipped.discard(ident)
            conn.send((ident, False, "skipped"))
        else:
            conn.send((ident, *_read_path(path)))


def will_fork() -> bool:
    """Whether a reader process would be forked (cheap) rather than spawned (about 1 s).

    Forking is safe only from a process's one Python thread, and only on Linux (macOS system
    libraries do not survive it).
    """
    return (
        sys.platform.startswith("linux")
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
    )


class Pending:
    """A file sent to the reader process; :meth:`result` waits for what it found."""

    def __init__(self, owner: ReaderProcess, ident: int, path: Path, digest: str) -> None:
        self.owner = owner
        self.ident = ident
        self.path = path
        self.digest = digest
        self.tries = 0
        self.cancelled = False
        self.outcome: tuple[bool, Any] | None = None

    def result(self) -> Read:
        """What the reader found.

        Raises:
            ImportFailedError: the file cannot be read, it changed since this process read it,
                or the reader process died on it twice.
        """
        ok, value = self.owner.wait(self)
        if not ok:
            raise ImportFailedError(str(value))
        digest, read = value
        if digest != self.digest:
            raise fail(self.path, "the file changed while it was being imported; import it again")
        assert isinstance(read, Read)
        return read

    def cancel(self) -> None:
        """Not needed any more (a duplicate): withdrawn unless the reader has started it."""
        self.owner.cancel(self)


class ReaderProcess:
    """One reader process, answering requests in the order they are sent."""

    def __init__(self) -> None:
        self.process: Any = None
        self.conn: Connection | None = None
        self.sent: deque[Pending] = deque()  # requests sent and not answered yet, in order
        self.count = 0

    def submit(self, path: Path, digest: str) -> Pending:
        """Ask for a file to be read (``digest``: SHA-256 of the bytes this process read)."""
        item = Pending(self, self.count, path, digest)
        self.count += 1
        self._send(item)
        self.drain()
        return item

    def drain(self) -> None:
        """Take the answers already waiting in the pipe, so the reader never waits to send."""
        while self.sent and self.conn is not None and self.conn.poll():
            self._receive()

    def _send(self, item: Pending) -> None:
        if self.conn is None:
            ctx: Any = multiprocessing.get_context("fork" if will_fork() else "spawn")
            mine, theirs = ctx.Pipe(duplex=True)
            self.process = ctx.Process(target=serve, args=(theirs, mine), daemon=True)
            self.process.start()
            theirs.close()  # the reader's end: only the reader holds it, so its death shows
            self.conn = mine
        self.conn.send(("read", item.ident, str(item.path)))
        self.sent.append(item)

    def cancel(self, item: Pending) -> None:
        """Withdraw a request (its answer, if one comes, is dropped)."""
        item.cancelled = True
        if item in self.sent and self.conn is not None:
            self.conn.send(("skip", item.ident))

    def wait(self, item: Pending) -> tuple[bool, Any]:
        """The answer to ``item``, receiving the answers to earlier requests first."""
        while item.outcome is None:
            self._receive()
        return item.outcome

    def _receive(self) -> None:
        """Receive one answer (waiting for it); a dead reader is replaced."""
        assert self.conn is not None and self.sent
        try:
            ident, ok, value = self.conn.recv()
        except (EOFError, OSError):
            self._died()
            return
        head = self.sent.popleft()
        assert head.ident == ident, "the reader answered out of order"
        head.outcome = (ok, value)

    def _died(self) -> None:
        """The reader process died: send the waiting requests again to a new one, in order.

        The file it was reading is tried once more, then failed.
        """
        waiting = [i for i in self.sent if not i.cancelled]
        self.sent.clear()
        self.close()
        for n, item in enumerate(waiting):
            if n == 0:  # answers come in order: the first unanswered one was being read
                item.tries += 1
                if item.tries >= 2:
                    item.outcome = (
                        False,
                        fail(
                            item.path,
                            "the reader stopped while reading this file (it may be damaged "
                            "or too large to read)",
                        ).message,
                    )
                    continue
            self._send(item)

    def close(self) -> None:
        """End the reader process (at once: a file it is reading is no longer wanted)."""
        if self.conn is not None:
            if not self.sent:
                with contextlib.suppress(OSError):  # already gone: nothing to stop
                    self.conn.send(("stop",))
            self.conn.close()
            self.conn = None
        if self.process is not None:
            if self.sent:
                self.process.kill()
            self.process.join(5)
            if self.process.is_alive():  # pragma: no cover - a closed pipe ends it
                self.process.kill()
                self.process.join()
            self.process = None
        self.sent.clear()
