"""Start-up: process start to the first painted wizard page, offscreen, against a bare QWizard.

Each run is a new interpreter (``python -m benchmarks.startup_child MODE``) with a fresh config
directory; the parent takes perf_counter just before starting it and the child prints perf_counter
at the first Paint event of a QWizardPage (both CLOCK_MONOTONIC on Linux). Modes run interleaved, one
round at a time, so a noisy moment hits all of them alike; the ratios are taken within each round
(mode / bare of the same round) and their median is what the goal is judged on.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from benchmarks.common import ROOT, Spread

MODES = {
    "bare": "bare PySide6 QWizard, one page",
    "wizard": "SetupWizard on a fresh config, built directly",
    "cli": "`xero-connect wizard --xero` through app.cli.main",
}


@dataclass
class StartupResult:
    seconds: dict[str, Spread]
    ratios: dict[str, Spread]  # mode -> its time / the bare wizard's time in the same round


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    base = tempfile.mkdtemp(prefix="xero-connect-bench-startup-")
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XERO_CONNECT_CONFIG_DIR=os.path.join(base, "config"),
        XERO_CONNECT_DATA_DIR=os.path.join(base, "data"),
        PYTHONDONTWRITEBYTECODE="",
    )
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def time_mode(mode: str) -> float:
    env = _child_env()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup_child", mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    marks = [line for line in done.stdout.splitlines() if line.startswith("PAINT ")]
    if done.returncode != 0 or not marks:
        raise RuntimeError(f"start-up child {mode} failed ({done.returncode}): {done.stderr[-500:]}")
    return float(marks[0].split()[1]) - started


def run(runs: int = 15, log=print) -> StartupResult:
    for mode in MODES:  # one unmeasured warm-up each: byte-code compiled, files in the page cache
        time_mode(mode)
    samples: dict[str, list[float]] = {mode: [] for mode in MODES}
    for n in range(runs):
        for mode in MODES:
            samples[mode].append(time_mode(mode))
        log(f"  start-up run {n + 1}/{runs}: " + ", ".join(f"{m} {samples[m][-1]:.3f} s" for m in MODES))
    ratios = {
        mode: Spread.of([t / bare for t, bare in zip(samples[mode], samples["bare"], strict=True)])
        for mode in MODES
        if mode != "bare"
    }
    return StartupResult({mode: Spread.of(values) for mode, values in samples.items()}, ratios)
