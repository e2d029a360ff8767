"""Connection caps at consent: the tier's cap (users x organisations) and two uncertified apps per org."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import requests

from tests.helpers.sandbox import REDIRECT, SCOPES, Sandbox

CERTIFICATION = "needs to complete certification before they can connect to more Xero organisations."


def _consent_as(sandbox: Sandbox, app: dict, email: str, tenants: list[str]) -> requests.Response:
    sandbox.control("POST", "consent", json={"auto": True, "user_email": email, "tenant_ids": tenants})
    return sandbox.authorize(app)


def _in_use(sandbox: Sandbox, app: dict) -> tuple[int, int | None]:
    report = sandbox.control("GET", f"apps/{app['client_id']}")
    return report["connections_in_use"], report["connection_cap"]


def _fill_starter(sandbox: Sandbox, app: dict, uk: str, nz: str) -> None:
    """Five connections: two users on both organisations, a third user on one."""
    for email, tenants in (("a@x.example", [uk, nz]), ("b@x.example", [uk, nz]), ("c@x.example", [uk])):
        assert _consent_as(sandbox, app, email, tenants).status_code == 302


def test_sixth_starter_connection_fails_at_consent(sandbox: Sandbox) -> None:
    uk, nz = (t["tenant_id"] for t in sandbox.tenants())
    app = sandbox.app(name="Cap app")
    _fill_starter(sandbox, app, uk, nz)
    assert _in_use(sandbox, app) == (5, 5)
    sixth = _consent_as(sandbox, app, "c@x.example", [nz])
    assert sixth.status_code == 400 and "Location" not in sixth.headers
    assert f"Cap app {CERTIFICATION}" in sixth.text
    # at the cap even a user who is already connected is stopped before signing in, as on Xero
    again = _consent_as(sandbox, app, "a@x.example", [uk])
    assert again.status_code == 400 and CERTIFICATION in again.text
    assert _in_use(sandbox, app) == (5, 5)
    assert sandbox.control("GET", "counters")["consents_refused"] == 2


def test_consent_that_would_cross_the_cap_connects_nothing(sandbox: Sandbox) -> None:
    uk, nz = (t["tenant_id"] for t in sandbox.tenants())
    app = sandbox.app()
    for email in ("a@x.example", "b@x.example"):
        _consent_as(sandbox, app, email, [uk, nz])
    assert _in_use(sandbox, app) == (4, 5)
    both = _consent_as(sandbox, app, "c@x.example", [uk, nz])  # 4 + 2 > 5
    assert both.status_code == 400 and CERTIFICATION in both.text
    assert _in_use(sandbox, app) == (4, 5)
    assert _consent_as(sandbox, app, "c@x.example", [uk]).status_code == 302
    assert _in_use(sandbox, app) == (5, 5)


def test_stale_connections_count_until_deleted(sandbox: Sandbox) -> None:
    uk, nz = (t["tenant_id"] for t in sandbox.tenants())
    app = sandbox.app()
    first = {"auto": True, "user_email": "a@x.example", "tenant_ids": [uk, nz]}
    sandbox.control("POST", "consent", json=first)
    tokens = sandbox.tokens(app)
    for email, tenants in (("b@x.example", [uk, nz]), ("c@x.example", [uk])):
        _consent_as(sandbox, app, email, tenants)
    sandbox.control("POST", "clock", json={"advance_seconds": 59 * 86400})  # every access token dead
    assert _in_use(sandbox, app) == (5, 5)
    assert CERTIFICATION in _consent_as(sandbox, app, "d@x.example", [uk]).text
    # the refresh token still lives: use it to delete a connection the way Xero's API frees a slot
    fresh = sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    access = fresh.json()["access_token"]
    listing = requests.get(
        f"{sandbox.base_url}/connections", headers={"Authorization": f"Bearer {access}"}, timeout=10
    ).json()
    gone = requests.delete(
        f"{sandbox.base_url}/connections/{listing[0]['id']}",
        headers={"Authorization": f"Bearer {access}"},
        timeout=10,
    )
    assert gone.status_code == 204
    assert _in_use(sandbox, app) == (4, 5)
    assert _consent_as(sandbox, app, "d@x.example", [uk]).status_code == 302


def test_core_tier_allows_more_connections(sandbox: Sandbox) -> None:
    uk, nz = (t["tenant_id"] for t in sandbox.tenants())
    app = sandbox.app(tier="core")
    for n in range(4):
        assert _consent_as(sandbox, app, f"u{n}@x.example", [uk, nz]).status_code == 302
    assert _in_use(sandbox, app) == (8, 50)


def _connect_uk(sandbox: Sandbox, uk: str, **fields: object) -> dict:
    app = sandbox.app(**fields)
    assert _consent_as(sandbox, app, "owner@x.example", [uk]).status_code == 302
    return app


def test_third_uncertified_app_sees_the_organisation_greyed_out(sandbox: Sandbox) -> None:
    uk, nz = (t["tenant_id"] for t in sandbox.tenants())
    first = _connect_uk(sandbox, uk, name="First app")
    _connect_uk(sandbox, uk, name="Second app", tier="core")  # Core is not certified either
    third = sandbox.app(name="Third app")
    sandbox.control("POST", "consent", json={"auto": False})
    page = sandbox.authorize(third)
    assert page.status_code == 200
    uk_found = re.search(rf"<input[^>]*value='{uk}'[^>]*>", page.text)
    nz_found = re.search(rf"<input[^>]*value='{nz}'[^>]*>", page.text)
    assert uk_found and nz_found, page.text
    uk_box, nz_box = uk_found.group(0), nz_found.group(0)
    assert "disabled" in uk_box and "disabled" not in nz_box and "checked" in nz_box
    assert "already has two uncertified apps connected" in page.text
    pending_found = re.search(r"name='pending_id' value='([^']+)'", page.text)
    assert pending_found, page.text
    pending = pending_found.group(1)
    decision_url = f"{sandbox.base_url}/identity/connect/authorize/decision"
    form = {"pending_id": pending, "user_email": "owner@x.example", "decision": "allow"}
    forged = requests.post(decision_url, data={**form, "tenant": uk}, allow_redirects=False, timeout=10)
    assert forged.status_code == 403 and "already has two uncertified apps connected" in forged.text
    assert _in_use(sandbox, third) == (0, 5)
    allowed = requests.post(decision_url, data={**form, "tenant": nz}, allow_redirects=False, timeout=10)
    assert allowed.status_code == 302 and "code" in parse_qs(urlsplit(allowed.headers["Location"]).query)
    # once one of the two disconnects, the organisation is selectable again
    sandbox.control("POST", "disconnect", json={"tenant_id": uk, "client_id": first["client_id"]})
    assert _consent_as(sandbox, third, "owner@x.example", [uk]).status_code == 302


def test_auto_consent_to_a_greyed_out_organisation_shows_it_and_connects_nothing(sandbox: Sandbox) -> None:
    uk, _ = (t["tenant_id"] for t in sandbox.tenants())
    _connect_uk(sandbox, uk)
    _connect_uk(sandbox, uk)
    third = sandbox.app()
    answer = _consent_as(sandbox, third, "owner@x.example", [uk])
    assert answer.status_code == 403 and "already has two uncertified apps connected" in answer.text
    assert _in_use(sandbox, third) == (0, 5)


def test_certified_app_is_not_limited_by_uncertified_ones(sandbox: Sandbox) -> None:
    uk, _ = (t["tenant_id"] for t in sandbox.tenants())
    _connect_uk(sandbox, uk)
    _connect_uk(sandbox, uk)
    certified = _connect_uk(sandbox, uk, tier="plus")
    assert _in_use(sandbox, certified) == (1, 1000)
    code = sandbox.code(certified)
    exchanged = sandbox.token(
        certified, {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    )
    assert exchanged.status_code == 200 and exchanged.json()["scope"] == SCOPES
