"""Loading: read and validate a generated 20,000-line quotes CSV with app.invoicing.sources.load_file."""

from __future__ import annotations

import csv
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import Spread

LINES = 20_000
HEADER = ["Quote Number", "Quote Date", "Due Date", "Customer", "Email", "Currency", "Amounts Are",
          "Description", "Item Code", "Quantity", "Unit Price", "Discount %", "Account Code", "Tax Type"]
ITEMS = [("DEV-HOUR", "Software development, per hour", "95.00"), ("WIDGET-A", "Widget A, standard finish",
         "24.50"), ("SUPPORT-M", "Support and maintenance, one month", "250.00"),
         ("TRAIN-DAY", "On-site training, one day", "800.00")]


@dataclass
class LoadingResult:
    seconds: Spread
    lines: int
    quotes: int
    problems: int
    megabytes: float


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
            head = [f"CRM-Q-{100000 + quotes}", f"2026-11-{day:02d}", f"2026-12-{day:02d}",
                    f"Customer {rng.randint(1, 3000):04d} Ltd", f"ap{quotes}@customer.example", "GBP",
                    rng.choice(("Exclusive", "Inclusive", "Exclusive"))]
            for _ in range(min(rng.randint(1, 7), lines - written)):
                code, text, price = rng.choice(ITEMS)
                if rng.random() < 0.3:  # a free-text line with its own price and account
                    code, text, price = "", f"Expenses, {rng.choice(('travel', 'parts', 'setup'))}", \
                        f"{rng.randint(100, 99_999) / 100:.2f}"
                discount = str(rng.choice((5, 10, 12.5))) if rng.random() < 0.15 else ""
                out.writerow([*head, text, code, rng.randint(1, 40), price, discount, "200", "OUTPUT2"])
                written += 1
    return quotes


def run(runs: int = 5, log=print) -> LoadingResult:
    from app.invoicing.sources import load_file

    with tempfile.TemporaryDirectory(prefix="xero-connect-bench-loading-") as tmp:
        path = Path(tmp) / "crm-quotes-20000.csv"
        expected = write_csv(path)
        load_file(path)  # warm-up: modules imported, the file in the page cache
        samples = []
        for n in range(runs):
            started = time.perf_counter()
            result = load_file(path)
            samples.append(time.perf_counter() - started)
            log(f"  loading run {n + 1}/{runs}: {samples[-1]:.3f} s")
        if len(result.quotes) != expected:
            loaded = len(result.quotes)
            raise RuntimeError(f"expected {expected} quotes, loaded {loaded}: {result.problems[:3]}")
        return LoadingResult(Spread.of(samples), LINES, len(result.quotes), len(result.problems),
                             path.stat().st_size / 1e6)
