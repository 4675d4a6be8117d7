"""From a change's commit to a NATS subscriber holding its event, through the server's relay:
`python bench/nats_latency.py [--changes 200] [--url nats://127.0.0.1:4222]`.

Each change is a share created through the official SDK (a signed HTTP call) on a fresh SQLite
server whose relay publishes to a stream of its own. Timed from just before the call is sent
to the subscriber receiving the share's ``ram.resource_share.created``: an upper bound of
commit-to-subscriber, since it includes the call's own round trip. Measured in the same run:
``call``, the call's round trip alone, and ``nats_floor``, a bare JetStream publish to a
subscriber on the same server. The target (issue 25) is a p99 under 100 ms; ``ratio_p99`` is
the p99 over the floor's, ``ratio_p99_to_call`` over the call's. The last line of output is
one JSON object."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import nats
from huaweicloudsdkram.v1 import CreateResourceShareReqBody, CreateResourceShareRequest

from sharekeeper.domain.quotas import QUOTA_MAX, Quotas
from sharekeeper.testing import Account, start_server

# The longest the bench waits for one event before calling it lost.
EVENT_WAIT_SECONDS = 30


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p99_ms": p99 * 1000}


async def relay_latency(url: str, changes: int) -> dict[str, Any]:
    token = uuid.uuid4().hex[:12]
    stream, prefix = f"SK_BENCH_{token}", f"skbench{token}"
    data_dir = Path(tempfile.mkdtemp(prefix="sharekeeper-bench-nats-"))
    server = start_server(
        data_dir,
        nats_url=url,
        nats_stream=stream,
        nats_subject_prefix=prefix,
        quotas=Quotas(resource_share=QUOTA_MAX),  # one share per change
    )
    client = await nats.connect(url)
    arrived: dict[str, asyncio.Future[float]] = {}

    async def seen(message: Any) -> None:
        name = json.loads(message.data)["data"]["name"]
        if name in arrived and not arrived[name].done():
            arrived[name].set_result(time.perf_counter())

    await client.subscribe(f"{prefix}.ram.resource_share.created", cb=seen)
    owner = server.account("owner")
    totals, calls = [], []
    try:
        for number in range(changes):
            name = f"bench-{number}"
            arrived[name] = asyncio.get_running_loop().create_future()
            sent = time.perf_counter()
            await asyncio.to_thread(_create, owner, name)
            calls.append(time.perf_counter() - sent)
            totals.append(await asyncio.wait_for(arrived[name], EVENT_WAIT_SECONDS) - sent)
    finally:
        server.stop()
        await client.jetstream().delete_stream(stream)
        await client.close()
    return {"relay": percentiles(totals), "call": percentiles(calls)}


def _create(owner: Account, name: str) -> None:
    body = CreateResourceShareReqBody(name=name, resource_urns=[owner.urn(name)])
    owner.ram.create_resource_share(CreateResourceShareRequest(body=body))


async def nats_floor(url: str, count: int) -> dict[str, float]:
    """A JetStream publish, acknowledged, to a core subscriber: what NATS alone costs."""
    token = uuid.uuid4().hex[:12]
    stream, subject = f"SK_FLOOR_{token}", f"skfloor{token}.x"
    client = await nats.connect(url)
    js = client.jetstream()
    await js.add_stream(name=stream, subjects=[subject])
    queue: asyncio.Queue[float] = asyncio.Queue()

    async def seen(message: Any) -> None:
        queue.put_nowait(time.perf_counter())

    await client.subscribe(subject, cb=seen)
    samples = []
    try:
        for _ in range(count):
            sent = time.perf_counter()
            await js.publish(subject, b"{}")
            samples.append(await asyncio.wait_for(queue.get(), EVENT_WAIT_SECONDS) - sent)
    finally:
        await js.delete_stream(stream)
        await client.close()
    return percentiles(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--url", default="nats://127.0.0.1:4222")
    args = parser.parse_args()
    floor = asyncio.run(nats_floor(args.url, args.changes))
    measured = asyncio.run(relay_latency(args.url, args.changes))
    result = {
        **measured,
        "nats_floor": floor,
        "ratio_p99": measured["relay"]["p99_ms"] / floor["p99_ms"],
        "ratio_p99_to_call": measured["relay"]["p99_ms"] / measured["call"]["p99_ms"],
        "target_p99_ms": 100,
        "changes": args.changes,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
