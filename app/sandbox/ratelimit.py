"""Xero's per-connection limits on the sandbox clock: fixed minute and UTC-day windows, in-flight cap."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.sandbox.state import SandboxState


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


def acquire(state: SandboxState, client_id: str, tenant_id: str) -> Verdict:
    """Count one call and take an in-flight slot, unless a limit is hit (then nothing is taken)."""
    now = state.clock.time()
    minute, day = int(now // 60), int(now // 86400)
    lim = state.limits
    with state.lock:
        keys = {"minute": ("m", client_id, tenant_id), "day": ("d", client_id, tenant_id),
                "appminute": ("a", client_id)}
        used = {"minute": _used(state, keys["minute"], minute), "day": _used(state, keys["day"], day),
                "appminute": _used(state, keys["appminute"], minute)}
        flying = state.in_flight.get((client_id, tenant_id), 0)
        problem: str | None = None
        retry: float = 0
        if used["day"] >= lim.per_day:
            problem, retry = "day", (day + 1) * 86400 - now
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
        headers = {"X-DayLimit-Remaining": str(max(lim.per_day - used["day"], 0)),
                   "X-MinLimit-Remaining": str(max(lim.per_minute - used["minute"], 0)),
                   "X-AppMinLimit-Remaining": str(max(lim.app_per_minute - used["appminute"], 0))}
        return Verdict(problem, max(1, math.ceil(retry)), headers)


def release(state: SandboxState, client_id: str, tenant_id: str) -> None:
    with state.lock:
        key = (client_id, tenant_id)
        state.in_flight[key] = max(state.in_flight.get(key, 1) - 1, 0)
