"""What drafting sends (contacts, invoices, look-ups by Reference) must agree with Xero's OpenAPI file;
and the `draft` command end to end on the organisation's own quotes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.cli import main
from app.invoicing.drafting import draft_invoices
from app.invoicing.plan import make_plan
from app.invoicing.records import SourceLine
from tests.helpers.contract import contract_problems
from tests.helpers.drafting import make_quotes

pytestmark = [
    pytest.mark.usefixtures("real_keyring"),
    pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning"),
]


def test_every_drafting_request_follows_the_spec(sandbox, connected, ledger):
    exchanges = []
    connected.session.hooks["response"].append(lambda response, *a, **k: exchanges.append(response))
    tenant = connected.settings.tenant_id
    quotes = make_quotes(6, date=None)
    quotes[2].lines.append(SourceLine("Priced to the tenth of a penny", Decimal(3), Decimal("1.2345")))
    quotes[3].lines = [SourceLine("x" * 4001, Decimal(1), Decimal(1))]  # refused by Xero, per element
    quotes[5].line_amount_types = "NoTax"
    client = connected.client()
    plan = make_plan(client, ledger, tenant, quotes)
    ledger.begin_batch(tenant, "left-sending", {"quote:Q-0001": "Q-0001", "quote:Q-0002": "Q-0002"})
    report = draft_invoices(client, tenant, plan, ledger)
    assert report.summary() == "Drafted 5, skipped 0 already drafted, 0 invalid, 1 failed."

    sent = {f"{r.request.method} {r.request.path_url.split('?')[0]}" for r in exchanges}
    assert {"PUT /api.xro/2.0/Contacts", "PUT /api.xro/2.0/Invoices", "GET /api.xro/2.0/Invoices"} <= sent
    assert contract_problems(exchanges, sandbox.base_url, errors_too=False) == []


def test_draft_command_on_the_organisations_accepted_quotes(sandbox, connected, capsys):
    argv = ["draft", "--from-xero-quotes", "--sandbox", sandbox.base_url]
    assert main(argv) == 0
    first = capsys.readouterr()
    assert first.out.endswith("Drafted 3, skipped 0 already drafted, 0 invalid, 0 failed.\n")
    assert main(argv) == 0
    assert capsys.readouterr().out.endswith("Drafted 0, skipped 3 already drafted, 0 invalid, 0 failed.\n")
    assert main([*argv, "--account", "999"]) == 2  # the command was refused
    assert "--account 999" in capsys.readouterr().err
    assert main(["draft", "--sandbox", sandbox.base_url]) == 2
    assert "Give a FILE" in capsys.readouterr().err
