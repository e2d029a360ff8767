"""Plain http is allowed only to this computer: the host is parsed, never matched by its prefix."""

from __future__ import annotations

import time

import pytest

from app.embedded_sandbox import ensure_sandbox
from app.errors import InvalidInput
from app.model import ConnectionModel
from app.xero.endpoints import is_loopback
from app.xero.tokenset import TokenSet

HOSTILE = [
    "http://127.attacker.example:8765",
    "http://127.0.0.1.attacker.example:8765",
    "http://localhost.attacker.example:8765",
    "http://127.0.0.1@attacker.example:8765",
    "http://127.0.0.1:8765\\@attacker.example",
    "http://0x7f.0.0.1:8765",
    "http://[::ffff:7f00:1]:8765",
    "http://attacker.example:8765",
]
LOCAL = [
    "http://127.0.0.1:8765",
    "http://localhost:8765",
    "http://[::1]:8765",
    "http://127.5.6.7:8765",
    "http://LOCALHOST:8765",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_a_look_alike_of_loopback_is_not_loopback(url):
    assert not is_loopback(url)


@pytest.mark.parametrize("url", LOCAL)
def test_literal_loopback_addresses_and_localhost_are(url):
    assert is_loopback(url)


@pytest.mark.usefixtures("real_keyring")
@pytest.mark.parametrize("url", HOSTILE)
def test_no_credential_or_token_goes_over_http_to_a_look_alike_host(url):
    """The sandbox profile pointed at such an address: sign-in, every API call and a refresh are
    refused with one sentence before anything is sent, and no embedded sandbox is started for it."""
    model = ConnectionModel("sandbox")
    model.settings.sandbox_url = url
    model.save_credentials("A" * 32, "s3cret-value-" + "x" * 35)
    try:
        with pytest.raises(InvalidInput, match="only to this computer") as caught:
            model.begin_authorization(use_listener=False)
        assert "s3cret" not in str(caught.value)
        now = time.time()
        fresh = TokenSet("access-token-value", "refresh-token-value", now + 1800, refresh_issued_at=now)
        model.secrets().save_token_set(fresh)
        with pytest.raises(InvalidInput, match="only to this computer"):
            model.tenants()  # GET /connections with the access token
        expired = TokenSet("old", "refresh-token-value", now - 10, refresh_issued_at=now)
        model.secrets().save_token_set(expired)
        model.reload()
        with pytest.raises(InvalidInput, match="only to this computer"):
            model.tenants()  # the refresh POST first
        assert ensure_sandbox(url) is None
    finally:
        model.secrets().delete_all()
