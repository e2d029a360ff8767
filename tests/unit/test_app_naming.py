"""The app name step 2 suggests, and Xero's rule against "Xero" in it."""

from __future__ import annotations

import pytest

from app.app_naming import app_name_problem, initial_app_name, suggested_app_name


def test_the_suggestion_names_the_company_and_never_xero() -> None:
    assert suggested_app_name("Acme  Ltd") == "Acme Ltd CRM invoicing"
    assert suggested_app_name("") == "CRM invoicing"
    assert suggested_app_name("Xero Demo Company") == "CRM invoicing"


@pytest.mark.parametrize("name", ["Xero Connect", "my xero sync", "ACME-XERO", "Inxeroduction"])
def test_a_name_with_xero_in_any_case_gets_xeros_rule_in_one_sentence(name: str) -> None:
    problem = app_name_problem(name, "Acme Ltd")
    assert problem.startswith('Xero does not allow the word "Xero"') and problem.count(". ") == 0
    assert '"Acme Ltd CRM invoicing"' in problem


def test_a_name_without_xero_is_fine_and_the_old_default_is_replaced() -> None:
    assert app_name_problem("Acme CRM invoicing") == ""
    assert initial_app_name("Xero Connect", "Acme") == "Acme CRM invoicing"
    assert initial_app_name("", "") == "CRM invoicing"
    assert initial_app_name("My bridge", "Acme") == "My bridge"


def test_connections_in_use_names_starters_cap_and_what_to_do() -> None:
    from app.app_naming import connections_in_use

    line = connections_in_use(5)
    assert line.startswith("This app has 5 connections") and "Starter tier an app may have 5" in line
    assert "Connected Apps" in line and "another tier" in line
    assert connections_in_use(1).startswith("This app has 1 connection ")
