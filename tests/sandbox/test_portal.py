"""Developer portal: create an app through the HTML form, generate a secret once, form validation."""

from __future__ import annotations

import re

import pytest
import requests

from tests.helpers.sandbox import REDIRECT, Sandbox


def _form(**overrides: str) -> dict[str, str]:
    return {
        "name": "Portal app",
        "integration_type": "web",
        "company_url": "https://example.com",
        "redirect_uris": REDIRECT + "\nhttps://app.example.com/cb",
        "terms": "yes",
        **overrides,
    }


def test_create_app_and_generate_secret_once(sandbox: Sandbox) -> None:
    listing = requests.get(f"{sandbox.base_url}/app/manage", timeout=5)
    assert "My Apps" in listing.text and "New app" in listing.text
    assert 'id="name"' in requests.get(f"{sandbox.base_url}/app/manage/new", timeout=5).text.replace("'", '"')
    created = requests.post(
        f"{sandbox.base_url}/app/manage/new", data=_form(), allow_redirects=False, timeout=5
    )
    assert created.status_code == 302
    page_url = sandbox.base_url + created.headers["Location"]
    client_id = created.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"[0-9A-F]{32}", client_id)
    config = requests.get(page_url, timeout=5).text
    assert client_id in config and REDIRECT in config and "Generate a secret" in config
    shown = requests.post(page_url + "/secret", timeout=5).text
    found = re.search(r"id='client-secret'>([^<]+)<", shown)
    assert found, shown
    secret = found.group(1)
    assert re.fullmatch(r"[A-Za-z0-9_-]{48}", secret)
    assert secret not in requests.get(page_url, timeout=5).text
    app = next(a for a in sandbox.control("GET", "apps") if a["client_id"] == client_id)
    assert app["client_secret"] == secret and app["integration_type"] == "web"
    assert "Portal app" in requests.get(f"{sandbox.base_url}/app/manage", timeout=5).text


def test_mobile_app_has_no_secret(sandbox: Sandbox) -> None:
    created = requests.post(
        f"{sandbox.base_url}/app/manage/new", data=_form(integration_type="mobile"), timeout=5
    )
    assert "no client secret" in created.text and "Generate a secret" not in created.text


def test_form_validation_messages(sandbox: Sandbox) -> None:
    bad = _form(name="", redirect_uris="http://example.com/cb\nhttps://*.example.com/cb", terms="")
    del bad["terms"]
    response = requests.post(f"{sandbox.base_url}/app/manage/new", data=bad, timeout=5)
    assert response.status_code == 400
    text = response.text
    assert "App name is required." in text
    assert "must use https" in text and "wildcards" in text and "terms and conditions" in text
    assert sandbox.control("GET", "apps") == []


@pytest.mark.parametrize("name", ["Xero Connect", "my xero sync", "ACME-XERO", "Inxeroduction"])
def test_portal_refuses_a_name_with_xero_in_any_case(sandbox: Sandbox, name: str) -> None:
    response = requests.post(f"{sandbox.base_url}/app/manage/new", data=_form(name=name), timeout=5)
    assert response.status_code == 400
    assert "App name cannot include the word &quot;Xero&quot;." in response.text
    assert name in response.text  # the form keeps what was typed so it can be corrected
    assert sandbox.control("GET", "apps") == []


def test_control_api_refuses_xero_in_a_name_unless_told_to_allow_it(sandbox: Sandbox) -> None:
    body = {"name": "Xero Connect", "redirect_uris": [REDIRECT]}
    refused = requests.post(f"{sandbox.base_url}/sandbox/apps", json=body, timeout=5)
    assert refused.status_code == 400
    assert refused.json()["error"] == 'App name cannot include the word "Xero".'
    allowed = sandbox.control("POST", "apps", json={**body, "allow_xero_in_name": True})
    assert allowed["name"] == "Xero Connect"
    assert sandbox.app(name="Acme CRM invoicing")["name"] == "Acme CRM invoicing"
