"""Xero's 2026 tiers: day limit per organisation, connection cap, and where the limit headers appear."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import requests

from tests.helpers.sandbox import Sandbox

DAY_HEADERS = ("X-DayLimit-Remaining", "X-MinLimit-Remaining")


def _connected(sandbox: Sandbox, **fields: object) -> tuple[dict, str, str]:
    app = sandbox.app(**fields)
    tokens = sandbox.tokens(app)
    return app, tokens["access_token"], sandbox.tenants()[0]["tenant_id"]


@pytest.mark.parametrize(
    ("tier", "per_day", "cap"),
    [("starter", 1000, 5), ("core", 5000, 50), ("plus", 5000, 1000), ("advanced", 5000, 10000)],
)
def test_tier_sets_day_limit_and_connection_cap(sandbox: Sandbox, tier: str, per_day: int, cap: int) -> None:
    fields = {} if tier == "starter" else {"tier": tier}  # Starter is what an app gets unasked
    app, token, tenant = _connected(sandbox, **fields)
    report = sandbox.control("GET", f"apps/{app['client_id']}")
    assert (report["tier"], report["day_limit"], report["connection_cap"]) == (tier, per_day, cap)
    assert report["connections_in_use"] == 1
    answer = sandbox.api("GET", "Organisation", token, tenant)
    assert answer.headers["X-DayLimit-Remaining"] == str(per_day - 1)
    assert sandbox.control("GET", f"apps/{app['client_id']}")["calls_today"] == {tenant: 1}


def test_limit_headers_only_on_calls_to_an_organisation(sandbox: Sandbox) -> None:
    _, token, tenant = _connected(sandbox)
    connections = requests.get(
        f"{sandbox.base_url}/connections", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert connections.status_code == 200
    assert "X-AppMinLimit-Remaining" in connections.headers
    assert not any(h in connections.headers for h in DAY_HEADERS)
    organisation = sandbox.api("GET", "Organisation", token, tenant)
    assert all(h in organisation.headers for h in (*DAY_HEADERS, "X-AppMinLimit-Remaining"))
    # the /connections call above used one of the app-wide minute's calls
    assert int(organisation.headers["X-AppMinLimit-Remaining"]) == 10000 - 2


def test_starter_day_limit_answers_429_until_the_emulated_day_resets(sandbox: Sandbox) -> None:
    # late in the emulated day, so the 30-minute access token outlives the reset at 00:00 UTC
    sandbox.control("POST", "clock", json={"set": "2026-11-26T23:40:00Z"})
    _, token, tenant = _connected(sandbox)
    for n in range(1000):
        if n and n % 60 == 0:  # stay under the minute limit by moving the clock, never by sleeping
            sandbox.control("POST", "clock", json={"advance_seconds": 60})
        assert sandbox.api("GET", "Accounts", token, tenant).status_code == 200
    crossed = sandbox.api("GET", "Accounts", token, tenant)
    assert crossed.status_code == 429
    assert crossed.headers["X-Rate-Limit-Problem"] == "day"
    assert crossed.headers["X-DayLimit-Remaining"] == "0"
    now = datetime.fromisoformat(sandbox.control("GET", "clock")["now"].replace("Z", "+00:00"))
    midnight = datetime(2026, 11, 27, tzinfo=UTC)
    assert abs(int(crossed.headers["Retry-After"]) - (midnight - now).total_seconds()) <= 2
    report = sandbox.control("GET", f"apps/{sandbox.control('GET', 'apps')[0]['client_id']}")
    assert report["day_resets_at"] == "2026-11-27T00:00:00Z"
    sandbox.control("POST", "clock", json={"advance_seconds": int(crossed.headers["Retry-After"])})
    after = sandbox.api("GET", "Accounts", token, tenant)
    assert after.status_code == 200 and after.headers["X-DayLimit-Remaining"] == "999"


def test_moving_an_app_to_core_raises_its_day_limit(sandbox: Sandbox) -> None:
    app, token, tenant = _connected(sandbox)
    sandbox.control("POST", "limits", json={"per_minute": 10000})
    for _ in range(1000):
        sandbox.api("GET", "Accounts", token, tenant)
    assert sandbox.api("GET", "Accounts", token, tenant).status_code == 429
    moved = sandbox.control("POST", f"apps/{app['client_id']}", json={"tier": "core"})
    assert moved["tier"] == "core" and moved["day_limit"] == 5000
    answer = sandbox.api("GET", "Accounts", token, tenant)
    assert answer.status_code == 200 and answer.headers["X-DayLimit-Remaining"] == "3999"


def test_limits_per_day_overrides_every_tier_until_cleared(sandbox: Sandbox) -> None:
    _, token, tenant = _connected(sandbox, tier="core")
    assert sandbox.control("POST", "limits", json={"per_day": 3})["per_day"] == 3
    assert sandbox.api("GET", "Accounts", token, tenant).headers["X-DayLimit-Remaining"] == "2"
    assert sandbox.control("POST", "limits", json={"per_day": None})["per_day"] is None
    assert sandbox.api("GET", "Accounts", token, tenant).headers["X-DayLimit-Remaining"] == "4998"


def test_unknown_tier_is_refused(sandbox: Sandbox) -> None:
    body = {"name": "Tier app", "redirect_uris": ["http://localhost:53682/callback"], "tier": "gold"}
    answer = requests.post(f"{sandbox.base_url}/sandbox/apps", json=body, timeout=10)
    assert answer.status_code == 400 and "starter, core, plus, advanced, enterprise" in answer.json()["error"]
    app = sandbox.app()
    moved = requests.post(
        f"{sandbox.base_url}/sandbox/apps/{app['client_id']}", json={"tier": "free"}, timeout=10
    )
    assert moved.status_code == 400
    assert sandbox.control("GET", f"apps/{app['client_id']}")["tier"] == "starter"


def test_portal_shows_the_plan_and_changes_it(sandbox: Sandbox) -> None:
    app, _, _ = _connected(sandbox)
    page_url = f"{sandbox.base_url}/app/manage/{app['client_id']}"
    page = requests.get(page_url, timeout=5).text
    assert re.search(r"id='tier'>Starter: 1,000 API calls per organisation per day", page)
    assert "1 of 5 connections in use" in page
    assert "<td>Starter</td>" in requests.get(f"{sandbox.base_url}/app/manage", timeout=5).text
    changed = requests.post(page_url + "/tier", data={"tier": "plus"}, timeout=5)
    assert changed.status_code == 200 and "Plus: 5,000 API calls" in changed.text
    assert "1 of 1,000 connections in use" in changed.text
    assert sandbox.control("GET", f"apps/{app['client_id']}")["tier"] == "plus"
