"""Start at login: an XDG autostart entry on Linux, a LaunchAgent on macOS, the Run key on Windows.

Qt-free so the CLI and the tests can use it. Off by default: nothing is written until enable().
The command started is the one running now: the bundle's executable when frozen (PyInstaller), else
`<this Python> -m app`, which works from a clone's venv, a `pip install .` and pipx alike.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app import APP_ID, APP_NAME
from app.settings import user_base

RUN_VALUE = APP_NAME  # the value's name under the Windows Run key
_RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"


def command() -> list[str]:
    """argv that starts the tray the way this process was started."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "app"]


# ----- Linux (freedesktop) ------------------------------------------------------------------------
def entry_path() -> Path:
    """~/.config/autostart/<id>.desktop, honouring XDG_CONFIG_HOME (the spec's lookup place)."""
    return user_base("XDG_CONFIG_HOME", ".config") / "autostart" / f"{APP_ID}.desktop"


def _quote_exec_arg(arg: str) -> str:
    """Quote one argument for a desktop entry's Exec key (Desktop Entry spec, "The Exec key")."""
    reserved = set(" \t\n\"'\\><~|&;$*?#()`")
    if arg and not (set(arg) & reserved):
        return arg.replace("%", "%%")
    inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
    return '"' + inner.replace("%", "%%") + '"'


def exec_line(argv: list[str] | None = None) -> str:
    """The Exec value as written to the file: quoted per argument, then backslashes escaped as a string."""
    quoted = " ".join(_quote_exec_arg(arg) for arg in (argv or command()))
    return quoted.replace("\\", "\\\\")  # the file's string escaping comes on top of Exec's quoting


def desktop_entry(argv: list[str] | None = None) -> str:
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            f"Name={APP_NAME}",
            "Comment=Keeps the CRM connected to Xero (tray icon)",
            f"Exec={exec_line(argv)}",
            f"Icon={APP_ID}",
            "Terminal=false",
            "Categories=Office;Finance;",
            "X-GNOME-Autostart-enabled=true",
            "",
        ]
    )


# ----- macOS ---------------------------------------------------------------------------------------
def launch_agent_path() -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{APP_ID}.plist"


# ----- Windows -------------------------------------------------------------------------------------
def _windows_command(argv: list[str]) -> str:
    import subprocess  # Windows only, like winreg

    return subprocess.list2cmdline(argv)


# ----- the three operations ------------------------------------------------------------------------
def supported() -> bool:
    return sys.platform.startswith("linux") or sys.platform in ("darwin", "win32")


def is_enabled() -> bool:
    if sys.platform == "win32":
        import winreg  # exists only on Windows

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
                winreg.QueryValueEx(key, RUN_VALUE)
            return True
        except OSError:
            return False
    if sys.platform == "darwin":
        return launch_agent_path().is_file()
    return entry_path().is_file()


def enable() -> Path | str:
    """Write the entry for the current executable; returns where it went. Raises OSError."""
    argv = command()
    if sys.platform == "win32":
        import winreg  # exists only on Windows

        with winreg.CreateKey(winreg.HKEY_CURRENT_USER, _RUN_KEY) as key:
            winreg.SetValueEx(key, RUN_VALUE, 0, winreg.REG_SZ, _windows_command(argv))
        return "HKCU\\" + _RUN_KEY
    if sys.platform == "darwin":
        path = launch_agent_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        plist = {"Label": APP_ID, "ProgramArguments": argv, "RunAtLoad": True, "ProcessType": "Interactive"}
        import plistlib  # macOS only

        path.write_bytes(plistlib.dumps(plist))
        return path
    path = entry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(desktop_entry(argv), encoding="utf-8")
    os.replace(tmp, path)  # a session starting right now never reads half a file
    return path


def disable() -> None:
    """Remove the entry; nothing happens when there is none. Raises OSError."""
    if sys.platform == "win32":
        import winreg  # exists only on Windows

        try:
            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _RUN_KEY, 0, winreg.KEY_SET_VALUE) as key:
                winreg.DeleteValue(key, RUN_VALUE)
        except FileNotFoundError:
            pass
        return
    path = launch_agent_path() if sys.platform == "darwin" else entry_path()
    path.unlink(missing_ok=True)


def set_enabled(on: bool) -> None:
    if on:
        enable()
    else:
        disable()
