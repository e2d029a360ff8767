"""One drafting run per organisation at a time, across processes: the tray's window and the CLI alike.

A file lock (flock on POSIX, a byte-range lock on Windows) beside the ledger, one file per organisation,
held for the whole run. The OS releases it when the holder exits, even on a crash or a kill, so a stale
lock is impossible; the file's text only says who holds it, for the sentence a second run shows.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from app.errors import DraftingLocked
from app.settings import data_dir

POLL_SECONDS = 0.5

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def lock_path(tenant_id: str, folder: Path | None = None) -> Path:
    digest = hashlib.sha256(tenant_id.encode()).hexdigest()[:16]
    return (folder or data_dir()) / f"drafting-{digest}.lock"


def holder_sentence(path: Path, organisation: str) -> str:
    """Who holds the lock, as the second run tells it."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        since = datetime.fromtimestamp(float(info["since"])).strftime("%H:%M")
        who = f"since {since}, pid {int(info['pid'])}, {info['program']}"
        if info.get("host") and info["host"] != socket.gethostname():
            who += f" on {info['host']}"
    except (OSError, ValueError, KeyError, TypeError):
        who = "by another program"
    return f"Another drafting run for {organisation} is in progress ({who})."


class TenantLock:
    """``with TenantLock(tenant, "Demo Company (UK)", "the command line"):`` the run's critical section.

    ``wait=False`` raises DraftingLocked at once when another run holds it; ``wait=True`` waits,
    calling ``on_wait(sentence)`` once, until the lock is free or ``cancel`` is set.
    """

    def __init__(
        self,
        tenant_id: str,
        organisation: str,
        program: str,
        *,
        wait: bool = False,
        on_wait: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
        folder: Path | None = None,
    ) -> None:
        self.path = lock_path(tenant_id, folder)
        self.organisation, self.program = organisation, program
        self.wait, self.on_wait, self.cancel = wait, on_wait, cancel
        self._fd: int | None = None

    def __enter__(self) -> TenantLock:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        told = False
        while not _try_lock(fd):
            sentence = holder_sentence(self.path, self.organisation)
            if not self.wait:
                os.close(fd)
                raise DraftingLocked(f"{sentence} Nothing was sent; run again when it has finished.")
            if not told and self.on_wait is not None:
                self.on_wait(f"{sentence} Waiting for it to finish…")
                told = True
            if self.cancel is not None and self.cancel.wait(POLL_SECONDS):
                os.close(fd)
                raise DraftingLocked(f"{sentence} Stopped waiting; nothing was sent.")
            if self.cancel is None:
                time.sleep(POLL_SECONDS)
        self._fd = fd
        info = {
            "pid": os.getpid(),
            "since": time.time(),
            "program": self.program,
            "host": socket.gethostname(),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(info).encode())
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None
