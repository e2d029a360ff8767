"""Tokens are RS256 with a kid, verifiable against the JWKS the discovery document points to."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.helpers.sandbox import Sandbox


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _verify(token: str, jwks: dict) -> dict:
    """Verify as any OIDC client would: pick the JWKS key by kid, check the RS256 signature."""
    header_b64, body_b64, signature_b64 = token.split(".")
    header = json.loads(_unb64(header_b64))
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    assert key["kty"] == "RSA" and key["use"] == "sig" and key["alg"] == "RS256"
    public = rsa.RSAPublicNumbers(
        int.from_bytes(_unb64(key["e"]), "big"), int.from_bytes(_unb64(key["n"]), "big")
    ).public_key()
    public.verify(
        _unb64(signature_b64), f"{header_b64}.{body_b64}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    return json.loads(_unb64(body_b64))


def test_discovery_document_points_to_the_endpoints_and_jwks(sandbox: Sandbox) -> None:
    doc = requests.get(f"{sandbox.base_url}/.well-known/openid-configuration", timeout=10).json()
    assert doc["issuer"] == sandbox.base_url
    assert doc["jwks_uri"] == f"{sandbox.base_url}/.well-known/openid-configuration/jwks"
    assert doc["authorization_endpoint"] == f"{sandbox.base_url}/identity/connect/authorize"
    assert doc["token_endpoint"] == f"{sandbox.base_url}/connect/token"
    assert doc["revocation_endpoint"] == f"{sandbox.base_url}/connect/revocation"
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "offline_access", "accounting.invoices"} <= set(doc["scopes_supported"])


def test_access_and_id_token_verify_against_the_jwks(sandbox: Sandbox) -> None:
    app = sandbox.app()
    tokens = sandbox.tokens(app)
    doc = requests.get(f"{sandbox.base_url}/.well-known/openid-configuration", timeout=10).json()
    jwks = requests.get(doc["jwks_uri"], timeout=10).json()
    access = _verify(tokens["access_token"], jwks)
    identity = _verify(tokens["id_token"], jwks)
    assert access["iss"] == identity["iss"] == doc["issuer"]
    assert access["aud"] == f"{doc['issuer']}/resources" and identity["aud"] == app["client_id"]
    assert access["client_id"] == app["client_id"] and access["xero_userid"] == identity["xero_userid"]
    assert access["auth_time"] == identity["auth_time"] <= access["iat"] < access["exp"]
    assert identity["email"] and access["authentication_event_id"]

    # a refresh later keeps the time the user signed in, and is signed with the same published key
    sandbox.control("POST", "clock", json={"advance_seconds": 600})
    refreshed = sandbox.token(app, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    again = _verify(refreshed.json()["access_token"], jwks)
    assert again["auth_time"] == access["auth_time"] and again["iat"] >= access["iat"] + 600


def test_tampered_or_unsigned_tokens_are_refused(session: tuple) -> None:
    sandbox, _, tokens, tenant = session
    header, body, signature = tokens["access_token"].split(".")
    claims = json.loads(_unb64(body))
    claims["scope"] = [*claims["scope"], "accounting.settings"]
    tampered = f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"
    jwks = requests.get(f"{sandbox.base_url}/.well-known/openid-configuration/jwks", timeout=10).json()
    with pytest.raises(InvalidSignature):
        _verify(tampered, jwks)
    unsigned = f"{_b64(json.dumps({'alg': 'none', 'typ': 'JWT'}).encode())}.{body}."
    for token in (tampered, unsigned):
        answer = sandbox.api("GET", "Organisation", token, tenant)
        assert answer.status_code == 401 and answer.json()["Detail"] == "AuthenticationUnsuccessful"
    assert sandbox.api("GET", "Organisation", tokens["access_token"], tenant).status_code == 200
