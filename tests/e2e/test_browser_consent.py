"""The consent step end to end in a real browser: Chromium loads the sandbox's consent page, the
test clicks Allow (or Cancel), and the browser itself delivers the redirect to the loopback listener."""

from __future__ import annotations

import pytest

from app.model import ConnectionModel
from app.xero.errors import ConsentRefused
from tests.browser import allow_in_browser

pytestmark = pytest.mark.usefixtures("real_keyring")


def prepared_model(sandbox, sandbox_app, callback_ports) -> ConnectionModel:
    model = ConnectionModel("sandbox", listener_timeout=60)
    model.settings.sandbox_url = sandbox.base_url
    model.settings.redirect_ports = callback_ports
    model.save_credentials(sandbox_app.client_id, sandbox_app.client_secret)
    return model


def test_allow_in_chromium_connects_and_shows_the_success_page(
    chromium, sandbox, sandbox_app, callback_ports
):
    model = prepared_model(sandbox, sandbox_app, callback_ports)
    attempt = model.begin_authorization()
    page = allow_in_browser(chromium, attempt.url)
    outcome = attempt.wait()
    assert "authorised" in page.lower() and "close this tab" in page.lower()
    assert "code=" not in page
    assert [c.tenant_name for c in outcome.connections] == ["Demo Company (UK)"]
    assert model.check_connection().message == "Connection attempt successful: Demo Company (UK)"
    model.secrets().delete_all()


def test_cancel_in_chromium_shows_xeros_refusal(chromium, sandbox, sandbox_app, callback_ports):
    model = prepared_model(sandbox, sandbox_app, callback_ports)
    attempt = model.begin_authorization()
    page = allow_in_browser(chromium, attempt.url, button="cancel")
    with pytest.raises(ConsentRefused) as refused:
        attempt.wait()
    assert str(refused.value) in page
    assert model.secrets().token_set() is None
    model.secrets().delete_all()
