"""Dispatch's table (api/http/dispatch.py), looked up by dict for literal and templated paths:
the same answers as matching segment by segment, and a table whose answer would hang on the
order of its routes is refused when built."""

from __future__ import annotations

from typing import Any

import pytest

from sharekeeper.api.http.dispatch import Dispatch
from sharekeeper.api.routes import DECISION_OPERATIONS, OPERATIONS

# Each operation's name stands for its endpoint.
NAMED: list[tuple[str, str, Any]] = [
    (op.method, op.path, op.name) for op in (*OPERATIONS, *DECISION_OPERATIONS)
]
TABLE = Dispatch(NAMED)


@pytest.mark.parametrize(
    ("method", "path", "found"),
    [
        ("POST", "/v1/resource-share-invitations/search", ("SearchResourceShareInvitation", {})),
        ("POST", "/v1/resource-share-invitations/search/", ("SearchResourceShareInvitation", {})),
        (
            "POST",
            "/v1/resource-share-invitations/i-1/accept?x=1",
            ("AcceptResourceShareInvitation", {"resource_share_invitation_id": "i-1"}),
        ),
        # An id decoded after splitting: %2F is a character of it, never a separator.
        (
            "POST",
            "/v1/resource-share-invitations/a%2Fb/accept",
            ("AcceptResourceShareInvitation", {"resource_share_invitation_id": "a/b"}),
        ),
        # An empty id is an id of its own: it cannot reach an operation with fewer segments.
        (
            "POST",
            "/v1/resource-share-invitations//accept",
            ("AcceptResourceShareInvitation", {"resource_share_invitation_id": ""}),
        ),
        ("POST", "/v1/resource-share-invitations/accept", None),
        ("GET", "/v1/resource-share-invitations/search", None),
        ("POST", "/v1/resource-share-invitations/i-1/accept/x", None),
        ("POST", "/v1/resource-share-invitations//search", None),
    ],
)
def test_paths_find_their_operation(method: str, path: str, found: object) -> None:
    assert TABLE.match(method, path) == found


@pytest.mark.parametrize(
    "routes",
    [
        [("GET", "/v1/things/{id}", "Get"), ("GET", "/v1/things/search", "Search")],
        [("GET", "/v1/{kind}/x", "One"), ("GET", "/v1/things/{id}", "Other")],
    ],
)
def test_a_table_whose_answer_would_hang_on_its_order_is_refused(
    routes: list[tuple[str, str, Any]],
) -> None:
    with pytest.raises(ValueError):
        Dispatch(routes)
