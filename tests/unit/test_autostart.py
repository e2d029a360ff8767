"""Start at login: the XDG autostart entry is written and removed under XDG_CONFIG_HOME, nowhere else."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app import autostart

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG autostart is Linux's")


@pytest.fixture
def xdg_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(path))
    return path


def exec_value(entry: Path) -> str:
    lines = [line for line in entry.read_text(encoding="utf-8").splitlines() if line.startswith("Exec=")]
    assert len(lines) == 1
    return lines[0].removeprefix("Exec=")


def test_off_by_default_then_enable_and_disable(xdg_config: Path) -> None:
    entry = xdg_config / "autostart" / "io.xeroconnect.XeroConnect.desktop"
    assert autostart.entry_path() == entry
    assert not autostart.is_enabled()

    assert autostart.enable() == entry
    assert autostart.is_enabled() and entry.is_file()
    autostart.enable()  # twice is harmless
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]  # no temp file left behind

    autostart.disable()
    assert not entry.exists() and not autostart.is_enabled()
    autostart.disable()  # and so is disabling twice


def test_falls_back_to_dot_config_without_xdg_config_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert autostart.entry_path() == tmp_path / ".config" / "autostart" / "io.xeroconnect.XeroConnect.desktop"


def test_exec_runs_this_python_with_dash_m_app(xdg_config: Path) -> None:
    assert autostart.command() == [sys.executable, "-m", "app"]
    value = exec_value(Path(autostart.enable()))
    assert value == autostart.exec_line([sys.executable, "-m", "app"]) and value.endswith(" -m app")


def test_exec_is_the_bundle_executable_when_frozen(xdg_config: Path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/xero-connect/xero-connect")
    entry = Path(autostart.enable())
    assert exec_value(entry) == "/opt/xero-connect/xero-connect"


def test_exec_quotes_paths_with_spaces_and_specials() -> None:
    # Desktop Entry spec: quote arguments with reserved characters, escape " ` $ \ inside the quotes,
    # double % always; then the file's own string escaping doubles every backslash again.
    assert autostart.exec_line(["/opt/My Apps/xero-connect"]) == '"/opt/My Apps/xero-connect"'
    assert autostart.exec_line(["/opt/a$b/x", "-m", "app"]) == '"/opt/a\\\\$b/x" -m app'
    assert autostart.exec_line(["/opt/100%/x"]) == "/opt/100%%/x"


def test_the_entry_is_valid_per_desktop_file_validate(xdg_config: Path, monkeypatch) -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed (Debian package desktop-file-utils)")
    monkeypatch.setattr(sys, "executable", "/opt/My Apps/py$thon")
    entry = Path(autostart.enable())
    result = subprocess.run([tool, str(entry)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
