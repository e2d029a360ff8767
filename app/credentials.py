"""Checks on a pasted client ID and secret, and the masked forms and fingerprint support reads back."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

# Xero shows a client ID as 32 upper-case hex digits and a secret as 48 URL-safe characters.
CLIENT_ID_PATTERN = re.compile(r"^[0-9A-F]{32}$")
CLIENT_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{48}$")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00a0"), None)


def clean(value: str) -> str:
    """Pasted values often carry spaces, line breaks or zero-width characters from web pages."""
    return "".join(value.translate(_INVISIBLE).split())


def looks_like_client_id(value: str) -> bool:
    return bool(CLIENT_ID_PATTERN.match(value))


def looks_like_secret(value: str) -> bool:
    return bool(CLIENT_SECRET_PATTERN.match(value)) and not looks_like_client_id(value)


@dataclass
class CredentialCheck:
    client_id: str
    client_secret: str
    problems: list[str] = field(default_factory=list)
    swapped: bool = False  # the two values look exchanged; the UI offers to swap them

    @property
    def ok(self) -> bool:
        return not self.problems and not self.swapped


def check_credentials(client_id: str, client_secret: str, needs_secret: bool = True) -> CredentialCheck:
    cid, secret = clean(client_id), clean(client_secret)
    result = CredentialCheck(cid, secret)
    if needs_secret and looks_like_secret(cid) and looks_like_client_id(secret.upper()):
        result.swapped = True
        result.problems.append(
            "The client ID and the client secret look swapped: the ID is 32 characters (0-9, A-F) and "
            "the secret is 48."
        )
        return result
    if not cid:
        result.problems.append("Paste the client ID from the app's configuration page in Xero.")
    elif not looks_like_client_id(cid.upper()):
        result.problems.append(
            f"The client ID should be 32 characters of 0-9 and A-F; this one has {len(cid)} "
            "characters. Copy it again with Xero's copy button."
        )
    else:
        result.client_id = cid.upper()
    if needs_secret:
        if not secret:
            result.problems.append('Paste the client secret that Xero showed after "Generate a secret".')
        elif not CLIENT_SECRET_PATTERN.match(secret):
            result.problems.append(
                f"The client secret should be 48 characters of letters, digits, '-' and '_'; this one "
                f"has {len(secret)} characters. Copy it again, or generate a new secret in Xero."
            )
    return result


def mask(value: str, visible: int = 4) -> str:
    if not value:
        return "(not set)"
    if len(value) <= visible * 2:
        return "•" * len(value)
    return f"{value[:visible]}{'•' * 8}{value[-visible:]}"


def fingerprint(client_id: str, client_secret: str | None) -> str:
    """Eight characters support can read back over the phone to confirm both values, secret unseen."""
    digest = hashlib.sha256(f"{client_id}:{client_secret or ''}".encode()).hexdigest().upper()
    return f"{digest[:4]}-{digest[4:8]}"
