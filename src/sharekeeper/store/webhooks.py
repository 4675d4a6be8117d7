"""Webhooks and their dead letters."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.webhooks import DeadLetter, Webhook, WebhookState
from sharekeeper.store.paging import fetch_page
from sharekeeper.store.rows import Field, RowMapping, enum_of
from sharekeeper.store.tables import webhook_dead_letters, webhooks
from sharekeeper.store.transaction import Transaction

W = webhooks.c
D = webhook_dead_letters.c
WEBHOOK = RowMapping(
    Webhook,
    W.id,
    W.url,
    Field(W.types, convert=lambda text: tuple(text.split()), store=" ".join),
    W.sealed_secret,
    W.created_at,
    Field(W.state, convert=enum_of(WebhookState), store=str),
)
DEAD_LETTER = RowMapping(
    DeadLetter,
    D.id,
    D.webhook_id,
    D.cursor,
    D.event_id,
    D.event_type,
    D.body,
    D.attempts,
    D.last_error,
    D.failed_at,
    D.replay_requested_at,
)


class WebhookRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, webhook: Webhook) -> None:
        self._tx.execute(insert(webhooks).values(WEBHOOK.values(webhook)))

    def get(self, webhook_id: str) -> Webhook | None:
        row = self._tx.execute(select(*WEBHOOK.columns).where(W.id == webhook_id)).first()
        return None if row is None else WEBHOOK.read(row)

    def page(self, page: PageRequest) -> Page[Webhook]:
        statement = select(*WEBHOOK.columns, W.seq)
        return fetch_page(self._tx, statement, W.seq, page, WEBHOOK.read)

    def active(self) -> list[Webhook]:
        """Every active webhook, oldest first: what the server processes deliver to."""
        statement = select(*WEBHOOK.columns).where(W.state == WebhookState.ACTIVE).order_by(W.seq)
        return [WEBHOOK.read(row) for row in self._tx.execute(statement)]

    def remove(self, webhook_id: str) -> None:
        self._tx.execute(
            update(webhooks).where(W.id == webhook_id).values(state=WebhookState.REMOVED.value)
        )

    def add_dead_letter(self, letter: DeadLetter) -> None:
        self._tx.execute(insert(webhook_dead_letters).values(DEAD_LETTER.values(letter)))

    def dead_letter(self, dead_letter_id: str) -> DeadLetter | None:
        statement = select(*DEAD_LETTER.columns).where(D.id == dead_letter_id)
        row = self._tx.execute(statement).first()
        return None if row is None else DEAD_LETTER.read(row)

    def dead_letters(self, webhook_id: str | None, page: PageRequest) -> Page[DeadLetter]:
        """Oldest first; of one webhook, or of every one."""
        statement = select(*DEAD_LETTER.columns, D.seq)
        if webhook_id is not None:
            statement = statement.where(D.webhook_id == webhook_id)
        return fetch_page(self._tx, statement, D.seq, page, DEAD_LETTER.read)

    def replays(self, webhook_id: str, limit: int) -> list[DeadLetter]:
        """The dead letters whose replay was asked for, oldest first."""
        statement = (
            select(*DEAD_LETTER.columns)
            .where(D.webhook_id == webhook_id, D.replay_requested_at.is_not(None))
            .order_by(D.seq)
            .limit(limit)
        )
        return [DEAD_LETTER.read(row) for row in self._tx.execute(statement)]

    def request_replay(
        self, webhook_id: str | None, dead_letter_id: str | None, now: Millis
    ) -> int:
        """Asks for the replay of one dead letter, or of all of a webhook's (or of every active
        webhook's); returns how many."""
        statement = update(webhook_dead_letters).values(replay_requested_at=now)
        if dead_letter_id is not None:
            statement = statement.where(D.id == dead_letter_id)
        if webhook_id is not None:
            statement = statement.where(D.webhook_id == webhook_id)
        active = select(W.id).where(W.state == WebhookState.ACTIVE)
        statement = statement.where(D.webhook_id.in_(active))
        return int(self._tx.execute(statement).rowcount)

    def replay_failed(self, dead_letter_id: str, attempts: int, error: str, now: Millis) -> None:
        """A replay that failed: the letter stays, with its tries and failure updated."""
        self._tx.execute(
            update(webhook_dead_letters)
            .where(D.id == dead_letter_id)
            .values(attempts=attempts, last_error=error, failed_at=now, replay_requested_at=None)
        )

    def delete_dead_letter(self, dead_letter_id: str) -> None:
        self._tx.execute(delete(webhook_dead_letters).where(D.id == dead_letter_id))
