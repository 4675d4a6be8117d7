"""One load process of the SDK flow: through the official `huaweicloudsdkram` client, the owner
creates a share with the receiver as principal, the receiver finds its invitation and accepts
it; repeated for the given seconds. Prints one JSON object: each flow's and each call's
seconds.

python bench/sdkflow.py '{"endpoint": ..., "owner": [id, ak, sk], "receiver": [...],
"seconds": 5, "tag": "p0"}'"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from huaweicloudsdkram.v1 import (
    AcceptResourceShareInvitationRequest,
    CreateResourceShareReqBody,
    CreateResourceShareRequest,
    SearchResourceShareInvitationReqBody,
    SearchResourceShareInvitationRequest,
)

from sharekeeper.testing import Account


def main(config: dict[str, Any]) -> None:
    owner_id, owner_key, owner_secret = config["owner"]
    owner = Account(owner_id, owner_key, owner_secret, endpoint=config["endpoint"])
    receiver_id, receiver_key, receiver_secret = config["receiver"]
    receiver = Account(receiver_id, receiver_key, receiver_secret, endpoint=config["endpoint"])
    calls: dict[str, list[float]] = {"create": [], "search": [], "accept": []}
    flows: list[float] = []
    deadline = time.monotonic() + config["seconds"]
    n = 0
    while time.monotonic() < deadline:
        n += 1
        started = time.perf_counter()
        body = CreateResourceShareReqBody(
            name=f"flow-{config['tag']}-{n}",
            principals=[receiver.account_id],
            resource_urns=[f"vpc:cn-north-4:{owner.account_id}:subnet:flow-{config['tag']}-{n}"],
        )
        share = owner.ram.create_resource_share(CreateResourceShareRequest(body=body))
        created = time.perf_counter()
        found = receiver.ram.search_resource_share_invitation(
            SearchResourceShareInvitationRequest(
                body=SearchResourceShareInvitationReqBody(
                    resource_share_ids=[share.resource_share.id]
                )
            )
        )
        (invitation,) = found.resource_share_invitations
        searched = time.perf_counter()
        accepted = receiver.ram.accept_resource_share_invitation(
            AcceptResourceShareInvitationRequest(
                resource_share_invitation_id=invitation.resource_share_invitation_id
            )
        )
        assert accepted.resource_share_invitation.status == "accepted"
        done = time.perf_counter()
        calls["create"].append(created - started)
        calls["search"].append(searched - created)
        calls["accept"].append(done - searched)
        flows.append(done - started)
    print(json.dumps({"flows": flows, "calls": calls}))


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
