"""terraform-provider-huaweicloud's invitation and account-placement resources and the paged
data sources, as the provider calls them (tests/clients/terraform.py: OrgProvider): the account
associate (R4), the invite's destroy paths (R5), the invite decliner (R7), and the data sources
trusted services (D7), sent and received invitations (D13, D14), create-account statuses (D15)
and the resource instances the acceptance test asks for (D12). Each CRUD replay ends in the
read that would plan no change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.terraform import AccountConfig, OrgProvider
from tests.support import Account

REGION = "cn-north-4"


def provider(account: Account) -> OrgProvider:
    return OrgProvider(account.endpoint, account.access_key, account.secret_key, REGION)


@pytest.fixture
def manager(owner: Account) -> Iterator[OrgProvider]:
    made = provider(owner)
    made.create_organization({})
    yield made
    made.close()


@pytest.fixture
def invitee(receiver: Account) -> Iterator[OrgProvider]:
    made = provider(receiver)
    yield made
    made.close()


def test_account_associate_plans_clean(manager: OrgProvider) -> None:
    root_id = manager.root()["id"]
    first = manager.create_ou("first", root_id, {})
    second = manager.create_ou("second", root_id, {})
    account_id = manager.create_account(AccountConfig(name="tf-placed"))

    # R4 create: ListEntities, then a move from the root; the read finds the configured parent.
    assert manager.create_associate(account_id, first) == account_id
    state = manager.read_associate(account_id)
    assert state is not None
    assert (state["account_id"], state["parent_id"], state["name"]) == (
        account_id,
        first,
        "tf-placed",
    )
    assert state["joined_method"] == "created" and state["urn"] and state["joined_at"]

    # Update (parent_id changed): ListEntities, then the move; the read after apply agrees.
    manager.update_associate(account_id, second)
    state = manager.read_associate(account_id)
    assert state is not None and state["parent_id"] == second

    # An update whose parent already holds the account (moved there out of band, the
    # configuration following): a move to where it already is succeeds without a change.
    manager.move(account_id, second, first)
    manager.update_associate(account_id, first)
    state = manager.read_associate(account_id)
    assert state is not None and state["parent_id"] == first

    # Destroy: back to the root; the account stays a member, so a later associate reads it.
    manager.delete_associate(account_id, first)
    assert manager.parent_of(account_id) == root_id


def test_account_associate_at_the_root_is_destroyed_by_a_move_to_the_root(
    manager: OrgProvider,
) -> None:
    root_id = manager.root()["id"]
    account_id = manager.create_account(AccountConfig(name="tf-rooted"))
    # parent_id = the root: create sends no move; destroy moves from the root to the root.
    manager.create_associate(account_id, root_id)
    state = manager.read_associate(account_id)
    assert state is not None and state["parent_id"] == root_id
    sent = len(manager.go.sent)
    manager.delete_associate(account_id, root_id)
    move = manager.go.sent[sent + 1]
    assert move.url.path.endswith(f"/accounts/{account_id}/move")
    assert manager.parent_of(account_id) == root_id
    # A closed account's associate is gone for the next refresh.
    manager.delete_account(account_id)
    assert manager.read_associate(account_id) is None


def test_invite_destroy_paths_plan_clean(
    manager: OrgProvider, invitee: OrgProvider, receiver: Account
) -> None:
    # R5 pending: create, read, destroy (cancel), then the refresh: cancelled means gone.
    pending = manager.invite(receiver.account_id)
    state = manager.read_invite(pending)
    assert state is not None
    assert (state["status"], state["account_id"]) == ("pending", receiver.account_id)
    manager.delete_invite(pending, state, remove=False)
    assert manager.read_invite(pending) is None
    manager.delete_invite(pending, state, remove=False)  # cancelled again (1401): gone

    # R5 accepted (R6 with the invitee's key), then destroyed with remove_account_on_destroy.
    accepted = manager.invite(receiver.account_id)
    invitee.go.call("POST", f"/v1/received-handshakes/{accepted}/accept")
    state = manager.read_invite(accepted)
    assert state is not None and state["status"] == "accepted"
    assert manager.read_invite(accepted) == state  # the refresh: nothing changed
    assert receiver.account_id in {
        a["id"] for a in manager.paged("/v1/organizations/accounts", "accounts", "", 200)
    }
    manager.delete_invite(accepted, state, remove=True)
    sent = manager.go.sent[-1]
    assert (sent.method, sent.url.path) == (
        "POST",
        f"/v1/organizations/accounts/{receiver.account_id}/remove",
    )
    assert receiver.account_id not in {
        a["id"] for a in manager.paged("/v1/organizations/accounts", "accounts", "", 200)
    }
    # The refresh after: the account is gone, so the invite is too; a second destroy is gone.
    assert manager.read_invite(accepted) is None
    manager.delete_invite(accepted, state, remove=True)


def test_invite_decliner_and_invitation_data_sources(
    manager: OrgProvider, invitee: OrgProvider, owner: Account, receiver: Account
) -> None:
    handshake_id = manager.invite(receiver.account_id)
    # D13 with the sender's key, D14 with the invitee's: both list the pending invitation.
    (sent,) = [h for h in manager.sent_invitations() if h["id"] == handshake_id]
    (received,) = [h for h in invitee.received_invitations() if h["id"] == handshake_id]
    assert sent == received
    assert (sent["status"], sent["management_account_id"]) == ("pending", owner.account_id)
    assert sent["target"] == [{"type": "account", "entity": receiver.account_id}]
    assert sent["urn"] and sent["organization_id"] and sent["created_at"].endswith("Z")

    # R7: the decline is its only call; the state's ID is the handshake's.
    assert invitee.decline(handshake_id) == handshake_id
    # Its read sends nothing, so a plan is clean by construction; what the invite (R5) and
    # the data sources read after it is the declined invitation.
    before = len(invitee.go.sent)
    state = manager.read_invite(handshake_id)
    assert state is not None and state["status"] == "declined"
    assert len(invitee.go.sent) == before
    statuses = {h["id"]: h["status"] for h in invitee.received_invitations()}
    assert statuses[handshake_id] == "declined"
    # X-Language goes with every generated data source's request, as httphelper sends it.
    last = invitee.go.sent[-1]
    assert (last.headers["X-Language"], last.headers["Content-Type"]) == (
        "en-us",
        "application/json",
    )


def test_trusted_services_data_source_pages_without_a_limit(manager: OrgProvider) -> None:
    for service in ("service.RAM", "service.CTS"):
        manager.go.call(
            "POST", "/v1/organizations/trusted-services/enable", {"service_principal": service}
        )
    found = manager.trusted_services()
    assert sorted(s["service_principal"] for s in found) == ["service.CTS", "service.RAM"]
    assert all(s["enabled_at"].endswith("Z") for s in found)
    first = next(r for r in manager.go.sent if r.url.path.endswith("/trusted-services"))
    assert "limit" not in first.url.params


def test_create_account_status_data_source_with_states(manager: OrgProvider) -> None:
    account_id = manager.create_account(AccountConfig(name="tf-status"))
    everything = manager.create_account_statuses([])
    (mine,) = [s for s in everything if s["account_id"] == account_id]
    assert (mine["state"], mine["account_name"]) == ("succeeded", "tf-status")
    assert mine["id"] and mine["created_at"].endswith("Z") and mine["completed_at"]
    both = manager.create_account_statuses(["succeeded", "failed"])
    assert account_id in {s["account_id"] for s in both}
    assert manager.create_account_statuses(["failed"]) == []
    assert manager.create_account_statuses(["in_progress"]) == []


def test_resource_instances_as_the_acceptance_test_filters(manager: OrgProvider) -> None:
    """The acceptance test's three configurations of D12 on accounts: a tags filter
    ``key3=[value3]``, ``without_any_tag = true`` and ``matches {key="key3", value="value3"}``.
    The last is answered with nothing (docs/api.md: Huawei names `matches` keys policy,
    organizational-unit and account, never a tag key)."""
    tagged = manager.create_account(AccountConfig(name="tf-key3", tags={"key3": "value3"}))
    bare = manager.create_account(AccountConfig(name="tf-plain"))
    kind = "organizations:accounts"
    by_tag = manager.resource_instances(kind, {"tags": [{"key": "key3", "values": ["value3"]}]})
    assert [(r["resource_id"], r["tags"]) for r in by_tag] == [(tagged, {"key3": "value3"})]
    untagged = {
        r["resource_id"] for r in manager.resource_instances(kind, {"without_any_tag": True})
    }
    assert bare in untagged and tagged not in untagged
    matched = manager.resource_instances(kind, {"matches": [{"key": "key3", "value": "value3"}]})
    assert matched == []
    sent = manager.go.sent[-1]
    assert sent.url.params["limit"] == "100" and sent.url.params["offset"] == "0"
    assert sent.headers["X-Language"] == "en-us"
