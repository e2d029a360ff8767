"""Maps a parsed request to the module that owns its URL, applying faults, counters and persistence."""

from __future__ import annotations

import time
import uuid

from app.sandbox import (
    accounting,
    authorize,
    connections,
    control,
    discovery,
    faults,
    invoice_page,
    portal,
    tokens,
)
from app.sandbox.state import SandboxState
from app.sandbox.web import Request, Response, not_found


def endpoint_name(req: Request) -> str:
    path = req.path
    if path.startswith(accounting.PREFIX):
        return accounting.endpoint_name(req)
    if path.lower().startswith("/connections/"):
        return f"{req.method} /connections/{{id}}"
    if path.startswith("/app/manage/") and path != "/app/manage/new":
        return f"{req.method} /app/manage/{{client_id}}"
    return f"{req.method} {path}"


def route(state: SandboxState, req: Request) -> Response:
    response = _route(state, req)
    lower = req.path.lower()
    if (
        req.path.startswith(accounting.PREFIX + "/")
        or lower == "/connections"
        or lower.startswith("/connections/")
    ):
        # As Xero: every answer of the Accounting and identity APIs, failures and injected faults too.
        response.headers.setdefault("Xero-Correlation-Id", str(uuid.uuid4()))
    return response


def _route(state: SandboxState, req: Request) -> Response:
    path = req.path
    if path.startswith("/sandbox/"):
        return control.handle(state, req)
    state.count(endpoint_name(req))
    fault = faults.take(state, req)
    if fault is not None:
        injected = faults.respond(state, fault)
        if injected is not None:
            return injected
        if fault["kind"] == "no_rotation":
            req.no_rotation = True
        else:
            req.delay = fault["delay_seconds"]
    if path.startswith(accounting.PREFIX + "/"):
        return accounting.handle(state, req)  # sleeps for a delay fault while counted in flight
    if req.delay:
        time.sleep(req.delay)
    lower = path.lower()
    if lower == "/connections" or lower.startswith("/connections/"):
        return connections.handle(state, req)
    if path.startswith(discovery.DISCOVERY):
        return discovery.handle(state, req)
    if path == "/connect/token" and req.method == "POST":
        return tokens.token(state, req)
    if path == "/connect/revocation" and req.method == "POST":
        return tokens.revocation(state, req)
    if path.startswith("/identity/"):
        return authorize.handle(state, req)
    if path == "/app/manage" or path.startswith("/app/manage/"):
        return portal.handle(state, req)
    if path.startswith("/app/") or lower == invoice_page.LOGIN.lower():
        return invoice_page.handle(state, req)
    return not_found()


def mutates(req: Request) -> bool:
    """Whether the request may have changed persisted state (authorize can auto-consent)."""
    return req.method != "GET" or req.path.startswith("/identity/") or req.path == "/sandbox/clock"
