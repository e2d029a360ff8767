"""The token set Xero issues, with the claims this program reads from it."""

from __future__ import annotations

import base64
import json
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

ACCESS_TOKEN_EARLY_REFRESH = 120  # seconds: refresh this long before Xero's 30-minute expiry
REFRESH_TOKEN_LIFETIME = 60 * 24 * 3600  # an unused refresh token dies after 60 days


def jwt_claims(token: str | None) -> dict[str, Any]:
    """Read a JWT's payload without verifying it (it came straight from Xero over TLS)."""
    if not token or token.count(".") != 2:
        return {}
    payload = token.split(".")[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


@dataclass
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: float  # epoch seconds
    scope: list[str] = field(default_factory=list)
    id_token: str | None = None
    # When the current refresh token was issued: its 60-day life counts from here.
    refresh_issued_at: float = field(default_factory=time.time)

    @classmethod
    def from_response(cls, body: dict[str, Any], now: float | None = None) -> TokenSet:
        """Raises ValueError naming the field when the answer has the wrong shape (``"scope": 5``)."""
        now = time.time() if now is None else now
        scope = body.get("scope") or []
        if isinstance(scope, str):
            scope = scope.split()
        if not isinstance(scope, list) or not all(isinstance(item, str) for item in scope):
            raise ValueError("scope is neither text nor a list of text")
        for name in ("access_token", "refresh_token", "id_token"):
            if body.get(name) is not None and not isinstance(body[name], str):
                raise ValueError(f"{name} is not text")
        try:
            expires_at = float(body.get("expires_at") or now + float(body.get("expires_in", 1800)))
        except (TypeError, ValueError):
            raise ValueError("expires_in is not a number") from None
        if not math.isfinite(expires_at):
            raise ValueError("expires_in is not a number")
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=body.get("refresh_token"),
            expires_at=expires_at,
            scope=list(scope),
            id_token=body.get("id_token"),
            refresh_issued_at=now,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> TokenSet:
        data = json.loads(text)
        return cls(**data)

    def access_expired(self, now: float | None = None, margin: float = ACCESS_TOKEN_EARLY_REFRESH) -> bool:
        now = time.time() if now is None else now
        return now >= self.expires_at - margin

    def refresh_expires_at(self) -> float:
        return self.refresh_issued_at + REFRESH_TOKEN_LIFETIME

    def refresh_days_left(self, now: float | None = None) -> int:
        now = time.time() if now is None else now
        # Rounded up: a token issued a second ago still has "60 days", one with an hour left has 1.
        return max(0, math.ceil((self.refresh_expires_at() - now) / 86400))

    @property
    def auth_event_id(self) -> str | None:
        return jwt_claims(self.access_token).get("authentication_event_id")

    @property
    def xero_userid(self) -> str | None:
        return jwt_claims(self.id_token).get("xero_userid") or jwt_claims(self.access_token).get(
            "xero_userid"
        )

    @property
    def user_email(self) -> str | None:
        return jwt_claims(self.id_token).get("email")

    @property
    def user_name(self) -> str | None:
        """The consenting user's name as the id_token gives it ("Jane Doe"), or None without one."""
        claims = jwt_claims(self.id_token)
        name = " ".join(str(claims.get(k) or "").strip() for k in ("given_name", "family_name")).strip()
        return name or None

    def __repr__(self) -> str:  # never let a token reach a log line through repr()
        return f"TokenSet(expires_at={self.expires_at:.0f}, scope={self.scope!r})"
