"""ShareKeeper benchmarks: `python bench/run.py --quick` (SQLite, under a minute) or
`python bench/run.py` (adds PostgreSQL, two workers, scale to a million invitations, memory, the
SDK flow). Every figure is measured in the same run as its baseline; see docs/performance.md.

Servers run pinned to core 0, wrk to core 1. Each figure is the median of interleaved rounds,
and a run that met an error or may have reused its input is refused, never given as a rate
(bench/judge.py). The last line of output is one JSON object (its keys: docs/performance.md)."""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import httpx
from sqlalchemy import create_engine

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import aws_load  # noqa: E402
import judge  # noqa: E402
import seed  # noqa: E402
import wrk  # noqa: E402

from sharekeeper.auth import signing  # noqa: E402
from sharekeeper.bootstrap import build_runtime  # noqa: E402
from sharekeeper.config import Settings  # noqa: E402
from sharekeeper.domain.accounts import Account  # noqa: E402
from sharekeeper.services import identity  # noqa: E402
from sharekeeper.services.identity import IssuedKey  # noqa: E402
from sharekeeper.store.engine import driver_url  # noqa: E402

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
def database_copy(database_url: str, work: Path) -> Iterator[str]:
    """A copy of the seeded database for the floor, and its URL: SQLite's backup of the file, or
    a database made from it as template on PostgreSQL. Taken before any measured run: taken
    after ShareKeeper's accepts, it held no pending invitation and the floor's accept answered
    nothing but 400s."""
    if database_url.startswith("sqlite"):
        copy = work / "floor.db"
        # The backup API, not a file copy: a copy of the file alone would miss pages still in
        # the write-ahead log.
        with (
            closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as source,
            closing(sqlite3.connect(copy)) as target,
        ):
            source.backup(target)
        yield f"sqlite:///{copy}"
        return
    import psycopg

    server, name = database_url.rsplit("/", 1)
    admin = f"{server}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}_floor TEMPLATE {name}")
    try:
        yield f"{server}/{name}_floor"
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


def raw(request: aws_load.AwsRequest) -> str:
    return wrk.raw_request("POST", *request)


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
        "SHAREKEEPER_QUOTA_RESOURCE_SHARE": str(CREATE_QUOTA),
        "SHAREKEEPER_WORKERS": str(workers),
        "SHAREKEEPER_LOG_FORMAT": "json",
    }


# Each account may hold this many shares (SHAREKEEPER_QUOTA_RESOURCE_SHARE, at most 10,000):
# the creates of a run are spread over enough fresh creators for the rate seen.
CREATE_QUOTA = 10_000
# The rate assumed for a run's input before any run of its figure was seen: above any this
# stack has reached (a floor's accept, ~3,300 req/s); the warm-ups then measure the real one.
GUESS_RPS = 4_000.0
CONNECTIONS = 64
# The figures run back to back every round, group by group: a ShareKeeper figure beside its
# baseline and its twin on AWS's wire (the same operation on the same database), so that the
# two sides of every target's ratio are neighbours whichever order a round takes (moto's
# create between Huawei's and AWS's, both measured against it).
GROUPS = (
    ("aws_accept", "accept", "accept_floor"),
    ("aws_list", "search", "search_floor"),
    ("aws_search", "tag_search"),
    ("create", "moto_create", "aws_create"),
)
RATIOS = {
    "accept_to_floor": ("accept", "accept_floor"),
    "search_to_floor": ("search", "search_floor"),
    "tag_search_to_search": ("tag_search", "search"),
    "create_to_moto": ("create", "moto_create"),
    "aws_create_to_moto": ("aws_create", "moto_create"),
    "aws_create_to_create": ("aws_create", "create"),
    "aws_accept_to_accept": ("aws_accept", "accept"),
    "aws_search_to_tag_search": ("aws_search", "tag_search"),
    "aws_list_to_search": ("aws_list", "search"),
}
# Issue 28's targets, each the least median ratio that meets it: AWS's create at least twice
# moto_server's; accept, search and list within 10 % of the Huawei API's figure (faster is in).
AWS_TARGETS = {
    "aws_create_to_moto": 2.0,
    "aws_accept_to_accept": 0.9,
    "aws_search_to_tag_search": 0.9,
    "aws_list_to_search": 0.9,
}


Supply = Callable[[int], tuple[list[str], int | None]]


@dataclass
class Load:
    """What one figure's runs send to which server: ``supply(count)`` gives the requests of a
    run allowed to use up ``count`` inputs, and how many distinct inputs they hold (None when
    the requests use nothing up, like a search)."""

    pid: int
    port: int
    supply: Supply


def replay(requests: list[str]) -> Supply:
    return lambda _count: (requests, None)


class Runner:
    """Runs wrk for the figures of one measurement and judges each run (bench/judge.py): a
    refused run is announced on stderr at once and kept with its counts but without a rate.
    Keeps each figure's rates, to size the input of its next run."""

    def __init__(
        self,
        label: str,
        work: Path,
        seconds: float,
        margin: float,
        refusals: list[str],
        connections: int = CONNECTIONS,
        guess: float = GUESS_RPS,
    ) -> None:
        self.label, self.work, self.seconds, self.margin = label, work, seconds, margin
        self.refusals, self.connections, self.guess = refusals, connections, guess
        self.rates: dict[str, list[float]] = {}
        self.retries: list[str] = []

    def _inputs(self, name: str, seconds: float) -> int:
        rates = self.rates.setdefault(name, [])
        return judge.inputs_needed(rates, self.guess, seconds, self.connections, self.margin)

    def warm(self, name: str, load: Load, settle: bool = False) -> None:
        """Load before the rounds, one second at a time: twice for a figure that uses its
        input up, whose first rounds' input is sized on the rate seen here (the first second
        of a server is its slowest), and again (at most 4 times) while a run used up what it
        had, so that the rate is not one cut short. With ``settle`` a replayed figure is
        warmed until its rate stops rising (at most 8 seconds): on a million invitations just
        seeded, the first 4-second search after the server's start ran at 0.55-0.7 of the
        runs that followed it, its pages not yet in memory (2026-12-06)."""
        for attempt in range(8 if settle else 4):
            requests, supplied = load.supply(self._inputs(name, 1))
            if not requests:
                return  # measure() refuses the run that finds nothing left
            result = wrk.run(requests, load.port, self.work, 1, self.connections).__dict__
            self.rates[name].append(result["rps"])
            if supplied is None:
                rates = self.rates[name]
                if settle and attempt < 7 and (len(rates) < 2 or rates[-1] > 1.05 * rates[-2]):
                    continue
                return
            if attempt and not judge.used_up(result, supplied, self.connections):
                return

    def measure(self, name: str, load: Load, round_: int) -> dict[str, Any]:
        """One judged run. A run that used its input up is run again (twice at most) with
        input sized on the rate it reached: on this shared machine a run's rate can jump
        past the margin over the one before; the retry is announced, never hidden."""
        label = f"{self.label} round {round_} {name}"
        supplied: int | None = 0
        for attempt in range(3):
            # A run cut short by its input counts fewer good answers than it could have given:
            # its retry gets at least twice that input, whatever the margin.
            count = max(self._inputs(name, self.seconds), 2 * (supplied or 0))
            requests, supplied = load.supply(count)
            if not requests:
                return self._refused(f"{label}: no input left to send", {})
            with profiled(load.pid, f"{self.label}-{name}-{round_}", self.seconds):
                result = loaded(
                    load.pid, requests, load.port, self.work, self.seconds, self.connections
                )
            self.rates[name].append(result["rps"])
            if attempt == 2 or not judge.used_up(result, supplied, self.connections):
                break
            retry = f"{label}: used up its {supplied:,} inputs at {result['rps']:,.0f} req/s"
            print(f"RETRY {retry}; again with more", file=sys.stderr, flush=True)
            self.retries.append(retry)
        reason = judge.refusal(label, result, supplied, self.connections)
        if reason is None:
            return result
        counts = {key: result[key] for key in ("requests", "non2xx", "socket_errors")}
        return self._refused(reason, counts)

    def _refused(self, reason: str, counts: dict[str, int]) -> dict[str, Any]:
        print(f"REFUSED {reason}", file=sys.stderr, flush=True)
        self.refusals.append(reason)
        return {"refused": reason, **counts}


def run_rounds(runner: Runner, loads: dict[str, Load], count: int) -> dict[str, list[Any]]:
    """Warms every figure up, then ``count`` rounds of each ShareKeeper figure and its baseline
    back to back, who goes first alternating by round, so that a drift of the shared machine
    does not favour one side."""
    for name, load in loads.items():
        runner.warm(name, load)
    runs: dict[str, list[Any]] = {name: [] for name in loads}
    for round_ in range(1, count + 1):
        for group in GROUPS:
            names = [name for name in group if name in loads]
            if round_ % 2 == 0:
                names.reverse()
            for name in names:
                runs[name].append(runner.measure(name, loads[name], round_))
    return runs


def ratios(runs: dict[str, list[Any]]) -> tuple[dict[str, Any], dict[str, str]]:
    """Each ratio whose two sides ran, and why those that are None are."""
    values: dict[str, Any] = {}
    why: dict[str, str] = {}
    for name, (part, base) in RATIOS.items():
        if part in runs and base in runs:
            values[name], reason = judge.ratio(runs[part], runs[base])
            if reason is not None:
                why[name] = reason
    return values, why


def invitation_pool(
    side: str,
    database_url: str,
    owner: str,
    receiver: str,
    seeded: list[str],
    counts: dict[str, int],
) -> judge.Pool[str]:
    """The pending invitations of one side's database, seeded further when a run needs more
    than are left (``counts[side]`` keeps the total); each is handed to one run only."""
    counts[side] = len(seeded)

    def refill(count: int) -> list[str]:
        engine = create_engine(driver_url(database_url))
        try:
            more = seed.seed_invitations(engine, owner, receiver, count, tagged=True)
        finally:
            engine.dispose()
        counts[side] += len(more)
        return more

    return judge.Pool(seeded, refill)


def measure_sharekeeper(
    database_url: str,
    work: Path,
    seconds: float,
    round_count: int,
    margin: float,
    refusals: list[str],
    floor: bool,
    moto: bool,
    workers: int = 1,
    sdk_seconds: float = 0,
) -> dict[str, Any]:
    """Accept, search, tag search and create against ShareKeeper in ``round_count`` rounds,
    through Huawei's API and AWS's (the same operations on the same seeded database), each
    round with (``floor``) the floor's accept and search on its own copy of the seeded
    database and (``moto``) moto's create, then (``sdk_seconds``) the SDK flow."""
    label = "sqlite" if database_url.startswith("sqlite") else f"postgres-{workers}"
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
    flow_owner, flow_owner_key = identity.create_account(ctx, "bench-flow-owner")
    flow_receiver, flow_receiver_key = identity.create_account(ctx, "bench-flow-receiver")
    # Enough for the warm-up and a first round at the guessed rate; runs seed more as needed.
    first = judge.inputs_needed([], GUESS_RPS, 1 + seconds, CONNECTIONS, margin)
    invitation_ids = seed.seed_invitations(
        runtime.engine, owner_account.id, receiver_account.id, first, tagged=True
    )
    runtime.close()

    def new_accounts(count: int) -> list[tuple[Account, IssuedKey]]:
        # Creates need owners without the seeded shares, which count against the share quota.
        made = build_runtime(settings, upgrade=False)
        try:
            return [identity.create_account(made.context, "bench-creator") for _ in range(count)]
        finally:
            made.close()

    def new_creators(count: int) -> list[Caller]:
        return [Caller(a.id, k.access_key, k.secret_key, port) for a, k in new_accounts(count)]

    def new_aws_creators(count: int) -> list[aws_load.AwsCaller]:
        return [
            aws_load.AwsCaller(a.aws_account_id, k.access_key, k.secret_key, port)
            for a, k in new_accounts(count)
        ]

    port = free_port()
    owner = Caller(owner_account.id, owner_key.access_key, owner_key.secret_key, port)
    receiver = Caller(receiver_account.id, receiver_key.access_key, receiver_key.secret_key, port)
    aws_owner = aws_load.AwsCaller(
        owner_account.aws_account_id, owner_key.access_key, owner_key.secret_key, port
    )
    aws_receiver = aws_load.AwsCaller(
        receiver_account.aws_account_id, receiver_key.access_key, receiver_key.secret_key, port
    )
    creators = judge.Pool(new_creators(2), new_creators)
    aws_creators = judge.Pool(new_aws_creators(2), new_aws_creators)
    seeded: dict[str, int] = {}

    def creates(count: int) -> tuple[list[str], int | None]:
        taken = creators.take(-(-count // CREATE_QUOTA))
        requests = [
            creator.signed(
                "POST",
                "/v1/resource-shares",
                json.dumps(
                    {
                        "name": "bench",
                        "principals": [receiver_account.id],
                        "resource_urns": [f"vpc:cn-north-4:{creator.account_id}:subnet:bench-1"],
                    }
                ).encode(),
            )
            for creator in taken
        ]
        return requests, len(taken) * CREATE_QUOTA

    def aws_creates(count: int) -> tuple[list[str], int | None]:
        # As boto3 sends it, with no clientToken: each creator's one request, replayed.
        taken = aws_creators.take(-(-count // CREATE_QUOTA))
        principal = receiver_account.aws_account_id
        return [raw(aws_load.create(c, principal)) for c in taken], len(taken) * CREATE_QUOTA

    def accepting(pool: judge.Pool[str], caller: Caller) -> Supply:
        def supply(count: int) -> tuple[list[str], int | None]:
            ids = pool.take(count)
            return accepts(caller, ids), len(ids)

        return supply

    def aws_accepting(pool: judge.Pool[str]) -> Supply:
        sender = owner_account.aws_account_id

        def supply(count: int) -> tuple[list[str], int | None]:
            ids = pool.take(count)
            return [raw(aws_load.accept(aws_receiver, sender, i)) for i in ids], len(ids)

        return supply

    env = {
        **sharekeeper_env(database_url, data_dir, workers),
        "SHAREKEEPER_MASTER_KEY": settings.master_key or "",
    }
    command = [PYTHON, "-m", "sharekeeper", "serve", "--port", str(port)]
    # Two workers get both cores, which wrk (on core 1) then shares: on a 2-core machine the
    # load generator cannot run elsewhere, so this figure understates what two cores give.
    cores = "0" if workers == 1 else "0,1"
    ready = f"http://127.0.0.1:{port}/healthz"
    runner = Runner(label, work, seconds, margin, refusals)
    results: dict[str, Any] = {}
    moto_loads: dict[str, Load] | None = None
    with ExitStack() as stack:
        # The floor's copy first, before any request reaches either database.
        floor_url = stack.enter_context(database_copy(database_url, work)) if floor else ""
        pid = stack.enter_context(process(command, env, work / "sharekeeper.log", ready, cores))
        reads = searches(owner, receiver)
        sharekeeper_pool = invitation_pool(
            "sharekeeper",
            database_url,
            owner_account.id,
            receiver_account.id,
            invitation_ids,
            seeded,
        )
        loads = {
            "accept": Load(pid, port, accepting(sharekeeper_pool, receiver)),
            "search": Load(pid, port, replay(reads["search"])),
            "tag_search": Load(pid, port, replay(reads["tag_search"])),
            "create": Load(pid, port, creates),
            # The same operations through AWS's wire, from the same pool of invitations; the
            # reads are signed afresh for each run (a signature holds 15 minutes, a run's
            # rounds may take longer).
            "aws_accept": Load(pid, port, aws_accepting(sharekeeper_pool)),
            "aws_search": Load(pid, port, lambda _: ([raw(aws_load.search(aws_owner))], None)),
            "aws_list": Load(pid, port, lambda _: ([raw(aws_load.listing(aws_receiver))], None)),
            "aws_create": Load(pid, port, aws_creates),
        }
        if floor_url:
            floor_pid, floor_port = stack.enter_context(
                floor_server(floor_url, receiver_account.id, work)
            )
            floor_caller = Caller(
                receiver_account.id, receiver_key.access_key, receiver_key.secret_key, floor_port
            )
            floor_pool = invitation_pool(
                "floor", floor_url, owner_account.id, receiver_account.id, invitation_ids, seeded
            )
            loads["accept_floor"] = Load(floor_pid, floor_port, accepting(floor_pool, floor_caller))
            loads["search_floor"] = Load(
                floor_pid, floor_port, replay(searches(floor_caller, floor_caller)["search"])
            )
        if moto:
            moto_loads = stack.enter_context(moto_server(work))
            if moto_loads is not None:
                loads["moto_create"] = moto_loads["create"]
        runs = run_rounds(runner, loads, round_count)
        if moto_loads is not None:
            # moto lists every share it holds in each answer, seconds each by now: 8
            # connections, as wrk's timeout would otherwise cut the slowest answers off.
            listing = Runner(label, work, seconds, margin, refusals, connections=8)
            runs["moto_get"] = [listing.measure("moto_get", moto_loads["get"], 1)]
        results.update({name: judge.figure(figure_runs) for name, figure_runs in runs.items()})
        results["ratios"], results["ratio_refusals"] = ratios(runs)
        results["seeded_invitations"] = seeded
        results["retried_runs"] = runner.retries
        if sdk_seconds:
            results["sdk_flow"] = sdk_flow(
                f"http://127.0.0.1:{port}",
                [flow_owner.id, flow_owner_key.access_key, flow_owner_key.secret_key],
                [flow_receiver.id, flow_receiver_key.access_key, flow_receiver_key.secret_key],
                sdk_seconds,
                work,
            )
        results["rss_mb"] = peak_rss_mb(pid)
    return results


def floor_env(floor_url: str) -> dict[str, str]:
    if floor_url.startswith("sqlite"):
        return {"FLOOR_SQLITE": floor_url.removeprefix("sqlite:///")}
    return {"FLOOR_POSTGRES": floor_url}


@contextmanager
def floor_server(floor_url: str, receiver: str, work: Path) -> Iterator[tuple[int, int]]:
    """The floor app (bench/floor.py) on the database ``floor_url``, searching ``receiver``'s
    invitations; yields its pid and port."""
    port = free_port()
    env = {**os.environ, **floor_env(floor_url), "FLOOR_RECEIVER": receiver}
    env["PYTHONPATH"] = str(HERE)
    command = [PYTHON, "-m", "uvicorn", "floor:app", "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    url = f"http://127.0.0.1:{port}/v1/resource-share-invitations/search"
    with process(command, env, work / "floor.log", url) as pid:
        yield pid, port


def floor_search(
    floor_url: str, receiver: str, search: list[str], work: Path, seconds: float
) -> dict[str, Any]:
    """The floor's search alone (bench/authorize.py's baseline), judged like every run."""
    refusals: list[str] = []
    runner = Runner("floor", work, seconds, judge.MARGIN, refusals)
    with floor_server(floor_url, receiver, work) as (pid, port):
        load = Load(pid, port, replay(search))
        runner.warm("search_floor", load)
        return runner.measure("search_floor", load, 1)


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


@contextmanager
def moto_server(work: Path) -> Iterator[dict[str, Load] | None]:
    """moto's server (None when it is not installed) and its RAM CreateResourceShare and
    GetResourceShares, the nearest operations it has (it has no invitations at all)."""
    # The interpreter's own moto_server: a shim on the PATH may belong to another Python.
    server = Path(PYTHON).parent / "moto_server"
    if not server.exists():
        print(f"moto_server is not beside {PYTHON}: pip install -e '.[bench]'", file=sys.stderr)
        yield None
        return
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
    create = wrk.raw_request(
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
    get = wrk.raw_request("POST", "/getresourceshares", headers, b'{"resourceOwner": "SELF"}')
    command = [str(server), "-p", str(port)]
    ready = f"http://127.0.0.1:{port}/moto-api/"
    with process(command, dict(os.environ), work / "moto.log", ready) as pid:
        yield {"create": Load(pid, port, replay([create])), "get": Load(pid, port, replay([get]))}


def measure_scale(
    work: Path, counts: tuple[int, ...], seconds: float, margin: float, refusals: list[str]
) -> dict[str, Any]:
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
        # The invitations of this stage, never accepted before, each handed to one request;
        # not seeded further, which would change the count being measured (a run short of
        # them is refused).
        pool = judge.Pool(ids[-100_000:])

        def supply(n: int, pool: judge.Pool[str] = pool, receiver: Caller = receiver) -> Any:
            taken = pool.take(n)
            return accepts(receiver, taken), len(taken)

        reads = searches(owner, receiver)
        command = [PYTHON, "-m", "sharekeeper", "serve", "--port", str(port)]
        ready = f"http://127.0.0.1:{port}/healthz"
        # At 8 connections the rates are a few hundred a second: a guess of 1,000 leaves the
        # 10,000-invitation stage enough for its run.
        runner = Runner(
            f"scale-{count}", work, seconds, margin, refusals, connections=8, guess=1_000.0
        )
        # The accepts of the smallest stage are its 10,000 invitations; at 8 connections they
        # ran at 1,250-1,800 a second (2026-12-07), so a run of the default 8 seconds used
        # them up and was refused. Both stages accept for at most 4 seconds, alike.
        accepting = Runner(
            f"scale-{count}",
            work,
            min(seconds, 4.0),
            margin,
            refusals,
            connections=8,
            guess=1_000.0,
        )
        with process(command, env, work / f"scale-{count}.log", ready) as pid:
            loads = {
                "search": Load(pid, port, replay(reads["search"])),
                "tag_search": Load(pid, port, replay(reads["tag_search"])),
                "accept": Load(pid, port, supply),
            }
            for name, load in loads.items():
                # The accepts run after the searches warmed the server, without warm-ups of
                # their own, which would leave the smallest stage too few invitations.
                if name != "accept":
                    runner.warm(name, load, settle=True)
                stage[name] = (accepting if name == "accept" else runner).measure(name, load, 1)
            stage["rss_mb"] = round(peak_rss_mb(pid), 1)
        results[str(count)] = stage
        print(json.dumps({"scale": {str(count): stage}}), flush=True)
    return results


def signature_microbenchmark(algorithm: str = "SDK-HMAC-SHA256", rounds: int = 20_000) -> float:
    """Microseconds to verify one SDK-signed request (the key already looked up); the
    derived-key algorithms are signed by the SDK's own signer, as a client would."""
    from sharekeeper.auth.verify import IncomingRequest, KeyMaterial, verify
    from sharekeeper.domain.ratelimit import Guesses, Spent

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
    guesses = Guesses()

    def gate(access_key: str) -> Spent:
        # The server's own allowance of derived-key checks, which a valid signature gives back.
        return guesses.derived("127.0.0.1", access_key)

    verify(request, lambda _: key, now, 0, 900, gate)  # derives and caches the public key
    started = time.perf_counter()
    for _ in range(rounds):
        verify(request, lambda _: key, now, 0, 900, gate)
    return (time.perf_counter() - started) / rounds * 1e6


RUNS = ("sqlite", "postgres_1_worker", "postgres_2_worker")
SUMMARY_FIGURES = (
    "accept",
    "accept_floor",
    "search",
    "search_floor",
    "tag_search",
    "create",
    "moto_create",
    "aws_accept",
    "aws_search",
    "aws_list",
    "aws_create",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="SQLite only, small counts")
    parser.add_argument(
        "--postgres-only",
        action="store_true",
        help="PostgreSQL with one and two workers, and moto, without SQLite or scale",
    )
    parser.add_argument(
        "--aws-only",
        action="store_true",
        help="only AWS's figures, their Huawei twins and moto_server's create, on SQLite "
        "(on PostgreSQL with one worker with --postgres-only): no floor, scale, SDK flow, "
        "cold start or signature microbenchmark",
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
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds per figure (default 3)"
    )
    parser.add_argument(
        "--seconds", type=float, help="seconds per run (default 3 with --quick, else 8)"
    )
    parser.add_argument(
        "--margin",
        type=float,
        default=judge.MARGIN,
        help=f"input seeded per run, times the fastest rate seen (default {judge.MARGIN}; "
        "below 1 to see a run refused for having used up its input)",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.aws_only and (args.quick or args.scale):
        parser.error("--aws-only takes neither --quick nor --scale")
    seconds = args.seconds or (3.0 if args.quick else 8.0)
    work = Path(tempfile.mkdtemp(prefix="sharekeeper-bench-"))
    started = time.monotonic()
    refusals: list[str] = []
    report: dict[str, Any] = {
        "mode": "quick" if args.quick else "postgres" if args.postgres_only else "full",
        "machine": f"{os.cpu_count()} cores",
        "seconds_per_run": seconds,
        "rounds": args.rounds,
        "refusals": refusals,
    }
    # --aws-only: AWS's figures, their Huawei twins and moto_server's create, on one database.
    everything = not args.aws_only
    if args.aws_only:
        report["mode"] = "aws-postgres" if args.postgres_only else "aws"
    else:
        report["signature_verify_us"] = round(signature_microbenchmark(), 2)
        report["signature_verify_other_us"] = {
            name: round(signature_microbenchmark(name, count), 1)
            for name, count in (
                ("SDK-HMAC-SM3", 5_000),
                ("SDK-ECDSA-P256-SHA256", 2_000),
                ("SDK-SM2-SM3", 300),
            )
        }
        report["cold_start_s"] = measure_cold_start(work)
    if args.scale or not (args.quick or args.postgres_only or args.aws_only):
        scale_dir = work / "scale"
        scale_dir.mkdir()
        report["scale"] = measure_scale(
            scale_dir, (10_000, 1_000_000), seconds, args.margin, refusals
        )
        if args.scale:
            print(json.dumps({**report["scale"], "refusals": refusals}))
            sys.exit(1 if refusals else 0)
    if not args.postgres_only:
        sqlite_dir = work / "sqlite"
        sqlite_dir.mkdir()
        report["sqlite"] = measure_sharekeeper(
            f"sqlite:///{sqlite_dir / 'bench.db'}",
            sqlite_dir,
            seconds,
            args.rounds,
            args.margin,
            refusals,
            floor=everything,
            moto=True,
            sdk_seconds=0 if args.aws_only else 2.0 if args.quick else 5.0,
        )
    if args.postgres_only or not (args.quick or args.aws_only):
        for workers in (1, 2) if everything else (1,):
            pg_dir = work / f"postgres-{workers}"
            pg_dir.mkdir()
            with fresh_postgres(args.postgres) as url:
                report[f"postgres_{workers}_worker"] = measure_sharekeeper(
                    url,
                    pg_dir,
                    seconds,
                    args.rounds,
                    args.margin,
                    refusals,
                    floor=workers == 1 and everything,
                    moto=workers == 1,
                    workers=workers,
                    sdk_seconds=5.0 if workers == 1 and everything else 0,
                )
    finish(report, work, started)


def finish(report: dict[str, Any], work: Path, started: float) -> NoReturn:
    """Writes the report to bench/results/, prints its table and, last, the summary's JSON
    line; exits 1 when any run was refused."""
    refusals = report["refusals"]
    report["elapsed_s"] = round(time.monotonic() - started, 1)
    summary = summarize(report)
    report["summary"] = summary
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (results / f"{report['mode']}-{stamp}.json").write_text(json.dumps(report, indent=2))
    print(markdown(report))
    shutil.rmtree(work, ignore_errors=True)
    if refusals:
        print(f"{len(refusals)} run(s) refused; their figures and ratios are null", file=sys.stderr)
    print(json.dumps(summary))
    sys.exit(1 if refusals else 0)


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    """The last line's object (docs/performance.md lists its keys): the main database's rates
    (SQLite when it ran), every run's ratios, and every refusal. A refused figure or ratio is
    null, never a rate."""
    main_run = "sqlite" if "sqlite" in report else "postgres_1_worker"
    figures = report[main_run]
    summary: dict[str, Any] = {
        "mode": report["mode"],
        "rounds": report["rounds"],
        "seconds_per_run": report["seconds_per_run"],
        "database": main_run,
    }
    for name in SUMMARY_FIGURES:
        rate = figures.get(name, {}).get("rps")
        summary[f"{name}_rps"] = None if rate is None else round(rate)
    runs = [key for key in RUNS if key in report]
    summary["ratios"] = {key: report[key]["ratios"] for key in runs}
    summary["ratio_refusals"] = {
        key: report[key]["ratio_refusals"] for key in runs if report[key]["ratio_refusals"]
    }
    summary["aws_targets"] = {key: judge.met(report[key]["ratios"], AWS_TARGETS) for key in runs}
    summary["refusals"] = report["refusals"]
    return summary


def _row(label: str, value: dict[str, Any]) -> str:
    if "refused" in value:
        return f"| {label} | **refused**: {'; '.join(value['refused'])} | | | |"
    rate = f"{value['rps']:,.0f} ({value['rps_min']:,.0f}-{value['rps_max']:,.0f})"
    cpu = value.get("server_cpu", "")
    return f"| {label} | {rate} | {value['p50_ms']:.2f} | {value['p99_ms']:.2f} | {cpu} |"


def _ratio(part: dict[str, Any], name: str) -> str:
    if name in part.get("ratio_refusals", {}):
        return "**refused**"
    value = part.get("ratios", {}).get(name)
    if value is None:
        return "—"
    return f"{value['median']:.2f} ({value['min']:.2f}-{value['max']:.2f})"


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Medians of {report['rounds']} rounds of {report['seconds_per_run']} s, "
        "(min-max) across rounds.",
        "",
        "| measure | req/s | p50 ms | p99 ms | server CPU |",
        "|---|---|---|---|---|",
    ]
    runs = [key for key in RUNS if key in report]
    for key in runs:
        for name, value in report[key].items():
            if isinstance(value, dict) and ("rps" in value or "refused" in value):
                lines.append(_row(f"{key} {name}", value))
    if runs:
        lines += ["", "| ratio | " + " | ".join(runs) + " |"]
        lines.append("|---|" + "---|" * len(runs))
    for name in RATIOS if runs else ():
        lines.append(f"| {name} | " + " | ".join(_ratio(report[k], name) for k in runs) + " |")
    for key in runs:
        flow = report[key].get("sdk_flow")
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
            p50 = [
                "refused" if "refused" in stage[name] else f"{stage[name]['p50_ms']:.2f}"
                for name in ("search", "tag_search", "accept")
            ]
            lines.append(
                f"| {int(count):,} | {stage['seed_seconds']} | {' | '.join(p50)} | "
                f"{stage['rss_mb']} |"
            )
    for refusal in report["refusals"]:
        lines.append(f"\nREFUSED {refusal}")
    if "signature_verify_us" not in report:  # --aws-only measures neither
        lines.append(f"\nrun took {report['elapsed_s']} s")
        return "\n".join(lines)
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
