"""The consent step end to end in a real browser: Chromium loads the sandbox's consent page, the
test clicks Allow (or Cancel), and the browser itself delivers the redirect to the loopback listener."""

from __future__ import annotations

import socket

import pytest

from app.model import ConnectionModel
from app.xero.errors import ConsentRefused
from tests.helpers.browser import allow_in_browser

pytestmark = pytest.mark.usefixtures("real_keyring")


def prepared_model(sandbox, sandbox_app, callback_ports) -> ConnectionModel:
    model = ConnectionModel("sandbox", listener_timeout=60)
    model.settings.sandbox_url = sandbox.base_url
    model.settings.redirect_ports = callback_ports
    model.save_credentials(sandbox_app.client_id, sandbox_app.client_secret)
    return model


def test_allow_in_chromium_connects_and_shows_the_success_page(
    chromium, sandbox, sandbox_app, callback_ports, shots_dir
):
    model = prepared_model(sandbox, sandbox_app, callback_ports)
    attempt = model.begin_authorization()
    page = allow_in_browser(chromium, attempt.url)
    outcome = attempt.wait()
    assert "authorised" in page.lower() and "close this tab" in page.lower()
    assert "code=" not in page
    # The logo is drawn: the page's Content-Security-Policy lets its data: image through.
    assert chromium.execute_script("return document.querySelector('img.logo').naturalWidth") > 0
    chromium.save_screenshot(str(shots_dir / "consent-success-page.png"))
    assert [c.tenant_name for c in outcome.connections] == ["Demo Company (UK)"]
    assert model.settings.tenant_id == ""  # a first connect: the admin confirms the organisation
    model.choose_tenant(outcome.connections[0])
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


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(
    not ipv6_loopback_available(),
    reason="no IPv6 loopback (::1) here: Chromium can only reach localhost on 127.0.0.1, which the "
    "listener holds alone",
)
def test_a_program_squatting_ipv6_loopback_during_the_wait_cannot_take_the_redirect(
    chromium, sandbox, sandbox_app, callback_ports, monkeypatch
):
    """Chromium resolves localhost to ::1 first. A program that tries to listen on [::1]:PORT once the
    listener waits is refused (the listener holds it), so Chromium's redirect reaches Xero Connect,
    over ::1."""
    from app.xero import loopback

    peers: list[str] = []
    served = loopback._CallbackHandler.do_GET

    def noting_the_peer(handler: loopback._CallbackHandler) -> None:
        peers.append(handler.client_address[0])
        served(handler)

    monkeypatch.setattr(loopback._CallbackHandler, "do_GET", noting_the_peer)
    model = prepared_model(sandbox, sandbox_app, callback_ports)
    attempt = model.begin_authorization()
    assert attempt.listener is not None and attempt.listener.ipv6_address == ("::1", attempt.listener.port)
    squatter = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    squatter.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        with pytest.raises(OSError):
            squatter.bind(("::1", attempt.listener.port))
            squatter.listen(1)
        page = allow_in_browser(chromium, attempt.url)
        outcome = attempt.wait()
    finally:
        squatter.close()
    assert "authorised" in page.lower()
    assert [c.tenant_name for c in outcome.connections] == ["Demo Company (UK)"]
    assert "::1" in peers, peers  # what a browser really does with localhost
    model.secrets().delete_all()
