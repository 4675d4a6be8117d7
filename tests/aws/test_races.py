"""One winner per invitation when its receiver answers through both APIs at once, on the one
in-process server: AWS's accepts and Huawei's rejects race, exactly one wins, every other gets
its API's own error for the state the winner left."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from botocore.exceptions import ClientError
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.aws.test_ram_flow import pending_invitation, share_to
from tests.sdk.helpers import reject
from tests.support import Account

CONTENDERS = 8


def test_aws_and_huawei_answers_race_to_one_winner(owner: Account, receiver: Account) -> None:
    share_to(owner, receiver)
    invitation = pending_invitation(receiver)
    arn = invitation["resourceShareInvitationArn"]
    invitation_id = arn.rsplit("/", 1)[1]
    clients: list[Any] = [receiver.aws("ram") for _ in range(CONTENDERS // 2)]
    _ = receiver.ram  # built before the barrier
    barrier = threading.Barrier(CONTENDERS)
    outcomes = [""] * CONTENDERS

    def contend(index: int) -> None:
        barrier.wait()
        try:
            if index % 2:
                reject(receiver, invitation_id)
                outcomes[index] = "won:rejected"
            else:
                clients[index // 2].accept_resource_share_invitation(resourceShareInvitationArn=arn)
                outcomes[index] = "won:accepted"
        except ClientError as error:
            outcomes[index] = "aws:" + str(error.response["Error"]["Code"])
        except ClientRequestException as error:
            outcomes[index] = f"huawei:{error.error_code}"
        except Exception as error:  # recorded, so the assertion shows it
            outcomes[index] = repr(error)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
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
