"""Customer names: what is one contact to Xero, what is only a near match, and the user's choices."""

from __future__ import annotations

import pytest

from app.errors import InvalidInput
from app.invoicing.contact_names import exact_key, near_key, parse_choices
from app.invoicing.contacts import ContactDirectory


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Ltd", "ACME Limited"),
        ("Acme Ltd.", "acme  ltd"),
        ("Acme", "Acme Ltd"),
        ("Smith & Sons Co.", "Smith and Sons Company"),
        ("Café Nord", "CAFE NORD"),
        ("The Basket Case", "Basket-Case"),
    ],
)
def test_near_keys_ignore_case_punctuation_and_legal_forms(a, b):
    assert near_key(a) == near_key(b)


def test_different_customers_stay_different():
    assert near_key("Acme Ltd") != near_key("Acme Tools Ltd")
    assert near_key("Ltd") == "ltd"  # a name that is only a legal form is kept


def test_a_directory_offers_near_matches_but_never_an_exact_one():
    directory = ContactDirectory()
    directory.add({"ContactID": "c1", "Name": "Acme Ltd"})
    assert directory.near("ACME Limited") == ["Acme Ltd"]
    assert directory.near("acme ltd") == []  # one name to Xero: matched, not offered
    assert directory.near("Northwind") == []


def test_choices_from_the_command_line():
    assert parse_choices(["ACME Limited=Acme Ltd"], ["Bay Side"]) == {
        exact_key("ACME Limited"): "Acme Ltd",
        "bay side": None,
    }
    with pytest.raises(InvalidInput, match="CRM name=Xero name"):
        parse_choices(["ACME Limited"], [])
    with pytest.raises(InvalidInput, match="choose one"):
        parse_choices(["A=B"], ["a"])
