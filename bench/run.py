"""ShareKeeper benchmarks: `python bench/run.py --quick` (SQLite, under a minute) or
`python bench/run.py` (adds PostgreSQL, two workers, scale to a million invitations, memory, the
SDK flow). Every figure is measured in the same run as its baseline; see docs/performance.md.

Servers run pinned to core 0, wrk to core 1. The last line of output is one JSON object."""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import seed  # noqa: E402
import wrk  # noqa: E402

from sharekeeper.auth import signing  # noqa: E402
from sharekeeper.bootstrap import build_runtime  # noqa: E402
from sharekeeper.config import Settings  # noqa: E402
from sharekeeper.services import identity  # noqa: E402

PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def process(
    command: list[str], env: dict[str, str], log: Path, ready_url: str, cores: str = "0"
) -> Iterator[int]:
    """Starts a server pinned to ``cores`` and waits until ``ready_url`` answers; yields its pid."""
    with open(log, "w") as out:
        proc = subprocess.Popen(["taskset", "-c", cores, *command], env=env, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(ready_url, timeout=1)
                    break
                except httpx.HTTPError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{command[0]} did not start; see {log}") from None
                    time.sleep(0.1)
            yield proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


PROFILE_DIR = os.environ.get("SHAREKEEPER_BENCH_PROFILE", "")


@contextmanager
def profiled(pid: int, name: str, seconds: float) -> Iterator[None]:
    """With SHAREKEEPER_BENCH_PROFILE=DIR, py-spy samples the server while ``name`` runs and
    writes DIR/NAME.txt (collapsed stacks of the thread holding the GIL). It shares wrk's
    core, so figures taken while profiling are not figures to report."""
    if not PROFILE_DIR:
        yield
        return
    Path(PROFILE_DIR).mkdir(parents=True, exist_ok=True)
    command = ["py-spy", "record", "--pid", str(pid), "--gil", "--rate", "200", "--format", "raw"]
    command += ["--duration", str(max(1, round(seconds))), "-o", f"{PROFILE_DIR}/{name}.txt"]
    spy = subprocess.Popen(
        ["taskset", "-c", "1", *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield
    finally:
        spy.wait(60)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Caller:
    def __init__(self, account_id: str, access_key: str, secret_key: str, port: int) -> None:
        self.account_id, self.access_key, self.secret_key = account_id, access_key, secret_key
        self.host = f"127.0.0.1:{port}"

    def signed(self, method: str, path: str, body: bytes = b"") -> str:
        headers = {
            "Content-Type": "application/json",
            "Host": self.host,
            "X-Sdk-Date": signing.format_sdk_date(datetime.now(UTC)),
            "X-Domain-Id": self.account_id,
        }
        headers["Authorization"] = signing.sign_headers(
            access_key=self.access_key,
            secret_key=self.secret_key,
            method=method,
            raw_path=path,
            raw_query="",
            headers=headers,
            body=body,
        )
        return wrk.raw_request(method, path, headers, body)


def sharekeeper_env(database_url: str, data_dir: Path, workers: int = 1) -> dict[str, str]:
    return {
        **os.environ,
        "SHAREKEEPER_DATABASE_URL": database_url,
        "SHAREKEEPER_DATA_DIR": str(data_dir),
        "SHAREKEEPER_QUOTA_RESOURCE_SHARE": "10000",
        "SHAREKEEPER_WORKERS": str(workers),
        "SHAREKEEPER_LOG_FORMAT": "json",
    }


def measure_sharekeeper(
    database_url: str,
    work: Path,
    invitations: int,
    seconds: float,
    floor: bool,
    workers: int = 1,
) -> dict[str, Any]:
    """Accept, search and create against ShareKeeper, and (``floor``) the same statements on the
    bare floor app over a copy of the same database."""
    data_dir = work / "data"
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        master_key=base64.b64encode(os.urandom(32)).decode(),
    )
    runtime = build_runtime(settings)
    ctx = runtime.context
    owner_account, owner_key = identity.create_account(ctx, "bench-owner")
    receiver_account, receiver_key = identity.create_account(ctx, "bench-receiver")
    # Creates need an owner without the seeded shares, which count against its share quota.
    creator_account, creator_key = identity.create_account(ctx, "bench-creator")
    invitation_ids = seed.seed_invitations(
        runtime.engine, owner_account.id, receiver_account.id, invitations, tagged=True
    )
    runtime.close()
    port = free_port()
    owner = Caller(owner_account.id, owner_key.access_key, owner_key.secret_key, port)
    receiver = Caller(receiver_account.id, receiver_key.access_key, receiver_key.secret_key, port)
    creator = Caller(creator_account.id, creator_key.access_key, creator_key.secret_key, port)
    env = {
        **sharekeeper_env(database_url, data_dir, workers),
        "SHAREKEEPER_MASTER_KEY": settings.master_key or "",
    }
    accept = [
        receiver.signed("POST", f"/v1/resource-share-invitations/{i}/accept")
        for i in invitation_ids
    ]
    search = [receiver.signed("POST", "/v1/resource-share-invitations/search", b'{"limit": 50}')]
    tagged = [
        owner.signed(
            "POST",
            "/v1/resource-shares/search",
            json.dumps(
                {
                    "resource_owner": "self",
                    "limit": 50,
                    "tag_filters": [{"key": "env", "values": ["prod"]}],
                }
            ).encode(),
        )
    ]
    create = [
        creator.signed(
            "POST",
            "/v1/resource-shares",
            json.dumps(
                {
                    "name": "bench",
                    "principals": [receiver_account.id],
                    "resource_urns": [f"vpc:cn-north-4:{creator_account.id}:subnet:bench-1"],
                }
            ).encode(),
        )
    ]
    results: dict[str, Any] = {}
    floor_db = None
    if floor and database_url.startswith("sqlite"):
        floor_db = work / "floor.db"
        shutil.copyfile(database_url.removeprefix("sqlite:///"), floor_db)
    command = [PYTHON, "-m", "sharekeeper", "serve", "--port", str(port)]
    # Two workers get both cores, which wrk (on core 1) then shares: on a 2-core machine the
    # load generator cannot run elsewhere, so this figure understates what two cores give.
    cores = "0" if workers == 1 else "0,1"
    ready = f"http://127.0.0.1:{port}/healthz"
    with process(command, env, work / "sharekeeper.log", ready, cores) as pid:
        for name, requests in (
            ("accept", accept),
            ("search", search),
            ("tag_search", tagged),
            ("create", create),
        ):
            wrk.run(requests[:200], port, work, 1, 16)  # warm up
            with profiled(pid, name, seconds):
                results[name] = wrk.run(
                    requests[200:] if name == "accept" else requests, port, work, seconds, 64
                ).__dict__
        results["rss_mb"] = peak_rss_mb(pid)
    if floor_db is not None:
        floor_port = free_port()
        floor_env = {
            **os.environ,
            "FLOOR_SQLITE": str(floor_db),
            "FLOOR_RECEIVER": receiver_account.id,
            "PYTHONPATH": str(HERE),
        }
        command = [
            PYTHON,
            "-m",
            "uvicorn",
            "floor:app",
            "--port",
            str(floor_port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
        url = f"http://127.0.0.1:{floor_port}/v1/resource-share-invitations/search"
        with process(command, floor_env, work / "floor.log", url):
            floor_accept = [
                r.replace(f"127.0.0.1:{port}", f"127.0.0.1:{floor_port}") for r in accept
            ]
            wrk.run(floor_accept[:200], floor_port, work, 1, 16)
            results["accept_floor"] = wrk.run(
                floor_accept[200:], floor_port, work, seconds, 64
            ).__dict__
            wrk.run(search, floor_port, work, 1, 16)
            results["search_floor"] = wrk.run(search, floor_port, work, seconds, 64).__dict__
    return results


@contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    """A database of this run's own on the PostgreSQL server of ``admin_url``, dropped after."""
    import psycopg

    name = f"sharekeeper_bench_{os.getpid()}_{int(time.time())}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def measure_moto(work: Path, seconds: float) -> dict[str, Any]:
    if shutil.which("moto_server") is None and not (Path(PYTHON).parent / "moto_server").exists():
        return {}
    port = free_port()
    auth = (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20250101/us-east-1/ram/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
    )
    headers = {
        "Host": f"127.0.0.1:{port}",
        "Content-Type": "application/json",
        "X-Amz-Date": "20250101T000000Z",
        "Authorization": auth,
    }
    create = [
        wrk.raw_request(
            "POST",
            "/createresourceshare",
            headers,
            json.dumps(
                {
                    "name": "bench",
                    "principals": ["123456789012"],
                    "resourceArns": ["arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1"],
                }
            ).encode(),
        )
    ]
    get = [wrk.raw_request("POST", "/getresourceshares", headers, b'{"resourceOwner": "SELF"}')]
    command = [str(Path(PYTHON).parent / "moto_server"), "-p", str(port)]
    with process(
        command, dict(os.environ), work / "moto.log", f"http://127.0.0.1:{port}/moto-api/"
    ):
        wrk.run(create, port, work, 1, 16)
        created = wrk.run(create, port, work, seconds, 64).__dict__
        listed = wrk.run(get, port, work, min(seconds, 2), 8).__dict__
    return {"moto_create": created, "moto_get": listed}


def measure_scale(work: Path, counts: tuple[int, ...]) -> dict[str, Any]:
    """p50 of a search (page of 50) and of an accept, through the service layer, as the
    invitations in the database grow to each of ``counts`` (seeded in bulk)."""
    from sharekeeper.domain.accounts import Caller as Identity
    from sharekeeper.domain.invitations import InvitationQuery
    from sharekeeper.domain.paging import PageRequest
    from sharekeeper.services import invitations

    settings = Settings(
        data_dir=work,
        database_url=f"sqlite:///{work / 'scale.db'}",
        master_key=base64.b64encode(os.urandom(32)).decode(),
    )
    runtime = build_runtime(settings)
    ctx = runtime.context
    owner, _ = identity.create_account(ctx, "scale-owner")
    receiver, key = identity.create_account(ctx, "scale-receiver")
    caller = Identity(receiver.id, key.access_key)
    seeded, results = 0, {}
    for count in counts:
        started = time.monotonic()
        ids = seed.seed_invitations(runtime.engine, owner.id, receiver.id, count - seeded)
        seeded = count
        seconds = round(time.monotonic() - started, 1)
        # The receiver's newest page: the keyset walk reads 51 rows whatever the depth.
        marker = str(seeded * 3 - 200)  # seq of shares, associations and invitations interleave
        searches, accepts = [], []
        for i in range(300):
            t = time.perf_counter()
            invitations.search_invitations(ctx, caller, InvitationQuery(), PageRequest(50, marker))
            searches.append(time.perf_counter() - t)
            t = time.perf_counter()
            invitations.accept_invitation(ctx, caller, ids[-1 - i])
            accepts.append(time.perf_counter() - t)
        results[str(count)] = {
            "seed_seconds": seconds,
            "search_p50_ms": round(sorted(searches)[150] * 1000, 3),
            "accept_p50_ms": round(sorted(accepts)[150] * 1000, 3),
        }
    runtime.close()
    return results


def signature_microbenchmark(rounds: int = 20_000) -> float:
    """Microseconds to verify one SDK-signed request (the key already looked up)."""
    from sharekeeper.auth.verify import IncomingRequest, KeyMaterial, verify

    caller = Caller("a" * 32, "AKBENCH0000000000000", "s" * 40, 9460)
    raw = caller.signed("POST", "/v1/resource-share-invitations/search", b'{"limit": 50}')
    head, _, body = raw.partition("\r\n\r\n")
    headers: dict[str, list[str]] = {}
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(": ")
        headers.setdefault(name.lower(), []).append(value)
    request = IncomingRequest(
        "POST", "/v1/resource-share-invitations/search", "", headers, body.encode()
    )
    key = KeyMaterial("a" * 32, "s" * 40, None, None, False)
    now = time.time()
    started = time.perf_counter()
    for _ in range(rounds):
        verify(request, lambda _: key, now, 0, 900)
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="SQLite only, small counts, < 60 s")
    parser.add_argument(
        "--scale",
        action="store_true",
        help="only the scale measurement (10 thousand and 1 million invitations)",
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "SHAREKEEPER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    seconds = 3.0 if args.quick else 8.0
    work = Path(tempfile.mkdtemp(prefix="sharekeeper-bench-"))
    started = time.monotonic()
    report: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "machine": f"{os.cpu_count()} cores",
        "seconds_per_run": seconds,
    }
    report["signature_verify_us"] = round(signature_microbenchmark(), 2)
    if args.scale or not args.quick:
        scale_dir = work / "scale"
        scale_dir.mkdir()
        report["scale"] = measure_scale(scale_dir, (10_000, 1_000_000))
        print(json.dumps({"scale": report["scale"]}))
        if args.scale:
            return
    sqlite_dir = work / "sqlite"
    sqlite_dir.mkdir()
    report["sqlite"] = measure_sharekeeper(
        f"sqlite:///{sqlite_dir / 'bench.db'}",
        sqlite_dir,
        12_000 if args.quick else 40_000,
        seconds,
        floor=True,
    )
    report.update(measure_moto(work, seconds))
    if not args.quick:
        for workers in (1, 2):
            pg_dir = work / f"postgres-{workers}"
            pg_dir.mkdir()
            with fresh_postgres(args.postgres) as url:
                report[f"postgres_{workers}_worker"] = measure_sharekeeper(
                    url, pg_dir, 40_000, seconds, floor=False, workers=workers
                )
    s = report["sqlite"]
    summary = {
        "accept_rps": round(s["accept"]["rps"]),
        "accept_floor_rps": round(s["accept_floor"]["rps"]),
        "search_rps": round(s["search"]["rps"]),
        "search_floor_rps": round(s["search_floor"]["rps"]),
        "create_rps": round(s["create"]["rps"]),
    }
    if "moto_create" in report:
        summary["moto_create_rps"] = round(report["moto_create"]["rps"])
    report["summary"] = summary
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"{report['mode']}-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(markdown(report))
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(summary))


def markdown(report: dict[str, Any]) -> str:
    lines = ["| measure | req/s | p50 ms | p99 ms |", "|---|---|---|---|"]
    for name, value in report["sqlite"].items():
        if isinstance(value, dict):
            figures = f"{value['rps']:.0f} | {value['p50_ms']:.2f} | {value['p99_ms']:.2f}"
            lines.append(f"| sqlite {name} | {figures} |")
    for key in ("postgres_1_worker", "postgres_2_worker"):
        for name, value in report.get(key, {}).items():
            if isinstance(value, dict):
                figures = f"{value['rps']:.0f} | {value['p50_ms']:.2f} | {value['p99_ms']:.2f}"
                lines.append(f"| {key} {name} | {figures} |")
    for name in ("moto_create", "moto_get"):
        if name in report:
            v = report[name]
            lines.append(f"| {name} | {v['rps']:.0f} | {v['p50_ms']:.2f} | {v['p99_ms']:.2f} |")
    lines.append(
        f"\nsignature verification: {report['signature_verify_us']} µs; "
        f"server peak RSS (sqlite): {report['sqlite'].get('rss_mb', 0):.0f} MB; "
        f"run took {report['elapsed_s']} s"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
