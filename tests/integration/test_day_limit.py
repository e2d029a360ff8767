"""Xero's daily limit per organisation (1,000 calls on the Starter tier): a run that would cross it
drafts what fits, stops cleanly before it and says when to run again; the next day's run finishes.
Real sandbox over loopback with its clock moved, never slept."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.cli import main
from app.cli.draft_options import EXIT_OK, EXIT_STOPPED
from app.invoicing.ledger import Ledger
from tests.helpers.drafting import held

pytestmark = pytest.mark.usefixtures("real_keyring")


def write_export(path: Path, count: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Quote Number", "Customer", "Description", "Quantity", "Unit Price"])
        for n in range(1, count + 1):
            writer.writerow([f"D-{n:04d}", "Acme Ltd", f"Work for D-{n:04d}", 1, 10])
    return path


def calls_today(sandbox, tenant: str) -> int:
    return sum(n for name, n in sandbox.state.counters["by_endpoint"].items() if "/api.xro/" in name)


def test_a_run_stops_before_the_daily_limit_and_the_next_day_finishes(sandbox, connected, capsys, tmp_path):
    tenant = connected.settings.tenant_id
    export = write_export(tmp_path / "crm.csv", 600)  # 15 lookups, then 12 batches
    # Room today for the lookups and some of the batches, not all of them.
    sandbox.post("limits", {"per_day": calls_today(sandbox, tenant) + 30})
    code = main(["draft", str(export), "--sandbox", sandbox.base_url, "--no-history-notes"])
    captured = capsys.readouterr()
    assert code == EXIT_STOPPED
    assert "left today for this organisation: this run drafts what fits today" in captured.err
    assert "Xero's daily limit of calls for this organisation is nearly reached" in captured.out
    assert "run again once Xero resets it" in captured.out
    assert sandbox.state.counters["rate_limited"] == 0  # stopped before the limit, never into it
    with Ledger() as ledger:
        first = len(ledger.drafted(tenant))
        assert 0 < first < 600 and ledger.pending_batches(tenant) == []
    sandbox.post("clock", {"advance_seconds": 24 * 3600})  # Xero's day window has passed
    sandbox.post("limits", {"per_day": None})  # back to the tier's 1,000
    assert main(["draft", str(export), "--sandbox", sandbox.base_url, "--no-history-notes"]) == EXIT_OK
    out = capsys.readouterr().out
    summary = f"Drafted {600 - first}, skipped {first} already drafted, 0 invalid, 0 failed."
    assert out.splitlines()[-1] == summary
    counts = held(sandbox, connected)
    assert {n: counts[f"D-{n:04d}"] for n in range(1, 601)} == {n: 1 for n in range(1, 601)}
