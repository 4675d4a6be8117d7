"""Crashes and the change feed (docs/enforcement.md, "The change feed"): a server killed with
SIGKILL in the middle of a stream of writes from several callers, several times, leaves a feed
with an event for every acknowledged change, none for a change that did not commit, and no
gap: a reader following it by cursor across the crashes ends with exactly the events a full
read finds afterwards, in the same order. A write that got no answer may or may not have
committed; the feed must agree with the database either way. On SQLite, and PostgreSQL when
configured."""

from __future__ import annotations

import itertools
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import requests
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException, SdkException
from huaweicloudsdkram.v1 import DeleteResourceShareRequest

from sharekeeper.testing import Account
from tests import figures
from tests.api.decision_support import TOKEN
from tests.api.feed_support import EVENTS, page, tail
from tests.sdk.helpers import (
    accept,
    associate,
    associations,
    create_share,
    disassociate,
    invitation_for,
    invitations,
    reject,
    shares,
)
from tests.support import LiveServer, ServerProcess

CRASHES = 3
WRITERS = 3
# Acknowledged writes between a start and its kill: at least, and at most this many more.
WRITES_BEFORE_KILL = (20, 45)
# Bounds, not figures: how long a round may take to reach its writes, and the reader to catch up.
ROUND_SECONDS = 60
CATCH_UP_SECONDS = 60
POLLS_MOST = 100_000
SHARES_MOST = 10_000
EVENTS_MOST = 20_000
Event = dict[str, Any]
T = TypeVar("T")


class ServerGone(Exception):
    """The server stopped answering: refused, or killed mid-answer."""


# The SDK wraps a refused connection in SdkException, but not an answer cut off mid-body by the
# kill: requests raises that one (ChunkedEncodingError) from reading the body.
_GONE = (SdkException, requests.RequestException, httpx.HTTPError)


@dataclass
class Writer:
    """One caller's stream of writes, each share through its whole life: created with a
    principal and a subnet, its invitation accepted, rejected or left pending, a second subnet
    associated, the first disassociated, every other share deleted and then written to (a
    refused write). Notes each acknowledged change."""

    owner: Account
    receiver: Account
    done: list[tuple[str, ...]] = field(default_factory=list)
    count: int = 0

    def run(self, endpoint: str) -> None:
        me = replace(self.owner, endpoint=endpoint, _ram=None)
        them = replace(self.receiver, endpoint=endpoint, _ram=None)
        try:
            for _ in range(SHARES_MOST):
                self._share_life(me, them)
        except ServerGone:
            return

    def _share_life(self, me: Account, them: Account) -> None:
        self.count += 1
        n = self.count
        first, second, refused = (me.urn(f"durable-{n}-{k}") for k in ("a", "b", "c"))
        share = _answered(
            lambda: create_share(
                me, f"durable-{n}", principals=[them.account_id], resource_urns=[first]
            )
        )
        s = share.id
        self.done.append(("created", s))
        invitation = _answered(lambda: invitation_for(them, s)).resource_share_invitation_id
        if n % 3 == 0:
            _answered(lambda: accept(them, invitation))
            self.done.append(("accepted", invitation))
        elif n % 3 == 1:
            _answered(lambda: reject(them, invitation))
            self.done.append(("rejected", invitation))
        _answered(lambda: associate(me, s, resource_urns=[second]))
        self.done.append(("associated", s, second))
        _answered(lambda: disassociate(me, s, resource_urns=[first]))
        self.done.append(("disassociated", s, first))
        if n % 2:
            request = DeleteResourceShareRequest(resource_share_id=s)
            _answered(lambda: me.ram.delete_resource_share(request))
            self.done.append(("deleted", s))
            try:
                associate(me, s, resource_urns=[refused])
            except ClientRequestException as error:
                assert error.status_code == 400, error
                self.done.append(("refused", s, refused))
                return
            except _GONE as error:
                raise ServerGone from error
            raise AssertionError(f"an association with the deleted share {s} was accepted")


def _answered(call: Callable[[], T]) -> T:
    try:
        return call()
    except _GONE as error:
        raise ServerGone from error


class Follower:
    """A reader of the feed by cursor with long polls, through whichever server process is up,
    as a resource service follows it: the events it saw, in order."""

    def __init__(self, start: str) -> None:
        self.cursor = start
        self.seen: list[Event] = []
        self.endpoint: str | None = None
        self.stopping = threading.Event()
        self.refusals: list[str] = []

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(headers=headers, timeout=10) as client:
            for _ in range(POLLS_MOST):
                if self.stopping.is_set():
                    return
                endpoint = self.endpoint
                if endpoint is None:
                    time.sleep(0.05)
                    continue
                query = f"?after={self.cursor}&limit=50&wait=1"
                try:
                    response = client.get(endpoint + EVENTS + query)
                except httpx.HTTPError:
                    time.sleep(0.05)  # between a kill and the next start
                    continue
                if response.status_code != 200:
                    self.refusals.append(f"{response.status_code} {response.text}")
                    continue
                events, self.cursor = page(response)
                self.seen += events

    def caught_up_with(self, cursor: str) -> bool:
        return int(self.cursor) >= int(cursor)


@pytest.fixture
def started() -> Iterator[list[ServerProcess]]:
    """Every server process the test starts; each stopped at the end whatever happened."""
    processes: list[ServerProcess] = []
    yield processes
    for process in processes:
        if process.process.poll() is None:
            process.stop()


@pytest.mark.slow
def test_the_feed_survives_sigkill_without_loss_phantom_or_gap(
    server: LiveServer, database_url: str, data_dir: Path, started: list[ServerProcess]
) -> None:
    seed = int.from_bytes(os.urandom(4))
    chance = random.Random(seed)
    writers = [Writer(server.account("owner"), server.account("receiver")) for _ in range(WRITERS)]

    def start() -> ServerProcess:
        env = {"SHAREKEEPER_ADMIN_TOKEN": TOKEN}
        process = ServerProcess(database_url, data_dir, env=env)
        started.append(process)
        return process

    first = start()
    follower = Follower(tail(first))
    start_cursor = follower.cursor
    reading = threading.Thread(target=follower.run)
    reading.start()
    process = first
    try:
        for crash in range(CRASHES):
            follower.endpoint = process.endpoint
            acknowledged = sum(len(w.done) for w in writers)
            target = acknowledged + chance.randint(*WRITES_BEFORE_KILL)
            threads = [threading.Thread(target=w.run, args=(process.endpoint,)) for w in writers]
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + ROUND_SECONDS
            while sum(len(w.done) for w in writers) < target and time.monotonic() < deadline:
                time.sleep(0.002)
            process.process.kill()  # SIGKILL: no shutdown, no flush
            for thread in threads:
                thread.join(30)
            process.stop()
            figures.add("feed crashes survived")
            assert not any(t.is_alive() for t in threads), f"crash {crash}: a writer hung"
            written = sum(len(w.done) for w in writers)
            assert written >= target, f"crash {crash} (seed {seed}): the writers stalled"
            process = start()

        follower.endpoint = process.endpoint
        end = tail(process)
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while not follower.caught_up_with(end) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        follower.stopping.set()
        reading.join(30)

    assert follower.refusals == []
    fed = _one_by_one(process, start_cursor, embedded=database_url.startswith("sqlite"))
    ids = [e["id"] for e in fed]
    assert len(set(ids)) == len(ids), "an event appears twice in the feed"
    # No gap: the follower, reading while writers committed and the server died, missed
    # nothing that later appeared behind its cursor, and saw nothing that is not there now.
    assert [e["id"] for e in follower.seen] == ids, f"seed {seed}"

    done = [change for w in writers for change in w.done]
    missing = [c for c in done if c[0] != "refused" and not _has_event(fed, c)]
    assert missing == [], f"acknowledged changes without their event (seed {seed})"
    refused = {c[2] for c in done if c[0] == "refused"}
    assert refused, "no refused write was tried"
    assert not [e for e in fed if e["data"].get("associated_entity") in refused], (
        "an event of a refused (rolled back) write"
    )
    me = [replace(w.owner, endpoint=process.endpoint, _ram=None) for w in writers]
    them = [replace(w.receiver, endpoint=process.endpoint, _ram=None) for w in writers]
    folded, stored = _folded(fed, {w.owner.account_id for w in writers}), _stored(me, them)
    # Deleting a share forgets the receiver's older withdrawn invitations from the owner's
    # deleted shares (store/invitations.py): their last event stays, their row goes.
    forgotten = {k for k, v in folded.items() if k not in stored and v == "withdrawn"}
    assert {k: v for k, v in folded.items() if k not in forgotten} == stored, (
        f"the feed and the database disagree (seed {seed})"
    )
    figures.add("feed changes verified after crashes", len(done))
    figures.add("feed events verified after crashes", len(fed))


def _one_by_one(process: ServerProcess, after: str, embedded: bool) -> list[Event]:
    """Every event after ``after``, one a page, so that each page's cursor is its event's:
    strictly increasing, and on SQLite (one writer at a time, a rolled-back insert gives its
    number back) consecutive."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    found: list[Event] = []
    cursors = [int(after)]
    with httpx.Client(headers=headers, timeout=30) as client:
        for _ in range(EVENTS_MOST):
            query = f"?after={cursors[-1]}&limit=1"
            events, cursor = page(client.get(process.endpoint + EVENTS + query))
            if not events:
                break
            found += events
            cursors.append(int(cursor))
        else:
            raise AssertionError("the feed did not end within EVENTS_MOST events")
    steps = {b - a for a, b in itertools.pairwise(cursors[1:])}
    assert all(step > 0 for step in steps), "cursors out of order"
    if embedded:
        assert steps <= {1}, f"a gap in the cursors: steps {sorted(steps)}"
    return found


def _has_event(fed: list[Event], change: tuple[str, ...]) -> bool:
    kind, key = change[0], change[1]
    for event in fed:
        kind_of, data = event["type"].removeprefix("sharekeeper.ram."), event["data"]
        if kind in ("created", "deleted") and kind_of == f"resource_share.{kind}":
            found = event["subject"] == key
        elif kind in ("accepted", "rejected") and kind_of == f"invitation.{kind}":
            found = data["resource_share_invitation_id"] == key
        elif kind in ("associated", "disassociated") and kind_of == f"association.{kind}":
            found = (event["subject"], data["associated_entity"]) == (key, change[2])
        else:
            found = False
        if found:
            return True
    return False


# What the feed says each of the callers' shares, invitations and associations is now.
State = dict[tuple[str, ...], str]


def _folded(fed: list[Event], owners: set[str]) -> State:
    """The last status each object of the owners' shares had in the feed."""
    mine = {
        e["subject"]
        for e in fed
        if e["type"].endswith("resource_share.created") and e["data"]["owning_account_id"] in owners
    }
    state: State = {}
    for event in fed:
        if event["subject"] not in mine:
            continue
        data, kind = event["data"], event["type"].removeprefix("sharekeeper.ram.")
        if kind.startswith("resource_share."):
            state[("share", data["id"])] = data["status"]
        elif kind.startswith("invitation."):
            state[("invitation", data["resource_share_invitation_id"])] = data["status"]
        elif kind.startswith("association."):
            key = (data["association_type"], data["resource_share_id"], data["associated_entity"])
            state[key] = data["status"]
    return state


def _stored(owners: list[Account], receivers: list[Account]) -> State:
    """The same, as the API reads it from the database after the crashes."""
    state: State = {}
    found: list[str] = []
    for owner in owners:
        for status in ("active", "deleted"):
            for share in shares(owner, resource_share_status=status, limit=2000):
                state[("share", share.id)] = share.status
                found.append(share.id)
    for start in range(0, len(found), 100):
        chunk = found[start : start + 100]
        for owner in owners:
            for kind in ("principal", "resource"):
                for a in associations(owner, kind, resource_share_ids=chunk, limit=2000):
                    key = (a.association_type, a.resource_share_id, a.associated_entity)
                    state[key] = a.status
        for receiver in receivers:
            for i in invitations(receiver, resource_share_ids=chunk, limit=2000):
                state[("invitation", i.resource_share_invitation_id)] = i.status
    return state
