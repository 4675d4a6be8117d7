"""Every AWS write commits the change-feed events and the audit record its Huawei twin does:
enforcement reads the feed, so a write that skipped it would be a share nobody enforces."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.decision_support import TOKEN
from tests.api.feed_support import kinds, read_all, tail
from tests.sdk.helpers import accept, create_share, disassociate, invitation_for
from tests.sdk.test_permissions_and_tags import tag
from tests.support import LiveServer, settings_for


@pytest.fixture(scope="module")
def fed(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(settings_for(database_url, data_dir, admin_token=TOKEN))
    live.start()
    yield live
    live.stop()


def _types(server: LiveServer, cursor: str) -> list[str]:
    events, _ = read_all(server, cursor)
    return [kind for kind, _ in kinds(events)]


def test_an_aws_write_commits_the_events_and_audit_records_its_huawei_twin_does(
    fed: LiveServer,
) -> None:
    owner, receiver = fed.account("feed-owner"), fed.account("feed-receiver")
    start = tail(fed)
    share = create_share(
        owner, "huawei", principals=[receiver.account_id], resource_urns=[owner.urn("sn-h")]
    )
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    tag(owner, share.id, team="net")
    disassociate(owner, share.id, principals=[receiver.account_id])
    huawei = _types(fed, start)

    start = tail(fed)
    ram, theirs = owner.aws("ram"), receiver.aws("ram")
    arn = ram.create_resource_share(
        name="aws",
        principals=[receiver.aws_account_id],
        resourceArns=[f"arn:aws:ec2:us-east-1:{owner.aws_account_id}:subnet/sn-a"],
    )["resourceShare"]["resourceShareArn"]
    (invitation,) = theirs.get_resource_share_invitations(resourceShareArns=[arn])[
        "resourceShareInvitations"
    ]
    theirs.accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
    )
    ram.tag_resource(resourceShareArn=arn, tags=[{"key": "team", "value": "net"}])
    ram.disassociate_resource_share(resourceShareArn=arn, principals=[receiver.aws_account_id])
    assert _types(fed, start) == huawei
    assert len(huawei) >= 8, huawei

    bearer = {"Authorization": f"Bearer {TOKEN}"}
    records = httpx.get(
        f"{fed.endpoint}/admin/v1/audit-records",
        params={"account_id": owner.account_id},
        headers=bearer,
    ).json()["audit_records"]
    aws = sorted(r["operation"] for r in records if r["operation"].startswith("aws:"))
    assert aws == [
        "aws:CreateResourceShare",
        "aws:DisassociateResourceShare",
        "aws:TagResource",
    ]
    assert all(r["outcome"] == "200" for r in records if r["operation"].startswith("aws:"))
