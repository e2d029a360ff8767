"""Rate limits (minute, concurrent), injected faults, and the busy-port error."""

from __future__ import annotations

import threading

import pytest
import requests

from app.sandbox.server import PortInUseError, SandboxServer
from tests.helpers.sandbox import Sandbox

Session = tuple[Sandbox, dict, dict, str]


def test_minute_limit(session: Session) -> None:
    sandbox, _, tokens, tenant = session
    sandbox.control("POST", "clock", json={"set": "2026-11-26T10:00:05Z"})
    for n in range(60):
        ok = sandbox.api("GET", "Organisation", tokens["access_token"], tenant)
        assert ok.status_code == 200 and ok.headers["X-MinLimit-Remaining"] == str(59 - n)
    assert ok.headers["X-DayLimit-Remaining"] == "940"  # Starter: 1,000 a day
    limited = sandbox.api("GET", "Organisation", tokens["access_token"], tenant)
    assert limited.status_code == 429 and limited.headers["X-Rate-Limit-Problem"] == "minute"
    assert 50 <= int(limited.headers["Retry-After"]) <= 55
    assert limited.headers["X-MinLimit-Remaining"] == "0"
    assert sandbox.control("GET", "counters")["rate_limited"] == 1
    sandbox.control("POST", "clock", json={"advance_seconds": 60})
    assert sandbox.api("GET", "Organisation", tokens["access_token"], tenant).status_code == 200


def test_day_limit_configurable(session: Session) -> None:
    sandbox, _, tokens, tenant = session
    assert sandbox.control("POST", "limits", json={"per_day": 2})["per_day"] == 2
    for _ in range(2):
        assert sandbox.api("GET", "Accounts", tokens["access_token"], tenant).status_code == 200
    limited = sandbox.api("GET", "Accounts", tokens["access_token"], tenant)
    assert limited.headers["X-Rate-Limit-Problem"] == "day" and int(limited.headers["Retry-After"]) > 0


def test_concurrent_limit_with_delay_fault(session: Session) -> None:
    sandbox, _, tokens, tenant = session
    sandbox.control(
        "POST", "faults", json={"kind": "delay", "count": 5, "delay_seconds": 0.8, "path_prefix": "/api.xro"}
    )
    results: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                sandbox.api("GET", "Organisation", tokens["access_token"], tenant).status_code
            )
        )
        for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    deadline = threading.Event()
    while sandbox.state.in_flight.get((session[1]["client_id"], tenant), 0) < 5:
        deadline.wait(0.02)
    extra = sandbox.api("GET", "Organisation", tokens["access_token"], tenant)
    for thread in threads:
        thread.join()
    assert extra.status_code == 429 and extra.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert extra.headers["Retry-After"] == "1"
    assert results == [200] * 5


@pytest.mark.parametrize("kind", ["500", "503", "429"])
def test_status_faults(session: Session, kind: str) -> None:
    sandbox, _, tokens, tenant = session
    sandbox.control("POST", "faults", json={"kind": kind, "count": 1, "retry_after": 7})
    hit = sandbox.api("GET", "Organisation", tokens["access_token"], tenant)
    assert hit.status_code == int(kind)
    if kind == "429":
        assert hit.headers["X-Rate-Limit-Problem"] == "minute" and hit.headers["Retry-After"] == "7"
    assert sandbox.api("GET", "Organisation", tokens["access_token"], tenant).status_code == 200


def test_drop_fault_and_clear(session: Session) -> None:
    sandbox, _, tokens, tenant = session
    sandbox.control("POST", "faults", json={"kind": "drop", "count": 1, "path_prefix": "/api.xro"})
    with pytest.raises(requests.ConnectionError):
        sandbox.api("GET", "Organisation", tokens["access_token"], tenant)
    sandbox.control("POST", "faults", json={"kind": "500", "count": 3})
    sandbox.control("DELETE", "faults")
    assert sandbox.api("GET", "Organisation", tokens["access_token"], tenant).status_code == 200
    counters = sandbox.control("GET", "counters")
    assert counters["by_endpoint"]["GET /api.xro/2.0/Organisation"] == 2
    sandbox.control("POST", "counters/reset")
    assert sandbox.control("GET", "counters")["requests_total"] == 0


def test_busy_port(sandbox: Sandbox) -> None:
    with pytest.raises(PortInUseError, match=r"is already in use; choose another with --port\."):
        SandboxServer(port=sandbox.port).start()


def test_reset_and_control_misc(session: Session) -> None:
    sandbox, _, tokens, tenant = session
    sandbox.control("POST", "disconnect", json={"tenant_id": tenant})
    assert sandbox.api("GET", "Organisation", tokens["access_token"], tenant).status_code == 403
    sandbox.control("POST", "reset")
    assert sandbox.control("GET", "apps") == []
    assert [t["name"] for t in sandbox.tenants()] == ["Demo Company (UK)", "Demo Company (NZ)"]
