"""A PostgreSQL primary and its synchronous streaming standby, made by a test in a directory of
its own on 127.0.0.1's free ports, for failover tests: stopped abruptly, promoted, restarted.
Only the servers made here are ever stopped (by their data directories, through pg_ctl)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

TOOLS = ("initdb", "pg_ctl", "pg_basebackup")
# Bounds on every wait: a server start, a promotion, the standby catching up.
START_SECONDS = 60


def missing_tools() -> str | None:
    """Why replicas cannot be made here, or None."""
    absent = [tool for tool in TOOLS if shutil.which(tool) is None]
    if absent:
        return (
            f"needs PostgreSQL's server programs ({', '.join(absent)} not on PATH): "
            "apt-get install postgresql"
        )
    if os.geteuid() == 0 and _postgres_user() is None:
        return "PostgreSQL will not run as root, and there is no 'postgres' user to run it as"
    return None


def _postgres_user() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Node:
    name: str
    data: Path
    port: int

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


class Replicas:
    """``primary`` streams to ``standby``, which must confirm each commit before the primary
    acknowledges it (``synchronous_standby_names``): an acknowledged write is on both."""

    def __init__(self) -> None:
        user = _postgres_user() if os.geteuid() == 0 else None
        self._as: dict[str, Any] = (
            {} if user is None else {"user": user.pw_uid, "group": user.pw_gid}
        )
        self.root = Path(tempfile.mkdtemp(prefix="sk_failover_"))
        if user is not None:
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.primary = Node("primary", self.root / "primary", _free_port())
        self.standby = Node("standby", self.root / "standby", _free_port())
        self._started: list[Node] = []

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=START_SECONDS, check=False, **self._as
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    def make(self) -> Replicas:
        primary, standby = self.primary, self.standby
        self._run("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        settings = (
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.root}'\n"
            # The server dies with the test's data: durability across power loss is not tested.
            "fsync = off\n"
            "synchronous_standby_names = '*'\n"
            "synchronous_commit = on\n"
            "max_connections = 40\n"
        )
        with (primary.data / "postgresql.conf").open("a") as conf:
            conf.write(settings + f"port = {primary.port}\n")
        self.start(primary)
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(standby.data), "-R", "-X", "stream",
        )  # fmt: skip
        with (standby.data / "postgresql.conf").open("a") as conf:
            # Promoted, it stands alone: a commit there waiting for a synchronous standby would
            # wait for ever (Patroni, out of standbys, clears the setting the same way).
            conf.write(f"port = {standby.port}\nsynchronous_standby_names = ''\n")
        self.start(standby)
        self._wait_for_sync()
        return self

    def start(self, node: Node) -> None:
        log = self.root / f"{node.name}.log"
        self._run(
            "pg_ctl", "-D", str(node.data), "-l", str(log), "-w", "-t", str(START_SECONDS), "start"
        )
        if node not in self._started:
            self._started.append(node)

    def stop_immediately(self, node: Node) -> None:
        """As a crash: the server's processes quit at once, without a checkpoint."""
        self._run("pg_ctl", "-D", str(node.data), "-m", "immediate", "-w", "stop")
        self._started.remove(node)

    def promote(self, node: Node) -> None:
        """Makes the standby a primary, waiting until it accepts writes."""
        self._run("pg_ctl", "-D", str(node.data), "-w", "-t", str(START_SECONDS), "promote")

    def _wait_for_sync(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        with psycopg.connect(self.primary.url(), autocommit=True) as connection:
            while True:
                row = connection.execute(
                    "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'"
                ).fetchone()
                if row is not None and row[0] == 1:
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError("the standby never became synchronous")
                time.sleep(0.05)

    def wait_for_replay(self) -> None:
        """Until the standby has applied all the primary wrote: a synchronous commit waits for
        the standby to store it, not to apply it, so a read there may not see it yet."""
        with psycopg.connect(self.primary.url(), autocommit=True) as primary:
            row = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        assert row is not None
        deadline = time.monotonic() + START_SECONDS
        with psycopg.connect(self.standby.url(), autocommit=True) as standby:
            while True:
                behind = standby.execute(
                    "SELECT pg_last_wal_replay_lsn() < %s::pg_lsn", (row[0],)
                ).fetchone()
                if behind is not None and not behind[0]:
                    return
                if time.monotonic() > deadline:
                    raise RuntimeError("the standby never caught up")
                time.sleep(0.05)

    def close(self) -> None:
        """Stops the servers made here (only those) and deletes their files."""
        for node in list(self._started):
            # One already gone fails to stop; its files are removed below either way.
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self.stop_immediately(node)
        shutil.rmtree(self.root, ignore_errors=True)
