"""`xero-connect draft`: load quotes or orders, show or run the plan, report in one summary line.

app/cli/__init__.py loads this module only when the command runs; its options are in draft_options.py.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TextIO, cast

from app.cli.draft_options import EXIT_FAILED, EXIT_OK, EXIT_REFUSED, EXIT_STOPPED
from app.cli.options import model_for
from app.errors import DraftingLocked, InvalidInput
from app.invoicing.contact_names import parse_choices
from app.invoicing.drafting import draft_invoices
from app.invoicing.loading import LoadPrinter
from app.invoicing.mapping import MappingError, MappingRequest, save_mapping
from app.invoicing.planned import Plan
from app.invoicing.records import LoadResult
from app.invoicing.results import DraftProgress
from app.invoicing.run import (
    CLI_PROGRAM,
    PlanCounts,
    RunReport,
    add_refused,
    drafting_ledger,
    near_match_lines,
    plan_run,
    progress_bar_text,
    refused_file,
    refused_numbers,
    run_calls_sentence,
    unused_tracking_lines,
)
from app.invoicing.sentences import (
    AGAIN_CLI,
    FILE_REFUSED,
    all_invalid_sentence,
    dry_run_sentence,
    unused_tracking_how_cli,
)
from app.invoicing.sources import load_file, load_xero_quotes
from app.invoicing.tracking import parse_fixed
from app.model import ConnectionModel
from app.text import printable
from app.xero.errors import RateLimited

BAR_WIDTH = 30


def cmd_draft(args: argparse.Namespace) -> int:
    if not args.file and not args.from_xero_quotes:
        print(
            f"Error: {InvalidInput('Give a FILE of quotes or orders, or use --from-xero-quotes.')}",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    try:
        tracking = parse_fixed(args.tracking)
        contacts = parse_choices(args.use_contact, args.new_contact)
    except InvalidInput as refused:
        print(f"Error: {refused}", file=sys.stderr)
        return EXIT_REFUSED
    # The file is read before anything else: a refused file costs no call to Xero, dry run or not.
    from_file = read_file_mapped(args) if args.file else LoadResult()
    if from_file is None:
        return EXIT_REFUSED
    if args.file and args.show_mapping:  # sends nothing, costs no call to Xero
        blocked = bool(from_file.blocking) or refused_file(from_file)
        for problem in from_file.problems if blocked else []:
            print(problem)
        return EXIT_REFUSED if blocked else EXIT_OK
    if args.file and refused_file(from_file):
        for problem in from_file.problems:
            print(problem)
        print(FILE_REFUSED)
        return EXIT_REFUSED
    model = model_for(args)

    def load() -> LoadResult:
        loaded = LoadResult(list(from_file.quotes), list(from_file.problems), mapping=from_file.mapping)
        if args.from_xero_quotes:
            part = load_xero_quotes(model.client())
            loaded.quotes += part.quotes
            loaded.problems += part.problems
        return loaded

    return run_draft(
        model,
        load,
        dry_run=args.dry_run,
        account=args.account,
        tax_type=args.tax_type,
        update_changed=args.update_changed,
        wait=args.wait,
        tracking=tracking,
        history_notes=not args.no_history_notes,
        contacts=contacts,
        keep_quote_date=args.keep_quote_date,
    )


def read_file_mapped(args: argparse.Namespace) -> LoadResult | None:
    """The file read with the mapping the options ask for; its columns printed (dry run, real run and
    --show-mapping alike). None when an option is refused (said on stderr)."""
    path = Path(args.file)
    try:
        request = MappingRequest.from_cli(args.map, args.mapping, args.preset, args.date_order)
    except MappingError as refused:
        print(f"Error: {refused}", file=sys.stderr)
        return None
    if args.fill_down:
        request.fill_down = True
    loaded = load_file(path, request, progress=LoadPrinter(path.name, sys.stderr))
    for line in loaded.mapping_lines(path.name):
        print(line)
    if args.save_mapping and loaded.mapping is not None:
        print(f"Mapping saved for files with these columns: {save_mapping(loaded.mapping)}")
    return loaded


def run_draft(
    model: ConnectionModel,
    load: Callable[[], LoadResult],
    *,
    dry_run: bool = False,
    account: str | None = None,
    tax_type: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    update_changed: bool = False,
    history_notes: bool = True,
    wait: bool = False,
    tracking: Mapping[str, str] | None = None,
    contacts: Mapping[str, str | None] | None = None,
    keep_quote_date: bool = False,
) -> int:
    """The whole command once the quotes can be loaded; scripts and tests call it with their own loader."""

    # CRM text (numbers, customers, Xero's messages quoting them) reaches the terminal without escapes.
    out, err = cast(TextIO, PrintableStream(out or sys.stdout)), err or sys.stderr
    loaded = load()
    for problem in loaded.problems:
        print(problem, file=out)
    if refused_file(loaded):
        print(FILE_REFUSED, file=out)
        return EXIT_REFUSED
    if not loaded.quotes:  # every quote was refused by the loader: nothing to ask Xero about
        print(all_invalid_sentence(len(loaded.invalid_numbers)), file=out)
        return EXIT_FAILED
    client = model.client()
    tenant_id = model.settings.tenant_id
    organisation = model.settings.tenant_name or "this organisation"

    def on_wait(sentence: str) -> None:
        print(sentence, file=err)

    try:
        # One run per organisation, from the plan to the last batch (a dry run takes no lock).
        with drafting_ledger(
            tenant_id, organisation, CLI_PROGRAM, lock=not dry_run, wait=wait, on_wait=on_wait
        ) as ledger:
            plan = plan_run(
                client,
                ledger,
                tenant_id,
                loaded,
                account=account,
                tax_type=tax_type,
                remember=not dry_run,
                look_up=dry_run,
                tracking=tracking,
                contacts=contacts,
                keep_quote_date=keep_quote_date,
            )
            unsettled = unused_tracking_lines(loaded, plan, organisation, unused_tracking_how_cli)
            for line in unsettled:
                print(line, file=out)
            if unsettled:
                return EXIT_REFUSED
            print(run_calls_sentence(client, plan, update_changed, history_notes), file=err)
            for line in near_match_lines(plan):
                print(line, file=out)
            # Quotes the loader already refused never reach the plan; they still count as invalid.
            refused = refused_numbers(loaded, plan)
            if dry_run:
                show_plan(plan, out, refused_at_load=len(refused))
                clean = not refused and all(e.status in ("new", "drafted") for e in plan)
                return EXIT_OK if clean else EXIT_FAILED
            cancel = threading.Event()
            with _cancel_on_ctrl_c(cancel, err):
                report = draft_invoices(
                    client,
                    tenant_id,
                    plan,
                    ledger,
                    progress=ProgressBar(err),
                    cancel=cancel,
                    update_changed=update_changed,
                    history_notes=history_notes,
                )
    except DraftingLocked as locked:
        print(locked, file=out)
        return EXIT_STOPPED
    except RateLimited as limit:  # met while reading the organisation, before anything was sent
        print(f"Nothing was sent: {limit}", file=out)
        return EXIT_STOPPED
    except InvalidInput as refused_command:  # e.g. an --account the organisation does not have
        print(f"Error: {refused_command}", file=err)
        return EXIT_REFUSED
    report = add_refused(report, loaded, plan)
    show_report(RunReport(report), out, update_changed=update_changed)
    if report.stop_cause == "limit":
        return EXIT_STOPPED
    # A draft whose figures in Xero differ from the computed or the CRM's is not "as the file says".
    return EXIT_OK if report.all_done and not any(r.difference for r in report.results) else EXIT_FAILED


def show_plan(plan: Plan, out: TextIO, refused_at_load: int = 0) -> None:
    if plan.mapping:
        print(plan.mapping, file=out)
    for entry in plan:
        number = entry.source.number
        if entry.status in ("drafted", "changed"):
            print(f"{number}: {entry.drafted_sentence()}", file=out)
        elif entry.status == "invalid":
            print(f"{number}: invalid: {entry.reason}", file=out)
        else:
            lines = len(entry.payload.get("LineItems", []))
            note = f" ({entry.reason})" if entry.reason else ""
            print(f"{number}: to draft for {entry.source.contact_name}, {lines} line(s){note}", file=out)
    print(dry_run_sentence(PlanCounts.of(plan, refused_at_load).sentence()), file=out)


def show_report(run: RunReport, out: TextIO, update_changed: bool = False) -> None:
    report = run.report
    lines = [
        *run.outcome_lines(),
        run.changed(update_changed),
        run.recovered,
        run.notes,
        run.cancelled(AGAIN_CLI) or (f"Stopped: {report.stopped}" if report.stopped else ""),
        run.summary,
    ]
    for line in lines:
        if line:
            print(line, file=out)


class PrintableStream:
    """Writes to ``stream`` with every control character but the line break removed (app.text)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(printable(text, keep_line_breaks=True))

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())


class ProgressBar:
    """One line on a terminal (redrawn with \\r), one plain line per batch anywhere else."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last: tuple[str, int] | None = None

    def __call__(self, p: DraftProgress) -> None:
        text = progress_bar_text(p, BAR_WIDTH)
        if self.tty:
            end = "\n" if p.phase == "done" else ""
            self.stream.write(f"\r{text}\033[K{end}")
        elif (p.phase, p.batch) != self._last and p.phase in ("sending", "waiting", "done"):
            self.stream.write(f"{text}\n")
        self._last = (p.phase, p.batch)
        self.stream.flush()


@contextlib.contextmanager
def _cancel_on_ctrl_c(cancel: threading.Event, err: TextIO) -> Iterator[None]:
    """First Ctrl+C: finish the batch in flight, then stop. Second: stop at once (the ledger copes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(signum: int, frame: object) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("\nCancelling after the batch in flight (Ctrl+C again to stop at once)...", file=err)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
