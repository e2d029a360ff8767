"""The core stays Qt-free: only app/ui/ (and the GUI branch of the CLI, lazily) may import Qt."""

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
QT_IMPORT = re.compile(r"^\s*(from|import)\s+PySide6", re.MULTILINE)


def test_no_qt_import_outside_the_ui():
    offenders = [
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if "ui" not in path.relative_to(APP).parts and QT_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_importing_the_core_does_not_load_qt():
    import subprocess
    import sys

    code = (
        "import sys, app.model, app.cli, app.sandbox.server; "
        "print(any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
