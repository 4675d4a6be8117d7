"""The domain is plain Python: it imports nothing outside the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import sharekeeper.domain

DOMAIN = Path(sharekeeper.domain.__file__).parent


def test_domain_imports_only_the_standard_library() -> None:
    offenders = []
    for path in DOMAIN.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if name.startswith("sharekeeper.domain") or top == "__future__":
                    continue
                if top not in sys.stdlib_module_names:
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_only_the_store_imports_sqlalchemy() -> None:
    package = DOMAIN.parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "sqlalchemy" in path.read_text("utf-8") and path.relative_to(package).parts[0] != "store"
    ]
    assert offenders == []
