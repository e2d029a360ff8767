"""Every request the client sends, and the sandbox's answer to it, must agree with Xero's OpenAPI files."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from tests.flows import connected_model

SPECS = Path(__file__).resolve().parents[2] / "resources" / "xero-openapi"
pytestmark = [
    pytest.mark.usefixtures("real_keyring"),
    # openapi-core cannot check OAuth2 security schemes; the sandbox checks the bearer token itself.
    pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning"),
]


@cache
def spec(name: str) -> OpenAPI:
    # Xero's own file has string defaults on boolean fields, so skip the check of the spec itself.
    config = Config(spec_validator_cls=None, extra_format_validators={"date-time": xero_date_time})
    return OpenAPI.from_file_path(str(SPECS / name), config=config)


XERO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})?$")


def xero_date_time(value: object) -> bool:
    """Xero writes UTC times without a zone ("2019-12-07T18:46:19.5165400"), as the spec's own
    /Connections example shows, though RFC 3339 wants one; accept both forms."""
    return not isinstance(value, str) or bool(XERO_DATE_TIME.match(value))


def as_xero(prepared: requests.PreparedRequest, base_url: str) -> tuple[requests.PreparedRequest, str]:
    """The same request as it would go to api.xero.com, and the spec that describes it."""
    copy = prepared.copy()
    path = (prepared.url or "")[len(base_url) :]
    if path.startswith("/connections"):
        # Xero's paths are case-insensitive; its identity file spells the path /Connections.
        copy.url = "https://api.xero.com/Connections" + path[len("/connections") :]
        return copy, "xero-identity.yaml"
    copy.url = "https://api.xero.com" + path
    return copy, "xero_accounting.yaml"


def contract_problems(
    exchanges: list[requests.Response], base_url: str, errors_too: bool = True
) -> list[str]:
    """Every request, and every answer (or only the successful ones), checked against Xero's files;
    all mismatches are collected so one failure shows them all."""
    problems = []
    for response in exchanges:
        request, spec_name = as_xero(response.request, base_url)
        openapi = spec(spec_name)
        wrapped = RequestsOpenAPIRequest(request)
        try:
            openapi.validate_request(wrapped)
        except Exception as exc:
            problems.append(f"request {request.method} {request.path_url}: {str(exc)[:300]}")
        if not (errors_too or response.ok):
            continue
        try:
            openapi.validate_response(wrapped, RequestsOpenAPIResponse(response))
        except Exception as exc:
            problems.append(f"response {request.method} {request.path_url}: {str(exc)[:300]}")
    return problems


@pytest.fixture
def recorded(sandbox, sandbox_app, callback_ports):
    model = connected_model(sandbox, sandbox_app, callback_ports)
    exchanges: list[requests.Response] = []

    def record(response: requests.Response, *args, **kwargs) -> None:
        if "/api.xro/" in response.url or "/connections" in response.url:
            exchanges.append(response)

    model.session.hooks["response"].append(record)
    yield model, exchanges
    model.secrets().delete_all()


def test_client_requests_and_sandbox_answers_follow_the_spec(recorded, sandbox):
    model, exchanges = recorded
    client = model.client()
    client.connections()
    client.organisation()
    client.accounts()
    client.tax_rates()
    client.items()
    client.contacts(search_term="ridgeway")
    client.find_contact_by_name('Bayside "Club"')
    client.quotes(status="ACCEPTED")
    contact = client.contacts(page=1)[0]
    client.put_invoices(
        [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact["ContactID"]},
                "Date": "2026-11-26",
                "DueDate": "2026-12-10",
                "Reference": "CRM Q-1042",
                "Status": "DRAFT",
                "LineAmountTypes": "Exclusive",
                "LineItems": [
                    {"Description": "Widget", "Quantity": 2, "UnitAmount": 20.0, "AccountCode": "200"}
                ],
            },
            {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "LineItems": []},
        ],
        idempotency_key="contract-test-1",
    )
    client.invoices(references=["CRM Q-1042"])
    assert len(exchanges) >= 10
    assert contract_problems(exchanges, sandbox.base_url) == []
