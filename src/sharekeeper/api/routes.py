"""The whole route table, in one place: each operation with Huawei's name, its handler and its
wire types (from which /openapi.json is generated). Literal segments come before ``{id}``
segments that share their prefix (``/v1/resource-shares/search`` before ``…/{id}``)."""

from __future__ import annotations

from sharekeeper.api import discovery as d
from sharekeeper.api import handlers as h
from sharekeeper.api import more_handlers as m
from sharekeeper.api import schemas as w
from sharekeeper.api.endpoint import Operation

SHARE = "/v1/resource-shares/{resource_share_id}"
INVITATION = "/v1/resource-share-invitations/{resource_share_invitation_id}"
PERMISSION = "/v1/permissions/{permission_id}"
_ = Operation

OPERATIONS: tuple[Operation, ...] = (
    _(
        "ListPermissions",
        "GET",
        "/v1/permissions",
        h.list_permissions,
        query=w.ListPermissionsQuery,
        reply=w.PermissionsReply,
    ),
    _(
        "ShowPermission",
        "GET",
        PERMISSION,
        h.show_permission,
        query=w.ShowPermissionQuery,
        reply=w.PermissionReply,
    ),
    _(
        "ListPermissionVersions",
        "GET",
        PERMISSION + "/versions",
        h.list_permission_versions,
        query=w.PageQuery,
        reply=w.PermissionsReply,
    ),
    _(
        "ListResourceTypes",
        "GET",
        "/v1/resource-types",
        h.list_resource_types,
        query=w.PageQuery,
        reply=w.ResourceTypesReply,
    ),
    _(
        "CreateResourceShare",
        "POST",
        "/v1/resource-shares",
        h.create_resource_share,
        status=201,
        body=w.CreateResourceShareBody,
        reply=w.ResourceShareReply,
    ),
    _(
        "SearchResourceShares",
        "POST",
        "/v1/resource-shares/search",
        h.search_resource_shares,
        body=w.SearchResourceSharesBody,
        reply=w.ResourceSharesReply,
    ),
    _("ListQuota", "GET", "/v1/resource-shares/quotas", m.list_quotas, reply=w.QuotasReply),
    _(
        "ListResourceShareTags",
        "GET",
        "/v1/resource-shares/tags",
        m.list_tags,
        query=w.ListTagsQuery,
        reply=w.TagsReply,
    ),
    _(
        "ListResourceSharesByTags",
        "POST",
        "/v1/resource-shares/resource-instances/filter",
        m.find_shares_by_tags,
        query=w.FilterPageQuery,
        body=w.TagQueryBody,
        reply=w.TaggedSharesReply,
    ),
    _(
        "SearchResourceShareCountByTags",
        "POST",
        "/v1/resource-shares/resource-instances/count",
        m.count_shares_by_tags,
        body=w.TagQueryBody,
        reply=w.CountReply,
    ),
    _(
        "UpdateResourceShare",
        "PUT",
        SHARE,
        h.update_resource_share,
        body=w.UpdateResourceShareBody,
        reply=w.ResourceShareReply,
    ),
    # Huawei's action list names PATCH for the same update; accepting both costs nothing.
    _(
        "UpdateResourceShareByPatch",
        "PATCH",
        SHARE,
        h.update_resource_share,
        body=w.UpdateResourceShareBody,
        reply=w.ResourceShareReply,
    ),
    _("DeleteResourceShare", "DELETE", SHARE, h.delete_resource_share, status=204),
    _(
        "AssociateResourceShare",
        "POST",
        SHARE + "/associate",
        h.associate_resource_share,
        body=w.AssociationBody,
        reply=w.AssociationsReply,
    ),
    _(
        "DisassociateResourceShare",
        "POST",
        SHARE + "/disassociate",
        h.disassociate_resource_share,
        body=w.AssociationBody,
        reply=w.AssociationsReply,
    ),
    _(
        "AssociateResourceSharePermission",
        "POST",
        SHARE + "/associate-permission",
        m.associate_share_permission,
        body=w.AssociatePermissionBody,
    ),
    _(
        "DisassociateResourceSharePermission",
        "POST",
        SHARE + "/disassociate-permission",
        m.disassociate_share_permission,
        body=w.DisassociatePermissionBody,
    ),
    _(
        "ListResourceSharePermissions",
        "GET",
        SHARE + "/associated-permissions",
        m.list_share_permissions,
        query=w.ListSharePermissionsQuery,
        reply=w.AssociatedPermissionsReply,
    ),
    _(
        "BatchCreateResourceShareTags",
        "POST",
        SHARE + "/tags/create",
        m.tag_resource_share,
        body=w.TagsBody,
    ),
    _(
        "BatchDeleteResourceShareTags",
        "POST",
        SHARE + "/tags/delete",
        m.untag_resource_share,
        body=w.UntagBody,
    ),
    _(
        "SearchResourceShareAssociations",
        "POST",
        "/v1/resource-share-associations/search",
        h.search_resource_share_associations,
        body=w.SearchAssociationsBody,
        reply=w.AssociationsPageReply,
    ),
    _(
        "SearchResourceShareInvitation",
        "POST",
        "/v1/resource-share-invitations/search",
        h.search_invitations,
        body=w.SearchInvitationsBody,
        reply=w.InvitationsReply,
    ),
    _(
        "AcceptResourceShareInvitation",
        "POST",
        INVITATION + "/accept",
        h.accept_invitation,
        reply=w.InvitationReply,
    ),
    _(
        "RejectResourceShareInvitation",
        "POST",
        INVITATION + "/reject",
        h.reject_invitation,
        reply=w.InvitationReply,
    ),
    _(
        "SearchSharedResources",
        "POST",
        "/v1/shared-resources/search",
        m.search_shared_resources,
        body=w.SharedResourcesBody,
        reply=w.SharedResourcesReply,
    ),
    _(
        "SearchDistinctSharedResources",
        "POST",
        "/v1/shared-resources/search-distinct-resource",
        m.search_distinct_resources,
        body=w.DistinctResourcesBody,
        reply=w.DistinctResourcesReply,
    ),
    _(
        "SearchSharedPrincipals",
        "POST",
        "/v1/shared-principals/search",
        m.search_shared_principals,
        body=w.SharedPrincipalsBody,
        reply=w.SharedPrincipalsReply,
    ),
    _(
        "SearchDistinctPrincipals",
        "POST",
        "/v1/shared-principals/search-distinct-principal",
        m.search_distinct_principals,
        body=w.DistinctPrincipalsBody,
        reply=w.DistinctPrincipalsReply,
    ),
    _(
        "ShowOrganizationShare",
        "GET",
        "/v1/organization-share",
        m.show_organization_share,
        reply=w.OrganizationShareReply,
    ),
    _(
        "EnableOrganizationShare",
        "POST",
        "/v1/organization-share/enable",
        m.enable_organization_share,
    ),
    _(
        "DisableOrganizationShare",
        "POST",
        "/v1/organization-share/disable",
        m.disable_organization_share,
    ),
    # The IAM and STS calls clients make before RAM (api/discovery.py).
    _(
        "KeystoneListAuthDomains",
        "GET",
        "/v3/auth/domains",
        d.list_auth_domains,
        reply=d.DomainsReply,
    ),
    _(
        "KeystoneListProjects",
        "GET",
        "/v3/projects",
        d.list_projects,
        query=d.ProjectsQuery,
        reply=d.ProjectsReply,
    ),
    _(
        "GetCallerIdentity",
        "GET",
        "/v5/caller-identity",
        d.show_caller_identity,
        reply=d.CallerIdentityReply,
    ),
)
