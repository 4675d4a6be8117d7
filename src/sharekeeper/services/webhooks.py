"""Webhooks (docs/enforcement.md, "Webhooks"): the operator's use cases (add, list, remove, dead
letters, replay) and the delivering server's (events/webhooks.py). Each webhook's lease and
position is an outbox relay's row (services/relays.py), named ``webhook:<id>``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sharekeeper.domain import ids
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import DeadLetterNotFound, WebhookNotFound, WebhookRemoved
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.webhooks import (
    DeadLetter,
    Webhook,
    WebhookState,
    WebhookStatus,
    check_types,
    check_url,
    new_webhook_id,
    relay_name,
)
from sharekeeper.services.context import Context
from sharekeeper.services.relays import Claim


@dataclass(frozen=True, slots=True)
class DeliveryClaim:
    """A delivering server's hold on a webhook, with what it needs to sign."""

    claim: Claim
    webhook: Webhook
    secret: str


def add_webhook(ctx: Context, url: str, types: Sequence[str]) -> tuple[Webhook, str]:
    """The webhook and its signing secret, returned this once (kept sealed under the master
    key). It receives the events committed after it was added."""
    secret = ids.new_secret_key()
    webhook = Webhook(
        id=new_webhook_id(),
        url=check_url(url),
        types=check_types(types),
        sealed_secret=ctx.secret_box.seal(secret),
        created_at=ctx.clock(),
    )
    with ctx.writing() as uow:
        uow.webhooks.add(webhook)
        # The newest settled cursor: an event committed later has a larger one
        # (store/events.py), so none is missed and none from before is sent.
        uow.relays.start(webhook.relay_name, uow.events.settled() or None)
        uow.commit()
    return webhook, secret


def list_webhooks(ctx: Context, page: PageRequest) -> Page[WebhookStatus]:
    with ctx.reading() as uow:
        found = uow.webhooks.page(page)
        _, newest = uow.events.bounds()
        listed = []
        for webhook in found.items:
            position = uow.relays.position(webhook.relay_name)
            lag = 0 if newest is None or position is None else max(0, newest - position)
            listed.append(WebhookStatus(webhook, position, lag))
    return Page(listed, found.next_marker)


def remove_webhook(ctx: Context, webhook_id: str) -> None:
    """No delivery starts after it (one under way may end); it stays listed as removed.
    Removing a removed webhook changes nothing."""
    with ctx.writing() as uow:
        if uow.webhooks.get(webhook_id) is None:
            raise WebhookNotFound(webhook_id)
        uow.webhooks.remove(webhook_id)
        uow.relays.forget(relay_name(webhook_id))
        uow.commit()


def list_dead_letters(ctx: Context, webhook_id: str | None, page: PageRequest) -> Page[DeadLetter]:
    with ctx.reading() as uow:
        if webhook_id is not None and uow.webhooks.get(webhook_id) is None:
            raise WebhookNotFound(webhook_id)
        return uow.webhooks.dead_letters(webhook_id, page)


def replay_dead_letters(ctx: Context, dead_letter_id: str | None) -> int:
    """Asks for one dead letter to be delivered again (None: every one of active webhooks);
    the server delivering its webhook does it (events/webhooks.py). Returns how many."""
    with ctx.writing() as uow:
        webhook_id = None
        if dead_letter_id is not None:
            letter = uow.webhooks.dead_letter(dead_letter_id)
            if letter is None:
                raise DeadLetterNotFound(dead_letter_id)
            webhook = uow.webhooks.get(letter.webhook_id)
            if webhook is None or webhook.state is not WebhookState.ACTIVE:
                raise WebhookRemoved(letter.webhook_id)
            webhook_id = webhook.id
        asked = uow.webhooks.request_replay(webhook_id, dead_letter_id, ctx.clock())
        uow.commit()
    return asked


# The delivering server's use cases.


def active_webhooks(ctx: Context) -> list[Webhook]:
    with ctx.reading() as uow:
        return uow.webhooks.active()


def claim_webhook(
    ctx: Context, webhook_id: str, holder: str, lease: Millis
) -> DeliveryClaim | None:
    """Takes or renews the webhook's lease, as claim_relay does; None once it was removed."""
    with ctx.writing() as uow:
        webhook = uow.webhooks.get(webhook_id)
        if webhook is None or webhook.state is not WebhookState.ACTIVE:
            return None
        now = ctx.clock()
        held, position = uow.relays.claim(webhook.relay_name, holder, now, now + lease)
        uow.commit()
    return DeliveryClaim(Claim(held, position), webhook, ctx.secret_box.open(webhook.sealed_secret))


def dead_letter_event(ctx: Context, letter: DeadLetter, holder: str, lease: Millis) -> bool:
    """Keeps ``letter`` and moves the webhook past its event, in one transaction (a crash
    between them would send the event again and keep it twice); False, with nothing written,
    when the lease passed to another holder."""
    with ctx.writing() as uow:
        name = relay_name(letter.webhook_id)
        if not uow.relays.advance(name, holder, letter.cursor, ctx.clock() + lease):
            return False
        uow.webhooks.add_dead_letter(letter)
        uow.commit()
    return True


def requested_replays(ctx: Context, webhook_id: str, limit: int) -> list[DeadLetter]:
    with ctx.reading() as uow:
        return uow.webhooks.replays(webhook_id, limit)


def replay_delivered(ctx: Context, letter: DeadLetter, holder: str, lease: Millis) -> bool:
    """Deletes the replayed letter and renews the lease; False, with nothing written, when
    the lease passed to another holder (which may be replaying it too)."""
    with ctx.writing() as uow:
        now = ctx.clock()
        if not uow.relays.claim(relay_name(letter.webhook_id), holder, now, now + lease)[0]:
            return False
        uow.webhooks.delete_dead_letter(letter.id)
        uow.commit()
    return True


def replay_failed(ctx: Context, letter: DeadLetter, error: str, holder: str, lease: Millis) -> bool:
    """The letter stays, one more try counted, until replayed again; False, with nothing
    written, when the lease passed to another holder."""
    with ctx.writing() as uow:
        now = ctx.clock()
        if not uow.relays.claim(relay_name(letter.webhook_id), holder, now, now + lease)[0]:
            return False
        uow.webhooks.replay_failed(letter.id, letter.attempts + 1, error, now)
        uow.commit()
    return True
