"""Every command starts with core dumps off: no core file, and (Linux) not dumpable at all, so neither
the secret nor a token can land in a core file or a crash reporter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import ctypes, json, resource, sys
from app.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
libc = ctypes.CDLL(None, use_errno=True)
print(json.dumps({"core": resource.getrlimit(resource.RLIMIT_CORE), "dumpable": libc.prctl(3, 0, 0, 0, 0)}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_GET_DUMPABLE is Linux's")
@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["check", "--sandbox"],
        ["disconnect", "--yes"],
        ["draft", "missing.csv", "--sandbox"],
        ["connect", "--ports", "1"],
        ["--version"],
        ["wizard", "--screenshots", "{tmp}"],
    ],
)
def test_every_command_runs_with_core_dumps_off(argv, tmp_path):
    argv = [word.replace("{tmp}", str(tmp_path / "shots")) for word in argv]
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe == {"core": [0, 0], "dumpable": 0}, out.stderr[-500:]
