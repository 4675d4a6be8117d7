"""Decisions through HTTP against the search floor of bench/run.py, measured in one run:
`python bench/authorize.py [--seconds 3] [--postgres URL]`.

- ``decision``: POST /sharekeeper/v1/authorize, one request (an accepted share's subnet);
- ``batch_100``: the same with ``requests`` of 100 (every decision a different subnet), whose
  decisions a second are its requests a second times 100;
- ``search``: ShareKeeper's own invitation search (a page of 50), and ``search_floor``: the
  bare Starlette app of bench/floor.py running that search's SQL without signature, validation
  or audit, over a copy of the same database.

With ``--scale N``, the same decision in process (the service function, no HTTP) is timed after
seeding 10,000 other shares and again after N: each holds a subnet of the owner and reaches an
account of its own, so the association index grows as real sharing makes it grow. The target
is a flat p50 (N / 10,000 <= 1.5).

The targets (issue 25) are ratios to the floor: a decision >= 0.8, a batch of 100 >= 10 in
decisions a second. A figure whose answers were not all 2xx is reported as its errors, with no
rate. The last line of output is one JSON object."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
import seed  # noqa: E402
import wrk  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from sharekeeper.bootstrap import build_runtime  # noqa: E402
from sharekeeper.config import Settings  # noqa: E402
from sharekeeper.domain.accounts import Caller as Signer  # noqa: E402
from sharekeeper.domain.invitations import InvitationQuery  # noqa: E402
from sharekeeper.domain.paging import PageRequest  # noqa: E402
from sharekeeper.services import (  # noqa: E402
    decisions,
    identity,
    invitations,
    service_principals,
    shares,
)
from sharekeeper.store import tables  # noqa: E402

AUTHORIZE = "/sharekeeper/v1/authorize"
SUBNETS = 100


def _seed(settings: Settings, invitation_count: int) -> dict[str, Any]:
    """An owner whose share of SUBNETS subnets the receiver accepted, the receiver's pending
    invitations for the searches, and a vpc service principal."""
    runtime = build_runtime(settings)
    ctx = runtime.context
    try:
        owner, owner_key = identity.create_account(ctx, "bench-owner")
        receiver, receiver_key = identity.create_account(ctx, "bench-receiver")
        urns = [f"vpc:cn-north-4:{owner.id}:subnet:bench-{i}" for i in range(SUBNETS)]
        share = shares.create_resource_share(
            ctx,
            Signer(owner.id, owner_key.access_key),
            name="bench-decisions",
            principals=[receiver.id],
            resource_urns=urns,
        )
        as_receiver = Signer(receiver.id, receiver_key.access_key)
        (invitation,) = invitations.search_invitations(
            ctx, as_receiver, InvitationQuery(share_ids=(share.id,)), PageRequest(10)
        ).items
        invitations.accept_invitation(ctx, as_receiver, invitation.id)
        invitation_ids = seed.seed_invitations(
            runtime.engine, owner.id, receiver.id, invitation_count
        )
        service, secret = service_principals.create_service(ctx, "bench-vpc", ["vpc"])
    finally:
        runtime.close()
    return {
        "owner": (owner.id, owner_key.access_key, owner_key.secret_key),
        "receiver": (receiver.id, receiver_key.access_key, receiver_key.secret_key),
        "service": (service.id, service.access_key, secret),
        "urns": urns,
        "invitation_ids": invitation_ids,
    }


def _rate(result: dict[str, Any], per_request: int = 1) -> dict[str, Any]:
    """A wrk result as figures, or as its errors when any answer was not a 2xx. Socket errors
    (connections wrk saw time out or fail on a loaded machine, the floor's too) are reported
    beside the rate: they are no wrong answers, and every rate counts only 2xx answers."""
    if "refused" in result:  # run.floor_search judges its run itself
        return {"error": result["refused"]}
    if result["non2xx"]:
        return {"error": f"{result['non2xx']} of {result['requests']} answers were not 2xx"}
    return {
        "rps": round(result["rps"], 1),
        "decisions_per_s": round(result["rps"] * per_request, 1),
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "socket_errors": result["socket_errors"],
        "server_cpu": result["server_cpu"],
    }


def measure(database_url: str, work: Path, seconds: float, invitation_count: int) -> dict[str, Any]:
    data_dir = work / "data"
    master_key = base64.b64encode(os.urandom(32)).decode()
    settings = Settings(data_dir=data_dir, database_url=database_url, master_key=master_key)
    seeded = _seed(settings, invitation_count)
    port = run.free_port()
    # Each seeded caller is its (account id, access key, secret key).
    receiver_keys: tuple[str, str, str] = seeded["receiver"]
    owner_keys: tuple[str, str, str] = seeded["owner"]
    service_keys: tuple[str, str, str] = seeded["service"]
    receiver = run.Caller(*receiver_keys, port)
    owner = run.Caller(*owner_keys, port)
    service = run.Caller(*service_keys, port)
    principal = seeded["receiver"][0]

    def body(urn: str) -> dict[str, str]:
        return {"principal": principal, "action": "vpc:subnets:get", "resource": urn}

    single = [
        service.signed("POST", AUTHORIZE, json.dumps(body(urn)).encode()) for urn in seeded["urns"]
    ]
    batch = [
        service.signed(
            "POST", AUTHORIZE, json.dumps({"requests": [body(u) for u in seeded["urns"]]}).encode()
        )
    ]
    search = run.searches(owner, receiver)["search"]
    env = {**run.sharekeeper_env(database_url, data_dir), "SHAREKEEPER_MASTER_KEY": master_key}
    command = [run.PYTHON, "-m", "sharekeeper", "serve", "--port", str(port)]
    raw: dict[str, Any] = {}
    with run.process(
        command, env, work / "sharekeeper.log", f"http://127.0.0.1:{port}/healthz"
    ) as pid:
        for name, requests in (("decision", single), ("batch_100", batch), ("search", search)):
            wrk.run(requests, port, work, 1, 16)  # warm up
            raw[name] = run.loaded(pid, requests, port, work, seconds, 64)
    with run.database_copy(database_url, work) as copy:
        search_floor = run.floor_search(copy, principal, search, work, seconds)
    figures = {
        "decision": _rate(raw["decision"]),
        "batch_100": _rate(raw["batch_100"], SUBNETS),
        "search": _rate(raw["search"]),
        "search_floor": _rate(search_floor),
    }
    floor = figures["search_floor"]
    ratios: dict[str, Any] = {}
    if "rps" in floor:
        for name in ("decision", "batch_100", "search"):
            figure = figures[name]
            if "rps" not in figure:
                ratios[f"{name}_to_search_floor"] = None
                continue
            ratios[f"{name}_to_search_floor"] = round(figure["decisions_per_s"] / floor["rps"], 2)
            # Per second of the server's CPU: on a machine others load, the server may get a
            # fraction of its core, and not the same fraction as the floor's.
            if figure["server_cpu"] and floor["server_cpu"]:
                mine = figure["decisions_per_s"] / figure["server_cpu"]
                ratios[f"{name}_to_search_floor_per_cpu"] = round(
                    mine / (floor["rps"] / floor["server_cpu"]), 2
                )
    return {**figures, "ratios": ratios}


def _seed_other_shares(engine: Any, owner: str, start: int, count: int) -> None:
    """``count`` active shares of ``owner``, each holding a subnet and reaching an account."""
    now = time.time_ns() // 1_000_000
    for first in range(start, start + count, 20_000):
        n = min(20_000, start + count - first)
        ids = [str(uuid.uuid4()) for _ in range(n)]
        shares_rows = [
            {
                "id": share,
                "owner_account_id": owner,
                "name": f"other-{first + i}",
                "description": "",
                "allow_external_principals": True,
                "status": "active",
                "created_at": now,
                "updated_at": now,
            }
            for i, share in enumerate(ids)
        ]
        rows = []
        for i, share in enumerate(ids):
            urn = f"vpc:cn-north-4:{owner}:subnet:other-{first + i}"
            account = uuid.uuid4().hex
            for kind, entity in (("resource", urn), ("principal", account)):
                rows.append(
                    {
                        "resource_share_id": share,
                        "association_type": kind,
                        "entity": entity,
                        "entity_hash": hashlib.sha256(entity.encode()).hexdigest(),
                        "principal_account_id": account if kind == "principal" else None,
                        "resource_type": "vpc:subnet" if kind == "resource" else None,
                        "status": "associated",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        with engine.begin() as connection:
            connection.execute(insert(tables.resource_shares), shares_rows)
            connection.execute(insert(tables.associations), rows)


def _p50_us(ctx: Any, caller: Signer, asked: list[tuple[str, str, str]], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        decisions.authorize(ctx, caller, asked)
        timings.append(time.perf_counter() - started)
    return round(sorted(timings)[rounds // 2] * 1e6, 1)


def measure_scale(database_url: str, work: Path, largest: int) -> dict[str, Any]:
    """In-process p50 of one decision with 10,000 other shares, then with ``largest``."""
    master_key = base64.b64encode(os.urandom(32)).decode()
    settings = Settings(data_dir=work / "scale", database_url=database_url, master_key=master_key)
    seeded = _seed(settings, 0)
    runtime = build_runtime(settings)
    try:
        ctx = runtime.context
        service = Signer(seeded["service"][0], seeded["service"][1])
        asked = [(seeded["receiver"][0], "vpc:subnets:get", seeded["urns"][0])]
        found: dict[str, Any] = {}
        seeded_count = 0
        for size in (10_000, largest):
            _seed_other_shares(
                runtime.engine, seeded["owner"][0], seeded_count, size - seeded_count
            )
            seeded_count = size
            if decisions.authorize(ctx, service, asked)[0].verdict.value != "allow":
                return {"error": "the benchmark's decision was not an allow"}
            found[f"p50_us_{size}"] = _p50_us(ctx, service, asked, 2000)
        found["ratio"] = round(found[f"p50_us_{largest}"] / found["p50_us_10000"], 2)
        return found
    finally:
        runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--invitations", type=int, default=2000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a fresh database is made)")
    parser.add_argument("--scale", type=int, default=0, help="other shares for the flat check")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sk-bench-authorize-") as tmp:
        work = Path(tmp)
        sqlite_work = work / "sqlite"
        sqlite_work.mkdir()
        url = f"sqlite:///{sqlite_work / 'bench.db'}"
        results["sqlite"] = measure(url, sqlite_work, args.seconds, args.invitations)
        print(json.dumps({"sqlite": results["sqlite"]}, indent=2), file=sys.stderr)
        if args.scale:
            scale_work = work / "scale"
            scale_work.mkdir()
            scale_url = f"sqlite:///{scale_work / 'scale.db'}"
            results["sqlite_scale"] = measure_scale(scale_url, scale_work, args.scale)
            print(json.dumps({"sqlite_scale": results["sqlite_scale"]}), file=sys.stderr)
        if args.postgres:
            pg_work = work / "postgres"
            pg_work.mkdir()
            with run.fresh_postgres(args.postgres) as pg_url:
                results["postgresql"] = measure(pg_url, pg_work, args.seconds, args.invitations)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
