"""Tracking choices without the network: the run's fixed option, layering, and what Xero would refuse."""

from __future__ import annotations

import json

import pytest

from app.errors import InvalidInput
from app.invoicing.mapping import MappingError, MappingRequest, save_mapping
from app.invoicing.mapping_step import MappingStep
from app.invoicing.sources import load_text
from app.invoicing.tracking import active_categories, merged, parse_fixed, resolve
from app.sandbox.seed import seed_orgs, tenant_id

CATEGORIES = active_categories(seed_orgs()[tenant_id("uk")]["tracking_categories"])


def test_the_fixed_option_is_category_equals_option_at_most_two():
    assert parse_fixed(["Region=North", " Department = Sales "]) == {"Region": "North", "Department": "Sales"}
    for bad, words in (
        (["Region"], 'write it as "Category=Option"'),
        (["=North"], "Category=Option"),
        (["Region=North", "region=South"], "given twice"),
        (["A=1", "B=2", "C=3"], "at most 2"),
    ):
        with pytest.raises(InvalidInput, match=words):
            parse_fixed(bad)


def test_a_line_wins_over_its_quote_and_the_quote_over_the_run():
    assert merged({"Region": "North", "Department": "Sales"}, {"region": "South"}, [("Department", "")]) == {
        "region": "South",
        "Department": "Sales",
    }


def test_options_resolve_to_xeros_names_and_unknown_ones_are_sentences():
    assert resolve({"REGION": "north"}, CATEGORIES, "Org") == ([{"Name": "Region", "Option": "North"}], "")
    assert resolve({"Area": "North"}, CATEGORIES, "Org")[1] == (
        "tracking category 'Area' does not exist in Org (its active categories: Region, Department)"
    )
    assert "at most 2" in resolve({"a": "1", "b": "2", "c": "3"}, CATEGORIES, "Org")[1]


# -- a file column mapped to a tracking category -------------------------------------------------------

EXPORT = (
    "Quote Number,Customer,Description,Unit Price,Area,Department\n"
    "Q-1,Acme Ltd,Widget,10,North,Sales\n"
    ",,Gadget,5,,\n"
    "Q-2,Acme Ltd,Widget,10,South,\n"
    "Q-3,Acme Ltd,Widget,10,,\n"
)


def load(text: str, *maps: str, fill_down: bool = False, name: str = "q.csv"):
    request = MappingRequest.from_cli(list(maps))
    request.fill_down = fill_down
    request.use_saved = False
    return load_text(text, name, request=request)


def tracking_of(result) -> dict[str, list[tuple[tuple[str, str], ...]]]:
    return {q.number: [line.tracking for line in q.lines] for q in result.quotes}


def test_a_column_mapped_to_a_category_fills_each_lines_tracking_and_filling_down_repeats_it():
    result = load(EXPORT, "tracking:Region=Area", "tracking=Department", fill_down=True)
    assert result.problems == []
    assert tracking_of(result) == {
        "Q-1": [(("Department", "Sales"), ("Region", "North"))] * 2,  # the continuation row's blanks repeat
        "Q-2": [(("Region", "South"),)],  # an empty cell: no tracking from that column
        "Q-3": [()],
    }
    assert "  'Area'         → tracking:Region (--map)" in result.mapping_lines("q.csv")


def test_without_fill_down_an_empty_tracking_cell_is_no_tracking_on_that_line():
    text = EXPORT.replace(",,Gadget,5,,", "Q-1,Acme Ltd,Gadget,5,,")
    assert tracking_of(load(text, "tracking:Region=Area"))["Q-1"] == [(("Region", "North"),), ()]


def test_a_mapping_file_and_a_saved_mapping_say_tracking_too(tmp_path):
    request = MappingRequest(document={"columns": {"Area": "tracking:Region"}}, document_name="m.json")
    request.use_saved = False
    result = load_text(EXPORT, "q.csv", request=request)
    assert result.mapping is not None and result.mapping.to_document()["columns"]["Area"] == "tracking:Region"
    assert tracking_of(result)["Q-2"] == [(("Region", "South"),)]
    save_mapping(result.mapping, tmp_path)
    again = load_text(EXPORT, "q.csv", request=MappingRequest(saved_folder=tmp_path))
    assert again.mapping is not None and again.mapping.origin == "the mapping saved for this header"
    assert tracking_of(again) == tracking_of(result)


def test_two_columns_for_one_category_and_a_third_category_keep_the_file_from_being_drafted():
    same = load(EXPORT, "tracking:Region=Area", "tracking:region=Department")
    assert same.quotes == [] and same.blocking == [
        "q.csv: columns 'Area' and 'Department' are all the tracking category Region: map one of them "
        "and ignore the other."
    ]
    text = (
        EXPORT.replace("Department\n", "Department,Project\n")
        .replace("\n", ",\n")
        .replace("Project,", "Project")
    )
    three = load(text, "tracking:Region=Area", "tracking=Department", "tracking=Project")
    assert three.blocking == [
        "q.csv: columns 'Area', 'Department', 'Project' are 3 tracking categories but Xero allows at most 2 "
        "on an invoice line: ignore the others."
    ]
    with pytest.raises(MappingError, match=r"names no tracking category: write e\.g\. tracking:Region"):
        MappingRequest.from_cli(["tracking:=Area"])


def test_a_json_quote_and_its_lines_carry_tracking_and_the_line_wins():
    document = {
        "quotes": [
            {
                "number": "J-1",
                "customer": "Acme Ltd",
                "tracking": {"Region": "North"},
                "lines": [
                    {"description": "a", "unit_price": 1},
                    {
                        "description": "b",
                        "unit_price": 2,
                        "tracking": [{"Name": "Region", "Option": "South"}],
                    },
                ],
            },
            {"number": "J-2", "customer": "Acme Ltd", "tracking": "North", "lines": [{"description": "c"}]},
        ]
    }
    result = load_text(json.dumps(document), "q.json")
    [quote] = result.quotes
    assert quote.tracking == {"Region": "North"}
    assert [line.tracking for line in quote.lines] == [(), (("Region", "South"),)]
    assert [p.reason for p in result.problems] == [
        'quotes[1]: "tracking" must be an object such as {"Region": "North"} — quote J-2 is left out',
        "quotes[1].lines[0]: has no unit price (write 0 for a free line) — quote J-2 is left out",
    ]


def test_the_mapping_step_offers_the_column_and_the_organisations_categories(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(EXPORT, encoding="utf-8")
    step = MappingStep(path, MappingRequest(use_saved=False), categories=["Region", "Department"])
    area = [c.name for c in step.columns].index("Area")
    assert step.choices(area)[-3:] == ["tracking:Area", "tracking:Region", "tracking:Department"]
    step.choose(area, "tracking:Region")
    assert step.columns[area].choice == "tracking:Region"
    q2 = next(q for q in step.loaded.quotes if q.number == "Q-2")
    assert [line.tracking for line in q2.lines] == [(("Region", "South"),)]


def test_a_header_named_as_an_organisations_category_is_guessed_and_a_field_alias_is_not():
    text = "Quote Number,Customer,Description,Unit Price,region,Account\nQ-1,Acme Ltd,Widget,10,North,200\n"
    request = MappingRequest(tracking_categories=["Region", "Account"], use_saved=False)
    result = load_text(text, "q.csv", request=request)
    assert result.mapping is not None
    assert [(c.name, c.field) for c in result.mapping.columns][4:] == [
        ("region", "tracking:Region"),
        ("Account", "account_code"),  # a field's own name stays that field
    ]
    assert tracking_of(result) == {"Q-1": [(("Region", "North"),)]}
    assert "  'region'       → tracking:Region (named as a tracking category of the organisation)" in (
        result.mapping_lines("q.csv")
    )
