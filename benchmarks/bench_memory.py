"""Memory: peak RSS of the tray-resident program after one connection check, against a bare tray app.

The parent runs the sandbox and authorises a sandbox profile (tokens in a file keyring the child
reads); each child is started fresh and its ru_maxrss is read with os.wait4 when it exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import ROOT, Spread, connect, private_dirs
from benchmarks.keyring_backend import PATH_ENV, install


@dataclass
class MemoryResult:
    mib: dict[str, Spread]
    check: str


def peak_rss_mib(mode: str, env: dict[str, str]) -> tuple[float, str]:
    # Output goes to files, not pipes: Popen.communicate() would reap the child before wait4 could.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.memory_child", mode],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
            text=True,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        said, complaint = out.read().strip(), err.read()
    if code != 0:
        raise RuntimeError(f"memory child {mode} failed ({code}): {said[-300:]} {complaint[-500:]}")
    return usage.ru_maxrss / 1024, said  # Linux reports KiB


def run(runs: int = 3, log=print) -> MemoryResult:
    from app.sandbox.server import SandboxServer

    base = private_dirs("memory")
    keyring_file = Path(base) / "keyring.json"
    install(keyring_file)
    server = SandboxServer(port=0)
    server.start()
    try:
        connect(server.base_url)
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **{PATH_ENV: str(keyring_file)})
        samples: dict[str, list[float]] = {"bare": [], "tray": []}
        check = ""
        for n in range(runs):
            for mode in samples:
                mib, said = peak_rss_mib(mode, env)
                samples[mode].append(mib)
                if mode == "tray":
                    check = said.removeprefix("OK ")
            log(
                f"  memory run {n + 1}/{runs}: bare {samples['bare'][-1]:.1f} MiB, "
                f"tray {samples['tray'][-1]:.1f} MiB"
            )
        return MemoryResult({mode: Spread.of(values) for mode, values in samples.items()}, check)
    finally:
        server.stop()
