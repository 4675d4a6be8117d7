"""A soak: one server process on a fresh database, 4 client threads looping a realistic mix
(RAM shares, invitations and tags; Organizations units, accounts and handshakes; console pages)
for a fixed time, while the server's RSS, the database's size and its row counts are sampled.

    python bench/soak.py [--minutes 3] [--warmup 1] [--postgres URL] [--diagnose DIR]

Reports RSS at the end of the warm-up and at the end, and the slope after the warm-up (MB per
minute, least squares over the samples), with every error and non-2xx answer counted: a run with
errors says so. ``--diagnose DIR`` runs the server under tracemalloc and, at the end of the
warm-up and at the end, has it write what its memory holds (Python's traced heap, SQLite's own
heap, malloc's arenas) and a tracemalloc diff between the two. The last line is one JSON object.
Bounded: every loop stops at the deadline, and each request has a timeout."""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from sharekeeper.auth import signing
from sharekeeper.bootstrap import build_runtime
from sharekeeper.config import Settings
from sharekeeper.domain.accounts import Caller
from sharekeeper.services import directory, identity, organizations

CLIENTS = ("ram_owner", "ram_receiver", "organizations", "console")
# Tables whose rows the soak counts at the end (the data the server's caches follow).
TABLES = (
    "resource_shares",
    "invitations",
    "share_tags",
    "org_units",
    "handshakes",
    "audit_records",
    "console_sessions",
)
# A share is deleted this many of its owner's iterations after its creation, so the live
# shares stay under the quota while the database keeps growing (deleted rows, audit records).
KEEP_SHARES = 500

# Runs the server so that, on SIGUSR1, it writes a JSON summary of its memory (SQLite's own heap,
# malloc's arenas, the garbage collector's objects; Python's traced heap and a snapshot too when
# SOAK_TRACEMALLOC is set) to the directory given first; with SOAK_MALLOC_TRIM it first hands
# malloc's free pages back to the system (malloc_trim). For --diagnose only.
_DIAGNOSED_SERVER = r"""
import ctypes, ctypes.util, gc, json, os, pathlib, signal, sys, threading, tracemalloc
traced = bool(os.environ.get("SOAK_TRACEMALLOC"))
if traced:
    tracemalloc.start()
out = pathlib.Path(sys.argv[1])
libc = ctypes.CDLL(ctypes.util.find_library("c"))
sqlite = ctypes.CDLL("libsqlite3.so.0")
sqlite.sqlite3_memory_used.restype = ctypes.c_int64
class MallInfo2(ctypes.Structure):
    names = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
    _fields_ = [(n, ctypes.c_size_t) for n in names.split()]
libc.mallinfo2.restype = MallInfo2
taken = [0, 0]
def dump(signum, frame):
    taken[0] += 1
    wanted = out / "take-snapshot"
    if os.environ.get("SOAK_MALLOC_TRIM"):  # an experiment: is the rest malloc's free memory?
        libc.malloc_trim(0)
    info = libc.mallinfo2()
    summary = {
        "sqlite_heap_mb": sqlite.sqlite3_memory_used() / 2**20,
        "malloc_arena_mb": info.arena / 2**20,
        "malloc_mmapped_mb": info.hblkhd / 2**20,
        "malloc_in_use_mb": info.uordblks / 2**20,
        "malloc_free_held_mb": info.fordblks / 2**20,
        "threads": threading.active_count(),
        "gc_objects": len(gc.get_objects()),
    }
    if traced and wanted.exists():
        wanted.unlink()
        taken[1] += 1
        tracemalloc.take_snapshot().dump(str(out / f"snapshot-{taken[1]}.pickle"))
        summary["traced_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
    (out / f"summary-{taken[0]}.json").write_text(json.dumps(summary))
signal.signal(signal.SIGUSR1, dump)
from sharekeeper.cli.main import main
main(sys.argv[2:])
"""


@dataclass
class Key:
    account_id: str
    access_key: str
    secret_key: str


@dataclass
class Tally:
    """What the clients saw; updated under ``lock`` (four threads)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    iterations: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    statuses: Counter[str] = field(default_factory=Counter)  # non-2xx, by operation and status
    errors: Counter[str] = field(default_factory=Counter)  # no answer at all, by kind

    def answered(self, name: str, status: int) -> None:
        with self.lock:
            self.requests += 1
            if not 200 <= status < 400:
                self.statuses[f"{name} {status}"] += 1

    def failed(self, name: str, error: Exception) -> None:
        with self.lock:
            self.errors[f"{name} {type(error).__name__}"] += 1


class Api:
    """Signed requests as the SDK signs them, over one keep-alive connection."""

    def __init__(self, endpoint: str, key: Key, tally: Tally) -> None:
        self.client = httpx.Client(base_url=endpoint, timeout=30)
        self.host = endpoint.removeprefix("http://")
        self.key = key
        self.tally = tally

    def call(
        self, name: str, method: str, path: str, body: Any = None, query: str = ""
    ) -> dict[str, Any] | None:
        """The answer's JSON on a 2xx, None otherwise (counted in the tally)."""
        raw = json.dumps(body).encode() if body is not None else b""
        headers = {
            "Content-Type": "application/json",
            "Host": self.host,
            "X-Sdk-Date": signing.format_sdk_date(datetime.now(UTC)),
        }
        headers["Authorization"] = signing.sign_headers(
            access_key=self.key.access_key,
            secret_key=self.key.secret_key,
            method=method,
            raw_path=path,
            raw_query=query,
            headers=headers,
            body=raw,
        )
        url = path + (f"?{query}" if query else "")
        try:
            answer = self.client.request(method, url, content=raw, headers=headers)
        except httpx.HTTPError as error:
            self.tally.failed(name, error)
            return None
        self.tally.answered(name, answer.status_code)
        if not 200 <= answer.status_code < 300:
            return None
        return answer.json() if answer.content else {}


@dataclass
class World:
    endpoint: str
    owner: Key
    receiver: Key
    manager: Key
    outsider: Key
    root_id: str


def ram_owner(world: World, tally: Tally, running: Callable[[], bool]) -> None:
    api = Api(world.endpoint, world.owner, tally)
    made: list[str] = []
    n = 0
    while running():
        n += 1
        created = api.call(
            "CreateResourceShare",
            "POST",
            "/v1/resource-shares",
            {
                "name": f"soak-{n}",
                "principals": [world.receiver.account_id],
                "resource_urns": [f"vpc:cn-north-4:{world.owner.account_id}:subnet:soak-{n}"],
                "tags": [{"key": "env", "value": "soak"}],
            },
        )
        if created is not None:
            share = created["resource_share"]["id"]
            made.append(share)
            tags = [{"key": f"team-{n % 7}", "value": "a"}]
            api.call(
                "BatchCreateResourceShareTags",
                "POST",
                f"/v1/resource-shares/{share}/tags/create",
                {"tags": tags},
            )
        api.call(
            "SearchResourceShares",
            "POST",
            "/v1/resource-shares/search",
            {"resource_owner": "self", "limit": 50},
        )
        api.call(
            "ListResourceSharesByTags",
            "POST",
            "/v1/resource-shares/resource-instances/filter",
            {"tags": [{"key": "env", "values": ["soak"]}]},
            query="limit=20",
        )
        api.call("ListResourceShareTags", "GET", "/v1/resource-shares/tags")
        if len(made) > KEEP_SHARES:
            api.call("DeleteResourceShare", "DELETE", f"/v1/resource-shares/{made.pop(0)}")
        with tally.lock:
            tally.iterations["ram_owner"] += 1


def ram_receiver(world: World, tally: Tally, running: Callable[[], bool]) -> None:
    api = Api(world.endpoint, world.receiver, tally)
    n = 0
    while running():
        n += 1
        found = api.call(
            "SearchResourceShareInvitation",
            "POST",
            "/v1/resource-share-invitations/search",
            {"status": "pending", "limit": 2},
        )
        for i, invitation in enumerate((found or {}).get("resource_share_invitations", [])):
            answer = "accept" if (n + i) % 2 else "reject"
            api.call(
                f"{answer.title()}ResourceShareInvitation",
                "POST",
                f"/v1/resource-share-invitations/{invitation['resource_share_invitation_id']}/"
                + answer,
            )
        api.call(
            "SearchSharedResources",
            "POST",
            "/v1/shared-resources/search",
            {"resource_owner": "other-accounts", "limit": 50},
        )
        api.call(
            "SearchResourceShares",
            "POST",
            "/v1/resource-shares/search",
            {"resource_owner": "other-accounts", "limit": 20},
        )
        with tally.lock:
            tally.iterations["ram_receiver"] += 1


def organizations_client(world: World, tally: Tally, running: Callable[[], bool]) -> None:
    api = Api(world.endpoint, world.manager, tally)
    ous = "/v1/organizations/organizational-units"
    accounts = "/v1/organizations/accounts"
    n = 0
    while running():
        n += 1
        made = api.call(
            "CreateOrganizationalUnit",
            "POST",
            ous,
            {"name": f"soak-{n}", "parent_id": world.root_id},
        )
        api.call("ListOrganizationalUnits", "GET", ous, query=f"parent_id={world.root_id}")
        api.call("ListAccounts", "GET", accounts)
        api.call("ShowOrganization", "GET", "/v1/organizations")
        invited = api.call(
            "InviteAccount",
            "POST",
            accounts + "/invite",
            {"target": {"type": "account", "entity": world.outsider.account_id}, "notes": ""},
        )
        api.call("ListHandshakes", "GET", "/v1/organizations/handshakes")
        if invited is not None:
            handshake = invited["handshake"]["id"]
            api.call("CancelHandshake", "POST", f"/v1/organizations/handshakes/{handshake}/cancel")
        if made is not None:
            unit = made["organizational_unit"]["id"]
            api.call("DeleteOrganizationalUnit", "DELETE", f"{ous}/{unit}")
        with tally.lock:
            tally.iterations["organizations"] += 1


CONSOLE_PAGES = (
    "/console",
    "/console/invitations",
    "/console/shares",
    "/console/shared-with-me",
    "/console/organization",
)


# Every so often the console gets a burst of page loads at once (several people, or tabs opened
# together): the server then serves them from several worker threads, which later go idle.
BURST_EVERY_SECONDS = 20.0
BURST_PAGES = 8


def console(world: World, tally: Tally, running: Callable[[], bool]) -> None:
    """Signs in once as the receiver (a member of the organization), then loads pages, now
    and then a burst of them at once."""
    client = httpx.Client(base_url=world.endpoint, timeout=30)
    try:
        form = client.get("/console/sign-in")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        if token is None:
            raise RuntimeError("no CSRF token on the sign-in form")
        signed_in = client.post(
            "/console/sign-in",
            data={
                "csrf_token": token.group(1),
                "access_key": world.receiver.access_key,
                "secret_key": world.receiver.secret_key,
            },
        )
        tally.answered("ConsoleSignIn", signed_in.status_code)
    except httpx.HTTPError as error:
        tally.failed("ConsoleSignIn", error)
        return

    def load(page: str) -> None:
        try:
            answer = client.get(page)
        except httpx.HTTPError as error:
            tally.failed(page, error)
            return
        # A redirect to the sign-in form would mean the session was lost: count it.
        tally.answered(page, answer.status_code if "/sign-in" not in str(answer.url) else 401)

    next_burst = time.monotonic() + BURST_EVERY_SECONDS
    with ThreadPoolExecutor(BURST_PAGES) as burst:
        while running():
            for page in CONSOLE_PAGES:
                load(page)
            if time.monotonic() >= next_burst:
                next_burst += BURST_EVERY_SECONDS
                pages = [CONSOLE_PAGES[i % len(CONSOLE_PAGES)] for i in range(BURST_PAGES)]
                list(burst.map(load, pages))
            with tally.lock:
                tally.iterations["console"] += 1


def make_world(settings: Settings) -> tuple[Key, Key, Key, Key, str]:
    """Accounts and an organization, made on the database before the server starts."""
    runtime = build_runtime(settings)
    try:
        ctx = runtime.context
        keys = []
        for name in ("soak-owner", "soak-receiver", "soak-manager", "soak-outsider"):
            account, key = identity.create_account(ctx, name)
            keys.append(Key(account.id, key.access_key, key.secret_key))
        owner, receiver, manager, outsider = keys
        founder = Caller(manager.account_id, manager.access_key)
        organization = directory.create_organization(ctx, founder).organization
        for member in (owner, receiver):
            organizations.add_account(ctx, member.account_id, organization.root_id)
        return owner, receiver, manager, outsider, organization.root_id
    finally:
        runtime.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _kind_of_mapping(name: str) -> str:
    if name == "[heap]":
        return "heap"
    if not name or name.startswith("[anon"):
        return "anonymous"
    if name == "[stack]":
        return "stack"
    return "shm" if name.endswith("-shm") else "file"


def memory_map(pid: int) -> dict[str, float]:
    """RSS by kind of mapping (MB): the brk heap (malloc's main arena), anonymous mappings
    (pymalloc's arenas, other threads' malloc arenas, large allocations), files mapped
    (libraries, SQLite's shared-memory index)."""
    kinds: dict[str, float] = {}
    kind = "anonymous"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        if "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:  # a mapping's header
            kind = _kind_of_mapping(fields[5].strip() if len(fields) > 5 else "")
        elif fields[0] == "Rss:":
            kinds[kind] = kinds.get(kind, 0.0) + int(fields[1]) / 1024
    return {k: round(v, 1) for k, v in sorted(kinds.items())}


def database_files_open(pid: int, database_url: str) -> int:
    """Open descriptors on the SQLite file: one per connection (0 on PostgreSQL)."""
    if not database_url.startswith("sqlite:///"):
        return 0
    path = os.path.realpath(database_url.removeprefix("sqlite:///"))
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd) == path
        except OSError:
            continue
    return count


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def row_counts(database_url: str) -> dict[str, int]:
    select = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {t}" for t in TABLES)
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as connection:
            return dict(connection.execute(select).fetchall())
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        return {str(k): int(v) for k, v in connection.execute(select).fetchall()}


def database_mb(database_url: str) -> float:
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        files = (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        return sum(f.stat().st_size for f in files if f.exists()) / 2**20
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) / 2**20 if row else 0.0


def slope_mb_per_minute(samples: list[dict[str, Any]]) -> float:
    """Least-squares slope of RSS against time."""
    if len(samples) < 2:
        return 0.0
    ts = [float(s["t"]) / 60 for s in samples]
    ys = [float(s["rss_mb"]) for s in samples]
    mean_t, mean_y = sum(ts) / len(ts), sum(ys) / len(ys)
    spread = sum((t - mean_t) ** 2 for t in ts)
    return sum((t - mean_t) * (y - mean_y) for t, y in zip(ts, ys, strict=True)) / spread


def start_server(
    database_url: str, data_dir: Path, env: dict[str, str], diagnose: Path | None
) -> tuple[subprocess.Popen[str], str]:
    serve = ["serve", "--port", "0"]
    if diagnose is None:
        command = [sys.executable, "-m", "sharekeeper", *serve]
    else:
        command = [sys.executable, "-c", _DIAGNOSED_SERVER, str(diagnose), *serve]
    log = data_dir.parent / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        found = re.search(r"listening on (http://\S+)", log.read_text())
        if found:
            return proc, found.group(1)
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"the server did not start; see {log}")


def diagnose_now(pid: int, directory: Path, number: int) -> dict[str, Any]:
    """Asks the traced server for a snapshot and waits for its summary."""
    os.kill(pid, signal.SIGUSR1)
    summary = directory / f"summary-{number}.json"
    deadline = time.monotonic() + 120
    while not summary.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(0.2)
    return json.loads(summary.read_text()) if summary.exists() else {}


def tracemalloc_growth(directory: Path, top: int = 15) -> list[str]:
    import tracemalloc

    first = tracemalloc.Snapshot.load(str(directory / "snapshot-1.pickle"))
    last = tracemalloc.Snapshot.load(str(directory / "snapshot-2.pickle"))
    stats = last.compare_to(first, "traceback")
    return [str(stat) for stat in stats[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=1.0, help="minutes before the slope")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--postgres", help="a fresh, empty PostgreSQL database URL")
    parser.add_argument("--diagnose", type=Path, help="the server's memory summaries go here")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server")
    arguments = parser.parse_args()
    if arguments.minutes <= arguments.warmup:
        parser.error("--minutes must be longer than --warmup")

    work = Path(tempfile.mkdtemp(prefix="sharekeeper-soak-"))
    data_dir = work / "data"
    database_url = arguments.postgres or f"sqlite:///{data_dir / 'sharekeeper.db'}"
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        master_key=base64.b64encode(os.urandom(32)).decode(),
    )
    owner, receiver, manager, outsider, root_id = make_world(settings)
    env = {
        **os.environ,
        "SHAREKEEPER_DATABASE_URL": database_url,
        "SHAREKEEPER_DATA_DIR": str(data_dir),
        "SHAREKEEPER_MASTER_KEY": settings.master_key or "",
        "SHAREKEEPER_QUOTA_RESOURCE_SHARE": str(KEEP_SHARES * 4),
        "SHAREKEEPER_LOG_FORMAT": "json",
    }
    env.update(dict(item.split("=", 1) for item in arguments.env))
    if arguments.diagnose is not None:
        arguments.diagnose.mkdir(parents=True, exist_ok=True)
    proc, endpoint = start_server(database_url, data_dir, env, arguments.diagnose)
    world = World(endpoint, owner, receiver, manager, outsider, root_id)
    tally = Tally()
    begun = time.monotonic()
    deadline = begun + arguments.minutes * 60
    warm_until = begun + arguments.warmup * 60
    clients = [
        threading.Thread(target=client, args=(world, tally, lambda: time.monotonic() < deadline))
        for client in (ram_owner, ram_receiver, organizations_client, console)
    ]
    samples: list[dict[str, Any]] = []
    diagnosis: dict[str, Any] = {}
    try:
        for thread in clients:
            thread.start()
        while time.monotonic() < deadline:
            time.sleep(min(arguments.sample, max(0.0, deadline - time.monotonic())))
            t = time.monotonic() - begun
            sample = {
                "t": round(t, 1),
                "rss_mb": round(rss_mb(proc.pid), 1),
                "threads": threads_of(proc.pid),
                "sqlite_connections": database_files_open(proc.pid, database_url),
                "database_mb": round(database_mb(database_url), 1),
                "requests": tally.requests,
                "map_mb": memory_map(proc.pid),
            }
            if arguments.diagnose is not None:
                last = deadline - time.monotonic() < arguments.sample
                if last or (t >= warm_until - begun and "warm" not in diagnosis):
                    # A snapshot (with SOAK_TRACEMALLOC) at the warm-up's end and at the end.
                    (arguments.diagnose / "take-snapshot").touch()
                    diagnosis.setdefault("warm", t)
                sample["server"] = diagnose_now(proc.pid, arguments.diagnose, len(samples) + 1)
            samples.append(sample)
            print(json.dumps(sample), flush=True)
        for thread in clients:
            thread.join(60)
        rows = row_counts(database_url)
        if (arguments.diagnose / "snapshot-2.pickle").exists() if arguments.diagnose else False:
            diagnosis["growth"] = tracemalloc_growth(arguments.diagnose)
        final_rss = rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()

    after = [s for s in samples if s["t"] >= arguments.warmup * 60]
    last_minutes = [s for s in samples if s["t"] >= samples[-1]["t"] - 120]
    warm = after[0] if after else samples[0]
    result = {
        "database": "postgresql" if arguments.postgres else "sqlite",
        "minutes": arguments.minutes,
        "iterations": dict(tally.iterations),
        "requests": tally.requests,
        "non_2xx": dict(tally.statuses),
        "errors": dict(tally.errors),
        "clean": not tally.statuses and not tally.errors,
        "rss_start_mb": samples[0]["rss_mb"],
        "rss_warm_mb": warm["rss_mb"],
        "rss_end_mb": round(final_rss, 1),
        "rss_max_mb": max(s["rss_mb"] for s in samples),
        "slope_after_warmup_mb_per_min": round(slope_mb_per_minute(after), 2),
        "slope_last_2_min_mb_per_min": round(slope_mb_per_minute(last_minutes), 2),
        "threads_end": samples[-1]["threads"],
        "sqlite_connections_max": max(s["sqlite_connections"] for s in samples),
        "database_warm_mb": warm["database_mb"],
        "database_end_mb": samples[-1]["database_mb"],
        "rows": rows,
        "diagnosis": diagnosis,
        "environment": {k: v for k, v in (i.split("=", 1) for i in arguments.env)},
    }
    if diagnosis:
        for line in diagnosis.get("growth", []):
            print(line)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
