"""GET /identity/connect/authorize and the consent page's decision POST."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from html import escape
from typing import Any

from app.sandbox import consent, scopes
from app.sandbox.fmt import parse_iso
from app.sandbox.pages import errors_block, page
from app.sandbox.state import SandboxState
from app.sandbox.tiers import greyed_out, would_exceed_cap
from app.sandbox.web import Request, Response, html_response, not_found, redirect

CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of a SHA-256 digest, no padding
PENDING_TTL = 3600


def error_page(message: str) -> Response:
    body = (
        f"<h1>Sorry, something went wrong</h1><p>Error: <code id='error-code'>{escape(message)}</code>"
        "</p><p>Please contact the developer of the app you are trying to connect to.</p>"
    )
    return html_response(page("Error", body), 400)


def validate(state: SandboxState, req: Request) -> dict[str, Any] | str:
    """The authorize request as a dict, or the hosted error text Xero would show."""
    app = state.apps.get(req.arg("client_id") or "")
    if app is None:
        return "unauthorized_client : Unknown client or client not enabled"
    redirect_uri = req.arg("redirect_uri") or ""
    if redirect_uri not in app["redirect_uris"]:
        return "unauthorized_client : Invalid redirect_uri"
    if req.arg("response_type") != "code":
        return "unsupported_response_type"
    requested = (req.arg("scope") or "").split()
    allowed = scopes.allowed_scopes(parse_iso(app["created_at"]), app["granular_enabled"])
    if not requested or any(s not in allowed for s in requested):
        return "invalid_scope : Invalid scope for client"
    challenge, method = req.arg("code_challenge"), req.arg("code_challenge_method")
    if challenge and (method != "S256" or not CHALLENGE.match(challenge)):
        return "invalid_request : invalid code challenge"
    if app["integration_type"] == "mobile" and not challenge:
        return "invalid_request : code challenge required"
    return {
        "client_id": app["client_id"],
        "redirect_uri": redirect_uri,
        "scopes": list(dict.fromkeys(requested)),
        "state": req.arg("state"),
        "code_challenge": challenge,
    }


def _refused(state: SandboxState, reason: str) -> Response:
    state.bump("consents_refused")
    return error_page(reason)


def authorize(state: SandboxState, req: Request) -> Response:
    request = validate(state, req)
    if isinstance(request, str):
        return error_page(request)
    client_id = request["client_id"]
    with state.lock:
        if would_exceed_cap(state, client_id):  # at its cap Xero stops the app before anyone signs in
            return _refused(state, consent.CERTIFICATION_NEEDED.format(app=state.apps[client_id]["name"]))
    auto = state.consent
    if auto.auto:
        if auto.decision != "allow":
            return redirect(consent.deny(request))
        tenants = auto.tenant_ids or list(state.orgs)[:1]
        return _allow_or_refuse(state, None, request, auto.user_email, tenants)
    pending_id = secrets.token_urlsafe(24)
    with state.lock:
        state.pending[pending_id] = {"request": request, "at": state.clock.time()}
    return _consent_page(state, pending_id, request, state.consent.user_email, [], [])


def decision(state: SandboxState, req: Request) -> Response:
    form = req.form()
    pending_id = (form.get("pending_id") or [""])[0]
    with state.lock:
        pending = state.pending.get(pending_id)
    if pending is None or state.clock.time() - pending["at"] > PENDING_TTL:
        return error_page("invalid_request : This sign-in request has expired. Start again from the app.")
    request = pending["request"]
    email = (form.get("user_email") or [""])[0].strip() or state.consent.user_email
    tenants = [t for t in form.get("tenant", []) if t in state.orgs]
    if (form.get("decision") or [""])[0] != "allow":
        state.pending.pop(pending_id, None)
        return redirect(consent.deny(request))
    if "@" not in email:
        return _consent_page(state, pending_id, request, email, tenants, ["Enter a valid email address."])
    if not tenants:
        return _consent_page(
            state, pending_id, request, email, tenants, ["Select at least one organisation to connect."]
        )
    return _allow_or_refuse(state, pending_id, request, email, tenants)


def _allow_or_refuse(
    state: SandboxState, pending_id: str | None, request: dict[str, Any], email: str, tenants: list[str]
) -> Response:
    """Connect, or show why Xero would not: a greyed-out organisation or the tier's connection cap."""
    with state.lock:
        reason = consent.refusal(state, request["client_id"], email, tenants)
        if reason is None:
            if pending_id:
                state.pending.pop(pending_id, None)
            return redirect(consent.allow(state, request, email, tenants))
        if reason != consent.GREYED_OUT:
            return _refused(state, reason)
        state.bump("consents_refused")
        if pending_id is None:  # auto-consent: show the page a user would see, greyed organisation and all
            pending_id = secrets.token_urlsafe(24)
            state.pending[pending_id] = {"request": request, "at": state.clock.time()}
    allowed = [t for t in tenants if not greyed_out(state, request["client_id"], t)]
    return _consent_page(state, pending_id, request, email, allowed, [reason], 403)


def _org_choice(n: int, tenant_id: str, name: str, ticked: bool, greyed: bool) -> str:
    if greyed:  # shown but not selectable, with the reason next to it, as on Xero's consent page
        return (
            f"<label class='choice greyed'><input type='checkbox' name='tenant' id='tenant-{n}' "
            f"value='{tenant_id}' disabled> {escape(name)} <small class='greyed-note' id='greyed-{n}'>"
            f"{escape(consent.GREYED_OUT)}</small></label>"
        )
    return (
        f"<label class='choice'><input type='checkbox' name='tenant' id='tenant-{n}' value='{tenant_id}'"
        f"{' checked' if ticked else ''}> {escape(name)}</label>"
    )


def _consent_page(
    state: SandboxState,
    pending_id: str,
    request: dict[str, Any],
    email: str,
    ticked: list[str],
    errors: list[str],
    status: int = 200,
) -> Response:
    app = state.apps[request["client_id"]]
    greyed = {t for t in state.orgs if greyed_out(state, app["client_id"], t)}
    ticked = ticked or [t for t in state.orgs if t not in greyed][:1]
    wanted = "".join(
        f"<li>{escape(scopes.describe(s))} <small><code>{escape(s)}</code></small></li>"
        for s in request["scopes"]
    )
    orgs = "".join(
        _org_choice(n, tid, org["organisation"]["Name"], tid in ticked, tid in greyed)
        for n, (tid, org) in enumerate(state.orgs.items())
    )
    body = f"""<h1>Xero Connect sandbox — sign in and allow access</h1>{errors_block(errors)}
<p><strong id='app-name'>{escape(app["name"])}</strong> wants to:</p><ul id='scopes'>{wanted}</ul>
<form method='post' action='/identity/connect/authorize/decision' id='consent-form'>
<input type='hidden' name='pending_id' value='{escape(pending_id, quote=True)}'>
<label for='user_email'>Signed in as</label>
<input type='email' id='user_email' name='user_email' value='{escape(email, quote=True)}'>
<label>Organisations to connect</label>{orgs}
<p><button type='submit' name='decision' value='allow' id='allow'>Allow access</button>
<button type='submit' name='decision' value='cancel' id='cancel' class='secondary'>Cancel</button></p>
</form><p><small>Sandbox clock: {datetime.isoformat(state.clock.now())[:19]} UTC</small></p>"""
    return html_response(page("Allow access", body), status)


def handle(state: SandboxState, req: Request) -> Response:
    if req.path == "/identity/connect/authorize" and req.method == "GET":
        return authorize(state, req)
    if req.path == "/identity/connect/authorize/decision" and req.method == "POST":
        return decision(state, req)
    return not_found()
