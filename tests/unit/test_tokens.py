"""TokenManager: refresh before expiry, after a 401, single-flight, keyring first, grace retry."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs

import keyring
import pytest
import requests
import responses

from app.secrets import SecretStore
from app.tokens import TokenManager
from app.xero.endpoints import XeroEndpoints
from app.xero.errors import ReauthorisationNeeded
from app.xero.oauth import AppCredentials
from app.xero.tokenset import TokenSet
from tests.helpers.keyrings import MemoryKeyring

ENDPOINTS = XeroEndpoints.real()
CREDS = AppCredentials("A" * 32, "s" * 48)
NOW = 1_800_000_000.0


@pytest.fixture
def store():
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    store = SecretStore("xero", CREDS.client_id)
    store.save_token_set(
        TokenSet("at-0", "rt-0", NOW + 1800, ["openid"], id_token="idt", refresh_issued_at=NOW)
    )
    yield store
    keyring.set_keyring(previous)


def manager(store: SecretStore, tmp_path, clock=lambda: NOW) -> TokenManager:
    return TokenManager(ENDPOINTS, lambda: CREDS, store, tmp_path / "refresh.lock", requests.Session(), clock)


def token_answer(counter: list[int], store: SecretStore | None = None, seen: list[str] | None = None):
    def callback(request):
        form = parse_qs(request.body)
        if seen is not None:
            seen.append(form["refresh_token"][0])
        counter[0] += 1
        n = counter[0]
        body = {
            "access_token": f"at-{n}",
            "refresh_token": f"rt-{n}",
            "expires_in": 1800,
            "token_type": "Bearer",
            "scope": "openid offline_access",
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    return callback


@responses.activate
def test_valid_token_is_used_without_refresh(store, tmp_path):
    assert manager(store, tmp_path).access_token() == "at-0"
    assert len(responses.calls) == 0


@responses.activate
def test_refresh_shortly_before_expiry_stores_the_rotated_token_first(store, tmp_path):
    counter = [0]
    responses.add_callback(responses.POST, ENDPOINTS.token_url, callback=token_answer(counter))
    tokens = manager(store, tmp_path, clock=lambda: NOW + 1750)
    assert tokens.access_token() == "at-1"
    saved = store.token_set()
    assert saved.refresh_token == "rt-1" and saved.access_token == "at-1"
    assert saved.id_token == "idt"  # kept: a refresh answer may carry no ID token


@responses.activate
def test_refresh_is_single_flight_across_threads(store, tmp_path):
    counter = [0]
    responses.add_callback(responses.POST, ENDPOINTS.token_url, callback=token_answer(counter))
    results: list[str] = []
    managers = [manager(store, tmp_path) for _ in range(8)]  # like wizard, tray and drafting at once
    threads = [
        threading.Thread(target=lambda m=m: results.append(m.refresh_after_401("at-0"))) for m in managers
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter[0] == 1
    assert set(results) == {"at-1"}


@responses.activate
def test_a_lost_refresh_answer_is_retried_with_the_same_refresh_token(store, tmp_path):
    seen: list[str] = []
    counter = [0]
    responses.add(responses.POST, ENDPOINTS.token_url, body=requests.ConnectionError("reset"))
    responses.add_callback(responses.POST, ENDPOINTS.token_url, callback=token_answer(counter, seen=seen))
    assert manager(store, tmp_path).refresh_after_401("at-0") == "at-1"
    assert seen == ["rt-0"]
    assert store.token_set().refresh_token == "rt-1"


@responses.activate
def test_invalid_grant_asks_for_reauthorisation_and_keeps_the_stored_tokens(store, tmp_path):
    responses.add(responses.POST, ENDPOINTS.token_url, status=400, json={"error": "invalid_grant"})
    with pytest.raises(ReauthorisationNeeded):
        manager(store, tmp_path).refresh_after_401("at-0")
    assert store.token_set().refresh_token == "rt-0"


def test_nothing_stored_is_a_sentence(tmp_path):
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        with pytest.raises(ReauthorisationNeeded, match="not authorised yet"):
            manager(SecretStore("xero", CREDS.client_id), tmp_path).access_token()
    finally:
        keyring.set_keyring(previous)


def test_refresh_token_days_left_counts_from_its_issue():
    tokens = TokenSet("a", "r", NOW, refresh_issued_at=NOW)
    assert tokens.refresh_days_left(NOW) == 60
    assert tokens.refresh_days_left(NOW + 1) == 60
    assert tokens.refresh_days_left(NOW + 59.5 * 86400) == 1
    assert tokens.refresh_days_left(NOW + 60 * 86400) == 0
    secret = TokenSet("ACCESS-VALUE", "REFRESH-VALUE", NOW, id_token="ID-VALUE")
    assert not {"ACCESS-VALUE", "REFRESH-VALUE", "ID-VALUE"} & set(repr(secret).replace(",", " ").split())
    assert "VALUE" not in repr(secret)
