"""Contacts: filtered listing, get by id, PUT (create only) and POST (create or update)."""

from __future__ import annotations

import re
import uuid
from typing import Any

from app.sandbox.batch import run
from app.sandbox.ctx import Ctx, envelope, public
from app.sandbox.fmt import ms_date
from app.sandbox.query import csv_arg, paginate, where_and_order
from app.sandbox.web import Response, not_found

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WRITABLE = (
    "Name",
    "FirstName",
    "LastName",
    "EmailAddress",
    "ContactNumber",
    "AccountNumber",
    "CompanyNumber",
    "TaxNumber",
    "Addresses",
    "Phones",
    "ContactPersons",
    "BankAccountDetails",
    "DefaultCurrency",
    "ContactStatus",
    "AccountsReceivableTaxType",
    "SalesDefaultAccountCode",
    "PaymentTerms",
)
SEARCHED = ("Name", "FirstName", "LastName", "ContactNumber", "CompanyNumber", "EmailAddress")


def find(org: dict[str, Any], contact_id: str) -> dict[str, Any] | None:
    return next((c for c in org["contacts"] if c["ContactID"].lower() == contact_id.lower()), None)


def find_by(org: dict[str, Any], name: str, value: str) -> dict[str, Any] | None:
    wanted = value.strip().casefold()
    if not wanted:
        return None
    return next((c for c in org["contacts"] if str(c.get(name, "")).strip().casefold() == wanted), None)


def new_contact(ctx: Ctx, fields: dict[str, Any]) -> dict[str, Any]:
    contact = {
        "ContactID": str(uuid.uuid4()),
        "ContactStatus": "ACTIVE",
        "Addresses": [],
        "Phones": [],
        "ContactGroups": [],
        "ContactPersons": [],
        "IsSupplier": False,
        "IsCustomer": False,
        "HasAttachments": False,
        "UpdatedDateUTC": ms_date(ctx.state.clock.now()),
    }
    contact.update({k: v for k, v in fields.items() if k in WRITABLE})
    ctx.org["contacts"].append(contact)
    return contact


def get(ctx: Ctx) -> Response:
    org = ctx.org
    if len(ctx.parts) == 2:
        found = find(org, ctx.parts[1]) or find_by(org, "ContactNumber", ctx.parts[1])
        return envelope(ctx, "Contacts", [public(found)]) if found else not_found()
    rows = list(org["contacts"])
    if (ctx.req.arg("includeArchived") or "").lower() != "true":
        rows = [c for c in rows if c.get("ContactStatus") != "ARCHIVED"]
    ids = csv_arg(ctx.req, "IDs")
    if ids:
        wanted = {i.lower() for i in ids}
        rows = [c for c in rows if c["ContactID"].lower() in wanted]
    rows = where_and_order(ctx.req, rows)
    term = (ctx.req.arg("searchTerm") or "").casefold()
    if term:
        rows = [c for c in rows if any(term in str(c.get(f, "")).casefold() for f in SEARCHED)]
    page, info = paginate(ctx.req, rows)
    return envelope(ctx, "Contacts", [public(c) for c in page], pagination=info)


def _check(ctx: Ctx, fields: dict[str, Any], current: dict[str, Any] | None) -> list[str]:
    errors = []
    name = str(fields.get("Name", current.get("Name", "") if current else "")).strip()
    if not name:
        errors.append("The contact name must be specified.")
    elif len(name) > 255:
        errors.append("The contact name must be 255 characters or fewer.")
    other = find_by(ctx.org, "Name", name) if name else None
    if other is not None and other is not current:
        errors.append(
            f"The contact name {name} is already assigned to another contact. The contact name "
            "must be unique across all active contacts."
        )
    number = str(fields.get("ContactNumber") or "")
    clash = find_by(ctx.org, "ContactNumber", number) if number else None
    if clash is not None and clash is not current:
        errors.append(f"The contact number {number} is already assigned to another contact.")
    if len(number) > 50:
        errors.append("The contact number must be 50 characters or fewer.")
    email = fields.get("EmailAddress")
    if email and not EMAIL.match(str(email)):
        errors.append("Email address must be valid.")
    return errors


def _save(ctx: Ctx, raw: dict[str, Any], allow_update: bool) -> tuple[dict[str, Any] | None, list[str]]:
    current = None
    if allow_update:
        target = raw.get("ContactID") or (ctx.parts[1] if len(ctx.parts) == 2 else None)
        if target:
            current = find(ctx.org, str(target))
            if current is None:
                return None, [f"Contact with ID {target} could not be found."]
        else:
            current = find_by(ctx.org, "Name", str(raw.get("Name") or "")) or find_by(
                ctx.org, "ContactNumber", str(raw.get("ContactNumber") or "")
            )
    elif raw.get("ContactID"):
        return None, ["A new contact cannot be created with a ContactID; use POST to update."]
    errors = _check(ctx, raw, current)
    if errors:
        return None, errors
    if current is None:
        return public(new_contact(ctx, raw)), []
    current.update({k: v for k, v in raw.items() if k in WRITABLE})
    current["UpdatedDateUTC"] = ms_date(ctx.state.clock.now())
    return public(current), []


def put(ctx: Ctx) -> Response:
    return run(ctx, "Contacts", lambda c, raw: _save(c, raw, False), "HasValidationErrors")


def post(ctx: Ctx) -> Response:
    return run(ctx, "Contacts", lambda c, raw: _save(c, raw, True), "HasValidationErrors")
