"""The PUT /Invoices body exactly as the client sends it, its size against Xero's request limit, and the
Idempotency-Key of a batch."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from app.xero.json_body import dumps

# Xero's limit on an Accounting API request body: 3.5 MB on its older limits page, 10 MB in a 2026
# reading (xero-notes §7, §10). Batches stay within the smaller, so they fit either.
MAX_REQUEST_BYTES = 3_500_000


def wire_body(payloads: Sequence[dict[str, Any]]) -> str:
    """The body exactly as the client sends it (the same JSON encoder, Decimal with its own digits)."""
    return dumps({"Invoices": list(payloads)})


def body_size(payloads: Sequence[dict[str, Any]]) -> int:
    return len(wire_body(payloads).encode("utf-8"))


def too_large_sentence(size: int) -> str:
    return (
        f"it is too large for one request to Xero ({size / 1_000_000:.1f} MB; Xero accepts at most "
        f"{MAX_REQUEST_BYTES / 1_000_000:.1f} MB): split it into smaller quotes in the CRM"
    )


def content_key(tenant_id: str, kind: str, items: Sequence[dict[str, Any]]) -> str:
    """Idempotency-Key: the same batch for the same tenant always gets the same key (64 hex chars)."""
    canonical = dumps(list(items), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{tenant_id}|{kind}|{canonical}".encode()).hexdigest()
