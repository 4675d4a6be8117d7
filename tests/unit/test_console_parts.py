"""The console's pure parts: the sharing graph's layout, which field a refusal belongs to, and
that docs/console.md shows every page the screenshot command takes."""

from __future__ import annotations

import re
from pathlib import Path

from sharekeeper.console.app import ACCOUNT_PAGES, OPERATOR_PAGES
from sharekeeper.console.graph import NODE_HEIGHT, NODE_WIDTH, layout, principal_label
from sharekeeper.console.pages import EDIT_FIELDS, NEW_SHARE_FIELDS, field_of
from sharekeeper.domain import errors
from sharekeeper.domain.shares import Association, AssociationStatus, AssociationType
from sharekeeper.services.console import SharingPicture
from tests.browser.screenshots import PAGES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _principal(share: str, entity: str, status: AssociationStatus) -> Association:
    return Association(share, share + "-name", AssociationType.PRINCIPAL, entity, status, 0, 0)


def test_graph_links_owners_shares_principals_and_members() -> None:
    ou = "organizations::m:ou:o-1/r-1/ou-2"
    picture = SharingPicture(
        principals=[
            _principal("s1", "bob", AssociationStatus.ASSOCIATED),
            _principal("s1", ou, AssociationStatus.ASSOCIATED),
            _principal("s2", "bob", AssociationStatus.ASSOCIATING),
        ],
        owners={"s1": "alice", "s2": "alice"},
        names={"alice": "Alice", "bob": "Bob", "ou-2": "engineering", "carol": "Carol"},
        reached={ou: ["carol"]},
    )
    graph = layout(picture)
    by_key = {n.key: n for n in graph.nodes}
    assert [n.label for n in graph.nodes if n.kind == "owner"] == ["Alice"]
    assert by_key[f"principal:{ou}"].label == "engineering"
    assert by_key["member:carol"].label == "Carol"
    kinds = sorted(link.kind for link in graph.links)
    assert kinds == ["associated", "associated", "associating", "member", "owns", "owns"]
    # Each link runs from the right edge of one box to the left edge of the next column's.
    for link in graph.links:
        assert link.x2 - link.x1 > 0
        assert link.x1 - NODE_WIDTH in {n.x for n in graph.nodes}
        assert (link.y1 - NODE_HEIGHT // 2) in {n.y for n in graph.nodes}
    assert all(
        n.x + NODE_WIDTH <= graph.width and n.y + NODE_HEIGHT <= graph.height for n in graph.nodes
    )


def test_a_principal_is_labelled_by_name_or_by_the_id_it_ends_with() -> None:
    assert principal_label("acc", {"acc": "Alice"}) == "Alice"
    assert principal_label("organizations::m:ou:o-1/r-1/ou-9", {}) == "ou-9"
    assert principal_label("organizations::m:organization:o-1", {"o-1": "Org"}) == "Org"


def test_a_refusal_is_shown_beside_its_field() -> None:
    form = NEW_SHARE_FIELDS
    assert field_of(errors.PrincipalIsOwner("x"), form) == "principals"
    assert field_of(errors.InvalidResourceUrn("x", "why"), form) == "resource_urns"
    wire = errors.InvalidParameter("Invalid request body: Expected `str` - at `$.tags[0].key`")
    assert field_of(wire, form) == "tags"
    assert field_of(errors.ConcurrentChange(), form) == ""
    # The edit form has no principals: a refusal about them is shown on top.
    assert field_of(errors.ExternalPrincipalNotAllowed("x"), EDIT_FIELDS) == ""


def test_docs_show_every_page_the_console_serves() -> None:
    served = {path for path, methods, _ in ACCOUNT_PAGES + OPERATOR_PAGES if "GET" in methods}
    served |= {"/console/sign-in", "/console/operator/sign-in"}
    served.discard("/console")  # a redirect to the invitations
    named = {"{key}": "{access_key:str}"}
    shot = {
        re.sub(r"\{(\w+)\}", lambda m: named.get(m.group(0), f"{{{m.group(1)}_id:str}}"), path)
        for _, _, path in PAGES
    }
    assert served == shot
    text = (DOCS / "console.md").read_text("utf-8")
    for name, _, _ in PAGES:
        assert f"(console/{name}.png)" in text
        assert (DOCS / "console" / f"{name}.png").stat().st_size > 1000


def test_a_success_gives_back_what_the_attempt_took() -> None:
    from sharekeeper.domain.errors import TooManyRequests
    from sharekeeper.domain.ratelimit import RateLimiter

    now = [0.0]
    limiter = RateLimiter(rate=0.5, burst=2, now=lambda: now[0])
    for _ in range(10):  # attempts that succeed cost nothing in the end
        limiter.take("10.0.0.1")
        limiter.give_back("10.0.0.1")
    limiter.take("10.0.0.1")
    limiter.take("10.0.0.1")
    try:
        limiter.take("10.0.0.1")
    except TooManyRequests as refused:
        assert refused.retry_after == 2
    else:
        raise AssertionError("a third attempt passed a bucket of two")
    limiter.take("10.0.0.2")  # another source has its own allowance
    now[0] += 2.0
    limiter.take("10.0.0.1")


def test_buckets_of_many_sources_do_not_grow_without_end() -> None:
    from sharekeeper.domain.ratelimit import RateLimiter

    now = [0.0]
    limiter = RateLimiter(rate=1.0, burst=3, now=lambda: now[0])
    limiter.MAX_BUCKETS = 100
    for n in range(100):
        limiter.take(f"source-{n}")
    now[0] += 10.0  # every bucket has filled up again: all are dropped
    limiter.take("one-more")
    assert len(limiter._buckets) == 1
    for n in range(200):  # none fills up in time: the oldest tenth goes at each overflow
        limiter.take(f"busy-{n}")
        assert len(limiter._buckets) <= 100
    assert "busy-199" in limiter._buckets
