"""The one sandbox harness: the real sandbox server on a loopback port, with the calls tests make to
it (its control API, app registration, consent, the OAuth endpoints, the Accounting API)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from app.sandbox.server import SandboxServer

# The sandbox's own tests speak OAuth by hand with this redirect URI; nothing listens on it.
REDIRECT = "http://localhost:53682/callback"
SCOPES = (
    "openid profile email offline_access accounting.settings.read accounting.contacts accounting.invoices"
)


def control(base_url: str, method: str, path: str, **kwargs: Any) -> Any:
    """One call to the sandbox's control API (/sandbox/<path>): its JSON answer, None when empty."""
    response = requests.request(method, f"{base_url.rstrip('/')}/sandbox/{path}", timeout=10, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


class Sandbox(SandboxServer):
    """A SandboxServer with the requests tests send it; start()/stop() as the server's own."""

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        return control(self.base_url, method, path, **kwargs)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """A control-API change: the clock, faults, limits, consent, an organisation's settings."""
        return self.control("POST", path, json=body)

    def app(self, **fields: Any) -> dict[str, Any]:
        """A registered app as the control API answers it, redirecting to REDIRECT."""
        body = {"name": "Test app", "redirect_uris": [REDIRECT], **fields}
        return self.control("POST", "apps", json=body)

    def tenants(self) -> list[dict[str, Any]]:
        return self.control("GET", "tenants")

    def authorize(self, app: dict[str, Any], scope: str = SCOPES, **extra: str) -> requests.Response:
        params = {
            "response_type": "code",
            "client_id": app["client_id"],
            "redirect_uri": REDIRECT,
            "scope": scope,
            "state": "st-1",
            **extra,
        }
        return requests.get(
            f"{self.base_url}/identity/connect/authorize", params=params, allow_redirects=False, timeout=10
        )

    def code(self, app: dict[str, Any], scope: str = SCOPES, **extra: str) -> str:
        set_auto_consent(self.base_url)
        response = self.authorize(app, scope, **extra)
        assert response.status_code == 302, response.text
        return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]

    def token(self, app: dict[str, Any], data: dict[str, str], auth: bool = True) -> requests.Response:
        creds = (app["client_id"], app["client_secret"]) if auth and app.get("client_secret") else None
        return requests.post(f"{self.base_url}/connect/token", data=data, auth=creds, timeout=10)

    def tokens(self, app: dict[str, Any], scope: str = SCOPES) -> dict[str, Any]:
        code = self.code(app, scope)
        response = self.token(
            app, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        )
        assert response.status_code == 200, response.text
        return response.json()

    def api(self, method: str, path: str, token: str, tenant: str | None, **kwargs: Any) -> requests.Response:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            **kwargs.pop("headers", {}),
        }
        if tenant:
            headers["xero-tenant-id"] = tenant
        return requests.request(
            method, f"{self.base_url}/api.xro/2.0/{path}", headers=headers, timeout=10, **kwargs
        )


@dataclass
class SandboxApp:
    client_id: str
    client_secret: str | None
    redirect_uris: list[str]
    base_url: str


def register_app(base_url: str, ports: list[int], integration_type: str = "web", **extra: Any) -> SandboxApp:
    """An app as the program is given it: its client ID and secret, redirecting to these loopback ports."""
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
    sockets, ports = [], []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
        ports.append(sock.getsockname()[1])
    for sock in sockets:
        sock.close()
    return ports


def follow_consent(authorize_url: str) -> requests.Response:
    """A stand-in for the browser: ask the sandbox (auto-consent on) and deliver its redirect.

    The redirect goes to the program's loopback listener as it is, to localhost, exactly as a browser
    would deliver it (whichever loopback family localhost resolves to first here).
    """
    answer = requests.get(authorize_url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    return requests.get(answer.headers["Location"], timeout=30)


def set_auto_consent(base_url: str, **options: Any) -> None:
    body = {"auto": True, **options}
    requests.post(f"{base_url}/sandbox/consent", json=body, timeout=10).raise_for_status()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge
