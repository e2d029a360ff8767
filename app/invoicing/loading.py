"""Progress while a large export is read: one sentence, for the command line and the window alike."""

from __future__ import annotations

from typing import TextIO

SHOW_FROM_BYTES = 4 * 1024 * 1024  # smaller files load in well under a second: no progress for them


def loading_sentence(name: str, read: int, size: int) -> str:
    percent = min(100, 100 * read // size) if size else 100
    return f"Reading {name}: {percent}% ({read / 1_048_576:.0f} of {size / 1_048_576:.0f} MB)"


class LoadPrinter:
    """``progress(read, size)`` for load_file: redrawn in place on a terminal, every 10% elsewhere."""

    def __init__(self, name: str, stream: TextIO) -> None:
        self.name = name
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._shown = -1

    def __call__(self, read: int, size: int) -> None:
        if size < SHOW_FROM_BYTES:
            return
        step = min(100, 100 * read // size) // 10
        done = read >= size
        if self.tty:
            self.stream.write(f"\r{loading_sentence(self.name, read, size)}\033[K" + ("\n" if done else ""))
        elif step != self._shown:
            self.stream.write(loading_sentence(self.name, read, size) + "\n")
        self._shown = step
        self.stream.flush()
