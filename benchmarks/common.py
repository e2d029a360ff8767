"""Shared pieces: statistics, the machine description, and a model connected to a fresh sandbox."""

from __future__ import annotations

import os
import platform
import socket
import statistics
import tempfile
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]


# -- statistics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values), len(values))

    def show(self, digits: int = 2, unit: str = "") -> str:
        fmt = f"{{:.{digits}f}}"
        if self.runs == 1 or fmt.format(self.low) == fmt.format(self.high):
            return fmt.format(self.median) + unit
        return f"{fmt.format(self.median)}{unit} ({fmt.format(self.low)}–{fmt.format(self.high)})"


# -- the machine --------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import PySide6
        from PySide6.QtCore import qVersion

        qt = f"Qt {qVersion()} (PySide6 {PySide6.__version__})"
    except ImportError:
        qt = "not installed"
    return {
        "CPU": cpu,
        "Cores": f"{os.cpu_count()} logical (affinity {len(os.sched_getaffinity(0))})"
        if hasattr(os, "sched_getaffinity")
        else str(os.cpu_count()),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "Qt": qt,
        "OS": f"{platform.system()} {platform.release()}",
    }


# -- a fresh, private environment --------------------------------------------------------------------


def private_dirs(prefix: str) -> Path:
    """Point the program's config and data directories at a new temporary directory."""
    base = Path(tempfile.mkdtemp(prefix=f"xero-connect-bench-{prefix}-"))
    os.environ["XERO_CONNECT_CONFIG_DIR"] = str(base / "config")
    os.environ["XERO_CONNECT_DATA_DIR"] = str(base / "data")
    return base


def free_ports(count: int) -> list[int]:
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [s.getsockname()[1] for s in sockets]
    for sock in sockets:
        sock.close()
    return ports


def control(base_url: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """GET (no body) or POST the sandbox control API."""
    url = f"{base_url}/sandbox/{path}"
    answer = requests.post(url, json=body, timeout=10) if body is not None else requests.get(url, timeout=10)
    answer.raise_for_status()
    return answer.json()


class ClockSleep:
    """A RetryPolicy sleep that moves the sandbox clock on instead of waiting (emulated Xero time)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.total = 0.0
        self.session = requests.Session()

    def __call__(self, seconds: float) -> None:
        self.total += seconds
        url = f"{self.base_url}/sandbox/clock"
        self.session.post(url, json={"advance_seconds": seconds}, timeout=10).raise_for_status()


def connect(base_url: str, tier: str = "starter"):
    """A ConnectionModel (sandbox profile) authorised against the sandbox at ``base_url``.

    ``tier`` is the sandbox app's Xero tier (Starter unless a benchmark needs more calls a day).

    The caller has installed a keyring backend and private config dirs. The retry policy sleeps on the
    sandbox clock.
    """
    from app.model import ConnectionModel
    from app.xero.http import RetryPolicy

    ports = free_ports(3)
    app = control(
        base_url,
        "apps",
        {
            "name": f"CRM invoicing benchmark {uuid.uuid4().hex[:6]}",
            "integration_type": "web",
            "tier": tier,
            "redirect_uris": [f"http://localhost:{p}/callback" for p in ports],
        },
    )
    control(base_url, "consent", {"auto": True})
    model = ConnectionModel("sandbox", listener_timeout=20)
    model.settings.sandbox_url = base_url
    model.settings.redirect_ports = ports
    model.save_credentials(app["client_id"], app["client_secret"], "web")
    attempt = model.begin_authorization()
    threading.Thread(target=_consent, args=(attempt.url,), daemon=True).start()
    outcome = attempt.wait()
    if outcome.first_connect and len(outcome.connections) == 1:
        model.choose_tenant(outcome.connections[0])  # the admin confirms it, as step 7 asks
    model.retry_policy = RetryPolicy(sleep=ClockSleep(base_url), jitter=lambda low, high: high)
    return model


def _consent(authorize_url: str) -> None:
    """The browser's part: the sandbox auto-consents and redirects to the program's loopback listener."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    location = answer.headers["Location"].replace("http://localhost:", "http://127.0.0.1:", 1)
    requests.get(location, timeout=30)
