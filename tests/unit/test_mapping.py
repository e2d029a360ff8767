"""The mapping step's core: nothing that changes an amount is dropped or chosen in silence, fill-down,
date orders guessed from the file, saved mappings found again by the header, totals cross-checked."""

from __future__ import annotations

import io
import itertools
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from app.invoicing.fingerprint import line_total
from app.invoicing.mapping import (
    MappingError,
    MappingRequest,
    amount_changing,
    header_signature,
    save_mapping,
)
from app.invoicing.sources import load_file, load_text


def refused(result) -> list[str]:
    assert not result.quotes
    return [p.reason for p in result.problems if p.line is None and not p.number]


# -- step 1: the two silent defects --------------------------------------------------------------------

ISSUE_FILE = (
    "Quote Number,Customer,Description,Quantity,Unit Price,{discount}\n"
    "Q-1,Acme Ltd,Consulting,12,90.00,10\n"
    "Q-1,,Support,1,578.40,\n"
)


@pytest.mark.parametrize("header", ["Discount (%)", "Disc.", "Discount [%]", "discount_%"])
def test_a_discount_column_spelt_as_exports_spell_it_changes_the_total(header: str) -> None:
    # Was drafted at 1,658.40 (the column dropped without a word) instead of 1,550.40.
    [quote] = load_text(ISSUE_FILE.format(discount=header), "q.csv").quotes
    assert quote.lines[0].discount_rate == Decimal(10)
    assert line_total(quote) == Decimal("1550.40")


@pytest.mark.parametrize(
    "header",
    [
        "VAT Rate (%)",
        "Rebate %",
        "Unit Cost",
        "Line Markdown Amount",
        "Total (GBP)",
        "Currency Sign",
        "Prices Are",
        "Qty Shipped",
    ],
)
def test_an_unmapped_amount_like_column_blocks_the_file_until_mapped_or_ignored(header: str) -> None:
    text = ISSUE_FILE.format(discount=header)
    [sentence] = refused(load_text(text, "q.csv"))
    assert f"column '{header}' looks like it changes an amount but is not mapped" in sentence
    ignored = load_text(text, "q.csv", request=MappingRequest(overrides=[("ignored", header)]))
    assert [q.number for q in ignored.quotes] == ["Q-1"] and not ignored.problems
    assert any(header in line and "→ ignored (--map)" in line for line in ignored.mapping_lines("q.csv"))


def test_a_column_that_changes_no_amount_is_listed_as_ignored_without_blocking() -> None:
    result = load_text(ISSUE_FILE.format(discount="Salesperson"), "q.csv")
    assert [q.number for q in result.quotes] == ["Q-1"]
    assert any(line.split() == ["'Salesperson'", "→", "ignored"] for line in result.mapping_lines("q.csv"))


DUPLICATE = (
    "Quote Number,Customer,Product,Description,Quantity,Unit Price\n"
    "Q-1,Acme Ltd,DEV-HOUR,Software development,2,95\n"
    "Q-2,Bayside Club,,Delivery,1,15\n"
)


def test_two_columns_for_one_field_are_a_choice_never_a_silent_winner() -> None:
    # Was: the first column (Product) won, and Q-2 was refused as "has no description".
    [sentence] = refused(load_text(DUPLICATE, "q.csv"))
    assert "columns 'Product' and 'Description' are all the description" in sentence
    assert "'Description' is suggested" in sentence  # the documented precedence: the earlier alias
    chosen = load_text(DUPLICATE, "q.csv", request=MappingRequest(overrides=[("description", "Description")]))
    assert [q.lines[0].description for q in chosen.quotes] == ["Software development", "Delivery"]
    assert any(
        "'Product'" in line and "'Description' was chosen" in line for line in chosen.mapping_lines("q.csv")
    )
    other = load_text(DUPLICATE, "q.csv", request=MappingRequest(overrides=[("description", "Product")]))
    assert [q.number for q in other.quotes] == ["Q-1"]  # Q-2's product cell is blank: its own sentence
    assert "has no description" in other.problems[0].reason


@pytest.mark.parametrize(
    "header, expected",
    [
        ("Disc.", True),
        ("VAT Rate", True),
        ("Discount (%)", True),
        ("Amounts are", True),
        ("Line total", True),
        ("Salesperson", False),
        ("Order Reference", False),
        ("Notes", False),
    ],
)
def test_amount_like_headers(header: str, expected: bool) -> None:
    assert amount_changing(header) is expected


# -- step 2: the mapping ------------------------------------------------------------------------------

ODOO_LIKE = (
    "Ref,Client,Date,Description,Qty,Price\n"
    "SO-1,Acme Ltd,04/11/2026,Widget,2,10\n"
    ",,,Gadget,1,5\n"
    "SO-2,Bayside Club,13/11/2026,Widget,1,10\n"
)


def test_fill_down_carries_the_number_over_continuation_rows() -> None:
    without = load_text(ODOO_LIKE, "o.csv")
    assert "has no quote number" in without.problems[0].reason and "fill down" in without.problems[0].reason
    filled = load_text(ODOO_LIKE, "o.csv", request=MappingRequest(fill_down=True))
    assert [(q.number, len(q.lines)) for q in filled.quotes] == [("SO-1", 2), ("SO-2", 1)]
    assert not filled.problems


def test_the_date_order_is_guessed_from_other_rows_and_said() -> None:
    result = load_text(ODOO_LIKE, "o.csv", request=MappingRequest(fill_down=True))
    assert result.quotes[0].date == date(2026, 11, 4)  # 13/11/2026 on line 4 can only be day first
    assert result.date_note == (
        "Dates are read day first, guessed from '13/11/2026' on line 4, which can only be day first."
    )
    us = ODOO_LIKE.replace("13/11/2026", "11/13/2026")
    result = load_text(us, "o.csv", request=MappingRequest(fill_down=True))
    assert result.quotes[0].date == date(2026, 4, 11)  # a US export: 11 April, not 4 November
    assert result.date_order == "month" and "'11/13/2026' on line 4" in result.date_note


def test_the_date_order_can_be_chosen_and_an_undecided_file_says_so() -> None:
    undecided = ODOO_LIKE.replace("13/11/2026", "05/11/2026")
    result = load_text(undecided, "o.csv", request=MappingRequest(fill_down=True))
    assert result.quotes[0].date == date(2026, 11, 4)
    assert "no date in the file tells ('04/11/2026' on line 2 fits both ways)" in result.date_note
    month = load_text(undecided, "o.csv", request=MappingRequest(fill_down=True, date_order="month"))
    assert [q.date for q in month.quotes] == [date(2026, 4, 11), date(2026, 5, 11)]
    assert month.date_note == "Dates are read month first, as chosen."
    iso = load_text(undecided, "o.csv", request=MappingRequest(fill_down=True, date_order="iso"))
    assert "is not a date this program reads (use 2026-11-26" in iso.problems[0].reason


def test_a_saved_mapping_is_found_again_by_the_header(tmp_path: Path) -> None:
    first = load_text(
        DUPLICATE,
        "q.csv",
        request=MappingRequest(
            overrides=[("description", "Description"), ("ignored", "Product")], saved_folder=tmp_path
        ),
    )
    assert first.mapping is not None
    path = save_mapping(first.mapping, tmp_path)
    assert path.name == header_signature(DUPLICATE.splitlines()[0].split(",")) + ".json"
    next_month = DUPLICATE.replace("Q-1", "Q-7")
    again = load_text(next_month, "q.csv", request=MappingRequest(saved_folder=tmp_path))
    assert [q.lines[0].description for q in again.quotes] == ["Software development", "Delivery"]
    assert "the mapping saved for this header" in again.mapping_lines("q.csv")[0]


def test_a_mapping_file_and_its_mistakes(tmp_path: Path) -> None:
    document = {
        "columns": {"Ref": "number", "Description": "description", "Client": "customer"},
        "fill_down": True,
        "date_order": "month",
    }
    (tmp_path / "m.json").write_text(json.dumps(document), encoding="utf-8")
    request = MappingRequest.from_cli(mapping_file=str(tmp_path / "m.json"))
    result = load_text(ODOO_LIKE.replace("13/11/2026", "05/11/2026"), "o.csv", request=request)
    assert [q.date for q in result.quotes] == [date(2026, 4, 11), date(2026, 5, 11)]
    with pytest.raises(MappingError, match="'colour' is not a field; the fields are: number, customer"):
        MappingRequest.from_cli(maps=["colour=Description"])
    with pytest.raises(MappingError, match="must be FIELD=COLUMN"):
        MappingRequest.from_cli(maps=["description"])
    missing = load_text(ODOO_LIKE, "o.csv", request=MappingRequest.from_cli(maps=["quantity=Units"]))
    assert "the file has no column 'Units'" in refused(missing)[0]


# -- step 4: totals in the file -----------------------------------------------------------------------


def test_a_quote_total_that_disagrees_with_its_lines_refuses_that_quote_only() -> None:
    text = (
        "Quote Number,Customer,Description,Quantity,Unit Price,Quote Total\n"
        "Q-1,Acme Ltd,Widget,2,10.00,20.00\n"
        "Q-2,Bayside Club,Widget,3,10.00,35.00\n"
        "Q-2,,Gadget,1,2.50,\n"
    )
    result = load_text(text, "q.csv")
    assert [q.number for q in result.quotes] == ["Q-1"]
    [problem] = result.problems
    assert (problem.number, problem.line) == ("Q-2", 3)
    assert problem.reason == (
        "the file's quote total is 35.00 but its lines add up to 32.50 — quote Q-2 is left out"
    )


def test_a_line_total_that_disagrees_is_a_row_sentence_naming_both_figures() -> None:
    text = (
        "Quote Number,Customer,Description,Quantity,Unit Price,Discount,Line Total\n"
        "Q-1,Acme Ltd,Widget,3,9.99,10,26.97\n"
        "Q-2,Acme Ltd,Widget,3,9.99,10,29.97\n"
    )
    result = load_text(text, "q.csv")
    assert [q.number for q in result.quotes] == ["Q-1"]
    assert result.problems[0].reason == (
        "the file's line total is 29.97 but quantity × price less discount is 26.97 — quote Q-2 is left out"
    )


def test_control_characters_are_stripped_from_crm_text() -> None:
    text = (
        "Quote Number,Customer,Description,Quantity,Unit Price\n"
        'Q-1\x01,Acme\x1b Ltd\x85,"Two\r\nlines\x07",1,1\n'
    )
    [quote] = load_text(text, "q.csv").quotes
    assert (quote.number, quote.contact_name, quote.lines[0].description) == ("Q-1", "Acme Ltd", "Two\nlines")


def test_progress_is_reported_for_a_large_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    rows = "".join(f"Q-{n},Acme Ltd,Widget,1,1\n" for n in range(20_000))
    path.write_text("Quote Number,Customer,Description,Quantity,Unit Price\n" + rows, encoding="utf-8")
    seen: list[tuple[int, int]] = []
    result = load_file(path, progress=lambda read, size: seen.append((read, size)))
    assert len(result.quotes) == 20_000
    assert len(seen) >= 2 and seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(seen))


def test_identical_lines_are_shared_but_a_short_row_is_never_taken_for_a_full_one() -> None:
    text = (
        "Quote Number,Customer,Description,Quantity,Unit Price,Discount\n"
        "Q-1,Acme Ltd,Widget,1,10,10\n"
        "Q-1,,Widget,1,10\n"  # no discount cell at all
        "Q-1,,Widget,1,10,10\n"
    )
    [quote] = load_text(text, "q.csv").quotes
    assert [line.discount_rate for line in quote.lines] == [Decimal(10), None, Decimal(10)]
    assert quote.lines[0] is quote.lines[2]  # one immutable object for identical line rows
    assert line_total(quote) == Decimal("28.00")


def test_the_command_line_shows_progress_for_a_large_file_only() -> None:
    from app.invoicing.loading import SHOW_FROM_BYTES, LoadPrinter

    out = io.StringIO()
    printer = LoadPrinter("big.csv", out)
    printer(10, 100)  # a small file: nothing
    size = 40 * 1_048_576
    for read in (0, size // 20, size // 2, size):
        printer(read, size)
    assert out.getvalue().splitlines() == [
        "Reading big.csv: 0% (0 of 40 MB)",
        "Reading big.csv: 50% (20 of 40 MB)",
        "Reading big.csv: 100% (40 of 40 MB)",
    ]
    assert size > SHOW_FROM_BYTES
