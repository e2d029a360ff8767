"""JSON as this program sends it to Xero: a Decimal is written with its own digits, never through float.

The standard library's encoder knows no Decimal, and money passed through float can lose digits (with
them the Idempotency-Key computed from the body). Everything else is written exactly as ``json.dumps``
writes it with the same options, so a body without Decimals is, byte for byte, what it always was.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any


def dumps(
    value: Any,
    *,
    sort_keys: bool = False,
    separators: tuple[str, str] = (", ", ": "),
    ensure_ascii: bool = True,
) -> str:
    """``json.dumps(value, ...)`` with Decimal written as a number in plain notation ("12.5", "0.00001")."""
    comma, colon = separators

    def scalar(item: Any) -> str:
        return json.dumps(item, ensure_ascii=ensure_ascii, allow_nan=False)

    def encode(item: Any) -> str:
        if isinstance(item, Decimal):
            if not item.is_finite():
                raise ValueError(f"{item} is not a JSON number")
            return format(item, "f")
        if isinstance(item, dict):
            if not all(isinstance(key, str) for key in item):
                raise TypeError("JSON object keys must be text here")
            pairs = sorted(item.items()) if sort_keys else item.items()
            return "{" + comma.join(scalar(key) + colon + encode(v) for key, v in pairs) + "}"
        if isinstance(item, list | tuple):
            return "[" + comma.join(encode(v) for v in item) + "]"
        return scalar(item)

    return encode(value)
