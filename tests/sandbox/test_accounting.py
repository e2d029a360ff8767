"""Accounting API: each endpoint's happy path, filters, validation, idempotency, auth failures."""

from __future__ import annotations

import uuid

from tests.helpers.sandbox import Sandbox

Session = tuple[Sandbox, dict, dict, str]
NOT_FOUND = "The resource you're looking for cannot be found"


def _get(s: Session, path: str, **kwargs: object):
    sandbox, _, tokens, tenant = s
    return sandbox.api("GET", path, tokens["access_token"], tenant, **kwargs)


def _send(s: Session, method: str, path: str, body: object, **kwargs: object):
    sandbox, _, tokens, tenant = s
    return sandbox.api(method, path, tokens["access_token"], tenant, json=body, **kwargs)


def test_settings_endpoints(session: Session) -> None:
    org = _get(session, "Organisation")
    assert org.status_code == 200 and org.headers["Xero-Correlation-Id"]
    assert {"X-DayLimit-Remaining", "X-MinLimit-Remaining", "X-AppMinLimit-Remaining"} <= set(org.headers)
    first = org.json()["Organisations"][0]
    assert first["Name"] == "Demo Company (UK)" and first["BaseCurrency"] == "GBP"
    assert first["OrganisationID"] == session[3]
    codes = {a["Code"] for a in _get(session, "Accounts").json()["Accounts"]}
    assert {"090", "200", "260", "400"} <= codes
    rates = {r["TaxType"]: r for r in _get(session, "TaxRates").json()["TaxRates"]}
    assert rates["OUTPUT2"]["EffectiveRate"] == 20.0 and rates["OUTPUT2"]["Name"] == "20% (VAT on Income)"
    items = {i["Code"] for i in _get(session, "Items").json()["Items"]}
    assert {"DEV-HOUR", "WIDGET-A", "SUPPORT-M"} <= items
    actions = _get(session, "Organisation/Actions").json()["Actions"]
    assert {"Name": "CreateDraftInvoice", "Status": "ALLOWED"} in actions


def test_contacts_filters_and_writes(session: Session) -> None:
    found = _get(session, "Contacts", params={"where": 'Name=="acme LTD"'}).json()["Contacts"]
    assert [c["Name"] for c in found] == ["Acme Ltd"]
    assert len(_get(session, "Contacts", params={"where": 'Name="Acme Ltd"'}).json()["Contacts"]) == 1
    by_email = _get(session, "Contacts", params={"where": 'EmailAddress=="OFFICE@citylimos.example"'})
    assert by_email.json()["Contacts"][0]["Name"] == "City Limousines"
    search = _get(session, "Contacts", params={"searchTerm": "green"}).json()["Contacts"]
    assert [c["Name"] for c in search] == ["Orlena Greenville"]
    paged = _get(session, "Contacts", params={"page": 1, "pageSize": 3}).json()
    assert len(paged["Contacts"]) == 3 and paged["pagination"]["itemCount"] == 8
    one = _get(session, f"Contacts/{found[0]['ContactID']}").json()["Contacts"][0]
    assert one["Name"] == "Acme Ltd"
    assert _get(session, f"Contacts/{uuid.uuid4()}").text == NOT_FOUND
    ids = _get(session, "Contacts", params={"IDs": found[0]["ContactID"]}).json()["Contacts"]
    assert len(ids) == 1
    made = _send(
        session, "PUT", "Contacts", {"Contacts": [{"Name": "Zed Ltd", "EmailAddress": "z@zed.example"}]}
    )
    assert made.status_code == 200 and made.json()["Contacts"][0]["ContactID"]
    dup = _send(session, "PUT", "Contacts", {"Name": "zed ltd"})
    assert (
        dup.status_code == 400
        and "already assigned" in dup.json()["Elements"][0]["ValidationErrors"][0]["Message"]
    )
    updated = _send(session, "POST", "Contacts", {"Name": "Zed Ltd", "FirstName": "Zed"})
    assert updated.json()["Contacts"][0]["FirstName"] == "Zed"


def test_invoices_create_and_read(session: Session) -> None:
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"Name": "Brand New Customer"},
                "Reference": "CRM Q-1",
                "LineItems": [
                    {"ItemCode": "DEV-HOUR", "Quantity": 2},
                    {
                        "Description": "Widget",
                        "Quantity": 3,
                        "UnitAmount": 10.125,
                        "AccountCode": "200",
                        "TaxType": "ZERORATEDOUTPUT",
                    },
                ],
            }
        ]
    }
    created = _send(session, "PUT", "Invoices", body, params={"unitdp": 4})
    assert created.status_code == 200, created.text
    inv = created.json()["Invoices"][0]
    assert inv["Status"] == "DRAFT" and inv["InvoiceNumber"] == "INV-0004"
    assert inv["LineItems"][0]["UnitAmount"] == 95.0 and inv["LineItems"][0]["AccountCode"] == "200"
    assert inv["LineItems"][1]["UnitAmount"] == 10.125 and inv["LineItems"][1]["LineAmount"] == 30.38
    assert inv["SubTotal"] == 220.38 and inv["TotalTax"] == 38.0 and inv["Total"] == 258.38
    assert inv["Date"].startswith("/Date(") and inv["StatusAttributeString"] == "OK"
    contacts = _get(session, "Contacts", params={"where": 'Name=="Brand New Customer"'}).json()["Contacts"]
    assert contacts[0]["ContactID"] == inv["Contact"]["ContactID"]
    assert _get(session, "Invoices/INV-0004").json()["Invoices"][0]["InvoiceID"] == inv["InvoiceID"]
    assert _get(session, f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]["LineItems"]
    mine = _get(session, "Invoices", params={"createdByMyApp": "true"}).json()["Invoices"]
    assert [i["InvoiceID"] for i in mine] == [inv["InvoiceID"]] and "LineItems" not in mine[0]
    assert len(_get(session, "Invoices", params={"where": 'Reference=="CRM Q-1"'}).json()["Invoices"]) == 1
    assert len(_get(session, "Invoices", params={"searchTerm": "crm q"}).json()["Invoices"]) == 1
    assert len(_get(session, "Invoices", params={"Statuses": "DRAFT,SUBMITTED"}).json()["Invoices"]) == 3
    assert len(_get(session, "Invoices", params={"InvoiceNumbers": "INV-0001"}).json()["Invoices"]) == 1
    paged = _get(session, "Invoices", params={"page": 1}).json()
    assert paged["pagination"]["itemCount"] == 4 and paged["Invoices"][0]["LineItems"]
    auth = _send(session, "POST", "Invoices", {"InvoiceID": inv["InvoiceID"], "Status": "AUTHORISED"})
    assert auth.status_code == 200 and auth.json()["Invoices"][0]["Status"] == "AUTHORISED"
    dup = _send(session, "PUT", "Invoices", {**body["Invoices"][0], "InvoiceNumber": "INV-0004"})
    assert "Invoice # must be unique." in dup.text
    assert _get(session, "Invoices/INV-9999").status_code == 404


def test_invoice_validation_modes(session: Session) -> None:
    good = {
        "Type": "ACCREC",
        "Contact": {"Name": "Acme Ltd"},
        "LineItems": [{"Description": "ok", "Quantity": 1, "UnitAmount": 5, "AccountCode": "200"}],
    }
    bad = [
        {"Type": "ACCREC", "Contact": {"ContactID": str(uuid.uuid4())}, "LineItems": [{"Description": "x"}]},
        {"Type": "ACCREC", "Contact": {"Name": "Acme Ltd"}, "LineItems": []},
        {
            "Type": "ACCREC",
            "Contact": {"Name": "Acme Ltd"},
            "LineAmountTypes": "Gross",
            "LineItems": [{"Description": "x" * 4001, "AccountCode": "999", "TaxType": "OUTPUT"}],
        },
        {"Type": "SALES", "Contact": {}, "Status": "PAID", "LineItems": [{"Description": "x"}]},
    ]
    summarised = _send(session, "PUT", "Invoices", {"Invoices": [good, *bad]})
    assert summarised.status_code == 400
    error = summarised.json()
    assert error["ErrorNumber"] == 10 and error["Type"] == "ValidationException"
    assert error["Message"] == "A validation exception occurred" and len(error["Elements"]) == 4
    messages = " ".join(m["Message"] for e in error["Elements"] for m in e["ValidationErrors"])
    for part in (
        "could not be found",
        "At least one line item",
        "4000",
        "Account code '999'",
        "TaxType code 'OUTPUT'",
        "LineAmountTypes",
        "ACCREC or ACCPAY",
        "at least 1 of the following",
    ):
        assert part in messages
    assert len(_get(session, "Invoices", params={"createdByMyApp": "true"}).json()["Invoices"]) == 1
    detailed = _send(
        session, "PUT", "Invoices", {"Invoices": [good, bad[1]]}, params={"summarizeErrors": "false"}
    )
    assert detailed.status_code == 200
    ok, failed = detailed.json()["Invoices"]
    assert ok["StatusAttributeString"] == "OK" and ok["InvoiceID"]
    assert failed["HasErrors"] is True and failed["StatusAttributeString"] == "ERROR"
    assert failed["ValidationErrors"][0]["Message"]


def test_idempotency(session: Session) -> None:
    body = {
        "Type": "ACCREC",
        "Contact": {"Name": "Acme Ltd"},
        "LineItems": [{"Description": "a", "Quantity": 1, "UnitAmount": 1}],
    }
    key = {"Idempotency-Key": "key-1"}
    first = _send(session, "PUT", "Invoices", body, headers=key)
    again = _send(session, "PUT", "Invoices", body, headers=key)
    assert first.status_code == again.status_code == 200
    assert first.json()["Invoices"][0]["InvoiceID"] == again.json()["Invoices"][0]["InvoiceID"]
    assert len(_get(session, "Invoices", params={"createdByMyApp": "true"}).json()["Invoices"]) == 1
    other = _send(session, "PUT", "Invoices", {**body, "Reference": "changed"}, headers=key)
    assert other.status_code == 400 and "is used with a different request" in other.json()["Message"]
    assert _send(session, "PUT", "Invoices", body, headers={"Idempotency-Key": "k" * 129}).status_code == 400
    session[0].control("POST", "clock", json={"advance_seconds": 361})
    later = _send(session, "PUT", "Invoices", body, headers=key)
    assert later.json()["Invoices"][0]["InvoiceID"] != first.json()["Invoices"][0]["InvoiceID"]


def test_quotes(session: Session) -> None:
    quotes = _get(session, "Quotes").json()["Quotes"]
    assert len(quotes) >= 10
    assert {q["Status"] for q in quotes} == {"DRAFT", "SENT", "ACCEPTED", "DECLINED", "INVOICED"}
    assert {q["LineAmountTypes"] for q in quotes} <= {"EXCLUSIVE", "INCLUSIVE", "NOTAX"}
    accepted = _get(session, "Quotes", params={"Status": "ACCEPTED"}).json()["Quotes"]
    assert accepted and all(q["Status"] == "ACCEPTED" for q in accepted)
    one = _get(session, f"Quotes/{quotes[0]['QuoteID']}").json()["Quotes"][0]
    assert one["QuoteNumber"] == "QU-0001" and one["LineItems"]
    by_contact = _get(session, "Quotes", params={"ContactID": one["Contact"]["ContactID"]}).json()["Quotes"]
    assert all(q["Contact"]["ContactID"] == one["Contact"]["ContactID"] for q in by_contact)
    assert len(_get(session, "Quotes", params={"QuoteNumber": "QU-0002"}).json()["Quotes"]) == 1
    window = _get(session, "Quotes", params={"DateFrom": "2026-01-10", "DateTo": "2026-01-20"}).json()[
        "Quotes"
    ]
    assert 0 < len(window) < len(quotes)


def test_auth_failures(session: Session) -> None:
    sandbox, _, tokens, tenant = session
    missing = sandbox.api("GET", "Organisation", "garbage", tenant)
    assert missing.status_code == 401 and missing.json()["Detail"] == "AuthenticationUnsuccessful"
    assert missing.json()["Title"] == "Unauthorized" and missing.json()["Extensions"] == {}
    no_tenant = sandbox.api("GET", "Organisation", tokens["access_token"], None)
    assert no_tenant.status_code == 403 and no_tenant.json()["Detail"] == "AuthenticationUnsuccessful"
    nz = sandbox.tenants()[1]["tenant_id"]
    assert sandbox.api("GET", "Organisation", tokens["access_token"], nz).status_code == 403
    assert sandbox.api("GET", "Nope", tokens["access_token"], tenant).text == NOT_FOUND
    sandbox.control("POST", "clock", json={"advance_seconds": 1801})
    expired = sandbox.api("GET", "Organisation", tokens["access_token"], tenant)
    assert expired.status_code == 401
    assert expired.json()["Detail"].startswith("TokenExpired: token expired at ")


def test_missing_scope(sandbox: Sandbox) -> None:
    app = sandbox.app()
    tokens = sandbox.tokens(app, "openid offline_access accounting.contacts.read")
    tenant = sandbox.tenants()[0]["tenant_id"]
    assert sandbox.api("GET", "Contacts", tokens["access_token"], tenant).status_code == 200
    for method, path in (("GET", "Invoices"), ("GET", "Organisation"), ("PUT", "Contacts")):
        denied = sandbox.api(method, path, tokens["access_token"], tenant, json={"Name": "x"})
        assert denied.status_code == 403 and denied.json()["Detail"] == "AuthorizationUnsuccessful"


def test_idempotency_while_the_first_request_is_still_in_flight(session: Session) -> None:
    """The key is taken when the request arrives: a second request with it while the first is still
    being processed gets 409 and creates nothing; once the first is done its answer is replayed."""
    import threading

    sandbox, _, _, tenant = session
    body = {
        "Type": "ACCREC",
        "Contact": {"Name": "Acme Ltd"},
        "Reference": "IN-FLIGHT",
        "LineItems": [{"Description": "a", "Quantity": 1, "UnitAmount": 1}],
    }
    key = {"Idempotency-Key": "in-flight-1"}
    sandbox.control(
        "POST",
        "faults",
        json={"kind": "delay", "delay_seconds": 1.5, "count": 1, "path_prefix": "/api.xro/2.0/Invoices"},
    )
    answers: list = []
    put = lambda: answers.append(_send(session, "PUT", "Invoices", body, headers=key))  # noqa: E731
    first = threading.Thread(target=put)
    first.start()
    state, wait = sandbox.state, threading.Event()
    while not any(state.in_flight.values()):
        wait.wait(0.01)
    busy = _send(session, "PUT", "Invoices", body, headers=key)
    other = _send(session, "PUT", "Invoices", {**body, "Reference": "x"}, headers=key)
    first.join()
    assert busy.status_code == 409 and "still being processed" in busy.json()["Message"]
    assert other.status_code == 400 and "is used with a different request" in other.json()["Message"]
    replay = _send(session, "PUT", "Invoices", body, headers=key)
    [original] = answers
    assert original.status_code == replay.status_code == 200
    assert original.json()["Invoices"][0]["InvoiceID"] == replay.json()["Invoices"][0]["InvoiceID"]
    held = [i for i in state.orgs[tenant]["invoices"] if i.get("Reference") == "IN-FLIGHT"]
    assert len(held) == 1
