"""What `xero-connect wizard` has loaded when its first page paints: only what that page needs.

Start-up time itself is measured in benchmarks/ (never in tests); this guards the structure behind it.
A fresh interpreter runs the command on a fresh config; at the first Paint of the opening page it
reports which heavy modules are loaded and whether PySide has built its `Qt` enum namespace, which
costs about 15 ms and which the opening page avoids by setting properties by name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Needed only once the administrator acts (network, keyring, OAuth, the callback listener), by other
# pages, or by other commands.
NOT_BEFORE_FIRST_PAINT = (
    "requests", "keyring", "requests_oauthlib", "oauthlib", "filelock", "http.server", "logging.handlers",
    "socket", "datetime", "app.secrets", "app.tokens", "app.xero.client", "app.xero.oauth",
    "app.xero.loopback", "app.ui.tray", "app.ui.invoices", "app.ui.pages.credentials",
    "app.ui.pages.authorize", "app.invoicing.drafting", "PySide6.QtNetwork",
)

CHILD = """
import json, os, sys
from PySide6.QtCore import QEvent, QObject
import PySide6.QtCore as QtCore
from app.ui import wizard as wizard_module

watch = json.loads(sys.argv[1])


class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(json.dumps({
                "page": type(obj).__name__,
                "loaded": [name for name in watch if name in sys.modules],
                "qt_namespace_built": "Qt" in QtCore.__dict__,
            }), flush=True)
            os._exit(0)
        return False


hooks = []
show = wizard_module.SetupWizard.show


def show_watching_the_page(self):
    hook = FirstPaint()
    hooks.append(hook)
    self.page(self.startId()).installEventFilter(hook)
    show(self)


wizard_module.SetupWizard.show = show_watching_the_page
from app.cli import main

main(["wizard", "--xero"])
sys.exit("no page was painted")
"""


def test_the_opening_page_paints_before_network_keyring_and_other_pages_load(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XERO_CONNECT_CONFIG_DIR": str(tmp_path / "config"),
        "XERO_CONNECT_DATA_DIR": str(tmp_path / "data"),
        "XERO_CONNECT_LOG_DIR": str(tmp_path / "logs"),
    }
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(NOT_BEFORE_FIRST_PAINT)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["page"] == "NavigatePage"  # a fresh config opens on step 1
    assert report["loaded"] == []
    assert report["qt_namespace_built"] is False
