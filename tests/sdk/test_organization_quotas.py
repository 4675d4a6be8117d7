"""An organization's quotas through the official Organizations SDK (ListQuotas, and the
refusals past each quota, all or nothing), and the races on one membership through two server
processes: creations at a quota, removals and leaves of one member, closes of one account, an
account accepting two organizations' invitations. Each race has exactly the winners the
quota or the membership allows, and the losers get the Organizations API's own codes."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkorganizations.v1 import (
    CloseAccountRequest,
    CreateAccountReqBody,
    CreateAccountRequest,
    CreateOrganizationRequest,
    DeleteOrganizationRequest,
    LeaveOrganizationRequest,
    ListAccountsRequest,
    ListQuotasRequest,
    ListRootsRequest,
    RemoveAccountRequest,
    ShowHandshakeRequest,
)

from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.quotas import Quotas
from sharekeeper.services import audit, organizations
from sharekeeper.services.housekeeping import purge_expired_records
from tests import figures
from tests.sdk.test_organization_members import accept, cancel, invite
from tests.sdk.test_organizations_api import complete, create_ou, fails
from tests.support import Account, LiveServer, ServerProcess, server_processes, settings_for

ROUNDS = 3  # bounded: 8 racing calls a round
found = CreateOrganizationRequest()
QUOTA_IN_RACE = 5


def quotas(account: Account) -> dict[str, tuple[int, int, int, int]]:
    reply = account.organizations.list_quotas(ListQuotasRequest())
    return {complete(q).type: (q.quota, q.min, q.max, q.used) for q in reply.quotas.resources or []}


def create_account(manager: Account, name: str) -> Any:
    body = CreateAccountReqBody(name=name)
    reply = manager.organizations.create_account(CreateAccountRequest(body=body))
    return reply.create_account_status


def members(manager: Account) -> set[str]:
    reply = manager.organizations.list_accounts(ListAccountsRequest())
    return {a.id for a in reply.accounts or []}


def test_list_quotas_answers_the_management_account_in_huaweis_shape(
    server: LiveServer, owner: Account, receiver: Account, outsider: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    assert quotas(owner) == {
        "account": (10, 1, 10_000, 1),
        "organizational_unit": (1000, 0, 1000, 0),
        "policy": (1000, 0, 1000, 0),
    }
    (root,) = owner.organizations.list_roots(ListRootsRequest()).roots
    create_ou(owner, root.id, "counted")
    handshake = invite(owner, receiver)
    # A pending invitation holds its account's place.
    assert quotas(owner)["account"][3] == 2
    assert quotas(owner)["organizational_unit"][3] == 1
    accept(receiver, handshake.id)
    assert quotas(owner)["account"][3] == 2
    fails(lambda: quotas(receiver), 401, "Organizations.1001")
    fails(lambda: quotas(outsider), 401, "Organizations.1015")


@pytest.fixture(scope="module")
def tight(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    """A second server on the same database with small organization quotas."""
    small = Quotas(organization_account=4, organizational_unit=2, pending_handshake=1)
    live = LiveServer(settings_for(database_url, data_dir, quotas=small)).start()
    yield live
    live.stop()


def test_each_organization_quota_refuses_the_one_past_it_and_writes_nothing(
    tight: LiveServer,
) -> None:
    manager, a, b = (tight.account(n) for n in ("manager", "a", "b"))
    manager.organizations.create_organization(CreateOrganizationRequest())
    (root,) = manager.organizations.list_roots(ListRootsRequest()).roots
    to_a = invite(manager, a)
    fails(lambda: invite(manager, b), 400, "Organizations.9111")  # one pending at most
    c = create_account(manager, "c").account_id
    create_account(manager, "d")
    error = fails(lambda: create_account(manager, "e"), 400, "Organizations.1305")
    assert "may have 4, and has 4" in error.error_msg
    assert len(members(manager)) == 3  # the refused creation left no account behind
    accept(a, to_a.id)  # its place was held: accepting fits
    manager.organizations.remove_account(RemoveAccountRequest(account_id=c))
    to_b = invite(manager, b)
    # The operator places an account beyond the quota; the invitee's answer then does not fit,
    # and its invitation stays pending, untouched.
    organizations.add_account(tight.runtime.context, tight.account("x").account_id, root.id)
    fails(lambda: accept(b, to_b.id), 400, "Organizations.1305")
    shown = manager.organizations.show_handshake(ShowHandshakeRequest(handshake_id=to_b.id))
    assert shown.handshake.status == "pending"
    assert b.account_id not in members(manager)
    assert quotas(manager)["account"] == (4, 1, 10_000, 5)

    create_ou(manager, root.id, "one")
    create_ou(manager, root.id, "two")
    fails(lambda: create_ou(manager, root.id, "three"), 400, "Organizations.1204")
    assert quotas(manager)["organizational_unit"] == (2, 0, 1000, 2)


@pytest.fixture(scope="module")
def two_servers(
    server: LiveServer, database_url: str, data_dir: Path
) -> Iterator[list[ServerProcess]]:
    env = {"SHAREKEEPER_QUOTA_ORGANIZATION_ACCOUNT": str(QUOTA_IN_RACE)}
    yield from server_processes(server, data_dir, env)


# Callable[..., Any]: the callers bind their loop variable as a lambda default (mypy infers no
# type for those against a fixed signature); each is called with one Account.
def race(calls: list[tuple[Account, Callable[..., Any]]], endpoints: list[str]) -> list[str]:
    """Each call at once, alternating between the processes: "ok", or "status:code"."""
    barrier = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def contend(index: int, account: Account, call: Callable[[Account], Any]) -> None:
        me = replace(account, endpoint=endpoints[index % 2], _organizations=None)
        _ = me.organizations  # built before the barrier, so the calls start together
        barrier.wait(30)
        try:
            call(me)
            outcomes[index] = "ok"
        except ClientRequestException as error:
            outcomes[index] = f"{error.status_code}:{error.error_code}"
        except Exception as error:  # recorded, so that the assertion shows it
            outcomes[index] = repr(error)

    threads = [
        threading.Thread(target=contend, args=(i, account, call))
        for i, (account, call) in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.slow
def test_twelve_creations_at_once_make_exactly_the_room_left(
    two_servers: list[ServerProcess], owner: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    endpoints = [p.endpoint for p in two_servers]
    outcomes = race([(owner, lambda me: create_account(me, "racer"))] * 12, endpoints)
    room = QUOTA_IN_RACE - 1  # the management account holds one place
    assert Counter(outcomes) == {"ok": room, "400:Organizations.1305": 12 - room}, outcomes
    assert len(members(owner)) == QUOTA_IN_RACE
    figures.add("organization quota races (12 creations at once)")


def successes(server: LiveServer, operations: tuple[str, ...], since: int, member: str) -> int:
    found = 0
    for operation in operations:
        records = audit.list_audit_records(
            server.runtime.context, AuditFilter(operation=operation, since=since), PageRequest()
        ).items
        found += sum(
            1 for r in records if r.outcome == "200" and member in (r.account_id, *r.targets)
        )
    return found


@pytest.mark.slow
def test_racing_removals_and_leaves_of_one_member_have_one_winner(
    server: LiveServer, two_servers: list[ServerProcess], owner: Account, receiver: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    endpoints = [p.endpoint for p in two_servers]
    remove = RemoveAccountRequest(account_id=receiver.account_id)

    for _ in range(ROUNDS):
        accept(receiver, invite(owner, receiver).id)
        since = int(time.time() * 1000)  # the processes' clock is the real one
        outcomes = race(
            [(owner, lambda me: me.organizations.remove_account(remove))] * 4
            + [
                (
                    receiver,
                    lambda me: me.organizations.leave_organization(LeaveOrganizationRequest()),
                )
            ]
            * 4,
            endpoints,
        )
        assert outcomes.count("ok") == 1, outcomes
        losers = Counter(o for o in outcomes if o != "ok")
        assert set(losers) <= {"404:Organizations.9401", "401:Organizations.1015"}, outcomes
        assert receiver.account_id not in members(owner)
        operations = ("RemoveAccount", "LeaveOrganization")
        assert successes(server, operations, since, receiver.account_id) == 1
        figures.add("membership removal races (8 calls, 2 processes)")


@pytest.mark.slow
def test_racing_closes_and_removals_of_one_account_have_one_winner(
    server: LiveServer, two_servers: list[ServerProcess], owner: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    endpoints = [p.endpoint for p in two_servers]
    for round_ in range(ROUNDS):
        created = create_account(owner, f"closing-{round_}").account_id
        since = int(time.time() * 1000)  # the processes' clock is the real one
        close = CloseAccountRequest(account_id=created)
        remove = RemoveAccountRequest(account_id=created)
        outcomes = race(
            [
                (owner, lambda me, c=close: me.organizations.close_account(c)),
                (owner, lambda me, r=remove: me.organizations.remove_account(r)),
            ]
            * 4,
            endpoints,
        )
        assert outcomes.count("ok") == 1, outcomes
        assert set(outcomes) == {"ok", "404:Organizations.9401"}, outcomes
        assert successes(server, ("CloseAccount", "RemoveAccount"), since, created) == 1


@pytest.mark.slow
def test_two_organizations_invitations_accepted_at_once_lose_with_an_organizations_code(
    two_servers: list[ServerProcess], owner: Account, outsider: Account, receiver: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    outsider.organizations.create_organization(CreateOrganizationRequest())
    endpoints = [p.endpoint for p in two_servers]
    for _ in range(2 * ROUNDS):  # the race is narrow: before the fix 1 round in 2 caught it
        first, second = invite(owner, receiver).id, invite(outsider, receiver).id
        outcomes = race(
            [(receiver, lambda me, h=h: accept(me, h)) for h in (first, second)], endpoints
        )
        assert sorted(outcomes) == ["400:Organizations.9101", "ok"], outcomes
        receiver.organizations.leave_organization(LeaveOrganizationRequest())
        for manager, handshake in ((owner, first), (outsider, second)):
            shown = manager.organizations.show_handshake(
                ShowHandshakeRequest(handshake_id=handshake)
            )
            if shown.handshake.status == "pending":
                cancel(manager, handshake)


@pytest.mark.slow
def test_racing_creations_of_one_organization_leave_one(
    two_servers: list[ServerProcess], outsider: Account
) -> None:
    endpoints = [p.endpoint for p in two_servers]
    for _ in range(ROUNDS):
        outcomes = race(
            [(outsider, lambda me: me.organizations.create_organization(found))] * 4, endpoints
        )
        assert sorted(outcomes) == ["400:Organizations.9101"] * 3 + ["ok"], outcomes
        outsider.organizations.delete_organization(DeleteOrganizationRequest())


def test_ended_invitations_are_purged_after_48_hours_and_accepted_ones_kept(
    database_url: str, data_dir: Path
) -> None:
    # A server of its own on the same database: its clock moves, the session's must not.
    live = LiveServer(settings_for(database_url, data_dir)).start()
    try:
        manager, taker, refuser = (live.account(n) for n in ("manager", "taker", "refuser"))
        manager.organizations.create_organization(CreateOrganizationRequest())
        cancelled = invite(manager, refuser).id
        cancel(manager, cancelled)
        accepted = invite(manager, taker).id
        accept(taker, accepted)
        live.clock.advance(47 * 3600 * 1000)
        purge_expired_records(live.runtime.context)
        show = manager.organizations.show_handshake
        assert show(ShowHandshakeRequest(handshake_id=cancelled)).handshake.status == "cancelled"
        live.clock.advance(3600 * 1000 + 1)
        purge_expired_records(live.runtime.context)
        fails(lambda: show(ShowHandshakeRequest(handshake_id=cancelled)), 404, "Organizations.9403")
        assert show(ShowHandshakeRequest(handshake_id=accepted)).handshake.status == "accepted"
    finally:
        live.stop()


def test_a_create_and_close_loop_stops_at_the_creations_a_day(
    database_url: str, data_dir: Path
) -> None:
    """Issue 22 review S5: the account quota counts live members, so creating and closing in
    a loop never meets it; the accounts created in 24 hours do (3 here), counted from the
    create-account statuses, and 24 hours later the organization may create again. Statuses
    past their retention are purged; the accounts stay."""
    from sharekeeper.domain.clock import SECOND
    from sharekeeper.services.housekeeping import CREATE_ACCOUNT_STATUS_RETENTION
    from sharekeeper.store.tables import accounts, create_account_statuses

    small = Quotas(account_creations_per_day=3)
    live = LiveServer(settings_for(database_url, data_dir, quotas=small)).start()
    try:
        manager = live.account("creating-manager")
        organization = manager.organizations.create_organization(CreateOrganizationRequest())
        organization_id = complete(organization.organization).id
        created = []
        for n in range(10):  # bounded: the loop an attacker would run without end
            try:
                account_id = create_account(manager, f"loop-{n}").account_id
            except ClientRequestException as error:
                assert (error.status_code, error.error_code) == (400, "Organizations.9112")
                assert "may have 3, and has 3" in error.error_msg
                break
            created.append(account_id)
            manager.organizations.close_account(CloseAccountRequest(account_id=account_id))
        assert len(created) == 3, created
        live.clock.offset += 24 * 3600 * SECOND
        again = create_account(manager, "next-day").account_id
        live.clock.offset += CREATE_ACCOUNT_STATUS_RETENTION
        purge_expired_records(live.runtime.context)
        with live.runtime.engine.connect() as db:
            statuses = db.execute(
                create_account_statuses.select().where(
                    create_account_statuses.c.organization_id == organization_id
                )
            ).fetchall()
            kept = db.execute(
                accounts.select().where(accounts.c.id.in_([*created, again]))
            ).fetchall()
    finally:
        live.stop()
    assert statuses == [] and len(kept) == 4


def test_deleting_and_founding_the_organization_again_does_not_reset_the_creations_a_day(
    database_url: str, data_dir: Path
) -> None:
    """Issue 22's re-probe (D-B): the day's creations were counted over the organization's
    create-account statuses, which go with it, so CreateOrganization, CreateAccount and
    CloseAccount to the quota, DeleteOrganization, again, made 500 accounts in 6 s. They are
    the management account's: the loop stops at 3 whatever organization it is in."""
    from sharekeeper.domain.clock import SECOND

    small = Quotas(account_creations_per_day=3)
    live = LiveServer(settings_for(database_url, data_dir, quotas=small)).start()
    try:
        manager = live.account("refounding-manager")
        created: list[str] = []
        refused = []
        for round_ in range(4):  # bounded: the probe looped without end
            manager.organizations.create_organization(CreateOrganizationRequest())
            for n in range(5):
                try:
                    account_id = create_account(manager, f"loop-{round_}-{n}").account_id
                except ClientRequestException as error:
                    assert (error.status_code, error.error_code) == (400, "Organizations.9112")
                    assert "may have 3, and has 3" in error.error_msg
                    refused.append(round_)
                    break
                created.append(account_id)
                manager.organizations.close_account(CloseAccountRequest(account_id=account_id))
            manager.organizations.delete_organization(DeleteOrganizationRequest())
        assert len(created) == 3 and refused == [0, 1, 2, 3], (created, refused)
        live.clock.offset += 24 * 3600 * SECOND
        manager.organizations.create_organization(CreateOrganizationRequest())
        assert create_account(manager, "next-day").account_id
    finally:
        live.stop()
