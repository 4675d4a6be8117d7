"""The Organizations API through the official ``huaweicloudsdkorganizations`` client: the
management account builds its organization and OU tree, trusts RAM, and RAM's organization
sharing follows; every reply carries every field of the SDK's model."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkorganizations.v1 import (
    CreateOrganizationalUnitReqBody,
    CreateOrganizationalUnitRequest,
    CreateOrganizationRequest,
    DeleteOrganizationalUnitRequest,
    DeleteOrganizationRequest,
    DisableTrustedServiceRequest,
    EnableTrustedServiceRequest,
    ListEntitiesRequest,
    ListOrganizationalUnitsRequest,
    ListRootsRequest,
    ListTrustedServicesRequest,
    ShowOrganizationalUnitRequest,
    ShowOrganizationRequest,
    TrustedServiceReqBody,
    UpdateOrganizationalUnitReqBody,
    UpdateOrganizationalUnitRequest,
)
from huaweicloudsdkram.v1 import DisableOrganizationShareRequest, ShowOrganizationShareRequest

from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import audit, organizations
from tests.sdk.helpers import create_share, share_ids, status_of
from tests.support import Account, LiveServer

# Fields of the SDK's models that ShareKeeper has nothing for: an account's contact details
# (Huawei sends them only with with_register_contact_info) and description, and the failure
# of an account creation (none fails).
ABSENT = {
    "AccountDto": {"mobile_phone", "intl_number_prefix", "email", "description"},
    "CreateAccountStatusDto": {"failure_reason", "failure_detail_msg"},
}


def complete(dto: Any) -> Any:
    """Every field of the SDK's model is present, with its declared type."""
    for name, kind in type(dto).openapi_types.items():
        if name in ABSENT.get(type(dto).__name__, ()):
            continue
        value = getattr(dto, name)
        assert value is not None, (type(dto).__name__, name)
        if kind == "datetime":
            assert isinstance(value, datetime.datetime), (name, value)
        elif kind == "str":
            assert isinstance(value, str) and value, (name, value)
    return dto


def fails(call: Any, status: int, code: str) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()
    assert (caught.value.status_code, caught.value.error_code) == (status, code), caught.value
    assert caught.value.request_id
    return caught.value


def create_ou(account: Account, parent_id: str, name: str) -> Any:
    body = CreateOrganizationalUnitReqBody(name=name, parent_id=parent_id)
    reply = account.organizations.create_organizational_unit(
        CreateOrganizationalUnitRequest(body=body)
    )
    return complete(reply.organizational_unit)


def ous(account: Account, parent_id: str | None = None) -> list[Any]:
    request = ListOrganizationalUnitsRequest(parent_id=parent_id)
    reply = account.organizations.list_organizational_units(request)
    return [complete(unit) for unit in reply.organizational_units or []]


def entities(account: Account, **query: Any) -> list[tuple[str, str]]:
    reply = account.organizations.list_entities(ListEntitiesRequest(**query))
    return sorted((complete(e).type, e.id) for e in reply.entities or [])


def trusted(account: Account) -> list[str]:
    reply = account.organizations.list_trusted_services(ListTrustedServicesRequest())
    return [complete(s).service_principal for s in reply.trusted_services or []]


def trust(account: Account, principal: str, enabled: bool = True) -> None:
    body = TrustedServiceReqBody(service_principal=principal)
    if enabled:
        account.organizations.enable_trusted_service(EnableTrustedServiceRequest(body=body))
    else:
        account.organizations.disable_trusted_service(DisableTrustedServiceRequest(body=body))


def ram_sharing(account: Account) -> bool:
    return bool(account.ram.show_organization_share(ShowOrganizationShareRequest()).enabled)


def test_the_management_account_builds_its_organization_through_the_sdk(
    server: LiveServer, owner: Account, receiver: Account, outsider: Account
) -> None:
    client = owner.organizations
    created = client.create_organization(CreateOrganizationRequest())
    organization = complete(created.organization)
    assert organization.management_account_id == owner.account_id
    assert organization.urn == (f"organizations::{owner.account_id}:organization:{organization.id}")
    fails(
        lambda: client.create_organization(CreateOrganizationRequest()), 400, "Organizations.9101"
    )
    shown = client.show_organization(ShowOrganizationRequest()).organization
    assert complete(shown).to_dict() == organization.to_dict()
    fails(
        lambda: outsider.organizations.show_organization(ShowOrganizationRequest()),
        401,
        "Organizations.1015",
    )

    (root,) = client.list_roots(ListRootsRequest()).roots
    assert complete(root).id.startswith("r-")
    assert root.urn == f"organizations::{owner.account_id}:root:{organization.id}/{root.id}"

    engineering = create_ou(owner, root.id, "engineering")
    networks = create_ou(owner, engineering.id, "networks")
    # Each change is audited with what it made (a creation has no id in its path).
    trail = audit.list_audit_records(
        server.runtime.context, AuditFilter(account_id=owner.account_id), PageRequest()
    )
    made = [(r.operation, r.targets, r.outcome) for r in trail.items]
    assert made == [
        ("CreateOrganization", [organization.id], "201"),
        ("CreateOrganization", [], "400 Organizations.9101"),
        ("CreateOrganizationalUnit", [engineering.id], "201"),
        ("CreateOrganizationalUnit", [networks.id], "201"),
    ]
    fails(lambda: create_ou(owner, root.id, "engineering"), 400, "Organizations.9104")
    fails(lambda: create_ou(owner, "ou-" + "0" * 32, "x"), 404, "Organizations.9401")
    assert [u.id for u in ous(owner, root.id)] == [engineering.id]
    assert [u.id for u in ous(owner, engineering.id)] == [networks.id]
    assert {u.id for u in ous(owner)} == {engineering.id, networks.id}
    renamed = client.update_organizational_unit(
        UpdateOrganizationalUnitRequest(
            organizational_unit_id=networks.id,
            body=UpdateOrganizationalUnitReqBody(name="subnets"),
        )
    ).organizational_unit
    assert (complete(renamed).name, renamed.id) == ("subnets", networks.id)
    show = ShowOrganizationalUnitRequest(organizational_unit_id=networks.id)
    assert client.show_organizational_unit(show).organizational_unit.name == "subnets"

    # A member placed by the directory (as `sharekeeper org add-account` does) is no manager.
    organizations.add_account(server.runtime.context, receiver.account_id, networks.id)
    assert entities(owner, parent_id=networks.id) == [("account", receiver.account_id)]
    assert entities(owner, child_id=receiver.account_id) == [("organizational_unit", networks.id)]
    assert entities(owner, parent_id=root.id) == sorted(
        [("account", owner.account_id), ("organizational_unit", engineering.id)]
    )
    # A plain member: Huawei's 1002 for a read it opens to delegated administrators too.
    fails(lambda: receiver.organizations.list_roots(ListRootsRequest()), 401, "Organizations.1002")
    for call in (
        lambda: create_ou(receiver, root.id, "mine"),
        lambda: trust(receiver, "service.RAM"),
    ):
        fails(call, 401, "Organizations.1001")
    assert (
        complete(
            receiver.organizations.show_organization(ShowOrganizationRequest()).organization
        ).id
        == organization.id
    )

    # Trusting RAM is RAM's organization sharing, both ways.
    assert trusted(owner) == [] and not ram_sharing(owner)
    fails(lambda: trust(owner, "service.RAM", False), 400, "Organizations.1900")
    fails(lambda: trust(owner, "service.Nothing"), 400, "Organizations.9105")
    trust(owner, "service.RAM")
    trust(owner, "service.CTS")
    assert trusted(owner) == ["service.CTS", "service.RAM"]
    assert ram_sharing(owner) and ram_sharing(receiver)
    share = create_share(
        owner, principals=[engineering.urn], resource_urns=[owner.urn("subnet-org")]
    )
    assert share.id in share_ids(receiver, "other-accounts")  # nested, no invitation
    owner.ram.disable_organization_share(DisableOrganizationShareRequest())
    assert trusted(owner) == ["service.CTS"]
    assert share.id not in share_ids(receiver, "other-accounts")
    trust(owner, "service.RAM")
    assert share.id in share_ids(receiver, "other-accounts")

    # OUs are deleted only empty, and leave the shares that named them.
    delete = DeleteOrganizationalUnitRequest(organizational_unit_id=engineering.id)
    fails(lambda: client.delete_organizational_unit(delete), 400, "Organizations.9103")
    fails(
        lambda: client.delete_organization(DeleteOrganizationRequest()), 400, "Organizations.9102"
    )
    organizations.remove_account(server.runtime.context, receiver.account_id)
    client.delete_organizational_unit(
        DeleteOrganizationalUnitRequest(organizational_unit_id=networks.id)
    )
    client.delete_organizational_unit(delete)
    assert ous(owner) == []
    assert status_of(owner, share.id, "principal", engineering.urn) == "disassociated"

    client.delete_organization(DeleteOrganizationRequest())
    fails(lambda: client.show_organization(ShowOrganizationRequest()), 401, "Organizations.1015")
    assert not ram_sharing(owner)
    # The account may found another.
    assert (
        complete(client.create_organization(CreateOrganizationRequest()).organization).id
        != organization.id
    )


def test_an_organization_is_deleted_only_empty_and_shares_to_it_end(
    server: LiveServer, owner: Account
) -> None:
    client = owner.organizations
    organization = client.create_organization(CreateOrganizationRequest()).organization
    (root,) = client.list_roots(ListRootsRequest()).roots
    unit = create_ou(owner, root.id, "kept")
    trust(owner, "service.RAM")
    share = create_share(owner, principals=[organization.urn, root.urn])
    delete = DeleteOrganizationRequest()
    fails(lambda: client.delete_organization(delete), 400, "Organizations.9102")
    client.delete_organizational_unit(
        DeleteOrganizationalUnitRequest(organizational_unit_id=unit.id)
    )
    client.delete_organization(delete)
    assert status_of(owner, share.id, "principal", organization.urn) == "disassociated"
    assert status_of(owner, share.id, "principal", root.urn) == "disassociated"


def test_ous_nest_five_levels_below_the_root(owner: Account) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    (root,) = owner.organizations.list_roots(ListRootsRequest()).roots
    parent = root.id
    for level in range(5):
        parent = create_ou(owner, parent, f"level-{level}").id
    fails(lambda: create_ou(owner, parent, "too-deep"), 400, "Organizations.9109")


def test_a_manager_reaches_nothing_of_another_organization(
    owner: Account, outsider: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    (root,) = owner.organizations.list_roots(ListRootsRequest()).roots
    unit = create_ou(owner, root.id, "theirs")
    outsider.organizations.create_organization(CreateOrganizationRequest())
    unit_id = unit.id
    for call in (
        lambda: create_ou(outsider, root.id, "planted"),
        lambda: ous(outsider, root.id),
        lambda: outsider.organizations.show_organizational_unit(
            ShowOrganizationalUnitRequest(organizational_unit_id=unit_id)
        ),
        lambda: outsider.organizations.update_organizational_unit(
            UpdateOrganizationalUnitRequest(
                organizational_unit_id=unit_id,
                body=UpdateOrganizationalUnitReqBody(name="stolen"),
            )
        ),
        lambda: outsider.organizations.delete_organizational_unit(
            DeleteOrganizationalUnitRequest(organizational_unit_id=unit_id)
        ),
        lambda: entities(outsider, parent_id=root.id),
        lambda: entities(outsider, child_id=owner.account_id),
    ):
        error = fails(call, 404, "Organizations.9401")
        assert "theirs" not in error.error_msg
    assert [(u.id, u.name) for u in ous(owner)] == [(unit_id, "theirs")]
    seen = entities(outsider)  # its own root and itself, nothing of the other organization
    assert [kind for kind, _ in seen] == ["account", "root"]
    assert seen[0][1] == outsider.account_id and seen[1][1] != root.id


# Callable[..., str]: the callers bind their loop variable as a lambda default (mypy infers no
# type for those against a fixed signature); each is called with no argument.
def race(calls: list[Callable[..., str]]) -> list[str]:
    """Runs the calls at once: what each returned, or its error code."""
    outcomes: list[str] = []

    def run(call: Callable[[], str]) -> None:
        try:
            outcomes.append(call())
        except ClientRequestException as error:
            outcomes.append(error.error_code)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_racing_ous_of_one_name_leave_one(owner: Account) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    (root,) = owner.organizations.list_roots(ListRootsRequest()).roots
    for round_ in range(4):  # bounded: 12 racing creations
        name = f"same-{round_}"
        outcomes = race([lambda n=name: create_ou(owner, root.id, n).id] * 3)
        assert sorted(o.startswith("ou-") for o in outcomes) == [False, False, True], outcomes
        assert outcomes.count("Organizations.9104") == 2, outcomes
    assert len(ous(owner, root.id)) == 4


def _found_at_once(server: LiveServer, founder: Account) -> list[str]:
    """The operator's creation and the founder's own through the SDK, started together."""
    from sharekeeper.domain.errors import ShareKeeperError

    outcomes: list[str] = []
    start = threading.Barrier(2)

    def by_operator() -> None:
        start.wait(10)
        try:
            organizations.operator_create_organization(server.runtime.context, founder.account_id)
            outcomes.append("operator")
        except ShareKeeperError as error:
            outcomes.append(f"operator {error.code}")

    def by_api() -> None:
        start.wait(10)
        try:
            founder.organizations.create_organization(CreateOrganizationRequest())
            outcomes.append("api")
        except ClientRequestException as error:
            outcomes.append(f"api {error.error_code}")

    threads = [threading.Thread(target=by_operator), threading.Thread(target=by_api)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(outcomes)


def test_the_operator_and_the_api_founding_one_organization_at_once_leave_one(
    server: LiveServer,
) -> None:
    """Issue 22 review C1: the operator's creation (the service the console and CLI call) and
    the account's own through the SDK, at once: one organization, and the loser gets its own
    path's error, never the one-organization-per-manager key's RAM 409 on the Organizations
    API."""
    for round_ in range(6):  # bounded: 6 rounds of two racing creations
        outcomes = _found_at_once(server, server.account(f"racing-founder-{round_}"))
        assert outcomes in (
            ["api", "operator RAM.9110"],
            ["api Organizations.9101", "operator"],
        ), outcomes
