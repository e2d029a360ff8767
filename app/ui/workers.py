"""Run blocking core calls (network, keyring) off the GUI thread and hand the outcome back to it.

``run_task(fn, on_result, on_error)`` runs ``fn`` in a QThreadPool. The outcome reaches the GUI
thread through a queued signal on a small QObject that lives there, so callbacks may touch widgets.
A XeroConnectError arrives as its own sentence; any other exception becomes a generic sentence and is
logged by type and code location only (an exception's text could quote a secret).
"""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal, Slot

from app.errors import XeroConnectError

log = logging.getLogger(__name__)

GENERIC_FAILURE = (
    "Something unexpected went wrong; try again, and if it keeps happening send the support summary "
    "from step 5 to your support contact."
)

_pool: QThreadPool | None = None
# Tasks by key, held here (GUI thread) until the task was delivered *and* its worker let go of it:
# the signal object must never be garbage collected, nor destroyed from a worker thread.
_in_flight: dict[int, Task] = {}
_released: set[int] = set()  # keys whose worker has finished with the task (added from workers)
_next_key = 0


def pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(4)
    return _pool


def in_flight() -> int:
    """Calls started and not yet delivered to the GUI thread."""
    return sum(1 for task in _in_flight.values() if not task.done)


def wait_for_workers(timeout_ms: int = 10_000) -> bool:
    """Let running calls finish (at exit and between tests); True when none is left running."""
    return pool().waitForDone(timeout_ms)


def _purge() -> None:
    for key in list(_released):
        task = _in_flight.get(key)
        if task is None or task.done:
            _released.discard(key)
            _in_flight.pop(key, None)


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    return " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in reversed(frames[-4:]))


class Task(QObject):
    """One background call; lives in the GUI thread and relays the worker's outcome there."""

    succeeded = Signal(object)
    failed = Signal(str)
    _result = Signal(object)
    _error = Signal(str)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.discarded = False
        self.done = False
        self.error_type: type[XeroConnectError] | None = (
            None  # set when the call failed with one, for a way forward
        )
        # Queued: a pool thread emits these, and the GUI thread (where this object lives) delivers.
        self._result.connect(self._deliver_result, Qt.ConnectionType.QueuedConnection)
        self._error.connect(self._deliver_error, Qt.ConnectionType.QueuedConnection)

    def discard(self) -> None:
        """Ignore whatever the call returns from now on (its page moved on or the user cancelled)."""
        self.discarded = True

    def failed_with(self, error: type[XeroConnectError]) -> bool:
        """Whether the call failed with ``error`` (or a subclass): the page's cue for a way forward."""
        return self.error_type is not None and issubclass(self.error_type, error)

    @property
    def running(self) -> bool:
        return not self.done

    @Slot(object)
    def _deliver_result(self, value: object) -> None:
        self.done = True
        _purge()
        if not self.discarded:
            self.succeeded.emit(value)

    @Slot(str)
    def _deliver_error(self, sentence: str) -> None:
        self.done = True
        _purge()
        if not self.discarded:
            self.failed.emit(sentence)


def _work(key: int, fn: Callable[[], Any]) -> None:
    """Runs in a pool thread."""
    task = _in_flight[key]
    try:
        try:
            value = fn()
        except XeroConnectError as exc:
            task.error_type = type(exc)
            task._error.emit(str(exc))
        except Exception as exc:  # the GUI must get a sentence, never a traceback
            log.error("Background task %r failed: %s at %s", task.name, type(exc).__name__, _where(exc))
            task._error.emit(GENERIC_FAILURE)
        else:
            task._result.emit(value)
    finally:
        del task
        _released.add(key)


def run_task(
    fn: Callable[[], Any],
    on_result: Callable[[Any], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    *,
    name: str = "",
) -> Task:
    """Start ``fn`` in the pool; callbacks run later in the GUI thread unless the task is discarded."""
    global _next_key
    _purge()
    task = Task(name or getattr(fn, "__name__", "task"))
    if on_result is not None:
        task.succeeded.connect(on_result)
    if on_error is not None:
        task.failed.connect(on_error)
    _next_key += 1
    _in_flight[_next_key] = task
    pool().start(functools.partial(_work, _next_key, fn))
    return task
