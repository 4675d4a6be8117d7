"""Concurrent answers to one invitation, through two server processes on one database: exactly
one wins, the others get the error that names the winner's outcome, and the association agrees."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests import figures
from tests.sdk.helpers import accept, associations, create_share, invitation_for, reject
from tests.support import Account, LiveServer, ServerProcess, server_processes

CONTENDERS = 8
INVITATIONS = 6


@pytest.fixture(scope="module")
def two_servers(
    server: LiveServer, database_url: str, data_dir: Path
) -> Iterator[list[ServerProcess]]:
    # The in-process server has migrated the database and written the master key already.
    yield from server_processes(server, data_dir, {})


def race(receiver: Account, endpoints: list[str], invitation_id: str, mixed: bool) -> list[str]:
    """Fires CONTENDERS answers at once, alternating servers; returns each outcome."""
    barrier = threading.Barrier(CONTENDERS)
    outcomes: list[str] = [""] * CONTENDERS

    def contend(index: int) -> None:
        me = replace(receiver, endpoint=endpoints[index % 2], _ram=None)
        answer = reject if mixed and index % 2 else accept
        _ = me.ram  # build the client before the barrier, so all calls start together
        barrier.wait()
        try:
            outcomes[index] = "won:" + answer(me, invitation_id).status
        except ClientRequestException as error:
            outcomes[index] = f"{error.status_code}:{error.error_code}"
        except Exception as error:  # recorded, so the assertion shows it
            outcomes[index] = repr(error)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.slow
def test_one_winner_per_invitation_across_two_processes(
    two_servers: list[ServerProcess], owner: Account, receiver: Account
) -> None:
    endpoints = [p.endpoint for p in two_servers]
    for round_number in range(INVITATIONS):
        mixed = round_number % 2 == 1
        share = create_share(owner, f"race-{round_number}", principals=[receiver.account_id])
        invitation_id = invitation_for(receiver, share.id).resource_share_invitation_id
        outcomes = race(receiver, endpoints, invitation_id, mixed)

        figures.add("races run")
        figures.add("racing answers", CONTENDERS)
        winners = [o for o in outcomes if o.startswith("won:")]
        assert len(winners) == 1, outcomes
        final = winners[0].removeprefix("won:")
        loser_code = {"accepted": "400:RAM.9301", "rejected": "400:RAM.9302"}[final]
        assert Counter(outcomes) == Counter({winners[0]: 1, loser_code: CONTENDERS - 1})

        assert invitation_for(receiver, share.id).status == final
        (principal,) = associations(owner, "principal", resource_share_ids=[share.id])
        assert principal.status == {"accepted": "associated", "rejected": "disassociated"}[final]
