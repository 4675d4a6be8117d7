"""Organizations tags, contact details, services, tag-policy services and close-account
statuses through the official ``huaweicloudsdkorganizations`` client: every reply in the
SDK's model, every refusal with its status and code."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkorganizations.v1 import (
    CloseAccountRequest,
    CreateAccountReqBody,
    CreateAccountRequest,
    CreateOrganizationalUnitReqBody,
    CreateOrganizationalUnitRequest,
    CreateOrganizationRequest,
    CreateTagResourceRequest,
    DeleteOrganizationalUnitRequest,
    DeleteTagResourceRequest,
    ListAccountsRequest,
    ListCloseAccountStatusesRequest,
    ListResourceInstancesRequest,
    ListResourceTagsRequest,
    ListRootsRequest,
    ListServicesRequest,
    ListTagPolicyServicesRequest,
    ListTagResourcesRequest,
    Match,
    ResourceInstanceReqBody,
    ShowAccountRequest,
    ShowResourceInstancesCountRequest,
    TagDto,
    TagResourceReqBody,
    TagsDTO,
)
from sqlalchemy import select

from sharekeeper.domain.org_tags import HANDSHAKE_TAGS
from sharekeeper.services.housekeeping import purge_expired_records
from sharekeeper.store.tables import org_tags
from tests.support import Account, LiveServer, settings_for

ROOTS, OUS, ACCOUNTS = "organizations:roots", "organizations:ous", "organizations:accounts"


def fails(call: Any, status: int, code: str) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()
    assert (caught.value.status_code, caught.value.error_code) == (status, code), caught.value
    assert caught.value.request_id
    return caught.value


def tags_of(account: Account, kind: str, resource_id: str, **page: Any) -> Any:
    request = ListTagResourcesRequest(resource_type=kind, resource_id=resource_id, **page)
    return account.organizations.list_tag_resources(request)


def tag(account: Account, kind: str, resource_id: str, **tags: str) -> None:
    body = TagResourceReqBody(tags=[TagDto(key=k, value=v) for k, v in tags.items()])
    account.organizations.create_tag_resource(
        CreateTagResourceRequest(resource_type=kind, resource_id=resource_id, body=body)
    )


def untag(account: Account, kind: str, resource_id: str, **tags: str) -> None:
    body = TagResourceReqBody(tags=[TagDto(key=k, value=v) for k, v in tags.items()])
    account.organizations.delete_tag_resource(
        DeleteTagResourceRequest(resource_type=kind, resource_id=resource_id, body=body)
    )


def as_map(reply: Any) -> dict[str, str]:
    return {t.key: t.value for t in reply.tags or []}


def test_tags_on_roots_ous_and_accounts(owner: Account, outsider: Account) -> None:
    client = owner.organizations
    organization_id = client.create_organization(CreateOrganizationRequest()).organization.id
    root_id = client.list_roots(ListRootsRequest()).roots[0].id
    # Untagged: 200 with an empty list.
    assert tags_of(owner, ROOTS, root_id).tags == []
    tag(owner, ROOTS, root_id, env="prod", team="net")
    assert as_map(tags_of(owner, ROOTS, root_id)) == {"env": "prod", "team": "net"}
    # A key set again takes the new value; removal by key and value.
    tag(owner, ROOTS, root_id, env="dev")
    untag(owner, ROOTS, root_id, team="net")
    assert as_map(tags_of(owner, ROOTS, root_id)) == {"env": "dev"}
    # A removal naming another value leaves the key.
    untag(owner, ROOTS, root_id, env="prod")
    assert as_map(tags_of(owner, ROOTS, root_id)) == {"env": "dev"}

    # Tags in the create bodies of an OU and of an account (v1, with contact details).
    ou_body = CreateOrganizationalUnitReqBody(
        name="tagged", parent_id=root_id, tags=[TagDto(key="owner", value="ops")]
    )
    ou = client.create_organizational_unit(CreateOrganizationalUnitRequest(body=ou_body))
    ou_id = ou.organizational_unit.id
    assert as_map(tags_of(owner, OUS, ou_id)) == {"owner": "ops"}
    account_body = CreateAccountReqBody(
        name="sdk-member",
        email="member@example.com",
        phone="+86-13800000000",
        tags=[TagDto(key="owner", value="dev")],
    )
    status = client.create_account(CreateAccountRequest(body=account_body)).create_account_status
    account_id = status.account_id
    assert as_map(tags_of(owner, ACCOUNTS, account_id)) == {"owner": "dev"}

    # Paging: a page of one with a marker (the last key), until none follows.
    tag(owner, OUS, ou_id, a="1", b="2")
    first = tags_of(owner, OUS, ou_id, limit=2)
    assert [t.key for t in first.tags] == ["a", "b"] and first.page_info.next_marker == "b"
    rest = tags_of(owner, OUS, ou_id, limit=2, marker="b")
    assert [t.key for t in rest.tags] == ["owner"] and rest.page_info.next_marker is None

    # The keys of a type, and the resources of a type by their tags.
    keys = client.list_resource_tags(ListResourceTagsRequest(resource_type=OUS)).tags
    assert [(k.key, k.values) for k in keys] == [("a", ["1"]), ("b", ["2"]), ("owner", ["ops"])]
    body = ResourceInstanceReqBody(tags=[TagsDTO(key="owner", values=["ops", "dev"])])
    found = client.list_resource_instances(
        ListResourceInstancesRequest(resource_type=OUS, body=body, limit=10, offset="0")
    )
    assert found.total_count == 1
    (resource,) = found.resources
    assert (resource.resource_id, resource.resource_name) == (ou_id, "tagged")
    assert {t.key for t in resource.tags} == {"a", "b", "owner"}
    by_name = ResourceInstanceReqBody(matches=[Match(key="resource_name", value="sdk-")])
    counted = client.show_resource_instances_count(
        ShowResourceInstancesCountRequest(resource_type=ACCOUNTS, body=by_name)
    )
    assert counted.total_count == 1
    untagged = ResourceInstanceReqBody(without_any_tag=True)
    counted = client.show_resource_instances_count(
        ShowResourceInstancesCountRequest(resource_type=ACCOUNTS, body=untagged)
    )
    assert counted.total_count == 1  # the management account; the created one has a tag

    # Contact details only when asked for.
    shown = client.show_account(ShowAccountRequest(account_id=account_id)).account
    assert (shown.email, shown.mobile_phone) == (None, None)
    shown = client.show_account(
        ShowAccountRequest(account_id=account_id, with_register_contact_info=True)
    ).account
    assert (shown.email, shown.mobile_phone) == ("member@example.com", "+86-13800000000")
    listed = client.list_accounts(ListAccountsRequest(with_register_contact_info=True)).accounts
    assert {a.id: a.email for a in listed}[account_id] == "member@example.com"

    # Closing: the account's tags go, and a close-account status records it.
    client.close_account(CloseAccountRequest(account_id=account_id))
    statuses = client.list_close_account_statuses(
        ListCloseAccountStatusesRequest(states=["suspended"])
    ).close_account_statuses
    assert [(s.account_id, s.state) for s in statuses] == [(account_id, "suspended")]
    assert statuses[0].organization_id == organization_id
    assert statuses[0].created_at == statuses[0].updated_at
    fails(lambda: tags_of(owner, ACCOUNTS, account_id), 404, "Organizations.9401")

    # Deleting the OU drops its tags: the keys of the type are gone.
    client.delete_organizational_unit(DeleteOrganizationalUnitRequest(organizational_unit_id=ou_id))
    assert client.list_resource_tags(ListResourceTagsRequest(resource_type=OUS)).tags == []

    # Another organization's root is as absent; so is any policy id.
    outsider.organizations.create_organization(CreateOrganizationRequest())
    fails(lambda: tags_of(outsider, ROOTS, root_id), 404, "Organizations.9401")
    fails(lambda: tag(outsider, ROOTS, root_id, x="y"), 404, "Organizations.9401")
    fails(lambda: tags_of(owner, "organizations:policies", root_id), 404, "Organizations.9430")
    # The root's id is no OU, and an OU's is no root.
    fails(lambda: tags_of(owner, OUS, root_id), 404, "Organizations.9401")


def test_tag_limits_and_bad_tags(owner: Account) -> None:
    client = owner.organizations
    client.create_organization(CreateOrganizationRequest())
    root_id = client.list_roots(ListRootsRequest()).roots[0].id
    tag(owner, ROOTS, root_id, **{f"k{i:02d}": "v" for i in range(20)})
    # A 21st key is refused and nothing changes; a new value for a key it has is no new tag.
    fails(lambda: tag(owner, ROOTS, root_id, extra="x", k00="w"), 400, "Organizations.9120")
    assert as_map(tags_of(owner, ROOTS, root_id))["k00"] == "v"
    tag(owner, ROOTS, root_id, k00="w")
    assert len(tags_of(owner, ROOTS, root_id).tags) == 20
    for bad in ({"_sys_x": "v"}, {" k": "v"}, {"k": "<b>"}, {"": "v"}):
        fails(lambda bad=bad: tag(owner, ROOTS, root_id, **bad), 400, "Organizations.9100")
    body = CreateAccountReqBody(name="bad-contact", email="not-an-address")
    fails(lambda: client.create_account(CreateAccountRequest(body=body)), 400, "Organizations.9100")


def test_services_and_tag_policy_services(owner: Account) -> None:
    services = owner.organizations.list_services(ListServicesRequest()).services
    assert "service.RAM" in services and services == sorted(services)
    reply = owner.organizations.list_tag_policy_services(ListTagPolicyServicesRequest())
    by_name = {s.service_name: s for s in reply.services}
    assert by_name["dns"].resource_types == ["resolverRule", "zone"]
    assert all(s.support_all for s in reply.services)


def test_a_member_reads_neither_roots_nor_tags(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    org_root = owner.organizations.list_roots(ListRootsRequest()).roots[0].id
    from sharekeeper.services import organizations

    organizations.add_account(server.runtime.context, receiver.account_id, org_root)
    member = receiver.organizations
    fails(lambda: member.list_roots(ListRootsRequest()), 401, "Organizations.1002")
    fails(lambda: tags_of(receiver, ROOTS, org_root), 401, "Organizations.1002")
    fails(lambda: tag(receiver, ROOTS, org_root, x="y"), 401, "Organizations.1001")


def test_contact_details_and_tags_stay_with_the_organization(
    server: LiveServer, owner: Account, outsider: Account
) -> None:
    """A created account removed from its organization and placed in another: the new
    organization sees neither the contact details nor the tags it was created with."""
    from sharekeeper.services import organizations

    owner.organizations.create_organization(CreateOrganizationRequest())
    body = CreateAccountReqBody(
        name="moving", email="m@example.com", tags=[TagDto(key="k", value="v")]
    )
    status = owner.organizations.create_account(CreateAccountRequest(body=body))
    account_id = status.create_account_status.account_id
    organizations.remove_account(server.runtime.context, account_id)
    outsider.organizations.create_organization(CreateOrganizationRequest())
    other_root = outsider.organizations.list_roots(ListRootsRequest()).roots[0].id
    organizations.add_account(server.runtime.context, account_id, other_root)
    shown = outsider.organizations.show_account(
        ShowAccountRequest(account_id=account_id, with_register_contact_info=True)
    ).account
    assert (shown.name, shown.email, shown.mobile_phone) == ("moving", None, None)
    assert tags_of(outsider, ACCOUNTS, account_id).tags == []


def test_an_invitations_tags_go_to_the_account_that_accepts(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    from huaweicloudsdkorganizations.v1 import (
        AcceptHandshakeRequest,
        CancelHandshakeRequest,
        InviteAccountReqBody,
        InviteAccountRequest,
        TargetDto,
    )

    client = owner.organizations
    client.create_organization(CreateOrganizationRequest())

    def invite(account: Account, **tags: str) -> str:
        body = InviteAccountReqBody(
            target=TargetDto(type="account", entity=account.account_id),
            notes="",
            tags=[TagDto(key=k, value=v) for k, v in tags.items()],
        )
        return str(client.invite_account(InviteAccountRequest(body=body)).handshake.id)

    # Cancelled: its tags go with it; a later invitation without tags brings none.
    cancelled = invite(outsider, stale="yes")
    client.cancel_handshake(CancelHandshakeRequest(handshake_id=cancelled))
    accepted = invite(receiver, team="net")
    receiver.organizations.accept_handshake(AcceptHandshakeRequest(handshake_id=accepted))
    assert as_map(tags_of(owner, ACCOUNTS, receiver.account_id)) == {"team": "net"}
    again = invite(outsider)
    outsider.organizations.accept_handshake(AcceptHandshakeRequest(handshake_id=again))
    assert tags_of(owner, ACCOUNTS, outsider.account_id).tags == []


def test_an_expired_invitations_tags_go_with_it(database_url: str, data_dir: Path) -> None:
    """An invitation that expires is never answered: its tags go when a new invitation to the
    account replaces it, or when housekeeping purges it 48 hours after it ended."""
    from huaweicloudsdkorganizations.v1 import InviteAccountReqBody, InviteAccountRequest, TargetDto

    # A server of its own on the same database: its clock moves, the session's must not.
    live = LiveServer(settings_for(database_url, data_dir)).start()
    try:
        manager, again, never = (live.account(n) for n in ("tag-inviter", "again", "never"))
        manager.organizations.create_organization(CreateOrganizationRequest())

        def invite(account: Account) -> str:
            body = InviteAccountReqBody(
                target=TargetDto(type="account", entity=account.account_id),
                notes="",
                tags=[TagDto(key="team", value="net")],
            )
            reply = manager.organizations.invite_account(InviteAccountRequest(body=body))
            return str(reply.handshake.id)

        def tagged() -> set[str]:
            with live.runtime.engine.connect() as db:
                rows = db.execute(
                    select(org_tags.c.resource_id).where(org_tags.c.resource_type == HANDSHAKE_TAGS)
                )
                return {row[0] for row in rows}

        first, lapsed = invite(again), invite(never)
        live.clock.advance(15 * 24 * 3600 * 1000 + 1)  # both expired
        second = invite(again)  # replaces the expired one
        assert tagged() >= {lapsed, second} and first not in tagged()
        live.clock.advance(48 * 3600 * 1000 + 1)
        purge_expired_records(live.runtime.context)
        assert lapsed not in tagged() and second in tagged()
    finally:
        live.stop()


def test_tags_set_while_the_account_is_removed_do_not_outlive_it(
    server: LiveServer, owner: Account, receiver: Account, database_url: str
) -> None:
    """Issue 23 review 3, on PostgreSQL: the tag write is held (another session's lock on the
    tags table) after it read the membership, and a removal starts meanwhile. The write holds
    the member's row shared, so the removal waits for it and drops the tags it set; unlocked,
    the removal would pass it and the tags would return when the account rejoins."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: the two writes cannot interleave")
    import threading

    import psycopg
    from huaweicloudsdkorganizations.v1 import RemoveAccountRequest

    from sharekeeper.services import organizations

    owner.organizations.create_organization(CreateOrganizationRequest())
    root_id = owner.organizations.list_roots(ListRootsRequest()).roots[0].id
    organizations.add_account(server.runtime.context, receiver.account_id, root_id)
    outcomes: list[str] = []

    def call(action: Any) -> None:
        try:
            action()
            outcomes.append("ok")
        except ClientRequestException as error:
            outcomes.append(str(error.error_code))

    remove = RemoveAccountRequest(account_id=receiver.account_id)
    with psycopg.connect(database_url.replace("+psycopg", "")) as holder:
        holder.execute("LOCK TABLE org_tags IN ACCESS EXCLUSIVE MODE")
        tagging = threading.Thread(
            target=call, args=(lambda: tag(owner, ACCOUNTS, receiver.account_id, k="v"),)
        )
        removing = threading.Thread(
            target=call, args=(lambda: owner.organizations.remove_account(remove),)
        )
        tagging.start()
        _waiting(holder, 1)
        removing.start()
        _waiting(holder, 2)
        holder.rollback()
    tagging.join(30)
    removing.join(30)
    assert sorted(outcomes) == ["ok", "ok"], outcomes
    organizations.add_account(server.runtime.context, receiver.account_id, root_id)
    assert tags_of(owner, ACCOUNTS, receiver.account_id).tags == []


def _waiting(holder: Any, count: int) -> None:
    """Until ``count`` sessions of this database wait on a lock (at most 10 s)."""
    waiting = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        holder.execute("SELECT pg_stat_clear_snapshot()")  # else the view holds its first read
        if holder.execute(waiting).fetchone()[0] >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{count} sessions never waited on a lock")


def test_resource_instances_page_and_name_what_they_select(
    server: LiveServer, owner: Account
) -> None:
    """Sixty members, every third tagged: the tag filter reads only the tagged ones, pages
    them with limit and offset in the organization's order, and names each resource of the
    page; a name match with a tag filter, and without, selects by both rules at once."""
    from sharekeeper.services import organizations

    client = owner.organizations
    client.create_organization(CreateOrganizationRequest())
    root_id = client.list_roots(ListRootsRequest()).roots[0].id
    names = [f"fleet-{n:02}" for n in range(60)]  # bounded
    members = [server.account(name) for name in names]
    for n, member in enumerate(members):
        organizations.add_account(server.runtime.context, member.account_id, root_id)
        if n % 3 == 0:
            tag(owner, ACCOUNTS, member.account_id, fleet="blue" if n % 2 else "green")
    tagged = [m for n, m in enumerate(members) if n % 3 == 0]

    def listed(body: Any, limit: int, offset: int) -> tuple[list[tuple[str, str]], int]:
        request = ListResourceInstancesRequest(
            resource_type=ACCOUNTS, body=body, limit=limit, offset=str(offset)
        )
        reply = client.list_resource_instances(request)
        return [(r.resource_id, r.resource_name) for r in reply.resources], reply.total_count

    fleet = ResourceInstanceReqBody(tags=[TagsDTO(key="fleet", values=[])])
    expected = [(m.account_id, names[members.index(m)]) for m in tagged]
    whole, total = listed(fleet, 100, 0)
    assert sorted(whole) == sorted(expected) and total == 20
    pages = [listed(fleet, 7, offset) for offset in range(0, 21, 7)]
    assert [p for page, _ in pages for p in page] == whole  # the same order, page by page
    assert {total for _, total in pages} == {20}
    green = ResourceInstanceReqBody(tags=[TagsDTO(key="fleet", values=["green"])])
    greens, count = listed(green, 100, 0)
    assert sorted(greens) == sorted(e for n, e in enumerate(expected) if n % 2 == 0)
    assert count == 10
    named = ResourceInstanceReqBody(
        tags=[TagsDTO(key="fleet", values=["blue"])],
        matches=[Match(key="resource_name", value="fleet-3")],
    )
    blue_3x = [(members[n].account_id, names[n]) for n in (33, 39)]
    found, count = listed(named, 100, 0)
    assert (sorted(found), count) == (sorted(blue_3x), 2)
    by_name = ResourceInstanceReqBody(matches=[Match(key="resource_name", value="fleet-1")])
    teens, count = listed(by_name, 100, 0)
    assert sorted(teens) == sorted((members[n].account_id, names[n]) for n in range(10, 20))
    assert listed(by_name, 3, 2) == (teens[2:5], 10)
