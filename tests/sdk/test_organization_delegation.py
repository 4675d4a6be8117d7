"""Delegated administrators through the official Organizations SDK: the management account
registers a member for a trusted service, the member then reads the organization (roots,
OUs, accounts, entities) and nothing more; removing the member, its leaving, or distrusting
the service ends the delegation. Racing registrations leave one row."""

from __future__ import annotations

from typing import Any

from huaweicloudsdkorganizations.v1 import (
    CloseAccountRequest,
    CreateAccountReqBody,
    CreateAccountRequest,
    CreateOrganizationRequest,
    DelegatedAdministratorReqBody,
    DeregisterDelegatedAdministratorRequest,
    LeaveOrganizationRequest,
    ListAccountsRequest,
    ListDelegatedAdministratorsRequest,
    ListDelegatedServicesRequest,
    ListRootsRequest,
    RegisterDelegatedAdministratorRequest,
    RemoveAccountRequest,
    ShowAccountRequest,
    ShowOrganizationRequest,
)
from huaweicloudsdkram.v1 import DisableOrganizationShareRequest

from sharekeeper.services import identity
from tests import figures
from tests.sdk.test_organization_members import accept, invite
from tests.sdk.test_organizations_api import (
    complete,
    create_ou,
    entities,
    fails,
    ous,
    race,
    trust,
    trusted,
)
from tests.support import Account, LiveServer

CTS = "service.CTS"
RAM = "service.RAM"


def register(manager: Account, account_id: str, service: str = CTS) -> None:
    body = DelegatedAdministratorReqBody(service_principal=service, account_id=account_id)
    manager.organizations.register_delegated_administrator(
        RegisterDelegatedAdministratorRequest(body=body)
    )


def registered(manager: Account, account_id: str) -> str:
    """``register`` as a race's outcome: "201" when it succeeds."""
    register(manager, account_id)
    return "201"


def deregister(manager: Account, account_id: str, service: str = CTS) -> None:
    body = DelegatedAdministratorReqBody(service_principal=service, account_id=account_id)
    manager.organizations.deregister_delegated_administrator(
        DeregisterDelegatedAdministratorRequest(body=body)
    )


def administrators(account: Account, service: str | None = CTS, **page: Any) -> list[str]:
    request = ListDelegatedAdministratorsRequest(service_principal=service, **page)
    reply = account.organizations.list_delegated_administrators(request)
    return [complete(a).account_id for a in reply.delegated_administrators or []]


def services(account: Account, account_id: str) -> list[str]:
    request = ListDelegatedServicesRequest(account_id=account_id)
    reply = account.organizations.list_delegated_services(request)
    return [complete(s).service_principal for s in reply.delegated_services or []]


def root_of(account: Account) -> Any:
    (root,) = account.organizations.list_roots(ListRootsRequest()).roots
    return complete(root)


def join(manager: Account, member: Account) -> None:
    accept(member, invite(manager, member).id)


def created(server: LiveServer, manager: Account, name: str) -> Account:
    """An account the organization creates, given a key by the operator."""
    status = manager.organizations.create_account(
        CreateAccountRequest(body=CreateAccountReqBody(name=name))
    ).create_account_status
    key = identity.create_access_key(server.runtime.context, status.account_id)
    return Account(status.account_id, key.access_key, key.secret_key, manager.endpoint)


def test_a_delegated_administrator_reads_the_organization_and_nothing_more(
    server: LiveServer, owner: Account, receiver: Account, outsider: Account
) -> None:
    organization = owner.organizations.create_organization(CreateOrganizationRequest())
    root = root_of(owner)
    unit = create_ou(owner, root.id, "security")
    join(owner, receiver)
    auditor = server.account("auditor")
    join(owner, auditor)

    # A plain member is refused the reads Huawei opens to delegated administrators (1002).
    fails(lambda: root_of(receiver), 401, "Organizations.1002")
    fails(lambda: administrators(receiver), 401, "Organizations.1002")
    fails(lambda: services(receiver, receiver.account_id), 401, "Organizations.1002")

    # Registering: the management account only, a member other than itself, a trusted service.
    fails(lambda: register(owner, receiver.account_id), 400, "Organizations.9152")
    trust(owner, CTS)
    fails(lambda: register(owner, receiver.account_id, "service.None"), 400, "Organizations.9105")
    fails(lambda: register(owner, owner.account_id), 400, "Organizations.9151")
    fails(lambda: register(owner, outsider.account_id), 404, "Organizations.9401")
    fails(lambda: register(receiver, receiver.account_id), 401, "Organizations.1001")
    fails(lambda: register(outsider, receiver.account_id), 401, "Organizations.1015")
    register(owner, receiver.account_id)
    fails(lambda: register(owner, receiver.account_id), 400, "Organizations.9150")
    assert administrators(owner) == [receiver.account_id]
    assert administrators(owner, None) == [receiver.account_id]
    assert administrators(owner, RAM) == []
    assert services(owner, receiver.account_id) == [CTS]
    assert services(owner, auditor.account_id) == []
    fails(lambda: services(owner, outsider.account_id), 404, "Organizations.9401")
    reply = owner.organizations.list_delegated_administrators(
        ListDelegatedAdministratorsRequest(service_principal=CTS)
    )
    (shown,) = reply.delegated_administrators
    assert (shown.account_name, shown.join_method) == ("receiver", "invited")
    assert shown.account_urn.endswith(f"/{receiver.account_id}")

    # The delegated administrator reads the directory, as the management account does.
    assert root_of(receiver).to_dict() == root.to_dict()
    shown_org = receiver.organizations.show_organization(ShowOrganizationRequest()).organization
    assert shown_org.id == organization.organization.id
    assert [u.id for u in ous(receiver)] == [unit.id]
    assert entities(receiver, parent_id=root.id) == entities(owner, parent_id=root.id)
    listed = receiver.organizations.list_accounts(ListAccountsRequest()).accounts
    assert {a.id for a in listed} == {owner.account_id, receiver.account_id, auditor.account_id}
    show = ShowAccountRequest(account_id=auditor.account_id)
    assert receiver.organizations.show_account(show).account.id == auditor.account_id
    assert trusted(receiver) == [CTS]
    assert administrators(receiver) == [receiver.account_id]
    assert services(receiver, receiver.account_id) == [CTS]
    # ... and changes nothing.
    fails(lambda: create_ou(receiver, root.id, "mine"), 401, "Organizations.1001")
    fails(lambda: register(receiver, auditor.account_id), 401, "Organizations.1001")
    fails(lambda: trust(receiver, RAM), 401, "Organizations.1001")
    # Other members and outsiders still get nothing.
    fails(lambda: services(auditor, receiver.account_id), 401, "Organizations.1002")
    fails(lambda: root_of(auditor), 401, "Organizations.1002")
    fails(lambda: services(outsider, receiver.account_id), 401, "Organizations.1015")
    fails(lambda: administrators(outsider), 401, "Organizations.1015")

    # Deregistering ends the reads; a second time is Huawei's 1500 (Terraform: gone).
    deregister(owner, receiver.account_id)
    fails(lambda: deregister(owner, receiver.account_id), 400, "Organizations.1500")
    fails(lambda: deregister(owner, outsider.account_id), 400, "Organizations.1500")
    fails(lambda: root_of(receiver), 401, "Organizations.1002")
    assert administrators(owner) == [] and services(owner, receiver.account_id) == []

    # Distrusting the service deregisters its administrators, through either API for RAM.
    register(owner, receiver.account_id)
    trust(owner, CTS, enabled=False)
    assert administrators(owner, None) == []
    fails(lambda: root_of(receiver), 401, "Organizations.1002")
    trust(owner, RAM)
    register(owner, auditor.account_id, RAM)
    owner.ram.disable_organization_share(DisableOrganizationShareRequest())
    assert administrators(owner, None) == []


def test_leaving_in_any_way_ends_a_delegation(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    trust(owner, CTS)
    trust(owner, RAM)
    join(owner, receiver)
    leaver = server.account("leaver")
    join(owner, leaver)
    closed = created(server, owner, "to-close")
    for member in (receiver, leaver, closed):
        register(owner, member.account_id, CTS)
    register(owner, receiver.account_id, RAM)
    assert sorted(administrators(owner, None)) == sorted(
        [receiver.account_id, leaver.account_id, closed.account_id]
    )
    assert services(owner, receiver.account_id) == [CTS, RAM]

    owner.organizations.remove_account(RemoveAccountRequest(account_id=receiver.account_id))
    leaver.organizations.leave_organization(LeaveOrganizationRequest())
    owner.organizations.close_account(CloseAccountRequest(account_id=closed.account_id))
    assert administrators(owner, None) == []
    fails(lambda: services(owner, receiver.account_id), 404, "Organizations.9401")
    # Back in, it is no delegated administrator until registered again.
    join(owner, receiver)
    assert services(owner, receiver.account_id) == []
    fails(lambda: root_of(receiver), 401, "Organizations.1002")


def test_the_limit_per_service_and_paging(server: LiveServer, owner: Account) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    trust(owner, CTS)
    members = [created(server, owner, f"member-{n}") for n in range(4)]
    for member in members[:3]:
        register(owner, member.account_id)
    fails(lambda: register(owner, members[3].account_id), 400, "Organizations.9153")
    seen: list[str] = []
    marker = None
    for _ in range(5):  # bounded: three pages of one
        reply = owner.organizations.list_delegated_administrators(
            ListDelegatedAdministratorsRequest(service_principal=CTS, limit=1, marker=marker)
        )
        seen += [a.account_id for a in reply.delegated_administrators or []]
        marker = reply.page_info.next_marker if reply.page_info else None
        if not marker:
            break
    assert seen == [m.account_id for m in members[:3]]


def test_racing_registrations_leave_one_row(server: LiveServer, owner: Account) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    trust(owner, CTS)
    members = [created(server, owner, f"racer-{n}") for n in range(3)]
    for member in members:  # bounded: three rounds of three
        outcomes = race([lambda m=member: registered(owner, m.account_id)] * 3)
        assert sorted(outcomes) == ["201", "Organizations.9150", "Organizations.9150"], outcomes
    figures.add("delegation registration races (3 at once)", len(members))
    assert administrators(owner) == [m.account_id for m in members]


def test_a_registration_racing_the_members_removal_leaves_no_delegation(
    server: LiveServer, owner: Account
) -> None:
    """Either the removal comes second and takes the delegation with the membership, or it
    comes first and the registration finds no member: never a delegation without a member."""
    owner.organizations.create_organization(CreateOrganizationRequest())
    trust(owner, CTS)

    def remove(account_id: str) -> str:
        request = RemoveAccountRequest(account_id=account_id)
        owner.organizations.remove_account(request)
        return "removed"

    outcomes: list[str] = []
    for round_ in range(4):  # bounded: four rounds of two calls
        member = created(server, owner, f"leaving-{round_}")
        outcomes += race(
            [
                lambda m=member: registered(owner, m.account_id),
                lambda m=member: remove(m.account_id),
            ]
        )
        assert administrators(owner, None) == [], outcomes
    assert outcomes.count("removed") == 4, outcomes
    assert set(outcomes) <= {"removed", "201", "Organizations.9401"}, outcomes
    figures.add("delegation registrations raced against removals", 4)
    figures.add("of those, registered before the removal", outcomes.count("201"))


def test_a_delegated_administrator_reads_policies_and_changes_none(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    """Huawei opens ListPolicies, ListEntitiesForPolicy, ShowEffectivePolicies and
    ShowDryRunConfig (and ShareKeeper ShowPolicy and the dry-run twins, docs/api.md) to a
    delegated administrator: it reads what the management account reads, the URNs naming
    the management account; a plain member gets 1002; the writes stay the management
    account's (1001)."""
    from huaweicloudsdkorganizations.v1 import (
        ListDryRunPoliciesRequest,
        ListEntitiesForPolicyRequest,
        ListPoliciesRequest,
        ShowDryRunConfigRequest,
        ShowEffectivePoliciesRequest,
        ShowPolicyRequest,
    )

    from tests.sdk.test_organization_policies import (
        SCP,
        TAG,
        attach,
        create,
        scp,
        set_type,
        tag_policy,
    )

    owner.organizations.create_organization(CreateOrganizationRequest())
    root = root_of(owner)
    join(owner, receiver)
    join(owner, outsider)  # a plain member from here on
    set_type(owner, root.id, SCP, True)
    set_type(owner, root.id, TAG, True)
    deny = create(owner, "deny-all", scp(["*"], "Deny"))
    tags = create(owner, "cost", tag_policy("costcenter", "CostCenter"), TAG)
    attach(owner, deny.id, receiver.account_id)
    attach(owner, tags.id, receiver.account_id)
    trust(owner, CTS)
    register(owner, receiver.account_id)

    reads: list[tuple[str, Any]] = [
        ("list_policies", ListPoliciesRequest()),
        ("list_policies", ListPoliciesRequest(attached_entity_id=receiver.account_id)),
        ("show_policy", ShowPolicyRequest(policy_id=deny.id)),
        ("list_entities_for_policy", ListEntitiesForPolicyRequest(policy_id=tags.id)),
        (
            "show_effective_policies",
            ShowEffectivePoliciesRequest(entity_id=receiver.account_id, policy_type=TAG),
        ),
        ("list_dry_run_policies", ListDryRunPoliciesRequest()),
        ("show_dry_run_config", ShowDryRunConfigRequest(root_id=root.id, policy_type=SCP)),
    ]
    for name, request in reads:
        seen = getattr(owner.organizations, name)(request).to_dict()
        assert getattr(receiver.organizations, name)(request).to_dict() == seen, name
        plain = getattr(outsider.organizations, name)
        fails(lambda call=plain, r=request: call(r), 401, "Organizations.1002")
    shown = receiver.organizations.show_policy(ShowPolicyRequest(policy_id=deny.id)).policy
    assert shown.policy_summary.urn.startswith(f"organizations::{owner.account_id}:policy:")
    fails(lambda: create(receiver, "mine", scp(["*"])), 401, "Organizations.1001")
    fails(lambda: attach(receiver, deny.id, root.id), 401, "Organizations.1001")
    fails(lambda: set_type(receiver, root.id, TAG, False), 401, "Organizations.1001")
