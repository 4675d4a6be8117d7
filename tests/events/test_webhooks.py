"""Webhooks (docs/enforcement.md, "Webhooks"): each event a webhook wants is POSTed to a local
receiver as the feed has it, signed with the webhook's secret, in the feed's order; a failed
try is retried with backoff, the last failure dead lettered and replayable; a restart resumes
without skipping; removed webhooks and refused destinations get nothing. Each test runs a
server of its own on a database of its own (PostgreSQL too when the run has one)."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sharekeeper.config import WebhookSettings
from sharekeeper.domain.webhooks import relay_name
from sharekeeper.store.engine import create_database_engine
from tests import figures
from tests.api.feed_support import read_all, share_story, tail
from tests.events.webhook_support import (
    QUICK,
    Receiver,
    add_webhook,
    admin,
    dead_lettered,
    dead_letters,
    delivering_server,
    until,
)
from tests.sdk.helpers import create_share
from tests.support import LiveServer, env_for_subprocess


def ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in events]


def cli(webhook_server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = env_for_subprocess(webhook_server.settings.database_url, webhook_server.settings.data_dir)
    env["SHAREKEEPER_MASTER_KEY"] = webhook_server.settings.master_key or ""
    return subprocess.run(
        [sys.executable, "-m", "sharekeeper", "webhook", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_each_event_is_posted_as_the_feed_has_it_signed_with_the_secret(
    webhook_server: LiveServer, hook_receiver: Receiver
) -> None:
    webhook_id, secret = add_webhook(webhook_server, hook_receiver.url)
    start = tail(webhook_server)
    share_story(webhook_server, "signed")
    fed, _ = read_all(webhook_server, start)
    until("every event", lambda: len(hook_receiver.taken) >= len(fed))
    assert ids(hook_receiver.events()) == ids(fed)
    for delivery, event in zip(hook_receiver.taken, fed, strict=True):
        assert delivery.event == event
        assert delivery.headers["content-type"] == "application/cloudevents+json"
        assert delivery.headers["x-sharekeeper-event-id"] == event["id"]
        assert delivery.headers["x-sharekeeper-webhook-id"] == webhook_id
        assert delivery.headers["x-sharekeeper-attempt"] == "1"
        expected = hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
        given = delivery.headers["x-sharekeeper-signature"]
        assert hmac.compare_digest(given, f"sha256={expected}")
        tampered = delivery.body.replace(b'"specversion"', b'"specversion" ', 1)
        wrong = hmac.new(secret.encode(), tampered, hashlib.sha256).hexdigest()
        assert given != f"sha256={wrong}"


def test_a_webhook_gets_only_the_types_its_patterns_match_in_the_feeds_order(
    webhook_server: LiveServer, hook_receiver: Receiver
) -> None:
    everything = Receiver()
    try:
        add_webhook(webhook_server, hook_receiver.url, "sharekeeper.ram.invitation.*")
        add_webhook(webhook_server, everything.url)
        start = tail(webhook_server)
        share_story(webhook_server, "patterns-a")
        share_story(webhook_server, "patterns-b")
        fed, _ = read_all(webhook_server, start)
        invitations = [e for e in fed if e["type"].startswith("sharekeeper.ram.invitation.")]
        assert invitations and len(invitations) < len(fed)
        until("every event", lambda: len(everything.taken) >= len(fed))
        until("the invitation events", lambda: len(hook_receiver.taken) >= len(invitations))
        assert ids(everything.events()) == ids(fed)
        assert ids(hook_receiver.events()) == ids(invitations)
    finally:
        everything.close()


def test_a_failed_try_is_retried_and_the_event_taken_once(
    webhook_server: LiveServer, hook_receiver: Receiver
) -> None:
    hook_receiver.answers = [500, 503]
    add_webhook(webhook_server, hook_receiver.url, "sharekeeper.ram.resource_share.created")
    share_id = str(create_share(webhook_server.account("owner"), "retried").id)
    [taken] = until("the event", lambda: hook_receiver.events())
    assert taken["subject"] == share_id
    assert [d.headers["x-sharekeeper-attempt"] for d in hook_receiver.tries] == ["1", "2", "3"]
    assert hook_receiver.taken[0].headers["x-sharekeeper-attempt"] == "3"
    assert dead_letters(webhook_server) == []


def test_an_event_failing_every_try_is_dead_lettered_and_later_events_flow(
    webhook_server: LiveServer, hook_receiver: Receiver
) -> None:
    hook_receiver.failing = True
    webhook_id, _ = add_webhook(
        webhook_server, hook_receiver.url, "sharekeeper.ram.resource_share.created"
    )
    owner = webhook_server.account("owner")
    first = str(create_share(owner, "dead-1").id)
    second = str(create_share(owner, "dead-2").id)
    until("two dead letters", lambda: len(dead_letters(webhook_server)) == 2 or None)
    letters = dead_letters(webhook_server, webhook_id)
    assert [json.loads(hook_receiver.tries[0].body)["subject"], len(hook_receiver.tries)] == [
        first,
        6,
    ]
    assert [letter["attempts"] for letter in letters] == [QUICK.attempts] * 2
    assert all(letter["last_error"] == "answered HTTP 500" for letter in letters)
    fed, _ = read_all(webhook_server, None)
    created = [e for e in fed if e["type"] == "sharekeeper.ram.resource_share.created"]
    assert [letter["event_id"] for letter in letters] == ids(created)
    assert [e["subject"] for e in created] == [first, second]


def test_a_replayed_dead_letter_is_delivered_once_the_receiver_recovers(
    webhook_server: LiveServer, hook_receiver: Receiver
) -> None:
    made = dead_lettered(webhook_server, hook_receiver, "replayed")
    webhook_id, secret, letter = made.webhook_id, made.secret, made.letter
    shown = cli(webhook_server, "dead-letters", webhook_id, "--json")
    assert shown.returncode == 0, shown.stderr
    assert [d["dead_letter_id"] for d in json.loads(shown.stdout)] == [letter["dead_letter_id"]]
    hook_receiver.failing = False
    done = cli(webhook_server, "replay", letter["dead_letter_id"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "replay requested for 1 dead letter"
    until("the dead letter gone", lambda: dead_letters(webhook_server) == [] or None)
    [delivery] = hook_receiver.taken
    assert delivery.event["id"] == letter["event_id"]
    expected = hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert delivery.headers["x-sharekeeper-signature"] == f"sha256={expected}"
    assert delivery.headers["x-sharekeeper-attempt"] == str(QUICK.attempts + 1)


def test_a_replay_that_fails_again_keeps_the_letter_with_one_more_try(
    webhook_server: LiveServer, hook_receiver: Receiver
) -> None:
    dead_lettered(webhook_server, hook_receiver, "failing-replay")
    replay = admin(webhook_server, "POST", "/admin/v1/webhook-dead-letters/replay", {"all": True})
    assert (replay.status_code, replay.json()) == (202, {"replays_requested": 1})
    [letter] = until(
        "the replay's failure",
        lambda: [d for d in dead_letters(webhook_server) if not d["replay_requested"]],
    )
    assert letter["attempts"] == QUICK.attempts + 1
    assert hook_receiver.taken == []


def test_a_restarted_server_delivers_every_event_at_least_once(
    tmp_path: Path, own_database: str, hook_receiver: Receiver
) -> None:
    # Many tries with a long wait: the first server holds the events back until it stops.
    patient = WebhookSettings(
        attempts=100, backoff=0.05, backoff_max=0.5, timeout=5.0, allow=("127.0.0.1/32",)
    )
    first = delivering_server(tmp_path / "data", own_database, patient)
    hook_receiver.failing = True
    try:
        add_webhook(first, hook_receiver.url)
        start = tail(first)
        share_story(first, "restart-a")
        until("a failing try", lambda: hook_receiver.tries)
    finally:
        first.stop()
    hook_receiver.failing = False
    second = LiveServer(first.settings).start()
    try:
        share_story(second, "restart-b")
        fed, _ = read_all(second, start)
        until("every event", lambda: set(ids(fed)) <= set(ids(hook_receiver.events())) or None)
        taken = ids(hook_receiver.events())
        # At least once, in the feed's order: a repeat only of an event already taken.
        assert list(dict.fromkeys(taken)) == ids(fed)
        assert dead_letters(second) == []
    finally:
        second.stop()


def test_a_position_beyond_the_outbox_after_a_restore_does_not_stop_deliveries(
    tmp_path: Path, own_database: str, hook_receiver: Receiver
) -> None:
    """A database restored from an older backup keeps a relay position beyond its outbox's
    newest cursor; the delivery sends every kept event again and what comes next, whenever it
    commits (it used to retry RAM.9602 as a database failure, forever)."""
    first = delivering_server(tmp_path / "data", own_database)
    try:
        webhook_id, _ = add_webhook(first, hook_receiver.url)
        create_share(first.account("owner"), "before-restore")
        until("the first delivery", lambda: hook_receiver.taken)
    finally:
        first.stop()
    engine = create_database_engine(own_database)
    try:
        with engine.begin() as connection:
            moved = connection.execute(
                text("UPDATE relays SET position = position + 1000 WHERE name = :name"),
                {"name": relay_name(webhook_id)},
            )
            assert moved.rowcount == 1
    finally:
        engine.dispose()
    second = LiveServer(first.settings).start()
    try:
        share_id = str(create_share(second.account("owner"), "after-restore").id)
        until(
            "the event committed after the restore",
            lambda: [e for e in hook_receiver.events() if share_id in json.dumps(e)],
        )
    finally:
        second.stop()


def test_a_removed_webhook_gets_no_event_committed_after_its_removal(
    webhook_server: LiveServer, hook_receiver: Receiver
) -> None:
    later = Receiver()
    try:
        webhook_id, _ = add_webhook(webhook_server, hook_receiver.url)
        owner = webhook_server.account("owner")
        create_share(owner, "before-removal")
        until("the first event", lambda: hook_receiver.taken)
        removed = admin(webhook_server, "DELETE", f"/admin/v1/webhooks/{webhook_id}")
        assert removed.status_code == 204
        add_webhook(webhook_server, later.url)
        after = str(create_share(owner, "after-removal").id)
        until("the later webhook's event", lambda: later.events())
        assert after not in {e["subject"] for e in hook_receiver.events()}
        [listed] = [w for w in webhooks(webhook_server) if w["webhook_id"] == webhook_id]
        assert listed["state"] == "removed"
        assert (
            admin(webhook_server, "DELETE", f"/admin/v1/webhooks/{webhook_id}").status_code == 204
        )
    finally:
        later.close()


def webhooks(webhook_server: LiveServer) -> list[dict[str, Any]]:
    response = admin(webhook_server, "GET", "/admin/v1/webhooks")
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["webhooks"]
    return found


@pytest.mark.parametrize(
    ("allow", "reason"),
    [
        ((), "loopback, link-local or non-unicast address"),
        (("10.0.0.0/8", "hooks.example.com"), "is not in SHAREKEEPER_WEBHOOK_ALLOW"),
    ],
    ids=["loopback-refused-by-default", "not-in-the-allow-list"],
)
def test_a_destination_outside_the_allow_list_is_refused_at_delivery(
    tmp_path: Path, hook_receiver: Receiver, allow: tuple[str, ...], reason: str
) -> None:
    settings = WebhookSettings(attempts=2, backoff=0.05, backoff_max=0.1, allow=allow)
    server = delivering_server(tmp_path / "data", webhooks=settings)
    try:
        add_webhook(server, hook_receiver.url, "sharekeeper.ram.resource_share.created")
        create_share(server.account("owner"), "refused")
        [letter] = until("the dead letter", lambda: dead_letters(server))
        assert letter["last_error"].startswith("refused: ")
        assert reason in letter["last_error"]
        assert hook_receiver.tries == []
    finally:
        server.stop()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/hook",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/",
        "http://user:pw@127.0.0.1/hook",
        "http:///no-host",
        "http://127.0.0.1:99999/",
        "not a url",
    ],
)
def test_a_url_that_is_not_plain_http_is_refused_when_added(
    webhook_server: LiveServer, url: str
) -> None:
    response = admin(webhook_server, "POST", "/admin/v1/webhooks", {"url": url})
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "RAM.9100"
    assert webhooks(webhook_server) == []


def test_the_admin_api_adds_lists_removes_and_refuses_bad_input(
    webhook_server: LiveServer,
) -> None:
    pattern = "sharekeeper.organizations.*"
    webhook_id, _ = add_webhook(webhook_server, "https://hooks.example.com/in", pattern)
    [listed] = webhooks(webhook_server)
    assert listed == {
        "webhook_id": webhook_id,
        "url": "https://hooks.example.com/in",
        "types": [pattern],
        "state": "active",
        "created_at": listed["created_at"],
        "position": None,
        "lag": 0,
    }
    assert "secret" not in json.dumps(listed)
    refusals = [
        ("POST", "/admin/v1/webhooks", {"url": "http://x/", "types": ["sharekeeper.nope"]}, 400),
        ("POST", "/admin/v1/webhooks", {"url": "http://x/", "types": "x"}, 400),
        ("POST", "/admin/v1/webhooks", {}, 400),
        ("DELETE", "/admin/v1/webhooks/wh-unknown", None, 404),
        ("GET", "/admin/v1/webhook-dead-letters?webhook_id=wh-unknown", None, 404),
        ("POST", "/admin/v1/webhook-dead-letters/replay", {}, 400),
        ("POST", "/admin/v1/webhook-dead-letters/replay", {"dead_letter_id": "dl-x"}, 404),
        (
            "POST",
            "/admin/v1/webhook-dead-letters/replay",
            {"dead_letter_id": "dl-x", "all": True},
            400,
        ),
    ]
    for method, path, body, status in refusals:
        response = admin(webhook_server, method, path, body)
        assert response.status_code == status, (path, body, response.text)
        assert response.json()["error_code"].startswith("RAM.")
    assert admin(webhook_server, "GET", "/admin/v1/webhooks", token="x" * 40).status_code == 401


def test_the_command_line_prints_the_secret_once_and_lists_without_it(
    webhook_server: LiveServer,
) -> None:
    added = cli(
        webhook_server, "add", "--url", "http://10.1.2.3/hook", "--type", "sharekeeper.*", "--json"
    )
    assert added.returncode == 0, added.stderr
    made = json.loads(added.stdout)
    figures.issued(made["secret"])
    assert set(made) == {"webhook_id", "secret"}
    listed = cli(webhook_server, "list", "--json")
    assert listed.returncode == 0, listed.stderr
    [webhook] = json.loads(listed.stdout)
    assert webhook["webhook_id"] == made["webhook_id"]
    assert webhook["types"] == ["sharekeeper.*"]
    assert made["secret"] not in listed.stdout
    removed = cli(webhook_server, "remove", made["webhook_id"])
    assert (removed.returncode, removed.stdout.strip()) == (0, f"removed {made['webhook_id']}")
    assert cli(webhook_server, "remove", "wh-unknown").stderr.startswith("error: RAM.9409: ")
    assert cli(webhook_server, "replay").returncode == 2
    refused = cli(webhook_server, "add", "--url", "ftp://127.0.0.1/hook", "--json")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: RAM.9100: A webhook URL must be http:// or https://")
