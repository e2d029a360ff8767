"""`pip install .` and `pipx install .` from a clone give a working `xero-connect` command.

Each installs a copy of the work tree (so the build leaves nothing in the clone) into a fresh venv
without system site-packages, then runs the installed command from elsewhere, with no repo on the path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from app import __version__
from tests.helpers.sandbox import free_ports

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT = 900
SKIP = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "shots",
)


def source_copy(tmp_path: Path) -> Path:
    target = tmp_path / "src"
    shutil.copytree(REPO, target, ignore=SKIP)
    return target


def clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["XERO_CONNECT_LOG_DIR"] = str(tmp_path / "logs")
    return env


def sh(
    *args: str | Path, env: dict[str, str], cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd, timeout=timeout
    )


def fresh_venv(path: Path, env: dict[str, str], cwd: Path) -> Path:
    result = sh(sys.executable, "-m", "venv", path, env=env, cwd=cwd)  # no --system-site-packages
    assert result.returncode == 0, result.stderr
    return path / "bin"


def assert_command_works(command: Path, python: Path, env: dict[str, str], cwd: Path) -> None:
    version = sh(command, "--version", env=env, cwd=cwd)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"xero-connect {__version__}"

    # The installed copy, not the clone, and its resources found as installed data files.
    where = sh(
        python,
        "-c",
        "import app, app.resources as r, app.xero.loopback as l; "
        "print(app.__file__); print(r.resource_path('icons', 'xero-connect.svg')); "
        "print((l.PAGES_DIR / 'success.html').is_file())",
        env=env,
        cwd=cwd,
    )
    assert where.returncode == 0, where.stderr
    package, icon, page = where.stdout.split()
    assert not Path(package).resolve().is_relative_to(REPO), package
    assert Path(icon).is_file() and not Path(icon).resolve().is_relative_to(REPO), icon
    assert page == "True"

    port = free_ports(1)[0]
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(command), "sandbox", "--port", str(port)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/sandbox/tenants", timeout=2).raise_for_status()
                break
            except requests.RequestException:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the installed sandbox did not answer within 60 s"
                time.sleep(0.2)
        check = sh(command, "check", "--sandbox", url, env=env, cwd=cwd)
        assert check.returncode == 1, check.stdout + check.stderr
        assert "not set up" in check.stderr and "Traceback" not in check.stderr
    finally:
        server.terminate()
        server.communicate(timeout=30)  # reaps it and closes its pipe


def test_pip_install_from_a_clone(tmp_path: Path) -> None:
    src, env, cwd = source_copy(tmp_path), clean_env(tmp_path), tmp_path
    bin_dir = fresh_venv(tmp_path / "venv", env, cwd)
    result = sh(
        bin_dir / "python", "-m", "pip", "install", "--quiet", src, env=env, cwd=cwd, timeout=INSTALL_TIMEOUT
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert_command_works(bin_dir / "xero-connect", bin_dir / "python", env, cwd)


def test_pipx_install_from_a_clone(tmp_path: Path) -> None:
    src, env, cwd = source_copy(tmp_path), clean_env(tmp_path), tmp_path
    tools = fresh_venv(tmp_path / "tools", env, cwd)
    got = sh(tools / "python", "-m", "pip", "install", "--quiet", "pipx", env=env, cwd=cwd, timeout=300)
    if got.returncode != 0:
        pytest.skip(f"pipx cannot be installed here: {got.stderr.strip()[-300:]}")
    env = {
        **env,
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "pipx-bin"),
        "PIPX_MAN_DIR": str(tmp_path / "pipx-man"),
    }
    result = sh(tools / "pipx", "install", src, env=env, cwd=cwd, timeout=INSTALL_TIMEOUT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    python = tmp_path / "pipx" / "venvs" / "xero-connect" / "bin" / "python"
    assert_command_works(tmp_path / "pipx-bin" / "xero-connect", python, env, cwd)
