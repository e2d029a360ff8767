"""GET /connections and DELETE /connections/{id} (Bearer only, no tenant header)."""

from __future__ import annotations

from typing import Any

from app.sandbox import ratelimit
from app.sandbox.state import SandboxState
from app.sandbox.tokens import bearer_claims
from app.sandbox.web import Request, Response, json_response, not_found, problem

PUBLIC = ("id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc", "updatedDateUtc")


def mine(state: SandboxState, claims: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        c
        for c in state.connections.values()
        if c["client_id"] == claims["client_id"] and c["user_id"] == claims["xero_userid"]
    ]


def handle(state: SandboxState, req: Request) -> Response:
    claims = bearer_claims(state, req)
    if isinstance(claims, str):
        return problem(401, claims)
    # /connections reaches no organisation: Xero sends only the app-wide minute header here.
    verdict = ratelimit.acquire_app_only(state, claims["client_id"])
    if verdict.problem is not None:
        return Response(
            429,
            b"",
            {
                "X-Rate-Limit-Problem": verdict.problem,
                "Retry-After": str(verdict.retry_after),
                **verdict.headers,
            },
        )
    response = _answer(state, req, claims)
    response.headers.update(verdict.headers)
    return response


def _answer(state: SandboxState, req: Request, claims: dict[str, Any]) -> Response:
    parts = [p for p in req.path.split("/") if p]
    with state.lock:
        conns = mine(state, claims)
        if len(parts) == 1 and req.method == "GET":
            event = req.arg("authEventId")
            rows = [{k: c[k] for k in PUBLIC} for c in conns if not event or c["authEventId"] == event]
            return json_response(rows)
        if len(parts) == 2 and req.method == "DELETE":
            match = next((c for c in conns if c["id"] == parts[1]), None)
            if match is None:
                return not_found()
            del state.connections[match["id"]]
            return Response(204)
    return not_found()
