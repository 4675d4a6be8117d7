"""One winner per invitation when it is answered through both APIs at once, on the one
in-process server: AWS's accepts and Huawei's rejects race, exactly one wins, every other gets
its API's own error for the state the winner left; an AWS accept racing the owner's removal
through Huawei's SDK leaves one consistent story."""

from __future__ import annotations

import threading
from collections import Counter
from functools import partial
from typing import Any

from botocore.exceptions import ClientError
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.aws.test_ram_flow import pending_invitation, share_to
from tests.sdk.helpers import disassociate, reject, status_of
from tests.support import Account

CONTENDERS = 8


def _race(*calls: Any) -> list[str]:
    """Runs ``calls`` at once; each one's outcome: "ok", or the error code it got."""
    barrier = threading.Barrier(len(calls))
    outcomes = [""] * len(calls)

    def contend(index: int) -> None:
        barrier.wait()
        try:
            calls[index]()
            outcomes[index] = "ok"
        except ClientError as error:
            outcomes[index] = "aws:" + str(error.response["Error"]["Code"])
        except ClientRequestException as error:
            outcomes[index] = f"huawei:{error.error_code}"
        except Exception as error:  # recorded, so the assertion shows it
            outcomes[index] = repr(error)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_aws_and_huawei_answers_race_to_one_winner(owner: Account, receiver: Account) -> None:
    share_to(owner, receiver)
    invitation = pending_invitation(receiver)
    arn = invitation["resourceShareInvitationArn"]
    invitation_id = arn.rsplit("/", 1)[1]
    clients: list[Any] = [receiver.aws("ram") for _ in range(CONTENDERS // 2)]
    _ = receiver.ram  # built before the barrier
    calls = [
        partial(reject, receiver, invitation_id)
        if index % 2
        else partial(
            clients[index // 2].accept_resource_share_invitation, resourceShareInvitationArn=arn
        )
        for index in range(CONTENDERS)
    ]
    outcomes = [
        ("won:rejected" if index % 2 else "won:accepted") if outcome == "ok" else outcome
        for index, outcome in enumerate(_race(*calls))
    ]
    counted = Counter(outcomes)
    winners = [o for o in counted if o.startswith("won:")]
    assert len(winners) == 1 and counted[winners[0]] == 1, counted
    won = winners[0].removeprefix("won:")
    aws_loser = {
        "accepted": "aws:ResourceShareInvitationAlreadyAcceptedException",
        "rejected": "aws:ResourceShareInvitationAlreadyRejectedException",
    }[won]
    huawei_loser = {"accepted": "huawei:RAM.9301", "rejected": "huawei:RAM.9302"}[won]
    losers = set(counted) - {winners[0]}
    # A loser that read the invitation still pending may lose the compare-and-set instead.
    assert losers <= {
        aws_loser,
        huawei_loser,
        "aws:InvalidStateTransitionException",
        "huawei:RAM.9203",
    }, counted
    final = pending_invitation(receiver)["status"]
    assert final == won.upper()


ROUNDS = 6


def test_an_aws_accept_racing_a_huawei_withdrawal_leaves_one_story(
    owner: Account, receiver: Account
) -> None:
    """The receiver accepts through AWS while the owner removes it through Huawei's SDK: the
    removal always holds, and the invitation tells which came first (ACCEPTED, then the
    association ended; or withdrawn, read by AWS as EXPIRED, and the accept refused)."""
    ram = receiver.aws("ram")
    _ = owner.ram  # built before the barrier
    stories: Counter[str] = Counter()
    for round_ in range(ROUNDS):
        share = share_to(owner, receiver, f"raced-{round_}")
        share_id = share["resourceShareArn"].rsplit("/", 1)[1]
        (pending,) = ram.get_resource_share_invitations(
            resourceShareArns=[share["resourceShareArn"]]
        )["resourceShareInvitations"]
        arn = pending["resourceShareInvitationArn"]
        accepted, removed = _race(
            partial(ram.accept_resource_share_invitation, resourceShareInvitationArn=arn),
            partial(disassociate, owner, share_id, principals=[receiver.account_id]),
        )
        assert removed == "ok", removed
        (invitation,) = ram.get_resource_share_invitations(resourceShareInvitationArns=[arn])[
            "resourceShareInvitations"
        ]
        if accepted == "ok":
            assert invitation["status"] == "ACCEPTED"
        else:
            assert accepted in {
                "aws:ResourceShareInvitationExpiredException",
                "aws:InvalidStateTransitionException",
            }, accepted
            assert invitation["status"] == "EXPIRED"
        stories[invitation["status"]] += 1
        assert status_of(owner, share_id, "principal", receiver.account_id) == "disassociated"
        theirs = ram.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]
        assert share["resourceShareArn"] not in [s["resourceShareArn"] for s in theirs]
    assert sum(stories.values()) == ROUNDS, stories
