"""Sandbox clock: real time plus an adjustable offset, so tests can jump past expiries without sleeping."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class SandboxClock:
    def __init__(self, offset_seconds: float = 0.0) -> None:
        self.offset_seconds = offset_seconds

    def time(self) -> float:
        """Seconds since the epoch on the sandbox clock."""
        return time.time() + self.offset_seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    def advance(self, seconds: float) -> None:
        self.offset_seconds += seconds

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self.offset_seconds = when.timestamp() - time.time()
