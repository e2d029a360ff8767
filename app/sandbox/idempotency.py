"""Idempotency-Key: replay the cached answer for 6 minutes; a different request with the key is refused."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from app.sandbox.ctx import Ctx, validation_exception
from app.sandbox.web import Response

WINDOW = 360
MAX_KEY = 128


def guarded(ctx: Ctx, execute: Callable[[], Response]) -> Response:
    """Run a write at most once per key (keys are per app); the caller holds the state lock."""
    key = ctx.req.headers.get("idempotency-key")
    if key is None:
        return execute()
    if len(key) > MAX_KEY:
        return validation_exception([], f"Idempotency key must be {MAX_KEY} characters or fewer.")
    req = ctx.req
    head = f"{ctx.tenant_id}|{req.method}|{req.path}|{sorted(req.query.items())}|"
    fingerprint = hashlib.sha256(head.encode() + req.body).hexdigest()
    now = ctx.state.clock.time()
    cache = ctx.state.idempotency
    for stale in [k for k, v in cache.items() if now - v["at"] > WINDOW]:
        del cache[stale]
    hit = cache.get((ctx.client_id, key))
    if hit is not None:
        if hit["fingerprint"] != fingerprint:
            return validation_exception([], f"Idempotency key {key} is used with a different request")
        return Response(hit["status"], hit["body"], dict(hit["headers"]))
    response = execute()
    cache[(ctx.client_id, key)] = {"fingerprint": fingerprint, "at": now, "status": response.status,
                                   "body": response.body, "headers": dict(response.headers)}
    return response
