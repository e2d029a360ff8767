"""Per-request context handed to Accounting API resource handlers, plus the Xero response envelope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app.sandbox.fmt import ms_date
from app.sandbox.state import SandboxState
from app.sandbox.web import Request, Response, json_response


@dataclass
class Ctx:
    state: SandboxState
    req: Request
    tenant_id: str
    client_id: str
    parts: list[str]  # path segments after /api.xro/2.0, original case

    @property
    def org(self) -> dict[str, Any]:
        return self.state.orgs[self.tenant_id]

    @property
    def unitdp(self) -> int:
        return 4 if self.req.arg("unitdp") == "4" else 2


def public(record: dict[str, Any]) -> dict[str, Any]:
    """Drop sandbox-internal keys (prefixed with _) before a record goes on the wire."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def envelope(
    ctx: Ctx,
    key: str,
    rows: list[dict[str, Any]],
    status: int = 200,
    pagination: dict[str, int] | None = None,
) -> Response:
    app = ctx.state.apps.get(ctx.client_id, {})
    body: dict[str, Any] = {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": app.get("name", ""),
        "DateTimeUTC": ms_date(ctx.state.clock.now()),
    }
    if pagination is not None:
        body["pagination"] = pagination
    body[key] = rows
    return json_response(body, status)


def validation_exception(
    elements: list[dict[str, Any]], message: str = "A validation exception occurred"
) -> Response:
    return json_response(
        {"ErrorNumber": 10, "Type": "ValidationException", "Message": message, "Elements": elements}, 400
    )
