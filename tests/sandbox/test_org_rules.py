"""The organisation's own rules as Xero has them: currencies, tracking, lock dates, roles, history, Url."""

from __future__ import annotations

from tests.helpers.sandbox import Sandbox

Session = tuple[Sandbox, dict, dict, str]


def _call(s: Session, method: str, path: str, body: object = None, **kwargs: object):
    sandbox, _, tokens, tenant = s
    if body is not None:
        kwargs["json"] = body
    return sandbox.api(method, path, tokens["access_token"], tenant, **kwargs)


def _invoice(line: dict | None = None, **fields: object) -> dict:
    item = {
        "Description": "Work",
        "Quantity": 1,
        "UnitAmount": 100,
        "AccountCode": "200",
        "TaxType": "OUTPUT2",
        **(line or {}),
    }
    return {"Type": "ACCREC", "Contact": {"Name": "Acme Ltd"}, "LineItems": [item], **fields}


def _put(s: Session, invoice: dict) -> dict:
    answer = _call(s, "PUT", "Invoices", {"Invoices": [invoice]}, params={"summarizeErrors": "false"})
    assert answer.status_code == 200, answer.text
    return answer.json()["Invoices"][0]


def _errors(element: dict) -> list[str]:
    return [e["Message"] for e in element.get("ValidationErrors", [])]


def test_currencies_are_served_as_the_openapi_shapes_them_and_only_enabled_ones_invoice(session: Session):
    body = _call(session, "GET", "Currencies").json()
    assert {"Id", "Status", "ProviderName", "DateTimeUTC", "Currencies"} <= set(body)
    assert body["Currencies"] == [
        {"Code": "GBP", "Description": "British Pound"},
        {"Code": "EUR", "Description": "Euro"},
        {"Code": "USD", "Description": "United States Dollar"},
    ]
    only_usd = _call(session, "GET", "Currencies", params={"where": 'Code=="USD"'}).json()["Currencies"]
    assert [c["Code"] for c in only_usd] == ["USD"]
    euro = _put(session, _invoice(CurrencyCode="EUR"))
    assert euro["StatusAttributeString"] == "OK" and euro["CurrencyCode"] == "EUR"
    assert euro["CurrencyRate"] != 1.0
    yen = _put(session, _invoice(CurrencyCode="JPY"))
    assert _errors(yen) == ["Organisation is not subscribed to currency JPY"]
    base = _put(session, _invoice())
    assert (base["CurrencyCode"], base["CurrencyRate"]) == ("GBP", 1.0)


def test_tracking_categories_are_served_and_checked_on_line_items(session: Session):
    categories = _call(session, "GET", "TrackingCategories").json()["TrackingCategories"]
    assert [(c["Name"], [o["Name"] for o in c["Options"]]) for c in categories] == [
        ("Region", ["North", "South"]),
        ("Department", ["Sales", "Support"]),
    ]
    with_archived = _call(session, "GET", "TrackingCategories", params={"includeArchived": "true"}).json()
    assert "West" in [o["Name"] for o in with_archived["TrackingCategories"][0]["Options"]]
    region = categories[0]
    ok = _put(
        session,
        _invoice(
            line={
                "Tracking": [{"Name": "region", "Option": "NORTH"}, {"Name": "Department", "Option": "Sales"}]
            }
        ),
    )
    assert ok["StatusAttributeString"] == "OK"
    assert ok["LineItems"][0]["Tracking"][0] == {
        "TrackingCategoryID": region["TrackingCategoryID"],
        "Name": "Region",
        "Option": "North",
        "TrackingOptionID": region["Options"][0]["TrackingOptionID"],
    }
    south = {
        "TrackingCategoryID": region["TrackingCategoryID"],
        "TrackingOptionID": region["Options"][1]["TrackingOptionID"],
    }
    by_id = _put(session, _invoice(line={"Tracking": [south]}))
    assert by_id["LineItems"][0]["Tracking"][0]["Option"] == "South"
    archived = _put(session, _invoice(line={"Tracking": [{"Name": "Region", "Option": "West"}]}))
    assert _errors(archived) == [
        "The tracking option 'West' does not exist or is not active for the tracking category 'Region'."
    ]
    unknown = _put(session, _invoice(line={"Tracking": [{"Name": "Area", "Option": "North"}]}))
    assert _errors(unknown) == ["The tracking category 'Area' does not exist or is not active."]
    three = [
        {"Name": "Region", "Option": "North"},
        {"Name": "Department", "Option": "Sales"},
        {"Name": "Region", "Option": "South"},
    ]
    assert _errors(_put(session, _invoice(line={"Tracking": three}))) == [
        "A line item can have at most 2 tracking categories (line item 1)."
    ]


def test_tax_is_rounded_per_line_half_away_from_zero(session: Session):
    # 2.50 at 5 % is 0.125: Xero rounds it to 0.13 (half away from zero), not 0.12 (banker's rounding).
    half = _put(session, _invoice(line={"UnitAmount": 2.5, "TaxType": "RROUTPUT"}))
    assert (half["LineItems"][0]["TaxAmount"], half["TotalTax"], half["Total"]) == (0.13, 0.13, 2.63)
    credit = _put(session, _invoice(line={"UnitAmount": -2.5, "TaxType": "RROUTPUT"}))
    assert credit["LineItems"][0]["TaxAmount"] == -0.13
    line = _invoice(line={"UnitAmount": 45.45, "TaxType": "RROUTPUT"})["LineItems"][0]
    both = _put(session, {**_invoice(), "LineItems": [line, dict(line)]})
    # Per line: 2.2725 → 2.27 twice = 4.54; per invoice it would be 90.90 × 5 % = 4.545 → 4.55.
    assert (both["TotalTax"], both["Total"]) == (4.54, 95.44)


def _org(s: Session, **body: object) -> dict:
    sandbox, _, _, tenant = s
    return sandbox.control("POST", f"organisations/{tenant}", json=body)


def test_lock_dates_refuse_documents_dated_on_or_before_them(session: Session):
    answer = _org(session, period_lock_date="2026-03-31", end_of_year_lock_date="2025-12-31")
    assert answer["organisation"]["PeriodLockDate"] == "/Date(1774915200000+0000)/"
    org = _call(session, "GET", "Organisation").json()["Organisations"][0]
    assert org["EndOfYearLockDate"] == "/Date(1767139200000+0000)/"
    assert _errors(_put(session, _invoice(Date="2025-12-31"))) == [
        "The document date cannot be on or before the end of year lock date (2025-12-31)."
    ]
    assert _errors(_put(session, _invoice(Date="2026-03-31"))) == [
        "The document date cannot be on or before the period lock date (2026-03-31)."
    ]
    assert _put(session, _invoice(Date="2026-04-01"))["StatusAttributeString"] == "OK"
    _org(session, user_role="FINANCIALADVISER")  # advisers may still change the locked period
    assert _put(session, _invoice(Date="2026-03-31"))["StatusAttributeString"] == "OK"
    assert _errors(_put(session, _invoice(Date="2025-06-30")))  # but not before the end-of-year lock


def test_a_read_only_user_may_not_create_invoices(session: Session):
    _org(session, user_role="READONLY")
    listed = _call(session, "GET", "Organisation/Actions").json()["Actions"]
    actions = {a["Name"]: a["Status"] for a in listed}
    assert actions["CreateDraftInvoice"] == "NOT-ALLOWED" and actions["ViewProfitAndLoss"] == "ALLOWED"
    refused = _call(session, "PUT", "Invoices", {"Invoices": [_invoice()]})
    assert refused.status_code == 403 and refused.json()["Detail"] == "AuthorizationUnsuccessful"


def test_history_notes_and_the_url_back_to_the_source(session: Session):
    made = _put(session, _invoice(Url="https://crm.example.com/quotes/Q-1042"))
    assert made["Url"] == "https://crm.example.com/quotes/Q-1042"
    invoice_id = made["InvoiceID"]
    note = _call(
        session,
        "PUT",
        f"Invoices/{invoice_id}/History",
        {"HistoryRecords": [{"Details": "Drafted from CRM quote Q-1042 by Xero Connect"}]},
    )
    assert note.status_code == 200 and note.json()["HistoryRecords"][0]["Changes"] == "Note"
    records = _call(session, "GET", f"Invoices/{invoice_id}/History").json()["HistoryRecords"]
    assert [(r["Changes"], r["Details"]) for r in records] == [
        ("Note", "Drafted from CRM quote Q-1042 by Xero Connect"),
        ("Created", f"{made['InvoiceNumber']} to Acme Ltd for 120.00."),
    ]
    assert {"DateUTC", "User"} <= set(records[0])
    empty = _call(session, "PUT", f"Invoices/{invoice_id}/History", {"HistoryRecords": [{"Details": " "}]})
    assert empty.status_code == 400
    assert _call(session, "GET", "Invoices/00000000-0000-0000-0000-000000000000/History").status_code == 404
    assert _errors(_put(session, _invoice(Url="https://go.xero.com/x"))) == [
        "The Url cannot contain the word 'xero'."
    ]
    assert _errors(_put(session, _invoice(Url="crm/quotes/1"))) == [
        "The Url must be a valid absolute URL (http or https)."
    ]
    sandbox = session[0]
    counted = sandbox.control("GET", "counters")["by_endpoint"]
    assert counted["PUT /api.xro/2.0/Invoices/{id}/History"] == 2
