"""The `draft` command's options and exit codes: argparse only, so every command's parser is cheap."""

from __future__ import annotations

import argparse

from app.cli.options import add_profile_options

# Exit codes a script can trust (README, `draft --help`).
EXIT_OK = 0  # every quote is in Xero as the file says (drafted now, before, or found there)
EXIT_FAILED = 1  # some quotes are invalid, failed, changed since drafted, not sent, or differ in Xero
EXIT_REFUSED = 2  # the file, its columns or the command was refused: nothing was sent to Xero
EXIT_STOPPED = 3  # stopped by a Xero limit or by another drafting run for the organisation
EXIT_CODES_HELP = (
    "exit codes: 0 every quote is in Xero as the file says; 1 some quotes are invalid, failed, changed "
    "since drafted, not sent, or drafted with figures that differ; 2 the file or the command was refused "
    "(nothing was sent); 3 stopped by a Xero limit or by another drafting run for the organisation"
)


def add_draft_parser(sub: argparse._SubParsersAction) -> None:
    draft = sub.add_parser(
        "draft", help="draft sales invoices in Xero from a file of quotes or orders", epilog=EXIT_CODES_HELP
    )
    add_profile_options(draft)
    draft.add_argument("file", nargs="?", metavar="FILE", help="CSV or JSON file of quotes or orders")
    draft.add_argument("--dry-run", action="store_true", help="show what would be drafted; create nothing")
    draft.add_argument(
        "--from-xero-quotes", action="store_true", help="draft from the organisation's own quotes in Xero"
    )
    draft.add_argument(
        "--keep-quote-date",
        action="store_true",
        help="with --from-xero-quotes: date each invoice on its quote's date (default: today)",
    )
    draft.add_argument("--account", metavar="CODE", help="revenue account for lines without one")
    draft.add_argument("--tax-type", metavar="TYPE", help="tax type for lines without one (e.g. OUTPUT2)")
    draft.add_argument(
        "--tracking",
        action="append",
        default=[],
        metavar="CATEGORY=OPTION",
        help='tracking option for every line, e.g. "Region=North" (repeatable, at most two categories)',
    )
    draft.add_argument(
        "--use-contact",
        action="append",
        default=[],
        metavar='"CRM NAME=XERO NAME"',
        help="draft quotes for a customer that is a near match of an existing Xero contact for that contact",
    )
    draft.add_argument(
        "--new-contact",
        action="append",
        default=[],
        metavar="NAME",
        help="create a new Xero contact for a customer that is only a near match of an existing one",
    )
    draft.add_argument(
        "--update-changed",
        action="store_true",
        help="update, in place, the invoices of quotes that changed since they were drafted (DRAFTs only)",
    )
    draft.add_argument(
        "--no-history-notes",
        action="store_true",
        help='leave out the "Drafted from CRM quote …" note on each invoice (one call per invoice)',
    )
    draft.add_argument(
        "--wait",
        action="store_true",
        help="when another drafting run for the organisation is in progress, wait for it instead of stopping",
    )
    add_mapping_options(draft)


def add_mapping_options(draft: argparse.ArgumentParser) -> None:
    """How a CSV's columns are read (docs/quote-format.md, "Mapping the columns")."""
    draft.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="read COLUMN as FIELD (repeatable); --map ignored=COLUMN ignores it",
    )
    draft.add_argument("--mapping", metavar="FILE", help="a JSON mapping file (see docs/quote-format.md)")
    draft.add_argument(
        "--preset",
        metavar="NAME",
        help="odoo, hubspot, pipedrive, salesforce or zoho (normally detected from the header)",
    )
    draft.add_argument(
        "--date-order",
        choices=("day", "month", "iso"),
        help="how 04/11/2026 is read (normally guessed from the file's dates)",
    )
    draft.add_argument(
        "--fill-down",
        action="store_true",
        help="blank quote-level cells (the number too) repeat the row above",
    )
    draft.add_argument(
        "--save-mapping", action="store_true", help="remember this mapping for files with the same columns"
    )
    draft.add_argument(
        "--show-mapping",
        action="store_true",
        help="print every column's field (or ignored) and the date order; send nothing",
    )
