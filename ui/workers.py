"""Running service calls off the GUI thread (STYLE §3).

``run_task(fn, on_done, on_error)`` puts a :class:`QRunnable` on a thread pool; the result or
the exception comes back to the GUI thread through a signal on a separate :class:`QObject`.
Task functions are service calls: they never touch a widget, and each service call opens its
own session, so no session crosses threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class TaskSignals(QObject):
    """Carries a task's outcome back to the GUI thread.

    Signals:
        finished: The task's return value.
        failed: The exception the task raised.
        progressed: (fraction 0..1, text) reported by a :class:`ProgressBridge`.
    """

    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(float, str)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: TaskSignals) -> None:
        super().__init__()
        self._fn = fn
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            try:
                result = self._fn()
            except Exception as exc:  # noqa: BLE001 - reported to the GUI thread, never lost
                self.signals.failed.emit(exc)
            else:
                self.signals.finished.emit(result)
        except RuntimeError:
            # The application quit while this task ran: its signals holder is gone, and there
            # is no window left to tell.
            pass


class SynchronousPool:
    """A pool that runs each task at once in the calling thread (for tests, STYLE §5)."""

    def start(self, runnable: QRunnable) -> None:
        """Run the task now."""
        runnable.run()

    def waitForDone(self, msecs: int = -1) -> bool:  # noqa: N802 - mirrors QThreadPool
        """Nothing is ever pending."""
        return True


_pools: dict[str, Any] = {}


def read_pool() -> Any:
    """The pool for reads and searches (several threads)."""
    if "read" not in _pools:
        _pools["read"] = QThreadPool.globalInstance()
    return _pools["read"]


def write_pool() -> Any:
    """The pool for writes: one thread, because SQLite allows a single writer."""
    if "write" not in _pools:
        pool = QThreadPool()
        pool.setMaxThreadCount(1)
        _pools["write"] = pool
    return _pools["write"]


def use_synchronous_pools(on: bool = True) -> None:
    """Run every task in the calling thread (tests) or restore the thread pools."""
    _pools.clear()
    if on:
        sync = SynchronousPool()
        _pools["read"] = sync
        _pools["write"] = sync


_keep: set[TaskSignals] = set()
_keep_lock = threading.Lock()


def run_task(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    *,
    write: bool = False,
    signals: TaskSignals | None = None,
) -> TaskSignals:
    """Run ``fn`` on a worker thread; ``on_done(result)`` or ``on_error(exc)`` on the GUI thread.

    Returns the signals holder (its ``finished``/``failed`` signals can be awaited in tests).
    """
    sig = signals or TaskSignals()
    with _keep_lock:
        _keep.add(sig)

    def _release(*_: Any) -> None:
        with _keep_lock:
            _keep.discard(sig)

    if on_done is not None:
        sig.finished.connect(on_done)
    if on_error is not None:
        sig.failed.connect(on_error)
    sig.finished.connect(_release)
    sig.failed.connect(_release)
    (write_pool() if write else read_pool()).start(_Task(fn, sig))
    return sig


class ProgressBridge:
    """A :class:`services.imports.Progress` for a worker: reports go out as signals.

    Attributes:
        signals: The holder whose ``progressed`` signal feeds a progress bar.
    """

    def __init__(self, signals: TaskSignals) -> None:
        self.signals = signals
        self._cancel = threading.Event()

    def report(self, fraction: float, text: str) -> None:
        """Send the progress to the GUI thread."""
        self.signals.progressed.emit(float(fraction), text)

    def cancelled(self) -> bool:
        """Whether the user pressed Cancel."""
        return self._cancel.is_set()

    def cancel(self) -> None:
        """Ask the task to stop at its next check."""
        self._cancel.set()
