"""The docs stay true: every error code and every operation is listed."""

from __future__ import annotations

import re
from pathlib import Path

from sharekeeper.api.errors import InternalError, status_of
from sharekeeper.domain import errors

DOC = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text("utf-8")


def all_errors() -> list[type[errors.ShareKeeperError]]:
    found: list[type[errors.ShareKeeperError]] = [InternalError]
    pending = [errors.ShareKeeperError]
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


def test_every_code_is_documented_with_its_status() -> None:
    rows = set(re.findall(r"^\| (\d{3}) \| ([A-Za-z]+\.\d{4}) \|", DOC, re.MULTILINE))
    for kind in all_errors():
        assert (str(status_of(kind)), kind.code) in rows, f"{kind.__name__} {kind.code}"


API_DOC = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text("utf-8")


def test_every_route_is_documented() -> None:
    from sharekeeper.api.routes import OPERATIONS

    operations = {(op.method, op.path) for op in OPERATIONS if op.method != "PATCH"}
    organizations = ("/v1/organizations", "/v1/received-handshakes")
    ram = [p for _, p in operations if p.startswith("/v1/") and not p.startswith(organizations)]
    assert len(ram) == 30
    for method, path in operations:
        # The doc abbreviates the invitation id; the route table names it in full.
        shown = path.replace("{resource_share_invitation_id}", "{id}")
        assert f"`{method} {shown}" in API_DOC, (method, path)
