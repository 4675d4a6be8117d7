"""Demo mode: two accounts and an organization on first start, and a snippet that shows an
invitation accepted, so a newcomer sees ShareKeeper work within a minute."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from sharekeeper.bootstrap import Runtime
from sharekeeper.config import Settings
from sharekeeper.domain.accounts import Caller
from sharekeeper.services import directory, identity


def ensure_demo(runtime: Runtime, settings: Settings) -> dict[str, Any]:
    """The demo accounts, made on first start and kept (with their keys, mode 0600) in the data
    directory, one file per database; made again if the database no longer has them."""
    data_dir = settings.data_dir
    tag = hashlib.sha256(settings.database_url.encode()).hexdigest()[:12]
    path = data_dir / f"demo-{tag}.json"
    ctx = runtime.context
    if path.exists():
        demo: dict[str, Any] = json.loads(path.read_text("utf-8"))
        with ctx.reading() as uow:
            if uow.accounts.get(demo["alice"]["account_id"]) is not None:
                return demo
    accounts = {}
    for name in ("alice", "bob"):
        account, key = identity.create_account(ctx, name)
        accounts[name] = {
            "account_id": account.id,
            "access_key": key.access_key,
            "secret_key": key.secret_key,
        }
    alice = Caller(accounts["alice"]["account_id"], accounts["alice"]["access_key"])
    org = directory.create_organization(ctx, alice).organization
    demo = {**accounts, "organization_id": org.id}
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(demo, handle)
    return demo


def demo_text(demo: dict[str, Any], endpoint: str) -> str:
    alice, bob = demo["alice"], demo["bob"]
    subnet = f"vpc:cn-north-4:{alice['account_id']}:subnet:subnet-demo"

    def ram(who: dict[str, str], command: str) -> str:
        keys = f"--endpoint {endpoint} --ak {who['access_key']} --sk {who['secret_key']}"
        return f"{command_path()} ram {keys} {command}"

    cli = "\n".join(
        (
            ram(
                alice,
                f"shares create --name demo-cli --principal {bob['account_id']} "
                f"--resource {subnet.replace('subnet-demo', 'subnet-cli')}",
            ),
            ram(bob, "invitations list --status pending"),
            ram(bob, "invitations accept INVITATION_ID"),
        )
    )
    return f"""
ShareKeeper demo: alice manages organization {demo["organization_id"]}; bob is outside it.

  alice  account {alice["account_id"]}  AK {alice["access_key"]}  SK {alice["secret_key"]}
  bob    account {bob["account_id"]}  AK {bob["access_key"]}  SK {bob["secret_key"]}

----- SDK example (pip install huaweicloudsdkram; python this) -----
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkram.v1 import *

def client(ak, sk, account):
    return RamClient.new_builder().with_credentials(GlobalCredentials(ak, sk, account)) \\
        .with_endpoints(["{endpoint}"]).build()

alice = client("{alice["access_key"]}", "{alice["secret_key"]}", "{alice["account_id"]}")
bob = client("{bob["access_key"]}", "{bob["secret_key"]}", "{bob["account_id"]}")
share = alice.create_resource_share(CreateResourceShareRequest(body=CreateResourceShareReqBody(
    name="demo-share", principals=["{bob["account_id"]}"],
    resource_urns=["{subnet}"]))).resource_share
invitation = bob.search_resource_share_invitation(SearchResourceShareInvitationRequest(
    body=SearchResourceShareInvitationReqBody(resource_share_ids=[share.id])
)).resource_share_invitations[0]
answer = bob.accept_resource_share_invitation(AcceptResourceShareInvitationRequest(
    resource_share_invitation_id=invitation.resource_share_invitation_id))
print(answer.resource_share_invitation.status)
----- end -----

----- the same from the command line -----
{cli}
----- end -----

Web console: {endpoint}/console/ (sign in with an AK and SK above)
"""


def command_path() -> str:
    """How to run ``sharekeeper`` from here: its name if the PATH finds this one, else its
    full path (a virtual environment's bin is seldom on the PATH)."""
    beside = Path(sys.executable).parent / "sharekeeper"
    found = shutil.which("sharekeeper")
    if found and (not beside.exists() or Path(found).resolve() == beside.resolve()):
        return "sharekeeper"
    return str(beside) if beside.exists() else f"{sys.executable} -m sharekeeper"
