"""Every third-party module the package imports is a declared runtime dependency, so that a
plain `pip install sharekeeper` runs (a green test run, with the test extras, would hide it)."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import sharekeeper

ROOT = Path(__file__).resolve().parents[2]
# Imported only where they are certainly present: pytest loads the plugin itself, and the SDK
# is imported lazily by the plugin for users who have installed it.
OPTIONAL = {"pytest", "_pytest", "huaweicloudsdkcore", "huaweicloudsdkram"}
# Module names whose distribution is named otherwise.
DISTRIBUTIONS = {"sqlalchemy": "sqlalchemy", "yaml": "pyyaml"}


def test_every_imported_package_is_a_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    declared = {
        d.split("[")[0].split(">")[0].split("=")[0].strip().lower() for d in project["dependencies"]
    }
    imported: set[str] = set()
    for path in Path(sharekeeper.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names} - {"sharekeeper"}
    missing = {m for m in third_party - OPTIONAL if DISTRIBUTIONS.get(m, m) not in declared}
    assert missing == set()
