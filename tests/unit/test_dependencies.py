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
OPTIONAL = {
    "pytest",
    "_pytest",
    "huaweicloudsdkcore",
    "huaweicloudsdkram",
    "huaweicloudsdkorganizations",
    # boto3, for the plugin's AWS clients (Account.aws), in the pytest extra like the SDKs.
    "boto3",
    "botocore",
    # nats-py, the extra sharekeeper[nats]: events/nats_relay.py is imported only when
    # SHAREKEEPER_NATS_URL is set, after checking that it is installed.
    "nats",
}
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


def _extra(extras: dict[str, list[str]], name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """The distributions an extra brings, following ``sharekeeper[other]`` references."""
    names: set[str] = set()
    for requirement in extras[name]:
        bare = requirement.split(">")[0].split("=")[0].strip().lower()
        if bare.startswith("sharekeeper["):
            for other in bare[len("sharekeeper[") : -1].split(","):
                assert other not in seen | {name}, f"the extra {name} refers to itself"
                names |= _extra(extras, other.strip(), seen | {name})
        else:
            names.add(bare.split("[")[0])
    return names


def test_the_plugin_extra_brings_what_its_fixtures_import() -> None:
    """The pytest extra, and the test extra through it, bring pytest and the official SDK (a
    self-reference once emptied the extra, and only a fresh environment showed it)."""
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"][
        "optional-dependencies"
    ]
    needed = {"pytest", "huaweicloudsdkram", "huaweicloudsdkcore", "boto3"}
    assert needed <= _extra(extras, "pytest")
    assert needed <= _extra(extras, "test")
