"""The run use case's sentences (app.invoicing.run), shared by the draft command and the window: the
plan's counts, the report of the whole file and the progress texts, without Xero."""

from __future__ import annotations

from decimal import Decimal

from app.invoicing.planned import PlannedInvoice
from app.invoicing.records import LoadResult, RowProblem, SourceLine, SourceQuote
from app.invoicing.results import DraftProgress, DraftReport, QuoteResult
from app.invoicing.run import (
    PlanCounts,
    RunReport,
    add_refused,
    blocked_numbers,
    progress_bar_text,
    progress_text,
    refused_numbers,
)
from app.invoicing.sentences import AGAIN_CLI, AGAIN_WINDOW, CHANGED_HINT_WINDOW, dry_run_sentence


def quote(number: str) -> SourceQuote:
    return SourceQuote(
        number=number, contact_name="Acme Ltd", lines=[SourceLine("Work", Decimal(1), Decimal(100))]
    )


def loaded_with_a_refused_quote() -> LoadResult:
    problem = RowProblem("quotes.csv", 7, "quantity 'two' is not a number", number="Q-9")
    return LoadResult([quote("Q-1"), quote("Q-2")], [problem])


def test_the_plan_counts_read_the_same_in_the_cli_and_the_window():
    plan = [
        PlannedInvoice(quote("Q-1"), "new"),
        PlannedInvoice(quote("Q-2"), "drafted", invoice_number="INV-1"),
        PlannedInvoice(quote("Q-3"), "changed", invoice_number="INV-2"),
        PlannedInvoice(quote("Q-4"), "invalid", reason="it has no lines"),
    ]
    counts = PlanCounts.of(plan, refused_at_load=1)
    assert counts == PlanCounts(new=1, drafted=1, changed=1, invalid=2)
    assert dry_run_sentence(counts.sentence()) == (
        "Dry run: 1 to draft, 1 already drafted, 1 changed since drafted, 2 invalid; nothing was created."
    )
    assert counts.sentence(CHANGED_HINT_WINDOW) + "." == (
        "1 to draft, 1 already drafted, 1 changed since drafted (select one and click Update in Xero), "
        "2 invalid."
    )
    assert PlanCounts(3, 0, 0, 0).sentence() == "3 to draft, 0 already drafted, 0 invalid"


def test_a_quote_the_loader_refused_joins_the_report_once_as_invalid():
    loaded = loaded_with_a_refused_quote()
    plan = [PlannedInvoice(quote("Q-1"), "new"), PlannedInvoice(quote("Q-2"), "new")]
    assert blocked_numbers(loaded) == {
        "Q-9": "see the problem reported for it (quantity 'two' is not a number)"
    }
    assert refused_numbers(loaded, plan) == ["Q-9"]
    report = add_refused(DraftReport([QuoteResult("q-1", "Q-1", "drafted", "INV-1")]), loaded, plan)
    assert [(r.number, r.status, r.reported) for r in report.results] == [
        ("Q-1", "drafted", False),
        ("Q-9", "invalid", True),
    ]
    assert report.summary() == "Drafted 1, skipped 0 already drafted, 1 invalid, 0 failed."
    # Already reported where it was found: not a second line in the CLI's output.
    assert RunReport(report).outcome_lines() == ["Q-1: drafted as INV-1"]


def test_the_report_sentences_of_a_cancelled_recovered_run():
    report = DraftReport(
        [
            QuoteResult("q-1", "Q-1", "drafted", "INV-1"),
            QuoteResult("q-2", "Q-2", "skipped", "INV-0"),
            QuoteResult("q-3", "Q-3", "changed", "INV-2", changes=["total 10.00 → 12.00"]),
            QuoteResult("q-4", "Q-4", "not_sent", message="cancelled"),
        ],
        cancelled=True,
        recovered=2,
    )
    run = RunReport(report)
    assert run.outcome_lines() == [
        "Q-1: drafted as INV-1",
        "Q-3: changed since drafted as INV-2 (total 10.00 → 12.00); nothing was sent for it",
        "Q-4: not sent: cancelled",
    ]
    assert run.recovered == "2 invoice(s) of an interrupted earlier run were found in Xero."
    assert run.changed(update_changed=True) == ""
    assert run.changed(update_changed=False) == (
        "1 quote(s) changed since drafted: run again with --update-changed to update those still DRAFT "
        "in Xero."
    )
    assert run.cancelled(AGAIN_CLI) == "Cancelled: 1 not sent; run the same command again to continue."
    assert (
        run.cancelled(AGAIN_WINDOW)
        == "Cancelled: 1 not sent; click Create draft invoices again to send them."
    )
    assert run.notes == ""
    assert RunReport(DraftReport()).recovered == RunReport(DraftReport()).cancelled(AGAIN_CLI) == ""


def test_the_progress_texts_of_the_cli_and_the_window():
    waiting = DraftProgress("waiting", 50, 120, 49, 1, 1, 3)
    assert (
        progress_bar_text(waiting, 10)
        == "[####------] 50/120 drafted 49, failed 1 - waiting for Xero's rate limit"
    )
    assert progress_text(waiting) == "Waiting for Xero's rate limit — 50 of 120 quotes settled, 49 drafted"
    assert progress_text(DraftProgress("sending", 0, 120, 0, 0, 0, 3)) == (
        "Sending batch 1 of 3 — 0 of 120 quotes settled, 0 drafted"
    )
    assert progress_text(DraftProgress("done", 120, 120, 120, 0, 3, 3)) == (
        "3 of 3 batches sent — 120 of 120 quotes settled, 120 drafted"
    )
    assert progress_text(DraftProgress("recovering", 0, 5, 0, 0, 0, 0)) == (
        "Checking an interrupted earlier run — 0 of 5 quotes settled, 0 drafted"
    )
    assert progress_bar_text(DraftProgress("done", 0, 0, 0, 0, 0, 0), 4) == "[####] 0/0 drafted 0, failed 0"
