"""Control API for apps: create (with a tier), list, report usage, and move an app to another tier."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.sandbox import ratelimit
from app.sandbox.apps import create_app, validate_app
from app.sandbox.fmt import iso
from app.sandbox.state import SandboxState
from app.sandbox.tiers import DEFAULT_TIER, tier_problem, usage
from app.sandbox.web import Request, Response, json_response


def bad(message: str) -> Response:
    return json_response({"error": message}, 400)


def handle(state: SandboxState, req: Request, name: str) -> Response | None:
    """/sandbox/apps (GET, POST) and /sandbox/apps/{client_id} (GET, POST); None for anything else."""
    if name == "apps" and req.method in ("GET", "POST"):
        return _create_or_list(state, req)
    parts = name.split("/")
    if len(parts) == 2 and req.method in ("GET", "POST"):
        return _one_app(state, req, parts[1])
    return None


def _create_or_list(state: SandboxState, req: Request) -> Response:
    if req.method == "GET":
        return json_response([app_report(state, a) for a in state.apps.values()])
    body = req.json() or {}
    kind = body.get("integration_type", "web")
    uris = list(body.get("redirect_uris") or [])
    tier = body.get("tier", DEFAULT_TIER)
    # allow_xero_in_name: for a test that must reproduce an app registered before the rule was enforced
    errors = validate_app(
        str(body.get("name", "")),
        kind,
        str(body.get("company_url") or ""),
        uris,
        bool(body.get("allow_xero_in_name")),
    )
    errors += [p for p in (tier_problem(tier),) if p]
    if errors:
        return bad(" ".join(errors))
    app = create_app(
        state,
        body["name"],
        kind,
        uris,
        body.get("company_url") or "",
        body.get("created_at"),
        bool(body.get("granular_enabled")),
        with_secret=True,
        tier=tier,
    )
    return json_response({**app, **usage(state, app)}, 201)


def app_report(state: SandboxState, app: dict[str, Any]) -> dict[str, Any]:
    """The app with its tier, connections in use / cap and today's calls per organisation."""
    client_id = app["client_id"]
    tenants = sorted({c["tenantId"] for c in state.connections.values() if c["client_id"] == client_id})
    resets = datetime.fromtimestamp(ratelimit.day_resets_at(state), UTC)
    return {
        **app,
        **usage(state, app),
        "day_resets_at": iso(resets),
        "calls_today": {t: ratelimit.calls_today(state, client_id, t) for t in tenants},
    }


def _one_app(state: SandboxState, req: Request, client_id: str) -> Response:
    """GET /sandbox/apps/{client_id} (report) and POST with {"tier": ...} (move the app to a tier)."""
    app = state.apps.get(client_id)
    if app is None:
        return json_response({"error": f"No app has the client id {client_id}."}, 404)
    if req.method == "POST":
        body = req.json() or {}
        problem = tier_problem(body.get("tier"))
        if problem:
            return bad(problem)
        app["tier"] = body["tier"]
    return json_response(app_report(state, app))
