"""POST /sharekeeper/v1/accessible-resources with an action lists exactly what
POST /sharekeeper/v1/authorize allows (docs/enforcement.md): across a matrix of shares, Deny
statements in another share reaching the same resource (either spelling) included. The
packaged catalogue has no permission with a Deny, so this module's server runs with one more:
the catalogue is the server's own data, read once at start."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from sharekeeper.domain.permissions import Catalogue
from sharekeeper.testing import Account
from tests.api.decision_support import (
    ACCESSIBLE,
    READONLY_SUBNET,
    TOKEN,
    call,
    decision,
    share_accepted,
    sharing_organization,
)
from tests.sdk.helpers import create_share
from tests.sdk.test_permissions_and_tags import bind
from tests.support import LiveServer, settings_for

NO_GET = "5f0c1a9e-1d0b-4c1e-9b5e-2f3a4b5c6d7e"
ACTIONS = ("vpc:subnets:get", "vpc:ports:create", "vpc:subnets:list")
PAGES_MOST = 50


def _with_a_denying_permission() -> Catalogue:
    text = resources.files("sharekeeper.domain").joinpath("catalogue.json").read_text("utf-8")
    data = json.loads(text)
    content = {
        "Version": "5.0",
        "Statement": [
            {"Effect": "Deny", "Action": ["vpc:subnets:get"]},
            {"Effect": "Allow", "Action": ["vpc:subnets:list"]},
        ],
    }
    data["permissions"].append(
        {
            "id": NO_GET,
            "name": "test-vpc-subnet-no-get",
            "resource_type": "vpc:subnet",
            "is_resource_type_default": False,
            "default_version": 1,
            "versions": [
                {
                    "version": 1,
                    "created_at": "2026-01-01T00:00:00.000Z",
                    "content": json.dumps(content),
                }
            ],
        }
    )
    return Catalogue.from_mapping(data)


@pytest.fixture(scope="module")
def decider(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    catalogue = _with_a_denying_permission()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Catalogue, "packaged", classmethod(lambda cls: catalogue))
        live = LiveServer(settings_for(database_url, data_dir, admin_token=TOKEN))
        live.start()
        yield live
        live.stop()


def _listed(wire: Any, service: Account, principal: Account, action: str) -> set[str]:
    """Every page, two entries at a time (pages a Deny shortened lead on by their marker)."""
    found: set[str] = set()
    marker = None
    for _ in range(PAGES_MOST):
        body = {
            "principal": principal.account_id,
            "resource_type": "vpc:subnet",
            "action": action,
            "limit": 2,
            "marker": marker,
        }
        response = call(wire, service, ACCESSIBLE, body)
        assert response.status_code == 200, response.text
        reply = response.json()
        found |= {r["resource_urn"] for r in reply["resources"]}
        marker = reply["page_info"]["next_marker"]
        if marker is None:
            return found
    raise AssertionError("the listing did not end within PAGES_MOST pages")


def test_accessible_resources_list_exactly_what_authorize_allows(
    decider: LiveServer, wire: Any, vpc: Account
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    direct, readonly = owner.urn("subnet-direct"), owner.urn("subnet-readonly")
    both, denied_only = owner.urn("subnet-both"), owner.urn("subnet-denied")
    pending = owner.urn("subnet-pending")
    share_accepted(owner, receiver, direct, both)
    bind(owner, share_accepted(owner, receiver, readonly).id, READONLY_SUBNET, replace=True)
    # Another share holds one of the same resources with a permission that denies get.
    bind(owner, share_accepted(owner, receiver, both).id, NO_GET, replace=True)
    bind(owner, share_accepted(owner, receiver, denied_only).id, NO_GET, replace=True)
    create_share(owner, "pending", principals=[receiver.account_id], resource_urns=[pending])
    # The same subnet under the alias spelling, in a denying share.
    spelled = owner.urn("subnet-spelled")
    share_accepted(owner, receiver, spelled)
    alias = owner.urn("subnet-spelled", "vpc:subnets")
    bind(owner, share_accepted(owner, receiver, alias).id, NO_GET, replace=True)
    # Through an OU of the receiver's organization.
    management, org = sharing_organization(decider)
    ou_id, ou_urn = org.ou("team")
    org.add(receiver, ou_id)
    through_ou = management.urn("subnet-ou")
    create_share(management, "to-ou", principals=[ou_urn], resource_urns=[through_ou])
    # The receiver's own subnet, shared with the owner: the owner's use is not decided here.
    own = receiver.urn("subnet-own")
    share_accepted(receiver, owner, own)

    candidates = [direct, readonly, both, denied_only, pending, spelled, alias, through_ou, own]
    # Allowed by /authorize (either spelling decides alike) and listed, as each share holds
    # it: the alias spelling only where the share holding it so allows the action.
    expected = {
        "vpc:subnets:get": ({direct, readonly, through_ou}, {direct, readonly, through_ou}),
        "vpc:ports:create": (  # readonly does not name it; no-get neither allows nor denies it
            {direct, both, spelled, alias, through_ou},
            {direct, both, spelled, through_ou},
        ),
        "vpc:subnets:list": (  # every permission here allows it, no-get too
            {direct, readonly, both, denied_only, spelled, alias, through_ou},
            {direct, readonly, both, denied_only, spelled, alias, through_ou},
        ),
    }
    for action in ACTIONS:
        allowed = {u for u in candidates if decision(wire, vpc, receiver, action, u) == "allow"}
        listed = _listed(wire, vpc, receiver, action)
        assert (allowed, listed) == expected[action], action
        # Every resource listed is allowed; every allowed one is listed (under a spelling).
        assert all(decision(wire, vpc, receiver, action, u) == "allow" for u in listed)
        assert {u.replace(":subnets:", ":subnet:") for u in allowed} == {
            u.replace(":subnets:", ":subnet:") for u in listed
        }, action
