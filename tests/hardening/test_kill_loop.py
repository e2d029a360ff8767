"""SIGKILL at random points of a drafting run, 20 times in a row, each time followed at once by a rerun
(the killed request may still be in flight in "Xero") that is killed again; a last rerun finishes. No
duplicate invoice, no quote lost, ledger and sandbox agree."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest

from app.secrets import SecretStore
from app.settings import data_dir
from tests.helpers.drafting import INVOICES_PATH, connect

pytestmark = pytest.mark.usefixtures("real_keyring")
COUNT = 60
KILLS = 20
HEADER = "Quote Number,Customer,Description,Quantity,Unit Price\n"
# The real command, with batches of 3 instead of 50 so that a 60-quote run has 20 points to die between.
CHILD = """
import sys
from app.invoicing import drafting
drafting.draft_invoices.__kwdefaults__["batch_size"] = 3
from app.cli import main
sys.exit(main(sys.argv[1:]))
"""


def start(csv, base_url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, "draft", str(csv), "--sandbox", base_url],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def live(sandbox, tenant) -> Counter:
    invoices = sandbox.state.orgs[tenant]["invoices"]
    gone = ("DELETED", "VOIDED")
    return Counter(
        i["Reference"]
        for i in invoices
        if str(i.get("Reference", "")).startswith("X-") and i["Status"] not in gone
    )


def drain(sandbox) -> None:
    deadline = time.monotonic() + 10
    while any(sandbox.state.in_flight.values()):  # a killed request still completes in "Xero"
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_twenty_random_kills_then_a_rerun_leave_each_invoice_once(
    sandbox, sandbox_app, callback_ports, tmp_path
):
    rng = random.Random(20260412)
    csv = tmp_path / "quotes.csv"
    names = ["Acme Ltd", "Bayside Club", "Kill Loop Customer", "Another New Customer"]
    csv.write_text(
        HEADER + "".join(f"X-{n:03d},{names[n % 4]},Work {n},{n % 7 + 1},12.50\n" for n in range(COUNT)),
        encoding="utf-8",
    )
    model = connect(sandbox, sandbox_app, callback_ports)
    tenant = model.settings.tenant_id
    sandbox.post("limits", {"per_minute": 100000, "per_day": 1000000})
    # Small stalls on every invoice call so kills land while batches and lookups are in flight.
    sandbox.post(
        "faults",
        {"kind": "delay", "delay_seconds": 0.2, "count": 10000, "path_prefix": INVOICES_PATH},
    )
    started = time.monotonic()
    outcomes: list[int] = []
    progress: list[int] = []
    stopped: list[bool] = []  # the run found the killed run's batch still in flight and stopped
    try:
        for _ in range(KILLS):
            child = start(csv, sandbox.base_url)
            time.sleep(rng.uniform(0.3, 1.3))  # the kill time, from a seeded RNG
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
            out, err = child.communicate(timeout=30)
            outcomes.append(child.returncode)
            assert "Traceback" not in err, err
            stopped.append("Stopped: Nothing was sent: Xero is still processing a batch" in out)
            counts = live(sandbox, tenant)
            assert not counts or max(counts.values()) == 1, [r for r, n in counts.items() if n > 1]
            progress.append(len(counts))
        assert len(set(progress) - {0, COUNT}) >= 3, progress  # several kills landed mid-job
        # A run the kill did not reach must have finished the whole job; how many runs the kill reaches
        # depends on the machine's speed, so only a floor is asked for.
        # No drain between runs: a rerun may find the killed request still being processed (409) and
        # stop with its sentence, sending nothing.
        runs = zip(outcomes, progress, stopped, strict=True)
        assert all(code == -signal.SIGKILL or done == COUNT or halt for code, done, halt in runs), (
            outcomes,
            progress,
            stopped,
        )
        assert outcomes.count(-signal.SIGKILL) >= 5, outcomes
        sandbox.control("DELETE", "faults")
        drain(sandbox)  # the last killed request finishes before the final run
        final = start(csv, sandbox.base_url)
        out, err = final.communicate(timeout=60)
        assert final.returncode == 0, out + err
        assert out.rstrip().endswith("0 invalid, 0 failed."), out
        counts = live(sandbox, tenant)
        assert counts == Counter({f"X-{n:03d}": 1 for n in range(COUNT)})
        with sqlite3.connect(data_dir() / "ledger.sqlite") as db:
            query = "SELECT reference, invoice_id FROM drafts WHERE tenant_id = ?"
            ledger = dict(db.execute(query, (tenant,)))
            states = {row[0] for row in db.execute("SELECT state FROM batches")}
        in_xero = {
            i["Reference"]: i["InvoiceID"]
            for i in sandbox.state.orgs[tenant]["invoices"]
            if str(i.get("Reference", "")).startswith("X-")
        }
        assert ledger == in_xero and states <= {"done"}
        assert time.monotonic() - started < 60
    finally:
        SecretStore("sandbox", sandbox_app.client_id).delete_all()
