"""Loading: read and validate generated quotes CSVs with app.invoicing.sources.load_file.

Speed: the 20,000-line file, against the raw ``csv.DictReader`` pass over the same file in the same run
(goal: the loader at most 3x that). Memory: the peak RSS of a fresh process loading 20,000 and 1,000,000
lines (goal at 1,000,000: at most 10x the file's size), in the benchmark's wide layout (every quote field
on every row) and in a lean one (five columns).
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import ROOT, Spread

LINES = 20_000
BIG = 1_000_000
SPEED_GOAL = 3.0  # loader / raw csv.DictReader pass
MEMORY_GOAL = 10.0  # peak RSS / file size at 1,000,000 lines
HEADER = [
    "Quote Number",
    "Quote Date",
    "Due Date",
    "Customer",
    "Email",
    "Currency",
    "Amounts Are",
    "Description",
    "Item Code",
    "Quantity",
    "Unit Price",
    "Discount %",
    "Account Code",
    "Tax Type",
]
LEAN_HEADER = ["Quote Number", "Customer", "Description", "Quantity", "Unit Price"]
ITEMS = [
    ("DEV-HOUR", "Software development, per hour", "95.00"),
    ("WIDGET-A", "Widget A, standard finish", "24.50"),
    ("SUPPORT-M", "Support and maintenance, one month", "250.00"),
    ("TRAIN-DAY", "On-site training, one day", "800.00"),
]


@dataclass
class PeakMemory:
    layout: str
    lines: int
    megabytes: float
    peak_mib: float
    baseline_mib: float

    @property
    def ratio(self) -> float:
        return self.peak_mib * 1.048576 / self.megabytes


@dataclass
class LoadingResult:
    seconds: Spread
    raw_seconds: Spread
    lines: int
    quotes: int
    problems: int
    megabytes: float
    memory: list[PeakMemory] = field(default_factory=list)


def write_csv(path: Path, lines: int = LINES, seed: int = 7) -> int:
    """A CRM export of ``lines`` line rows (1-7 per quote, quote fields repeated); returns the quotes."""
    rng = random.Random(seed)
    written = quotes = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        while written < lines:
            quotes += 1
            day = 1 + quotes % 28
            head = [
                f"CRM-Q-{100000 + quotes}",
                f"2026-11-{day:02d}",
                f"2026-12-{day:02d}",
                f"Customer {rng.randint(1, 3000):04d} Ltd",
                f"ap{quotes}@customer.example",
                "GBP",
                rng.choice(("Exclusive", "Inclusive", "Exclusive")),
            ]
            for _ in range(min(rng.randint(1, 7), lines - written)):
                code, text, price = rng.choice(ITEMS)
                if rng.random() < 0.3:  # a free-text line with its own price and account
                    code, text, price = (
                        "",
                        f"Expenses, {rng.choice(('travel', 'parts', 'setup'))}",
                        f"{rng.randint(100, 99_999) / 100:.2f}",
                    )
                discount = str(rng.choice((5, 10, 12.5))) if rng.random() < 0.15 else ""
                out.writerow([*head, text, code, rng.randint(1, 40), price, discount, "200", "OUTPUT2"])
                written += 1
    return quotes


def write_lean_csv(path: Path, lines: int, seed: int = 3) -> int:
    """Five columns, a unique price on every line: the smallest file per line, the most kept per byte."""
    rng = random.Random(seed)
    written = quotes = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write(",".join(LEAN_HEADER) + "\n")
        while written < lines:
            quotes += 1
            for _ in range(min(rng.randint(1, 7), lines - written)):
                handle.write(
                    f"Q-{quotes},Customer {quotes % 3000},Widget {rng.randint(1, 60)},"
                    f"{rng.randint(1, 40)},{rng.randint(100, 99_999) / 100:.2f}\n"
                )
                written += 1
    return quotes


def raw_pass(path: Path) -> int:
    """The floor: csv.DictReader over the same file, keeping nothing."""
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def peak_rss_mib(path: Path | None) -> float:
    """ru_maxrss of a fresh process that loads ``path`` (None: imports the loader and loads nothing)."""
    code = (
        "import sys\nfrom app.invoicing.sources import load_file\n"
        "r = load_file(sys.argv[1]) if sys.argv[1] else None\n"
        "print(len(r.quotes) if r else 0, len(r.problems) if r else 0)\n"
    )
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", code, str(path or "")],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            out.seek(0)
            raise RuntimeError(f"loading child failed: {out.read()[-500:]}")
    return usage.ru_maxrss / 1024  # Linux reports KiB


def run(runs: int = 5, log=print, big: int = BIG) -> LoadingResult:
    from app.invoicing.sources import load_file

    with tempfile.TemporaryDirectory(prefix="xero-connect-bench-loading-") as tmp:
        path = Path(tmp) / "crm-quotes-20000.csv"
        expected = write_csv(path)
        load_file(path)  # warm-up: modules imported, the file in the page cache
        samples, raws = [], []
        for n in range(runs):
            started = time.perf_counter()
            raw_pass(path)
            raws.append(time.perf_counter() - started)
            started = time.perf_counter()
            result = load_file(path)
            samples.append(time.perf_counter() - started)
            log(f"  loading run {n + 1}/{runs}: {samples[-1]:.3f} s (csv.DictReader {raws[-1]:.3f} s)")
        if len(result.quotes) != expected:
            loaded = len(result.quotes)
            raise RuntimeError(f"expected {expected} quotes, loaded {loaded}: {result.problems[:3]}")
        outcome = LoadingResult(
            Spread.of(samples),
            Spread.of(raws),
            LINES,
            len(result.quotes),
            len(result.problems),
            path.stat().st_size / 1e6,
        )
        baseline = peak_rss_mib(None)
        files = [("wide", LINES, path)]
        for layout, writer in (("wide", write_csv), ("lean", write_lean_csv)):
            big_path = Path(tmp) / f"crm-quotes-{layout}-{big}.csv"
            writer(big_path, big)
            files.append((layout, big, big_path))
        for layout, lines, file in files:
            peak = peak_rss_mib(file)
            outcome.memory.append(PeakMemory(layout, lines, file.stat().st_size / 1e6, peak, baseline))
            log(f"  peak RSS loading {lines:,} {layout} lines: {peak:.0f} MiB")
            if file is not path:
                file.unlink()
        return outcome
