"""The token endpoint authenticates the client before it looks at the grant (IdentityServer's order).

That lets a program check an app's secret with one request and no user: a wrong secret answers
invalid_client whatever the grant, a right one with a grant the app may not use unauthorized_client.
"""

from __future__ import annotations

import pytest
import requests

from tests.helpers.sandbox import Sandbox

GRANTS = [
    {"grant_type": "client_credentials", "scope": "accounting.invoices"},
    {
        "grant_type": "authorization_code",
        "code": "made-up",
        "redirect_uri": "http://localhost:53682/callback",
    },
    {"grant_type": "refresh_token", "refresh_token": "made-up"},
    {"grant_type": "password", "username": "u", "password": "p"},
    {"grant_type": "no-such-grant"},
    {},
]


def _post(sandbox: Sandbox, data: dict, auth: tuple[str, str] | None = None) -> requests.Response:
    return requests.post(f"{sandbox.base_url}/connect/token", data=data, auth=auth, timeout=10)


def _nothing_created(sandbox: Sandbox, app: dict) -> None:
    state = sandbox.state
    assert state.grants == {} and state.refresh_tokens == {} and state.codes == {}
    assert sandbox.control("GET", f"apps/{app['client_id']}")["connections_in_use"] == 0


@pytest.mark.parametrize("grant", GRANTS)
def test_wrong_secret_is_invalid_client_whatever_the_grant(sandbox: Sandbox, grant: dict) -> None:
    app = sandbox.app()
    by_header = _post(sandbox, grant, auth=(app["client_id"], app["client_secret"] + "x"))
    assert by_header.status_code == 400 and by_header.json() == {"error": "invalid_client"}
    in_body = _post(sandbox, {**grant, "client_id": app["client_id"], "client_secret": "wrong"})
    assert in_body.json() == {"error": "invalid_client"}
    _nothing_created(sandbox, app)


def test_right_secret_with_a_grant_the_app_may_not_use_is_unauthorized_client(sandbox: Sandbox) -> None:
    app = sandbox.app()
    probe = {"grant_type": "client_credentials", "scope": "accounting.invoices"}
    answer = _post(sandbox, probe, auth=(app["client_id"], app["client_secret"]))
    assert answer.status_code == 400 and answer.json() == {"error": "unauthorized_client"}
    assert answer.headers["Cache-Control"] == "no-store"
    in_body = {**probe, "client_id": app["client_id"], "client_secret": app["client_secret"]}
    assert _post(sandbox, in_body).json() == {"error": "unauthorized_client"}
    _nothing_created(sandbox, app)
    assert sandbox.control("GET", "counters")["token_requests"] == 2


def test_right_secret_with_an_unknown_grant_is_unsupported_grant_type(sandbox: Sandbox) -> None:
    app = sandbox.app()
    auth = (app["client_id"], app["client_secret"])
    assert _post(sandbox, {"grant_type": "no-such-grant"}, auth).json() == {"error": "unsupported_grant_type"}
    assert _post(sandbox, {}, auth).json() == {"error": "unsupported_grant_type"}


def test_unknown_client_and_missing_secret_are_invalid_client(sandbox: Sandbox) -> None:
    app = sandbox.app()
    probe = {"grant_type": "client_credentials"}
    assert _post(sandbox, probe, auth=("0" * 32, "whatever")).json() == {"error": "invalid_client"}
    assert _post(sandbox, {**probe, "client_id": app["client_id"]}).json() == {"error": "invalid_client"}
    garbled = requests.post(
        f"{sandbox.base_url}/connect/token", data=probe, headers={"Authorization": "Basic %%%"}, timeout=10
    )
    assert garbled.json() == {"error": "invalid_client"}


def test_pkce_app_is_identified_by_its_id_and_may_not_use_client_credentials(sandbox: Sandbox) -> None:
    app = sandbox.app(integration_type="mobile")
    probe = {"grant_type": "client_credentials", "client_id": app["client_id"]}
    assert _post(sandbox, probe).json() == {"error": "unauthorized_client"}
    _nothing_created(sandbox, app)
