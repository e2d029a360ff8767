"""Control API under /sandbox/ (JSON, no auth, loopback only) that tests use to steer the sandbox."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from app.sandbox import control_apps, faults, org_access
from app.sandbox.fmt import iso, parse_iso
from app.sandbox.state import SandboxState, new_counters
from app.sandbox.tokens import find_grant_id, revoke_grant
from app.sandbox.web import Request, Response, json_response, not_found

_bad = control_apps.bad


def _clock(state: SandboxState, req: Request) -> Response:
    if req.method == "POST":
        body = req.json() or {}
        if "set" in body:
            state.clock.set(parse_iso(body["set"]))
        state.clock.advance(float(body.get("advance_seconds", 0)))
    return json_response({"now": iso(state.clock.now()), "offset_seconds": state.clock.offset_seconds})


def _consent(state: SandboxState, body: dict[str, Any]) -> Response:
    conf = state.consent
    conf.auto = bool(body.get("auto", conf.auto))
    conf.user_email = str(body.get("user_email", conf.user_email))
    if "tenant_ids" in body:
        unknown = [t for t in body["tenant_ids"] or [] if t not in state.orgs]
        if unknown:
            return _bad(f"Unknown tenant ids: {', '.join(unknown)}")
        conf.tenant_ids = list(body["tenant_ids"]) or None
    if body.get("decision", conf.decision) not in ("allow", "deny"):
        return _bad("decision must be allow or deny")
    conf.decision = body.get("decision", conf.decision)
    return json_response(asdict(conf))


def _limits(state: SandboxState, req: Request) -> Response:
    if req.method == "POST":
        body = req.json() or {}
        for name in ("per_minute", "per_day", "concurrent", "app_per_minute"):
            if name in body:  # per_day null hands the day limit back to each app's tier
                value = body[name]
                setattr(state.limits, name, None if value is None and name == "per_day" else int(value))
    return json_response(asdict(state.limits))


def _post_actions(state: SandboxState, name: str, body: dict[str, Any]) -> Response | None:
    if name == "revoke":
        grant_id = find_grant_id(state, str(body.get("refresh_token", "")))
        if grant_id is None:
            return json_response({"revoked": False}, 404)
        revoke_grant(state, grant_id)
        return json_response({"revoked": True})
    if name == "disconnect":
        gone = [
            cid
            for cid, c in state.connections.items()
            if c["tenantId"] == body.get("tenant_id") and body.get("client_id") in (None, c["client_id"])
        ]
        for cid in gone:
            del state.connections[cid]
        return json_response({"removed": len(gone)})
    if name == "consent":
        return _consent(state, body)
    if name == "reset":
        state.reset()
        return json_response({"reset": True})
    if name == "counters/reset":
        state.counters = new_counters()
        return json_response(state.counters)
    return None


def handle(state: SandboxState, req: Request) -> Response:
    name = req.path[len("/sandbox/") :].strip("/")
    try:
        with state.lock:
            if name == "apps" or name.startswith("apps/"):
                answer = control_apps.handle(state, req, name)
                if answer is not None:
                    return answer
            if name == "tenants" and req.method == "GET":
                return json_response(
                    [
                        {
                            "tenant_id": tid,
                            "name": o["organisation"]["Name"],
                            "short_code": o["organisation"]["ShortCode"],
                            "base_currency": o["organisation"]["BaseCurrency"],
                        }
                        for tid, o in state.orgs.items()
                    ]
                )
            if name.startswith("organisations/") and req.method == "POST":
                org = state.orgs.get(name.split("/", 1)[1].lower())
                if org is None:
                    return not_found()
                org_access.set_locks(org, req.json() or {})
                return json_response({"organisation": org["organisation"], "user_role": org_access.role(org)})
            if name == "clock" and req.method in ("GET", "POST"):
                return _clock(state, req)
            if name == "limits" and req.method in ("GET", "POST"):
                return _limits(state, req)
            if name == "counters" and req.method == "GET":
                return json_response(json.loads(json.dumps(state.counters)))
            if name == "faults" and req.method == "DELETE":
                state.faults.clear()
                return json_response({"faults": []})
            if name == "faults" and req.method == "POST":
                return json_response(faults.add(state, req.json() or {}), 201)
            if name == "faults" and req.method == "GET":
                return json_response({"faults": state.faults})
            if req.method == "POST":
                answer = _post_actions(state, name, req.json() or {})
                if answer is not None:
                    return answer
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return _bad(f"Bad request: {exc}")
    return not_found()
