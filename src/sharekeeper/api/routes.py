"""The whole route table, in one place: each operation with Huawei's name, its route, its
handler (in the module of its topic, whose signature declares the wire types that are decoded,
encoded and published in /openapi.json), the status of its success and whether it writes.
Literal segments come before ``{id}`` segments that share their prefix
(``/v1/resource-shares/search`` before ``…/{id}``)."""

from __future__ import annotations

from sharekeeper.api import (
    associations,
    catalogue,
    discovery,
    invitations,
    organization_sharing,
    permissions,
    shares,
    tags,
    views,
)
from sharekeeper.api.endpoint import Operation

SHARE = "/v1/resource-shares/{resource_share_id}"
INVITATION = "/v1/resource-share-invitations/{resource_share_invitation_id}"
PERMISSION = "/v1/permissions/{permission_id}"
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
    # The IAM and STS calls clients make before RAM (api/discovery.py).
    _("KeystoneListAuthDomains", "GET", "/v3/auth/domains", discovery.list_auth_domains),
    _("KeystoneListProjects", "GET", "/v3/projects", discovery.list_projects),
    _("GetCallerIdentity", "GET", "/v5/caller-identity", discovery.show_caller_identity),
)
