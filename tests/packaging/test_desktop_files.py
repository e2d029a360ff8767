"""The .desktop file and the AppStream metainfo validate, and every place that names the version agrees."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from app import APP_ID, __version__

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"


def tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("XERO_CONNECT_REQUIRE_KEYRING") == "1":  # CI: every tool must be there
            pytest.fail(f"{name} is required (Debian package {package}; see scripts/system-packages.sh)")
        pytest.skip(f"{name} is not installed (Debian package {package})")
    return path


def test_desktop_file_validates() -> None:
    result = subprocess.run(
        [tool("desktop-file-validate", "desktop-file-utils"), str(DESKTOP)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_metainfo_validates() -> None:
    result = subprocess.run(
        [tool("appstreamcli", "appstream"), "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Infos and pedantic notes are fine (appstream 0.16 does not know <developer> yet); warnings are not.
    assert not re.search(r"^W:", result.stdout, re.MULTILINE), result.stdout


def test_metainfo_names_the_desktop_file_and_the_current_version() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("project_license") == "MIT"
    assert root.findtext("launchable") == DESKTOP.name
    releases = root.findall("releases/release")
    assert releases, "the metainfo lists no release"
    assert releases[0].get("version") == __version__, "add a <release> for the new version at the top"


def test_desktop_file_runs_the_console_script_with_our_icon() -> None:
    text = DESKTOP.read_text(encoding="utf-8")
    assert "\nExec=xero-connect\n" in text and f"\nIcon={APP_ID}\n" in text


def test_the_version_has_one_source() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "app.__version__"}
    spec = (PACKAGING / "xero-connect.spec").read_text(encoding="utf-8")
    assert "__version__" in spec and not re.search(r"VERSION\s*=\s*['\"]\d", spec)
    tree = ast.parse((REPO / "app" / "__init__.py").read_text(encoding="utf-8"))
    assigned = [
        n
        for n in tree.body
        if isinstance(n, ast.Assign)
        and isinstance(n.targets[0], ast.Name)
        and n.targets[0].id == "__version__"
    ]
    assert len(assigned) == 1 and ast.literal_eval(assigned[0].value) == __version__


def test_icons_exist_in_every_size() -> None:
    icons = REPO / "resources" / "icons"
    assert (icons / "xero-connect.svg").is_file()
    for size in (16, 32, 48, 64, 128, 256):
        png = icons / f"xero-connect-{size}.png"
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (size, size), png
