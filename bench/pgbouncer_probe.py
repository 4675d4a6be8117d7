"""ShareKeeper through pgbouncer (docs/scaling.md, "pgbouncer: session mode only").

    python bench/pgbouncer_probe.py --postgres postgresql://USER@HOST:PORT/A_FRESH_DATABASE \
        --mode transaction|session|direct [--no-prepare]

Starts pgbouncer (Debian's `pgbouncer`; as the `postgres` user when run as root, since it
refuses root) with a configuration of its own on a free 127.0.0.1 port, and `sharekeeper serve`
through it (`direct`: no pgbouncer, the control). Then 200 SDK flows (create, search, accept)
from 8 threads, and 15 rounds of: a new key used three times, revoked, used once more.
`--no-prepare` serves with psycopg's automatic prepared statements off, which ShareKeeper has no
setting for: an experiment, through a wrapper. Prints one JSON object: the flows that passed,
each failure by its kind, and what the request after each revocation got."""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from huaweicloudsdkram.v1 import (  # noqa: E402
    AcceptResourceShareInvitationRequest,
    CreateResourceShareReqBody,
    CreateResourceShareRequest,
    SearchResourceShareInvitationReqBody,
    SearchResourceShareInvitationRequest,
    SearchResourceSharesReqBody,
    SearchResourceSharesRequest,
)
from run import free_port, process  # noqa: E402

from sharekeeper.bootstrap import build_runtime  # noqa: E402
from sharekeeper.config import Settings  # noqa: E402
from sharekeeper.domain.quotas import QUOTA_MAX, Quotas  # noqa: E402
from sharekeeper.services import identity  # noqa: E402
from sharekeeper.store.engine import driver_url  # noqa: E402
from sharekeeper.testing import Account  # noqa: E402

# psycopg's connections with prepare_threshold=None, as its connect() keyword would give.
_NO_PREPARE = """
import sys
from psycopg._connection_base import BaseConnection
BaseConnection.prepare_threshold = property(
    lambda self: None, lambda self, value: setattr(self._prepared, "prepare_threshold", None)
)
from sharekeeper.cli.main import main
sys.argv = ["sharekeeper", "serve"]
main()
"""


@contextmanager
def pgbouncer(postgres_url: str, mode: str, work: Path) -> Iterator[str]:
    """pgbouncer in ``mode`` in front of the URL's database; yields the URL through it."""
    conninfo = driver_url(postgres_url).replace("postgresql+psycopg", "postgresql", 1)
    user_host, _, database = conninfo.removeprefix("postgresql://").rpartition("/")
    user, _, host_port = user_host.rpartition("@")
    host, _, port = host_port.partition(":")
    listen = free_port()
    config = work / "pgbouncer.ini"
    config.write_text(
        f"[databases]\n{database} = host={host} port={port or 5432} dbname={database} "
        f"user={user}\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {listen}\n"
        f"unix_socket_dir =\nauth_type = trust\nauth_file = {work / 'users.txt'}\n"
        f"pool_mode = {mode}\ndefault_pool_size = 20\nmax_client_conn = 200\n"
        # ShareKeeper sends plan_cache_mode and statement_timeout as connection options, which
        # pgbouncer refuses ("unsupported startup parameter: options") unless told to drop them.
        "ignore_startup_parameters = options\n"
        f"logfile = {work / 'pgbouncer.log'}\n"
    )
    (work / "users.txt").write_text(f'"{user}" ""\n')
    command = ["pgbouncer", str(config)]
    if os.geteuid() == 0:
        shutil.chown(work, "postgres")
        for path in work.iterdir():
            shutil.chown(path, "postgres")
        command = ["runuser", "-u", "postgres", "--", *command]
    bouncer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        time.sleep(1)
        if bouncer.poll() is not None:
            raise RuntimeError(f"pgbouncer did not start; see {work / 'pgbouncer.log'}")
        yield f"postgresql://{user}@127.0.0.1:{listen}/{database}"
    finally:
        bouncer.terminate()
        bouncer.wait(15)


def flows(endpoint: str, owner: Account, receiver: Account) -> tuple[int, Counter[str]]:
    passed = 0
    failures: Counter[str] = Counter()
    lock = threading.Lock()

    def one(tag: str) -> None:
        nonlocal passed
        try:
            body = CreateResourceShareReqBody(
                name=tag,
                principals=[receiver.account_id],
                resource_urns=[f"vpc:cn-north-4:{owner.account_id}:subnet:{tag}"],
            )
            share = owner.ram.create_resource_share(CreateResourceShareRequest(body=body))
            found = receiver.ram.search_resource_share_invitation(
                SearchResourceShareInvitationRequest(
                    body=SearchResourceShareInvitationReqBody(
                        resource_share_ids=[share.resource_share.id]
                    )
                )
            )
            (invitation,) = found.resource_share_invitations
            receiver.ram.accept_resource_share_invitation(
                AcceptResourceShareInvitationRequest(
                    resource_share_invitation_id=invitation.resource_share_invitation_id
                )
            )
            with lock:
                passed += 1
        except Exception as error:  # every failure is counted, by its kind
            kind = f"{getattr(error, 'status_code', '')} {getattr(error, 'error_code', '')}"
            with lock:
                failures[kind.strip() or type(error).__name__] += 1

    def worker(index: int) -> None:
        for n in range(25):
            one(f"probe-{index}-{n}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    return passed, failures


def revocations(settings: Settings, account_id: str, endpoint: str) -> Counter[str]:
    """What the request right after each revocation got ("accepted" is the failure)."""
    runtime = build_runtime(settings, upgrade=False)
    outcomes: Counter[str] = Counter()
    search = SearchResourceSharesRequest(body=SearchResourceSharesReqBody(resource_owner="self"))
    for _ in range(15):
        key = identity.create_access_key(runtime.context, account_id)
        account = Account(account_id, key.access_key, key.secret_key, endpoint=endpoint)
        for _ in range(3):  # read and kept by the server's key cache
            try:
                account.ram.search_resource_shares(search)
            except Exception:  # only warming the cache
                continue
        identity.revoke_access_key(runtime.context, key.access_key)
        try:
            account.ram.search_resource_shares(search)
            outcomes["accepted"] += 1
        except Exception as error:  # the refusal's code is the outcome
            outcomes[f"{getattr(error, 'status_code', '')} {getattr(error, 'error_code', '')}"] += 1
    runtime.close()
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", required=True, help="a fresh database of your own")
    parser.add_argument("--mode", choices=("transaction", "session", "direct"), required=True)
    parser.add_argument("--no-prepare", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sharekeeper-pgbouncer-"))
    master_key = base64.b64encode(os.urandom(32)).decode()
    quotas = Quotas(
        resource_share=QUOTA_MAX, resource_association=QUOTA_MAX, principal_association=QUOTA_MAX
    )
    direct = Settings(
        data_dir=work, database_url=args.postgres, master_key=master_key, quotas=quotas
    )
    runtime = build_runtime(direct)
    made = [identity.create_account(runtime.context, name) for name in ("owner", "receiver")]
    runtime.close()
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    owner, receiver = (
        Account(a.id, k.access_key, k.secret_key, endpoint=endpoint) for a, k in made
    )

    @contextmanager
    def served(url: str) -> Iterator[None]:
        env = {
            **os.environ,
            "SHAREKEEPER_DATABASE_URL": url,
            "SHAREKEEPER_DATA_DIR": str(work),
            "SHAREKEEPER_MASTER_KEY": master_key,
            "SHAREKEEPER_PORT": str(port),
            "SHAREKEEPER_LOG_LEVEL": "warning",
            "SHAREKEEPER_QUOTA_RESOURCE_SHARE": str(QUOTA_MAX),
            "SHAREKEEPER_QUOTA_PRINCIPAL_ASSOCIATION": str(QUOTA_MAX),
            "SHAREKEEPER_QUOTA_RESOURCE_ASSOCIATION": str(QUOTA_MAX),
        }
        serve = [str(Path(sys.executable).parent / "sharekeeper"), "serve"]
        command = [sys.executable, "-c", _NO_PREPARE] if args.no_prepare else serve
        with process(command, env, work / "serve.log", f"{endpoint}/readyz", cores="0-1"):
            yield

    @contextmanager
    def database() -> Iterator[str]:
        if args.mode == "direct":
            yield args.postgres
        else:
            with pgbouncer(args.postgres, args.mode, work) as url:
                yield url

    with database() as url, served(url):
        passed, failures = flows(endpoint, owner, receiver)
        outcomes = revocations(direct, owner.account_id, endpoint)
    print(
        json.dumps(
            {
                "mode": args.mode,
                "no_prepare": args.no_prepare,
                "flows_passed": passed,
                "flows": 200,
                "failures": dict(failures),
                "after_revocation": dict(outcomes),
                "logs": str(work),
            }
        )
    )


if __name__ == "__main__":
    main()
