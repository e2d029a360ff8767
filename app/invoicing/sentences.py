"""What became of a quote and of a run, worded once for the window, the CLI and the results export."""

from __future__ import annotations

from collections.abc import Sequence

from app import APP_NAME


def quote_sentence(
    status: str,
    invoice_number: str = "",
    *,
    message: str = "",
    changes: Sequence[str] = (),
    not_by_this_app: bool = False,
    difference: str = "",
) -> str:
    """``status`` is a drafting outcome ("drafted", "found", "skipped", "changed", "updated", "invalid",
    "failed", "not_sent"); the sentence starts in lower case, after "Q-1042: "."""
    what = ", ".join(changes) or "details of its lines"
    if status == "drafted":
        if difference:
            return (
                f"drafted as {invoice_number}, but Xero's figures differ: {difference}; check the draft "
                "in Xero"
            )
        return f"drafted as {invoice_number}"
    if status == "found":
        text = f"found in Xero as {invoice_number}; not drafted again"
        if not_by_this_app:
            text += (
                f" (that invoice was not created by {APP_NAME}: someone typed it in Xero or another "
                "tool made it; check that it is this quote)"
            )
        return text
    if status == "skipped":
        return f"already drafted as {invoice_number}" if invoice_number else "already drafted"
    if status == "changed":
        text = f"changed since drafted as {invoice_number} ({what})"
        return f"{text}; {message}" if message else f"{text}; nothing was sent for it"
    if status == "updated":
        return f"updated in Xero: {invoice_number} now has what the file says ({what})"
    label = {"invalid": "invalid", "failed": "failed", "not_sent": "not sent"}.get(status, status)
    return f"{label}: {message}" if message else label


# -- a run as a whole (app.invoicing.run; the CLI prints them, the window shows them) -------------------

RATE_LIMIT_WAIT = "waiting for Xero's rate limit"
FILE_REFUSED = "Nothing was drafted: the file was refused."
AGAIN_CLI = "run the same command again to continue"
AGAIN_WINDOW = "click Create draft invoices again to send them"
CHANGED_HINT_WINDOW = " (select one and click Update in Xero)"
FINISHED_WINDOW = "Finished: the drafts are in Xero, ready for review."
HISTORY_NOTES_BOX = "Add a History &note to each invoice"
HISTORY_NOTES_TIP = (
    'Each new invoice gets a note in its History in Xero: "Drafted from CRM quote …". The note costs one '
    "call to Xero per invoice; without it, more invoices fit within Xero's daily limit."
)
NOTES_OFF_FITS_WINDOW = (
    'Without History notes they all fit today: untick "Add a History note to each invoice".'
)


def all_invalid_sentence(count: int) -> str:
    return f"Nothing was drafted: all {count} quote(s) are invalid."


def plan_counts_sentence(new: int, drafted: int, changed: int, invalid: int, changed_hint: str = "") -> str:
    """ "3 to draft, 1 already drafted, 0 invalid", with the changed ones when there are some."""
    also = f", {changed} changed since drafted{changed_hint}" if changed else ""
    return f"{new} to draft, {drafted} already drafted{also}, {invalid} invalid"


def dry_run_sentence(counts: str) -> str:
    return f"Dry run: {counts}; nothing was created."


def recovered_sentence(count: int) -> str:
    return f"{count} invoice(s) of an interrupted earlier run were found in Xero." if count else ""


def changed_cli_sentence(count: int) -> str:
    return (
        f"{count} quote(s) changed since drafted: run again with --update-changed to update "
        "those still DRAFT in Xero."
    )


def cancelled_sentence(not_sent: int, again: str) -> str:
    return f"Cancelled: {not_sent} not sent; {again}."


def failed_window_sentence(count: int) -> str:
    return f"{count} quote(s) failed; the Status column gives Xero's reason for each."


def unused_tracking_column_sentence(column: str, category: str, organisation: str, how: str) -> str:
    """A column named as a tracking category but not mapped; ``how`` says how to settle it here."""
    return (
        f"The column {column!r} has the name of the tracking category {category} in {organisation} but "
        f"is not used; {how}."
    )


def unused_tracking_how_cli(column: str) -> str:
    return (
        f'add --map "tracking={column}" to set each line\'s option from it, or --map "ignored={column}" '
        "to leave it out (nothing was sent)"
    )


def tracking_from_file_label(category: str) -> str:
    """The Draft window's dropdown of a category a file column also sets: it is for blank cells only."""
    return f"{category} (blank cells):"


def tracking_from_file_sentence(column: str, category: str) -> str:
    return (
        f"The file's column {column!r} sets each line's {category}; this choice is for the lines whose "
        f"{column!r} cell is blank."
    )


def rows_count_sentence(rows: int, checked: int, invalid: int) -> str:
    """Above the Draft window's table."""
    return f"{rows} {'row' if rows == 1 else 'rows'}, {checked} checked, {invalid} invalid"
