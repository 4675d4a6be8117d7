"""A share's tags kept on its row (resource_shares.tags, migration 0026): every write of the
tags keeps the column equal to share_tags in key order, and a tag search reads share_tags once,
for its filter, from the primary key alone on SQLite (share_tags WITHOUT ROWID); on both
databases (docs/performance.md, "SQLite's tag search reads the tags from the share's row")."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.shares import ShareQuery
from sharekeeper.domain.tags import Tag, TagFilter
from sharekeeper.services import tags
from sharekeeper.store.shares import _SearchShape
from sharekeeper.store.tables import resource_shares, share_tags
from tests.store.test_invitation_search_plan import nodes, plan
from tests.store.test_share_counts import caller, create
from tests.support import LiveServer


def kept_and_stored(server: LiveServer, share_id: str) -> tuple[list[list[str]], list[list[str]]]:
    """(the share's tags column decoded, its share_tags rows in key order)."""
    t = share_tags.c
    with server.runtime.engine.connect() as connection:
        kept = connection.execute(
            select(resource_shares.c.tags).where(resource_shares.c.id == share_id)
        ).scalar_one()
        stored = connection.execute(
            select(t.key, t.value).where(t.resource_share_id == share_id).order_by(t.key)
        ).all()
    return json.loads(kept), [[key, value] for key, value in stored]


def test_every_write_of_a_shares_tags_keeps_them_on_its_row(server: LiveServer) -> None:
    ctx = server.runtime.context
    owner = caller(server, "tags-column-owner")
    made = [Tag("zone", "z1"), Tag("app", "a1"), Tag("env", "prod")]
    share_id = create(ctx, owner, "tagged", made)
    untagged = create(ctx, owner, "untagged")
    assert kept_and_stored(server, untagged) == ([], [])
    expected = [["app", "a1"], ["env", "prod"], ["zone", "z1"]]
    assert kept_and_stored(server, share_id) == (expected, expected)
    # A key set again takes its new value; a new key takes its place in key order.
    tags.tag_resource_share(ctx, owner, share_id, [Tag("env", "dev"), Tag("cost", "c1")])
    expected = [["app", "a1"], ["cost", "c1"], ["env", "dev"], ["zone", "z1"]]
    assert kept_and_stored(server, share_id) == (expected, expected)
    # A key removed goes; one removed only while it holds another value stays.
    tags.untag_resource_share(ctx, owner, share_id, [("app", None), ("zone", "other")])
    expected = [["cost", "c1"], ["env", "dev"], ["zone", "z1"]]
    assert kept_and_stored(server, share_id) == (expected, expected)
    tags.untag_resource_share(ctx, owner, share_id, [("cost", None), ("env", None), ("zone", None)])
    assert kept_and_stored(server, share_id) == ([], [])
    # The search's lines carry the column: the page shows what share_tags holds.
    tags.tag_resource_share(ctx, owner, share_id, [Tag("b", "2"), Tag("a", "1")])
    query = ShareQuery(tag_filters=(TagFilter("a", ("1",)),))
    with ctx.reading() as uow:
        page = uow.shares.lines(query, PageRequest(10, None), ctx.clock(), owner.account_id)
    assert [(line.id, line.tags) for line in page.items] == [(share_id, (("a", "1"), ("b", "2")))]


def test_a_tag_search_reads_share_tags_once_for_its_filter(server: LiveServer) -> None:
    """The bench's tag search (the owner's shares, one key with its values, a page): its tags
    come from the share's row, not a subquery per share; on SQLite the filter finds the
    tag's value in share_tags' primary key, with no look-up of a row by rowid."""
    owner: Caller = caller(server, "tags-plan-owner")
    engine = server.runtime.engine
    statement = _SearchShape(True, False, False, False, False, (True,)).statement()
    values = {
        "now": 0,
        "after": -1,
        "limit": 51,
        "owner": owner.account_id,
        "tag_key_0": "env",
        "tag_values_0": ["prod"],
    }
    sql, parameters = statement.compiled_for(engine.dialect, values)
    found = plan(server, sql, parameters)
    if engine.dialect.name == "sqlite":
        read = [step for step in found if "share_tags" in step]
        by_key = "SEARCH share_tags USING PRIMARY KEY (resource_share_id=? AND key=?)"
        assert read == [by_key], found
        assert not [step for step in found if "TEMP B-TREE" in step], found
        with engine.connect() as connection:
            created = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'share_tags'")
            ).scalar_one()
        assert created.rstrip().endswith("WITHOUT ROWID"), created
        return
    relations = [n.get("Relation Name") for n in nodes(found[0]["Plan"])]
    assert relations.count("share_tags") == 1, found
