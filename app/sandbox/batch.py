"""PUT/POST batch envelope: one or many elements, per-element errors, summarizeErrors semantics."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.sandbox.ctx import Ctx, envelope, validation_exception
from app.sandbox.web import Response, json_response

# Processor: (ctx, raw element) -> (saved record or None, list of error messages).
Processor = Callable[[Ctx, dict[str, Any]], tuple[dict[str, Any] | None, list[str]]]


def elements(ctx: Ctx, key: str) -> list[Any] | None:
    try:
        body = ctx.req.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if isinstance(body, dict):
        found = next((v for k, v in body.items() if k.lower() == key.lower()), None)
        if isinstance(found, list):
            return found
        return [body] if found is None else None
    return body if isinstance(body, list) else None


def run(ctx: Ctx, key: str, process: Processor, error_flag: str = "HasErrors") -> Response:
    items = elements(ctx, key)
    if not items:
        return json_response(
            {
                "ErrorNumber": 14,
                "Type": "PostDataInvalidException",
                "Message": f"The request body must be a {key[:-1]} or a list of {key}.",
            },
            400,
        )
    echoed, failed = [], []
    for raw in items:
        if not isinstance(raw, dict):
            raw, record, errors = {}, None, ["Each element must be a JSON object."]
        else:
            record, errors = process(ctx, raw)
        if errors:
            bad = {
                **raw,
                "HasErrors": True,
                error_flag: True,
                "StatusAttributeString": "ERROR",
                "ValidationErrors": [{"Message": m} for m in errors],
            }
            echoed.append(bad)
            failed.append(bad)
        else:
            echoed.append({**(record or {}), "StatusAttributeString": "OK"})
    summarize = (ctx.req.arg("summarizeErrors") or "true").lower() != "false"
    if failed and summarize:
        # Valid elements of the batch were still saved, as on real Xero.
        return validation_exception(failed)
    return envelope(ctx, key, echoed)
