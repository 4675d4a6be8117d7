"""AWS RAM's ListSourceAssociations: the sources of the caller's own shares, the accounts
their service principals may act for (domain/share_sources.py)."""

from __future__ import annotations

from sharekeeper.aws import arns
from sharekeeper.aws import wire as w
from sharekeeper.aws.call import AwsCall, page_of, seconds
from sharekeeper.domain.share_sources import SourceQuery
from sharekeeper.domain.shares import Association
from sharekeeper.services import share_sources
from sharekeeper.services.context import Context

# Every source ShareKeeper keeps is an account (organization ids and paths: not yet).
ACCOUNT = "ACCOUNT"


def source_wire(
    ctx: Context, call: AwsCall[object], item: Association, owner: str
) -> w.AssociatedSource:
    return w.AssociatedSource(
        resource_share_arn=arns.ram_arn(arns.SHARE, call.region, owner, item.resource_share_id),
        source_id=call.ids.aws_id(ctx, item.entity),
        source_type=ACCOUNT,
        status=item.status.value.upper(),
        creation_time=seconds(item.created_at),
        last_updated_time=seconds(item.updated_at),
        status_message=item.status_message,
    )


def list_source_associations(
    ctx: Context, call: AwsCall[w.ListSourceAssociations]
) -> w.SourceAssociationsReply:
    """A ``sourceId`` that is no account id, or a ``sourceType`` other than ACCOUNT, names no
    source ShareKeeper keeps: the list is empty (AWS's members are free strings)."""
    body = call.body
    source = body.source_id
    if (
        source is not None and not arns.AWS_ACCOUNT_ID.fullmatch(source)
    ) or body.source_type not in (
        None,
        ACCOUNT,
    ):
        return w.SourceAssociationsReply([])
    query = SourceQuery(
        share_ids=tuple(arns.ram_id(a, arns.SHARE) for a in body.resource_share_arns),
        source=None if source is None else call.ids.account_ids(ctx, [source])[source],
        status=None if body.association_status is None else body.association_status.lower(),
    )
    page = share_sources.search_share_sources(
        ctx, call.caller, query, page_of(body.max_results, body.next_token)
    )
    owner = call.ids.aws_id(ctx, call.caller.account_id)
    items = [source_wire(ctx, call, s, owner) for s in page.items]
    return w.SourceAssociationsReply(items, page.next_marker)
