"""No import cycle in app/: every module's imports (at module level, inside a function, or only for
type checkers) form a graph without cycles, so each layer can be read on its own. Where one side needs
only a few members of the other, it names them in a Protocol (app.authorization.FlowHost,
app.ui.status_window.StatusSource, app.setup_state.SetupSource) instead of importing it."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def module_name(path: Path, root: Path = APP.parent) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str], root: Path = APP.parent) -> set[str]:
    """Every import of the module, wherever it stands (``if TYPE_CHECKING:`` and functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    this = module_name(path, root)
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != this and not this.startswith(name + "."):  # a package's own __init__
                found.add(name)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        stack.pop()
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_no_import_cycle_in_app_even_for_type_checkers():
    paths = list(APP.rglob("*.py"))
    known = {module_name(p) for p in paths}
    graph = {module_name(p): imports_of(p, known) for p in paths}
    assert find_cycle(graph) == []


def test_the_cycle_finder_sees_a_type_checking_only_cycle(tmp_path):
    """The check itself: a cycle closed only under ``if TYPE_CHECKING:`` is found."""
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import a\n")
    known = {"a", "b"}
    graph = {p.stem: imports_of(p, known, root=tmp_path) for p in tmp_path.glob("*.py")}
    assert find_cycle(graph) == ["a", "b", "a"]
