"""Tenant isolation: for every operation, an outsider sees nothing of others' shares and changes
nothing of them; a receiver sees only what it accepted."""

from __future__ import annotations

import json
from typing import Any

from huaweicloudsdkram.v1 import EnableOrganizationShareRequest, Tag

from sharekeeper.api.routes import OPERATIONS
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.org_tags import TagResourceType
from sharekeeper.domain.policies import PolicyType
from sharekeeper.services import (
    delegation,
    directory,
    handshakes,
    members,
    org_tags,
    organizations,
    policies,
)
from tests.sdk.helpers import accept, create_share, invitation_for
from tests.support import Account, LiveServer, SignedHttp

ZONE = "1c5f8e10-27d3-50ca-8df0-f334b7dc3974"
DELEGATED = "/v1/organizations/delegated-administrators"


def owner_caller(owner: Account) -> Caller:
    return Caller(owner.account_id, owner.access_key)


def world(server: LiveServer, owner: Account, receiver: Account) -> dict[str, str]:
    """The owner's organization and shares: one accepted by the receiver, one still pending."""
    org = server.organization(owner)
    owner.ram.enable_organization_share(EnableOrganizationShareRequest())
    accepted = create_share(
        owner,
        "secret-accepted",
        principals=[receiver.account_id, org.root_urn],
        resource_urns=[owner.urn("subnet-accepted")],
        tags=[Tag(key="secret-key", value="v")],
    )
    pending = create_share(
        owner,
        "secret-pending",
        principals=[receiver.account_id],
        resource_urns=[owner.urn("subnet-pending")],
    )
    accept(receiver, invitation_for(receiver, accepted.id).resource_share_invitation_id)
    ou_id, _ = org.ou("secret-ou")
    # A member placed by the directory, an invitation to another account, a created account.
    member = server.account("secret-member")
    org.add(member)
    invitee = server.account("secret-invitee")
    handshake = handshakes.invite_account(
        server.runtime.context, owner_caller(owner), invitee.account_id, ""
    )
    created = members.create_account(
        server.runtime.context, owner_caller(owner), "secret-created"
    ).status
    delegation.register(
        server.runtime.context, owner_caller(owner), member.account_id, "service.RAM"
    )
    secret_policies = policy_world(server, owner, ou_id, org.root_id)
    return {
        **secret_policies,
        "member_key": f"{member.access_key}:{member.secret_key}",
        "created_account": created.account_id,
        "member": member.account_id,
        "invitee": invitee.account_id,
        "handshake": handshake.handshake.id,
        "created": created.id,
        "ou": ou_id,
        "root_id": org.root_id,
        "accepted": accepted.id,
        "pending": pending.id,
        "invitation": invitation_for(receiver, pending.id).resource_share_invitation_id,
        "urn": owner.urn("subnet-accepted"),
        "pending_urn": owner.urn("subnet-pending"),
        "root": org.root_urn,
    }


def calls(ids: dict[str, str], receiver: str) -> dict[str, tuple[str, str, Any, str]]:
    """Every operation, aimed at the owner's things: method, path, body, query."""
    share = f"/v1/resource-shares/{ids['accepted']}"
    ous = "/v1/organizations/organizational-units"
    accounts = "/v1/organizations/accounts"
    invitation = f"/v1/resource-share-invitations/{ids['invitation']}"
    everything: dict[str, Any] = {}
    for owner in ("self", "other-accounts"):
        everything[owner] = {"resource_owner": owner}
    return {
        "ListPermissions": ("GET", "/v1/permissions", None, ""),
        "ShowPermission": ("GET", f"/v1/permissions/{ZONE}", None, ""),
        "ListPermissionVersions": ("GET", f"/v1/permissions/{ZONE}/versions", None, ""),
        "ListResourceTypes": ("GET", "/v1/resource-types", None, ""),
        "CreateResourceShare": (
            "POST",
            "/v1/resource-shares",
            {"name": "mine", "resource_urns": [ids["urn"]]},
            "",
        ),
        "SearchResourceShares": (
            "POST",
            "/v1/resource-shares/search",
            {
                "resource_owner": "other-accounts",
                "resource_share_ids": [ids["accepted"], ids["pending"]],
            },
            "",
        ),
        "ListQuota": ("GET", "/v1/resource-shares/quotas", None, ""),
        "ListResourceShareTags": ("GET", "/v1/resource-shares/tags", None, ""),
        "ListResourceSharesByTags": (
            "POST",
            "/v1/resource-shares/resource-instances/filter",
            {"tags": [{"key": "secret-key"}]},
            "",
        ),
        "SearchResourceShareCountByTags": (
            "POST",
            "/v1/resource-shares/resource-instances/count",
            {},
            "",
        ),
        "UpdateResourceShare": ("PUT", share, {"name": "stolen"}, ""),
        "UpdateResourceShareByPatch": ("PATCH", share, {"name": "stolen"}, ""),
        "DeleteResourceShare": ("DELETE", share, None, ""),
        "AssociateResourceShare": ("POST", share + "/associate", {"principals": [receiver]}, ""),
        "DisassociateResourceShare": (
            "POST",
            share + "/disassociate",
            {"principals": [receiver], "resource_urns": [ids["urn"]]},
            "",
        ),
        "AssociateResourceSharePermission": (
            "POST",
            share + "/associate-permission",
            {"permission_id": ZONE},
            "",
        ),
        "DisassociateResourceSharePermission": (
            "POST",
            share + "/disassociate-permission",
            {"permission_id": ZONE},
            "",
        ),
        "ListResourceSharePermissions": ("GET", share + "/associated-permissions", None, ""),
        "BatchCreateResourceShareTags": (
            "POST",
            share + "/tags/create",
            {"tags": [{"key": "x", "value": "y"}]},
            "",
        ),
        "BatchDeleteResourceShareTags": (
            "POST",
            share + "/tags/delete",
            {"tags": [{"key": "secret-key"}]},
            "",
        ),
        "SearchResourceShareAssociations": (
            "POST",
            "/v1/resource-share-associations/search",
            {"association_type": "principal", "resource_share_ids": [ids["accepted"]]},
            "",
        ),
        "SearchResourceShareInvitation": (
            "POST",
            "/v1/resource-share-invitations/search",
            {"resource_share_invitation_ids": [ids["invitation"]]},
            "",
        ),
        "AcceptResourceShareInvitation": ("POST", invitation + "/accept", None, ""),
        "RejectResourceShareInvitation": ("POST", invitation + "/reject", None, ""),
        "SearchSharedResources": (
            "POST",
            "/v1/shared-resources/search",
            {"resource_owner": "other-accounts"},
            "",
        ),
        "SearchDistinctSharedResources": (
            "POST",
            "/v1/shared-resources/search-distinct-resource",
            {"resource_owner": "other-accounts"},
            "",
        ),
        "SearchSharedPrincipals": (
            "POST",
            "/v1/shared-principals/search",
            {"resource_owner": "other-accounts"},
            "",
        ),
        "SearchDistinctPrincipals": (
            "POST",
            "/v1/shared-principals/search-distinct-principal",
            {"resource_owner": "other-accounts"},
            "",
        ),
        "ShowOrganizationShare": ("GET", "/v1/organization-share", None, ""),
        "EnableOrganizationShare": ("POST", "/v1/organization-share/enable", None, ""),
        "DisableOrganizationShare": ("POST", "/v1/organization-share/disable", None, ""),
        "ShowOrganization": ("GET", "/v1/organizations", None, ""),
        "DeleteOrganization": ("DELETE", "/v1/organizations", None, ""),
        "ListRoots": ("GET", "/v1/organizations/roots", None, ""),
        "CreateOrganizationalUnit": (
            "POST",
            ous,
            {"name": "planted", "parent_id": ids["root_id"]},
            "",
        ),
        "ListOrganizationalUnits": ("GET", ous, None, f"parent_id={ids['root_id']}"),
        "ShowOrganizationalUnit": ("GET", f"{ous}/{ids['ou']}", None, ""),
        "UpdateOrganizationalUnit": ("PATCH", f"{ous}/{ids['ou']}", {"name": "stolen"}, ""),
        "DeleteOrganizationalUnit": ("DELETE", f"{ous}/{ids['ou']}", None, ""),
        "ListEntities": ("GET", "/v1/organizations/entities", None, f"parent_id={ids['root_id']}"),
        "EnableTrustedService": (
            "POST",
            "/v1/organizations/trusted-services/enable",
            {"service_principal": "service.CTS"},
            "",
        ),
        "DisableTrustedService": (
            "POST",
            "/v1/organizations/trusted-services/disable",
            {"service_principal": "service.RAM"},
            "",
        ),
        "ListTrustedServices": ("GET", "/v1/organizations/trusted-services", None, ""),
        "ListQuotas": ("GET", "/v1/organizations/quotas", None, ""),
        "LeaveOrganization": ("POST", "/v1/organizations/leave", None, ""),
        "InviteAccount": (
            "POST",
            accounts + "/invite",
            {"target": {"type": "account", "entity": receiver}, "notes": ""},
            "",
        ),
        "CreateAccount": ("POST", accounts, {"name": "planted"}, ""),
        "CreateAccountV2": ("POST", "/v2/organizations/accounts", {"name": "planted"}, ""),
        "UpdateAccount": ("PATCH", f"{accounts}/{ids['member']}", {"description": "x"}, ""),
        "CloseAccount": ("POST", f"{accounts}/{ids['member']}/close", None, ""),
        "ListAccounts": ("GET", accounts, None, f"parent_id={ids['root_id']}"),
        "ShowAccount": ("GET", f"{accounts}/{ids['member']}", None, ""),
        "MoveAccount": (
            "POST",
            f"{accounts}/{ids['member']}/move",
            {"source_parent_id": ids["root_id"], "destination_parent_id": ids["ou"]},
            "",
        ),
        "RemoveAccount": ("POST", f"{accounts}/{ids['member']}/remove", None, ""),
        "ListHandshakes": ("GET", "/v1/organizations/handshakes", None, ""),
        "ShowHandshake": ("GET", f"/v1/organizations/handshakes/{ids['handshake']}", None, ""),
        "CancelHandshake": (
            "POST",
            f"/v1/organizations/handshakes/{ids['handshake']}/cancel",
            None,
            "",
        ),
        "ListReceivedHandshakes": ("GET", "/v1/received-handshakes", None, ""),
        "AcceptHandshake": (
            "POST",
            f"/v1/received-handshakes/{ids['handshake']}/accept",
            None,
            "",
        ),
        "DeclineHandshake": (
            "POST",
            f"/v1/received-handshakes/{ids['handshake']}/decline",
            None,
            "",
        ),
        "ListCreateAccountStatuses": ("GET", "/v1/organizations/create-account-status", None, ""),
        "ShowCreateAccountStatus": (
            "GET",
            f"/v1/organizations/create-account-status/{ids['created']}",
            None,
            "",
        ),
        # Delegated administrators: the member is one for RAM (world).
        "RegisterDelegatedAdministrator": (
            "POST",
            DELEGATED + "/register",
            {"service_principal": "service.RAM", "account_id": ids["created_account"]},
            "",
        ),
        "DeregisterDelegatedAdministrator": (
            "POST",
            DELEGATED + "/deregister",
            {"service_principal": "service.RAM", "account_id": ids["member"]},
            "",
        ),
        "ListDelegatedAdministrators": ("GET", DELEGATED, None, "service_principal=service.RAM"),
        "ListDelegatedServices": (
            "GET",
            f"{accounts}/{ids['member']}/delegated-services",
            None,
            "",
        ),
        "KeystoneListAuthDomains": ("GET", "/v3/auth/domains", None, ""),
        "KeystoneListProjects": ("GET", "/v3/projects", None, "name=cn-north-4"),
        "GetCallerIdentity": ("GET", "/v5/caller-identity", None, ""),
        **policy_calls(ids),
        # Last: the outsider founds an organization of its own, which is no way into another's
        # (tests/sdk/test_organizations_api.py aims a manager at another organization's ids).
        "CreateOrganization": ("POST", "/v1/organizations", None, ""),
    }


def owners_view(http: SignedHttp, owner: Account, ids: dict[str, str]) -> str:
    """Everything the owner can see of its shares, as one comparable text."""
    parts = []
    for path, body in (
        ("/v1/resource-shares/search", {"resource_owner": "self"}),
        ("/v1/resource-share-associations/search", {"association_type": "principal"}),
        ("/v1/resource-share-associations/search", {"association_type": "resource"}),
        ("/v1/resource-share-invitations/search", {}),
    ):
        parts.append(http.request(owner, "POST", path, body).json())
    parts.append(
        http.request(
            owner, "GET", f"/v1/resource-shares/{ids['accepted']}/associated-permissions"
        ).json()
    )
    parts.append(http.request(owner, "GET", "/v1/organization-share").json())
    for path in ("/v1/organizations/entities", "/v1/organizations/trusted-services"):
        parts.append(http.request(owner, "GET", path).json())
    return json.dumps(parts, sort_keys=True)


def test_an_outsider_sees_and_changes_nothing_of_others(
    server: LiveServer, http: SignedHttp, owner: Account, receiver: Account, outsider: Account
) -> None:
    ids = world(server, owner, receiver)
    tag_secrets = tag_world(server, owner, ids)
    matrix = with_org_tag_calls(calls(ids, receiver.account_id), ids)
    assert set(matrix) == {op.name for op in OPERATIONS}, "the matrix must cover every operation"
    before = owners_view(http, owner, ids) + tags_view(http, owner, ids)
    secrets = [
        ids["accepted"],
        ids["pending"],
        ids["invitation"],
        "secret-key",
        "secret-accepted",
        "secret-ou",
        "secret-created",
        ids["member"],
        ids["invitee"],
        ids["handshake"],
        ids["created"],
        ids["created_account"],
        ids["policy"],
        ids["dry_run_policy"],
        "secret-policy",
        owner.account_id,
        receiver.account_id,
        *tag_secrets,
    ]
    for name, (method, path, body, query) in matrix.items():
        response = http.request(outsider, method, path, body, query=query)
        if name == "CreateResourceShare":
            # Sharing someone else's resource is refused, never a way in.
            assert response.json()["error_code"] == "RAM.1010", name
            continue
        # A leak is what the caller did not send itself (a 404 may name the id it asked for).
        sent = path + json.dumps(body)
        leaked = [s for s in secrets if s in response.text and s not in sent]
        assert leaked == [], (name, response.status_code, leaked)
        assert response.status_code < 500, name
        if method != "GET" and name.startswith(
            (
                "Update",
                "Delete",
                "Associate",
                "Disassociate",
                "Batch",
                "Accept",
                "Reject",
                "Enable",
                "Disable",
                "Cancel",
                "Decline",
                "Move",
                "Remove",
                "Invite",
                "Leave",
                "CreateOrganizationalUnit",
                "CreateAccount",
                "Close",
                "Register",
                "Deregister",
            )
        ):
            assert response.status_code in (400, 401, 404), (name, response.text)
    assert owners_view(http, owner, ids) + tags_view(http, owner, ids) == before


def test_a_receiver_sees_only_what_it_accepted(
    server: LiveServer, http: SignedHttp, owner: Account, receiver: Account
) -> None:
    ids = world(server, owner, receiver)

    def text(method: str, path: str, body: Any = None) -> str:
        response = http.request(receiver, method, path, body)
        assert response.status_code == 200, response.text
        return response.text

    for path in ("/v1/shared-resources/search", "/v1/shared-resources/search-distinct-resource"):
        seen = text("POST", path, {"resource_owner": "other-accounts"})
        assert ids["urn"] in seen and ids["pending_urn"] not in seen
    seen = text("POST", "/v1/resource-shares/search", {"resource_owner": "other-accounts"})
    assert ids["accepted"] in seen and ids["pending"] not in seen
    seen = text("POST", "/v1/shared-principals/search", {"resource_owner": "other-accounts"})
    assert ids["accepted"] in seen and ids["pending"] not in seen
    assert (
        text(
            "POST", "/v1/resource-share-associations/search", {"association_type": "principal"}
        ).count("resource_share_id")
        == 0
    )
    denied = http.request(
        receiver, "GET", f"/v1/resource-shares/{ids['pending']}/associated-permissions"
    )
    assert denied.status_code == 404
    allowed = http.request(
        receiver, "GET", f"/v1/resource-shares/{ids['accepted']}/associated-permissions"
    )
    assert allowed.status_code == 200
    for method, suffix, body in (
        ("PUT", "", {"name": "mine"}),
        ("DELETE", "", None),
        ("POST", "/tags/create", {"tags": [{"key": "k", "value": ""}]}),
    ):
        response = http.request(
            receiver, method, f"/v1/resource-shares/{ids['accepted']}{suffix}", body
        )
        assert response.status_code == 404, (method, suffix)


def test_a_member_reads_the_directory_only_as_a_delegated_administrator(
    server: LiveServer, http: SignedHttp, owner: Account, receiver: Account, outsider: Account
) -> None:
    """A plain member of the organization gets no directory read nor any delegation call; a
    delegated administrator of another organization gets nothing of this one."""
    ids = world(server, owner, receiver)
    matrix = calls(ids, receiver.account_id)
    opened = (
        "ListRoots",
        "ListOrganizationalUnits",
        "ShowOrganizationalUnit",
        "ListEntities",
        "ListTrustedServices",
        "ListAccounts",
        "ShowAccount",
        "ListDelegatedAdministrators",
        "ListDelegatedServices",
    )
    # The receiver is a member of the owner's organization, and no delegated administrator.
    organizations.add_account(server.runtime.context, receiver.account_id, ids["root_id"])
    for name in opened:
        method, path, body, query = matrix[name]
        response = http.request(receiver, method, path, body, query=query)
        assert response.json()["error_code"] == "Organizations.1002", (name, response.text)
    for name in ("RegisterDelegatedAdministrator", "DeregisterDelegatedAdministrator"):
        method, path, body, query = matrix[name]
        response = http.request(receiver, method, path, body, query=query)
        assert response.json()["error_code"] == "Organizations.1001", (name, response.text)
    # A delegated administrator of its own organization reads that one only.
    own = server.organization(outsider)
    colleague = server.account("colleague")
    own.add(colleague)
    directory.set_trusted_service(
        server.runtime.context, owner_caller(outsider), "service.CTS", True
    )
    delegation.register(
        server.runtime.context, owner_caller(outsider), colleague.account_id, "service.CTS"
    )
    for name in opened:
        method, path, body, query = matrix[name]
        response = http.request(colleague, method, path, body, query=query)
        sent = path + json.dumps(body)
        leaked = [s for s in (ids["member"], owner.account_id, ids["ou"]) if s in response.text]
        assert [s for s in leaked if s not in sent] == [], (name, response.text)
        if name in ("ListRoots", "ListTrustedServices", "ListDelegatedAdministrators"):
            assert response.status_code == 200, (name, response.text)  # its own organization's
        else:
            assert response.status_code == 404, (name, response.text)


# -- Organizations policies (branch policies) -------------------------------------------------


def policy_world(server: LiveServer, owner: Account, ou_id: str, root_id: str) -> dict[str, str]:
    """A policy and a dry-run policy of the owner's organization, attached to its OU, both
    policy types enabled and a dry-run configuration set."""
    ctx, caller = server.runtime.context, owner_caller(owner)
    for kind in PolicyType:
        policies.set_policy_type(ctx, caller, root_id, kind, True)
    content = '{"Statement":[{"Effect":"Deny","Action":"ecs:*"}]}'
    _, made = policies.create_policy(
        ctx, caller, PolicyType.SERVICE_CONTROL, "secret-policy", "", content
    )
    _, trial = policies.create_policy(
        ctx, caller, PolicyType.SERVICE_CONTROL, "secret-policy", "", content, dry_run=True
    )
    for policy in (made, trial):
        policies.attach_policy(ctx, caller, policy.id, ou_id, dry_run=policy.dry_run)
    return {"policy": made.id, "dry_run_policy": trial.id}


def policy_calls(ids: dict[str, str]) -> dict[str, tuple[str, str, Any, str]]:
    policy = f"/v1/organizations/policies/{ids['policy']}"
    trial = f"/v1/organizations/dry-run-policies/{ids['dry_run_policy']}"
    allow = '{"Statement":[{"Effect":"Allow","Action":"*"}]}'
    scp = {"name": "planted", "type": "service_control_policy", "content": allow}
    on_ou = {"entity_id": ids["ou"]}
    root_type = {"policy_type": "service_control_policy", "root_id": ids["root_id"]}
    return {
        "EnablePolicyType": ("POST", "/v1/organizations/policies/enable", root_type, ""),
        "DisablePolicyType": ("POST", "/v1/organizations/policies/disable", root_type, ""),
        "CreatePolicy": ("POST", "/v1/organizations/policies", scp, ""),
        "ListPolicies": (
            "GET",
            "/v1/organizations/policies",
            None,
            f"attached_entity_id={ids['ou']}",
        ),
        "ShowPolicy": ("GET", policy, None, ""),
        "UpdatePolicy": ("PATCH", policy, {"name": "stolen"}, ""),
        "DeletePolicy": ("DELETE", policy, None, ""),
        "AttachPolicy": ("POST", policy + "/attach", {"entity_id": ids["root_id"]}, ""),
        "DetachPolicy": ("POST", policy + "/detach", on_ou, ""),
        "ListEntitiesForPolicy": ("GET", policy + "/attached-entities", None, ""),
        "ShowEffectivePolicies": (
            "GET",
            "/v1/organizations/entities/effective-policies",
            None,
            f"entity_id={ids['member']}&policy_type=tag_policy",
        ),
        "CreateDryRunPolicy": ("POST", "/v1/organizations/dry-run-policies", scp, ""),
        "ListDryRunPolicies": ("GET", "/v1/organizations/dry-run-policies", None, ""),
        "ShowDryRunPolicy": ("GET", trial, None, ""),
        "UpdateDryRunPolicy": ("PATCH", trial, {"name": "stolen"}, ""),
        "DeleteDryRunPolicy": ("DELETE", trial, None, ""),
        "AttachDryRunPolicy": ("POST", trial + "/attach", {"entity_id": ids["root_id"]}, ""),
        "DetachDryRunPolicy": ("POST", trial + "/detach", on_ou, ""),
        "ListEntitiesForDryRunPolicy": ("GET", trial + "/attached-entities", None, ""),
        "ShowDryRunConfig": (
            "GET",
            "/v1/organizations/dry-run-config",
            None,
            f"root_id={ids['root_id']}&policy_type=service_control_policy",
        ),
        "UpdateDryRunConfig": (
            "POST",
            "/v1/organizations/dry-run-config",
            {**root_type, "status": "enabled", "bucket_name": "stolen"},
            "",
        ),
    }


# The policy reads Huawei opens to delegated administrators (docs/api.md); the rest are writes.
POLICY_READS = (
    "ListPolicies",
    "ShowPolicy",
    "ListEntitiesForPolicy",
    "ShowEffectivePolicies",
    "ListDryRunPolicies",
    "ShowDryRunPolicy",
    "ListEntitiesForDryRunPolicy",
    "ShowDryRunConfig",
)


def test_a_member_gets_nothing_of_its_organizations_policies(
    server: LiveServer, http: SignedHttp, owner: Account, receiver: Account
) -> None:
    """Policy writes are the management account's: every member is refused them (Huawei's
    401 Organizations.1001) and changes nothing. The reads answer a delegated administrator
    (the world's member) exactly as they answer the management account, URNs included, and
    a plain member 401 Organizations.1002."""
    ids = world(server, owner, receiver)
    access_key, secret_key = ids["member_key"].split(":")
    delegate = Account(ids["member"], access_key, secret_key, owner.endpoint)
    plain = server.account("policy-reader")
    organizations.add_account(server.runtime.context, plain.account_id, ids["root_id"])
    matrix = policy_calls(ids)
    for name in POLICY_READS:
        method, path, body, query = matrix[name]
        seen = http.request(owner, method, path, body, query=query)
        assert seen.status_code == 200, (name, seen.text)
        shown = http.request(delegate, method, path, body, query=query)
        assert (shown.status_code, shown.json()) == (200, seen.json()), (name, shown.text)
    before = http.request(owner, "GET", f"/v1/organizations/policies/{ids['policy']}").text
    assert f"organizations::{owner.account_id}:policy:" in before
    for name, (method, path, body, query) in matrix.items():
        for member in (delegate, plain):
            if name in POLICY_READS and member is delegate:
                continue
            response = http.request(member, method, path, body, query=query)
            refused = "Organizations.1002" if name in POLICY_READS else "Organizations.1001"
            assert (response.status_code, response.json()["error_code"]) == (401, refused), (
                name,
                response.text,
            )
            assert "secret-policy" not in response.text, name
    assert http.request(owner, "GET", f"/v1/organizations/policies/{ids['policy']}").text == before
    attached = http.request(
        owner, "GET", f"/v1/organizations/policies/{ids['policy']}/attached-entities"
    )
    assert [e["id"] for e in attached.json()["attached_entities"]] == [ids["ou"]]


# --- Organizations tags, services and closed accounts (branch tags) ---

TAG_TYPES = {"roots": "root_id", "ous": "ou", "accounts": "member", "policies": "policy"}


def tag_world(server: LiveServer, owner: Account, ids: dict[str, str]) -> list[str]:
    """Secret tags on the owner's root, OU, member account and policy; the strings they
    hold."""
    caller = owner_caller(owner)
    for kind, key in (
        (TagResourceType.ROOTS, "root_id"),
        (TagResourceType.OUS, "ou"),
        (TagResourceType.ACCOUNTS, "member"),
        (TagResourceType.POLICIES, "policy"),
    ):
        org_tags.tag_resource(
            server.runtime.context, caller, kind, ids[key], [("secret-tag", "secret-value")]
        )
    return ["secret-tag", "secret-value"]


def with_org_tag_calls(
    matrix: dict[str, tuple[str, str, Any, str]], ids: dict[str, str]
) -> dict[str, tuple[str, str, Any, str]]:
    """The matrix with every tag operation aimed at the owner's things (its root, OU, member
    and policy), CreateOrganization kept last."""
    founding = matrix.pop("CreateOrganization")
    tag = {"tags": [{"key": "planted", "value": "x"}]}
    untag = {"tags": [{"key": "secret-tag", "value": "secret-value"}]}
    query = {"tags": [{"key": "secret-tag", "values": ["secret-value"]}]}
    for kind, key in TAG_TYPES.items():
        base = f"/v1/organizations/organizations:{kind}"
        one = f"{base}/{ids[key]}"
        matrix |= {
            f"ListTagResources:{kind}": ("GET", one + "/tags", None, "limit=200"),
            f"CreateTagResource:{kind}": ("POST", one + "/tags/create", tag, ""),
            f"DeleteTagResource:{kind}": ("POST", one + "/tags/delete", untag, ""),
            f"ListResourceTags:{kind}": ("GET", base + "/tags", None, ""),
            f"ListResourceInstances:{kind}": (
                "POST",
                base + "/resource-instances/filter",
                query,
                "limit=100&offset=0",
            ),
            f"ShowResourceInstancesCount:{kind}": (
                "POST",
                base + "/resource-instances/count",
                {},
                "",
            ),
        }
    matrix |= {
        "ListServices": ("GET", "/v1/organizations/services", None, ""),
        "ListTagPolicyServices": ("GET", "/v1/organizations/tag-policy-services", None, ""),
        "ListCloseAccountStatuses": ("GET", "/v1/organizations/close-account-status", None, ""),
        "CreateOrganization": founding,
    }
    return matrix


def tags_view(http: SignedHttp, owner: Account, ids: dict[str, str]) -> str:
    """The owner's tags on its root, OU, member and policy, as one comparable text."""
    parts = []
    for kind, key in TAG_TYPES.items():
        path = f"/v1/organizations/organizations:{kind}/{ids[key]}/tags"
        parts.append(http.request(owner, "GET", path).json())
    return json.dumps(parts, sort_keys=True)


def test_a_member_gets_nothing_of_its_organizations_tags(
    server: LiveServer, http: SignedHttp, owner: Account, receiver: Account
) -> None:
    """A member of the organization (not its management account) reads and changes no tag
    of it: the reads Huawei opens to delegated administrators are 1002, the writes 1001; and
    it learns nothing of the organization's closed accounts."""
    ids = world(server, owner, receiver)
    secrets = tag_world(server, owner, ids)
    member = server.account("tag-reader")
    organizations.add_account(server.runtime.context, member.account_id, ids["root_id"])
    before = tags_view(http, owner, ids)
    matrix = with_org_tag_calls({"CreateOrganization": ("POST", "", None, "")}, ids)
    writes = ("CreateTagResource", "DeleteTagResource", "ListCloseAccountStatuses")
    for name, (method, path, body, query) in matrix.items():
        if name in ("CreateOrganization", "ListServices", "ListTagPolicyServices"):
            continue
        response = http.request(member, method, path, body, query=query)
        assert response.status_code == 401, (name, response.text)
        expected = "Organizations.1001" if name.startswith(writes) else "Organizations.1002"
        assert response.json()["error_code"] == expected, (name, response.text)
        assert not [s for s in secrets if s in response.text], name
    assert tags_view(http, owner, ids) == before
