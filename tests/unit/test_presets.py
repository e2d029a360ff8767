"""Each preset's sample, unedited, maps itself from its header and plans the totals worked out by hand."""

from __future__ import annotations

import copy
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from app.invoicing.contacts import ContactDirectory
from app.invoicing.mapping import MappingError, MappingRequest
from app.invoicing.plan import build_plan
from app.invoicing.planned import Defaults, TenantFacts
from app.invoicing.presets import PRESETS, detect, find_preset
from app.invoicing.sources import load_file
from app.sandbox.seed import seed_orgs, tenant_id

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


def planned_totals(path: Path, request: MappingRequest | None = None) -> dict[str, Decimal]:
    """Load, then plan for Demo Company (UK); each invoice's total as Xero adds its line items."""
    loaded = load_file(path, request or MappingRequest(use_saved=False))
    assert not loaded.problems and not loaded.blocking, loaded.problems
    org = copy.deepcopy(seed_orgs()[tenant_id("uk")])
    facts = TenantFacts.from_lists(org["organisation"], org["accounts"], org["tax_rates"], org["items"])
    plan = build_plan(
        loaded.quotes, facts, Defaults("200", "OUTPUT2"), ContactDirectory(), {}, today=date(2026, 11, 30)
    )
    totals = {}
    for entry in plan:
        assert entry.status == "new", entry.reason
        total = Decimal(0)
        for item in entry.payload["LineItems"]:
            amount = Decimal(str(item["Quantity"])) * Decimal(str(item["UnitAmount"]))
            amount *= (100 - Decimal(str(item.get("DiscountRate", 0)))) / 100
            total += amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        totals[entry.source.number] = total
    return totals


# Worked out by hand from each file's lines (quantity × price less the discount, to the cent).
CASES = {
    "odoo": (
        "odoo-sale-orders.csv",
        {
            "S00021": Decimal("12") * Decimal("90.00") * Decimal("0.90") + Decimal("578.40"),  # 1,550.40
            "S00022": Decimal("40") * Decimal("24.50") * Decimal("0.95"),  # 931.00
            "S00023": 2 * Decimal("800.00") + Decimal("86.35"),  # 1,686.35
        },
    ),
    "hubspot": (
        "hubspot-deals-line-items.csv",
        {
            "18273645001": 20 * Decimal(95) + Decimal(240),  # 2,140.00
            "18273645002": 60 * Decimal("24.5") * Decimal("0.9"),  # 1,323.00
        },
    ),
    "pipedrive": (
        "pipedrive-deals-products.csv",
        {
            "412": 6 * Decimal(250) + Decimal(30),  # 1,530.00
            "413": 3 * Decimal(800) * Decimal("0.95") + 10 * Decimal("24.5"),  # 2,525.00
        },
    ),
    "salesforce": (
        "salesforce-opportunity-products.csv",
        {
            "0065g00000AbCdEAA1": 4 * Decimal(800) * Decimal("0.95"),  # 3,040.00
            "0065g00000AbCdFAA1": 10 * Decimal(95) + Decimal(245),  # 1,195.00
        },
    ),
    "zoho": (
        "zoho-crm-quotes.csv",
        {
            # Zoho's discount is an amount: 122.50 off the widgets, drafted as its own line.
            "4876876000000412001": 100 * Decimal("24.50") - Decimal("122.50") + Decimal(250),  # 2,577.50
            "4876876000000412002": 8 * Decimal(95),  # 760.00
        },
    ),
}


@pytest.mark.parametrize("key", list(CASES))
def test_each_presets_sample_maps_itself_and_plans_the_hand_computed_totals(key: str) -> None:
    name, expected = CASES[key]
    path = SAMPLES / name
    header = path.read_text(encoding="utf-8").splitlines()[0].replace('"', "").split(",")
    preset = detect(header)
    assert preset is not None and preset.key == key
    assert planned_totals(path) == expected
    assert planned_totals(path, MappingRequest(preset=key, use_saved=False)) == expected


def test_every_column_of_every_sample_is_shown_mapped_or_ignored() -> None:
    for key, (name, _) in CASES.items():
        loaded = load_file(SAMPLES / name, MappingRequest(use_saved=False))
        lines = loaded.mapping_lines(name)
        header = (SAMPLES / name).read_text(encoding="utf-8").splitlines()[0].replace('"', "").split(",")
        assert len(lines) >= len(header) + 1, key
        for column in header:
            assert any(line.startswith(f"  {column!r}") for line in lines), (key, column)
        assert find_preset(key).title in lines[0]


def test_salesforce_dates_are_month_first_and_odoo_orders_fill_down() -> None:
    sf = load_file(SAMPLES / "salesforce-opportunity-products.csv", MappingRequest(use_saved=False))
    assert [q.date for q in sf.quotes] == [date(2026, 11, 13), date(2026, 11, 4)]
    odoo = load_file(SAMPLES / "odoo-sale-orders.csv", MappingRequest(use_saved=False))
    assert [len(q.lines) for q in odoo.quotes] == [2, 1, 2]
    assert odoo.quotes[0].lines[0].description == "[DEV-HOUR] Software development\nper hour"


def test_a_preset_with_a_changed_total_refuses_that_quote(tmp_path: Path) -> None:
    text = (SAMPLES / "odoo-sale-orders.csv").read_text(encoding="utf-8").replace("1550.40", "1658.40")
    (tmp_path / "odoo.csv").write_text(text, encoding="utf-8")
    loaded = load_file(tmp_path / "odoo.csv", MappingRequest(use_saved=False))
    assert [q.number for q in loaded.quotes] == ["S00022", "S00023"]
    assert loaded.problems[0].reason == (
        "the file's quote total is 1,658.40 but its lines add up to 1,550.40 — quote S00021 is left out"
    )


def test_an_unknown_preset_names_the_presets() -> None:
    with pytest.raises(MappingError, match="odoo, hubspot, pipedrive, salesforce, zoho"):
        find_preset("sage")
    assert len(PRESETS) >= 5
