"""Random headers, random mappings and random choices in the mapping step never crash, and every column
is always shown mapped or ignored."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.invoicing.mapping import CHOICES, MappingError, MappingRequest, amount_changing
from app.invoicing.mapping_step import DATE_CHOICES, MappingStep
from app.invoicing.presets import PRESETS
from app.invoicing.sources import load_text
from tests.helpers.loading import check

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
KNOWN = [
    "Quote Number",
    "Customer",
    "Description",
    "Unit Price",
    "Quantity",
    "Discount (%)",
    "VAT Rate",
    "Order Reference",
    "Order Lines/Quantity",
    "Total",
    "Disc.",
    "Deal name",
    "Line item quantity",
    "Quote Stage",
    "Quoted Items.Quantity",
    *{h for p in PRESETS for h in p.columns},
]
header_cell = st.one_of(st.sampled_from(KNOWN), st.text(max_size=20))
value = st.one_of(
    st.sampled_from(
        [
            "",
            "Q-1",
            "q-1 ",
            "Acme",
            "2",
            "10.50",
            "1,234",
            "13/04/2026",
            "04/13/2026",
            "2026-11-02 10:00",
            "GBP",
            "5%",
            "(3.00)",
            "x",
        ]
    ),
    st.text(max_size=12),
)


def as_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


@FUZZ
@given(
    header=st.lists(header_cell, min_size=1, max_size=10),
    rows=st.lists(st.lists(value, max_size=11), max_size=6),
    choices=st.lists(st.tuples(st.sampled_from(CHOICES), st.integers(0, 9)), max_size=6),
    fill_down=st.booleans(),
    order=st.sampled_from([None, "day", "month", "iso"]),
    preset=st.sampled_from([None, *[p.key for p in PRESETS]]),
)
def test_random_headers_and_mappings_never_crash(header, rows, choices, fill_down, order, preset) -> None:
    named = [(choice, header[i % len(header)]) for choice, i in choices]
    overrides = [(choice, name) for choice, name in named if name.strip()]
    request = MappingRequest(
        overrides=overrides, fill_down=fill_down, date_order=order, preset=preset, use_saved=False
    )
    result = load_text(as_csv(header, rows), "fuzz.csv", request=request)
    check(result)
    if result.mapping is not None:
        lines = result.mapping_lines("fuzz.csv")
        # Every column, mapped or ignored (a blank header line is skipped: the next row is the header).
        assert len(lines) >= len(result.mapping.columns) + 1
        assert result.quotes == [] or not result.blocking
    unmapped = [
        c
        for c in (result.mapping.columns if result.mapping else [])
        if c.field == "ignored" and not c.chosen and amount_changing(c.name)
    ]
    assert not (unmapped and result.quotes)  # an amount-like column never goes unmapped in silence


@FUZZ
@given(
    header=st.lists(header_cell, min_size=1, max_size=8),
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("choose"), st.integers(0, 7), st.sampled_from(CHOICES)),
            st.tuples(st.just("fill"), st.booleans(), st.just("")),
            st.tuples(st.just("date"), st.sampled_from(DATE_CHOICES), st.just("")),
        ),
        max_size=8,
    ),
)
def test_random_choices_in_the_mapping_step_never_crash(tmp_path_factory, header, steps) -> None:
    folder = tmp_path_factory.mktemp("step")
    path = Path(folder) / "f.csv"
    path.write_text(as_csv(header, [["Q-1", "Acme", "W", "1", "2", "", "", ""]]), encoding="utf-8")
    step = MappingStep(path, saved_folder=folder)
    for kind, a, b in steps:
        if kind == "choose" and step.columns:
            step.choose(int(a) % len(step.columns), str(b))
        elif kind == "fill":
            step.set_fill_down(bool(a))
        else:
            step.set_date_order(str(a))
        check(step.loaded)
        assert len(step.columns) == (len(step.mapping.columns) if step.mapping else 0)
        assert step.settled == (not step.problems)
        step.preview()
    if step.is_csv:
        assert step.save() is not None
        again = MappingStep(path, saved_folder=folder)
        assert again.mapping is not None and step.mapping is not None
        assert [c.field for c in again.mapping.columns] == [c.field for c in step.mapping.columns]
        assert again.blocking == step.blocking  # a saved mapping never settles a column nobody chose


def test_an_unknown_choice_is_a_sentence_never_a_crash() -> None:
    try:
        MappingRequest.from_cli(maps=["\x00=\x00"])
    except MappingError as refused:
        assert "is not a field" in str(refused)
