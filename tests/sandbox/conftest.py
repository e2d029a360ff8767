"""Fixtures: a fresh loopback sandbox per test plus helpers to register apps and get tokens."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.sandbox.server import SandboxServer

REDIRECT = "http://localhost:53682/callback"
SCOPES = (
    "openid profile email offline_access accounting.settings.read accounting.contacts accounting.invoices"
)


class Sandbox:
    def __init__(self, server: SandboxServer) -> None:
        self.server = server
        self.url = server.base_url

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(method, f"{self.url}/sandbox/{path}", timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def app(self, **fields: Any) -> dict[str, Any]:
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
            f"{self.url}/identity/connect/authorize", params=params, allow_redirects=False, timeout=10
        )

    def code(self, app: dict[str, Any], scope: str = SCOPES, **extra: str) -> str:
        self.control("POST", "consent", json={"auto": True})
        response = self.authorize(app, scope, **extra)
        assert response.status_code == 302, response.text
        return parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]

    def token(self, app: dict[str, Any], data: dict[str, str], auth: bool = True) -> requests.Response:
        creds = (app["client_id"], app["client_secret"]) if auth and app.get("client_secret") else None
        return requests.post(f"{self.url}/connect/token", data=data, auth=creds, timeout=10)

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
            method, f"{self.url}/api.xro/2.0/{path}", headers=headers, timeout=10, **kwargs
        )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    server = SandboxServer(port=0)
    server.start()
    try:
        yield Sandbox(server)
    finally:
        server.stop()


@pytest.fixture
def session(sandbox: Sandbox) -> tuple[Sandbox, dict[str, Any], dict[str, Any], str]:
    """(sandbox, app, token set, UK tenant id) with the UK organisation connected."""
    app = sandbox.app()
    tokens = sandbox.tokens(app)
    return sandbox, app, tokens, sandbox.tenants()[0]["tenant_id"]
