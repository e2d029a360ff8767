"""Mappings for the exports of real CRM and ERP systems, each recognised by its header.

Each preset names every column the system's export carries, the ones it ignores with the reason shown
beside them (a CRM's tax names are not Xero tax types; a tax-inclusive total is not compared with lines
before tax), whether the order's own fields appear only on its first row, and the date order to use when
no date in the file tells. The layouts are described in docs/quote-format.md ("Presets").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.invoicing.mapping import Mapping, MappingError, MappingRequest, guess, saved_document
from app.invoicing.parsing import normalise_key, show

TAX_NAMES = "the CRM's tax names are not Xero tax types: the organisation's default (or --tax-type) applies"
TAX_AMOUNT = "a tax amount: Xero computes the tax from the lines"
WITH_TAX = "includes tax, which Xero computes: compared totals are before tax"
PRODUCT_CODE = "the CRM's product codes are not Xero item codes; map it to item_code if they are the same"
LABEL = "a label, not part of the invoice"


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    detect: tuple[str, ...]  # all of these headers present: this system's export
    columns: dict[str, str]  # header -> field, or "ignored"
    reasons: dict[str, str]  # header -> why it is ignored
    fill_down: bool = True
    date_order: str | None = None  # when no date in the file tells


def _preset(
    key: str,
    title: str,
    detect: tuple[str, ...],
    fields: dict[str, str],
    ignored: dict[str, str],
    date_order: str | None = None,
) -> Preset:
    return Preset(
        key,
        title,
        detect,
        {**fields, **{name: "ignored" for name in ignored}},
        ignored,
        date_order=date_order,
    )


PRESETS: tuple[Preset, ...] = (
    _preset(
        "odoo",
        "Odoo sales orders",
        ("Order Reference", "Order Lines/Quantity"),
        {
            "Order Reference": "number",
            "Customer": "customer",
            "Order Date": "date",
            "Currency": "currency",
            "Order Lines/Description": "description",
            "Order Lines/Quantity": "quantity",
            "Order Lines/Unit Price": "unit_price",
            "Order Lines/Discount (%)": "discount",
            "Order Lines/Subtotal": "line_total",
            "Untaxed Amount": "quote_total",
        },
        {
            "Order Lines/Product": "Odoo's product name; the line's description is drafted",
            "Order Lines/Taxes": TAX_NAMES,
            "Taxes": TAX_AMOUNT,
            "Total": WITH_TAX,
            "Salesperson": LABEL,
            "Status": LABEL,
            "Expiration": "a quote's expiry, not the invoice's due date",
        },
    ),
    _preset(
        "hubspot",
        "HubSpot deals with line items",
        ("Deal name", "Line item quantity"),
        {
            "Deal ID": "number",
            "Associated Company": "customer",
            "Close date": "date",
            "Currency": "currency",
            "Line item name": "description",
            "Line item quantity": "quantity",
            "Line item price": "unit_price",
            "Line item discount percentage": "discount",
            "Line item net price": "line_total",
            "Amount": "quote_total",
        },
        {
            "Deal name": LABEL,
            "Deal stage": LABEL,
            "Line item SKU": PRODUCT_CODE,
            "Line item tax rate": TAX_NAMES,
        },
    ),
    _preset(
        "pipedrive",
        "Pipedrive deals with products",
        ("Deal - Title", "Deal product - Quantity"),
        {
            "Deal - ID": "number",
            "Deal - Organization": "customer",
            "Deal - Won time": "date",
            "Deal - Currency": "currency",
            "Product - Name": "description",
            "Deal product - Quantity": "quantity",
            "Deal product - Item price": "unit_price",
            "Deal product - Discount (%)": "discount",
            "Deal product - Sum": "line_total",
            "Deal - Value": "quote_total",
        },
        {
            "Deal - Title": LABEL,
            "Deal - Contact person": "the organisation is the customer",
            "Deal - Stage": LABEL,
            "Product - Product code": PRODUCT_CODE,
            "Deal product - Tax (%)": TAX_NAMES,
        },
    ),
    _preset(
        "salesforce",
        "Salesforce opportunity products",
        ("Opportunity Name", "Sales Price"),
        {
            "Opportunity ID": "number",
            "Account Name": "customer",
            "Close Date": "date",
            "Opportunity Currency": "currency",
            "Product Name": "description",
            "Quantity": "quantity",
            "Sales Price": "unit_price",
            "Discount": "discount",
            "Total Price": "line_total",
            "Amount": "quote_total",
        },
        {
            "Opportunity Name": LABEL,
            "Stage": LABEL,
            "Product Code": PRODUCT_CODE,
            "List Price": "the catalogue price; the sales price is drafted",
        },
        date_order="month",
    ),
    _preset(
        "zoho",
        "Zoho CRM quotes",
        ("Quote Stage", "Quoted Items.Quantity"),
        {
            "Quote Number": "number",
            "Account Name": "customer",
            "Created Time": "date",
            "Currency": "currency",
            "Quoted Items.Product Name": "description",
            "Quoted Items.Quantity": "quantity",
            "Quoted Items.List Price": "unit_price",
            "Quoted Items.Discount": "discount_amount",
            "Quoted Items.Total": "line_total",
            "Sub Total": "quote_total",
        },
        {
            "Subject": LABEL,
            "Quote Stage": LABEL,
            "Contact Name": "the account is the customer",
            "Valid Till": "a quote's expiry, not the invoice's due date",
            "Quoted Items.Tax": TAX_AMOUNT,
            "Quoted Items.Amount": "quantity × list price before the discount; the total is compared",
            "Tax": TAX_AMOUNT,
            "Grand Total": WITH_TAX,
        },
    ),
)


def find_preset(name: str) -> Preset:
    key = normalise_key(name)
    for preset in PRESETS:
        if key in (preset.key, normalise_key(preset.title)):
            return preset
    raise MappingError(f"There is no preset {name!r}; the presets are: {', '.join(p.key for p in PRESETS)}.")


def detect(header: Sequence[str]) -> Preset | None:
    keys = {normalise_key(name) for name in header}
    return next((p for p in PRESETS if all(normalise_key(h) in keys for h in p.detect)), None)


def apply_preset(mapping: Mapping, preset: Preset) -> None:
    for name, choice in preset.columns.items():
        mapping.choose_by_name(name, choice, note=preset.reasons.get(name, ""))
    mapping.fill_down = preset.fill_down
    mapping.preset = preset.title
    if preset.date_order:
        mapping.fallback_order = preset.date_order


def resolve(header: Sequence[str], request: MappingRequest | None = None) -> Mapping:
    """The mapping for this header: the window's as given; else the guess, then the named or detected
    preset, then the saved mapping of this header, then the mapping file, then each --map."""
    request = request or MappingRequest()
    if request.mapping is not None and [c.name for c in request.mapping.columns] == list(header):
        return request.mapping
    mapping = guess(header, request.tracking_categories)
    preset = find_preset(request.preset) if request.preset else detect(header)
    if preset is not None:
        apply_preset(mapping, preset)
        mapping.origin = "the preset asked for" if request.preset else "recognised from the header"
    saved = saved_document(mapping.signature, request.saved_folder) if request.use_saved else None
    if saved is not None and request.document is None:
        mapping.apply_document(saved, "the saved mapping")
        mapping.origin = "the mapping saved for this header"
    if request.document is not None:
        mapping.apply_document(request.document, f"The mapping file {request.document_name}")
        mapping.origin = f"the mapping file {request.document_name}"
    for choice, column in request.overrides:
        if not mapping.choose_by_name(column, choice, note="--map"):
            names = ", ".join(show(c.name) for c in mapping.columns[:12])
            raise MappingError(
                f"--map {choice}={column}: the file has no column {show(column)} (it has {names})."
            )
    if request.fill_down is not None:
        mapping.fill_down = request.fill_down
    if request.date_order is not None:
        mapping.date_order = request.date_order
    return mapping
