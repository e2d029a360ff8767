"""Xero's per-connection limits on the sandbox clock: fixed minute and UTC-day windows, in-flight cap.

The day window is the UTC calendar day of the sandbox clock, so a crossed day limit resets at 00:00 UTC
(real Xero resets each organisation's window at its own time; Retry-After is what a client should read).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.sandbox.state import SandboxState
from app.sandbox.tiers import day_limit

DAY = 86400


@dataclass
class Verdict:
    problem: str | None  # minute | day | concurrent | appminute, or None when allowed
    retry_after: int
    headers: dict[str, str]


def _used(state: SandboxState, key: tuple[str, ...], window: int) -> int:
    slot = state.windows.get(key)
    return slot[1] if slot and slot[0] == window else 0


def _take(state: SandboxState, key: tuple[str, ...], window: int) -> None:
    slot = state.windows.get(key)
    if slot and slot[0] == window:
        slot[1] += 1
    else:
        state.windows[key] = [window, 1]


def calls_today(state: SandboxState, client_id: str, tenant_id: str) -> int:
    return _used(state, ("d", client_id, tenant_id), int(state.clock.time() // DAY))


def day_resets_at(state: SandboxState) -> float:
    """Sandbox-clock epoch seconds at which today's day window ends (00:00 UTC)."""
    return (int(state.clock.time() // DAY) + 1) * DAY


def acquire(state: SandboxState, client_id: str, tenant_id: str) -> Verdict:
    """Count one call to an organisation and take an in-flight slot, unless a limit is hit."""
    now = state.clock.time()
    minute, day = int(now // 60), int(now // DAY)
    lim = state.limits
    with state.lock:
        per_day = day_limit(state, client_id)
        keys = {
            "minute": ("m", client_id, tenant_id),
            "day": ("d", client_id, tenant_id),
            "appminute": ("a", client_id),
        }
        used = {
            "minute": _used(state, keys["minute"], minute),
            "day": _used(state, keys["day"], day),
            "appminute": _used(state, keys["appminute"], minute),
        }
        flying = state.in_flight.get((client_id, tenant_id), 0)
        problem: str | None = None
        retry: float = 0
        if used["day"] >= per_day:
            problem, retry = "day", (day + 1) * DAY - now
        elif used["minute"] >= lim.per_minute:
            problem, retry = "minute", (minute + 1) * 60 - now
        elif used["appminute"] >= lim.app_per_minute:
            problem, retry = "appminute", (minute + 1) * 60 - now
        elif flying >= lim.concurrent:
            problem, retry = "concurrent", 1
        if problem is None:
            for name, key in keys.items():
                _take(state, key, day if name == "day" else minute)
                used[name] += 1
            state.in_flight[(client_id, tenant_id)] = flying + 1
        else:
            state.counters["rate_limited"] += 1
        headers = {
            "X-DayLimit-Remaining": str(max(per_day - used["day"], 0)),
            "X-MinLimit-Remaining": str(max(lim.per_minute - used["minute"], 0)),
            "X-AppMinLimit-Remaining": str(max(lim.app_per_minute - used["appminute"], 0)),
        }
        return Verdict(problem, max(1, math.ceil(retry)), headers)


def acquire_app_only(state: SandboxState, client_id: str) -> Verdict:
    """A call that reaches no organisation (/connections): only the app-wide minute limit applies."""
    now = state.clock.time()
    minute = int(now // 60)
    key = ("a", client_id)
    with state.lock:
        used = _used(state, key, minute)
        if used >= state.limits.app_per_minute:
            state.counters["rate_limited"] += 1
            return Verdict(
                "appminute", max(1, math.ceil((minute + 1) * 60 - now)), {"X-AppMinLimit-Remaining": "0"}
            )
        _take(state, key, minute)
        return Verdict(None, 0, {"X-AppMinLimit-Remaining": str(state.limits.app_per_minute - used - 1)})


def release(state: SandboxState, client_id: str, tenant_id: str) -> None:
    with state.lock:
        key = (client_id, tenant_id)
        state.in_flight[key] = max(state.in_flight.get(key, 1) - 1, 0)
