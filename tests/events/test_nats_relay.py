"""The change feed's relay to a real NATS JetStream (docs/enforcement.md, "NATS JetStream"):
each event on its subject, with the HTTP feed's body and Nats-Msg-Id = its id; each share's
events in the feed's order; a restart resumes without loss; an unreachable NATS delays events
and loses none. Each test has its own stream and subject prefix. On SQLite, and PostgreSQL
when configured."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.decision_support import TOKEN
from tests.api.feed_support import read_all, share_story, tail
from tests.events.nats_support import (
    NATS_URL,
    Forwarder,
    Message,
    Stream,
    free_port,
    own_stream,
    require_nats,
)
from tests.support import LiveServer, settings_for


@pytest.fixture
def stream() -> Iterator[Stream]:
    require_nats()
    with own_stream() as own:
        yield own


def relaying(database_url: str, data_dir: Path, stream: Stream, url: str = NATS_URL) -> LiveServer:
    settings = settings_for(
        database_url,
        data_dir,
        admin_token=TOKEN,
        nats_url=url,
        nats_stream=stream.name,
        nats_subject_prefix=stream.prefix,
    )
    server = LiveServer(settings)
    server.start()
    return server


def of_shares(messages: list[Message], shares: set[str]) -> list[Message]:
    return [m for m in messages if m.body["subject"] in shares]


def holds_all(expected: list[dict[str, Any]]) -> Any:
    ids = {e["id"] for e in expected}
    return lambda found: ids <= {m.msg_id for m in found}


def test_each_event_arrives_on_its_subject_with_the_feeds_body_and_id(
    database_url: str, data_dir: Path, stream: Stream
) -> None:
    server = relaying(database_url, data_dir, stream)
    try:
        start = tail(server)
        first, second = share_story(server, "nats-a"), share_story(server, "nats-b")
        fed, _ = read_all(server, start)
        expected = [e for e in fed if e["subject"] in {first, second}]
        found = of_shares(stream.until(holds_all(expected)), {first, second})
    finally:
        server.stop()
    assert len(expected) >= 12
    by_id = {m.msg_id: m for m in found}
    for event in expected:
        published = by_id[event["id"]]
        assert published.body == event  # the envelope and data exactly as the HTTP feed's
        assert published.subject == f"{stream.prefix}.{event['type'].removeprefix('sharekeeper.')}"
    # Each share's events in the feed's order (JetStream dropped nothing twice: one id each).
    assert [m.msg_id for m in found] == [e["id"] for e in expected]


def test_a_restarted_relay_resumes_where_it_stopped(
    database_url: str, data_dir: Path, stream: Stream, caplog: pytest.LogCaptureFixture
) -> None:
    server = relaying(database_url, data_dir, stream)
    try:
        start = tail(server)
        before = share_story(server, "nats-before")
        fed, reached = read_all(server, start)
        stream.until(holds_all(fed))
    finally:
        server.stop()
    caplog.clear()
    # Changes while no relay runs: the outbox keeps them.
    plain = LiveServer(settings_for(database_url, data_dir, admin_token=TOKEN))
    plain.start()
    try:
        during = share_story(plain, "nats-during")
    finally:
        plain.stop()
    server = relaying(database_url, data_dir, stream)
    try:
        # From the position stored when the first relay stopped, not from the oldest event.
        _wait_for_line(caplog, f"publishing from {reached}")
        after = share_story(server, "nats-after")
        fed, _ = read_all(server, start)
        shares = {before, during, after}
        expected = [e for e in fed if e["subject"] in shares]
        found = of_shares(stream.until(holds_all(expected)), shares)
    finally:
        server.stop()
    # At least once: nothing lost; a message published twice carries the same id, and in the
    # stream each id is kept once (the duplicate window).
    assert [m.msg_id for m in found] == [e["id"] for e in expected]
    assert all(m.body["id"] == m.msg_id for m in found)


def test_events_wait_while_nats_is_unreachable_and_flow_once_it_answers(
    database_url: str, data_dir: Path, stream: Stream, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    server = relaying(database_url, data_dir, stream, url=f"nats://127.0.0.1:{port}")
    forwarder = None
    try:
        start = tail(server)
        shares = {share_story(server, "nats-down-1"), share_story(server, "nats-down-2")}
        _wait_for_line(caplog, "cannot publish", f"127.0.0.1:{port}")
        assert stream.messages() == []  # nothing reached NATS meanwhile
        forwarder = Forwarder(port)
        shares.add(share_story(server, "nats-up"))
        fed, _ = read_all(server, start)
        expected = [e for e in fed if e["subject"] in shares]
        found = of_shares(stream.until(holds_all(expected)), shares)
    finally:
        server.stop()
        if forwarder is not None:
            forwarder.close()
    assert [m.msg_id for m in found] == [e["id"] for e in expected]
    outages = [r for r in caplog.records if "cannot publish" in r.getMessage()]
    assert len(outages) == 1  # one line per outage, however many tries it took


def _wait_for_line(caplog: pytest.LogCaptureFixture, *words: str) -> None:
    """Until the server logs a line with each of ``words`` (its relay runs in the background)."""
    deadline = time.monotonic() + 30
    while not any(all(w in r.getMessage() for w in words) for r in caplog.records):
        assert time.monotonic() < deadline, f"the server logged no line with {words}"
        time.sleep(0.05)


def test_two_server_processes_on_one_database_relay_once(
    database_url: str, data_dir: Path, stream: Stream, caplog: pytest.LogCaptureFixture
) -> None:
    first = relaying(database_url, data_dir, stream)
    second = relaying(database_url, data_dir, stream)
    try:
        start = tail(first)
        shares = {share_story(first, "nats-one"), share_story(second, "nats-two")}
        fed, _ = read_all(first, start)
        expected = [e for e in fed if e["subject"] in shares]
        found = of_shares(stream.until(holds_all(expected)), shares)
        # One lease holder published; the other stood by (counted before either stops: the
        # holder's release lets the other take over).
        taken = [r for r in caplog.records if ": publishing from " in r.getMessage()]
    finally:
        first.stop()
        second.stop()
    assert [m.msg_id for m in found] == [e["id"] for e in expected]
    assert len(taken) == 1
