"""Read-only settings resources: Organisation (+Actions), Accounts, TaxRates, Items, Currencies."""

from __future__ import annotations

from typing import Any

from app.sandbox import org_access
from app.sandbox.ctx import Ctx, envelope, public
from app.sandbox.query import where_and_order
from app.sandbox.web import Response, not_found


def organisation(ctx: Ctx) -> Response:
    if len(ctx.parts) == 2 and ctx.parts[1].lower() == "actions":
        return envelope(ctx, "Actions", org_access.actions(ctx.org))
    if len(ctx.parts) > 1:
        return not_found()
    return envelope(ctx, "Organisations", [public(ctx.org["organisation"])])


def _listing(ctx: Ctx, key: str, collection: str, id_field: str, code_field: str) -> Response:
    rows = ctx.org[collection]
    if len(ctx.parts) == 2:
        wanted = ctx.parts[1].lower()
        rows = [r for r in rows if wanted in (r[id_field].lower(), str(r.get(code_field, "")).lower())]
        if not rows:
            return not_found()
    else:
        rows = where_and_order(ctx.req, rows)
    return envelope(ctx, key, [public(r) for r in rows])


def accounts(ctx: Ctx) -> Response:
    return _listing(ctx, "Accounts", "accounts", "AccountID", "Code")


def tax_rates(ctx: Ctx) -> Response:
    return _listing(ctx, "TaxRates", "tax_rates", "TaxType", "TaxType")


def items(ctx: Ctx) -> Response:
    return _listing(ctx, "Items", "items", "ItemID", "Code")


def enabled_currencies(org: dict[str, Any]) -> list[dict[str, Any]]:
    """The organisation's currencies (an older state file without them: the base currency only)."""
    return org.get("currencies") or [{"Code": org["organisation"]["BaseCurrency"], "Description": ""}]


def currencies(ctx: Ctx) -> Response:
    if len(ctx.parts) > 1:
        return not_found()
    rows = where_and_order(ctx.req, enabled_currencies(ctx.org))
    return envelope(ctx, "Currencies", [public(r) for r in rows])
