"""Mixed concurrent load from several accounts through two server processes on one database:
create, associate, accept, reject, disassociate, tag, untag, delete all at once. Afterwards
every invariant holds: one answer per invitation, no association without its share, quotas
kept, each share's tags on its row its tags."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkram.v1 import (
    BatchCreateResourceShareTagsRequest,
    BatchDeleteResourceShareTagsRequest,
    DeleteResourceShareRequest,
    Tag,
    TagResourceReqBody,
    Untag,
    UntagResourceReqBody,
)
from sqlalchemy import func, select

from sharekeeper.domain.quotas import Quotas
from sharekeeper.store.tables import associations, resource_shares
from tests import figures
from tests.sdk.helpers import accept, associate, create_share, disassociate, invitations, reject
from tests.store.invariants import broken_rules
from tests.support import Account, LiveServer, ServerProcess

WORKERS = 6
STEPS = 25
# Tight enough that concurrent creates and associates of one owner, through two processes,
# contend for the same quota.
QUOTA = Quotas(resource_share=4, principal_association=3)
QUOTA_ENV = {
    "SHAREKEEPER_QUOTA_RESOURCE_SHARE": "4",
    "SHAREKEEPER_QUOTA_PRINCIPAL_ASSOCIATION": "3",
}


def work(seed: int, accounts: list[Account], endpoints: list[str], outcomes: Counter[str]) -> None:
    rng = random.Random(seed)
    me = accounts[seed % len(accounts)]
    my_shares: list[str] = []
    for step in range(STEPS):
        client = replace(me, endpoint=endpoints[step % 2], _ram=None)
        others = [a.account_id for a in accounts if a is not me]
        action = rng.choice(
            ["create", "create", "associate", "answer", "answer", "disassociate", "tag", "delete"]
        )
        try:
            if action == "create" or not my_shares:
                share = create_share(
                    client,
                    f"load-{seed}-{step}",
                    principals=rng.sample(others, 2),
                    resource_urns=[me.urn(f"subnet-{seed}-{step}")],
                )
                my_shares.append(share.id)
            elif action == "associate":
                associate(client, rng.choice(my_shares), principals=rng.sample(others, 2))
            elif action == "answer":
                pending = invitations(client, status="pending")
                received = [i for i in pending if i.receiver_account_id == me.account_id]
                if received:
                    chosen = rng.choice(received).resource_share_invitation_id
                    (accept if rng.random() < 0.6 else reject)(client, chosen)
            elif action == "tag":
                share_id = rng.choice(my_shares)
                keys = rng.sample(["env", "team", "cost", "app"], 2)
                if rng.random() < 0.6:
                    tags = [Tag(key=k, value=f"v{rng.randrange(3)}") for k in keys]
                    client.ram.batch_create_resource_share_tags(
                        BatchCreateResourceShareTagsRequest(
                            resource_share_id=share_id, body=TagResourceReqBody(tags=tags)
                        )
                    )
                else:
                    client.ram.batch_delete_resource_share_tags(
                        BatchDeleteResourceShareTagsRequest(
                            resource_share_id=share_id,
                            body=UntagResourceReqBody(tags=[Untag(key=k) for k in keys]),
                        )
                    )
            elif action == "disassociate":
                disassociate(client, rng.choice(my_shares), principals=[rng.choice(others)])
            else:
                share_id = my_shares.pop(rng.randrange(len(my_shares)))
                client.ram.delete_resource_share(
                    DeleteResourceShareRequest(resource_share_id=share_id)
                )
            outcomes[f"{action}: ok"] += 1
        except ClientRequestException as error:
            # Losing a race is a clear 4xx naming why; anything 5xx fails the test below.
            outcomes[f"{action}: {error.status_code} {error.error_code}"] += 1


@pytest.mark.slow
def test_mixed_concurrent_load_keeps_every_invariant(
    server: LiveServer, database_url: str, data_dir: Path
) -> None:
    accounts = [server.account(f"load-{i}") for i in range(4)]
    processes = [ServerProcess(database_url, data_dir, env=QUOTA_ENV) for _ in range(2)]
    outcomes: Counter[str] = Counter()
    try:
        threads = [
            threading.Thread(
                target=work, args=(seed, accounts, [p.endpoint for p in processes], outcomes)
            )
            for seed in range(WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        for process in processes:
            process.stop()
    assert sum(outcomes.values()) == WORKERS * STEPS, outcomes
    assert not [o for o in outcomes if o.split(": ")[1].startswith("5")], outcomes
    assert outcomes["create: ok"] > 0 and outcomes["answer: ok"] > 0, outcomes
    assert outcomes["create: 400 RAM.1012"] > 0, "the share quota was never reached"
    figures.add("concurrent operations run", sum(outcomes.values()))
    assert broken_rules(server.runtime.engine) == {}

    owners = [a.account_id for a in accounts]
    per_owner = (
        select(func.count().label("n"))
        .where(resource_shares.c.status == "active", resource_shares.c.owner_account_id.in_(owners))
        .group_by(resource_shares.c.owner_account_id)
        .subquery()
    )
    a, s = associations.c, resource_shares.c
    per_share = (
        select(func.count().label("n"))
        .select_from(associations.join(resource_shares, s.id == a.resource_share_id))
        .where(
            s.owner_account_id.in_(owners),
            a.association_type == "principal",
            a.status != "disassociated",
        )
        .group_by(a.resource_share_id)
        .subquery()
    )
    with server.runtime.engine.connect() as connection:
        most_shares = connection.execute(select(func.max(per_owner.c.n))).scalar_one()
        most_principals = connection.execute(select(func.max(per_share.c.n))).scalar_one()
    assert 0 < most_shares <= QUOTA.resource_share
    assert 0 < most_principals <= QUOTA.principal_association
