"""The whole route table, in one place. Literal segments come before ``{id}`` segments that
share their prefix (``/v1/resource-shares/search`` before ``/v1/resource-shares/{id}``)."""

from __future__ import annotations

from sharekeeper.api import handlers as h
from sharekeeper.api import more_handlers as m
from sharekeeper.api.endpoint import Handler

SHARE = "/v1/resource-shares/{resource_share_id}"
INVITATION = "/v1/resource-share-invitations/{resource_share_invitation_id}"

ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/v1/permissions", h.list_permissions),
    ("GET", "/v1/permissions/{permission_id}", h.show_permission),
    ("GET", "/v1/permissions/{permission_id}/versions", h.list_permission_versions),
    ("GET", "/v1/resource-types", h.list_resource_types),
    ("POST", "/v1/resource-shares", h.create_resource_share),
    ("POST", "/v1/resource-shares/search", h.search_resource_shares),
    ("GET", "/v1/resource-shares/quotas", m.list_quotas),
    ("GET", "/v1/resource-shares/tags", m.list_tags),
    ("POST", "/v1/resource-shares/resource-instances/filter", m.find_shares_by_tags),
    ("POST", "/v1/resource-shares/resource-instances/count", m.count_shares_by_tags),
    ("PUT", SHARE, h.update_resource_share),
    # Huawei's action list names PATCH for the same update; accepting both costs nothing.
    ("PATCH", SHARE, h.update_resource_share),
    ("DELETE", SHARE, h.delete_resource_share),
    ("POST", SHARE + "/associate", h.associate_resource_share),
    ("POST", SHARE + "/disassociate", h.disassociate_resource_share),
    ("POST", SHARE + "/associate-permission", m.associate_share_permission),
    ("POST", SHARE + "/disassociate-permission", m.disassociate_share_permission),
    ("GET", SHARE + "/associated-permissions", m.list_share_permissions),
    ("POST", SHARE + "/tags/create", m.tag_resource_share),
    ("POST", SHARE + "/tags/delete", m.untag_resource_share),
    ("POST", "/v1/resource-share-associations/search", h.search_resource_share_associations),
    ("POST", "/v1/resource-share-invitations/search", h.search_invitations),
    ("POST", INVITATION + "/accept", h.accept_invitation),
    ("POST", INVITATION + "/reject", h.reject_invitation),
    ("POST", "/v1/shared-resources/search", m.search_shared_resources),
    ("POST", "/v1/shared-resources/search-distinct-resource", m.search_distinct_resources),
    ("POST", "/v1/shared-principals/search", m.search_shared_principals),
    ("POST", "/v1/shared-principals/search-distinct-principal", m.search_distinct_principals),
    ("GET", "/v1/organization-share", m.show_organization_share),
    ("POST", "/v1/organization-share/enable", m.enable_organization_share),
    ("POST", "/v1/organization-share/disable", m.disable_organization_share),
)
