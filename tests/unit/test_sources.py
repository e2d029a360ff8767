"""Loading CRM quotes and orders: CSV and JSON files, the samples, and the tenant's accepted quotes."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.invoicing.parsing import ALIASES, normalise_key, parse_date, parse_decimal
from app.invoicing.records import LoadResult
from app.invoicing.sources import load_file, load_text, load_xero_quotes

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
HEADER = "Quote Number,Customer,Email,Date,Description,Quantity,Unit Price,Discount,Account Code,Tax Type"


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def only_problem(result: LoadResult) -> str:
    assert len(result.problems) == 1, result.problems
    return result.problems[0].reason


# -- grouping and columns ------------------------------------------------------------------------------


def test_rows_are_grouped_by_number_in_first_seen_order() -> None:
    text = csv_of(
        "Q-1,Acme Ltd,a@acme.example,2026-11-26,Dev hours,10,95,,200,OUTPUT2",
        "Q-2,Bayside Club,,2026-11-27,Widgets,4,24.50,10,200,OUTPUT2",
        "Q-1,,,,Support,1,250,,200,OUTPUT2",
    )
    result = load_text(text, "crm.csv")
    assert result.problems == []
    assert [q.number for q in result.quotes] == ["Q-1", "Q-2"]
    acme = result.quotes[0]
    assert acme.contact_name == "Acme Ltd" and acme.contact_email == "a@acme.example"
    assert acme.date == date(2026, 11, 26) and acme.kind == "quote" and acme.origin == "crm.csv"
    assert [(line.description, line.quantity) for line in acme.lines] == [
        ("Dev hours", Decimal(10)),
        ("Support", Decimal(1)),
    ]
    assert result.quotes[1].lines[0].discount_rate == Decimal(10)
    assert result.quotes[1].lines[0].unit_amount == Decimal("24.50")


def test_header_aliases_are_matched_loosely() -> None:
    header = (
        " quote_no ,CLIENT,contact-email,Order.Date,Payment Due,currency code,Tax Mode,Product,qty,Rate,"
        "Discount %,SKU,Account,Tax Code,Kind"
    )
    row = (
        "O-9,Acme Ltd,a@x.example,2026-11-26,2026-12-26,gbp,tax inclusive,Widget,2,3.5,5,"
        "WIDGET-A,200,OUTPUT2,Order"
    )
    result = load_text(f"{header}\n{row}\n", "export.csv")
    assert result.problems == []
    quote = result.quotes[0]
    assert (quote.number, quote.kind, quote.currency, quote.line_amount_types) == (
        "O-9",
        "order",
        "GBP",
        "Inclusive",
    )
    assert quote.due_date == date(2026, 12, 26)
    line = quote.lines[0]
    assert (line.item_code, line.account_code, line.tax_type) == ("WIDGET-A", "200", "OUTPUT2")


def test_aliases_do_not_collide() -> None:
    keys = [normalise_key(alias) for aliases in ALIASES.values() for alias in aliases]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    "name", ["crm.csv", "/tmp/crm-orders-nov.csv", "quotes-recorder.csv", "border-agency.csv"]
)
def test_a_file_name_never_changes_what_a_row_is(name: str) -> None:
    text = csv_of("O-1,Acme Ltd,,,Widget,1,1,,,")
    [loaded] = load_text(text, name).quotes
    assert (loaded.kind, loaded.source_id) == ("quote", "o-1")
    # The label a caller asks for is only a label: the identity is the number, as Xero compares it.
    assert load_text(text, name, kind_hint="order").quotes[0].source_id == "o-1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("exclusive", "Exclusive"),
        ("Tax Exclusive", "Exclusive"),
        ("INCLUSIVE", "Inclusive"),
        ("no tax", "NoTax"),
        ("NoTax", "NoTax"),
        ("", "Exclusive"),
    ],
)
def test_line_amount_types_spellings(value: str, expected: str) -> None:
    header = "Number,Customer,Amounts Are,Description,Price"
    result = load_text(f"{header}\nQ-1,Acme,{value},Widget,1\n", "q.csv")
    assert result.quotes[0].line_amount_types == expected


# -- encodings, delimiters, numbers, dates -------------------------------------------------------------


def test_utf8_bom_is_ignored() -> None:
    data = "\ufeff".encode() + csv_of("Q-1,Zoë Ltd,,,Widget,1,1,,,").encode("utf-8")
    result = load_text(data, "bom.csv")
    assert result.problems == [] and result.quotes[0].contact_name == "Zoë Ltd"


def test_windows_1252_semicolons_and_decimal_comma() -> None:
    header = HEADER.replace(",", ";")
    text = f"{header}\r\nQ-1;Café Rouge;;26.11.2026;Crème brûlée;1,5;£1 200,50;12,5;200;OUTPUT2\r\n"
    result = load_text(text.encode("cp1252"), "euro.csv")
    assert result.problems == []
    quote = result.quotes[0]
    assert quote.contact_name == "Café Rouge" and quote.date == date(2026, 11, 26)
    line = quote.lines[0]
    assert (line.description, line.quantity, line.unit_amount) == (
        "Crème brûlée",
        Decimal("1.5"),
        Decimal("1200.50"),
    )
    assert line.discount_rate == Decimal("12.5")


def test_quoted_decimal_comma_in_a_comma_file() -> None:
    result = load_text(csv_of('Q-1,Acme,,,Widget,"2,5","12,50",,,'), "q.csv")
    assert result.quotes[0].lines[0].unit_amount == Decimal("12.50")
    assert result.quotes[0].lines[0].quantity == Decimal("2.5")


def test_ambiguous_thousands_comma_is_a_row_problem() -> None:
    result = load_text(csv_of('Q-1,Acme,,,Widget,1,"1,234",,,'), "q.csv")
    assert result.quotes == []
    problem = result.problems[0]
    assert problem.line == 2 and problem.number == "Q-1" and "ambiguous" in problem.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", "12.50"),
        ("12,50", "12.50"),
        ("1.234,56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("£1 200.00", "1200.00"),
        ("1 234,5", "1234.5"),
        ("-£5", "-5"),
        ("(7.25)", "-7.25"),
        ("0,125", "0.125"),
        ("1,234,567", "1234567"),
        ("1.234.567,8", "1234567.8"),
        ("GBP 10", "10"),
        ("€ 3,20", "3.20"),
    ],
)
def test_numbers_as_people_write_them(text: str, expected: str) -> None:
    assert parse_decimal(text, "price") == (Decimal(expected), None)


@pytest.mark.parametrize("text", ["abc", "1,2,3", "1e5", "NaN", "Infinity", "12..5", "1 2", ""])
def test_numbers_that_are_not(text: str) -> None:
    value, problem = parse_decimal(text, "price")
    assert value is None and problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26", date(2026, 11, 26)),
        ("26/11/2026", date(2026, 11, 26)),
        ("26.11.2026", date(2026, 11, 26)),
        ("2026/11/26", date(2026, 11, 26)),
        ("11/26/2026", date(2026, 11, 26)),
        ("03/04/2026", date(2026, 4, 3)),
        ("2026-11-26T00:00:00", date(2026, 11, 26)),
        ("26 Nov 2026", date(2026, 11, 26)),
        ("/Date(1795651200000+0000)/", date(2026, 11, 26)),
    ],
)
def test_dates(text: str, expected: date) -> None:
    assert parse_date(text) == (expected, None)


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "tomorrow", "13/13/2026", "0001-01-01"])
def test_bad_dates(text: str) -> None:
    value, problem = parse_date(text)
    assert value is None and problem


# -- row problems --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("Q-1,,,,Widget,1,1,,,", "has no customer name"),
        ("Q-1,Acme,,,,1,1,,,", "has no description"),
        ("Q-1,Acme,,,Widget,many,1,,,", "quantity 'many' is not a number"),
        ("Q-1,Acme,,,Widget,0,1,,,", "quantity must be more than 0"),
        ("Q-1,Acme,,,Widget,-3,1,,,", "quantity must be more than 0"),
        ("Q-1,Acme,,,Widget,1000001,1,,,", "more than 1,000,000"),
        ("Q-1,Acme,,,Widget,1,cheap,,,", "unit price 'cheap' is not a number"),
        ("Q-1,Acme,,,Widget,1,1000000001,,,", "beyond ±1,000,000,000"),
        ("Q-1,Acme,,,Widget,1,,,,", "has no unit price"),
        ("Q-1,Acme,,,Widget,1,1,101,,", "outside 0–100"),
        ("Q-1,Acme,,,Widget,1,1,-1,,", "outside 0–100"),
        ("Q-1,Acme,,31/02/2026,Widget,1,1,,,", "date '31/02/2026' is not a date"),
        (f"Q-1,Acme,,,{'x' * 4001},1,1,,,", "longer than 4000 characters"),
    ],
)
def test_each_row_problem_names_line_number_and_reason(row: str, words: str) -> None:
    good = "Q-0,Acme,,,Fine,1,1,,,"
    result = load_text(csv_of(good, row), "q.csv")
    assert [q.number for q in result.quotes] == ["Q-0"]
    problem = result.problems[0]
    assert (problem.line, problem.number) == (3, "Q-1")
    assert words in problem.reason and "Q-1 is left out" in problem.reason
    assert str(problem).startswith("q.csv, line 3: ")


def test_unknown_amounts_are_and_kind() -> None:
    header = "Number,Customer,Amounts Are,Type,Description,Price"
    result = load_text(f"{header}\nQ-1,Acme,gross-ish,quote,W,1\nQ-2,Acme,Exclusive,invoice,W,1\n", "q.csv")
    reasons = [p.reason for p in result.problems]
    assert "not one of Exclusive, Inclusive or No Tax" in reasons[0]
    assert "neither quote nor order" in reasons[1]
    assert result.invalid_numbers == {"Q-1", "Q-2"}


def test_missing_number_is_a_problem_and_holds_back_the_quote_above() -> None:
    result = load_text(
        csv_of(",Acme,,,Orphan line,1,1,,,", "Q-1,Acme,,,W,1,1,,,", ",,,,Next,1,1,,,"), "q.csv"
    )
    first, second = result.problems
    assert (first.line, first.number) == (2, "") and "no quote number" in first.reason
    assert (second.line, second.number) == (4, "Q-1")
    assert result.quotes == []


def test_line_numbers_count_physical_lines_of_quoted_newlines() -> None:
    text = csv_of(
        'Q-1,Acme,,,"Design review\nwith two\nrounds",1,1,,,',  # lines 2-4
        "Q-2,Acme,,,Widget,x,1,,,",  # line 5
    )
    result = load_text(text, "q.csv")
    assert result.quotes[0].lines[0].description == "Design review\nwith two\nrounds"
    assert [(p.line, p.number) for p in result.problems] == [(5, "Q-2")]


def test_a_bad_row_invalidates_its_whole_quote_only() -> None:
    result = load_text(csv_of("Q-1,Acme,,,A,1,1,,,", "Q-2,Bay,,,B,1,1,,,", "Q-1,,,,C,zero,1,,,"), "q.csv")
    assert [q.number for q in result.quotes] == ["Q-2"]
    assert result.invalid_numbers == {"Q-1"}


@pytest.mark.parametrize(
    ("second", "words"),
    [
        ("Q-1,Bayside Club,,,B,1,1,,,", "customer is 'Bayside Club' here but 'Acme Ltd' on line 2"),
        ("Q-1,,b@b.example,,B,1,1,,,", "email is 'b@b.example' here but 'a@a.example' on line 2"),
        ("Q-1,,,2026-11-27,B,1,1,,,", "date is '2026-11-27' here but '2026-11-26' on line 2"),
    ],
)
def test_rows_of_one_quote_must_agree_on_quote_level_fields(second: str, words: str) -> None:
    result = load_text(csv_of("Q-1,Acme Ltd,a@a.example,2026-11-26,A,1,1,,,", second), "q.csv")
    assert result.quotes == []
    assert words in only_problem(result) and result.problems[0].line == 3


def test_same_quote_level_values_written_differently_agree() -> None:
    result = load_text(
        csv_of("Q-1,Acme Ltd,,2026-11-26,A,1,1,,,", "Q-1,ACME  ltd,,26/11/2026,B,1,1,,,"), "q.csv"
    )
    assert result.problems == [] and len(result.quotes[0].lines) == 2


def test_formula_like_text_is_kept_as_data() -> None:
    formula = "=cmd|' /C calc'!A0"
    text = csv_of(f'Q-1,@Acme,,,"{formula}",1,1,,,', "Q-1,,,,+SUM(A1:A2),1,1,,,", "Q-1,,,,-2+3,1,1,,,")
    quote = load_text(text, "q.csv").quotes[0]
    assert quote.contact_name == "@Acme"
    assert [line.description for line in quote.lines] == [formula, "+SUM(A1:A2)", "-2+3"]


# -- files that are not quote exports ------------------------------------------------------------------


def test_empty_file() -> None:
    assert only_problem(load_text(b"", "empty.csv")) == "empty.csv is empty, so it holds no quotes or orders."
    assert load_text("  \n\n", "blank.csv").problems[0].line is None


def test_png_bytes() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    assert "is not a text file" in only_problem(load_text(png, "logo.png"))


def test_spreadsheet_workbook() -> None:
    assert "save it as CSV" in only_problem(load_text(b"PK\x03\x04\x14\x00\x06\x00", "quotes.xlsx"))


def test_unrelated_csv_gets_one_sentence() -> None:
    result = load_text("Name,Score\nAnn,3\nBob,4\n", "report.csv")
    assert only_problem(result) == (
        "report.csv does not look like a quote or order export: it has no column for the quote number "
        "(expected one of: Quote Number, Order Number, Number, Reference)."
    )
    assert result.problems[0].line is None


def test_csv_without_descriptions_or_prices() -> None:
    assert "no column for the line description" in only_problem(
        load_text("Number,Customer\nQ-1,A\n", "a.csv")
    )
    no_price = only_problem(load_text("Number,Customer,Description\nQ-1,A,W\n", "a.csv"))
    assert "no column for the unit price" in no_price


@pytest.mark.parametrize(
    "document", [{"users": [1, 2]}, [1, 2, 3], "text", 42, {"quotes": "none"}, [{"a": 1}]]
)
def test_json_of_another_shape(document: Any) -> None:
    reason = only_problem(load_text(json.dumps(document), "other.json"))
    assert reason.startswith("other.json does not look like a quote or order export")


def test_invalid_json() -> None:
    assert "is not valid JSON (line 1" in only_problem(load_text('{"quotes": [', "broken.json"))


def test_oversized_input_is_refused_with_a_sentence() -> None:
    # A CSV streams, so its size is no limit; it is read at most 1 MB of a line at a time (memory stays
    # bounded), and a file of one absurd line is not a quote export.
    assert "does not look like a quote" in only_problem(load_text(b"a" * (60 * 1024 * 1024), "huge.csv"))
    assert "more than the 50 MB" in only_problem(load_text(b"[" + b" " * (50 * 1024 * 1024), "huge.json"))


def test_unreadable_path(tmp_path: Path) -> None:
    assert "could not be read" in only_problem(load_file(tmp_path / "missing.csv"))
    assert "could not be read" in only_problem(load_file(tmp_path))


def test_content_is_sniffed_when_the_extension_says_nothing(tmp_path: Path) -> None:
    path = tmp_path / "export.dat"
    path.write_text(
        json.dumps([{"number": "Q-1", "contact_name": "A", "lines": [{"description": "W", "unit_price": 1}]}])
    )
    assert [q.number for q in load_file(path).quotes] == ["Q-1"]
    path.write_text(csv_of("Q-2,A,,,W,1,1,,,"))
    assert [q.number for q in load_file(path).quotes] == ["Q-2"]


# -- JSON ----------------------------------------------------------------------------------------------


def test_json_variants() -> None:
    quote = {
        "number": "Q-1",
        "contact": {"name": "Acme", "email": "a@x.example"},
        "date": "26/11/2026",
        "currency": "gbp",
        "line_amount_types": "inclusive",
        "lines": [
            {"description": "W", "quantity": 2, "unit_price": 1.1, "discount": "5%"},
            {"Description": "V", "Qty": "3", "Unit Amount": "2,50", "discount_rate": 0},
        ],
    }
    flat = {"Quote Number": "Q-2", "contact_name": "Bay", "lines": [{"description": "X", "unit_amount": 9}]}
    for text, kind in [
        (json.dumps({"quotes": [quote, flat]}), "quote"),
        (json.dumps([quote, flat]), "quote"),
        (json.dumps({"orders": [quote, flat]}), "order"),
    ]:
        result = load_text(text, "crm.json")
        assert result.problems == []
        first, second = result.quotes
        assert (first.number, first.contact_name, first.contact_email, first.kind) == (
            "Q-1",
            "Acme",
            "a@x.example",
            kind,
        )
        assert (first.currency, first.line_amount_types, first.date) == (
            "GBP",
            "Inclusive",
            date(2026, 11, 26),
        )
        assert [(ln.quantity, ln.unit_amount, ln.discount_rate) for ln in first.lines] == [
            (Decimal(2), Decimal("1.1"), Decimal(5)),
            (Decimal(3), Decimal("2.50"), Decimal(0)),
        ]
        assert (second.number, second.contact_name, second.lines[0].quantity) == ("Q-2", "Bay", Decimal(1))


def test_json_problems_carry_the_path() -> None:
    good = {"number": "Q-1", "contact_name": "A", "lines": [{"description": "W", "unit_price": 1}]}
    bad_line = {
        "number": "Q-2",
        "contact_name": "B",
        "lines": [
            {"description": "W", "unit_price": 1},
            {"description": "V", "quantity": "lots", "unit_price": 1},
        ],
    }
    bad_date = {
        "number": "Q-3",
        "contact_name": "C",
        "date": "soon",
        "lines": [{"description": "W", "unit_price": 1}],
    }
    no_lines = {"number": "Q-4", "contact_name": "D", "lines": []}
    result = load_text(
        json.dumps({"quotes": [good, bad_line, bad_date, no_lines, 7, {"lines": []}]}), "c.json"
    )
    assert [q.number for q in result.quotes] == ["Q-1"]
    reasons = {p.reason.split(":")[0]: p for p in result.problems}
    assert (
        reasons["quotes[1].lines[1]"].number == "Q-2"
        and "quantity 'lots'" in reasons["quotes[1].lines[1]"].reason
    )
    assert "date 'soon'" in reasons["quotes[2]"].reason
    assert "has no lines" in next(p.reason for p in result.problems if p.number == "Q-4")
    assert "is not a quote object" in next(
        p.reason for p in result.problems if p.reason.startswith("quotes[4]")
    )
    assert "has no quote number" in next(
        p.reason for p in result.problems if p.reason.startswith("quotes[5]")
    )
    assert all(p.line is None for p in result.problems)


def test_json_duplicate_numbers_leave_both_out() -> None:
    one = {"number": "Q-1", "contact_name": "A", "lines": [{"description": "W", "unit_price": 1}]}
    result = load_text(json.dumps([one, one]), "dup.json")
    assert result.quotes == [] and "also used by [0]" in only_problem(result)


# -- samples -------------------------------------------------------------------------------------------


def test_sample_quotes_csv() -> None:
    result = load_file(SAMPLES / "crm-quotes.csv")
    assert len(result.quotes) == 10 and sum(len(q.lines) for q in result.quotes) == 26
    assert result.invalid_numbers == {"CRM-Q-1009", "CRM-Q-1011"}
    assert [(p.line, p.number) for p in result.problems] == [(22, "CRM-Q-1009"), (28, "CRM-Q-1011")]
    assert {q.contact_name for q in result.quotes} >= {
        "Acme Ltd",
        "Thornbury Bakery Ltd",
        "Kestrel Design Studio",
    }
    assert {q.line_amount_types for q in result.quotes} == {"Exclusive", "Inclusive", "NoTax"}


def test_sample_orders_json() -> None:
    result = load_file(SAMPLES / "crm-orders.json")
    assert result.problems == []
    assert len(result.quotes) == 5 and {q.kind for q in result.quotes} == {"order"}
    assert result.quotes[1].lines[0].discount_rate == Decimal("12.5")


def test_sample_windows_1252_csv() -> None:
    raw = (SAMPLES / "crm-quotes-windows1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    result = load_file(SAMPLES / "crm-quotes-windows1252.csv")
    assert result.problems == [] and len(result.quotes) == 3
    cafe = result.quotes[1]
    assert cafe.contact_name == "Café Lumière Ltd" and cafe.lines[1].unit_amount == Decimal("1200.00")
    assert cafe.lines[0].quantity == Decimal("12.5")


# -- the tenant's accepted quotes ----------------------------------------------------------------------


def xero_quote(number: str, status: str = "ACCEPTED", **extra: Any) -> dict[str, Any]:
    quote = {
        "QuoteID": f"id-{number}",
        "QuoteNumber": number,
        "Status": status,
        "LineAmountTypes": "EXCLUSIVE",
        "Contact": {"ContactID": "c-1", "Name": "Acme Ltd"},
        "Date": "/Date(1768867200000+0000)/",
        "DateString": "2026-01-20T00:00:00",
        "CurrencyCode": "GBP",
        "LineItems": [
            {
                "Description": "Software development, per hour",
                "Quantity": 16.0,
                "UnitAmount": 95.0,
                "ItemCode": "DEV-HOUR",
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
                "DiscountRate": 2.5,
            }
        ],
    }
    quote.update(extra)
    return quote


class FakeClient:
    """Pages of quotes as XeroClient returns them; all_pages behaves like the real one."""

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.calls: list[tuple[str | None, int | None]] = []

    def quotes(self, *, status: str | None = None, page: int | None = None) -> list[dict[str, Any]]:
        self.calls.append((status, page))
        return self.pages[(page or 1) - 1] if (page or 1) <= len(self.pages) else []

    def all_pages(self, fetch: Any, **filters: Any) -> Any:
        page = 1
        while records := fetch(page=page, **filters):
            yield from records
            page += 1


def test_load_xero_quotes_maps_every_page() -> None:
    notax = xero_quote("QU-0007", LineAmountTypes="NOTAX", DateString=None)
    client = FakeClient([[xero_quote("QU-0005"), xero_quote("QU-0006", "DRAFT")], [notax]])
    result = load_xero_quotes(client)
    assert client.calls == [("ACCEPTED", 1), ("ACCEPTED", 2), ("ACCEPTED", 3)]
    assert result.problems == []
    first, second = result.quotes
    assert (first.number, first.kind, first.origin, first.source_id) == (
        "QU-0005",
        "quote",
        "xero",
        "qu-0005",
    )
    assert (first.xero_contact_id, first.xero_quote_id, first.contact_name) == (
        "c-1",
        "id-QU-0005",
        "Acme Ltd",
    )
    assert (first.date, first.currency, first.line_amount_types) == (date(2026, 1, 20), "GBP", "Exclusive")
    line = first.lines[0]
    assert (line.quantity, line.unit_amount, line.discount_rate) == (
        Decimal("16.0"),
        Decimal("95.0"),
        Decimal("2.5"),
    )
    assert (line.item_code, line.account_code, line.tax_type) == ("DEV-HOUR", "200", "OUTPUT2")
    assert second.line_amount_types == "NoTax" and second.date == date(2026, 1, 20)  # from /Date(ms)/


def test_load_xero_quotes_reports_a_quote_it_cannot_map() -> None:
    odd = xero_quote("QU-0009", LineAmountTypes="SOMETIMES")
    bad_line = xero_quote("QU-0010", LineItems=[{"Description": "x", "Quantity": "lots"}])
    result = load_xero_quotes(FakeClient([[xero_quote("QU-0005"), odd, bad_line]]))
    assert [q.number for q in result.quotes] == ["QU-0005"]
    assert result.invalid_numbers == {"QU-0009", "QU-0010"}
    assert all(p.line is None and p.origin == "xero" for p in result.problems)


class _Tokens:
    def __init__(self, token: str) -> None:
        self.token = token
        self.refresh_count = 0

    def access_token(self) -> str:
        return self.token

    def refresh_after_401(self, rejected: str) -> str:
        raise AssertionError("the fresh token should not be rejected")


def _sandbox_token(base: str, endpoints: Any) -> str:
    """The code flow with auto-consent, as tests/integration/test_client_sandbox.py drives it."""
    from app.xero.endpoints import GRANULAR_SCOPES

    redirect = "http://localhost:53682/callback"
    app = requests.post(
        f"{base}/sandbox/apps",
        timeout=10,
        json={"name": "Sources test", "redirect_uris": [redirect], "integration_type": "web"},
    )
    client_id, secret = app.json()["client_id"], app.json()["client_secret"]
    requests.post(f"{base}/sandbox/consent", json={"auto": True}, timeout=10).raise_for_status()
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": " ".join(GRANULAR_SCOPES),
        "state": "s",
    }
    answer = requests.get(endpoints.authorize_url, params=params, allow_redirects=False, timeout=10)
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    token = requests.post(
        endpoints.token_url,
        auth=(client_id, secret),
        timeout=10,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect},
    )
    token.raise_for_status()
    return str(token.json()["access_token"])


def test_load_xero_quotes_from_the_sandbox(sandbox: Any) -> None:
    from app.xero.client import XeroClient
    from app.xero.endpoints import XeroEndpoints

    base = sandbox.base_url.rstrip("/")
    endpoints = XeroEndpoints.sandbox(sandbox.base_url)
    client = XeroClient(endpoints, _Tokens(_sandbox_token(base, endpoints)))
    client.tenant_id = next(c.tenant_id for c in client.connections() if c.tenant_name == "Demo Company (UK)")
    result = load_xero_quotes(client)
    assert result.problems == []
    by_number = {q.number: q for q in result.quotes}
    assert set(by_number) == {"QU-0005", "QU-0006", "QU-0007"}
    acme = by_number["QU-0005"]
    assert acme.contact_name == "Acme Ltd" and acme.xero_contact_id and acme.xero_quote_id
    assert acme.date == date(2026, 1, 20) and acme.currency == "GBP" and acme.line_amount_types == "Exclusive"
    assert [(ln.item_code, ln.quantity, ln.unit_amount) for ln in acme.lines] == [
        ("DEV-HOUR", Decimal(16), Decimal(95))
    ]
    assert by_number["QU-0007"].line_amount_types == "NoTax"
    assert len(by_number["QU-0006"].lines) == 3


def test_an_unquoted_decimal_comma_that_shifts_columns_is_caught() -> None:
    result = load_text("Number,Customer,Description,Price,Discount\nQ-1,A,W,12,50,\nQ-2,A,W,1,\n", "a.csv")
    assert [q.number for q in result.quotes] == ["Q-2"]
    assert "has 6 values but the header has 5 columns" in only_problem(result)
