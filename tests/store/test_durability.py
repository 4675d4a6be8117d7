"""Crashes: a server killed with SIGKILL in the middle of a stream of writes loses none it
acknowledged, and leaves every share's invitations and associations consistent."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from huaweicloudsdkcore.exceptions.exceptions import SdkException

from tests import figures
from tests.sdk.helpers import accept, create_share, invitations, shares
from tests.store.invariants import broken_rules
from tests.support import Account, LiveServer, ServerProcess

CRASHES = 3


def write_until_killed(
    process: ServerProcess, owner: Account, receiver: Account, acknowledged: list[str]
) -> None:
    """Creates shares with a principal (and accepts every other invitation) until the server
    dies; records each share id the server acknowledged."""
    me = replace(owner, endpoint=process.endpoint, _ram=None)
    them = replace(receiver, endpoint=process.endpoint, _ram=None)
    count = 0
    while True:
        try:
            share = create_share(me, f"durable-{count}", principals=[receiver.account_id])
            acknowledged.append(share.id)
            if count % 2:
                (invitation,) = invitations(them, resource_share_ids=[share.id])
                accept(them, invitation.resource_share_invitation_id)
        except (SdkException, requests.RequestException):
            # The server is gone: refused, or killed mid-answer (headers sent, body not yet).
            return
        count += 1


@pytest.mark.slow
def test_acknowledged_writes_survive_sigkill(
    server: LiveServer, database_url: str, data_dir: Path, owner: Account, receiver: Account
) -> None:
    acknowledged: list[str] = []
    for crash in range(CRASHES):
        process = ServerProcess(database_url, data_dir)
        writer = threading.Thread(
            target=write_until_killed, args=(process, owner, receiver, acknowledged)
        )
        writer.start()
        target = len(acknowledged) + 15
        deadline = time.monotonic() + 30
        while len(acknowledged) < target and time.monotonic() < deadline:
            time.sleep(0.005)
        process.process.kill()  # SIGKILL: no shutdown, no flush
        writer.join(30)
        process.stop()
        figures.add("crashes survived")
        assert len(acknowledged) >= target, f"crash {crash}: the writer stalled"

    restarted = ServerProcess(database_url, data_dir)
    try:
        me = replace(owner, endpoint=restarted.endpoint, _ram=None)
        found: set[str] = set()
        for start in range(0, len(acknowledged), 100):
            found |= {
                s.id for s in shares(me, resource_share_ids=acknowledged[start : start + 100])
            }
        assert set(acknowledged) <= found, "an acknowledged write was lost"
        figures.add("acknowledged writes verified", len(acknowledged))
    finally:
        restarted.stop()
    assert broken_rules(server.runtime.engine) == {}
