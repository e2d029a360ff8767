"""Fixtures shared by every layer: a private config dir, the sandbox over loopback, a registered app."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

# Widgets render without a display; the tray falls back to its status window there.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own settings directory; nothing touches the user's real config."""
    path = tmp_path / "config"
    monkeypatch.setenv("XERO_CONNECT_CONFIG_DIR", str(path))
    monkeypatch.setenv("XERO_CONNECT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XERO_CONNECT_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))  # autostart entries land here
    return path


@pytest.fixture
def sandbox() -> Iterator:
    from app.sandbox.server import SandboxServer

    server = SandboxServer(port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class SandboxApp:
    client_id: str
    client_secret: str | None
    redirect_uris: list[str]
    base_url: str


def register_app(base_url: str, ports: list[int], integration_type: str = "web", **extra) -> SandboxApp:
    body = {
        "name": f"CRM invoicing test {uuid.uuid4().hex[:6]}",
        "integration_type": integration_type,
        "redirect_uris": [f"http://localhost:{port}/callback" for port in ports],
        **extra,
    }
    response = requests.post(f"{base_url}/sandbox/apps", json=body, timeout=10)
    response.raise_for_status()
    data = response.json()
    return SandboxApp(data["client_id"], data.get("client_secret"), data["redirect_uris"], base_url)


def free_ports(count: int) -> list[int]:
    """Ports free right now, so parallel runs and busy CI machines do not collide on fixed ones."""
    import socket

    sockets, ports = [], []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
        ports.append(sock.getsockname()[1])
    for sock in sockets:
        sock.close()
    return ports


@pytest.fixture
def callback_ports() -> list[int]:
    return free_ports(3)


@pytest.fixture
def sandbox_app(sandbox, callback_ports: list[int]) -> SandboxApp:
    return register_app(sandbox.base_url, callback_ports)


def keyring_is_real() -> bool:
    import keyring

    current = keyring.get_keyring()
    names = [type(b).__module__.lower() for b in getattr(current, "backends", None) or [current]]
    return any("secretservice" in name or "kwallet" in name for name in names)


@pytest.fixture
def real_keyring() -> None:
    """Tests that store secrets need the real Secret Service (see .ci/run); skip loudly elsewhere."""
    if not keyring_is_real():
        if os.environ.get("XERO_CONNECT_REQUIRE_KEYRING") == "1":
            pytest.fail("A Secret Service keyring is required but not available (run under .ci/run).")
        pytest.skip("no Secret Service keyring in this environment")


def follow_consent(authorize_url: str) -> requests.Response:
    """A stand-in for the browser: ask the sandbox (auto-consent on) and deliver its redirect.

    The redirect goes to the program's loopback listener as it is, to localhost, exactly as a browser
    would deliver it (whichever loopback family localhost resolves to first here).
    """
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    return requests.get(answer.headers["Location"], timeout=30)


def set_auto_consent(base_url: str, **options) -> None:
    body = {"auto": True, **options}
    requests.post(f"{base_url}/sandbox/consent", json=body, timeout=10).raise_for_status()


@pytest.fixture
def chromium():
    """A real headless Chromium; CI installs it (.ci/run → test.sh), elsewhere the test is skipped."""
    from tests.browser import browser_available, headless_chromium

    if not browser_available():
        if os.environ.get("XERO_CONNECT_REQUIRE_KEYRING") == "1":
            pytest.fail("chromium and chromedriver are required (run under ./test.sh)")
        pytest.skip("chromium/chromedriver not installed")
    with headless_chromium() as driver:
        yield driver


@pytest.fixture
def connected(sandbox, sandbox_app, callback_ports):
    """A model connected to the sandbox's first organisation, its retries on the sandbox clock."""
    from app.secrets import SecretStore
    from tests.drafting import connect  # tests.drafting imports this module

    model = connect(sandbox, sandbox_app, callback_ports)
    yield model
    SecretStore("sandbox", sandbox_app.client_id).delete_all()


@pytest.fixture
def ledger():
    from app.invoicing.ledger import Ledger

    with Ledger() as opened:
        yield opened
