"""The operator's Webhooks page over plain HTTP: webhooks and dead letters listed, Replay
behind the operator's session and its CSRF token, audited with the console as its channel."""

from __future__ import annotations

from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import audit
from tests.api.decision_support import TOKEN
from tests.console.test_console_http import Browserless
from tests.events.webhook_support import (
    Receiver,
    dead_lettered,
    dead_letters,
    until,
)
from tests.support import LiveServer


def test_the_webhooks_page_lists_and_replays_dead_letters_for_the_operator_only(
    webhook_server: LiveServer, hook_receiver: Receiver
) -> None:
    made = dead_lettered(webhook_server, hook_receiver, "console-letter")
    webhook_id, letter_id = made.webhook_id, made.letter["dead_letter_id"]
    replay = f"/console/operator/dead-letters/{letter_id}/replay"
    visitor = Browserless(webhook_server)
    try:
        assert visitor.http.get("/console/operator/webhooks").status_code == 303
        visitor.sign_in_as_operator(TOKEN)
        page = visitor.http.get("/console/operator/webhooks")
        assert page.status_code == 200
        assert webhook_id in page.text and letter_id in page.text
        assert "answered HTTP 500" in page.text
        forged = visitor.http.post(replay, data={"csrf_token": "forged"})
        assert forged.status_code == 403
        assert not dead_letters(webhook_server)[0]["replay_requested"]
        hook_receiver.failing = False
        token = visitor.form_token("/console/operator/webhooks")
        done = visitor.http.post(replay, data={"csrf_token": token})
        assert (done.status_code, done.headers["location"]) == (303, "/console/operator/webhooks")
        until("the dead letter gone", lambda: dead_letters(webhook_server) == [] or None)
        gone = visitor.http.post(replay, data={"csrf_token": token})
        assert gone.status_code == 404
    finally:
        visitor.close()
    records = audit.list_audit_records(
        webhook_server.runtime.context, AuditFilter(operation="ReplayDeadLetter"), PageRequest(10)
    ).items
    assert [(r.account_id, r.channel, r.targets) for r in records][:1] == [
        ("operator", "console", [letter_id])
    ]
