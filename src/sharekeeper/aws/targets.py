"""What an AWS write names, for its audit record: the core's ids that its Huawei twin keeps
from its path (a share's, an invitation's, an OU's, an account's, a handshake's), read from
the request's members before the use case runs, so that a refusal is recorded with them too.
What a write creates, or a permission a customer-managed ARN names, its service notes
(``uow.note_target``), on both APIs alike. Never an ARN: the audit trail speaks the core's ids.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sharekeeper.api.http.endpoint import INVALID_TARGET, audit_target
from sharekeeper.aws import arns, ram, ram_associations, ram_catalogue
from sharekeeper.aws import organizations as org
from sharekeeper.aws import permissions as customer
from sharekeeper.aws.call import AwsCall
from sharekeeper.domain.errors import MalformedIdentifier
from sharekeeper.services.context import Context

Targets = Callable[[Context, AwsCall[Any]], list[str]]


def _ram(kind: str, member: str) -> Targets:
    """The share or invitation whose ARN is ``member`` (absent: none named)."""

    def named(ctx: Context, call: AwsCall[Any]) -> list[str]:
        value: str | None = getattr(call.body, member)
        if value is None:
            return []
        try:
            return [arns.ram_id(value, kind)]
        except MalformedIdentifier:
            return [INVALID_TARGET]

    return named


def _node(member: str) -> Targets:
    """The directory's id of the OU or handshake ``member`` names."""

    def named(ctx: Context, call: AwsCall[Any]) -> list[str]:
        return [audit_target(arns.directory_node_id(getattr(call.body, member)))]

    return named


def _account_id(ctx: Context, call: AwsCall[Any], aws_id: str) -> str:
    """The account a 12-digit id names (one no account has: the placeholder the use case is
    asked about, as ``accounts.py`` says); anything else is not an account id."""
    if not arns.AWS_ACCOUNT_ID.fullmatch(aws_id):
        return INVALID_TARGET
    return call.ids.account_ids(ctx, [aws_id])[aws_id]


def _account(ctx: Context, call: AwsCall[Any]) -> list[str]:
    return [_account_id(ctx, call, call.body.account_id)]


def _tagged(ctx: Context, call: AwsCall[Any]) -> list[str]:
    """Organizations' tagged resource: an account by its 12 digits, else a root, OU or policy."""
    resource_id: str = call.body.resource_id
    if arns.AWS_ACCOUNT_ID.fullmatch(resource_id):
        return [_account_id(ctx, call, resource_id)]
    return [audit_target(arns.directory_node_id(resource_id))]


_SHARE = _ram(arns.SHARE, "resource_share_arn")
_INVITATION = _ram(arns.INVITATION, "resource_share_invitation_arn")
_UNIT = _node("organizational_unit_id")
_HANDSHAKE = _node("handshake_id")

# Every write that names an existing thing, by its handler (the others name none: what they
# create or change their services note); tests/aws/test_audit_targets.py drives every write
# the route table serves and checks its record.
TARGETS: dict[Callable[..., Any], Targets] = {
    ram.accept_resource_share_invitation: _INVITATION,
    ram.reject_resource_share_invitation: _INVITATION,
    ram.update_resource_share: _SHARE,
    ram.delete_resource_share: _SHARE,
    ram.tag_resource: _SHARE,
    ram.untag_resource: _SHARE,
    ram_associations.associate_resource_share: _SHARE,
    ram_associations.disassociate_resource_share: _SHARE,
    ram_catalogue.associate_resource_share_permission: _SHARE,
    ram_catalogue.disassociate_resource_share_permission: _SHARE,
    customer.promote_resource_share_created_from_policy: _SHARE,
    org.update_organizational_unit: _UNIT,
    org.delete_organizational_unit: _UNIT,
    org.move_account: _account,
    org.remove_account_from_organization: _account,
    org.close_account: _account,
    org.accept_handshake: _HANDSHAKE,
    org.decline_handshake: _HANDSHAKE,
    org.cancel_handshake: _HANDSHAKE,
    org.tag_resource: _tagged,
    org.untag_resource: _tagged,
}


def targets_of(ctx: Context, handler: Callable[..., Any], call: AwsCall[Any]) -> list[str]:
    """The ids ``call`` names, as its audit record starts with them."""
    named = TARGETS.get(handler)
    return [] if named is None else named(ctx, call)
