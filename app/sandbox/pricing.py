"""Line and document totals the way Xero computes them (rounded per line, tax per line).

Xero rounds half away from zero (0.125 → 0.13, −0.125 → −0.13); Decimal.quantize alone would round
half to even (0.125 → 0.12), so every rounding here names ROUND_HALF_UP, which is away from zero.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.sandbox.fmt import dec, money

CENT = Decimal("0.01")


def tax_rate(org: dict[str, Any], tax_type: str | None) -> Decimal | None:
    for rate in org["tax_rates"]:
        if rate["TaxType"] == tax_type and rate["Status"] == "ACTIVE":
            return dec(rate["EffectiveRate"])
    return None


def price_lines(
    org: dict[str, Any], lines: list[dict[str, Any]], amount_types: str, unitdp: int = 2
) -> dict[str, float]:
    """Fill LineAmount/TaxAmount on each line (in place) and return SubTotal/TotalTax/Total."""
    kind = amount_types.upper()
    subtotal = total_tax = Decimal(0)
    for line in lines:
        qty = dec(line.get("Quantity"), "1")
        unit = Decimal(str(money(dec(line.get("UnitAmount")), unitdp)))
        discount = dec(line.get("DiscountRate"))
        amount = (qty * unit * (1 - discount / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
        rate = Decimal(0) if kind == "NOTAX" else (tax_rate(org, line.get("TaxType")) or Decimal(0))
        if kind == "INCLUSIVE":
            tax = (amount - amount / (1 + rate / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
            subtotal += amount - tax
        else:
            tax = (amount * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            subtotal += amount
        total_tax += tax
        line["Quantity"] = float(qty)
        line["UnitAmount"] = float(unit)
        line["LineAmount"] = float(amount)
        line["TaxAmount"] = float(tax)
        if discount:
            line["DiscountRate"] = float(discount)
    return {"SubTotal": money(subtotal), "TotalTax": money(total_tax), "Total": money(subtotal + total_tax)}
