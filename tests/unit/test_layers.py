"""The edges of the server are parts the app factory composes (``sharekeeper/app.py``), not
each other's: the console runs the API's operations, so it may import ``api/``; ``api/`` never
reaches the console, by any path, so the two are no cycle; and only the entry points build the
app."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import sharekeeper

PACKAGE = Path(sharekeeper.__file__).parent


def _imported(path: Path) -> Iterator[str]:
    """The ``sharekeeper`` modules a file imports, at its top or inside a function."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _part(module_or_path: str) -> str:
    """The part of the package a module belongs to: ``api``, ``console``, ``app``, ..."""
    return module_or_path.split(".")[0].removesuffix(".py")


def package_graph() -> dict[str, set[str]]:
    """Which part of the package imports which other."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        part = _part(path.relative_to(PACKAGE).parts[0])
        for module in _imported(path):
            if module.startswith("sharekeeper."):
                target = _part(module.removeprefix("sharekeeper."))
                if target != part:
                    graph.setdefault(part, set()).add(target)
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), set()) - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_the_api_never_reaches_the_console_so_they_make_no_cycle() -> None:
    graph = package_graph()
    assert "api" in graph.get("console", set())  # the console runs the API's operations
    assert "console" not in reachable(graph, "api")
    assert "app" not in reachable(graph, "api")
    assert "app" not in reachable(graph, "console")


def test_only_the_entry_points_import_the_app_factory() -> None:
    graph = package_graph()
    importers = {part for part, targets in graph.items() if "app" in targets}
    assert importers == {"cli", "testing"}


def test_the_graph_sees_imports_inside_functions() -> None:
    """The CLI imports the factory inside its command (a deferred import): the graph must see
    it, or the tests above would pass on a graph that misses edges."""
    assert "app" in package_graph()["cli"]
