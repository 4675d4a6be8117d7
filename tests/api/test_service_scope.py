"""What a service principal reads of other namespaces and of the directory, through signed
HTTP (docs/enforcement.md, "What a snapshot shows" and "What a service principal reads"): its
snapshot shows only its namespaces' resources and bindings and the standings its shares'
principals need, its feed only its namespaces' items of a mixed share; and the in-process
checker still answers as POST /sharekeeper/v1/authorize does."""

from __future__ import annotations

import json
from typing import Any

from sharekeeper.testing import Account
from tests.api.checker_support import agree, checker_for, local
from tests.api.decision_support import make_service, share_accepted, sharing_organization
from tests.api.feed_support import page, read_all, service_read, tail
from tests.sdk.helpers import accept, associate, create_share, disassociate, invitation_for
from tests.sdk.test_organization_policies import SCP, attach, create, scp, set_type
from tests.support import LiveServer, SignedHttp

SNAPSHOT = "/sharekeeper/v1/snapshot"
# Two statements: one about another namespace's actions, one about the vpc's.
MIXED = json.dumps(
    {
        "Version": "5.0",
        "Statement": [
            {"Sid": "keys", "Effect": "Deny", "Action": ["kms:*"]},
            {"Sid": "subnets", "Effect": "Deny", "Action": ["vpc:subnets:delete"]},
        ],
    }
)


def _snapshot(wire: SignedHttp, service: Account) -> Any:
    response = wire.request(service, "GET", SNAPSHOT, omit=("X-Domain-Id",))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_snapshot_shows_only_what_its_namespaces_decisions_need(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    management, org = sharing_organization(decider)
    set_type(management, org.root_id, SCP, enabled=True)
    team_id, team_urn = org.ou("team")
    other_id, _ = org.ou("other")
    reached, unreached = decider.account("reached"), decider.account("unreached")
    org.add(reached, team_id)
    org.add(unreached, other_id)
    ports = create(management, "no-ports", scp(["vpc:ports:*"], "Deny"))
    keys = create(management, "no-keys", scp(["kms:*"], "Deny"))
    mixed = create(management, "mixed", MIXED)
    elsewhere = create(management, "elsewhere", scp(["vpc:*"], "Deny"))
    attach(management, ports.id, reached.account_id)
    attach(management, keys.id, reached.account_id)
    attach(management, mixed.id, team_id)
    attach(management, elsewhere.id, unreached.account_id)
    # A second organization none of the vpc shares reaches, with a vpc SCP of its own.
    stranger_management, stranger_org = sharing_organization(decider)
    set_type(stranger_management, stranger_org.root_id, SCP, enabled=True)
    stranger = decider.account("stranger")
    stranger_org.add(stranger)
    theirs = create(stranger_management, "theirs", scp(["vpc:*"], "Deny"))
    attach(stranger_management, theirs.id, stranger.account_id)

    subnet, zone = management.urn("subnet-scope"), management.urn("zone-scope", "dns:zone")
    mixed_share = create_share(
        management, "mixed", principals=[team_urn], resource_urns=[subnet, zone]
    )
    zones_only = share_accepted(management, decider.account("dns-user"), zone)

    snapshot = _snapshot(wire, vpc)
    shares = {s["resource_share_id"]: s for s in snapshot["shares"]}
    assert mixed_share.id in shares and zones_only.id not in shares
    shown = shares[mixed_share.id]
    assert [r["urn"] for r in shown["resources"]] == [subnet]
    assert {p["resource_type"] for p in shown["permissions"]} == {"vpc:subnet"}
    standings = {s["account_id"]: s for s in snapshot["standings"]}
    # The member the OU reaches; not the other OU's, not the management account at the root,
    # not the other organization's (other tests' accounts may share this database).
    assert reached.account_id in standings
    strangers = (unreached, management, stranger_management, stranger)
    assert not {a.account_id for a in strangers} & set(standings)
    standing = standings[reached.account_id]
    assert set(standing["entities"]) <= {reached.account_id, team_id, team_urn}
    assert other_id not in json.dumps(snapshot)
    # Only the SCPs that can deny a vpc action, each reduced to its vpc statements.
    policies = {p["policy_id"]: p for p in standing["policies"]}
    assert set(policies) == {ports.id, mixed.id}
    assert json.loads(policies[mixed.id]["content"])["Statement"] == [
        {"Sid": "subnets", "Effect": "Deny", "Action": ["vpc:subnets:delete"]}
    ]
    text = json.dumps(snapshot)
    for hidden in (keys.id, elsewhere.id, theirs.id, zone, stranger.account_id):
        assert hidden not in text

    # The checker answers from that as the API does, SCP reasons included.
    with checker_for(decider, vpc) as checker:
        assert agree(checker, wire, vpc, reached, subnet) == "allow"
        for action, policy in (("vpc:ports:create", ports.id), ("vpc:subnets:delete", mixed.id)):
            denied = local(checker, reached, action, subnet)
            assert [r["policy_id"] for r in denied["reasons"]] == [policy]
        assert local(checker, unreached, "vpc:subnets:get", subnet)["decision"] == "deny"
        # A principal the snapshot did not reach joins a share it holds: the checker reloads
        # to learn where it stands, and its SCP denies as the API's does.
        share_accepted(management, stranger, subnet)
        assert agree(checker, wire, vpc, stranger, subnet) == "deny"
        denied = local(checker, stranger, "vpc:subnets:get", subnet)
        assert [r["policy_id"] for r in denied["reasons"]] == [theirs.id]


def _items(events: list[dict[str, Any]], share_id: str) -> list[tuple[str, str, str]]:
    """(type, what it names, status) of a share's events: an association's entity, a
    permission's resource type, nothing for the share's own and its invitations."""
    found = []
    for event in events:
        if event["subject"] != share_id:
            continue
        data = event["data"]
        named = data.get("associated_entity") or data.get("resource_type") or ""
        found.append((event["type"].removeprefix("sharekeeper.ram."), named, data["status"]))
    return found


def test_a_service_reads_only_its_namespaces_items_of_a_mixed_share(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    dns, kms = make_service(decider, "dns"), make_service(decider, "kms")
    owner, receiver = decider.account("owner"), decider.account("receiver")
    start = tail(decider)
    subnet, zone = owner.urn("subnet-items"), owner.urn("zone-items", "dns:zone")
    share = create_share(owner, "mixed", principals=[receiver.account_id], resource_urns=[subnet])
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    associate(owner, share.id, resource_urns=[zone])
    disassociate(owner, share.id, resource_urns=[zone])
    every, _ = read_all(decider, start)
    seen = {}
    for service in (vpc, dns, kms):
        events, _ = page(service_read(wire, service, f"after={start}&limit=1000"))
        seen[service.account_id] = _items(events, share.id)
    shared = [
        ("resource_share.created", "", "active"),
        ("association.associated", receiver.account_id, "associating"),
        ("invitation.created", "", "pending"),
        ("invitation.accepted", "", "accepted"),
        ("association.associated", receiver.account_id, "associated"),
    ]
    vpc_items = [
        ("permission.associated", "vpc:subnet", "associated"),
        ("association.associated", subnet, "associated"),
    ]
    zone_items = [
        ("permission.associated", "dns:zone", "associated"),
        ("association.associated", zone, "associated"),
        ("association.disassociated", zone, "disassociated"),
    ]
    everything = _items(every, share.id)
    assert sorted(everything) == sorted(shared + vpc_items + zone_items)
    # Each service in commit order, without the other namespace's resources and bindings.
    assert seen[vpc.account_id] == [i for i in everything if i not in zone_items]
    assert seen[dns.account_id] == [i for i in everything if i not in vpc_items]
    # A namespace the share never held a resource of reads none of it.
    assert seen[kms.account_id] == []
