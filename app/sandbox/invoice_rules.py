"""Validation and pricing of one invoice element, following Xero's documented field rules."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from app.sandbox import org_access, tracking
from app.sandbox.contacts_api import find, find_by
from app.sandbox.ctx import Ctx
from app.sandbox.fmt import dec, ms_date, parse_date
from app.sandbox.pricing import price_lines
from app.sandbox.settings_api import enabled_currencies

TYPES = ("ACCREC", "ACCPAY")
AMOUNT_TYPES = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax"}
CREATE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
MOVES = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
MAX_LINE = dec("9999999999.99")


def _contact(ctx: Ctx, raw: Any, errors: list[str]) -> dict[str, Any] | None:
    """Existing contact, a {"_new": name} placeholder for an unknown Name, or None with an error."""
    if not isinstance(raw, dict) or not any(raw.get(k) for k in ("ContactID", "ContactNumber", "Name")):
        errors.append(
            "The Contact must contain at least 1 of the following elements to identify the "
            "contact: Name, ContactID, ContactNumber"
        )
        return None
    if raw.get("ContactID"):
        found = find(ctx.org, str(raw["ContactID"]))
        if found is None:
            errors.append(f"The contact with ContactID {raw['ContactID']} could not be found.")
        return found
    if raw.get("ContactNumber"):
        found = find_by(ctx.org, "ContactNumber", str(raw["ContactNumber"]))
        if found is not None or not raw.get("Name"):
            if found is None:
                errors.append(f"The contact with ContactNumber {raw['ContactNumber']} could not be found.")
            return found
    return find_by(ctx.org, "Name", str(raw["Name"])) or {"_new": raw}


def _line(ctx: Ctx, raw: Any, n: int, kind: str, status: str, errors: list[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        errors.append(f"Line item {n} must be an object.")
        return {}
    line = {k: v for k, v in raw.items() if k not in ("LineAmount", "TaxAmount")}
    line.setdefault("LineItemID", str(uuid.uuid4()))
    code = line.get("ItemCode")
    if code:
        item = next((i for i in ctx.org["items"] if i["Code"].lower() == str(code).lower()), None)
        if item is None:
            errors.append(f"Item code '{code}' is not valid.")
        else:
            details = item["SalesDetails"] if kind == "ACCREC" else item["PurchaseDetails"]
            line.setdefault("Description", item.get("Description") or item["Name"])
            pairs = (("UnitAmount", "UnitPrice"), ("AccountCode", "AccountCode"), ("TaxType", "TaxType"))
            for key, source in pairs:
                if line.get(key) in (None, "") and details.get(source) not in (None, ""):
                    line[key] = details[source]
            line["Item"] = {"ItemID": item["ItemID"], "Code": item["Code"], "Name": item["Name"]}
    desc = line.get("Description")
    if not isinstance(desc, str) or not desc.strip():
        errors.append("The description field is mandatory for each line item.")
    elif len(desc) > 4000:
        errors.append("The description field must be 4000 characters or less.")
    account_code = line.get("AccountCode")
    account = next((a for a in ctx.org["accounts"] if a["Code"] == str(account_code)), None)
    if account_code not in (None, "") and account is None:
        errors.append(f"Account code '{account_code}' is not a valid code for this document.")
    if account_code in (None, "") and status != "DRAFT":
        errors.append(
            "Account code must be specified for each line item of a SUBMITTED or AUTHORISED invoice."
        )
    tax = line.get("TaxType")
    if tax not in (None, ""):
        if not any(r["TaxType"] == tax and r["Status"] == "ACTIVE" for r in ctx.org["tax_rates"]):
            errors.append(
                f"The TaxType code '{tax}' does not exist or cannot be used for this type of transaction."
            )
    elif account is not None:
        line["TaxType"] = account["TaxType"]
    line["Tracking"] = tracking.check_line(ctx.org, line.get("Tracking"), n, errors)
    for key in ("Quantity", "UnitAmount", "DiscountRate"):
        try:
            dec(line.get(key))
        except ValueError:
            errors.append(f"{key} must be a number on line item {n}.")
    return line


def build(
    ctx: Ctx, raw: dict[str, Any], current: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, list[str]]:
    """(priced invoice, contact placeholder or None, errors); nothing is stored here."""
    errors: list[str] = []
    inv = copy.deepcopy(current) if current else {}
    inv.update({k: v for k, v in raw.items() if not k.startswith("_")})
    if inv.get("Type") not in TYPES:
        errors.append("Invoice Type must be ACCREC or ACCPAY.")
    status = str(inv.get("Status") or "DRAFT").upper()
    if current is None and status not in CREATE_STATUSES:
        errors.append("Invoice Status must be DRAFT, SUBMITTED or AUTHORISED when creating an invoice.")
    if current is not None and status not in MOVES.get(current["Status"], set()):
        errors.append(f"An invoice with status {current['Status']} cannot be changed to {status}.")
    inv["Status"] = status
    kind = AMOUNT_TYPES.get(str(inv.get("LineAmountTypes") or "Exclusive").lower())
    if kind is None:
        errors.append("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
    inv["LineAmountTypes"] = kind or "Exclusive"
    contact = _contact(ctx, inv.get("Contact"), errors)
    lines_raw = inv.get("LineItems")
    if not isinstance(lines_raw, list) or not lines_raw:
        errors.append("At least one line item must be specified.")
        lines_raw = []
    lines = [_line(ctx, line, n, str(inv.get("Type")), status, errors) for n, line in enumerate(lines_raw, 1)]
    for key in ("Date", "DueDate"):
        if inv.get(key) not in (None, "") and parse_date(inv[key]) is None:
            errors.append(f"{key} is not a valid date; use YYYY-MM-DD.")
    base = ctx.org["organisation"]["BaseCurrency"]
    code = str(inv.setdefault("CurrencyCode", base) or base).upper()
    currency = next((c for c in enabled_currencies(ctx.org) if c["Code"] == code), None)
    if currency is None:
        errors.append(f"Organisation is not subscribed to currency {code}")
    else:
        inv["CurrencyCode"] = code
        inv["CurrencyRate"] = 1.0 if code == base else float(currency.get("_rate") or 1.0)
    when = parse_date(inv.get("Date")) or ctx.state.clock.now().date()
    locked = org_access.lock_error(ctx.org, when)
    if locked:
        errors.append(locked)
    url = inv.get("Url")
    if url not in (None, ""):
        text = str(url)
        if not text.lower().startswith(("http://", "https://")) or " " in text.strip():
            errors.append("The Url must be a valid absolute URL (http or https).")
        elif "xero" in text.lower():
            errors.append("The Url cannot contain the word 'xero'.")
    if len(str(inv.get("Reference") or "")) > 255:
        errors.append("Reference must be 255 characters or fewer.")
    number = inv.get("InvoiceNumber")
    if number and any(
        str(i.get("InvoiceNumber", "")).lower() == str(number).lower()
        and i["Type"] == inv.get("Type")
        and i is not current
        for i in ctx.org["invoices"]
    ):
        errors.append("Invoice # must be unique.")
    if errors:
        return None, None, errors
    inv["LineItems"] = lines
    inv.update(price_lines(ctx.org, lines, inv["LineAmountTypes"], ctx.unitdp))
    if any(abs(dec(line["LineAmount"])) > MAX_LINE for line in lines):
        return None, None, ["Line amount must be less than 9,999,999,999.99."]
    today = ctx.state.clock.now().date()
    inv["Date"] = ms_date(parse_date(inv.get("Date")) or today)
    if inv.get("DueDate"):
        inv["DueDate"] = ms_date(parse_date(inv["DueDate"]) or today)
    placeholder = contact if contact and "_new" in contact else None
    if contact and not placeholder:
        inv["Contact"] = {"ContactID": contact["ContactID"], "Name": contact["Name"]}
    return inv, placeholder, []
