"""AWS RAM's view of the catalogue: resource types and AWS-managed permissions, for the
catalogue's types that AWS has a name for (aws/arns.py: TYPES)."""

from __future__ import annotations

from sharekeeper.aws import arns
from sharekeeper.aws import permissions as customer
from sharekeeper.aws import permissions_wire as pw
from sharekeeper.aws import wire as w
from sharekeeper.aws.call import REGIONAL, STANDARD, AwsCall, page_of, seconds
from sharekeeper.domain.errors import InvalidParameter, NotCreatedFromPolicy, UnknownPermission
from sharekeeper.domain.paging import MAX_LIMIT, PageRequest, page_of_sequence
from sharekeeper.domain.permission_work import ReplacementWork, WorkStatus
from sharekeeper.domain.permissions import CUSTOMER_MANAGED, Permission
from sharekeeper.domain.views import BindingQuery, ShareBinding
from sharekeeper.services import catalogue, customer_permissions, permissions
from sharekeeper.services.context import Context

# The catalogue's permissions are all managed by the service: AWS's AWS_MANAGED.
AWS_MANAGED = "AWS_MANAGED"


def list_resource_types(ctx: Context, call: AwsCall[w.ListResourceTypes]) -> w.ResourceTypesReply:
    body = call.body
    known = {t.name for t, _ in catalogue.shareable_types(ctx)}
    items = [
        w.ServiceNameAndResourceType(t.name, t.service, REGIONAL)
        for t in arns.TYPES
        if t.catalogue in known and body.resource_region_scope != "GLOBAL"
    ]
    page = page_of_sequence(items, page_of(body.max_results, body.next_token))
    return w.ResourceTypesReply(list(page.items), page.next_marker)


def aws_permissions(ctx: Context, resource_type: str | None = None) -> list[tuple[str, Permission]]:
    """(AWS's name, default version) of every catalogue permission AWS can name."""
    every = catalogue.list_permissions(ctx, PageRequest(MAX_LIMIT), resource_type).items
    named = [
        (arns.permission_name(p.name, p.resource_type, p.is_resource_type_default), p)
        for p in every
    ]
    return [(name, p) for name, p in named if name is not None]


def permission_id(ctx: Context, call: AwsCall[object], arn: str) -> str:
    """The id of the permission an ARN names: the catalogue's, or the caller's own
    customer-managed one (another account's reads as absent)."""
    own = customer.customer_name(ctx, call, arn)
    if own is not None:
        return customer_permissions.get_permission(ctx, call.caller, own).id
    return catalogue_permission_id(ctx, arn)


def catalogue_permission_id(ctx: Context, arn: str) -> str:
    """The catalogue's id of the AWS-managed permission an ARN names."""
    name = arns.permission_name_of(arn)
    for known, permission in aws_permissions(ctx):
        if known == name:
            return permission.id
    raise UnknownPermission(arn[:256])


def _summary(name: str, p: Permission) -> w.PermissionSummary:
    return w.PermissionSummary(
        arn=arns.permission_arn(name),
        version=str(p.version),
        default_version=p.is_default_version,
        name=name,
        resource_type=arns.aws_type_of(p.resource_type) or p.resource_type,
        status=p.status.upper(),
        creation_time=seconds(p.created_at),
        last_updated_time=seconds(p.updated_at),
        is_resource_type_default=p.is_resource_type_default,
        permission_type=AWS_MANAGED,
        feature_set=STANDARD,
    )


def list_permissions(ctx: Context, call: AwsCall[w.ListPermissions]) -> w.PermissionsReply:
    """AWS-managed permissions, then the caller's customer-managed ones (both for ALL)."""
    body = call.body
    resource_type = arns.catalogue_type(body.resource_type)
    found: list[w.PermissionSummary] = []
    if body.permission_type != "CUSTOMER_MANAGED":
        found = [_summary(n, p) for n, p in aws_permissions(ctx, resource_type)]
    if body.permission_type != "AWS_MANAGED":
        owned = customer_permissions.list_permissions(
            ctx, call.caller, resource_type, PageRequest(MAX_LIMIT)
        ).items
        found += [customer.summary(ctx, call, p) for p in owned]
    page = page_of_sequence(found, page_of(body.max_results, body.next_token))
    return w.PermissionsReply(list(page.items), page.next_marker)


def get_permission(ctx: Context, call: AwsCall[w.GetPermission]) -> w.PermissionReply:
    """The permission's policy is the catalogue's own text (its actions are the catalogue's,
    docs/aws.md)."""
    body = call.body
    readable = customer.readable(ctx, call, body.permission_arn)
    if readable is not None:
        return w.PermissionReply(customer.detail(ctx, call, readable, body.permission_version))
    name = arns.permission_name_of(body.permission_arn)
    p = catalogue.show_permission(
        ctx, catalogue_permission_id(ctx, body.permission_arn), body.permission_version
    )
    summary = _summary(name, p)
    return w.PermissionReply(
        w.PermissionDetail(
            arn=summary.arn,
            version=summary.version,
            default_version=p.is_default_version,
            name=name,
            resource_type=summary.resource_type,
            permission=p.content,
            creation_time=summary.creation_time,
            last_updated_time=summary.last_updated_time,
            is_resource_type_default=p.is_resource_type_default,
            status=summary.status,
            permission_type=AWS_MANAGED,
            feature_set=STANDARD,
        )
    )


def associate_resource_share_permission(
    ctx: Context, call: AwsCall[w.AssociateResourceSharePermission]
) -> w.ReturnValueToken:
    """Binds the permission for its resource type, replacing the bound one with ``replace``:
    an AWS-managed permission's default version, or the version of the caller's own
    customer-managed one given (its default if none) (docs/aws.md)."""
    body = call.body
    found = permission_id(ctx, call, body.permission_arn)
    share_id = arns.ram_id(body.resource_share_arn, arns.SHARE)
    permissions.associate_share_permission(
        ctx, call.caller, share_id, found, body.replace, body.permission_version
    )
    return w.ReturnValueToken(True, body.client_token)


def disassociate_resource_share_permission(
    ctx: Context, call: AwsCall[w.DisassociateResourceSharePermission]
) -> w.ReturnValueToken:
    body = call.body
    share_id = arns.ram_id(body.resource_share_arn, arns.SHARE)
    found = permission_id(ctx, call, body.permission_arn)
    permissions.disassociate_share_permission(ctx, call.caller, share_id, found)
    return w.ReturnValueToken(True, body.client_token)


def list_resource_share_permissions(
    ctx: Context, call: AwsCall[w.ListResourceSharePermissions]
) -> w.PermissionsReply:
    """The share's permissions, for its owner and the principals it reaches (a customer-
    managed one as the version bound); those of types AWS has no name for are left out."""
    body = call.body
    share_id = arns.ram_id(body.resource_share_arn, arns.SHARE)
    owner, page = permissions.share_permission_versions(
        ctx, call.caller, share_id, page_of(body.max_results, body.next_token)
    )
    items = []
    for p in page.items:
        if p.permission_type == CUSTOMER_MANAGED:
            items.append(customer.bound_summary(ctx, call, owner, p))
            continue
        default = catalogue.show_permission(ctx, p.id, None)
        name = arns.permission_name(p.name, p.resource_type, p.is_resource_type_default)
        if name is not None:
            items.append(_summary(name, default))
    return w.PermissionsReply(items, page.next_marker)


def list_permission_versions(
    ctx: Context, call: AwsCall[w.ListPermissionVersions]
) -> w.PermissionsReply:
    body = call.body
    own = customer.customer_name(ctx, call, body.permission_arn)
    if own is not None:
        mine = customer_permissions.get_permission(ctx, call.caller, own)
        items = [customer.summary(ctx, call, mine, v) for v in mine.versions]
        paged = page_of_sequence(items, page_of(body.max_results, body.next_token))
        return w.PermissionsReply(list(paged.items), paged.next_marker)
    name = arns.permission_name_of(body.permission_arn)
    page = catalogue.list_permission_versions(
        ctx,
        catalogue_permission_id(ctx, body.permission_arn),
        page_of(body.max_results, body.next_token),
    )
    return w.PermissionsReply([_summary(name, p) for p in page.items], page.next_marker)


def promote_permission_created_from_policy(
    ctx: Context, call: AwsCall[pw.PromotePermissionCreatedFromPolicy]
) -> pw.CreatePermissionReply:
    """ShareKeeper creates no permission from a resource-based policy: the caller's own
    customer-managed permission, or an AWS-managed one, is refused as already standard; an
    ARN naming neither is unknown."""
    arn = call.body.permission_arn
    own = customer.customer_name(ctx, call, arn)
    if own is not None:
        customer_permissions.get_permission(ctx, call.caller, own)
    else:
        catalogue_permission_id(ctx, arn)
    raise NotCreatedFromPolicy(f"The permission {arn[:256]}")


def list_permission_associations(
    ctx: Context, call: AwsCall[pw.ListPermissionAssociations]
) -> pw.PermissionAssociationsReply:
    """The permissions bound to the caller's own shares (SELF, AWS's default), AWS-managed and
    customer-managed; every share is STANDARD."""
    body = call.body
    empty = pw.PermissionAssociationsReply([])
    if body.feature_set not in (None, STANDARD):
        return empty
    received = body.resource_owner == "OTHER-ACCOUNTS"
    bound_id = None
    if body.permission_arn is not None:
        bound_id = named_permission_id(ctx, call, body.permission_arn, received)
    share_id = None
    if body.resource_share_arn is not None:
        share_id = arns.ram_id(body.resource_share_arn, arns.SHARE)
    query = BindingQuery(
        permission_id=bound_id,
        permission_version=body.permission_version,
        status=None if body.association_status is None else body.association_status.lower(),
        resource_type=arns.catalogue_type(body.resource_type),
        share_id=share_id,
        default_version=bool(body.default_version),
    )
    page = permissions.search_share_bindings(
        ctx, call.caller, query, page_of(body.max_results, body.next_token), received
    )
    owners = call.ids.aws_ids(ctx, {b.owner_account_id for b, _ in page.items})
    items = [
        _permission_association(call, binding, default, owners[binding.owner_account_id])
        for binding, default in page.items
    ]
    return pw.PermissionAssociationsReply(items, page.next_marker)


def named_permission_id(ctx: Context, call: AwsCall[object], arn: str, received: bool) -> str:
    """The permission a filter names (GetResourceShares, ListPermissionAssociations): for
    OTHER-ACCOUNTS, a customer-managed one is another account's, which a share reaching the
    caller must bind (else it does not exist for the caller)."""
    parsed = arns.parse_customer_permission_arn(arn)
    if not received or parsed is None:
        return permission_id(ctx, call, arn)
    owner = call.ids.account_ids(ctx, [parsed[0]])[parsed[0]]
    found = customer_permissions.get_shared_permission(ctx, call.caller, owner, parsed[1])
    return found.id


def _permission_association(
    call: AwsCall[object], binding: ShareBinding, default: Permission, owner_aws: str
) -> pw.PermissionAssociation:
    """A binding as AWS names it (``default``: its permission's default version); a
    permission of a type AWS has no name for reads as the catalogue's URN, as its resources
    read by theirs."""
    bound = binding.bound
    if default.permission_type == CUSTOMER_MANAGED:
        arn = arns.customer_permission_arn(call.region, owner_aws, default.name)
    else:
        name = arns.permission_name(
            default.name, default.resource_type, default.is_resource_type_default
        )
        arn = default.urn if name is None else arns.permission_arn(name)
    return pw.PermissionAssociation(
        arn=arn,
        permission_version=str(bound.permission_version),
        default_version=bound.permission_version == default.version,
        resource_type=arns.aws_type_of(bound.resource_type) or bound.resource_type,
        status=bound.status.upper(),
        feature_set=STANDARD,
        last_updated_time=seconds(bound.updated_at),
        resource_share_arn=arns.ram_arn(
            arns.SHARE, call.region, owner_aws, binding.resource_share_id
        ),
    )


def _aws_arn(ctx: Context, call: AwsCall[object], permission_id: str) -> str:
    """A permission's ARN: the catalogue's (its URN for a type AWS has no name for), or the
    caller's own (by its id once deleted: its name is gone with it)."""
    p = permissions.permission_named(ctx, call.caller, permission_id)
    if p is None or p.permission_type == CUSTOMER_MANAGED:
        owner = call.ids.aws_id(ctx, call.caller.account_id)
        return arns.customer_permission_arn(
            call.region, owner, permission_id if p is None else p.name
        )
    name = arns.permission_name(p.name, p.resource_type, p.is_resource_type_default)
    return p.urn if name is None else arns.permission_arn(name)


def replacement_wire(
    ctx: Context, call: AwsCall[object], work: ReplacementWork
) -> pw.ReplacementWork:
    return pw.ReplacementWork(
        id=work.id,
        from_permission_arn=_aws_arn(ctx, call, work.from_permission_id),
        from_permission_version=None if work.from_version is None else str(work.from_version),
        to_permission_arn=_aws_arn(ctx, call, work.to_permission_id),
        to_permission_version=str(work.to_version),
        status=work.status.value,
        status_message=f"{work.replaced} resource shares changed.",
        creation_time=seconds(work.created_at),
        last_updated_time=seconds(work.updated_at),
    )


def replace_permission_associations(
    ctx: Context, call: AwsCall[pw.ReplacePermissionAssociations]
) -> pw.ReplacePermissionAssociationsReply:
    """Done within the request (AWS works asynchronously): the record is COMPLETED at once."""
    body = call.body
    if body.permission_template_parameters:
        raise InvalidParameter("permissionTemplateParameters are not served yet.")
    work = permissions.replace_permission_associations(
        ctx,
        call.caller,
        permission_id(ctx, call, body.from_permission_arn),
        body.from_permission_version,
        permission_id(ctx, call, body.to_permission_arn),
    )
    return pw.ReplacePermissionAssociationsReply(
        replacement_wire(ctx, call, work), body.client_token
    )


def list_replace_permission_associations_work(
    ctx: Context, call: AwsCall[pw.ListReplacePermissionAssociationsWork]
) -> pw.ReplacementWorksReply:
    body = call.body
    if body.status not in (None, WorkStatus.COMPLETED.value):
        return pw.ReplacementWorksReply([])  # every record is completed at once
    page = permissions.search_replacement_work(
        ctx,
        call.caller,
        body.work_ids,
        None if body.status is None else WorkStatus(body.status),
        page_of(body.max_results, body.next_token),
    )
    return pw.ReplacementWorksReply(
        [replacement_wire(ctx, call, w) for w in page.items], page.next_marker
    )
