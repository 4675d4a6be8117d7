"""A multi-host ShareKeeper deployment made of network namespaces: three etcd members, two
PostgreSQL nodes under Patroni, one HAProxy and three ShareKeeper hosts, each in a namespace of
its own, wired by veth pairs to a bridge in yet another namespace (the root namespace's network
is never touched), and a client namespace the tests send their requests from.

Every name starts with a per-run prefix holding the test process's id, so parallel runs never
share a namespace, and a later run can tell a crashed run's leftovers (their process is gone)
from a live run's."""

from __future__ import annotations

import base64
import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from sharekeeper.domain.quotas import QUOTA_MAX

PREFIX = "skc"
SUBNET = "10.213.0"
CLONE_NEWNET = 0x40000000
VENV_BIN = Path(sys.executable).parent
POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")
DEBIAN_PACKAGES = "patroni etcd-server etcd-client haproxy iptables iproute2"
INSTALL = f"apt-get install -y --no-install-recommends {DEBIAN_PACKAGES}"
NEEDED = ("patroni", "patronictl", "etcd", "haproxy", "iptables", "ip", "setpriv")

# Patroni's timing: the leader key lives `ttl` seconds, each node's loop runs every
# `loop_wait`, a DCS or PostgreSQL call is retried for `retry_timeout`, and a primary whose
# PostgreSQL crashed is restarted in place for up to `primary_start_timeout` seconds before
# its key is given up (0: given up at once when a synchronous standby can take over).
# "tuned" (what CI runs) keeps Patroni's rule loop_wait + 2 * retry_timeout <= ttl at its
# limit; "defaults" are Patroni's own, measured on request (docs/scaling.md).
TIMINGS = {
    "tuned": {"ttl": 5, "loop_wait": 1, "retry_timeout": 2, "primary_start_timeout": 0},
    "defaults": {"ttl": 30, "loop_wait": 10, "retry_timeout": 10, "primary_start_timeout": 300},
}
# A preset's name, then any of its values changed: "defaults,primary_start_timeout=0".
TIMING_VARIABLE = "SHAREKEEPER_CLUSTER_PATRONI"


def patroni_timing(spec: str) -> dict[str, int]:
    """The timing ``spec`` names (see TIMING_VARIABLE); ValueError for one Patroni would
    refuse or that names no preset or setting."""
    preset, *changes = [part.strip() for part in spec.split(",")]
    if preset not in TIMINGS:
        raise ValueError(f"{TIMING_VARIABLE}: {preset!r} is none of {sorted(TIMINGS)}")
    timing = dict(TIMINGS[preset])
    for change in changes:
        key, _, value = change.partition("=")
        if key not in timing or not value.isdigit():
            raise ValueError(f"{TIMING_VARIABLE}: {change!r} is not one of {sorted(timing)}=N")
        timing[key] = int(value)
    if timing["loop_wait"] + 2 * timing["retry_timeout"] > timing["ttl"]:
        raise ValueError(f"{TIMING_VARIABLE}: loop_wait + 2 * retry_timeout > ttl in {timing}")
    return timing


ETCD = {"e1": 11, "e2": 12, "e3": 13}
POSTGRES = {"pg1": 21, "pg2": 22}
BALANCER = 30
HOSTS = {"sk1": 41, "sk2": 42, "sk3": 43}
CLIENT = 50
POSTGRES_PORT = 5000
API_PORT = 8080
PATRONI_PORT = 8008
STATS = "stats"


def address(last: int) -> str:
    return f"{SUBNET}.{last}"


def missing_requirement() -> str | None:
    """Why this machine cannot make the topology, or None when it can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    absent = [name for name in NEEDED if shutil.which(name) is None]
    if absent:
        return f"{', '.join(absent)} not installed: {INSTALL}"
    if not (POSTGRES_BIN / "postgres").exists():
        return f"PostgreSQL 15's server binaries are not in {POSTGRES_BIN}"
    probe = f"{PREFIX}probe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"cannot make a network namespace: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def run(*argv: str, check: bool = True, timeout: float = 60) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def _running(pid: int) -> bool:
    """Alive and not a zombie: a killed postmaster stays in /proc until its parent reaps it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def remove_namespace(name: str) -> None:
    """Kills what still runs inside one of our namespaces, then deletes it."""
    pids = run("ip", "netns", "pids", name, check=False).split()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)
    run("ip", "netns", "del", name, check=False)


def clean_stale() -> list[str]:
    """Deletes the namespaces of earlier runs of this suite whose process is gone (a run
    killed before its teardown); a live run's are left alone."""
    removed = []
    for line in run("ip", "netns", "list", check=False).splitlines():
        found = re.match(rf"^({PREFIX}(\d+)-\S+)", line)
        if found and not _alive(int(found.group(2))):
            remove_namespace(found.group(1))
            removed.append(found.group(1))
    for stale in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-cluster-*"):
        found = re.match(rf"^{PREFIX}(\d+)-", stale.name)
        if found and not _alive(int(found.group(1))):
            shutil.rmtree(stale, ignore_errors=True)
    return removed


_libc = ctypes.CDLL(None, use_errno=True)


@contextlib.contextmanager
def inside(namespace: str) -> Iterator[None]:
    """Runs the block with this thread in ``namespace``'s network: every socket it (and any
    thread it starts) opens belongs there. The thread's own network is restored after."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {namespace}")
        try:
            yield
        finally:
            if _libc.setns(own, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back")
    finally:
        os.close(own)
        os.close(target)


@dataclass
class Process:
    """One program run inside a namespace, its output in a log file."""

    name: str
    namespace: str
    argv: list[str]
    log: Path
    env: dict[str, str] = field(default_factory=dict)
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            out.write(f"\n=== start {' '.join(self.argv)}\n".encode())
            out.flush()
            self.popen = subprocess.Popen(
                ["ip", "netns", "exec", self.namespace, *self.argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        return self

    def kill(self) -> None:
        """SIGKILL: the host is gone, nothing is flushed or handed over."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)

    def tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {self.name} ({self.log})\n" + "\n".join(text)


class Cluster:
    """The topology: namespaces and links first, then etcd, Patroni, HAProxy and ShareKeeper."""

    def __init__(self, timing: dict[str, int]) -> None:
        self.timing = timing
        self.run_id = f"{PREFIX}{os.getpid()}"
        self.root = Path(tempfile.mkdtemp(prefix=f"{self.run_id}-cluster-"))
        # Patroni runs PostgreSQL as the postgres user, which must reach its directories.
        self.root.chmod(0o755)
        self.namespaces: list[str] = []
        self.processes: dict[str, Process] = {}
        self.master_key = base64.b64encode(os.urandom(32)).decode()
        self.balancer = f"http://{address(BALANCER)}:{API_PORT}"
        self.database_url = f"postgresql://postgres@{address(BALANCER)}:{POSTGRES_PORT}/sharekeeper"

    def ns(self, role: str) -> str:
        return f"{self.run_id}-{role}"

    # -- the network ---------------------------------------------------------------------

    def make_network(self) -> None:
        bridge = self.ns("br")
        self._add_namespace(bridge)
        run("ip", "-n", bridge, "link", "add", "br0", "type", "bridge")
        run("ip", "-n", bridge, "link", "set", "br0", "up")
        nodes = {**ETCD, **POSTGRES, "lb": BALANCER, **HOSTS, "client": CLIENT}
        for role, last in nodes.items():
            namespace = self.ns(role)
            self._add_namespace(namespace)
            port = f"v{role}"
            run("ip", "-n", bridge, "link", "add", port, "type", "veth", "peer", "name", "eth0")
            run("ip", "-n", bridge, "link", "set", "eth0", "netns", namespace)
            run("ip", "-n", bridge, "link", "set", port, "master", "br0")
            run("ip", "-n", bridge, "link", "set", port, "up")
            run("ip", "-n", namespace, "addr", "add", f"{address(last)}/24", "dev", "eth0")
            run("ip", "-n", namespace, "link", "set", "eth0", "up")
            run("ip", "-n", namespace, "link", "set", "lo", "up")

    def _add_namespace(self, name: str) -> None:
        run("ip", "netns", "add", name)
        self.namespaces.append(name)

    def cut(self, role: str) -> None:
        """Drops every packet in and out of ``role``'s namespace except its loopback: the host
        runs on, unreachable, as behind a failed switch port."""
        iptables = ["ip", "netns", "exec", self.ns(role), "iptables"]
        run(*iptables, "-I", "INPUT", "!", "-i", "lo", "-j", "DROP")
        run(*iptables, "-I", "OUTPUT", "!", "-o", "lo", "-j", "DROP")

    def rejoin(self, role: str) -> None:
        run("ip", "netns", "exec", self.ns(role), "iptables", "-F")

    # -- processes -----------------------------------------------------------------------

    def start(self, name: str, role: str, argv: list[str], **env: str) -> Process:
        process = self.processes.get(name)
        if process is None:
            process = Process(name, self.ns(role), argv, self.root / f"{name}.log", env)
            self.processes[name] = process
        return process.start()

    def start_etcd(self, name: str, existing: bool = False) -> Process:
        last = ETCD[name]
        peers = ",".join(f"{n}=http://{address(a)}:2380" for n, a in ETCD.items())
        return self.start(
            name,
            name,
            [
                "etcd",
                "--name", name,
                "--data-dir", str(self.root / name),
                "--listen-peer-urls", f"http://{address(last)}:2380",
                "--initial-advertise-peer-urls", f"http://{address(last)}:2380",
                "--listen-client-urls", f"http://{address(last)}:2379,http://127.0.0.1:2379",
                "--advertise-client-urls", f"http://{address(last)}:2379",
                "--initial-cluster", peers,
                "--initial-cluster-token", self.run_id,
                "--initial-cluster-state", "existing" if existing else "new",
                "--heartbeat-interval", "100",
                "--election-timeout", "1000",
            ],
        )  # fmt: skip

    def patroni_config(self, name: str) -> dict[str, Any]:
        last = POSTGRES[name]
        home = self.root / name
        return {
            "scope": "sharekeeper",
            "name": name,
            "restapi": {
                "listen": f"{address(last)}:{PATRONI_PORT}",
                "connect_address": f"{address(last)}:{PATRONI_PORT}",
            },
            "etcd3": {"hosts": [f"{address(a)}:2379" for a in ETCD.values()]},
            "bootstrap": {
                "dcs": {
                    **self.timing,
                    "maximum_lag_on_failover": 1048576,
                    "synchronous_mode": True,
                    "synchronous_mode_strict": False,
                    # A primary that cannot reach etcd (an election among its members, a lost
                    # member) stays primary while it still reaches every Patroni node,
                    # instead of demoting itself after retry_timeout.
                    "failsafe_mode": True,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "parameters": {
                            "max_connections": 200,
                            "wal_log_hints": "on",
                            "max_wal_senders": 5,
                            "max_replication_slots": 5,
                        },
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C"}, "data-checksums"],
            },
            "postgresql": {
                "listen": f"{address(last)}:5432",
                "connect_address": f"{address(last)}:5432",
                "data_dir": str(home / "data"),
                "bin_dir": str(POSTGRES_BIN),
                "pgpass": str(home / "pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres", "password": "postgres"},
                    "replication": {"username": "replicator", "password": "replicator"},
                    "rewind": {"username": "postgres", "password": "postgres"},
                },
                "parameters": {"unix_socket_directories": str(home)},
                "pg_hba": [
                    "local all all trust",
                    f"host replication replicator {SUBNET}.0/24 trust",
                    f"host all all {SUBNET}.0/24 trust",
                ],
            },
        }

    def patroni_file(self, name: str) -> Path:
        return self.root / name / "patroni.yml"

    def start_patroni(self, name: str) -> Process:
        home = self.root / name
        if not home.exists():
            home.mkdir(mode=0o700)
            self.patroni_file(name).write_text(yaml.safe_dump(self.patroni_config(name)))
            shutil.chown(home, "postgres", "postgres")
            shutil.chown(self.patroni_file(name), "postgres", "postgres")
        as_postgres = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
        return self.start(
            name, name, [*as_postgres, "patroni", str(self.patroni_file(name))], HOME=str(home)
        )

    def haproxy_config(self) -> str:
        lb = address(BALANCER)
        pg = "\n".join(
            f"  server {n} {address(a)}:5432 check port {PATRONI_PORT} {CUT_WHEN_DOWN}"
            for n, a in POSTGRES.items()
        )
        sk = "\n".join(f"  server {n} {address(a)}:{API_PORT} check" for n, a in HOSTS.items())
        return HAPROXY_CONFIG.format(
            stats=self.root / STATS, lb=lb, pg=pg, sk=sk, api=API_PORT,
            postgres=POSTGRES_PORT, unavailable=self.root / "503.http",
        )  # fmt: skip

    def start_haproxy(self) -> Process:
        (self.root / "haproxy.cfg").write_text(self.haproxy_config())
        (self.root / "503.http").write_text(UNAVAILABLE)
        return self.start("haproxy", "lb", ["haproxy", "-db", "-f", str(self.root / "haproxy.cfg")])

    def host_env(self, name: str) -> dict[str, str]:
        data = self.root / name
        data.mkdir(exist_ok=True)
        return {
            "SHAREKEEPER_DATABASE_URL": self.database_url,
            "SHAREKEEPER_DATA_DIR": str(data),
            "SHAREKEEPER_MASTER_KEY": self.master_key,
            "SHAREKEEPER_HOST": address(HOSTS[name]),
            "SHAREKEEPER_PORT": str(API_PORT),
            "SHAREKEEPER_TRUSTED_PROXIES": address(BALANCER),
            "SHAREKEEPER_LOG_FORMAT": "text",
            "SHAREKEEPER_LOG_LEVEL": "warning",
            "SHAREKEEPER_STATEMENT_TIMEOUT_SECONDS": "5",
            # The streams of writes create shares by the thousand.
            "SHAREKEEPER_QUOTA_RESOURCE_SHARE": str(QUOTA_MAX),
        }

    def start_host(self, name: str) -> Process:
        return self.start(
            name, name, [str(VENV_BIN / "sharekeeper"), "serve"], **self.host_env(name)
        )

    def command(self, *args: str) -> str:
        """``sharekeeper ARGS`` on the first host, with its settings; its standard output."""
        env = {**os.environ, **self.host_env("sk1")}
        done = subprocess.run(
            ["ip", "netns", "exec", self.ns("sk1"), str(VENV_BIN / "sharekeeper"), *args],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"sharekeeper {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def host_output(self) -> list[str]:
        """What the ShareKeeper hosts logged, for the run's scan for leaked secrets."""
        return [
            self.processes[n].log.read_text(errors="replace")
            for n in HOSTS
            if n in self.processes and self.processes[n].log.exists()
        ]

    # -- the load balancer's view --------------------------------------------------------

    def haproxy(self, command: str) -> str:
        """A command to HAProxy's runtime API (a Unix socket: reachable from any namespace)."""
        import socket

        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(5)
            connection.connect(str(self.root / STATS))
            connection.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers_up(self, backend: str) -> set[str]:
        """The servers of ``backend`` HAProxy currently sends traffic to."""
        rows = [line.split(",") for line in self.haproxy("show stat").splitlines()]
        return {
            row[1]
            for row in rows
            if len(row) > 17 and row[0] == backend and row[17] == "UP"
            and row[1] not in ("FRONTEND", "BACKEND")
        }  # fmt: skip

    def served(self) -> dict[str, int]:
        """Requests each ShareKeeper host has been sent so far."""
        counts = {}
        for line in self.haproxy("show stat").splitlines():
            fields = line.split(",")
            if len(fields) > 7 and fields[0] == "sharekeeper" and fields[1] in HOSTS:
                counts[fields[1]] = int(fields[7])
        return counts

    def etcd_status(self) -> dict[str, dict[str, Any]]:
        """Each etcd member's own status, from those that answer."""
        found = {}
        with inside(self.ns("client")):
            for name, last in ETCD.items():
                with contextlib.suppress(httpx.HTTPError):
                    url = f"http://{address(last)}:2379/v3/maintenance/status"
                    found[name] = httpx.post(url, json={}, timeout=2).json()
        return found

    def etcd_leader(self) -> str:
        status = self.etcd_status()
        ids = {s["header"]["member_id"]: name for name, s in status.items()}
        leaders = {ids.get(s.get("leader", "")) for s in status.values()}
        assert len(leaders) == 1 and None not in leaders, f"etcd leaders: {status}"
        return str(leaders.pop())

    def etcd_healthy(self) -> int:
        return sum(1 for s in self.etcd_status().values() if s.get("leader", "0") != "0")

    def kill_node(self, role: str) -> None:
        """SIGKILL of everything in ``role``'s namespace: the host is lost at once."""
        for pid in run("ip", "netns", "pids", self.ns(role)).split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        for process in self.processes.values():
            if process.namespace == self.ns(role) and process.popen is not None:
                process.popen.wait(10)

    def postmaster(self, name: str) -> int | None:
        """The process id of ``name``'s running PostgreSQL server, None while none runs."""
        with contextlib.suppress(FileNotFoundError, ValueError):
            pid = int((self.root / name / "data" / "postmaster.pid").read_text().split()[0])
            if _running(pid):
                return pid
        return None

    def kill_postgres(self, name: str) -> int:
        """SIGKILL of ``name``'s PostgreSQL server alone (its postmaster, whose backends exit
        when they find it gone); Patroni lives on. Returns once it is gone."""
        pid = self.postmaster(name)
        assert pid is not None, f"no PostgreSQL runs on {name}"
        os.kill(pid, signal.SIGKILL)
        self.wait_for(f"{name}'s postmaster gone", lambda: not _running(pid), 10)
        return pid

    def wait_for(self, what: str, condition: Any, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if condition():
                    return
            time.sleep(0.2)
        raise AssertionError(f"{what} not reached within {seconds:g} s\n{self.tails()}")

    def patroni(self, name: str, path: str) -> httpx.Response:
        with inside(self.ns("client")):
            url = f"http://{address(POSTGRES[name])}:{PATRONI_PORT}{path}"
            return httpx.get(url, timeout=2)

    def primary(self) -> str | None:
        """The Patroni node answering 200 on /primary; None while none does (a node that
        does not answer at all is not one)."""
        found = []
        for name in POSTGRES:
            with contextlib.suppress(httpx.HTTPError):
                if self.patroni(name, "/primary").status_code == 200:
                    found.append(name)
        assert len(found) <= 1, f"two primaries: {found}"
        return found[0] if found else None

    def patronictl(self, *args: str) -> str:
        return run(
            "ip", "netns", "exec", self.ns("pg1"), "patronictl", "-c",
            str(self.patroni_file("pg1")), *args, timeout=90,
        )  # fmt: skip

    # -- the whole ---------------------------------------------------------------------

    def up(self) -> Cluster:
        self.make_network()
        for name in ETCD:
            self.start_etcd(name)
        for name in POSTGRES:
            self.start_patroni(name)
        self.start_haproxy()
        self.wait_for("a Patroni primary", lambda: self.servers_up("postgres"), 120)
        self.wait_for("a synchronous standby", self.synchronous_standby, 120)
        self.create_database()
        # The first host migrates the empty database alone; the others find it current.
        self.start_host("sk1")
        self.wait_for("sk1 ready", lambda: "sk1" in self.servers_up("sharekeeper"), 90)
        for name in ("sk2", "sk3"):
            self.start_host(name)
        self.wait_for("three hosts ready", lambda: self.servers_up("sharekeeper") == set(HOSTS))
        return self

    def synchronous_standby(self, via: str | None = None) -> bool:
        """Both nodes run, one the leader and the other its synchronous standby, as the
        Patroni node ``via`` (by default the first) sees the cluster."""
        members = self.members(via)
        return sorted(m["role"] for m in members) == ["leader", "sync_standby"] and all(
            m.get("state") in ("running", "streaming") for m in members
        )

    def members(self, via: str | None = None) -> list[dict[str, Any]]:
        members: list[dict[str, Any]] = self.patroni(
            via or next(iter(POSTGRES)), "/cluster"
        ).json()["members"]
        return members

    def roles(self, via: str | None = None) -> dict[str, str]:
        return {m["name"]: m["role"] for m in self.members(via)}

    def create_database(self) -> None:
        import psycopg

        admin = f"postgresql://postgres@{address(BALANCER)}:{POSTGRES_PORT}/postgres"
        with inside(self.ns("client")), psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("CREATE DATABASE sharekeeper")

    def tails(self) -> str:
        return "\n".join(p.tail() for p in self.processes.values())

    def down(self, keep_logs: bool = False) -> None:
        """Stops everything and deletes the namespaces; the logs stay when asked (a failed
        run), the data directories never do."""
        for process in self.processes.values():
            process.kill()
        for namespace in reversed(self.namespaces):
            remove_namespace(namespace)
        if not keep_logs:
            shutil.rmtree(self.root, ignore_errors=True)
            return
        for path in self.root.iterdir():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
        print(f"\ncluster logs kept in {self.root}")


# HAProxy: a TCP frontend to whichever PostgreSQL node Patroni's REST API calls the primary
# (connections to a node marked down are cut, so nothing keeps talking to a demoted primary),
# checked every 500 ms while nothing changes and every 200 ms once a check has failed or while
# a server is down, so that a failover's end is seen within 200 ms (`downinter`) and a failure
# within 700 ms (`fastinter`), without five checks a second on healthy servers; a connection
# refused by a PostgreSQL that died is not tried again (`retries 0`: HAProxy's default of 3,
# each after a second, held connections and /readyz for 3 s past the crash);
# and an HTTP frontend to the ShareKeeper hosts that answer /readyz. `retries` and `redispatch`
# only repeat a connection that was never established: a request is sent once. Each request
# goes to a host on a connection of its own (`http-server-close`): an idle kept-alive one may
# have been closed by the host meanwhile (its idle timeout, or while it was cut off), and a
# request sent on it fails unanswered instead of being redispatched.
CUT_WHEN_DOWN = "on-marked-down shutdown-sessions"
HAPROXY_CONFIG = """\
global
  maxconn 2000
  stats socket {stats} mode 600 level admin

defaults
  timeout connect 1s
  timeout check 2s

listen postgres
  bind {lb}:{postgres}
  mode tcp
  timeout client 30m
  timeout server 30m
  retries 0
  option httpchk GET /primary
  http-check expect status 200
  default-server inter 500ms fastinter 200ms downinter 200ms fall 2 rise 1
{pg}

listen sharekeeper
  bind {lb}:{api}
  mode http
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 5s
  balance roundrobin
  retries 2
  option redispatch
  option http-server-close
  option httpchk GET /readyz
  http-check expect status 200
  errorfile 503 {unavailable}
  http-response set-header X-Served-By %[srv_name]
  default-server inter 500ms fastinter 200ms downinter 200ms fall 2 rise 2
{sk}
"""

# HAProxy's own answer while no host is ready: the API's error shape, retryable.
UNAVAILABLE = """\
HTTP/1.1 503 Service Unavailable\r
Content-Type: application/json\r
Retry-After: 1\r
Cache-Control: no-cache\r
Connection: close\r
X-Answered-By: load-balancer\r
\r
{"error_code": "RAM.9006", "error_msg": "No ShareKeeper host is ready; retry the request shortly."}
"""
