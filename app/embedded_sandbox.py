"""Starts the local Xero sandbox inside the program when the sandbox profile needs one and none runs.

This is what makes the sandbox the default a new user can try first, with nothing else to start.
Its state is kept in the config directory so an app registered in its portal survives a restart.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests

from app.sandbox.server import SandboxServer
from app.settings import config_dir
from app.xero.endpoints import is_loopback

log = logging.getLogger(__name__)


def sandbox_is_running(base_url: str) -> bool:
    try:
        answer = requests.get(f"{base_url.rstrip('/')}/sandbox/tenants", timeout=1.5)
    except requests.RequestException:
        return False
    return answer.status_code == 200


def ensure_sandbox(base_url: str) -> SandboxServer | None:
    """Start an in-process sandbox at base_url if it is local and not already answering."""
    parts = urlsplit(base_url)
    if not is_loopback(base_url) or sandbox_is_running(base_url):
        return None
    server = SandboxServer(port=parts.port or 80, data_dir=str(config_dir() / "sandbox-data"))
    server.start()
    log.info("started the embedded Xero sandbox at %s", server.base_url)
    return server
