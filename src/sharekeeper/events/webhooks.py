"""Webhook deliveries (docs/enforcement.md, "Webhooks"): the change feed POSTed, signed, to each
active webhook's URL.

Every server process runs one ``Deliveries``: it follows the webhooks table and runs one
``Delivery`` per active webhook. A delivery holds the webhook's lease (its outbox relay row,
services/relays.py), so one process at a time delivers a webhook, and reads the feed in cursor
order from the position recorded there. Each event its patterns want is POSTed, the next only
after this one succeeded or was dead lettered; the position moves past an event only then, so
a restart resumes there (at least once: a receiver dedupes on the event id).

The destination is resolved at each try and every address checked against the allow-list
(domain/webhooks.py: Destinations); the request goes to the address checked, with the URL's
host in Host and TLS's SNI, so a name that resolves elsewhere later (DNS rebinding) is not
followed. Redirects are not followed, proxies from the environment are not used."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import ipaddress
import logging
import socket
from typing import Any, NoReturn
from urllib.parse import urlsplit

import httpx

from sharekeeper.bootstrap import Serving
from sharekeeper.config import WebhookSettings
from sharekeeper.domain.events import FeedEvent
from sharekeeper.domain.webhooks import (
    Address,
    DeadLetter,
    Destinations,
    Webhook,
    backoff,
    cut,
    new_dead_letter_id,
    shown_url,
    signature,
)
from sharekeeper.events.follower import PAGE, Follower
from sharekeeper.events.render import TYPE_PREFIX, event_body
from sharekeeper.logs import error_line
from sharekeeper.services.webhooks import (
    active_webhooks,
    claim_webhook,
    dead_letter_event,
    replay_delivered,
    replay_failed,
    requested_replays,
)

log = logging.getLogger("sharekeeper.webhooks")

# How often the webhooks table is read for added webhooks (a removed one's delivery notices
# by itself): rarely, since every server process reads it, webhooks or not.
REFRESH_SECONDS = 5.0
# How often a delivery looks for other processes' commits; this process's wake it at once.
POLL_SECONDS = 0.5
# How long a holder's lease lasts unrenewed; it is renewed every third of it, waits included.
LEASE_SECONDS = 15.0
# Replays asked for, taken per step: the feed's events wait behind at most these.
REPLAYS = 10
USER_AGENT = "ShareKeeper-Webhooks/1"


class _Removed(Exception):
    """The webhook was removed: its delivery ends."""


class _LeaseLost(Exception):
    """Another process holds the webhook's lease now: this one stands by."""


# Name lookups block a thread each (the system's resolver): a pool of their own, so that hung
# lookups cannot take the threads the rest of the server runs its work on.
_LOOKUPS = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="webhook-dns")


async def _resolve(host: str, port: int, seconds: float) -> list[Address]:
    """The host's addresses, each once; raises TimeoutError past ``seconds``."""
    lookup = asyncio.get_running_loop().run_in_executor(
        _LOOKUPS, functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    )
    found = await asyncio.wait_for(lookup, seconds)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))


class Deliveries:
    """``await deliveries.run()`` delivers to every active webhook until cancelled."""

    def __init__(
        self,
        serving: Serving,
        settings: WebhookSettings,
        refresh_seconds: float = REFRESH_SECONDS,
        poll_seconds: float = POLL_SECONDS,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self._serving = serving
        self._settings = settings
        self._refresh = refresh_seconds
        self._poll = poll_seconds
        # A try may last the whole timeout: the lease outlasts several, renewed between them.
        self._lease = max(lease_seconds, settings.timeout * 3)
        self._destinations = Destinations.parse(settings.allow)
        self._running: dict[str, asyncio.Task[None]] = {}
        self._failures = 0

    async def run(self) -> None:
        # No proxy from the environment (it would reach what the address check refused), no
        # redirect (it would lead past the check), a bounded wait for each try.
        client = httpx.AsyncClient(
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(self._settings.timeout),
            headers={"User-Agent": USER_AGENT},
        )
        try:
            while True:
                await self._follow(client)
                await asyncio.sleep(self._refresh)
        finally:
            running = list(self._running.values())
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            await asyncio.shield(client.aclose())

    async def _follow(self, client: httpx.AsyncClient) -> None:
        """Starts a delivery for each active webhook without one running."""
        serving = self._serving
        try:
            webhooks = await serving.run(active_webhooks, serving.context)
        except Exception as error:
            self._failures += 1
            if self._failures == 1:
                log.warning(
                    "webhooks: cannot read the webhooks (%s); deliveries start once the "
                    "database answers",
                    error_line(error),
                )
            return
        self._failures = 0
        for webhook in webhooks:
            task = self._running.get(webhook.id)
            if task is None or task.done():
                delivery = Delivery(serving, webhook, self._settings, self._destinations)
                delivery.poll, delivery.lease = self._poll, self._lease
                self._running[webhook.id] = asyncio.create_task(delivery.run(client))
        # A removed webhook's delivery ends by itself, at its next lease renewal.
        for webhook_id in [i for i, t in self._running.items() if t.done()]:
            del self._running[webhook_id]


class Delivery(Follower):
    """One webhook's deliveries, while it is active; ends when it is removed."""

    def __init__(
        self,
        serving: Serving,
        webhook: Webhook,
        settings: WebhookSettings,
        destinations: Destinations,
    ) -> None:
        super().__init__(
            serving,
            log,
            f"webhook {webhook.id}",
            webhook.relay_name,
            LEASE_SECONDS,
            "deliveries resume",
        )
        self._webhook = webhook
        self._secret = ""
        self._settings = settings
        self._destinations = destinations
        self.poll = POLL_SECONDS

    async def run(self, client: httpx.AsyncClient) -> None:
        self._client = client
        try:
            while True:
                try:
                    await self._step()
                    self._database_failures = 0
                except _Removed:
                    return
                except _LeaseLost:
                    self._holding = False
                except Exception as error:
                    await self._database_failed(error)
        finally:
            await self._release()

    async def _step(self) -> None:
        if not await self._hold():
            await asyncio.sleep(self.lease / 3)
            return
        bell = self._serving.context.bell
        rung = bell.rung  # before reading: a commit made while delivering is not missed
        await self._replays()
        if not await self._deliver_page():
            await bell.wait(self.poll, rung)

    async def _hold(self) -> bool:
        """Whether this process holds the webhook's lease, renewed every third of its length;
        raises _Removed once the webhook was removed."""
        now = asyncio.get_running_loop().time()
        if self._holding and now < self._renew_at:
            return True
        serving = self._serving
        claim = await serving.run(
            claim_webhook, serving.context, self._webhook.id, self._holder, self._lease_millis
        )
        if claim is None:
            self._holding = False
            log.info("webhook %s: removed; its deliveries end", self._webhook.id)
            raise _Removed
        if claim.claim.held and not self._holding:
            start = claim.claim.position
            log.info(
                "webhook %s: delivering to %s from cursor %s",
                self._webhook.id,
                shown_url(self._webhook.url),
                "the oldest kept" if start is None else start,
            )
        self._webhook, self._secret = claim.webhook, claim.secret
        self._holding = claim.claim.held
        self._position = claim.claim.position
        self._renew_at = now + self.lease / 3
        return self._holding

    async def _deliver_page(self) -> bool:
        """Delivers the next page of events; returns whether more may be waiting."""
        page = await self._read()
        wanted = [e for e in page.events if self._webhook.wants(TYPE_PREFIX + e.kind)]
        if wanted:
            # The lease renewed now, which also reads whether the webhook was removed: an
            # event committed after its removal is not sent.
            self._renew_at = 0.0
            if not await self._hold():
                raise _LeaseLost
        for event in wanted:
            failure = await self._deliver(event_body(event), event.id)
            if failure is None:
                await self._advance(event.cursor)
            else:
                await self._dead_letter(event, *failure)
        # Past the events this webhook does not want too (None and 0 both mean "from the
        # oldest kept").
        if page.cursor != (self._position or 0):
            await self._advance(page.cursor)
        return len(page.events) == PAGE

    async def _deliver(self, body: bytes, event_id: str) -> tuple[int, str] | None:
        """Tries up to the settings' attempts, with backoff between; None once the receiver
        took it, else the tries made and the last failure."""
        attempts = self._settings.attempts
        for attempt in range(1, attempts + 1):
            failure = await self._post(body, event_id, attempt)
            if failure is None:
                if attempt > 1:
                    log.info(
                        "webhook %s: event %s delivered at try %d",
                        self._webhook.id,
                        event_id,
                        attempt,
                    )
                return None
            if attempt == attempts:
                return attempt, failure
            wait = backoff(attempt, self._settings.backoff, self._settings.backoff_max)
            if attempt == 1:
                log.warning(
                    "webhook %s: %s did not take event %s (%s); retrying, at most %d tries",
                    self._webhook.id,
                    shown_url(self._webhook.url),
                    event_id,
                    failure,
                    attempts,
                )
            await self._wait(wait)
        raise AssertionError("unreachable: the last try returns")

    async def _wait(self, seconds: float) -> None:
        """Sleeps ``seconds``, keeping the lease; raises _LeaseLost or _Removed if it was lost
        or the webhook removed meanwhile."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while (left := until - loop.time()) > 0:
            await asyncio.sleep(min(left, self.lease / 3))
            if not await self._hold():
                raise _LeaseLost

    async def _post(self, body: bytes, event_id: str, attempt: int) -> str | None:
        """One try: None when the receiver answered 2xx, else what went wrong, in a line."""
        url = self._webhook.url
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = [ipaddress.ip_address(host)]  # a literal: nothing to look up
        except ValueError:
            try:
                addresses = await _resolve(host, port, self._settings.timeout)
            except TimeoutError:
                return f"cannot resolve {host} within {self._settings.timeout:g} s"
            except OSError as error:
                return cut(f"cannot resolve {host}: {error}")
        for address in addresses:
            refusal = self._destinations.refusal(host, address)
            if refusal is not None:
                return cut(f"refused: {refusal}")
        target = httpx.URL(url).copy_with(host=str(addresses[0]))
        headers = {
            "Content-Type": "application/cloudevents+json",
            "Host": parts.netloc,
            "X-ShareKeeper-Signature": signature(self._secret, body),
            "X-ShareKeeper-Event-Id": event_id,
            "X-ShareKeeper-Webhook-Id": self._webhook.id,
            "X-ShareKeeper-Attempt": str(attempt),
        }
        extensions: dict[str, Any] = {"sni_hostname": host} if parts.scheme == "https" else {}
        try:
            request = self._client.build_request(
                "POST", target, content=body, headers=headers, extensions=extensions
            )
            # httpx's timeouts bound each read, not the answer: a receiver dripping its
            # headers a byte at a time would hold a try (and outlast the lease) for hours.
            async with asyncio.timeout(self._settings.timeout):
                # The answer's body is never read: a receiver cannot make the server hold much.
                response = await self._client.send(request, stream=True)
                await response.aclose()
        except (httpx.TimeoutException, TimeoutError):
            return f"no answer within {self._settings.timeout:g} s (SHAREKEEPER_WEBHOOK_TIMEOUT)"
        except httpx.HTTPError as error:
            return cut(error_line(error))
        if 200 <= response.status_code < 300:
            return None
        return f"answered HTTP {response.status_code}"

    async def _replays(self) -> None:
        """Delivers the dead letters whose replay the operator asked for: one try each, with
        a fresh signature; a letter delivered is deleted, one that failed again stays."""
        serving = self._serving
        letters = await serving.run(requested_replays, serving.context, self._webhook.id, REPLAYS)
        lease = self._lease_millis
        for letter in letters:
            # Held before each letter (a try may last the timeout), and checked again where
            # the outcome is written: one process replays a letter, once.
            self._renew_at = 0.0
            if not await self._hold():
                raise _LeaseLost
            failure = await self._post(letter.body.encode(), letter.event_id, letter.attempts + 1)
            if failure is None:
                if not await serving.run(
                    replay_delivered, serving.context, letter, self._holder, lease
                ):
                    self._lost()
                log.info("webhook %s: dead letter %s replayed", self._webhook.id, letter.id)
            else:
                if not await serving.run(
                    replay_failed, serving.context, letter, failure, self._holder, lease
                ):
                    self._lost()
                log.warning(
                    "webhook %s: replay of dead letter %s failed (%s); it stays",
                    self._webhook.id,
                    letter.id,
                    failure,
                )

    async def _advance(self, position: int) -> bool:
        if not await super()._advance(position):
            raise _LeaseLost
        return True

    async def _dead_letter(self, event: FeedEvent, attempts: int, failure: str) -> None:
        letter = DeadLetter(
            id=new_dead_letter_id(),
            webhook_id=self._webhook.id,
            cursor=event.cursor,
            event_id=event.id,
            event_type=TYPE_PREFIX + event.kind,
            body=event_body(event).decode(),
            attempts=attempts,
            last_error=failure,
            failed_at=self._serving.context.clock(),
        )
        serving = self._serving
        lease = self._lease_millis
        if not await serving.run(dead_letter_event, serving.context, letter, self._holder, lease):
            self._lost()
        self._position = event.cursor
        log.error(
            "webhook %s: event %s dead lettered as %s after %d tries (last: %s); replay it with "
            "`sharekeeper webhook replay %s` once %s takes it",
            self._webhook.id,
            event.id,
            letter.id,
            attempts,
            failure,
            letter.id,
            shown_url(self._webhook.url),
        )

    def _lost(self) -> NoReturn:
        log.warning(
            "webhook %s: another process took the lease over; standing by", self._webhook.id
        )
        raise _LeaseLost
