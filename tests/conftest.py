"""Fixtures shared by every layer: a private config dir, the sandbox over loopback, a registered app."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.keyrings import keyring_is_real
from tests.helpers.sandbox import Sandbox, SandboxApp, free_ports, register_app

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
def sandbox() -> Iterator[Sandbox]:
    """The sandbox server on a free loopback port, for one test."""
    server = Sandbox(port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def callback_ports() -> list[int]:
    return free_ports(3)


@pytest.fixture
def sandbox_app(sandbox, callback_ports: list[int]) -> SandboxApp:
    return register_app(sandbox.base_url, callback_ports)


@pytest.fixture
def real_keyring() -> None:
    """Tests that store secrets need the real Secret Service (see .ci/run); skip loudly elsewhere."""
    if not keyring_is_real():
        if os.environ.get("XERO_CONNECT_REQUIRE_KEYRING") == "1":
            pytest.fail("A Secret Service keyring is required but not available (run under .ci/run).")
        pytest.skip("no Secret Service keyring in this environment")


@pytest.fixture
def chromium():
    """A real headless Chromium; CI installs it (.ci/run → test.sh), elsewhere the test is skipped."""
    from tests.helpers.browser import browser_available, headless_chromium

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
    from tests.helpers.drafting import connect

    model = connect(sandbox, sandbox_app, callback_ports)
    yield model
    SecretStore("sandbox", sandbox_app.client_id).delete_all()


@pytest.fixture
def ledger():
    from app.invoicing.ledger import Ledger

    with Ledger() as opened:
        yield opened


@pytest.fixture(scope="session")
def shots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where tests save what they rendered, to be looked at: $XERO_CONNECT_SHOTS when set, else this
    run's own temporary folder (so two runs on one machine never overwrite each other's)."""
    chosen = os.environ.get("XERO_CONNECT_SHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("shots", numbered=False)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shot(shots_dir: Path) -> Callable[[Any, str], Path]:
    """shot(widget, name): the widget rendered to <shots_dir>/<name>.png."""

    def save(widget: Any, name: str) -> Path:
        path = shots_dir / f"{name}.png"
        assert widget.grab().save(str(path)), path
        return path

    return save
