"""Whatever bytes or text arrive, loading never raises and every problem says what is wrong."""

from __future__ import annotations

import csv
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.invoicing.sources import load_text
from tests.helpers.loading import check

HEADER = [
    "Quote Number",
    "Customer",
    "Date",
    "Amounts Are",
    "Description",
    "Quantity",
    "Unit Price",
    "Discount",
]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def as_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows([HEADER, *rows])
    return out.getvalue()


cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "Q-1",
            "Q-2",
            "1,234",
            "12,50",
            "=1+2",
            "@x",
            "-0",
            "1e999",
            "NaN",
            "£1 200.00",
            "31/02/2026",
            "03/04/2026",
            "exclusive",
            "\r\n",
            '"',
            "\x00",
        ]
    ),
    st.integers().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
row = st.lists(cell, min_size=0, max_size=len(HEADER) + 2)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    for name in ("x.csv", "x.json", "x.bin"):
        check(load_text(data, name))


@FUZZ
@given(st.lists(row, max_size=12), st.sampled_from([",", ";", "\t"]))
def test_random_rows_under_the_real_header(rows: list[list[str]], delimiter: str) -> None:
    text = as_csv(rows, delimiter)
    check(load_text(text, "quotes.csv"))
    check(load_text(text.encode("utf-8"), "quotes.txt"))


@FUZZ
@given(st.text(max_size=500))
def test_random_text(text: str) -> None:
    check(load_text(text, "anything"))
    check(load_text(HEADER[0] + "," + HEADER[4] + "\n" + text, "q.csv"))


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=200_000, max_value=3_000_000), st.sampled_from(HEADER))
def test_huge_fields(size: int, column: str) -> None:
    values = {name: "1" for name in HEADER} | {"Quote Number": "Q-1", "Customer": "A", column: "9" * size}
    result = load_text(as_csv([[values[name] for name in HEADER]]), "big.csv")
    check(result)
    assert result.problems or result.quotes


@FUZZ
@given(
    st.one_of(
        st.integers(),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(alphabet="0123456789.,-+e £$", max_size=40),
    )
)
def test_absurd_numbers(number: object) -> None:
    result = load_text(
        as_csv([["Q-1", "Acme", "", "", "Widget", str(number), str(number), str(number)]]), "n.csv"
    )
    check(result)
    document = {
        "quotes": [
            {
                "number": "Q-1",
                "contact_name": "A",
                "lines": [{"description": "W", "quantity": str(number), "unit_price": str(number)}],
            }
        ]
    }
    check(load_text(json.dumps(document), "n.json"))


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "number",
                    "lines",
                    "quotes",
                    "orders",
                    "contact",
                    "description",
                    "quantity",
                    "unit_price",
                    "date",
                    "type",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@FUZZ
@given(json_value)
def test_random_json(document: object) -> None:
    check(load_text(json.dumps(document), "r.json"))


def test_deeply_nested_json() -> None:
    check(load_text("[" * 100_000 + "]" * 100_000, "deep.json"))
    check(load_text('{"quotes": [{"number": ' + "9" * 100_000 + "}]}", "long.json"))
