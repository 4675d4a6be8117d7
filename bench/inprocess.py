"""Per-request cost of each benchmarked operation inside one process: the ASGI app called
directly with pre-signed requests, no HTTP server, no network, no load generator. It isolates
what ShareKeeper's own code costs (use `--profile` for a cProfile of one operation).

Each operation runs through Huawei's API and through AWS's (``aws_*``: the same operation on
the same database, signed with SigV4 as boto3 sends it; ``aws_create_token`` and
``aws_accept_token`` add a clientToken, new per request, to show what idempotency costs).

    python bench/inprocess.py [--invitations N] [--profile accept|aws_accept|create|...]"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import base64
import cProfile
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import aws_load  # noqa: E402
import seed  # noqa: E402
from run import Caller, raw  # noqa: E402

from sharekeeper.app import create_app  # noqa: E402
from sharekeeper.bootstrap import build_runtime  # noqa: E402
from sharekeeper.config import Settings  # noqa: E402
from sharekeeper.domain.quotas import QUOTA_MAX, Quotas  # noqa: E402
from sharekeeper.logs import configure_logging  # noqa: E402
from sharekeeper.services import identity  # noqa: E402

PORT = 9460
# Operations whose requests are used up: each accept answers an invitation of its own, each
# create with a clientToken makes a share (the same token again would be a replay).
CONSUMED = ("accept", "aws_accept", "aws_accept_token", "aws_create_token")


def parse(raw: str) -> tuple[dict[str, Any], bytes]:
    """A raw HTTP/1.1 request as an ASGI scope and its body."""
    head, _, body = raw.partition("\r\n\r\n")
    lines = head.split("\r\n")
    method, target, _ = lines[0].split(" ")
    path, _, query = target.partition("?")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(": ")
        headers.append((name.lower().encode(), value.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", PORT),
    }
    return scope, body.encode()


async def call(app: Any, scope: dict[str, Any], body: bytes) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invitations", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--profile", default="", help="cProfile this operation")
    parser.add_argument("--only", default="", help="run only this operation (for py-spy)")
    parser.add_argument("--database", default="", help="a database URL (default: SQLite)")
    parser.add_argument("--synchronous", default="full", help="SQLite's synchronous setting")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sharekeeper-inprocess-"))
    # Its database and master key go with the run (a run of many rounds leaves megabytes).
    atexit.register(shutil.rmtree, work, True)
    url = args.database or f"sqlite:///{work / 'bench.db'}"
    settings = Settings(
        data_dir=work,
        database_url=url,
        master_key=base64.b64encode(os.urandom(32)).decode(),
        quotas=Quotas(resource_share=QUOTA_MAX),
        sqlite_synchronous=args.synchronous,
    )
    runtime = build_runtime(settings)
    ctx = runtime.context
    owner_account, owner_key = identity.create_account(ctx, "bench-owner")
    receiver_account, receiver_key = identity.create_account(ctx, "bench-receiver")
    creator_account, creator_key = identity.create_account(ctx, "bench-creator")
    invitation_ids = seed.seed_invitations(
        runtime.engine, owner_account.id, receiver_account.id, args.invitations, tagged=True
    )
    owner = Caller(owner_account.id, owner_key.access_key, owner_key.secret_key, PORT)
    receiver = Caller(receiver_account.id, receiver_key.access_key, receiver_key.secret_key, PORT)
    creator = Caller(creator_account.id, creator_key.access_key, creator_key.secret_key, PORT)

    def aws(account: Any, key: Any) -> aws_load.AwsCaller:
        return aws_load.AwsCaller(account.aws_account_id, key.access_key, key.secret_key, PORT)

    aws_owner, aws_receiver = aws(owner_account, owner_key), aws(receiver_account, receiver_key)
    aws_creator = aws(creator_account, creator_key)
    sender, principal = owner_account.aws_account_id, receiver_account.aws_account_id
    # Each accept figure answers invitations of its own.
    quarter = len(invitation_ids) // 4
    accepts = [invitation_ids[k * quarter : (k + 1) * quarter] for k in range(4)]
    tag_body = {
        "resource_owner": "self",
        "limit": 50,
        "tag_filters": [{"key": "env", "values": ["prod"]}],
    }
    create_body = {
        "name": "bench",
        "principals": [receiver_account.id],
        "resource_urns": [f"vpc:cn-north-4:{creator_account.id}:subnet:bench-1"],
    }
    requests = {
        "accept": [
            receiver.signed("POST", f"/v1/resource-share-invitations/{i}/accept")
            for i in accepts[0]
        ],
        "aws_accept": [raw(aws_load.accept(aws_receiver, sender, i)) for i in accepts[1]],
        "aws_accept_token": [
            raw(aws_load.accept(aws_receiver, sender, i, token=True)) for i in accepts[2]
        ],
        "aws_search": [raw(aws_load.search(aws_owner))],
        "aws_list": [raw(aws_load.listing(aws_receiver))],
        "aws_create": [raw(aws_load.create(aws_creator, principal))],
        # A token sent again is a replay, which creates nothing: one request per create. Signed
        # only when that operation runs: with another one's ``--only``, signing them made each
        # round of it cost ~213 k instructions more under callgrind (two counts of rounds
        # differenced counted them as that operation's).
        "aws_create_token": [
            raw(aws_load.create(aws_creator, principal, token=True))
            for _ in range(args.rounds + 50 if args.only in ("", "aws_create_token") else 0)
        ],
        "search": [
            receiver.signed("POST", "/v1/resource-share-invitations/search", b'{"limit": 50}')
        ],
        "tag_search": [
            owner.signed("POST", "/v1/resource-shares/search", json.dumps(tag_body).encode())
        ],
        "create": [creator.signed("POST", "/v1/resource-shares", json.dumps(create_body).encode())],
    }
    # The server logs a JSON line per request; so does this, to a sink.
    configure_logging("json", "info", open(os.devnull, "w"))  # noqa: SIM115
    app = create_app(settings, runtime=runtime)
    results = {}

    async def drive(name: str, rounds: int) -> float:
        # Consumed, so that each accept answers a pending invitation of its own.
        parsed = [parse(r) for r in requests[name]]
        if name in CONSUMED:
            del requests[name][:rounds]
        started = time.perf_counter()
        for i in range(rounds):
            scope, body = parsed[i % len(parsed)]
            status = await call(app, dict(scope), body)
            if status >= 300:
                raise SystemExit(f"{name}: status {status}")
        return (time.perf_counter() - started) / rounds * 1e6

    async def everything() -> None:
        for name in requests:
            if args.only and name != args.only:
                continue
            rounds = args.rounds
            if name in CONSUMED:
                rounds = min(rounds, (len(requests[name]) - 50) // 2)
            await drive(name, 50)  # warm up
            if args.profile == name:
                profiler = cProfile.Profile()
                profiler.enable()
                results[name] = await drive(name, rounds)
                profiler.disable()
                stats = pstats.Stats(profiler)
                stats.sort_stats("cumulative").print_stats(45)
                stats.sort_stats("tottime").print_stats(25)
            else:
                # The best of five slices: this machine's speed varies from second to second.
                results[name] = min([await drive(name, rounds // 5) for _ in range(5)])

    asyncio.run(everything())
    runtime.close()
    print(json.dumps({name: round(us) for name, us in results.items()} | {"unit": "µs/request"}))


if __name__ == "__main__":
    main()
