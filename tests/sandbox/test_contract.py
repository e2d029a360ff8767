"""Sandbox responses validated against Xero's OpenAPI files (openapi-core), URLs rewritten to api.xero.com."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from tests.helpers.sandbox import Sandbox

SPECS = Path(__file__).resolve().parents[2] / "resources" / "xero-openapi"
# xero-identity.yaml declares createdDateUtc/updatedDateUtc as RFC 3339 date-time, yet Xero (and the spec's
# own example) sends them without a zone, e.g. 2019-12-07T18:46:19.5165400. Accept that shape too.
_XERO_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


@pytest.fixture(scope="module")
def accounting_spec() -> OpenAPI:
    # The accounting file fails openapi-spec-validator (a string 'false' where a boolean is required), which
    # says nothing about our responses, so the spec's own validation is switched off.
    return OpenAPI.from_file_path(str(SPECS / "xero_accounting.yaml"), config=Config(spec_validator_cls=None))


@pytest.fixture(scope="module")
def identity_spec() -> OpenAPI:
    config = Config(extra_format_validators={"date-time": lambda v: bool(_XERO_STAMP.match(str(v)))})
    return OpenAPI.from_file_path(str(SPECS / "xero-identity.yaml"), config=config)


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[Sandbox, str, str]]:
    sandbox = Sandbox(port=0)
    sandbox.start()
    tokens = sandbox.tokens(sandbox.app())
    try:
        yield sandbox, tokens["access_token"], sandbox.tenants()[0]["tenant_id"]
    finally:
        sandbox.stop()


def _check(spec: OpenAPI, response: requests.Response, xero_url: str) -> None:
    """Validate a real sandbox response as if it had come from the matching api.xero.com URL."""
    sent = response.request
    twin = requests.Request(sent.method, xero_url, headers=dict(sent.headers), data=sent.body).prepare()
    spec.validate_response(RequestsOpenAPIRequest(twin), RequestsOpenAPIResponse(response))


def _api(live: tuple[Sandbox, str, str], method: str, path: str, **kwargs: object) -> requests.Response:
    sandbox, token, tenant = live
    return sandbox.api(method, path, token, tenant, **kwargs)


API = "https://api.xero.com/api.xro/2.0/"


def test_connections_contract(identity_spec: OpenAPI, live: tuple[Sandbox, str, str]) -> None:
    sandbox, token, _ = live
    response = requests.get(
        f"{sandbox.base_url}/connections", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert response.status_code == 200 and response.json()
    _check(identity_spec, response, "https://api.xero.com/Connections")


@pytest.mark.parametrize(
    "path",
    [
        "Organisation",
        "Organisation/Actions",
        "Accounts",
        "TaxRates",
        "Items",
        "Contacts",
        "Contacts?page=1",
        "Invoices",
        "Invoices?page=1",
        "Quotes",
    ],
)
def test_read_contracts(accounting_spec: OpenAPI, live: tuple[Sandbox, str, str], path: str) -> None:
    response = _api(live, "GET", path)
    assert response.status_code == 200
    _check(accounting_spec, response, API + path)


def test_single_record_contracts(accounting_spec: OpenAPI, live: tuple[Sandbox, str, str]) -> None:
    for path, key, id_field in (
        ("Contacts", "Contacts", "ContactID"),
        ("Invoices", "Invoices", "InvoiceID"),
        ("Quotes", "Quotes", "QuoteID"),
    ):
        record_id = _api(live, "GET", path).json()[key][0][id_field]
        response = _api(live, "GET", f"{path}/{record_id}")
        assert response.status_code == 200
        _check(accounting_spec, response, f"{API}{path}/{record_id}")


def test_write_contracts(accounting_spec: OpenAPI, live: tuple[Sandbox, str, str]) -> None:
    invoice = {
        "Type": "ACCREC",
        "Contact": {"Name": "Contract Co"},
        "Reference": "contract",
        "LineItems": [{"ItemCode": "WIDGET-A", "Quantity": 2}],
    }
    created = _api(live, "PUT", "Invoices", json={"Invoices": [invoice]})
    assert created.status_code == 200
    _check(accounting_spec, created, API + "Invoices")
    contact = _api(live, "PUT", "Contacts", json={"Contacts": [{"Name": "Contract Contact Ltd"}]})
    assert contact.status_code == 200
    _check(accounting_spec, contact, API + "Contacts")


def test_validation_exception_contract(accounting_spec: OpenAPI, live: tuple[Sandbox, str, str]) -> None:
    failed = _api(
        live,
        "PUT",
        "Invoices",
        json={"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "X"}, "LineItems": []}]},
    )
    assert failed.status_code == 400 and failed.json()["Type"] == "ValidationException"
    _check(accounting_spec, failed, API + "Invoices")
