"""The change feed through signed HTTP (docs/enforcement.md, "The change feed"): one CloudEvent
per change, with its type, subject and data in the API's own shape; none for a rolled-back
change; commit order and resumption by cursor; long polling; retention (410); a service
principal's scope; account keys refused. On SQLite, and PostgreSQL when configured."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import httpx
from huaweicloudsdkram.v1 import EnableOrganizationShareRequest

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import SECOND
from sharekeeper.services import associations, housekeeping
from sharekeeper.testing import Account
from tests.api.decision_support import DEFAULT_SUBNET, READONLY_SUBNET, make_service
from tests.api.feed_support import (
    EVENTS,
    kinds,
    operator_read,
    page,
    read_all,
    search,
    service_read,
    tail,
)
from tests.sdk.helpers import accept, associate, create_share, disassociate, invitation_for, reject
from tests.sdk.test_permissions_and_tags import bind, unbind
from tests.support import LiveServer, SignedHttp

ASSOCIATIONS = "/v1/resource-share-associations/search"
INVITATIONS = "/v1/resource-share-invitations/search"


def _since(server: LiveServer, cursor: str) -> list[dict[str, Any]]:
    events, _ = read_all(server, cursor)
    return events


def test_each_change_of_a_share_is_one_event_in_the_api_shape(
    decider: LiveServer, wire: SignedHttp
) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    urn = owner.urn("subnet-feed")
    start = tail(decider)
    share = create_share(owner, "feed", principals=[receiver.account_id], resource_urns=[urn])
    created = _since(decider, start)
    s = share.id
    assert kinds(created) == [
        ("ram.resource_share.created", s),
        ("ram.permission.associated", s),
        ("ram.association.associated", s),  # the principal, associating
        ("ram.invitation.created", s),
        ("ram.association.associated", s),  # the subnet
    ]
    for event in created:
        assert event["specversion"] == "1.0"
        assert event["datacontenttype"] == "application/json"
        assert event["source"] == "/sharekeeper"
        assert event["time"].endswith("Z")
        assert len(event["id"]) == 36
    assert created[0]["data"]["id"] == s
    assert created[0]["data"]["status"] == "active"
    assert created[1]["data"]["permission_id"] == DEFAULT_SUBNET
    assert created[2]["data"]["associated_entity"] == receiver.account_id
    assert created[2]["data"]["status"] == "associating"
    # The resource's association and the invitation, exactly as the searches return them.
    (resource,) = search(
        wire,
        owner,
        ASSOCIATIONS,
        "resource_share_associations",
        {"association_type": "resource", "resource_share_ids": [s]},
    )
    assert created[4]["data"] == resource
    (invitation,) = search(
        wire, receiver, INVITATIONS, "resource_share_invitations", {"resource_share_ids": [s]}
    )
    assert created[3]["data"] == invitation

    before = tail(decider)
    accept(receiver, invitation["resource_share_invitation_id"])
    accepted = _since(decider, before)
    assert kinds(accepted) == [
        ("ram.invitation.accepted", s),
        ("ram.association.associated", s),
    ]
    (principal,) = search(
        wire,
        owner,
        ASSOCIATIONS,
        "resource_share_associations",
        {"association_type": "principal", "resource_share_ids": [s]},
    )
    assert accepted[1]["data"] == principal
    (answered,) = search(
        wire, receiver, INVITATIONS, "resource_share_invitations", {"resource_share_ids": [s]}
    )
    assert accepted[0]["data"] == answered

    before = tail(decider)
    response = wire.request(owner, "PUT", f"/v1/resource-shares/{s}", {"name": "renamed"})
    assert response.status_code == 200, response.text
    bind(owner, s, READONLY_SUBNET, replace=True)
    unbind(owner, s, READONLY_SUBNET)  # falls back to the default: a replacement too
    disassociate(owner, s, resource_urns=[urn])
    unbind(owner, s, DEFAULT_SUBNET)  # no subnet left: unbound
    changed = _since(decider, before)
    assert kinds(changed) == [
        ("ram.resource_share.updated", s),
        ("ram.permission.replaced", s),
        ("ram.permission.replaced", s),
        ("ram.association.disassociated", s),
        ("ram.permission.disassociated", s),
    ]
    assert changed[0]["data"]["name"] == "renamed"
    assert changed[1]["data"]["permission_id"] == READONLY_SUBNET
    assert changed[2]["data"]["permission_id"] == DEFAULT_SUBNET
    assert changed[3]["data"]["associated_entity"] == urn
    assert changed[3]["data"]["status"] == "disassociated"
    assert changed[4]["data"]["status"] == "disassociated"

    before = tail(decider)
    response = wire.request(owner, "DELETE", f"/v1/resource-shares/{s}")
    assert response.status_code == 204, response.text
    deleted = _since(decider, before)
    assert kinds(deleted) == [
        ("ram.resource_share.deleted", s),
        ("ram.association.disassociated", s),  # the receiver
    ]
    assert deleted[0]["data"]["status"] == "deleted"
    assert deleted[1]["data"]["associated_entity"] == receiver.account_id


def test_invitations_rejected_withdrawn_and_expired(decider: LiveServer) -> None:
    owner = decider.account("owner")
    rejecting, withdrawn, expiring = (decider.account(n) for n in ("r", "w", "e"))
    share = create_share(owner, "invites", principals=[rejecting.account_id])
    s = share.id
    before = tail(decider)
    reject(rejecting, invitation_for(rejecting, s).resource_share_invitation_id)
    associate(owner, s, principals=[withdrawn.account_id])
    disassociate(owner, s, principals=[withdrawn.account_id])
    events = _since(decider, before)
    assert kinds(events) == [
        ("ram.invitation.rejected", s),
        ("ram.association.disassociated", s),
        ("ram.association.associated", s),
        ("ram.invitation.created", s),
        ("ram.association.disassociated", s),
        ("ram.invitation.withdrawn", s),
    ]
    assert events[0]["data"]["status"] == "rejected"
    assert events[5]["data"]["status"] == "withdrawn"

    # Invited for a millisecond (as the service would with SHAREKEEPER_INVITATION_TTL that
    # short): housekeeping at the server's own time finds the invitation expired.
    context = decider.runtime.context
    briefly = replace(context, invitation_ttl=1)
    caller = Caller(owner.account_id, owner.access_key)
    associations.associate_resource_share(briefly, caller, s, principals=[expiring.account_id])
    before = tail(decider)
    for _ in range(1000):  # until the server's clock has moved past that millisecond
        if housekeeping.expire_invitations(context):
            break
    expired = [e for e in _since(decider, before) if e["subject"] == s]
    assert kinds(expired) == [("ram.invitation.expired", s), ("ram.association.disassociated", s)]
    assert expired[0]["data"]["receiver_account_id"] == expiring.account_id
    assert expired[0]["data"]["status"] == "expired"
    assert expired[1]["data"]["associated_entity"] == expiring.account_id
    assert expired[1]["data"]["status_message"] == "The invitation expired before it was accepted."
    assert housekeeping.expire_invitations(context) == 0  # recorded once
    assert [e for e in _since(decider, before) if e["subject"] == s] == expired


def test_a_rolled_back_change_writes_no_event(decider: LiveServer, wire: SignedHttp) -> None:
    owner, receiver = decider.account("owner"), decider.account("receiver")
    urn = owner.urn("subnet-rollback")
    share = create_share(owner, "rollback", principals=[receiver.account_id], resource_urns=[urn])
    before = tail(decider)
    # The principal is disassociated first, then the unknown resource fails the whole call.
    body = {"principals": [receiver.account_id], "resource_urns": [owner.urn("subnet-none")]}
    path = f"/v1/resource-shares/{share.id}/disassociate"
    response = wire.request(owner, "POST", path, body)
    assert response.status_code == 400, response.text
    assert _since(decider, before) == []


def test_the_directory_changes(decider: LiveServer, wire: SignedHttp) -> None:
    management, member = decider.account("management"), decider.account("member")
    before = tail(decider)
    org = decider.organization(management)
    management.ram.enable_organization_share(EnableOrganizationShareRequest())
    ou_id, _ = org.ou("team")
    org.add(member)
    org.add(member, ou_id)
    org.remove(member)
    org.delete_ou(ou_id)
    events = _since(decider, before)
    o = org.id
    assert kinds(events) == [
        ("organizations.unit.created", o),  # the root
        ("organizations.account.joined", o),  # the management account
        ("ram.organization_sharing.enabled", o),
        ("organizations.unit.created", o),
        ("organizations.account.joined", o),
        ("organizations.account.moved", o),
        ("organizations.account.left", o),
        ("organizations.unit.deleted", o),
    ]
    assert events[0]["data"]["id"] == org.root_id
    assert events[1]["data"]["id"] == management.account_id
    assert events[2]["data"] == {"organization_id": o, "enabled": True}
    assert events[3]["data"]["id"] == ou_id and events[3]["data"]["name"] == "team"
    assert events[4]["data"]["parent_id"] == org.root_id
    assert events[5]["data"]["parent_id"] == ou_id
    assert events[6]["data"]["id"] == member.account_id
    assert events[7]["data"]["id"] == ou_id


def test_order_and_resumption_by_cursor(decider: LiveServer) -> None:
    owner = decider.account("owner")
    start = tail(decider)
    made = [create_share(owner, f"order-{i}").id for i in range(4)]
    whole = _since(decider, start)
    assert [e["subject"] for e in whole if e["type"].endswith("resource_share.created")] == made
    # One at a time, each cursor resuming where the last page ended: the same events.
    one_by_one, cursor = [], start
    for _ in range(len(whole) + 1):
        events, cursor = page(operator_read(decider, f"after={cursor}&limit=1"))
        if not events:
            break
        one_by_one += events
    assert one_by_one == whole
    assert len({e["id"] for e in whole}) == len(whole)
    # Reading again from the same cursor gives the same events.
    assert _since(decider, start) == whole


def test_a_long_poll_returns_when_a_change_commits(decider: LiveServer) -> None:
    owner = decider.account("owner")
    cursor = tail(decider)
    answers: list[httpx.Response] = []
    waiting = threading.Thread(
        target=lambda: answers.append(operator_read(decider, f"after={cursor}&wait=20"))
    )
    waiting.start()
    share = create_share(owner, "woken")
    waiting.join(timeout=40)
    assert not waiting.is_alive()
    events, _ = page(answers[0])
    assert events and events[0]["subject"] == share.id
    # With nothing to come, a short wait returns empty, at the same cursor.
    end = tail(decider)
    assert page(operator_read(decider, f"after={end}&wait=0.2")) == ([], end)


def test_a_cursor_older_than_the_retention_is_gone(decider: LiveServer) -> None:
    owner = decider.account("owner")
    for i in range(3):
        create_share(owner, f"old-{i}")
    context = decider.runtime.context
    clock = context.clock
    a_second_later = replace(context, event_retention=0, clock=lambda: clock() + SECOND)
    housekeeping.purge_expired_records(a_second_later)
    response = operator_read(decider, "after=0")
    assert response.status_code == 410, response.text
    body = response.json()
    assert body["error_code"] == "RAM.9601"
    oldest = response.headers["X-ShareKeeper-Oldest-Cursor"]
    assert f"the oldest cursor is {oldest}" in body["error_msg"]
    # A program reads the oldest cursor from the body, beside the code.
    assert body["oldest_cursor"] == oldest
    assert set(body) == {"error_code", "error_msg", "request_id", "oldest_cursor"}
    events, _ = page(operator_read(decider, f"after={oldest}"))
    assert len(events) == 1  # the newest is kept, so cursors never go back
    # Without after: from the oldest kept.
    assert page(operator_read(decider))[0] == events


def test_a_cursor_beyond_the_newest_is_refused(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    create_share(decider.account("owner"), "ahead")
    newest = tail(decider)
    assert page(operator_read(decider, f"after={newest}")) == ([], newest)
    for ahead in (str(int(newest) + 1), "999999999"):
        for response in (
            operator_read(decider, f"after={ahead}"),
            service_read(wire, vpc, f"after={ahead}&wait=5"),  # refused before any wait
        ):
            assert response.status_code == 400, response.text
            body = response.json()
            assert body["error_code"] == "RAM.9602"
            assert f"the newest cursor of this feed, {newest}:" in body["error_msg"]
    # Other errors' bodies carry no extra field.
    assert set(body) == {"error_code", "error_msg", "request_id"}


def test_a_service_reads_its_namespaces_and_the_directory(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    dns = make_service(decider, "dns")
    owner, management = decider.account("owner"), decider.account("management")
    _, vpc_start = page(service_read(wire, vpc, "limit=1000&wait=0"))
    for _ in range(100):  # to the service's end of the feed
        events, next_start = page(service_read(wire, vpc, f"after={vpc_start}&limit=1000"))
        if not events:
            break
        vpc_start = next_start
    start = tail(decider)
    subnet = create_share(owner, "subnets", resource_urns=[owner.urn("subnet-scope")])
    zone = owner.urn("zone-1", "dns:zone")
    zones = create_share(owner, "zones", resource_urns=[zone])
    org = decider.organization(management)
    seen_by_vpc, _ = page(service_read(wire, vpc, f"after={start}&limit=1000"))
    seen_by_dns, _ = page(service_read(wire, dns, f"after={start}&limit=1000"))
    every, _ = read_all(decider, start)
    subjects = {e["subject"] for e in every}
    assert {subnet.id, zones.id, org.id} <= subjects
    assert {e["subject"] for e in seen_by_vpc} == {subnet.id, org.id}
    assert {e["subject"] for e in seen_by_dns} == {zones.id, org.id}
    # A share with no resource yet is seen from its first resource on, history included.
    assert [e for e in every if e["subject"] == subnet.id] == [
        e for e in seen_by_vpc if e["subject"] == subnet.id
    ]


def test_only_service_keys_and_the_admin_token_read(decider: LiveServer, wire: SignedHttp) -> None:
    account = decider.account("reader")
    refused = wire.request(account, "GET", EVENTS)
    assert refused.status_code == 403 and refused.json()["error_code"] == "RAM.9501"
    unsigned = httpx.get(decider.endpoint + EVENTS, timeout=30)
    assert unsigned.status_code == 401
    wrong = httpx.get(
        decider.endpoint + EVENTS, headers={"Authorization": "Bearer wrong"}, timeout=30
    )
    assert wrong.status_code == 401


def test_bad_queries_are_400s(decider: LiveServer) -> None:
    for query in ("after=abc", "after=-1", "limit=0", "limit=1001", "wait=31", "wait=x"):
        response = operator_read(decider, query)
        assert response.status_code == 400, query
        assert response.json()["error_code"] == "RAM.9100", query
