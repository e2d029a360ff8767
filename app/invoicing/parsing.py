"""Shared pieces of the quote readers: column aliases, raw rows, and forgiving value parsers.

Every parser returns ``(value, None)`` or ``(None, sentence)``: a bad value is a row problem to show the
user, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

MAX_BYTES = 50 * 1024 * 1024  # a JSON export is parsed whole, so its size is what bounds memory
MAX_LINES = 2_000_000  # a CSV streams: the line items kept (about 200 bytes each) are what bound memory
MAX_DESCRIPTION = 4000  # Xero's limit for a line description
MAX_QUANTITY = Decimal(1_000_000)
MAX_UNIT_AMOUNT = Decimal(1_000_000_000)
MAX_NAME = 255  # Xero's limit for a contact name and an invoice reference
MAX_NUMBER_CHARS = 40  # a longer string of digits is not a price or a quantity

# Canonical field -> accepted column names, best first; the first four are shown in messages.
ALIASES: dict[str, tuple[str, ...]] = {
    "number": (
        "Quote Number",
        "Order Number",
        "Number",
        "Reference",
        "Quote No",
        "Order No",
        "Quote #",
        "Order #",
        "Quote ID",
        "Order ID",
        "Ref",
        "Document Number",
    ),
    "contact_name": (
        "Customer",
        "Client",
        "Contact",
        "Company",
        "Contact Name",
        "Customer Name",
        "Client Name",
        "Company Name",
        "Organisation",
        "Organization",
    ),
    "contact_email": ("Email", "Contact Email", "Customer Email", "Client Email", "Email Address"),
    "date": ("Date", "Quote Date", "Order Date", "Issue Date", "Invoice Date", "Issued"),
    "due_date": ("Due Date", "Due", "Payment Due", "Due By"),
    "currency": ("Currency", "Currency Code", "Ccy"),
    "line_amount_types": ("Amounts Are", "Tax Mode", "Line Amount Types", "Line Amount Type", "Amounts"),
    "kind": ("Type", "Kind", "Document Type", "Doc Type"),
    "description": (
        "Description",
        "Item Description",
        "Product",
        "Line Description",
        "Product Name",
        "Details",
    ),
    "quantity": ("Quantity", "Qty", "Units", "Quantity Ordered"),
    "unit_amount": ("Unit Price", "Price", "Unit Amount", "Rate", "Price Each", "Unit Rate"),
    "discount_rate": ("Discount", "Discount %", "Discount Rate", "Discount Percent", "Disc", "Disc %"),
    "item_code": ("Item Code", "SKU", "Product Code", "Inventory Item Code"),
    "account_code": ("Account", "Account Code", "Sales Account", "Revenue Account"),
    "tax_type": ("Tax Type", "Tax Code", "Tax Rate", "VAT Code", "GST Code", "Tax"),
    "discount_amount": ("Discount Amount", "Disc Amount", "Line Discount Amount"),
    "line_total": ("Line Total", "Line Amount", "Total Price", "Line Subtotal"),
    "quote_total": ("Quote Total", "Order Total", "Quote Subtotal", "Order Subtotal"),
}
QUOTE_FIELDS = ("contact_name", "contact_email", "date", "due_date", "currency", "line_amount_types", "kind")
FIELD_LABELS = {
    "number": "number",
    "contact_name": "customer",
    "contact_email": "email",
    "date": "date",
    "due_date": "due date",
    "currency": "currency",
    "line_amount_types": "amounts-are setting",
    "kind": "type",
    "description": "description",
    "quantity": "quantity",
    "unit_amount": "unit price",
    "discount_rate": "discount",
    "item_code": "item code",
    "account_code": "account code",
    "tax_type": "tax type",
    "discount_amount": "discount amount",
    "line_total": "line total",
    "quote_total": "quote total",
}


def normalise_key(name: str) -> str:
    """Header and JSON key matching: case, surrounding spaces, brackets and the separators _ - . space
    ignored, so `Discount (%)` is `Discount %`."""
    return re.sub(r"[\s_.\-()\[\]]+", "", name.replace("\ufeff", "")).casefold()


_FIELD_BY_KEY = {normalise_key(alias): name for name, aliases in ALIASES.items() for alias in aliases}
_FIELD_BY_KEY.update({normalise_key(name): name for name in ALIASES})  # JSON's own snake_case keys


def field_for(key: str) -> str | None:
    return _FIELD_BY_KEY.get(normalise_key(key))


def expected(field_name: str) -> str:
    return ", ".join(ALIASES[field_name][:4])


@dataclass(slots=True)
class RawRow:
    """One line item as read, before validation: canonical field -> the value as found."""

    values: dict[str, object]
    line: int | None = None  # physical line in a CSV file (header = 1)
    group: str | None = None  # what groups rows into one quote; None = the quote number
    where_line: str = ""  # JSON path of the line, e.g. quotes[2].lines[0]
    where_quote: str = ""  # JSON path of the quote, e.g. quotes[2]
    default_kind: str = "quote"
    problems: list[str] = field(default_factory=list)  # found while reading (e.g. a value of a wrong type)


# -- text ----------------------------------------------------------------------------------------------


def show(value: object, limit: int = 40) -> str:
    """A value quoted for a message; long or odd values are cut and escaped so the sentence stays readable."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return repr(text)


def as_text(value: object) -> str:
    """Text of a field; JSON numbers are fine as text (an item code 200), anything else becomes ''."""
    if isinstance(value, str):
        return clean_text(value).strip()
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    return ""


_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str, multiline: bool = False) -> str:
    """CRM text without C0/C1 control characters (a NUL, an escape, a stray \\x85 would reach the invoice);
    a description keeps its line breaks, any other field becomes one line."""
    if text.isprintable():
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROLS.sub("", text) if multiline else _CONTROLS.sub("", text.replace("\n", " "))
    return text


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- numbers -------------------------------------------------------------------------------------------

_SYMBOLS = "£$€¥₹"
_GROUPED = re.compile(r"^\d{1,3}(?P<g>[ ,.'\u00a0\u202f’])\d{3}(?:(?P=g)\d{3})*(?:(?P<d>[.,])\d+)?$")
_SPACES = " \u00a0\u202f"


def parse_decimal(value: object, label: str) -> tuple[Decimal | None, str | None]:
    """A number as people and spreadsheets write it: 12.50, 12,50, 1.234,56, 1,234.56, £1 200.00, (5.00)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        return None, f"{label} must be a number"
    if isinstance(value, (int, Decimal)):
        return _finite(Decimal(value), value, label)
    text = value.strip().strip(_SPACES)
    negative, body = _split_sign(text)
    if len(body) > MAX_NUMBER_CHARS:
        return None, f"{label} {show(value)} is too long to be a number"
    number, ambiguous = _read_digits(body)
    if ambiguous:
        return None, (
            f"{label} {show(value)} is ambiguous: write {body.replace(',', '')} for thousands "
            f"or {body.replace(',', '.')} for a decimal"
        )
    if number is None:
        return None, f"{label} {show(value)} is not a number"
    return (-number if negative else number), None


def _finite(number: Decimal, raw: object, label: str) -> tuple[Decimal | None, str | None]:
    if not number.is_finite():
        return None, f"{label} {show(raw)} is not a number"
    return number, None


def _split_sign(text: str) -> tuple[bool, str]:
    """Strip a sign, accounting brackets and a currency symbol or code, in the orders CRMs put them."""
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip(_SPACES)
    for _ in range(2):  # "-£5" and "£-5" both occur
        if text.startswith(("+", "-")):
            negative, text = negative or text[0] == "-", text[1:].strip(_SPACES)
        text = text.strip(_SYMBOLS).strip(_SPACES)
        text = re.sub(r"^[A-Z]{3}\s*|\s*[A-Z]{3}$", "", text)
    if text.endswith("-"):
        negative, text = True, text[:-1].strip(_SPACES)
    return negative, text


def _read_digits(body: str) -> tuple[Decimal | None, bool]:
    """(number, ambiguous): a single comma before exactly three digits could be either separator."""
    if re.fullmatch(r"\d+\.?\d*|\.\d+", body):
        return _decimal(body), False
    single_comma = re.fullmatch(r"(\d*),(\d+)", body)
    if single_comma:
        whole, fraction = single_comma.groups()
        if len(fraction) == 3 and 1 <= len(whole) <= 3 and not whole.startswith("0"):
            return None, True
        return _decimal(f"{whole}.{fraction}"), False
    grouped = _GROUPED.fullmatch(body)
    if grouped and grouped.group("g") != grouped.group("d"):
        decimal_mark = grouped.group("d") or ""
        whole, _, fraction = body.rpartition(decimal_mark) if decimal_mark else (body, "", "")
        return _decimal(re.sub(r"\D", "", whole) + ("." + fraction if fraction else "")), False
    return None, False


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


# -- dates ---------------------------------------------------------------------------------------------

_MS_DATE = re.compile(r"^/Date\((-?\d{1,15})([+-]\d{4})?\)/$")
_YEAR_FIRST = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ][\d:.+\-Z]*)?$")
_DAY_FIRST = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
_NAMED = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y")


DATE_ORDERS = ("day", "month", "iso")  # day first, month first, ISO (year first) only
DATE_ORDER_WORDS = {"day": "day first", "month": "month first", "iso": "ISO (year first)"}


def parse_date(value: object, label: str = "date", order: str = "day") -> tuple[date | None, str | None]:
    """ISO and named months always; 04/11/2026 as ``order`` says (day or month first; one that only makes
    sense the other way round is read that way); with order "iso" only year-first dates."""
    examples = (
        "2026-11-26" if order == "iso" else ("11/26/2026" if order == "month" else "26/11/2026 or 26.11.2026")
    )
    problem = f"{label} {show(value)} is not a date this program reads (use 2026-11-26 or {examples})"
    if not isinstance(value, str):
        return None, problem
    text = value.strip()
    slashed = None if order == "iso" else _day_month(text, order == "month")
    found = _ms_date(text) or _year_first(text) or slashed or _named(text)
    if found is None or not 1900 <= found.year <= 2999:
        return None, problem
    return found, None


def date_evidence(value: object) -> str | None:
    """What a day/month date alone says about the file's order: "day" (31/01/2026), "month" (01/31/2026),
    "either" (04/11/2026), or None (05/05/2026, an ISO date, not a date)."""
    match = _DAY_FIRST.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(3))
    if first > 12 >= second:
        return "day"
    if second > 12 >= first:
        return "month"
    return "either" if first != second and first <= 12 and second <= 12 else None


def _ms_date(text: str) -> date | None:
    match = _MS_DATE.match(text)
    if not match:
        return None
    try:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def _year_first(text: str) -> date | None:
    match = _YEAR_FIRST.match(text)
    return _make(match.group(1), match.group(3), match.group(4)) if match else None


def _day_month(text: str, month_first: bool) -> date | None:
    match = _DAY_FIRST.match(text)
    if not match:
        return None
    first, second, year = match.group(1), match.group(3), match.group(4)
    year = year if len(year) == 4 else f"20{year}"
    if month_first:
        return _make(year, first, second) or _make(year, second, first)
    return _make(year, second, first) or _make(year, first, second)


def _named(text: str) -> date | None:
    for pattern in _NAMED:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _make(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


# -- codes ---------------------------------------------------------------------------------------------

_AMOUNT_TYPES = {
    "Exclusive": (
        "exclusive",
        "taxexclusive",
        "excl",
        "ex",
        "exvat",
        "exgst",
        "excludingtax",
        "excludingvat",
        "net",
        "exclusiveoftax",
    ),
    "Inclusive": (
        "inclusive",
        "taxinclusive",
        "incl",
        "inc",
        "incvat",
        "incgst",
        "includingtax",
        "includingvat",
        "gross",
        "inclusiveoftax",
    ),
    "NoTax": ("notax", "none", "taxfree", "nottaxed", "novat", "nogst", "outofscope"),
}
_AMOUNT_TYPE_BY_KEY = {key: name for name, keys in _AMOUNT_TYPES.items() for key in keys}
_KINDS = {
    "quote": "quote",
    "quotes": "quote",
    "quotation": "quote",
    "estimate": "quote",
    "proposal": "quote",
    "order": "order",
    "orders": "order",
    "salesorder": "order",
    "so": "order",
}
_CURRENCY_SYMBOLS = {"£": "GBP", "€": "EUR"}


def parse_line_amount_types(value: object) -> tuple[str | None, str | None]:
    key = normalise_key(as_text(value))
    found = _AMOUNT_TYPE_BY_KEY.get(key)
    if found is None:
        return None, (
            f"amounts-are setting {show(as_text(value) or value)} is not one of "
            "Exclusive, Inclusive or No Tax"
        )
    return found, None


def parse_kind(value: object) -> tuple[str | None, str | None]:
    found = _KINDS.get(normalise_key(as_text(value)))
    if found is None:
        return None, f"type {show(as_text(value) or value)} is neither quote nor order"
    return found, None


def parse_currency(value: object) -> tuple[str | None, str | None]:
    text = as_text(value)
    code = _CURRENCY_SYMBOLS.get(text, text.upper())
    if not re.fullmatch(r"[A-Z]{3}", code):
        return None, f"currency {show(text or value)} is not a three-letter code such as GBP"
    return code, None
