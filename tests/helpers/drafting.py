"""Shared helpers of the drafting tests: a connected model on the sandbox clock, quotes, counts."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from decimal import Decimal
from typing import Any

import requests

from app.invoicing.drafting import DraftReport, draft_invoices
from app.invoicing.plan import make_plan
from app.invoicing.records import SourceLine, SourceQuote
from app.model import ConnectionModel
from app.xero.http import RetryPolicy
from tests.helpers.flows import authorize, new_model
from tests.helpers.sandbox import control, set_auto_consent

PUT_INVOICES = "PUT /api.xro/2.0/Invoices"
INVOICES_PATH = "/api.xro/2.0/Invoices"


class SandboxSleep:
    """A RetryPolicy sleep that moves the sandbox clock on instead of waiting."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        control(self.base_url, "POST", "clock", json={"advance_seconds": seconds})


def connect(sandbox, app, ports) -> ConnectionModel:
    set_auto_consent(sandbox.base_url)
    model = new_model(sandbox, app, ports)
    authorize(model)
    model.retry_policy = RetryPolicy(sleep=SandboxSleep(sandbox.base_url), jitter=lambda low, high: high)
    return model


NAMES = ["Acme Ltd", "bayside club ", "Northwind Traders", "Marine Systems", "Southwind Cafe"]


def make_quotes(count: int, prefix: str = "Q", **fields) -> list[SourceQuote]:
    return [
        SourceQuote(
            number=f"{prefix}-{n:04d}",
            contact_name=NAMES[n % len(NAMES)],
            contact_email="",
            lines=[
                SourceLine(f"Consulting for {prefix}-{n:04d}", Decimal("2"), Decimal("95.50")),
                SourceLine("", Decimal(3), Decimal("24.50"), discount_rate=Decimal(5), item_code="WIDGET-A"),
            ],
            **fields,
        )
        for n in range(1, count + 1)
    ]


def float_encoded(payloads: list[dict[str, Any]], tenant_id: str) -> tuple[list[dict[str, Any]], str, str]:
    """(payloads, body, Idempotency-Key) as the version before Decimal money wrote them: numbers through
    float, the body by requests' JSON encoder, the key from json.dumps."""
    old = json.loads(json.dumps(payloads, default=float))
    body = requests.Request("PUT", "http://localhost/", json={"Invoices": old}).prepare().body
    text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
    canonical = json.dumps(old, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return old, text, hashlib.sha256(f"{tenant_id}|Invoices|{canonical}".encode()).hexdigest()


def run(model, ledger, quotes, **kwargs) -> DraftReport:
    client = model.client()
    plan = make_plan(client, ledger, model.settings.tenant_id, quotes)
    return draft_invoices(client, model.settings.tenant_id, plan, ledger, **kwargs)


def held(sandbox, model) -> Counter:
    """How many live invoices the sandbox holds per Reference (read from its state, no API call)."""
    invoices = sandbox.state.orgs[model.settings.tenant_id]["invoices"]
    return Counter(i.get("Reference") for i in invoices if i["Status"] not in ("DELETED", "VOIDED"))


def puts(sandbox) -> int:
    return sandbox.state.counters["by_endpoint"].get(PUT_INVOICES, 0)


def assert_each_once(sandbox, model, quotes) -> None:
    counts = held(sandbox, model)
    assert {q.number: counts[q.number] for q in quotes} == {q.number: 1 for q in quotes}
