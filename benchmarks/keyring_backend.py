"""A keyring backend for benchmarks: a JSON file in a throw-away directory, shared by parent and child.

The benchmarks measure API calls, time and memory, not the Secret Service, so they install this with
keyring.set_keyring instead of touching the user's real keyring. Never used by the program itself.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

PATH_ENV = "XERO_CONNECT_BENCH_KEYRING"


class BenchKeyring(KeyringBackend):
    priority = 0  # type: ignore[assignment]  # never picked by keyring on its own

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.path = Path(path)
        self._lock = threading.Lock()

    def _load(self) -> dict[str, str]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _save(self, values: dict[str, str]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(values), encoding="utf-8")
        tmp.replace(self.path)

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            values = self._load()
            values[f"{service}\0{username}"] = password
            self._save(values)

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            values = self._load()
            if values.pop(f"{service}\0{username}", None) is None:
                raise keyring.errors.PasswordDeleteError("not found")
            self._save(values)


def install(path: str | os.PathLike[str] | None = None) -> BenchKeyring:
    """Use a file keyring at ``path`` (default: $XERO_CONNECT_BENCH_KEYRING) for this process."""
    backend = BenchKeyring(path or os.environ[PATH_ENV])
    keyring.set_keyring(backend)
    return backend
