"""Accounting API front door: bearer, tenant, rate limits, scopes, then the resource handler."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from app.sandbox import contacts_api, invoices_api, quotes_api, ratelimit, settings_api, tracking
from app.sandbox.connections import mine
from app.sandbox.ctx import Ctx, validation_exception
from app.sandbox.idempotency import guarded
from app.sandbox.query import QueryError
from app.sandbox.state import SandboxState
from app.sandbox.tokens import bearer_claims
from app.sandbox.web import Request, Response, not_found, problem

PREFIX = "/api.xro/2.0"
SETTINGS = ("accounting.settings", "accounting.settings.read")
CONTACTS = ("accounting.contacts", "accounting.contacts.read")
INVOICES = (
    "accounting.invoices",
    "accounting.invoices.read",
    "accounting.transactions",
    "accounting.transactions.read",
)
INVOICES_W = ("accounting.invoices", "accounting.transactions")
Handler = Callable[[Ctx], Response]

# (resource, method) -> (scopes of which the token needs one, handler, max path segments)
ROUTES: dict[tuple[str, str], tuple[tuple[str, ...], Handler, int]] = {
    ("organisation", "GET"): (SETTINGS, settings_api.organisation, 2),
    ("accounts", "GET"): (SETTINGS, settings_api.accounts, 2),
    ("taxrates", "GET"): (SETTINGS, settings_api.tax_rates, 2),
    ("items", "GET"): (INVOICES + SETTINGS, settings_api.items, 2),
    ("currencies", "GET"): (SETTINGS, settings_api.currencies, 1),
    ("trackingcategories", "GET"): (SETTINGS, tracking.get, 2),
    ("contacts", "GET"): (CONTACTS, contacts_api.get, 2),
    ("contacts", "PUT"): (("accounting.contacts",), contacts_api.put, 1),
    ("contacts", "POST"): (("accounting.contacts",), contacts_api.post, 2),
    ("invoices", "GET"): (INVOICES, invoices_api.get, 3),  # /Invoices/{id}/History too
    ("invoices", "PUT"): (INVOICES_W, invoices_api.put, 3),
    ("invoices", "POST"): (INVOICES_W, invoices_api.post, 2),
    ("quotes", "GET"): (INVOICES, quotes_api.get, 2),
}
CANONICAL = {
    "organisation": "Organisation",
    "accounts": "Accounts",
    "taxrates": "TaxRates",
    "items": "Items",
    "currencies": "Currencies",
    "trackingcategories": "TrackingCategories",
    "contacts": "Contacts",
    "invoices": "Invoices",
    "quotes": "Quotes",
}


def endpoint_name(req: Request) -> str:
    """Counter key such as "GET /api.xro/2.0/Invoices" or ".../Invoices/{id}"."""
    parts = [p for p in req.path[len(PREFIX) :].split("/") if p]
    if not parts:
        return f"{req.method} {PREFIX}"
    name = CANONICAL.get(parts[0].lower(), parts[0])
    if len(parts) > 1:
        name += "/Actions" if parts[1].lower() == "actions" else "/{id}"
    if len(parts) > 2:
        name += "/" + parts[2].capitalize()  # .../Invoices/{id}/History
    return f"{req.method} {PREFIX}/{name}"


def handle(state: SandboxState, req: Request) -> Response:
    parts = [p for p in req.path[len(PREFIX) :].split("/") if p]
    route = ROUTES.get((parts[0].lower() if parts else "", req.method))
    if route is None or len(parts) > route[2]:
        return not_found()
    scopes, handler, _ = route
    claims = bearer_claims(state, req)
    if isinstance(claims, str):
        return problem(401, claims)
    tenant = req.headers.get("xero-tenant-id", "").strip().lower()
    with state.lock:
        connected = any(c["tenantId"] == tenant for c in mine(state, claims))
    if not connected:
        return problem(403, "AuthenticationUnsuccessful")
    client_id = claims["client_id"]
    verdict = ratelimit.acquire(state, client_id, tenant)
    if verdict.problem is not None:
        response = Response(
            429, b"", {"X-Rate-Limit-Problem": verdict.problem, "Retry-After": str(verdict.retry_after)}
        )
    else:
        try:
            ctx = Ctx(state, req, tenant, client_id, parts)
            response = _dispatch(state, req, ctx, scopes, handler, claims)
        finally:
            ratelimit.release(state, client_id, tenant)
    response.headers.update(verdict.headers)
    response.headers["Xero-Correlation-Id"] = str(uuid.uuid4())
    return response


def _dispatch(
    state: SandboxState, req: Request, ctx: Ctx, scopes: tuple[str, ...], handler: Handler, claims: dict
) -> Response:
    if not any(s in claims.get("scope", []) for s in scopes):
        return problem(403, "AuthorizationUnsuccessful")
    try:
        if req.method != "GET":  # the key is taken before a "delay" fault keeps the call in flight
            return guarded(ctx, lambda: handler(ctx), req.delay)
        if req.delay:
            time.sleep(req.delay)  # a "delay" fault keeps the call in flight
        with state.lock:
            return handler(ctx)
    except QueryError as exc:
        return validation_exception([], str(exc))
