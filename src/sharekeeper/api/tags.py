"""Handlers of tags on one's shares, and of queries of shares by their tags.
Each parses the wire input, calls one service and shapes the wire output."""

from __future__ import annotations

from sharekeeper.api import convert
from sharekeeper.api import schemas as w
from sharekeeper.api.http.endpoint import Call
from sharekeeper.domain.paging import decode_position
from sharekeeper.domain.tags import Tag, TagFilter, TagQuery, read_matches, tag_filters
from sharekeeper.services import tags
from sharekeeper.services.context import Context

SHARE_ID = "resource_share_id"


def tag_resource_share(ctx: Context, call: Call[w.TagsBody, None]) -> None:
    body = call.body
    tags.tag_resource_share(
        ctx, call.caller, call.path_id(SHARE_ID), [Tag(t.key, t.value) for t in body.tags]
    )
    return None


def untag_resource_share(ctx: Context, call: Call[w.UntagBody, None]) -> None:
    body = call.body
    tags.untag_resource_share(
        ctx, call.caller, call.path_id(SHARE_ID), [(t.key, t.value) for t in body.tags]
    )
    return None


def list_tags(ctx: Context, call: Call[None, w.ListTagsQuery]) -> w.TagsReply:
    q = call.query
    keys, next_marker = tags.list_tags(ctx, call.caller, q.limit, q.marker)
    page_info = w.PageInfo(next_marker=next_marker, current_count=len(keys) or None)
    return w.TagsReply([w.TagKeyWire(k, v) for k, v in keys], page_info)


def _tag_query(body: w.TagQueryBody) -> TagQuery:
    name, matches_nothing = read_matches([(m.key, m.value) for m in body.matches or ()])
    return TagQuery(
        tags=tag_filters([TagFilter(f.key, tuple(f.values or ())) for f in body.tags or ()]),
        without_any_tag=bool(body.without_any_tag),
        name_match=name,
        matches_nothing=matches_nothing,
    )


def find_shares_by_tags(
    ctx: Context, call: Call[w.TagQueryBody, w.FilterPageQuery]
) -> w.TaggedSharesReply:
    q = call.query
    found, total = tags.find_shares_by_tags(
        ctx, call.caller, _tag_query(call.body), q.limit, decode_position(q.offset)
    )
    details = [convert.share(s) for s in found]
    resources = [w.TaggedShareWire(d.id, d.name, d, d.tags) for d in details]
    return w.TaggedSharesReply(resources, total)


def count_shares_by_tags(ctx: Context, call: Call[w.TagQueryBody, None]) -> w.CountReply:
    return w.CountReply(tags.count_shares_by_tags(ctx, call.caller, _tag_query(call.body)))
