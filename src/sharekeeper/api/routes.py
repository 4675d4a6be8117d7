"""The whole route table, in one place: each operation with Huawei's name, its route, its
handler (in the module of its topic, whose signature declares the wire types that are decoded,
encoded and published in /openapi.json), the status of its success and whether it writes.
Literal segments come before ``{id}`` segments that share their prefix
(``/v1/resource-shares/search`` before ``…/{id}``)."""

from __future__ import annotations

from sharekeeper.api import (
    associations,
    catalogue,
    decisions,
    delegation,
    discovery,
    invitations,
    members,
    org_tags,
    organization_sharing,
    organizations,
    permissions,
    policies,
    shares,
    snapshot,
    tags,
    views,
)
from sharekeeper.api.http.endpoint import Operation

SHARE = "/v1/resource-shares/{resource_share_id}"
INVITATION = "/v1/resource-share-invitations/{resource_share_invitation_id}"
PERMISSION = "/v1/permissions/{permission_id}"
OU_LIST = "/v1/organizations/organizational-units"
OU = OU_LIST + "/{organizational_unit_id}"
TRUSTED_SERVICES = "/v1/organizations/trusted-services"
ACCOUNTS = "/v1/organizations/accounts"
ACCOUNT = ACCOUNTS + "/{account_id}"
HANDSHAKE = "/v1/organizations/handshakes/{handshake_id}"
RECEIVED = "/v1/received-handshakes"
STATUSES = "/v1/organizations/create-account-status"
DELEGATED = "/v1/organizations/delegated-administrators"
POLICIES = "/v1/organizations/policies"
DRY_RUN_POLICIES = "/v1/organizations/dry-run-policies"
_ = Operation

OPERATIONS: tuple[Operation, ...] = (
    _("ListPermissions", "GET", "/v1/permissions", catalogue.list_permissions),
    _("ShowPermission", "GET", PERMISSION, catalogue.show_permission),
    _(
        "ListPermissionVersions",
        "GET",
        PERMISSION + "/versions",
        catalogue.list_permission_versions,
    ),
    _("ListResourceTypes", "GET", "/v1/resource-types", catalogue.list_resource_types),
    _(
        "CreateResourceShare",
        "POST",
        "/v1/resource-shares",
        shares.create_resource_share,
        status=201,
        writes=True,
    ),
    _("SearchResourceShares", "POST", "/v1/resource-shares/search", shares.search_resource_shares),
    _("ListQuota", "GET", "/v1/resource-shares/quotas", shares.list_quotas),
    _("ListResourceShareTags", "GET", "/v1/resource-shares/tags", tags.list_tags),
    _(
        "ListResourceSharesByTags",
        "POST",
        "/v1/resource-shares/resource-instances/filter",
        tags.find_shares_by_tags,
    ),
    _(
        "SearchResourceShareCountByTags",
        "POST",
        "/v1/resource-shares/resource-instances/count",
        tags.count_shares_by_tags,
    ),
    _("UpdateResourceShare", "PUT", SHARE, shares.update_resource_share, writes=True),
    # Huawei's action list names PATCH for the same update; accepting both costs nothing.
    _("UpdateResourceShareByPatch", "PATCH", SHARE, shares.update_resource_share, writes=True),
    _(
        "DeleteResourceShare",
        "DELETE",
        SHARE,
        shares.delete_resource_share,
        status=204,
        writes=True,
    ),
    _(
        "AssociateResourceShare",
        "POST",
        SHARE + "/associate",
        associations.associate_resource_share,
        writes=True,
    ),
    _(
        "DisassociateResourceShare",
        "POST",
        SHARE + "/disassociate",
        associations.disassociate_resource_share,
        writes=True,
    ),
    _(
        "AssociateResourceSharePermission",
        "POST",
        SHARE + "/associate-permission",
        permissions.associate_share_permission,
        writes=True,
    ),
    _(
        "DisassociateResourceSharePermission",
        "POST",
        SHARE + "/disassociate-permission",
        permissions.disassociate_share_permission,
        writes=True,
    ),
    _(
        "ListResourceSharePermissions",
        "GET",
        SHARE + "/associated-permissions",
        permissions.list_share_permissions,
    ),
    _(
        "BatchCreateResourceShareTags",
        "POST",
        SHARE + "/tags/create",
        tags.tag_resource_share,
        writes=True,
    ),
    _(
        "BatchDeleteResourceShareTags",
        "POST",
        SHARE + "/tags/delete",
        tags.untag_resource_share,
        writes=True,
    ),
    _(
        "SearchResourceShareAssociations",
        "POST",
        "/v1/resource-share-associations/search",
        associations.search_resource_share_associations,
    ),
    _(
        "SearchResourceShareInvitation",
        "POST",
        "/v1/resource-share-invitations/search",
        invitations.search_invitations,
    ),
    _(
        "AcceptResourceShareInvitation",
        "POST",
        INVITATION + "/accept",
        invitations.accept_invitation,
        writes=True,
    ),
    _(
        "RejectResourceShareInvitation",
        "POST",
        INVITATION + "/reject",
        invitations.reject_invitation,
        writes=True,
    ),
    _(
        "SearchSharedResources",
        "POST",
        "/v1/shared-resources/search",
        views.search_shared_resources,
    ),
    _(
        "SearchDistinctSharedResources",
        "POST",
        "/v1/shared-resources/search-distinct-resource",
        views.search_distinct_resources,
    ),
    _(
        "SearchSharedPrincipals",
        "POST",
        "/v1/shared-principals/search",
        views.search_shared_principals,
    ),
    _(
        "SearchDistinctPrincipals",
        "POST",
        "/v1/shared-principals/search-distinct-principal",
        views.search_distinct_principals,
    ),
    _(
        "ShowOrganizationShare",
        "GET",
        "/v1/organization-share",
        organization_sharing.show_organization_share,
    ),
    _(
        "EnableOrganizationShare",
        "POST",
        "/v1/organization-share/enable",
        organization_sharing.enable_organization_share,
        writes=True,
    ),
    _(
        "DisableOrganizationShare",
        "POST",
        "/v1/organization-share/disable",
        organization_sharing.disable_organization_share,
        writes=True,
    ),
    # Organizations v1 (api/organizations.py): the directory RAM's organization sharing uses.
    _(
        "CreateOrganization",
        "POST",
        "/v1/organizations",
        organizations.create_organization,
        status=201,
        writes=True,
    ),
    _("ShowOrganization", "GET", "/v1/organizations", organizations.show_organization),
    _(
        "DeleteOrganization",
        "DELETE",
        "/v1/organizations",
        organizations.delete_organization,
        status=204,
        writes=True,
    ),
    _("ListRoots", "GET", "/v1/organizations/roots", organizations.list_roots),
    _(
        "CreateOrganizationalUnit",
        "POST",
        OU_LIST,
        organizations.create_organizational_unit,
        status=201,
        writes=True,
    ),
    _("ListOrganizationalUnits", "GET", OU_LIST, organizations.list_organizational_units),
    _("ShowOrganizationalUnit", "GET", OU, organizations.show_organizational_unit),
    _(
        "UpdateOrganizationalUnit",
        "PATCH",
        OU,
        organizations.update_organizational_unit,
        writes=True,
    ),
    _(
        "DeleteOrganizationalUnit",
        "DELETE",
        OU,
        organizations.delete_organizational_unit,
        status=204,
        writes=True,
    ),
    _("ListEntities", "GET", "/v1/organizations/entities", organizations.list_entities),
    _(
        "EnableTrustedService",
        "POST",
        TRUSTED_SERVICES + "/enable",
        organizations.enable_trusted_service,
        writes=True,
    ),
    _(
        "DisableTrustedService",
        "POST",
        TRUSTED_SERVICES + "/disable",
        organizations.disable_trusted_service,
        writes=True,
    ),
    _("ListTrustedServices", "GET", TRUSTED_SERVICES, organizations.list_trusted_services),
    _("ListQuotas", "GET", "/v1/organizations/quotas", organizations.list_quotas),
    _(
        "LeaveOrganization",
        "POST",
        "/v1/organizations/leave",
        members.leave_organization,
        writes=True,
    ),
    _("InviteAccount", "POST", ACCOUNTS + "/invite", members.invite_account, writes=True),
    _("CreateAccount", "POST", ACCOUNTS, members.create_account, status=201, writes=True),
    # Terraform's provider creates an account without email or phone through v2.
    _(
        "CreateAccountV2",
        "POST",
        "/v2/organizations/accounts",
        members.create_account,
        status=201,
        writes=True,
    ),
    _("ListAccounts", "GET", ACCOUNTS, members.list_accounts),
    _("ShowAccount", "GET", ACCOUNT, members.show_account),
    _("MoveAccount", "POST", ACCOUNT + "/move", members.move_account, writes=True),
    _("RemoveAccount", "POST", ACCOUNT + "/remove", members.remove_account, writes=True),
    _("UpdateAccount", "PATCH", ACCOUNT, members.update_account, writes=True),
    _("CloseAccount", "POST", ACCOUNT + "/close", members.close_account, writes=True),
    _("ListHandshakes", "GET", "/v1/organizations/handshakes", members.list_handshakes),
    _("ShowHandshake", "GET", HANDSHAKE, members.show_handshake),
    _("CancelHandshake", "POST", HANDSHAKE + "/cancel", members.cancel_handshake, writes=True),
    _("ListReceivedHandshakes", "GET", RECEIVED, members.list_received_handshakes),
    _(
        "AcceptHandshake",
        "POST",
        RECEIVED + "/{handshake_id}/accept",
        members.accept_handshake,
        writes=True,
    ),
    _(
        "DeclineHandshake",
        "POST",
        RECEIVED + "/{handshake_id}/decline",
        members.decline_handshake,
        writes=True,
    ),
    _("ListCreateAccountStatuses", "GET", STATUSES, members.list_create_account_statuses),
    _(
        "ShowCreateAccountStatus",
        "GET",
        STATUSES + "/{create_account_status_id}",
        members.show_create_account_status,
    ),
    # Delegated administrators (api/delegation.py).
    _(
        "RegisterDelegatedAdministrator",
        "POST",
        DELEGATED + "/register",
        delegation.register_delegated_administrator,
        status=201,
        writes=True,
    ),
    _(
        "DeregisterDelegatedAdministrator",
        "POST",
        DELEGATED + "/deregister",
        delegation.deregister_delegated_administrator,
        writes=True,
    ),
    _(
        "ListDelegatedAdministrators",
        "GET",
        DELEGATED,
        delegation.list_delegated_administrators,
    ),
    _(
        "ListDelegatedServices",
        "GET",
        ACCOUNT + "/delegated-services",
        delegation.list_delegated_services,
    ),
    # Organizations policies and dry-run policies (api/policies.py).
    _(
        "EnablePolicyType",
        "POST",
        POLICIES + "/enable",
        policies.enable_policy_type,
        status=202,
        writes=True,
    ),
    _(
        "DisablePolicyType",
        "POST",
        POLICIES + "/disable",
        policies.disable_policy_type,
        status=202,
        writes=True,
    ),
    _("CreatePolicy", "POST", POLICIES, policies.create_policy, status=201, writes=True),
    _("ListPolicies", "GET", POLICIES, policies.list_policies),
    _("ShowPolicy", "GET", POLICIES + "/{policy_id}", policies.show_policy),
    _("UpdatePolicy", "PATCH", POLICIES + "/{policy_id}", policies.update_policy, writes=True),
    _(
        "DeletePolicy",
        "DELETE",
        POLICIES + "/{policy_id}",
        policies.delete_policy,
        status=204,
        writes=True,
    ),
    _(
        "AttachPolicy",
        "POST",
        POLICIES + "/{policy_id}/attach",
        policies.attach_policy,
        writes=True,
    ),
    _(
        "DetachPolicy",
        "POST",
        POLICIES + "/{policy_id}/detach",
        policies.detach_policy,
        writes=True,
    ),
    _(
        "ListEntitiesForPolicy",
        "GET",
        POLICIES + "/{policy_id}/attached-entities",
        policies.list_entities_for_policy,
    ),
    _(
        "ShowEffectivePolicies",
        "GET",
        "/v1/organizations/entities/effective-policies",
        policies.show_effective_policies,
    ),
    _(
        "CreateDryRunPolicy",
        "POST",
        DRY_RUN_POLICIES,
        policies.create_dry_run_policy,
        status=201,
        writes=True,
    ),
    _("ListDryRunPolicies", "GET", DRY_RUN_POLICIES, policies.list_dry_run_policies),
    _("ShowDryRunPolicy", "GET", DRY_RUN_POLICIES + "/{policy_id}", policies.show_dry_run_policy),
    _(
        "UpdateDryRunPolicy",
        "PATCH",
        DRY_RUN_POLICIES + "/{policy_id}",
        policies.update_dry_run_policy,
        writes=True,
    ),
    _(
        "DeleteDryRunPolicy",
        "DELETE",
        DRY_RUN_POLICIES + "/{policy_id}",
        policies.delete_dry_run_policy,
        status=204,
        writes=True,
    ),
    _(
        "AttachDryRunPolicy",
        "POST",
        DRY_RUN_POLICIES + "/{policy_id}/attach",
        policies.attach_dry_run_policy,
        writes=True,
    ),
    _(
        "DetachDryRunPolicy",
        "POST",
        DRY_RUN_POLICIES + "/{policy_id}/detach",
        policies.detach_dry_run_policy,
        writes=True,
    ),
    _(
        "ListEntitiesForDryRunPolicy",
        "GET",
        DRY_RUN_POLICIES + "/{policy_id}/attached-entities",
        policies.list_entities_for_dry_run_policy,
    ),
    _("ShowDryRunConfig", "GET", "/v1/organizations/dry-run-config", policies.show_dry_run_config),
    _(
        "UpdateDryRunConfig",
        "POST",
        "/v1/organizations/dry-run-config",
        policies.update_dry_run_config,
        writes=True,
    ),
    # The IAM and STS calls clients make before RAM (api/discovery.py).
    _("KeystoneListAuthDomains", "GET", "/v3/auth/domains", discovery.list_auth_domains),
    _("KeystoneListProjects", "GET", "/v3/projects", discovery.list_projects),
    _("GetCallerIdentity", "GET", "/v5/caller-identity", discovery.show_caller_identity),
    # Organizations tags (one route per resource type), services and closed accounts
    # (api/org_tags.py).
    *org_tags.routes(),
    _("ListServices", "GET", "/v1/organizations/services", org_tags.list_services),
    _(
        "ListTagPolicyServices",
        "GET",
        "/v1/organizations/tag-policy-services",
        org_tags.list_tag_policy_services,
    ),
    _(
        "ListCloseAccountStatuses",
        "GET",
        "/v1/organizations/close-account-status",
        org_tags.list_close_account_statuses,
    ),
)

# ShareKeeper's own operations for resource services (api/decisions.py, docs/enforcement.md):
# signed by service principals' keys, refused to account keys. Apart from OPERATIONS, which
# are Huawei's (the isolation matrix and /openapi.json cover those).
DECISION_OPERATIONS: tuple[Operation, ...] = (
    _("Authorize", "POST", "/sharekeeper/v1/authorize", decisions.authorize, service_key=True),
    _(
        "ListAccessibleResources",
        "POST",
        "/sharekeeper/v1/accessible-resources",
        decisions.accessible_resources,
        service_key=True,
    ),
    _("ShowSnapshot", "GET", "/sharekeeper/v1/snapshot", snapshot.show_snapshot, service_key=True),
)
