"""Authorize errors, consent, code exchange, PKCE, refresh rotation, revocation, connections."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.helpers.sandbox import REDIRECT, SCOPES, Sandbox, pkce_pair


def _claims(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "0" * 32}, "unauthorized_client : Unknown client or client not enabled"),
        ({"redirect_uri": "http://localhost:53683/callback"}, "unauthorized_client : Invalid redirect_uri"),
        ({"scope": "openid accounting.nonsense"}, "invalid_scope : Invalid scope for client"),
        ({"scope": "openid accounting.transactions"}, "invalid_scope : Invalid scope for client"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_authorize_errors(sandbox: Sandbox, change: dict, message: str) -> None:
    app = sandbox.app()
    params = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "s",
        **change,
    }
    response = requests.get(f"{sandbox.base_url}/identity/connect/authorize", params=params, timeout=5)
    assert response.status_code == 400 and message in response.text


def test_legacy_app_scopes(sandbox: Sandbox) -> None:
    legacy = sandbox.app(created_at="2025-06-01T00:00:00Z")
    broad = "openid offline_access accounting.transactions accounting.settings.read accounting.contacts"
    assert sandbox.authorize(legacy, broad).status_code == 200
    rejected = sandbox.authorize(legacy, "openid accounting.invoices")
    assert "invalid_scope : Invalid scope for client" in rejected.text
    upgraded = sandbox.app(created_at="2025-06-01T00:00:00Z", granular_enabled=True)
    assert sandbox.authorize(upgraded, "openid accounting.invoices").status_code == 200


def test_pkce_app_needs_challenge(sandbox: Sandbox) -> None:
    app = sandbox.app(integration_type="mobile")
    assert app["client_secret"] is None
    assert "invalid_request : code challenge required" in sandbox.authorize(app).text


def _consent_form(sandbox: Sandbox, app: dict) -> str:
    page = sandbox.authorize(app)
    assert page.status_code == 200 and "sign in and allow access" in page.text and app["name"] in page.text
    assert "Demo Company (UK)" in page.text and "admin@demo-company.example" in page.text
    found = re.search(r"name='pending_id' value='([^']+)'", page.text)
    assert found, page.text
    return found.group(1)


def test_consent_allow_and_deny(sandbox: Sandbox) -> None:
    app = sandbox.app()
    tenants = [t["tenant_id"] for t in sandbox.tenants()]
    decide = f"{sandbox.base_url}/identity/connect/authorize/decision"
    pending = _consent_form(sandbox, app)
    empty = requests.post(decide, data={"pending_id": pending, "decision": "allow"}, timeout=5)
    assert empty.status_code == 200 and "Select at least one organisation" in empty.text
    allowed = requests.post(
        decide,
        data={"pending_id": pending, "decision": "allow", "tenant": tenants, "user_email": "kim@example.com"},
        allow_redirects=False,
        timeout=5,
    )
    assert allowed.status_code == 302
    query = parse_qs(urlsplit(allowed.headers["Location"]).query)
    assert query["state"] == ["st-1"] and query["code"] and query["session_state"]
    token = sandbox.token(
        app, {"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT}
    ).json()
    conns = requests.get(
        f"{sandbox.base_url}/connections",
        timeout=5,
        headers={"Authorization": f"Bearer {token['access_token']}"},
    ).json()
    assert {c["tenantId"] for c in conns} == set(tenants)
    assert len({c["authEventId"] for c in conns}) == 1
    assert _claims(token["id_token"])["email"] == "kim@example.com"
    denied = requests.post(
        decide,
        data={"pending_id": _consent_form(sandbox, app), "decision": "cancel"},
        allow_redirects=False,
        timeout=5,
    )
    assert parse_qs(urlsplit(denied.headers["Location"]).query) == {
        "error": ["access_denied"],
        "state": ["st-1"],
    }


def test_code_exchange_and_claims(sandbox: Sandbox) -> None:
    app = sandbox.app()
    tokens = sandbox.tokens(app)
    assert tokens["expires_in"] == 1800 and tokens["token_type"] == "Bearer"
    assert tokens["scope"] == SCOPES and tokens["refresh_token"] and tokens["id_token"]
    claims = _claims(tokens["access_token"])
    assert claims["client_id"] == app["client_id"] and claims["exp"] - claims["iat"] == 1800
    assert "accounting.invoices" in claims["scope"] and claims["authentication_event_id"]
    assert _claims(tokens["id_token"])["aud"] == app["client_id"]
    no_offline = sandbox.tokens(app, "accounting.settings.read")
    assert "refresh_token" not in no_offline and "id_token" not in no_offline


def test_wrong_secret_reuse_expiry_and_grant_type(sandbox: Sandbox) -> None:
    app = sandbox.app()
    data = {"grant_type": "authorization_code", "code": sandbox.code(app), "redirect_uri": REDIRECT}
    wrong = requests.post(
        f"{sandbox.base_url}/connect/token", data=data, auth=(app["client_id"], "nope"), timeout=5
    )
    assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_client"}
    assert wrong.headers["Content-Type"].startswith("application/json")
    assert sandbox.token(app, {**data, "redirect_uri": "http://localhost:1/x"}).json() == {
        "error": "invalid_grant"
    }
    first = sandbox.token(app, data)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert sandbox.token(app, data).json() == {"error": "invalid_grant"}
    late = {**data, "code": sandbox.code(app)}
    sandbox.control("POST", "clock", json={"advance_seconds": 301})
    assert sandbox.token(app, late).json() == {"error": "invalid_grant"}
    assert sandbox.token(app, {"grant_type": "password"}).json() == {"error": "unauthorized_client"}
    assert sandbox.token(app, {"grant_type": "magic"}).json() == {"error": "unsupported_grant_type"}


def test_pkce_flow(sandbox: Sandbox) -> None:
    app = sandbox.app(integration_type="mobile")
    verifier, challenge = pkce_pair()
    extra = {"code_challenge": challenge, "code_challenge_method": "S256"}
    base = {"grant_type": "authorization_code", "redirect_uri": REDIRECT, "client_id": app["client_id"]}
    bad = sandbox.token(app, {**base, "code": sandbox.code(app, **extra), "code_verifier": "x" * 43})
    assert bad.json() == {"error": "invalid_grant"}
    good = sandbox.token(app, {**base, "code": sandbox.code(app, **extra), "code_verifier": verifier})
    assert good.status_code == 200 and good.json()["refresh_token"]
    refreshed = sandbox.token(
        app,
        {
            "grant_type": "refresh_token",
            "client_id": app["client_id"],
            "refresh_token": good.json()["refresh_token"],
        },
    )
    assert refreshed.status_code == 200


def test_refresh_rotation_grace_and_death(sandbox: Sandbox) -> None:
    app = sandbox.app()
    first = sandbox.tokens(app)["refresh_token"]
    second = sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": first}).json()[
        "refresh_token"
    ]
    assert second != first
    sandbox.control("POST", "clock", json={"advance_seconds": 29 * 60})
    again = sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": first})
    assert again.status_code == 200 and again.json()["refresh_token"] not in (first, second)
    sandbox.control("POST", "clock", json={"advance_seconds": 2 * 60})
    assert sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": first}).json() == {
        "error": "invalid_grant"
    }
    assert sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": second}).status_code == 200
    idle = sandbox.tokens(app)["refresh_token"]
    sandbox.control("POST", "clock", json={"advance_seconds": 60 * 86400 + 1})
    assert sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": idle}).json() == {
        "error": "invalid_grant"
    }
    assert sandbox.control("GET", "counters")["refreshes"] == 5  # every refresh_token grant request counts


def test_revocation_removes_connections(sandbox: Sandbox) -> None:
    app = sandbox.app()
    tokens = sandbox.tokens(app)
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert len(requests.get(f"{sandbox.base_url}/connections", headers=auth, timeout=5).json()) == 1
    revoked = requests.post(
        f"{sandbox.base_url}/connect/revocation",
        data={"token": tokens["refresh_token"]},
        auth=(app["client_id"], app["client_secret"]),
        timeout=5,
    )
    assert revoked.status_code == 200 and revoked.content == b""
    assert requests.get(f"{sandbox.base_url}/connections", headers=auth, timeout=5).json() == []
    assert sandbox.token(
        app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    ).json() == {"error": "invalid_grant"}


def test_connections_filter_and_delete(sandbox: Sandbox) -> None:
    app = sandbox.app()
    uk, nz = (t["tenant_id"] for t in sandbox.tenants())
    first = sandbox.tokens(app)
    sandbox.control("POST", "consent", json={"auto": True, "tenant_ids": [nz]})
    second = sandbox.tokens(app)
    auth = {"Authorization": f"Bearer {second['access_token']}"}
    everything = requests.get(f"{sandbox.base_url}/connections", headers=auth, timeout=5).json()
    assert {c["tenantId"] for c in everything} == {uk, nz}
    event = json.loads(base64.urlsafe_b64decode(second["access_token"].split(".")[1] + "=="))
    only = requests.get(
        f"{sandbox.base_url}/connections",
        params={"authEventId": event["authentication_event_id"]},
        headers=auth,
        timeout=5,
    ).json()
    assert [c["tenantId"] for c in only] == [nz] and only[0]["tenantType"] == "ORGANISATION"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}", only[0]["createdDateUtc"])
    gone = requests.delete(f"{sandbox.base_url}/connections/{only[0]['id']}", headers=auth, timeout=5)
    assert gone.status_code == 204
    again = requests.delete(f"{sandbox.base_url}/connections/{only[0]['id']}", headers=auth, timeout=5)
    assert again.status_code == 404
    assert first["access_token"] != second["access_token"]
