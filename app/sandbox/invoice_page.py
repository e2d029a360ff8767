"""A human page for an invoice, reached by Xero's deep links into an organisation.

/organisationlogin/default.aspx?shortcode=!xxxx&redirecturl=/AccountsReceivable/Edit.aspx?InvoiceID=…
    (or View.aspx) redirects to
/app/!xxxx/invoicing/view/{InvoiceID}
    which shows the invoice: number, status, contact, dates, lines and totals.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from app.sandbox.pages import page
from app.sandbox.state import SandboxState
from app.sandbox.web import Request, Response, html_response, redirect
from app.sandbox.where import as_datetime

LOGIN = "/organisationlogin/default.aspx"
RECEIVABLE_PAGES = ("/accountsreceivable/edit.aspx", "/accountsreceivable/view.aspx")


def page_path(short_code: str, invoice_id: str) -> str:
    return f"/app/{quote(short_code, safe='!')}/invoicing/view/{quote(invoice_id)}"


def _missing(what: str) -> Response:
    return html_response(page("Not found", f"<h1>Not found</h1><p id='not-found'>{escape(what)}</p>"), 404)


def _org_by_short_code(state: SandboxState, short_code: str) -> dict[str, Any] | None:
    return next((o for o in state.orgs.values() if o["organisation"]["ShortCode"] == short_code), None)


def _deep_link(state: SandboxState, req: Request) -> Response:
    short_code = req.arg("shortcode") or ""
    if _org_by_short_code(state, short_code) is None:
        return _missing(f"No organisation has the short code {short_code}.")
    target = urlsplit(req.arg("redirecturl") or "")
    invoice_id = next((v[0] for k, v in parse_qs(target.query).items() if k.lower() == "invoiceid"), "")
    if target.path.lower() not in RECEIVABLE_PAGES or not invoice_id:
        return _missing("The sandbox shows sales invoices only (AccountsReceivable/Edit.aspx or View.aspx).")
    return redirect(page_path(short_code, invoice_id))


def _day(value: object) -> str:
    when = as_datetime(value)
    return when.strftime("%d %b %Y") if when else ""


def _money(value: Any) -> str:
    return f"{float(value or 0):,.2f}"


def _line(line: dict[str, Any]) -> str:
    text = {
        k: str(line.get(k) or "")
        for k in ("Description", "Quantity", "DiscountRate", "AccountCode", "TaxType")
    }
    cells = [
        text["Description"],
        text["Quantity"],
        _money(line.get("UnitAmount")),
        text["DiscountRate"],
        text["AccountCode"],
        text["TaxType"],
        _money(line.get("LineAmount")),
    ]
    return "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>"


def _invoice(org: dict[str, Any], invoice: dict[str, Any]) -> Response:
    lines = "".join(_line(line) for line in invoice.get("LineItems") or [])
    number = invoice.get("InvoiceNumber") or "(no number)"
    currency = escape(str(invoice.get("CurrencyCode") or org["organisation"]["BaseCurrency"]))
    body = f"""<p><small id='organisation'>{escape(org["organisation"]["Name"])}</small></p>
<h1>Invoice <span id='invoice-number'>{escape(str(number))}</span></h1>
<p>Status: <strong id='status'>{escape(str(invoice.get("Status", "")))}</strong></p>
<table><tr><th>To</th><td id='contact'>{escape(str((invoice.get("Contact") or {}).get("Name", "")))}</td></tr>
<tr><th>Date</th><td id='date'>{_day(invoice.get("Date"))}</td></tr>
<tr><th>Due date</th><td id='due-date'>{_day(invoice.get("DueDate"))}</td></tr>
<tr><th>Reference</th><td id='reference'>{escape(str(invoice.get("Reference") or ""))}</td></tr>
<tr><th>Amounts are</th><td>{escape(str(invoice.get("LineAmountTypes", "")))}</td></tr></table>
<h2>Lines</h2><table id='lines'><tr><th>Description</th><th>Qty</th><th>Unit price</th><th>Disc %</th>
<th>Account</th><th>Tax rate</th><th>Amount {currency}</th></tr>{lines}</table>
<table id='totals' style='width:auto;margin-left:auto'>
<tr><th>Subtotal</th><td id='subtotal'>{_money(invoice.get("SubTotal"))}</td></tr>
<tr><th>Total tax</th><td id='total-tax'>{_money(invoice.get("TotalTax"))}</td></tr>
<tr><th>Total {currency}</th><td id='total'>{_money(invoice.get("Total"))}</td></tr></table>"""
    return html_response(page(f"Invoice {number}", body))


def handle(state: SandboxState, req: Request) -> Response:
    if req.method != "GET":
        return _missing("Only GET is served here.")
    if req.path.lower() == LOGIN.lower():
        return _deep_link(state, req)
    parts = [unquote(p) for p in req.path.split("/") if p]  # app, {short code}, invoicing, view, {id}
    if len(parts) != 5 or parts[2:4] != ["invoicing", "view"]:
        return _missing("The resource you're looking for cannot be found.")
    with state.lock:
        org = _org_by_short_code(state, parts[1])
        if org is None:
            return _missing(f"No organisation has the short code {parts[1]}.")
        invoice = next((i for i in org["invoices"] if i["InvoiceID"].lower() == parts[4].lower()), None)
        if invoice is None:
            return _missing(f"No invoice {parts[4]} in {org['organisation']['Name']}.")
        return _invoice(org, invoice)
