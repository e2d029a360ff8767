"""Save and load the persisted part of the state as one JSON file, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from app.sandbox.state import SandboxState

FILE_NAME = "sandbox-state.json"


def load(state: SandboxState, data_dir: str) -> None:
    path = Path(data_dir) / FILE_NAME
    if path.exists():
        state.restore(json.loads(path.read_text(encoding="utf-8")))


def save(state: SandboxState, data_dir: str) -> None:
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with state.lock:  # serialise under the lock so no handler mutates mid-dump
        text = json.dumps(state.snapshot(), indent=1)
    # Write to a temp file in the same folder, then rename: a crash never leaves half a file.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".state-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, folder / FILE_NAME)
