"""`draft` on each preset's unedited sample against the sandbox: the dry run and the real run list every
column, and the drafted invoices carry the totals the file's own total columns say."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from app.cli import main
from app.cli.draft_options import EXIT_OK

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


@pytest.mark.parametrize(
    "name, totals",
    [
        ("odoo-sale-orders.csv", {"S00021": "1550.40", "S00022": "931.00", "S00023": "1686.35"}),
        ("zoho-crm-quotes.csv", {"4876876000000412001": "2577.50", "4876876000000412002": "760.00"}),
    ],
)
def test_dry_run_and_real_run_list_every_column_and_draft_the_files_totals(
    sandbox, connected, capsys, name: str, totals: dict[str, str]
) -> None:
    path = SAMPLES / name
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    for extra in (["--dry-run"], []):
        code = main(["draft", str(path), "--sandbox", sandbox.base_url, *extra])
        out = capsys.readouterr().out
        assert code == EXIT_OK, out
        lines = out.splitlines()
        assert lines[0].startswith(f"Columns of {name} (recognised from the header; preset ")
        for column in header:
            assert any(line.startswith(f"  {column!r}") for line in lines), column
    invoices = sandbox.state.orgs[connected.settings.tenant_id]["invoices"]
    drafted = {
        i["Reference"]: Decimal(str(i["SubTotal"])).quantize(Decimal("0.01"))
        for i in invoices
        if i.get("Reference") in totals
    }
    assert drafted == {number: Decimal(total) for number, total in totals.items()}
