"""Tracking categories: GET TrackingCategories, and the Tracking of a line item checked as Xero does
(at most two categories per line, each an active category with an active option of it)."""

from __future__ import annotations

from typing import Any

from app.sandbox.ctx import Ctx, envelope, public
from app.sandbox.query import where_and_order
from app.sandbox.web import Response, not_found

MAX_PER_LINE = 2  # Xero allows two active tracking categories per organisation and per line


def _categories(org: dict[str, Any]) -> list[dict[str, Any]]:
    return org.get("tracking_categories") or []


def get(ctx: Ctx) -> Response:
    if len(ctx.parts) > 2:
        return not_found()
    archived = (ctx.req.arg("includeArchived") or "").lower() == "true"
    rows = []
    for category in _categories(ctx.org):
        if category["Status"] != "ACTIVE" and not archived:
            continue
        options = [o for o in category["Options"] if archived or o["Status"] == "ACTIVE"]
        rows.append({**category, "Options": options})
    if len(ctx.parts) == 2:
        rows = [r for r in rows if r["TrackingCategoryID"].lower() == ctx.parts[1].lower()]
        if not rows:
            return not_found()
    return envelope(ctx, "TrackingCategories", [public(r) for r in where_and_order(ctx.req, rows)])


def _find(items: list[dict[str, Any]], item_id: Any, name: Any, id_field: str) -> dict[str, Any] | None:
    if item_id:
        return next((i for i in items if i[id_field].lower() == str(item_id).lower()), None)
    wanted = str(name or "").strip().casefold()
    return next((i for i in items if i["Name"].casefold() == wanted), None) if wanted else None


def check_line(org: dict[str, Any], raw: Any, n: int, errors: list[str]) -> list[dict[str, Any]]:
    """The line's Tracking as Xero stores and echoes it (IDs and names), or errors."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        errors.append(f"Tracking on line item {n} must be a list of tracking categories.")
        return []
    if len(raw) > MAX_PER_LINE:
        errors.append(f"A line item can have at most {MAX_PER_LINE} tracking categories (line item {n}).")
        return []
    out = []
    for tracking in raw:
        category = _find(
            _categories(org), tracking.get("TrackingCategoryID"), tracking.get("Name"), "TrackingCategoryID"
        )
        if category is None or category["Status"] != "ACTIVE":
            shown = tracking.get("Name") or tracking.get("TrackingCategoryID")
            errors.append(f"The tracking category '{shown}' does not exist or is not active.")
            continue
        option = _find(
            category["Options"], tracking.get("TrackingOptionID"), tracking.get("Option"), "TrackingOptionID"
        )
        if option is None or option["Status"] != "ACTIVE":
            shown = tracking.get("Option") or tracking.get("TrackingOptionID")
            errors.append(
                f"The tracking option '{shown}' does not exist or is not active for the tracking "
                f"category '{category['Name']}'."
            )
            continue
        out.append(
            {
                "TrackingCategoryID": category["TrackingCategoryID"],
                "TrackingOptionID": option["TrackingOptionID"],
                "Name": category["Name"],
                "Option": option["Name"],
            }
        )
    if len({t["TrackingCategoryID"] for t in out}) < len(out):
        errors.append(f"Line item {n} uses one tracking category twice.")
    return out
