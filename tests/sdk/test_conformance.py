"""Every success response of a core operation validates against Huawei's OpenAPI file for it,
on full and on empty pages."""

from __future__ import annotations

from typing import Any

from huaweicloudsdkram.v1 import (
    AcceptResourceShareInvitationRequest,
    AssociateResourceShareRequest,
    CreateResourceShareReqBody,
    CreateResourceShareRequest,
    DeleteResourceShareRequest,
    DisassociateResourceShareRequest,
    ListPermissionsRequest,
    ListPermissionVersionsRequest,
    ListResourceTypesRequest,
    RejectResourceShareInvitationRequest,
    ResourceShareAssociationReqBody,
    SearchResourceShareAssociationsReqBody,
    SearchResourceShareAssociationsRequest,
    SearchResourceShareInvitationReqBody,
    SearchResourceShareInvitationRequest,
    SearchResourceSharesReqBody,
    SearchResourceSharesRequest,
    ShowPermissionRequest,
    Tag,
    UpdateResourceShareReqBody,
    UpdateResourceShareRequest,
)

from tests.oas import check
from tests.support import Account, LiveServer

SUBNET_DEFAULT = "0bab42d4-5008-52be-83fa-7b947b8a5c95"


def conforms(operation: str, response: Any) -> Any:
    check(operation, response.status_code, response.raw_content)
    return response


def test_every_core_operation_answers_in_the_official_schema(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    ram = owner.ram
    conforms("ListPermissions", ram.list_permissions(ListPermissionsRequest(limit=1)))
    conforms("ListPermissions", ram.list_permissions(ListPermissionsRequest(resource_type="none")))
    conforms(
        "ShowPermission", ram.show_permission(ShowPermissionRequest(permission_id=SUBNET_DEFAULT))
    )
    conforms(
        "ListPermissionVersions",
        ram.list_permission_versions(ListPermissionVersionsRequest(permission_id=SUBNET_DEFAULT)),
    )
    conforms("ListResourceTypes", ram.list_resource_types(ListResourceTypesRequest(limit=2)))

    body = CreateResourceShareReqBody(
        name="共享-conformance_1.0",
        principals=[receiver.account_id, outsider.account_id],
        resource_urns=[owner.urn("subnet-c")],
        tags=[Tag(key="环境 env", value=""), Tag(key="k", value="a/b:c")],
    )
    created = conforms(
        "CreateResourceShare", ram.create_resource_share(CreateResourceShareRequest(body=body))
    )
    share_id = created.resource_share.id
    conforms(
        "UpdateResourceShare",
        ram.update_resource_share(
            UpdateResourceShareRequest(
                resource_share_id=share_id,
                body=UpdateResourceShareReqBody(name="renamed", description="now described"),
            )
        ),
    )
    for who in ("self", "other-accounts"):
        conforms(
            "SearchResourceShares",
            ram.search_resource_shares(
                SearchResourceSharesRequest(body=SearchResourceSharesReqBody(resource_owner=who))
            ),
        )
    conforms(
        "AssociateResourceShare",
        ram.associate_resource_share(
            AssociateResourceShareRequest(
                resource_share_id=share_id,
                body=ResourceShareAssociationReqBody(resource_urns=[owner.urn("subnet-d")]),
            )
        ),
    )
    for kind in ("principal", "resource"):
        conforms(
            "SearchResourceShareAssociations",
            ram.search_resource_share_associations(
                SearchResourceShareAssociationsRequest(
                    body=SearchResourceShareAssociationsReqBody(association_type=kind)
                )
            ),
        )
    found = conforms(
        "SearchResourceShareInvitation",
        receiver.ram.search_resource_share_invitation(
            SearchResourceShareInvitationRequest(
                body=SearchResourceShareInvitationReqBody(resource_share_ids=[share_id])
            )
        ),
    )
    conforms(
        "SearchResourceShareInvitation",
        receiver.ram.search_resource_share_invitation(
            SearchResourceShareInvitationRequest(
                body=SearchResourceShareInvitationReqBody(status="no-such-status")
            )
        ),
    )
    (invitation,) = found.resource_share_invitations
    conforms(
        "AcceptResourceShareInvitation",
        receiver.ram.accept_resource_share_invitation(
            AcceptResourceShareInvitationRequest(
                resource_share_invitation_id=invitation.resource_share_invitation_id
            )
        ),
    )
    (other,) = outsider.ram.search_resource_share_invitation(
        SearchResourceShareInvitationRequest(body=SearchResourceShareInvitationReqBody())
    ).resource_share_invitations
    conforms(
        "RejectResourceShareInvitation",
        outsider.ram.reject_resource_share_invitation(
            RejectResourceShareInvitationRequest(
                resource_share_invitation_id=other.resource_share_invitation_id
            )
        ),
    )
    conforms(
        "DisassociateResourceShare",
        ram.disassociate_resource_share(
            DisassociateResourceShareRequest(
                resource_share_id=share_id,
                body=ResourceShareAssociationReqBody(principals=[receiver.account_id]),
            )
        ),
    )
    conforms(
        "DeleteResourceShare",
        ram.delete_resource_share(DeleteResourceShareRequest(resource_share_id=share_id)),
    )


def test_the_schema_check_catches_a_wrong_body() -> None:
    import pytest

    with pytest.raises(AssertionError, match="region_id"):
        check("ListResourceTypes", 200, b'{"resource_types": [{"resource_type": "vpc:subnet"}]}')
    with pytest.raises(AssertionError, match="current_count"):
        check(
            "ListResourceTypes", 200, b'{"resource_types": [], "page_info": {"current_count": 0}}'
        )
    with pytest.raises(AssertionError, match="status"):
        check("CreateResourceShare", 200, b"{}")


def test_the_other_sixteen_operations_answer_in_the_official_schema(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    from huaweicloudsdkram import v1 as sdk

    org = server.organization(owner)
    org.add(receiver)
    ram = owner.ram
    conforms(
        "ShowOrganizationShare", ram.show_organization_share(sdk.ShowOrganizationShareRequest())
    )
    conforms(
        "EnableOrganizationShare",
        ram.enable_organization_share(sdk.EnableOrganizationShareRequest()),
    )
    share = ram.create_resource_share(
        CreateResourceShareRequest(
            body=CreateResourceShareReqBody(
                name="all-ops",
                principals=[receiver.account_id, org.root_urn],
                resource_urns=[owner.urn("subnet-all")],
                tags=[Tag(key="k", value="v")],
            )
        )
    ).resource_share
    zone = "1c5f8e10-27d3-50ca-8df0-f334b7dc3974"
    conforms(
        "AssociateResourceSharePermission",
        ram.associate_resource_share_permission(
            sdk.AssociateResourceSharePermissionRequest(
                resource_share_id=share.id, body=sdk.AssociatePermissionReqBody(permission_id=zone)
            )
        ),
    )
    for query in ({}, {"permission_name": "nothing-named-so"}):
        conforms(
            "ListResourceSharePermissions",
            ram.list_resource_share_permissions(
                sdk.ListResourceSharePermissionsRequest(resource_share_id=share.id, **query)
            ),
        )
    conforms(
        "DisassociateResourceSharePermission",
        ram.disassociate_resource_share_permission(
            sdk.DisassociateResourceSharePermissionRequest(
                resource_share_id=share.id,
                body=sdk.DisassociatePermissionReqBody(permission_id=zone),
            )
        ),
    )
    conforms(
        "BatchCreateResourceShareTags",
        ram.batch_create_resource_share_tags(
            sdk.BatchCreateResourceShareTagsRequest(
                resource_share_id=share.id,
                body=sdk.TagResourceReqBody(tags=[Tag(key="环境", value="生产 a/b")]),
            )
        ),
    )
    conforms(
        "ListResourceShareTags",
        ram.list_resource_share_tags(sdk.ListResourceShareTagsRequest(limit=1)),
    )
    conforms(
        "ListResourceShareTags",
        receiver.ram.list_resource_share_tags(sdk.ListResourceShareTagsRequest()),
    )
    body = sdk.ResourceSharesByTagsReqBody(tags=[sdk.TagFilter(key="k", values=["v"])])
    conforms(
        "ListResourceSharesByTags",
        ram.list_resource_shares_by_tags(sdk.ListResourceSharesByTagsRequest(body=body)),
    )
    conforms(
        "SearchResourceShareCountByTags",
        ram.search_resource_share_count_by_tags(
            sdk.SearchResourceShareCountByTagsRequest(body=body)
        ),
    )
    conforms(
        "BatchDeleteResourceShareTags",
        ram.batch_delete_resource_share_tags(
            sdk.BatchDeleteResourceShareTagsRequest(
                resource_share_id=share.id, body=sdk.UntagResourceReqBody(tags=[sdk.Untag(key="k")])
            )
        ),
    )
    for account, side in ((owner, "self"), (receiver, "other-accounts"), (receiver, "self")):
        conforms(
            "SearchSharedResources",
            account.ram.search_shared_resources(
                sdk.SearchSharedResourcesRequest(
                    body=sdk.SearchSharedResourcesReqBody(resource_owner=side)
                )
            ),
        )
        conforms(
            "SearchDistinctSharedResources",
            account.ram.search_distinct_shared_resources(
                sdk.SearchDistinctSharedResourcesRequest(
                    body=sdk.SearchDistinctSharedResourcesReqBody(resource_owner=side)
                )
            ),
        )
        conforms(
            "SearchSharedPrincipals",
            account.ram.search_shared_principals(
                sdk.SearchSharedPrincipalsRequest(
                    body=sdk.SearchSharedPrincipalsReqBody(resource_owner=side)
                )
            ),
        )
        conforms(
            "SearchDistinctPrincipals",
            account.ram.search_distinct_principals(
                sdk.SearchDistinctPrincipalsRequest(
                    body=sdk.SearchDistinctSharedPrincipalsReqBody(resource_owner=side)
                )
            ),
        )
    conforms("ListQuota", ram.list_quota(sdk.ListQuotaRequest()))
    conforms(
        "DisableOrganizationShare",
        ram.disable_organization_share(sdk.DisableOrganizationShareRequest()),
    )
