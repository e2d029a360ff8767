"""Tracking choices without the network: the run's fixed option, layering, and what Xero would refuse."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput
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
