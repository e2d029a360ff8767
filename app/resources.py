"""Where the resources/ folder (icons, listener pages, samples) is, however the program was installed.

Three layouts exist:
- a clone or an editable install: resources/ sits next to the app/ package;
- a PyInstaller bundle: resources/ sits in the bundle's data folder (sys._MEIPASS);
- `pip install .` / pipx: pyproject installs resources/ as data files under <prefix>/share/xero-connect/
  (a package cannot reach outside itself, and moving resources/ into app/ would churn every caller).
"""

from __future__ import annotations

import site
import sys
from functools import cache
from pathlib import Path

DATA_SUBDIR = Path("share") / "xero-connect" / "resources"


def _candidates() -> list[Path]:
    roots: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle) / "resources")
    roots.append(Path(__file__).resolve().parents[1] / "resources")
    # Wheel data files land in the install scheme's data dir: the venv's prefix, or the user base (--user).
    for prefix in (sys.prefix, site.getuserbase(), sys.base_prefix):
        roots.append(Path(prefix) / DATA_SUBDIR)
    return roots


@cache
def resources_root() -> Path:
    """The first candidate that really holds our resources (icons are always shipped)."""
    candidates = _candidates()
    for root in candidates:
        if (root / "icons" / "xero-connect.svg").is_file():
            return root
    return candidates[0]  # the bundle's or the clone's: a sensible path for error messages


def resource_path(*parts: str) -> Path:
    """The path of a resource, e.g. resource_path("icons", "tray-connected.svg")."""
    return resources_root().joinpath(*parts)
