"""Every request the client sends, and the sandbox's answer to it, must agree with Xero's OpenAPI files."""

from __future__ import annotations

import pytest
import requests

from tests.helpers.contract import contract_problems
from tests.helpers.flows import connected_model

pytestmark = [
    pytest.mark.usefixtures("real_keyring"),
    # openapi-core cannot check OAuth2 security schemes; the sandbox checks the bearer token itself.
    pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning"),
]


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
