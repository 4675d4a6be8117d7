"""Decisions through HTTP against the search floor of bench/run.py, measured in one run:
`python bench/authorize.py [--seconds 3] [--postgres URL]`.

- ``decision``: POST /sharekeeper/v1/authorize, one request (an accepted share's subnet);
- ``batch_100``: the same with ``requests`` of 100 (every decision a different subnet), whose
  decisions a second are its requests a second times 100;
- ``search``: ShareKeeper's own invitation search (a page of 50), and ``search_floor``: the
  bare Starlette app of bench/floor.py running that search's SQL without signature, validation
  or audit, over a copy of the same database.

The targets (issue 25) are ratios to the floor: a decision >= 0.8, a batch of 100 >= 10 in
decisions a second. A run whose answers were not all 2xx reports the errors and no rate. The
last line of output is one JSON object."""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
import seed  # noqa: E402
import wrk  # noqa: E402

from sharekeeper.bootstrap import build_runtime  # noqa: E402
from sharekeeper.config import Settings  # noqa: E402
from sharekeeper.domain.accounts import Caller as Signer  # noqa: E402
from sharekeeper.domain.invitations import InvitationQuery  # noqa: E402
from sharekeeper.domain.paging import PageRequest  # noqa: E402
from sharekeeper.services import identity, invitations, service_principals, shares  # noqa: E402

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
    """A wrk result as figures, or as its errors when any answer was not a 2xx."""
    if result["non2xx"] or result["socket_errors"]:
        return {
            "error": f"{result['non2xx']} non-2xx, {result['socket_errors']} socket errors "
            f"of {result['requests']} requests (p99 {result['p99_ms']} ms)"
        }
    return {
        "rps": round(result["rps"], 1),
        "decisions_per_s": round(result["rps"] * per_request, 1),
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "server_cpu": result["server_cpu"],
    }


def measure(database_url: str, work: Path, seconds: float, invitation_count: int) -> dict[str, Any]:
    data_dir = work / "data"
    master_key = base64.b64encode(os.urandom(32)).decode()
    settings = Settings(data_dir=data_dir, database_url=database_url, master_key=master_key)
    seeded = _seed(settings, invitation_count)
    port = run.free_port()
    receiver = run.Caller(*seeded["receiver"], port)
    owner = run.Caller(*seeded["owner"], port)
    service = run.Caller(*seeded["service"], port)
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
    accepts = run.accepts(receiver, seeded["invitation_ids"])
    with run.database_copy(database_url, work) as copy:
        floor = run.run_floor(copy, principal, accepts, search, port, work, seconds)
    figures = {
        "decision": _rate(raw["decision"]),
        "batch_100": _rate(raw["batch_100"], SUBNETS),
        "search": _rate(raw["search"]),
        "search_floor": _rate(floor["search_floor"]),
    }
    floor_rps = figures["search_floor"].get("rps")
    ratios: dict[str, Any] = {}
    if floor_rps:
        for name in ("decision", "batch_100", "search"):
            rate = figures[name].get("decisions_per_s")
            ratios[f"{name}_to_search_floor"] = round(rate / floor_rps, 2) if rate else None
    return {**figures, "ratios": ratios}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--invitations", type=int, default=2000)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a fresh database is made)")
    args = parser.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="sk-bench-authorize-") as tmp:
        work = Path(tmp)
        sqlite_work = work / "sqlite"
        sqlite_work.mkdir()
        url = f"sqlite:///{sqlite_work / 'bench.db'}"
        results["sqlite"] = measure(url, sqlite_work, args.seconds, args.invitations)
        print(json.dumps({"sqlite": results["sqlite"]}, indent=2), file=sys.stderr)
        if args.postgres:
            pg_work = work / "postgres"
            pg_work.mkdir()
            with run.fresh_postgres(args.postgres) as pg_url:
                results["postgresql"] = measure(pg_url, pg_work, args.seconds, args.invitations)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
