"""Drafting throughput against the sandbox with Xero's per-tenant limits on, in emulated Xero time.

Each measurement gets a fresh sandbox (so minute and day windows start empty) holding the same
customer book, and drafts the same generated quotes: 30 % for new customers, the rest for existing
contacts, 1-5 lines each. Every wait (the program's pacing, a 429's Retry-After) advances the sandbox
clock instead of sleeping, so an hour of Xero time passes in seconds.

The baseline does what the official SDK's samples do: per quote, look the contact up by name, create
it when missing, then PUT one invoice; it uses XeroClient directly, through the same retry policy.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.common import Spread, connect, control, private_dirs

SIZES = (50, 500, 2000)
NEW_SHARE = 0.30
EXISTING_BOOK = 300  # generated existing customers, on top of the sandbox's 8 seeded contacts
ITEM_CODES = ("DEV-HOUR", "WIDGET-A", "SUPPORT-M", "TRAIN-DAY")
PER_MINUTE, CONCURRENT = 60, 5
# The one-invoice-per-call baseline for 2,000 quotes needs more than Starter's 1,000 calls a day, so the
# benchmark's app is on Core (5,000 calls per organisation per day), as a paying admin's app would be.
TIER = "core"


@dataclass
class Measure:
    accounting: int
    connections: int
    token: int
    rate_limited: int
    emulated_minutes: float
    wall_seconds: float
    drafted: int
    floor: int = 0
    note: str = ""


# -- the world -----------------------------------------------------------------------------------------


def _existing_book(rng: random.Random) -> list[dict[str, Any]]:
    from app.sandbox.fmt import stable_id
    from app.sandbox.seed import contact_record

    out = []
    for n in range(EXISTING_BOOK):
        name = f"{rng.choice(('North', 'South', 'Harbour', 'Hill', 'River', 'Oak'))} Trading {n:04d} Ltd"
        out.append(
            contact_record(stable_id("bench", "contact", str(n)), name, f"accounts{n}@customer.example")
        )
    return out


def make_quotes(count: int, existing: list[str], seed: int) -> tuple[list[Any], int]:
    """``count`` quotes, NEW_SHARE of them for customers Xero does not know yet; (quotes, new contacts)."""
    from app.invoicing.records import SourceLine, SourceQuote

    rng = random.Random(seed)
    new_count = round(count * NEW_SHARE)
    kinds = [True] * new_count + [False] * (count - new_count)
    rng.shuffle(kinds)
    quotes = []
    for n, is_new in enumerate(kinds, 1):
        if is_new:
            name, email = f"New Customer {seed}-{n:05d} Ltd", f"billing{n}@new-customer.example"
        else:
            name, email = rng.choice(existing), ""
        lines = []
        for k in range(rng.randint(1, 5)):
            if rng.random() < 0.6:
                lines.append(
                    SourceLine(
                        "",
                        Decimal(rng.randint(1, 20)),
                        Decimal(rng.randint(10, 900)),
                        item_code=rng.choice(ITEM_CODES),
                    )
                )
            else:
                price = Decimal(rng.randint(100, 99_999)) / 100
                discount = Decimal(rng.choice((5, 10))) if rng.random() < 0.2 else None
                quantity = Decimal(rng.randint(1, 8))
                lines.append(SourceLine(f"Consulting, part {k + 1}", quantity, price, discount))
        quotes.append(
            SourceQuote(number=f"BQ-{seed}-{n:05d}", contact_name=name, contact_email=email, lines=lines)
        )
    return quotes, new_count


class World:
    """A fresh sandbox with the customer book, a connected model and a ledger of its own."""

    def __init__(self, seed: int, tier: str = TIER) -> None:
        from app.sandbox.server import SandboxServer

        self.base = private_dirs("drafting")
        self.server = SandboxServer(port=0)
        self.server.start()
        self.model = connect(self.server.base_url, tier=tier)
        self.tenant = self.model.settings.tenant_id
        contacts = self.server.state.orgs[self.tenant]["contacts"]
        contacts.extend(_existing_book(random.Random(seed)))
        self.existing_names = [c["Name"] for c in contacts if c.get("ContactStatus") == "ACTIVE"]
        control(self.server.base_url, "limits", {"per_minute": PER_MINUTE, "concurrent": CONCURRENT})
        # Start on a fresh minute window so runs are comparable (the window is fixed, its phase is not).
        now = self.server.state.clock.time()
        control(self.server.base_url, "clock", {"advance_seconds": 60.05 - now % 60})
        control(self.server.base_url, "counters/reset", {})

    def contact_pages(self) -> int:
        from app.xero.client import MAX_PAGE_SIZE

        contacts = self.server.state.orgs[self.tenant]["contacts"]
        active = sum(1 for c in contacts if c["ContactStatus"] == "ACTIVE")
        return active // MAX_PAGE_SIZE + 1  # the last page is the first one shorter than a full page

    def measure(self, body) -> tuple[Measure, Any]:
        clock = self.server.state.clock
        emulated0, wall0 = clock.time(), time.perf_counter()
        outcome = body()
        wall = time.perf_counter() - wall0
        emulated = clock.time() - emulated0
        counters = control(self.server.base_url, "counters")
        kinds: Counter[str] = Counter()
        for endpoint, calls in counters["by_endpoint"].items():
            path = endpoint.split(" ", 1)[1]
            kind = "other"
            for prefix, name in (
                ("/api.xro", "accounting"),
                ("/connections", "connections"),
                ("/connect/", "token"),
            ):
                if path.startswith(prefix):
                    kind = name
            kinds[kind] += calls
        return Measure(
            kinds["accounting"],
            kinds["connections"],
            kinds["token"],
            counters["rate_limited"],
            emulated / 60,
            wall,
            0,
        ), outcome

    def close(self) -> None:
        self.server.stop()


# -- the two ways of drafting ----------------------------------------------------------------------------


# Organisation (+Actions), Accounts, TaxRates, Items, Currencies, TrackingCategories: what every plan is
# checked against
FIXED_READS = 7


def lookup_calls(quotes: list[Any]) -> int:
    """GETs that ask Xero for the quotes' References before anything is sent (the program's chunks)."""
    from app.invoicing.lookup import lookup_chunks

    return len(lookup_chunks(sorted(q.number for q in quotes)))


def _draft_once(
    world: World, quotes: list[Any], ledger_path: Path, history_notes: bool = True
) -> tuple[Measure, Any]:
    from app.invoicing.drafting import draft_invoices
    from app.invoicing.ledger import Ledger
    from app.invoicing.plan import make_plan

    with Ledger(ledger_path) as ledger:

        def draft():
            client = world.model.client()
            plan = make_plan(client, ledger, world.tenant, quotes)
            return draft_invoices(client, world.tenant, plan, ledger, history_notes=history_notes)

        return world.measure(draft)


def run_program(size: int, seed: int, history_notes: bool = True) -> Measure:
    world = World(seed)
    try:
        quotes, new_count = make_quotes(size, world.existing_names, seed)
        # Invoice batches + the lookups before sending + contact batches + fixed reads + contact pages
        # + one History note per drafted invoice (Xero has no batch for notes).
        floor = (
            math.ceil(size / 50)
            + lookup_calls(quotes)
            + math.ceil(new_count / 50)
            + FIXED_READS
            + world.contact_pages()
            + (size if history_notes else 0)
        )
        measure, report = _draft_once(world, quotes, Path(world.base) / "ledger.sqlite", history_notes)
        measure.drafted, measure.floor = report.drafted, floor
        if report.drafted != size:
            measure.note = f"only {report.drafted} drafted: {report.summary()} {report.stopped}"
        return measure
    finally:
        world.close()


def run_rerun_on_fresh_ledger(size: int, seed: int) -> Measure:
    """The same file again from a second computer (or after the ledger was deleted): everything is
    already in Xero, so the run must create nothing and cost only its reads and lookups."""
    world = World(seed)
    try:
        quotes, _new = make_quotes(size, world.existing_names, seed)
        _draft_once(world, quotes, Path(world.base) / "first.sqlite")
        # The second computer runs later: a fresh minute window, so its count is its own calls only.
        control(world.server.base_url, "clock", {"advance_seconds": 60.0})
        control(world.server.base_url, "counters/reset", {})
        contact_pages = world.contact_pages()
        measure, report = _draft_once(world, quotes, Path(world.base) / "second.sqlite")
        # Each chunk that finds invoices asks once more which of them this app created.
        measure.floor = FIXED_READS + contact_pages + 2 * lookup_calls(quotes)
        measure.drafted = report.drafted
        found = report.count("found")
        if found != size or report.drafted:
            measure.note = f"found {found}, drafted {report.drafted}: {report.summary()}"
        return measure
    finally:
        world.close()


def draft_one_per_call(client: Any, entry: Any) -> bool:
    """The baseline's way with one quote: look its contact up by name, create it when missing, then PUT
    one invoice. True when Xero drafted it."""
    body = entry.new_contact or {"Name": entry.source.contact_name}
    found = client.find_contact_by_name(body["Name"])
    if found is None:
        [created] = client.put_contacts([body])
        found = created.record
    entry.payload["Contact"] = {"ContactID": found["ContactID"]}
    [result] = client.put_invoices([entry.payload])
    return result.ok


def run_baseline(size: int, seed: int) -> Measure:
    """One contact look-up per quote, a PUT per missing contact and a PUT per invoice."""
    from app.invoicing.contacts import ContactDirectory
    from app.invoicing.plan import TenantFacts, build_plan, choose_defaults
    from app.xero.errors import RateLimited

    world = World(seed)
    try:
        quotes, _new = make_quotes(size, world.existing_names, seed)

        def draft() -> tuple[int, str]:
            client = world.model.client()
            facts = TenantFacts.fetch(client)
            plan = build_plan(quotes, facts, choose_defaults(facts), ContactDirectory(), {})
            drafted = 0
            try:
                for entry in plan:
                    drafted += draft_one_per_call(client, entry)
            except RateLimited as exc:  # the daily limit: Retry-After is hours away
                return drafted, f"stopped by Xero's daily limit after {drafted} invoices ({exc})"
            return drafted, ""

        measure, (drafted, note) = world.measure(draft)
        measure.drafted, measure.note = drafted, note
        return measure
    finally:
        world.close()


# -- the benchmark ---------------------------------------------------------------------------------------


@dataclass
class SizeResult:
    size: int
    program: list[Measure]
    baseline: list[Measure]
    baseline_note: str = ""
    rerun: list[Measure] = field(default_factory=list)  # the same file on a fresh ledger (largest size)
    plain: list[Measure] = field(default_factory=list)  # the program with its History notes off


def run(repeats: dict[int, int], baseline_at_2000: bool = True, log=print) -> list[SizeResult]:
    results = []
    for size, runs in repeats.items():
        program, baseline = [], []
        for rep in range(runs):
            seed = size * 10 + rep
            program.append(run_program(size, seed))
            log(
                f"  drafting {size}: program run {rep + 1}/{runs}: {program[-1].accounting} calls, "
                f"{program[-1].wall_seconds:.1f} s"
            )
        note = ""
        if size >= 2000 and not baseline_at_2000:
            note = "baseline skipped (--no-baseline-2000)"
        else:
            for rep in range(min(runs, 1) if size >= 2000 else runs):
                baseline.append(run_baseline(size, size * 10 + rep))
                log(
                    f"  drafting {size}: baseline run {rep + 1}: {baseline[-1].accounting} calls, "
                    f"{baseline[-1].wall_seconds:.1f} s"
                )
        plain = [run_program(size, size * 10, history_notes=False)]
        log(f"  drafting {size}: program without History notes: {plain[-1].accounting} calls")
        rerun = []
        if size == max(repeats):
            rerun.append(run_rerun_on_fresh_ledger(size, size * 10))
            log(f"  drafting {size}: rerun on a fresh ledger: {rerun[-1].accounting} calls")
        results.append(SizeResult(size, program, baseline, note, rerun, plain))
    return results


def spread(measures: list[Measure], attr: str) -> Spread:
    return Spread.of([float(getattr(m, attr)) for m in measures])
