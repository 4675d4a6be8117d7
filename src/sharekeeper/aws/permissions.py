"""AWS RAM's customer-managed permissions over services/customer_permissions.py: the ARN
(``arn:aws:ram:REGION:ACCOUNT:permission/NAME``) and AWS's type names translated here, the
domain's permission shaped as AWS's summary and detail."""

from __future__ import annotations

from sharekeeper.aws import arns
from sharekeeper.aws import permissions_wire as pw
from sharekeeper.aws import wire as w
from sharekeeper.aws.call import STANDARD, AwsCall, seconds
from sharekeeper.domain.customer_permissions import (
    ATTACHABLE,
    CustomerPermission,
    PermissionVersion,
)
from sharekeeper.domain.errors import (
    InvalidParameter,
    MalformedIdentifier,
    NotCreatedFromPolicy,
    PermissionNotCustomerManaged,
    PermissionNotFound,
    ResourceShareNotFound,
)
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.permissions import Permission
from sharekeeper.domain.shares import ShareQuery
from sharekeeper.services import customer_permissions, shares
from sharekeeper.services.context import Context

CUSTOMER_MANAGED = "CUSTOMER_MANAGED"
# ATTACHABLE or DEPRECATED (UpdatePermission) while it exists; AWS's DELETING belongs to its
# asynchronous deletion.
DELETED = "DELETED"


def customer_name(ctx: Context, call: AwsCall[object], arn: str) -> str | None:
    """The name of the caller's permission a customer-managed ARN names; None for an ARN of
    another form. Another account's permission reads as absent (only its owner sees it)."""
    parsed = arns.parse_customer_permission_arn(arn)
    if parsed is None:
        return None
    aws_account_id, name = parsed
    if aws_account_id != call.ids.aws_id(ctx, call.caller.account_id):
        raise PermissionNotFound(arn[:256])
    return name


def readable(ctx: Context, call: AwsCall[object], arn: str) -> CustomerPermission | None:
    """The customer-managed permission an ARN names, for its owner or for a principal of a
    share that binds it (GetPermission); None for an ARN of another form."""
    parsed = arns.parse_customer_permission_arn(arn)
    if parsed is None:
        return None
    aws_account_id, name = parsed
    owner = call.ids.account_ids(ctx, [aws_account_id])[aws_account_id]
    if owner == call.caller.account_id:
        return customer_permissions.get_permission(ctx, call.caller, name)
    return customer_permissions.get_shared_permission(ctx, call.caller, owner, name)


def _name_of(ctx: Context, call: AwsCall[object], arn: str) -> str:
    name = customer_name(ctx, call, arn)
    if name is None:
        raise MalformedIdentifier(
            f"{arn[:256]!r} is not a customer-managed permission's ARN: expected "
            "arn:aws:ram:REGION:ACCOUNT:permission/NAME."
        )
    return name


def _services(resource_type: str) -> tuple[str, ...]:
    """The service prefixes a template's actions may name: AWS's (ec2) and the catalogue's
    (vpc), whose actions ShareKeeper's AWS-managed permissions show."""
    aws_name = arns.aws_type_of(resource_type) or resource_type
    return aws_name.partition(":")[0], resource_type.partition(":")[0]


def _arn(ctx: Context, call: AwsCall[object], permission: CustomerPermission) -> str:
    owner = call.ids.aws_id(ctx, permission.owner_account_id)
    return arns.customer_permission_arn(call.region, owner, permission.name)


def summary(
    ctx: Context,
    call: AwsCall[object],
    permission: CustomerPermission,
    version: PermissionVersion | None = None,
) -> w.PermissionSummary:
    """A version (the default one if None) as AWS's ResourceSharePermissionSummary."""
    shown = version or permission.version()
    return w.PermissionSummary(
        arn=_arn(ctx, call, permission),
        version=str(shown.version),
        default_version=shown.version == permission.default_version,
        name=permission.name,
        resource_type=arns.aws_type_of(permission.resource_type) or permission.resource_type,
        status=permission.status,
        creation_time=seconds(shown.created_at),
        last_updated_time=seconds(permission.updated_at),
        is_resource_type_default=False,
        permission_type=CUSTOMER_MANAGED,
        feature_set=STANDARD,
    )


def bound_summary(
    ctx: Context, call: AwsCall[object], owner: str, bound: Permission
) -> w.PermissionSummary:
    """The version of an owner's customer-managed permission a share binds (as the share's
    principals read it too)."""
    return w.PermissionSummary(
        arn=arns.customer_permission_arn(call.region, call.ids.aws_id(ctx, owner), bound.name),
        version=str(bound.version),
        default_version=bound.is_default_version,
        name=bound.name,
        resource_type=arns.aws_type_of(bound.resource_type) or bound.resource_type,
        status=bound.status,
        creation_time=seconds(bound.created_at),
        last_updated_time=seconds(bound.updated_at),
        is_resource_type_default=False,
        permission_type=CUSTOMER_MANAGED,
        feature_set=STANDARD,
    )


def detail(
    ctx: Context, call: AwsCall[object], permission: CustomerPermission, version: int | None
) -> w.PermissionDetail:
    shown = permission.version(version)
    brief = summary(ctx, call, permission, shown)
    return w.PermissionDetail(
        arn=brief.arn,
        version=brief.version,
        default_version=brief.default_version,
        name=brief.name,
        resource_type=brief.resource_type,
        permission=shown.template,
        creation_time=brief.creation_time,
        last_updated_time=brief.last_updated_time,
        is_resource_type_default=False,
        status=permission.status,
        permission_type=CUSTOMER_MANAGED,
        feature_set=STANDARD,
    )


def _refuse_unserved(body: pw.CreatePermission | pw.CreatePermissionVersion) -> None:
    if body.permission_template_parameters:
        raise InvalidParameter("permissionTemplateParameters are not served yet.")
    if isinstance(body, pw.CreatePermission) and body.tags:
        raise InvalidParameter("Tags on customer-managed permissions are not served yet.")


def create_permission(ctx: Context, call: AwsCall[pw.CreatePermission]) -> pw.CreatePermissionReply:
    body = call.body
    _refuse_unserved(body)
    resource_type = arns.catalogue_type(body.resource_type)
    assert resource_type is not None  # a required member, decoded as a string
    created = customer_permissions.create_permission(
        ctx,
        call.caller,
        body.name,
        resource_type,
        body.policy_template,
        _services(resource_type),
    )
    return pw.CreatePermissionReply(summary(ctx, call, created), body.client_token)


def create_permission_version(
    ctx: Context, call: AwsCall[pw.CreatePermissionVersion]
) -> pw.CreatePermissionVersionReply:
    body = call.body
    _refuse_unserved(body)
    name = _name_of(ctx, call, body.permission_arn)
    current = customer_permissions.get_permission(ctx, call.caller, name)
    changed = customer_permissions.create_permission_version(
        ctx, call.caller, name, body.policy_template, _services(current.resource_type)
    )
    return pw.CreatePermissionVersionReply(detail(ctx, call, changed, None), body.client_token)


def set_default_permission_version(
    ctx: Context, call: AwsCall[pw.PermissionVersionOf]
) -> w.ReturnValueToken:
    body = call.body
    name = _name_of(ctx, call, body.permission_arn)
    customer_permissions.set_default_version(ctx, call.caller, name, body.permission_version)
    return w.ReturnValueToken(True, body.client_token)


def delete_permission_version(
    ctx: Context, call: AwsCall[pw.PermissionVersionOf]
) -> pw.DeletePermissionReply:
    body = call.body
    name = _name_of(ctx, call, body.permission_arn)
    customer_permissions.delete_version(ctx, call.caller, name, body.permission_version)
    return pw.DeletePermissionReply(True, body.client_token, ATTACHABLE)


def update_permission(ctx: Context, call: AwsCall[pw.UpdatePermission]) -> pw.UpdatePermissionReply:
    """DEPRECATED stops new bindings (the shares binding it keep it); ATTACHABLE restores it."""
    body = call.body
    if arns.parse_customer_permission_arn(body.permission_arn) is None:
        raise PermissionNotCustomerManaged(arns.permission_name_of(body.permission_arn))
    name = _name_of(ctx, call, body.permission_arn)
    changed = customer_permissions.update_status(ctx, call.caller, name, body.status)
    return pw.UpdatePermissionReply(body.client_token, changed.status)


def delete_permission(ctx: Context, call: AwsCall[pw.DeletePermission]) -> pw.DeletePermissionReply:
    body = call.body
    name = _name_of(ctx, call, body.permission_arn)
    customer_permissions.delete_permission(ctx, call.caller, name)
    return pw.DeletePermissionReply(True, body.client_token, DELETED)


def promote_resource_share_created_from_policy(
    ctx: Context, call: AwsCall[pw.PromoteResourceShareCreatedFromPolicy]
) -> w.ReturnValue:
    """As above, for a share: the caller's share is refused as already standard."""
    arn = call.body.resource_share_arn
    share_id = arns.ram_id(arn, arns.SHARE)
    found = shares.search_resource_shares(
        ctx, call.caller, owned=True, query=ShareQuery(ids=(share_id,)), page=PageRequest(1)
    )
    if not found.items:
        raise ResourceShareNotFound(share_id)
    raise NotCreatedFromPolicy(f"The resource share {arn[:256]}")
