"""The organisation's own rules as Xero has them: currencies, tracking, lock dates, roles, history, Url."""

from __future__ import annotations

from tests.sandbox.conftest import Sandbox

Session = tuple[Sandbox, dict, dict, str]


def _call(s: Session, method: str, path: str, body: object = None, **kwargs: object):
    sandbox, _, tokens, tenant = s
    if body is not None:
        kwargs["json"] = body
    return sandbox.api(method, path, tokens["access_token"], tenant, **kwargs)


def _invoice(line: dict | None = None, **fields: object) -> dict:
    item = {"Description": "Work", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200",
            "TaxType": "OUTPUT2", **(line or {})}
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
    assert body["Currencies"] == [{"Code": "GBP", "Description": "British Pound"},
                                  {"Code": "EUR", "Description": "Euro"},
                                  {"Code": "USD", "Description": "United States Dollar"}]
    only_usd = _call(session, "GET", "Currencies", params={"where": 'Code=="USD"'}).json()["Currencies"]
    assert [c["Code"] for c in only_usd] == ["USD"]
    euro = _put(session, _invoice(CurrencyCode="EUR"))
    assert euro["StatusAttributeString"] == "OK" and euro["CurrencyCode"] == "EUR"
    assert euro["CurrencyRate"] != 1.0
    yen = _put(session, _invoice(CurrencyCode="JPY"))
    assert _errors(yen) == ["Organisation is not subscribed to currency JPY"]
    base = _put(session, _invoice())
    assert (base["CurrencyCode"], base["CurrencyRate"]) == ("GBP", 1.0)
