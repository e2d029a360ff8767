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


def test_the_command_line_parser_loads_neither_the_drafting_nor_the_network_modules():
    """The draft command's seam (app/cli/__init__.py): its options are built without app.invoicing,
    which loads, with the network stack, only when the command runs."""
    import json
    import subprocess
    import sys

    code = (
        "import json, sys, app.cli\n"
        "app.cli.build_parser().parse_args(['draft', '--dry-run', 'quotes.csv'])\n"
        "heavy = ('app.invoicing', 'requests', 'keyring', 'requests_oauthlib', 'filelock')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_the_status_and_check_commands_load_no_qt(tmp_path):
    """The lazy seam in app/cli/__init__.py: only the GUI commands import PySide6 (the CLI runs headless)."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from app.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(json.dumps([code, sorted(m for m in sys.modules if m.startswith('PySide6'))]))\n"
    )
    env = {
        **os.environ,
        "XERO_CONNECT_CONFIG_DIR": str(tmp_path / "config"),
        "XERO_CONNECT_DATA_DIR": str(tmp_path / "data"),
        "XERO_CONNECT_LOG_DIR": str(tmp_path / "logs"),
    }
    for command in (["status"], ["check", "--sandbox"]):
        done = subprocess.run(
            [sys.executable, "-c", code, *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            cwd=APP.parent,
        )
        exit_code, qt_modules = json.loads(done.stdout.strip().splitlines()[-1])
        assert exit_code in (0, 1), done.stderr  # `check` on a fresh config says it is not set up
        assert qt_modules == [], command


def test_one_redirect_uri_builder():
    """The redirect URI is built in one place (app.xero.endpoints.redirect_uri): the admin registers it
    in Xero exactly, so two spellings of it would be two different URIs."""
    builder = APP / "xero" / "endpoints.py"
    pattern = re.compile(r"localhost:\{")
    offenders = [
        str(path.relative_to(APP))
        for path in APP.rglob("*.py")
        if path != builder
        and "sandbox" not in path.relative_to(APP).parts
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_no_test_module_imports_a_fixture_file_or_another_test_module():
    """Fixtures live in conftest files and reach tests by name; shared code lives in tests/helpers."""
    tests = APP.parent / "tests"
    wrong = re.compile(
        r"^\s*from tests(\.\w+)*\.(conftest|test_\w+) import|^\s*import tests(\.\w+)*\.(conftest|test_)", re.M
    )
    offenders = [
        str(p.relative_to(tests)) for p in tests.rglob("*.py") if wrong.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_a_fresh_wizard_paints_without_the_network_or_keyring_stack(tmp_path):
    """The seams the start-up budget keeps (docs/BENCHMARKS.md): step 1 of a fresh setup needs neither
    requests nor the keyring, which alone take longer to import than a bare QWizard takes to paint."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from app.ui.main import application\n"
        "from app.model import ConnectionModel\n"
        "from app.ui.wizard import SetupWizard\n"
        "app = application(quit_on_last_window=True)\n"
        "wizard = SetupWizard(ConnectionModel('xero'))\n"
        "wizard.show()\n"
        "app.processEvents()\n"
        "heavy = ('requests', 'keyring', 'requests_oauthlib', 'filelock', 'secretstorage')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XERO_CONNECT_CONFIG_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def _silent_imports(path: Path) -> list[int]:
    """Line numbers of the imports inside a function without a comment beside or above them (an
    import group shares the comment of its first line)."""
    import ast

    lines = path.read_text(encoding="utf-8").splitlines()
    inside = {
        node.lineno
        for function in ast.walk(ast.parse("\n".join(lines)))
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    }

    def says_why(index: int) -> bool:
        while "#" not in lines[index]:
            above = lines[index - 1].strip() if index > 0 else ""
            if above.startswith("#"):
                return True
            if not above.startswith(("import ", "from ")):
                return False
            index -= 1
        return True

    return sorted(lineno for lineno in inside if not says_why(lineno - 1))


def test_every_import_inside_a_function_says_why():
    """Imports stand at the top of their module. One that waits inside a function is a seam (Qt only
    for the GUI commands, the network stack off the wizard's first paint, a platform's own module, the
    draft command's modules) and says why in a comment beside or above it (docs/ARCHITECTURE.md)."""
    silent = [
        f"{path.relative_to(APP)}:{lineno}" for path in APP.rglob("*.py") for lineno in _silent_imports(path)
    ]
    assert silent == []
