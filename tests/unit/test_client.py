"""The Accounting API client: request shapes, the 401 refresh, and error mapping, against `responses`."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest

from app.xero.client import BatchItemResult, Connection, XeroClient
from app.xero.endpoints import XeroEndpoints
from app.xero.errors import (
    MissingScope,
    NotFound,
    ReauthorisationNeeded,
    TenantChoiceNeeded,
    TenantDisconnected,
    ValidationFailed,
    XeroUnavailable,
)
from app.xero.http import RetryPolicy

EP = XeroEndpoints.real()
API = EP.api_base
TENANT = "fe79f7dd-0000-0000-0000-000000000001"


class FakeTokens:
    def __init__(self) -> None:
        self.token = "tok-1"
        self.refreshed: list[str] = []
        self.refresh_count = 0

    def access_token(self) -> str:
        return self.token

    def refresh_after_401(self, rejected: str) -> str:
        self.refreshed.append(rejected)
        self.refresh_count += 1
        self.token = f"tok-{len(self.refreshed) + 1}"
        return self.token


@pytest.fixture
def tokens() -> FakeTokens:
    return FakeTokens()


@pytest.fixture
def client(tokens: FakeTokens) -> XeroClient:
    policy = RetryPolicy(max_attempts=2, sleep=lambda _s: None)
    return XeroClient(EP, tokens, tenant_id=TENANT, policy=policy)


def query(call_index: int = -1) -> dict[str, list[str]]:
    url = responses.calls[call_index].request.url
    assert url is not None
    return parse_qs(urlsplit(url).query)


@responses.activate
def test_accounting_request_headers(client: XeroClient) -> None:
    responses.get(f"{API}/Organisation", json={"Organisations": [{"Name": "Demo Company (UK)"}]})
    assert client.organisation()["Name"] == "Demo Company (UK)"
    headers = responses.calls[0].request.headers
    assert headers["Authorization"] == "Bearer tok-1"
    assert headers["xero-tenant-id"] == TENANT
    assert headers["Accept"] == "application/json"


def test_missing_tenant_raises_tenant_choice(tokens: FakeTokens) -> None:
    client = XeroClient(EP, tokens)
    with pytest.raises(TenantChoiceNeeded, match="organisation"):
        client.accounts()


@responses.activate
def test_connections_bearer_only_and_parsed(client: XeroClient) -> None:
    responses.get(
        EP.connections_url,
        json=[
            {
                "id": "c1",
                "authEventId": "ev",
                "tenantId": "t1",
                "tenantType": "ORGANISATION",
                "tenantName": "Demo Company (UK)",
                "createdDateUtc": "2026-01-01T00:00:00",
                "updatedDateUtc": "2026-01-02T00:00:00",
            }
        ],
    )
    found = client.connections(auth_event_id="ev")
    assert found == [
        Connection(
            "c1",
            "t1",
            "Demo Company (UK)",
            "ORGANISATION",
            "ev",
            "2026-01-01T00:00:00",
            "2026-01-02T00:00:00",
        )
    ]
    assert "xero-tenant-id" not in responses.calls[0].request.headers
    assert query() == {"authEventId": ["ev"]}


@responses.activate
def test_connections_work_without_tenant(tokens: FakeTokens) -> None:
    responses.get(EP.connections_url, json=[])
    assert XeroClient(EP, tokens).connections() == []


@responses.activate
def test_delete_connection_and_unknown_is_not_found(client: XeroClient) -> None:
    responses.delete(f"{EP.connections_url}/c1", status=204)
    responses.delete(
        f"{EP.connections_url}/nope", status=404, body="The resource you're looking for cannot be found"
    )
    client.delete_connection("c1")
    with pytest.raises(NotFound):
        client.delete_connection("nope")


@responses.activate
def test_401_refreshes_once_then_succeeds(client: XeroClient, tokens: FakeTokens) -> None:
    responses.get(f"{API}/Accounts", status=401, json={"Title": "Unauthorized", "Detail": "TokenExpired: x"})
    responses.get(f"{API}/Accounts", json={"Accounts": [{"Code": "200"}]})
    assert client.accounts() == [{"Code": "200"}]
    assert tokens.refreshed == ["tok-1"]
    assert responses.calls[1].request.headers["Authorization"] == "Bearer tok-2"


@responses.activate
def test_401_twice_needs_reauthorisation(client: XeroClient, tokens: FakeTokens) -> None:
    responses.get(f"{API}/Accounts", status=401, json={"Title": "Unauthorized", "Detail": "TokenExpired: x"})
    with pytest.raises(ReauthorisationNeeded):
        client.accounts()
    assert tokens.refreshed == ["tok-1"]
    assert len(responses.calls) == 2


@responses.activate
def test_403_authentication_unsuccessful_is_tenant_disconnected(client: XeroClient) -> None:
    responses.get(
        f"{API}/Organisation", status=403, json={"Status": 403, "Detail": "AuthenticationUnsuccessful"}
    )
    with pytest.raises(TenantDisconnected):
        client.organisation()


@responses.activate
def test_403_authorization_unsuccessful_is_missing_scope(client: XeroClient) -> None:
    responses.get(f"{API}/Quotes", status=403, json={"Status": 403, "Detail": "AuthorizationUnsuccessful"})
    with pytest.raises(MissingScope):
        client.quotes()


@responses.activate
def test_400_validation_lists_element_messages(client: XeroClient) -> None:
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [
            {"ValidationErrors": [{"Message": "Email address must be valid."}]},
            {"ValidationErrors": [{"Description": "Name is required."}]},
        ],
    }
    responses.put(f"{API}/Contacts", status=400, json=body)
    with pytest.raises(ValidationFailed) as caught:
        client.put_contacts([{"Name": "A"}, {"Name": ""}])
    assert caught.value.details == ["Email address must be valid.", "Name is required."]
    assert "Email address must be valid." in str(caught.value)


@responses.activate
def test_404_plain_text_is_not_found_without_json(client: XeroClient) -> None:
    responses.get(
        f"{API}/Accounts",
        status=404,
        body="The resource you're looking for cannot be found",
        content_type="text/plain",
    )
    with pytest.raises(NotFound):
        client.accounts()


@responses.activate
def test_get_invoice_404_is_none(client: XeroClient) -> None:
    responses.get(f"{API}/Invoices/INV-9", status=404, body="The resource you're looking for cannot be found")
    assert client.get_invoice("INV-9") is None


@responses.activate
def test_get_invoice_encodes_number_as_one_segment(client: XeroClient) -> None:
    responses.get(f"{API}/Invoices/INV%2F7", json={"Invoices": [{"InvoiceNumber": "INV/7"}]})
    assert client.get_invoice("INV/7") == {"InvoiceNumber": "INV/7"}


@responses.activate
def test_500_after_retries_is_unavailable(client: XeroClient) -> None:
    responses.get(f"{API}/Items", status=500, body="oops")
    with pytest.raises(XeroUnavailable):
        client.items()
    assert len(responses.calls) == 2


@responses.activate
def test_put_invoices_sends_summarize_errors_and_key_and_parses_elements(client: XeroClient) -> None:
    responses.put(
        f"{API}/Invoices",
        json={
            "Invoices": [
                {"InvoiceID": "i-1", "Status": "DRAFT", "StatusAttributeString": "OK"},
                {
                    "HasErrors": True,
                    "StatusAttributeString": "ERROR",
                    "ValidationErrors": [{"Message": "Account code '999' is not a valid code."}],
                },
                {
                    "InvoiceID": "i-3",
                    "StatusAttributeString": "WARNING",
                    "Warnings": [{"Message": "Rounded to 2 dp."}],
                },
            ]
        },
    )
    invoices = [{"Type": "ACCREC", "Contact": {"ContactID": "c"}, "LineItems": []}] * 3
    results = client.put_invoices(invoices, idempotency_key="batch-42", unitdp=4)
    request = responses.calls[0].request
    assert query() == {"summarizeErrors": ["false"], "unitdp": ["4"]}
    assert request.headers["Idempotency-Key"] == "batch-42"
    assert isinstance(request.body, str | bytes) and json.loads(request.body) == {"Invoices": invoices}
    assert [r.ok for r in results] == [True, False, True]
    assert results[1] == BatchItemResult(
        1, False, results[1].record, ["Account code '999' is not a valid code."], []
    )
    assert results[0].record["InvoiceID"] == "i-1"
    assert results[2].warnings == ["Rounded to 2 dp."]


@responses.activate
def test_put_invoices_without_key_gets_a_fresh_one(client: XeroClient) -> None:
    responses.put(f"{API}/Invoices", json={"Invoices": []})
    client.put_invoices([{"Type": "ACCREC"}])
    assert query() == {"summarizeErrors": ["false"]}
    assert len(responses.calls[0].request.headers["Idempotency-Key"]) >= 32


def test_put_invoices_rejects_more_than_50(client: XeroClient) -> None:
    with pytest.raises(ValueError, match="50"):
        client.put_invoices([{"Type": "ACCREC"}] * 51)


@responses.activate
def test_put_retry_after_500_reuses_key(client: XeroClient) -> None:
    responses.put(f"{API}/Invoices", status=500)
    responses.put(f"{API}/Invoices", json={"Invoices": [{"StatusAttributeString": "OK"}]})
    assert client.put_invoices([{"Type": "ACCREC"}])[0].ok
    keys = {call.request.headers["Idempotency-Key"] for call in responses.calls}
    assert len(keys) == 1 and len(responses.calls) == 2


@responses.activate
def test_limits_headers_parsed(client: XeroClient) -> None:
    responses.get(
        f"{API}/TaxRates",
        json={"TaxRates": []},
        headers={
            "X-DayLimit-Remaining": "4990",
            "X-MinLimit-Remaining": "58",
            "X-AppMinLimit-Remaining": "9999",
        },
    )
    client.tax_rates()
    assert (
        client.limits.day_remaining,
        client.limits.minute_remaining,
        client.limits.app_minute_remaining,
    ) == (
        4990,
        58,
        9999,
    )


@responses.activate
def test_limits_updated_even_from_error_answers(client: XeroClient) -> None:
    responses.get(f"{API}/TaxRates", status=404, body="x", headers={"X-MinLimit-Remaining": "3"})
    with pytest.raises(NotFound):
        client.tax_rates()
    assert client.limits.minute_remaining == 3


@responses.activate
def test_find_contact_by_name_escapes_quotes(client: XeroClient) -> None:
    responses.get(f"{API}/Contacts", json={"Contacts": [{"ContactID": "c1", "Name": 'The "Best" Ltd'}]})
    found = client.find_contact_by_name('The "Best" Ltd')
    assert found == {"ContactID": "c1", "Name": 'The "Best" Ltd'}
    assert query() == {"where": ['Name=="The \\"Best\\" Ltd"']}


@responses.activate
def test_find_contact_by_name_none_when_absent(client: XeroClient) -> None:
    responses.get(f"{API}/Contacts", json={"Contacts": []})
    assert client.find_contact_by_name("Nobody") is None


@responses.activate
def test_contacts_filters(client: XeroClient) -> None:
    responses.get(f"{API}/Contacts", json={"Contacts": [{"Name": "ABC"}]})
    assert client.contacts(search_term="abc", page=2, ids=["a", "b"]) == [{"Name": "ABC"}]
    assert query() == {"searchTerm": ["abc"], "page": ["2"], "IDs": ["a,b"]}


@responses.activate
def test_invoices_filters(client: XeroClient) -> None:
    responses.get(f"{API}/Invoices", json={"Invoices": []})
    client.invoices(
        page=1,
        statuses=["DRAFT", "SUBMITTED"],
        invoice_numbers=["INV-1"],
        references=["Q-1", 'R"2'],
        created_by_my_app=True,
    )
    assert query() == {
        "page": ["1"],
        "Statuses": ["DRAFT,SUBMITTED"],
        "InvoiceNumbers": ["INV-1"],
        "where": ['Reference=="Q-1" OR Reference=="R\\"2"'],
        "createdByMyApp": ["true"],
    }


@responses.activate
def test_quotes_and_get_quote(client: XeroClient) -> None:
    responses.get(f"{API}/Quotes", json={"Quotes": [{"QuoteID": "q1"}]})
    responses.get(f"{API}/Quotes/q1", json={"Quotes": [{"QuoteID": "q1", "Status": "ACCEPTED"}]})
    assert client.quotes(status="ACCEPTED", contact_id="c1") == [{"QuoteID": "q1"}]
    assert query() == {"Status": ["ACCEPTED"], "ContactID": ["c1"]}
    assert client.get_quote("q1") == {"QuoteID": "q1", "Status": "ACCEPTED"}


@responses.activate
def test_organisation_actions(client: XeroClient) -> None:
    actions = [{"Name": "CreateDraftInvoice", "Status": "ALLOWED"}]
    responses.get(f"{API}/Organisation/Actions", json={"Actions": actions})
    assert client.organisation_actions() == actions


@responses.activate
def test_all_pages_stops_on_short_page(client: XeroClient) -> None:
    responses.get(f"{API}/Quotes", json={"Quotes": [{"n": i} for i in range(100)]})
    responses.get(f"{API}/Quotes", json={"Quotes": [{"n": 100}]})
    records = list(client.all_pages(client.quotes, status="DRAFT"))
    assert len(records) == 101
    assert [query(i)["page"] for i in (0, 1)] == [["1"], ["2"]]


SPECS = Path(__file__).resolve().parents[2] / "resources" / "xero-openapi"


@pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")
@responses.activate
def test_requests_match_xero_openapi(client: XeroClient) -> None:
    """What the client sends (paths, required headers, query types, bodies) fits Xero's own spec."""
    accounting = OpenAPI.from_file_path(
        str(SPECS / "xero_accounting.yaml"), config=Config(spec_validator_cls=None)
    )
    identity = OpenAPI.from_file_path(str(SPECS / "xero-identity.yaml"))
    contact_id = "eaa28f49-6028-4b6e-bb12-d8f6278073fc"
    for path, key in (
        ("Organisation", "Organisations"),
        ("Organisation/Actions", "Actions"),
        ("Contacts", "Contacts"),
        ("Invoices", "Invoices"),
        ("Quotes", "Quotes"),
        (f"Quotes/{contact_id}", "Quotes"),
        (f"Invoices/{contact_id}", "Invoices"),
    ):
        responses.get(f"{API}/{path}", json={key: []})
    responses.put(f"{API}/Invoices", json={"Invoices": []})
    responses.put(f"{API}/Contacts", json={"Contacts": []})
    responses.get(EP.connections_url, json=[])
    line = {"Description": "Widget", "Quantity": 2, "UnitAmount": 20.0, "AccountCode": "200"}
    client.organisation_actions()
    client.find_contact_by_name('The "Best" Ltd')
    client.contacts(search_term="acme", page=1, ids=[contact_id])
    client.put_contacts([{"Name": "ABC Limited"}], idempotency_key="k-1")
    client.invoices(
        page=1, statuses=["DRAFT"], ids=[contact_id], invoice_numbers=["INV-1"], created_by_my_app=True
    )
    client.get_invoice(contact_id)
    client.put_invoices(
        [{"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "LineItems": [line]}], unitdp=4
    )
    client.quotes(status="ACCEPTED", page=1, contact_id=contact_id)
    client.get_quote(contact_id)
    client.connections(auth_event_id=contact_id)
    for call in responses.calls:
        sent = call.request
        url = sent.url
        assert url is not None
        if url.startswith(EP.connections_url):
            # The identity spec spells the path /Connections; Xero and its docs use /connections.
            sent = sent.copy()
            sent.url = url.replace("/connections", "/Connections", 1)
            identity.validate_request(RequestsOpenAPIRequest(sent))
        else:
            accounting.validate_request(RequestsOpenAPIRequest(sent))
    assert len(responses.calls) == 10
