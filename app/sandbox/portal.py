"""Developer portal: "My Apps" list, the new-app form and each app's configuration page."""

from __future__ import annotations

from html import escape
from typing import Any

from app.sandbox.apps import create_app, new_secret, validate_app
from app.sandbox.pages import errors_block, page
from app.sandbox.state import SandboxState
from app.sandbox.tiers import TIERS, tier_of, tier_problem, usage
from app.sandbox.web import Request, Response, html_response, not_found, redirect

TYPE_LABEL = {"web": "Web app", "mobile": "Mobile or desktop app"}


def handle(state: SandboxState, req: Request) -> Response:
    parts = [p for p in req.path.split("/") if p][2:]  # drop "app", "manage"
    if not parts:
        return _list(state) if req.method == "GET" else not_found()
    if parts == ["new"]:
        return _form({}, []) if req.method == "GET" else _create(state, req)
    app = state.apps.get(parts[0])
    if app is None:
        return not_found()
    if len(parts) == 1 and req.method == "GET":
        return _config(state, app, None)
    if parts[1:] == ["secret"] and req.method == "POST" and app["integration_type"] == "web":
        with state.lock:
            app["client_secret"] = new_secret()
        return _config(state, app, app["client_secret"])
    if parts[1:] == ["tier"] and req.method == "POST":
        chosen = (req.form().get("tier") or [""])[0]
        if tier_problem(chosen):
            return not_found()
        with state.lock:
            app["tier"] = chosen
        return redirect(f"/app/manage/{app['client_id']}")
    return not_found()


def _list(state: SandboxState) -> Response:
    rows = "".join(
        f"<tr><td><a href='/app/manage/{a['client_id']}'>{escape(a['name'])}</a></td>"
        f"<td>{TYPE_LABEL[a['integration_type']]}</td><td>{tier_of(a).label}</td>"
        f"<td><code>{a['client_id']}</code></td></tr>"
        for a in state.apps.values()
    )
    heads = "<tr><th>App</th><th>Type</th><th>Plan</th><th>Client ID</th></tr>"
    table = f"<table id='apps'>{heads}{rows}</table>" if rows else "<p id='no-apps'>You have no apps yet.</p>"
    body = f"<h1>My Apps</h1>{table}<p><a class='button' id='new-app' href='/app/manage/new'>New app</a></p>"
    return html_response(page("My Apps", body))


def _form(values: dict[str, str], errors: list[str], status: int = 200) -> Response:
    def v(name: str) -> str:
        return escape(values.get(name, ""), quote=True)

    kind = values.get("integration_type", "web")
    radios = "".join(
        f"<label class='choice'><input type='radio' name='integration_type' id='type-{k}' value='{k}'"
        f"{' checked' if kind == k else ''}> {label}</label>"
        for k, label in TYPE_LABEL.items()
    )
    body = f"""<h1>Add a new app</h1>{errors_block(errors)}
<form method='post' action='/app/manage/new' id='new-app-form'>
<label for='name'>App name</label><input type='text' id='name' name='name' value='{v("name")}'>
<label>Integration type</label>{radios}
<label for='company_url'>Company or application URL</label>
<input type='url' id='company_url' name='company_url' value='{v("company_url")}'>
<label for='redirect_uris'>Redirect URI(s), one per line</label>
<textarea id='redirect_uris' name='redirect_uris' rows='4'>{v("redirect_uris")}</textarea>
<label class='choice'><input type='checkbox' id='terms' name='terms' value='yes'> I have read and agree to
the Xero Developer Platform Terms &amp; Conditions</label>
<p><button type='submit' id='create-app'>Create app</button></p></form>"""
    return html_response(page("Add a new app", body), status)


def _create(state: SandboxState, req: Request) -> Response:
    form = {k: v[0] for k, v in req.form().items()}
    uris = [u.strip() for u in form.get("redirect_uris", "").splitlines() if u.strip()]
    kind = form.get("integration_type", "")
    errors = validate_app(form.get("name", ""), kind, form.get("company_url", "").strip(), uris)
    if not form.get("terms"):
        errors.append("You must agree to the terms and conditions.")
    if errors:
        return _form(form, errors, 400)
    app = create_app(state, form["name"], kind, uris, form.get("company_url", "").strip())
    return redirect(f"/app/manage/{app['client_id']}")


def _plan(state: SandboxState, app: dict[str, Any]) -> str:
    """The app's tier with its limits and connections in use, and a form to move it to another tier."""
    used = usage(state, app)
    cap = used["connection_cap"]
    options = "".join(
        f"<option value='{t.key}'{' selected' if t.key == used['tier'] else ''}>{t.label}</option>"
        for t in TIERS.values()
    )
    return (
        f"<label>Plan</label><p id='tier'>{used['tier_label']}: {used['day_limit']:,} API calls per "
        f"organisation per day; <span id='connections'>{used['connections_in_use']} of "
        f"{'unlimited' if cap is None else f'{cap:,}'} connections in use</span>"
        f"{'' if used['certified'] else ' (uncertified)'}.</p>"
        f"<form method='post' action='/app/manage/{app['client_id']}/tier'>"
        f"<select name='tier' id='tier-choice'>{options}</select> "
        "<button type='submit' id='change-tier'>Change plan</button></form>"
    )


def _config(state: SandboxState, app: dict[str, Any], fresh_secret: str | None) -> Response:
    uris = "".join(f"<li><code>{escape(u)}</code></li>" for u in app["redirect_uris"])
    if app["integration_type"] != "web":
        secret = "<p id='no-secret'>PKCE apps (mobile or desktop) have no client secret.</p>"
    elif fresh_secret:
        secret = (
            f"<p>Copy this secret now; it will not be shown again.</p>"
            f"<div class='secret' id='client-secret'>{escape(fresh_secret)}</div>"
        )
    else:
        note = (
            "A secret has been generated (hidden). Generate a new one if you lost it."
            if app["client_secret"]
            else "No secret yet."
        )
        secret = (
            f"<p id='secret-status'>{note}</p><form method='post' "
            f"action='/app/manage/{app['client_id']}/secret'>"
            "<button type='submit' id='generate-secret'>Generate a secret</button></form>"
        )
    body = f"""<h1>{escape(app["name"])}</h1>
<p>Integration type: {TYPE_LABEL[app["integration_type"]]}</p>
<label>Client id</label><div><code id='client-id'>{app["client_id"]}</code></div>
<label>Client secret</label>{secret}
<label>Redirect URIs</label><ul id='redirect-uris'>{uris}</ul>{_plan(state, app)}
<p><a href='/app/manage'>Back to My Apps</a></p>"""
    return html_response(page(app["name"], body))
