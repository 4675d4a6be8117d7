"""The operator's Webhooks page in a real browser: a webhook and its dead letter shown, and the
Replay button delivering the letter once its receiver takes it again."""

from __future__ import annotations

from typing import Any

from tests.api.decision_support import TOKEN
from tests.browser.console import Person
from tests.browser.test_console import _accessible
from tests.events.webhook_support import (
    Receiver,
    dead_lettered,
    dead_letters,
    until,
)
from tests.support import LiveServer


def test_the_operator_sees_a_dead_letter_and_replays_it(
    browser: Any, webhook_server: LiveServer, hook_receiver: Receiver
) -> None:
    made = dead_lettered(webhook_server, hook_receiver, "console-replay")
    webhook_id, share_id, letter = made.webhook_id, made.share_id, made.letter
    operator = Person(browser, webhook_server.endpoint)
    try:
        operator.sign_in_as_operator(TOKEN)
        page = operator.page
        page.get_by_role("link", name="Webhooks").click()
        page.get_by_role("heading", name="Webhooks", exact=True).wait_for()
        hook = operator.row(webhook_id).first.inner_text()
        assert hook_receiver.url in hook and "sharekeeper.ram.resource_share.created" in hook
        assert "active" in hook
        row = operator.row(letter["dead_letter_id"])
        assert "answered HTTP 500" in row.inner_text() and letter["event_id"] in row.inner_text()
        _accessible(operator)
        hook_receiver.failing = False
        row.get_by_role("button", name=f"Replay dead letter {letter['dead_letter_id']}").click()
        assert "requested" in page.get_by_role("status").inner_text()
        until("the dead letter gone", lambda: dead_letters(webhook_server) == [] or None)
        assert [e["subject"] for e in hook_receiver.events()] == [share_id]
        operator.open("/console/operator/webhooks")
        assert "No dead letters." in operator.text()
    finally:
        operator.close()
