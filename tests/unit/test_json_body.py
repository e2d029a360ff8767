"""Money reaches Xero as Decimal with its own digits; everything else, and every unchanged quote's
request and Idempotency-Key, is byte for byte what the float encoding wrote."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.invoicing.fingerprint import quote_fingerprint, quote_summary
from app.invoicing.plan import _number
from app.invoicing.records import SourceLine, SourceQuote
from app.invoicing.wire import content_key, wire_body
from app.xero.json_body import dumps
from tests.helpers.drafting import float_encoded

TYPICAL = ["95.50", "24.5000", "0.10", "0.3333", "1234.56", "-12.01", "0.0001", "99999999.99", "7", "100.00"]


def payload(amounts: list[str]) -> list[dict[str, Any]]:
    lines = [{"Description": "Café ☕", "UnitAmount": _number(Decimal(a))} for a in amounts]
    return [{"Reference": "Q-1", "LineItems": lines}]


@pytest.mark.parametrize(
    "value",
    [
        {"b": [1, 2.5, None, True, False], "a": {"x": 'é\n"q"', "y": []}, "c": {}},
        ["plain", -0.0, 1e-05, 1e16, 12345678901234567890, {"nested": [[], [{}]]}],
    ],
)
@pytest.mark.parametrize(
    "options",
    [{}, {"sort_keys": True, "separators": (",", ":"), "ensure_ascii": False}],
)
def test_without_decimals_it_writes_what_json_dumps_writes(value: Any, options: dict[str, Any]) -> None:
    assert dumps(value, **options) == json.dumps(value, **options)


def test_a_decimal_is_written_with_its_own_digits_never_through_float() -> None:
    amounts = {"a": Decimal("0.1234567890123456789"), "b": Decimal("12345678901234567.25")}
    assert dumps(amounts) == '{"a": 0.1234567890123456789, "b": 12345678901234567.25}'
    assert dumps([Decimal("1E+2"), Decimal("0.00001"), Decimal("-0.50")]) == "[100, 0.00001, -0.50]"
    assert json.loads(dumps(amounts), parse_float=Decimal) == amounts
    with pytest.raises(ValueError):
        dumps(Decimal("NaN"))


def test_an_unchanged_quote_sends_the_same_bytes_under_the_same_key_as_before() -> None:
    # Typical amounts: the float encoding was exact for them, so an upgrade changes neither the request
    # nor its Idempotency-Key (a batch planned before and after the upgrade is one request to Xero).
    new = payload(TYPICAL)
    _old, old_body, old_key = float_encoded(new, "tenant-1")
    assert (wire_body(new), content_key("tenant-1", "Invoices", new)) == (old_body, old_key)


def test_digits_float_would_lose_now_reach_the_payload() -> None:
    precise = payload(["0.1234567890123456789"])
    assert '"UnitAmount": 0.1234567890123456789' in wire_body(precise)
    assert '"UnitAmount": 0.12345678901234568' in float_encoded(precise, "tenant-1")[1]


def test_fingerprints_of_unchanged_quotes_are_what_they_were() -> None:
    # Recorded by the earlier version: "changed since drafted" must not fire for these after an upgrade.
    quote = SourceQuote(
        number="Q-0042",
        contact_name="Acme Ltd",
        contact_email="ap@acme.test",
        date=date(2026, 11, 26),
        lines=[
            SourceLine("Consulting", Decimal("2"), Decimal("95.50")),
            SourceLine(
                "Widgets", Decimal("3"), Decimal("24.5000"), discount_rate=Decimal("5"), item_code="WIDGET-A"
            ),
            SourceLine("Tiny", Decimal("0.00001"), Decimal("0.1234567890123456789")),
        ],
    )
    assert quote_fingerprint(quote) == "91f86403e832288ed43b1c6f45c48f205ec31eb78b18196a8df1d4806f6aa8ac"
    assert (
        quote_summary(quote).to_json()
        == '{"total": "260.83", "customer": "Acme Ltd", "date": "2026-11-26", "lines": 3}'
    )
