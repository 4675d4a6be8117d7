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


_BARE_APP = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def measure_cold_start(work: Path, rounds: int = 3) -> dict[str, float]:
    """Seconds from launching a server until /healthz answers, best of ``rounds``: ShareKeeper's
    ``serve`` on a fresh SQLite database each time (it migrates first), and as the floor a bare
    uvicorn app in a fresh interpreter."""
    timings: dict[str, list[float]] = {"sharekeeper": [], "floor": []}
    for i in range(rounds):
        for name in timings:
            port = free_port()
            data = work / f"cold-{name}-{i}"
            data.mkdir()
            if name == "sharekeeper":
                command = [PYTHON, "-m", "sharekeeper", "serve", "--port", str(port)]
            else:
                command = [PYTHON, "-c", _BARE_APP, str(port)]
            env = {**os.environ, "SHAREKEEPER_DATA_DIR": str(data)}
            started = time.perf_counter()
            with process(command, env, data / "log", f"http://127.0.0.1:{port}/healthz"):
                timings[name].append(time.perf_counter() - started)
    best = {name: round(min(values), 3) for name, values in timings.items()}
    return {**best, "ratio": round(best["sharekeeper"] / best["floor"], 2)}


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


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its living descendants (uvicorn's workers)."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def loaded(
    pid: int, requests: list[str], port: int, work: Path, seconds: float, connections: int
) -> dict[str, Any]:
    """A wrk run against the server ``pid``; ``server_cpu`` is the share of one core the server
    used meanwhile: near 1 (per worker) the server is the bottleneck, well below it the load
    generator or a lock is."""
    before, database_before, started = cpu_seconds(pid), postgres_cpu(), time.monotonic()
    result = wrk.run(requests, port, work, seconds, connections).__dict__
    elapsed = time.monotonic() - started
    result["server_cpu"] = round((cpu_seconds(pid) - before) / elapsed, 2)
    # The local PostgreSQL server's processes share the same two cores.
    result["postgres_cpu"] = round(postgres_cpu_since(database_before) / elapsed, 2)
    return result


def postgres_cpu() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL server process on this machine."""
    used = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, _, rest = text.partition(") ")
        if name.endswith("(postgres"):
            fields = rest.split()
            used[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf(
                "SC_CLK_TCK"
            )
    return used


def postgres_cpu_since(before: dict[int, float]) -> float:
    """CPU seconds PostgreSQL used since ``before`` (by processes still alive: a backend that
    exits takes its figures along, so this is a lower bound)."""
    return sum(t - before.get(pid, 0.0) for pid, t in postgres_cpu().items())


@contextmanager
def database_copy(database_url: str, work: Path) -> Iterator[dict[str, str]]:
    """A copy of the seeded database for the floor (whose accepts then find the invitations
    still pending): the file on SQLite, a database made from it as template on PostgreSQL.
    Yields the floor's environment."""
    if database_url.startswith("sqlite"):
        copy = work / "floor.db"
        shutil.copyfile(database_url.removeprefix("sqlite:///"), copy)
        yield {"FLOOR_SQLITE": str(copy)}
        return
    import psycopg

    server, name = database_url.rsplit("/", 1)
    admin = f"{server}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}_floor TEMPLATE {name}")
    try:
        yield {"FLOOR_POSTGRES": f"{server}/{name}_floor"}
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name}_floor WITH (FORCE)")


def sdk_flow(
    endpoint: str,
    owner: list[str],
    receiver: list[str],
    seconds: float,
    work: Path,
    processes: int = 4,
) -> dict[str, Any]:
    """The SDK flow (create, find the invitation, accept) from ``processes`` client processes
    pinned to wrk's core: flows a second and p50/p99 of a flow and of each call."""
    procs = []
    for k in range(processes):
        config = {
            "endpoint": endpoint,
            "owner": owner,
            "receiver": receiver,
            "seconds": seconds,
            "tag": f"{k}-{os.getpid()}",
        }
        procs.append(
            subprocess.Popen(
                ["taskset", "-c", "1", PYTHON, str(HERE / "sdkflow.py"), json.dumps(config)],
                stdout=subprocess.PIPE,
                stderr=open(work / f"sdkflow-{k}.log", "w"),  # noqa: SIM115
                text=True,
            )
        )
    flows: list[float] = []
    calls: dict[str, list[float]] = {}
    for proc in procs:
        out, _ = proc.communicate(timeout=seconds + 120)
        if proc.returncode != 0:
            raise RuntimeError(f"an SDK flow process failed; see {work}/sdkflow-*.log")
        data = json.loads(out.strip().splitlines()[-1])
        flows += data["flows"]
        for name, values in data["calls"].items():
            calls.setdefault(name, []).extend(values)

    return {
        "flows_per_s": round(len(flows) / seconds, 1),
        "clients": processes,
        **percentiles(flows),
        "calls": {name: percentiles(values) for name, values in calls.items()},
    }


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 and p99 of durations in seconds, in milliseconds (the benches' one reading)."""
    ordered = sorted(values)
    return {
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)] * 1000, 2),
    }


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


def searches(owner: Caller, receiver: Caller) -> dict[str, list[str]]:
    """The receiver's search of its invitations and the owner's search of its shares tagged
    env=prod, a page of 50 each."""
    tag_search = {
        "resource_owner": "self",
        "limit": 50,
        "tag_filters": [{"key": "env", "values": ["prod"]}],
    }
    return {
        "search": [
            receiver.signed("POST", "/v1/resource-share-invitations/search", b'{"limit": 50}')
        ],
        "tag_search": [
            owner.signed("POST", "/v1/resource-shares/search", json.dumps(tag_search).encode())
        ],
    }


def accepts(receiver: Caller, invitation_ids: list[str]) -> list[str]:
    return [
        receiver.signed("POST", f"/v1/resource-share-invitations/{i}/accept")
        for i in invitation_ids
    ]


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
    sdk_seconds: float = 0,
) -> dict[str, Any]:
    """Accept, search and create against ShareKeeper, (``sdk_seconds``) the SDK flow, and
    (``floor``) the same statements on the bare floor app over a copy of the same database."""
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
    flow_owner, flow_owner_key = identity.create_account(ctx, "bench-flow-owner")
    flow_receiver, flow_receiver_key = identity.create_account(ctx, "bench-flow-receiver")
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
    accept = accepts(receiver, invitation_ids)
    reads = searches(owner, receiver)
    search, tagged = reads["search"], reads["tag_search"]
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
                results[name] = loaded(
                    pid, requests[200:] if name == "accept" else requests, port, work, seconds, 64
                )
        if sdk_seconds:
            results["sdk_flow"] = sdk_flow(
                f"http://127.0.0.1:{port}",
                [flow_owner.id, flow_owner_key.access_key, flow_owner_key.secret_key],
                [flow_receiver.id, flow_receiver_key.access_key, flow_receiver_key.secret_key],
                sdk_seconds,
                work,
            )
        results["rss_mb"] = peak_rss_mb(pid)
    if floor:
        with database_copy(database_url, work) as copy:
            results.update(
                run_floor(copy, receiver_account.id, accept, search, port, work, seconds)
            )
    return results


def run_floor(
    copy: dict[str, str],
    receiver: str,
    accept: list[str],
    search: list[str],
    port: int,
    work: Path,
    seconds: float,
) -> dict[str, Any]:
    """The floor app's accept and search, replaying ShareKeeper's own requests."""
    floor_port = free_port()
    env = {**os.environ, **copy, "FLOOR_RECEIVER": receiver, "PYTHONPATH": str(HERE)}
    command = [PYTHON, "-m", "uvicorn", "floor:app", "--port", str(floor_port)]
    command += ["--log-level", "warning", "--no-access-log"]
    url = f"http://127.0.0.1:{floor_port}/v1/resource-share-invitations/search"
    accept = [r.replace(f"127.0.0.1:{port}", f"127.0.0.1:{floor_port}") for r in accept]
    results: dict[str, Any] = {}
    with process(command, env, work / "floor.log", url) as pid:
        wrk.run(accept[:200], floor_port, work, 1, 16)
        results["accept_floor"] = loaded(pid, accept[200:], floor_port, work, seconds, 64)
        wrk.run(search, floor_port, work, 1, 16)
        results["search_floor"] = loaded(pid, search, floor_port, work, seconds, 64)
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


def measure_scale(work: Path, counts: tuple[int, ...], seconds: float) -> dict[str, Any]:
    """Through HTTP, as the database grows to each of ``counts`` invitations (each with its own
    tagged share, all seeded in bulk): p50 and p99 of a search (page of 50), a tag search and
    accepts of distinct pending invitations, at 8 connections; and the server's peak RSS."""
    database_url = f"sqlite:///{work / 'scale.db'}"
    settings = Settings(
        data_dir=work,
        database_url=database_url,
        master_key=base64.b64encode(os.urandom(32)).decode(),
    )
    runtime = build_runtime(settings)
    owner_account, owner_key = identity.create_account(runtime.context, "scale-owner")
    receiver_account, receiver_key = identity.create_account(runtime.context, "scale-receiver")
    runtime.close()
    env = {
        **sharekeeper_env(database_url, work),
        "SHAREKEEPER_MASTER_KEY": settings.master_key or "",
    }
    seeded, results = 0, {}
    for count in counts:
        runtime = build_runtime(settings)
        started = time.monotonic()
        ids = seed.seed_invitations(
            runtime.engine, owner_account.id, receiver_account.id, count - seeded, tagged=True
        )
        runtime.close()
        stage: dict[str, Any] = {"seed_seconds": round(time.monotonic() - started, 1)}
        seeded = count
        port = free_port()
        owner = Caller(owner_account.id, owner_key.access_key, owner_key.secret_key, port)
        receiver = Caller(
            receiver_account.id, receiver_key.access_key, receiver_key.secret_key, port
        )
        # The newest invitations, never accepted before: each request a distinct one.
        requests = {**searches(owner, receiver), "accept": accepts(receiver, ids[-20000:])}
        command = [PYTHON, "-m", "sharekeeper", "serve", "--port", str(port)]
        ready = f"http://127.0.0.1:{port}/healthz"
        with process(command, env, work / f"scale-{count}.log", ready) as pid:
            for name, signed in requests.items():
                wrk.run(signed[:100], port, work, 1, 8)  # warm up
                run = loaded(
                    pid, signed[100:] if name == "accept" else signed, port, work, seconds, 8
                )
                stage[name] = run
            stage["rss_mb"] = round(peak_rss_mb(pid), 1)
        results[str(count)] = stage
        print(json.dumps({"scale": {str(count): stage}}), flush=True)
    return results


def signature_microbenchmark(algorithm: str = "SDK-HMAC-SHA256", rounds: int = 20_000) -> float:
    """Microseconds to verify one SDK-signed request (the key already looked up); the
    derived-key algorithms are signed by the SDK's own signer, as a client would."""
    from sharekeeper.auth.verify import IncomingRequest, KeyMaterial, verify

    path, body = "/v1/resource-share-invitations/search", b'{"limit": 50}'
    access_key, secret_key = "AKBENCH0000000000000", "s" * 40
    kind = signing.ALGORITHMS[algorithm]
    values = {
        "content-type": "application/json",
        "host": "127.0.0.1:9460",
        "x-sdk-date": signing.format_sdk_date(datetime.now(UTC)),
    }
    names = tuple(sorted(values))
    if kind.derived_key:
        from huaweicloudsdkcore.signer import signer as sdk

        signer = {"SDK-ECDSA-P256-SHA256": sdk.P256SHA256Signer, "SDK-SM2-SM3": sdk.SM2SM3Signer}
        canonical = signing.canonical_request(
            "POST", path, "", names, values, kind.payload_hash(body)
        )
        to_sign = signing.string_to_sign(values["x-sdk-date"], canonical, kind)
        credentials = type("Credentials", (), {"ak": access_key, "sk": secret_key})
        sig = signer[algorithm](credentials)._sign_string_to_sign(to_sign)
        authorization = signing.Authorization(access_key, names, sig, kind).header()
    else:
        authorization = signing.sign_headers(
            access_key=access_key,
            secret_key=secret_key,
            method="POST",
            raw_path=path,
            raw_query="",
            headers=values,
            body=body,
            algorithm=kind,
        )
    headers = {name: [value] for name, value in values.items()}
    headers["authorization"] = [authorization]
    request = IncomingRequest("POST", path, "", headers, body)
    key = KeyMaterial("a" * 32, secret_key, None, None, False)
    now = time.time()
    verify(request, lambda _: key, now, 0, 900)  # derives and caches the public key
    started = time.perf_counter()
    for _ in range(rounds):
        verify(request, lambda _: key, now, 0, 900)
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="SQLite only, small counts, < 60 s")
    parser.add_argument(
        "--postgres-only",
        action="store_true",
        help="PostgreSQL with one and two workers, and moto, without SQLite or scale",
    )
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
        "mode": "quick" if args.quick else "postgres" if args.postgres_only else "full",
        "machine": f"{os.cpu_count()} cores",
        "seconds_per_run": seconds,
    }
    report["signature_verify_us"] = round(signature_microbenchmark(), 2)
    report["signature_verify_other_us"] = {
        name: round(signature_microbenchmark(name, rounds), 1)
        for name, rounds in (
            ("SDK-HMAC-SM3", 5_000),
            ("SDK-ECDSA-P256-SHA256", 2_000),
            ("SDK-SM2-SM3", 300),
        )
    }
    report["cold_start_s"] = measure_cold_start(work)
    if args.scale or not (args.quick or args.postgres_only):
        scale_dir = work / "scale"
        scale_dir.mkdir()
        report["scale"] = measure_scale(scale_dir, (10_000, 1_000_000), seconds)
        if args.scale:
            print(json.dumps(report["scale"]))
            return
    if not args.postgres_only:
        sqlite_dir = work / "sqlite"
        sqlite_dir.mkdir()
        report["sqlite"] = measure_sharekeeper(
            f"sqlite:///{sqlite_dir / 'bench.db'}",
            sqlite_dir,
            12_000 if args.quick else 40_000,
            seconds,
            floor=True,
            sdk_seconds=2.0 if args.quick else 5.0,
        )
    report.update(measure_moto(work, seconds))
    if args.postgres_only or not args.quick:
        for workers in (1, 2):
            pg_dir = work / f"postgres-{workers}"
            pg_dir.mkdir()
            with fresh_postgres(args.postgres) as url:
                report[f"postgres_{workers}_worker"] = measure_sharekeeper(
                    url,
                    pg_dir,
                    40_000,
                    seconds,
                    floor=workers == 1,
                    workers=workers,
                    sdk_seconds=5.0 if workers == 1 else 0,
                )
    s = report["sqlite" if "sqlite" in report else "postgres_1_worker"]
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


def _row(label: str, value: dict[str, Any]) -> str:
    cpu = value.get("server_cpu", "")
    return (
        f"| {label} | {value['rps']:.0f} | {value['p50_ms']:.2f} | {value['p99_ms']:.2f} | {cpu} |"
    )


def _ratio(part: dict[str, Any], name: str, baseline: str) -> str:
    if name in part and baseline in part and part[baseline]["rps"]:
        return f"{part[name]['rps'] / part[baseline]['rps']:.2f}"
    return "—"


def markdown(report: dict[str, Any]) -> str:
    lines = ["| measure | req/s | p50 ms | p99 ms | server CPU |", "|---|---|---|---|---|"]
    runs = ("sqlite", "postgres_1_worker", "postgres_2_worker")
    for key in runs:
        for name, value in report.get(key, {}).items():
            if isinstance(value, dict) and "rps" in value:
                lines.append(_row(f"{key} {name}", value))
    for name in ("moto_create", "moto_get"):
        if name in report:
            lines.append(_row(name, report[name]))
    lines += ["", "| ratio | " + " | ".join(k for k in runs if k in report) + " |"]
    lines.append("|---|" + "---|" * sum(k in report for k in runs))
    for name, baseline in (("accept", "accept_floor"), ("search", "search_floor")):
        cells = [_ratio(report[k], name, baseline) for k in runs if k in report]
        lines.append(f"| {name} / floor | " + " | ".join(cells) + " |")
    if "moto_create" in report:
        cells = [
            f"{report[k]['create']['rps'] / report['moto_create']['rps']:.2f}"
            for k in runs
            if k in report
        ]
        lines.append("| create / moto create | " + " | ".join(cells) + " |")
    for key in runs:
        flow = report.get(key, {}).get("sdk_flow")
        if flow:
            calls = ", ".join(f"{n} p50 {v['p50_ms']} ms" for n, v in flow["calls"].items())
            lines.append(
                f"\nSDK flow ({key}, {flow['clients']} client processes): "
                f"{flow['flows_per_s']} flows/s, p50 {flow['p50_ms']} ms, p99 {flow['p99_ms']} ms; "
                + calls
            )
    if "scale" in report:
        lines += [
            "",
            "| invitations | seed s | search p50 | tag search p50 | accept p50 | RSS MB |",
        ]
        lines.append("|---|---|---|---|---|---|")
        for count, stage in report["scale"].items():
            lines.append(
                f"| {int(count):,} | {stage['seed_seconds']} | {stage['search']['p50_ms']:.2f} | "
                f"{stage['tag_search']['p50_ms']:.2f} | {stage['accept']['p50_ms']:.2f} | "
                f"{stage['rss_mb']} |"
            )
    lines.append(
        f"\nsignature verification: {report['signature_verify_us']} µs (HMAC-SHA256), "
        + ", ".join(f"{k} {v} µs" for k, v in report["signature_verify_other_us"].items())
        + f"; cold start {report['cold_start_s']['sharekeeper']} s against a bare uvicorn app's "
        f"{report['cold_start_s']['floor']} s ({report['cold_start_s']['ratio']}x); "
        f"server peak RSS (sqlite): {report.get('sqlite', {}).get('rss_mb', 0):.0f} MB; "
        f"run took {report['elapsed_s']} s"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
