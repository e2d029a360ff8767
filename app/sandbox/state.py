"""All mutable sandbox state behind one lock; the HTTP layer never keeps state of its own."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from app.sandbox.clock import SandboxClock
from app.sandbox.jwt import SigningKey
from app.sandbox.seed import DEFAULT_USER, seed_orgs


@dataclass
class Limits:
    per_minute: int = 60
    per_day: int | None = None  # None: each app's tier decides (app/sandbox/tiers.py); set, it overrides all
    concurrent: int = 5
    app_per_minute: int = 10000


@dataclass
class Consent:
    """Auto-consent settings (tenant_ids None means: the first organisation only)."""

    auto: bool = False
    user_email: str = DEFAULT_USER
    tenant_ids: list[str] | None = None
    decision: str = "allow"


def new_counters() -> dict[str, Any]:
    return {
        "requests_total": 0,
        "by_endpoint": {},
        "token_requests": 0,
        "refreshes": 0,
        "rate_limited": 0,
        "consents_refused": 0,
    }


@dataclass
class SandboxState:
    base_url: str = ""
    clock: SandboxClock = field(default_factory=SandboxClock)
    lock: threading.RLock = field(default_factory=threading.RLock)
    signing_key_pem: str | None = None  # made on first use: an RSA key costs ~0.1 s, most tests never sign
    _key: SigningKey | None = field(default=None, repr=False)
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)
    orgs: dict[str, dict[str, Any]] = field(default_factory=seed_orgs)
    connections: dict[str, dict[str, Any]] = field(default_factory=dict)
    grants: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)  # keyed by sha256 of the token
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    consent: Consent = field(default_factory=Consent)
    limits: Limits = field(default_factory=Limits)
    faults: list[dict[str, Any]] = field(default_factory=list)
    counters: dict[str, Any] = field(default_factory=new_counters)
    idempotency: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    windows: dict[tuple[str, ...], list[int]] = field(default_factory=dict)  # (scope...) -> [window, count]
    in_flight: dict[tuple[str, str], int] = field(default_factory=dict)

    def reset(self) -> None:
        """Fresh seeded state (keeps the lock so in-flight handlers stay safe)."""
        fresh = SandboxState()
        with self.lock:
            for name in self.__dataclass_fields__:
                if name not in ("lock", "base_url"):
                    setattr(self, name, getattr(fresh, name))

    @property
    def signing_key(self) -> SigningKey:
        with self.lock:
            if self._key is None:
                pem = self.signing_key_pem
                self._key = SigningKey.from_pem(pem) if pem else SigningKey.generate()
                self.signing_key_pem = self._key.to_pem()
            return self._key

    def count(self, endpoint: str) -> None:
        with self.lock:
            self.counters["requests_total"] += 1
            by = self.counters["by_endpoint"]
            by[endpoint] = by.get(endpoint, 0) + 1

    def bump(self, name: str) -> None:
        with self.lock:
            self.counters[name] += 1

    def tenant_name(self, tenant_id: str) -> str:
        return self.orgs[tenant_id]["organisation"]["Name"]

    # Persisted subset: everything that must survive a restart with --data.
    PERSISTED = ("apps", "orgs", "connections", "grants", "refresh_tokens")

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            data = {name: getattr(self, name) for name in self.PERSISTED}
            data["clock_offset"] = self.clock.offset_seconds
            if self.signing_key_pem:
                data["signing_key_pem"] = self.signing_key_pem
            return data

    def restore(self, data: dict[str, Any]) -> None:
        with self.lock:
            for name in self.PERSISTED:
                if name in data:
                    setattr(self, name, data[name])
            self.clock.offset_seconds = float(data.get("clock_offset", 0.0))
            # An older state file's HS256 key ("signing_key") is ignored: its tokens no longer verify.
            if data.get("signing_key_pem"):
                self.signing_key_pem, self._key = str(data["signing_key_pem"]), None
