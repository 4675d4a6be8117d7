"""Webhooks' use cases (services/webhooks.py) on a database of the test's own (SQLite, or
PostgreSQL when the run has one): a webhook starts after the newest event; a dead letter and
the position past its event are written together, by the lease holder only; replays asked,
failed and delivered; a removed webhook is no longer claimed nor replayed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sharekeeper.bootstrap import build_runtime
from sharekeeper.domain.clock import SECOND, AdjustableClock
from sharekeeper.domain.errors import DeadLetterNotFound, WebhookNotFound, WebhookRemoved
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.webhooks import DeadLetter, WebhookState, new_dead_letter_id
from sharekeeper.services import identity, webhooks
from sharekeeper.services.context import Context
from sharekeeper.services.feed import read_events
from sharekeeper.testing import fresh_settings

LEASE = 15 * SECOND
# Loopback: refused by default, so no server that opens this database sends anything.
URL = "http://127.0.0.1:9/hook"


@pytest.fixture
def ctx(tmp_path: Path, own_database: str) -> Iterator[Context]:
    settings = fresh_settings(tmp_path).with_overrides(database_url=own_database)
    runtime = build_runtime(settings, AdjustableClock())
    yield runtime.context
    runtime.close()


def letter(webhook_id: str, cursor: int) -> DeadLetter:
    return DeadLetter(
        id=new_dead_letter_id(),
        webhook_id=webhook_id,
        cursor=cursor,
        event_id=f"event-{cursor}",
        event_type="sharekeeper.ram.resource_share.created",
        body='{"id": "event"}',
        attempts=8,
        last_error="answered HTTP 500",
        failed_at=0,
    )


def test_a_dead_letter_is_written_with_the_position_by_the_holder_only(ctx: Context) -> None:
    identity.create_account(ctx, "before")  # no event; the feed may be empty or not
    newest = read_events(ctx, None, None, 1000).cursor
    hook, secret = webhooks.add_webhook(ctx, URL, ["sharekeeper.ram.*"])
    claim = webhooks.claim_webhook(ctx, hook.id, "first", LEASE)
    assert claim is not None and claim.claim.held and claim.secret == secret
    assert claim.claim.position == (newest or None)
    assert not webhooks.dead_letter_event(ctx, letter(hook.id, newest + 5), "second", LEASE)
    assert webhooks.list_dead_letters(ctx, hook.id, PageRequest(10)).items == []
    kept = letter(hook.id, newest + 5)
    assert webhooks.dead_letter_event(ctx, kept, "first", LEASE)
    assert webhooks.list_dead_letters(ctx, hook.id, PageRequest(10)).items == [kept]
    [status] = [s for s in webhooks.list_webhooks(ctx, PageRequest(100)).items]
    assert (status.webhook.id, status.position) == (hook.id, newest + 5)
    assert webhooks.claim_webhook(ctx, hook.id, "first", LEASE) is not None


def test_replays_are_asked_failed_and_delivered(ctx: Context) -> None:
    hook, _ = webhooks.add_webhook(ctx, URL, [])
    assert webhooks.claim_webhook(ctx, hook.id, "holder", LEASE) is not None
    first, second = letter(hook.id, 1), letter(hook.id, 2)
    for each in (first, second):
        assert webhooks.dead_letter_event(ctx, each, "holder", LEASE)
    assert webhooks.requested_replays(ctx, hook.id, 10) == []
    assert webhooks.replay_dead_letters(ctx, first.id) == 1
    [asked] = webhooks.requested_replays(ctx, hook.id, 10)
    assert asked.id == first.id and asked.replay_requested_at is not None
    # Only the lease's holder writes a replay's outcome: another may be replaying it too.
    assert not webhooks.replay_failed(ctx, asked, "answered HTTP 502", "other", LEASE)
    assert webhooks.requested_replays(ctx, hook.id, 10) == [asked]
    assert webhooks.replay_failed(ctx, asked, "answered HTTP 502", "holder", LEASE)
    [again, other] = webhooks.list_dead_letters(ctx, None, PageRequest(10)).items
    assert (again.attempts, again.last_error, again.replay_requested_at) == (
        9,
        "answered HTTP 502",
        None,
    )
    assert other == second
    assert webhooks.replay_dead_letters(ctx, None) == 2
    [asked] = [d for d in webhooks.requested_replays(ctx, hook.id, 10) if d.id == first.id]
    assert not webhooks.replay_delivered(ctx, asked, "other", LEASE)
    assert len(webhooks.requested_replays(ctx, hook.id, 10)) == 2
    assert webhooks.replay_delivered(ctx, asked, "holder", LEASE)
    assert [d.id for d in webhooks.requested_replays(ctx, hook.id, 10)] == [second.id]
    with pytest.raises(DeadLetterNotFound):
        webhooks.replay_dead_letters(ctx, first.id)


def test_a_removed_webhook_is_not_claimed_nor_replayed(ctx: Context) -> None:
    hook, _ = webhooks.add_webhook(ctx, URL, [])
    assert webhooks.claim_webhook(ctx, hook.id, "holder", LEASE) is not None
    kept = letter(hook.id, 3)
    assert webhooks.dead_letter_event(ctx, kept, "holder", LEASE)
    webhooks.remove_webhook(ctx, hook.id)
    webhooks.remove_webhook(ctx, hook.id)  # again: nothing changes
    assert webhooks.claim_webhook(ctx, hook.id, "holder", LEASE) is None
    assert hook.id not in {w.id for w in webhooks.active_webhooks(ctx)}
    [status] = webhooks.list_webhooks(ctx, PageRequest(100)).items
    assert (status.webhook.state, status.position) == (WebhookState.REMOVED, None)
    with pytest.raises(WebhookRemoved):
        webhooks.replay_dead_letters(ctx, kept.id)
    assert webhooks.replay_dead_letters(ctx, None) == 0
    with pytest.raises(WebhookNotFound):
        webhooks.remove_webhook(ctx, "wh-unknown")
