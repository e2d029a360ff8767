"""Organisations have a ShortCode; Xero's deep link with it opens a human page for a drafted invoice."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import requests

from tests.helpers.sandbox import Sandbox

Session = tuple[Sandbox, dict, dict, str]


def _draft(session: Session) -> tuple[dict, str]:
    sandbox, _, tokens, tenant = session
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"Name": "Harbour <Cafe> & Co"},
                "Reference": "CRM Q-77",
                "Date": "2026-11-26",
                "DueDate": "2026-12-10",
                "LineItems": [
                    {
                        "Description": "Espresso machine service",
                        "Quantity": 2,
                        "UnitAmount": 1250.5,
                        "AccountCode": "200",
                    },
                    {
                        "Description": "Descaling kit",
                        "Quantity": 3,
                        "UnitAmount": 19.99,
                        "AccountCode": "200",
                    },
                ],
            }
        ]
    }
    created = sandbox.api("PUT", "Invoices", tokens["access_token"], tenant, json=body)
    assert created.status_code == 200, created.text
    organisation = sandbox.api("GET", "Organisation", tokens["access_token"], tenant).json()
    return created.json()["Invoices"][0], organisation["Organisations"][0]["ShortCode"]


def _deep_link(base: str, short_code: str, invoice_id: str, page: str = "Edit") -> str:
    # exactly as Xero documents it: the inner ?InvoiceID= is not encoded
    return (
        f"{base}/organisationlogin/default.aspx?shortcode={short_code}"
        f"&redirecturl=/AccountsReceivable/{page}.aspx?InvoiceID={invoice_id}"
    )


@pytest.mark.parametrize("page", ["Edit", "View"])
def test_deep_link_opens_the_drafted_invoice(session: Session, page: str) -> None:
    sandbox, _, _, tenant = session
    invoice, short_code = _draft(session)
    assert re.fullmatch(r"![0-9A-Za-z]{4,6}", short_code)
    assert {t["tenant_id"]: t["short_code"] for t in sandbox.tenants()}[tenant] == short_code
    link = _deep_link(sandbox.base_url, short_code, invoice["InvoiceID"], page)
    first = requests.get(link, allow_redirects=False, timeout=10)  # no token: this is the user's browser
    assert first.status_code == 302
    assert first.headers["Location"] == f"/app/{short_code}/invoicing/view/{invoice['InvoiceID']}"
    shown = requests.get(link, timeout=10)
    assert shown.status_code == 200 and shown.headers["Content-Type"].startswith("text/html")
    html = shown.text
    assert f"id='invoice-number'>{invoice['InvoiceNumber']}<" in html
    assert "id='status'>DRAFT<" in html
    assert "id='contact'>Harbour &lt;Cafe&gt; &amp; Co<" in html
    assert "id='reference'>CRM Q-77<" in html and "id='date'>26 Nov 2026<" in html
    assert "Espresso machine service" in html and "Descaling kit" in html
    assert "<td>2,501.00</td>" in html and "<td>59.97</td>" in html
    assert f"id='subtotal'>{invoice['SubTotal']:,.2f}<" in html
    assert f"id='total-tax'>{invoice['TotalTax']:,.2f}<" in html
    assert f"id='total'>{invoice['Total']:,.2f}<" in html


def test_page_address_accepts_an_encoded_short_code(session: Session) -> None:
    sandbox = session[0]
    invoice, short_code = _draft(session)
    encoded = (
        f"{sandbox.base_url}/app/{quote(short_code, safe='')}/invoicing/view/{invoice['InvoiceID'].upper()}"
    )
    assert requests.get(encoded, timeout=10).status_code == 200


def test_unknown_invoice_short_code_or_page_is_not_found(session: Session) -> None:
    sandbox = session[0]
    invoice, short_code = _draft(session)
    other = next(t["short_code"] for t in sandbox.tenants() if t["short_code"] != short_code)
    for link in (
        _deep_link(sandbox.base_url, short_code, "00000000-0000-0000-0000-000000000000"),
        _deep_link(sandbox.base_url, "!nope", invoice["InvoiceID"]),
        _deep_link(
            sandbox.base_url, other, invoice["InvoiceID"]
        ),  # the invoice belongs to another organisation
        f"{sandbox.base_url}/organisationlogin/default.aspx?shortcode={short_code}&redirecturl=/Bank/Accounts.aspx",
    ):
        answer = requests.get(link, timeout=10)
        assert answer.status_code == 404 and "id='not-found'" in answer.text
