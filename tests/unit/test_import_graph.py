"""No import cycle in app/: every module's imports (at module level or inside a function, all but
those only for type checkers) form a graph without cycles, so each layer can be read on its own; in
app/invoicing even the imports only for type checkers do."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path, known: set[str], type_checking: bool = False) -> set[str]:
    """``type_checking``: also count the imports under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _type_checking_only(node) and not type_checking
        for n in ast.walk(node)
    }
    this = module_name(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
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


def test_no_import_cycle_in_app():
    paths = list(APP.rglob("*.py"))
    known = {module_name(p) for p in paths}
    graph = {module_name(p): imports_of(p, known) for p in paths}
    assert find_cycle(graph) == []


def test_no_import_cycle_in_app_invoicing_even_for_type_checkers():
    """The domain's shared types live where both sides can import them (app.invoicing.planned,
    app.invoicing.results), so no module there needs a type-checking-only import to break a cycle."""
    paths = list(APP.rglob("*.py"))
    known = {module_name(p) for p in paths}
    domain = {module_name(p): p for p in (APP / "invoicing").rglob("*.py")}
    graph = {name: imports_of(path, known, type_checking=True) & set(domain) for name, path in domain.items()}
    assert find_cycle(graph) == []
