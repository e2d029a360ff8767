"""What became of a quote, worded once for the window, the CLI and the results export."""

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
