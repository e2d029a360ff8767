"""Idempotency-Key: replay the cached answer for 6 minutes; a different request with the key is refused.

A request is registered under its key when it arrives, before any "delay" fault holds it in flight, so a
second request with the same key while the first is still being processed is answered 409 (the rule of
the IETF Idempotency-Key draft; Xero does not document this case): it is never processed twice.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from app.sandbox.ctx import Ctx, validation_exception
from app.sandbox.web import Response, json_response

WINDOW = 360
MAX_KEY = 128


def in_progress(key: str) -> Response:
    return json_response(
        {
            "ErrorNumber": 409,
            "Type": "ConflictException",
            "Message": f"A request with idempotency key {key} is still being processed",
        },
        409,
    )


def guarded(ctx: Ctx, execute: Callable[[], Response], delay: float = 0.0) -> Response:
    """Run a write at most once per key (keys are per app). The caller does not hold the state lock:
    ``execute`` runs under it, after ``delay`` seconds in flight without it."""
    state = ctx.state
    key = ctx.req.headers.get("idempotency-key")
    if key is None:
        if delay:
            time.sleep(delay)
        with state.lock:
            return execute()
    if len(key) > MAX_KEY:
        return validation_exception([], f"Idempotency key must be {MAX_KEY} characters or fewer.")
    req = ctx.req
    head = f"{ctx.tenant_id}|{req.method}|{req.path}|{sorted(req.query.items())}|"
    fingerprint = hashlib.sha256(head.encode() + req.body).hexdigest()
    slot = (ctx.client_id, key)
    cache = state.idempotency
    with state.lock:
        now = state.clock.time()
        for stale in [k for k, v in cache.items() if now - v["at"] > WINDOW and "status" in v]:
            del cache[stale]
        hit = cache.get(slot)
        if hit is not None:
            if hit["fingerprint"] != fingerprint:
                return validation_exception([], f"Idempotency key {key} is used with a different request")
            if "status" not in hit:
                return in_progress(key)
            return Response(hit["status"], hit["body"], dict(hit["headers"]))
        entry = {"fingerprint": fingerprint, "at": now}  # in progress until it has a status
        cache[slot] = entry
    try:
        if delay:
            time.sleep(delay)  # a "delay" fault keeps the call in flight, its key taken
        with state.lock:
            response = execute()
            entry.update(status=response.status, body=response.body, headers=dict(response.headers))
    finally:
        with state.lock:
            if "status" not in entry and cache.get(slot) is entry:
                del cache[slot]  # it failed inside the sandbox: nothing was cached
    return response
