"""Every operational failure of a command is one line a person can act on, through the real
entry point (``python -m sharekeeper``), with a non-zero exit code; a traceback only with
--debug."""

from __future__ import annotations

import base64
import http.server
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sharekeeper.auth.secrets import master_key_fingerprint
from tests import figures

POSTGRES_URL = os.environ.get("SHAREKEEPER_TEST_POSTGRES_URL")


def run(
    *args: str, data_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SHAREKEEPER_DATA_DIR": str(data_dir), **(env or {})}
    environment.pop("SHAREKEEPER_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "sharekeeper", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def test_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = run("serve", "--port", port, data_dir=tmp_path)
    one_line(result, 1, f"port {port}", "in use", "--port")


def test_a_database_that_cannot_be_reached(tmp_path: Path) -> None:
    result = run("migrate", "--database", "postgresql://postgres@127.0.0.1:1/x", data_dir=tmp_path)
    one_line(result, 1, "cannot connect to the database", "127.0.0.1:1", "is it running")


@pytest.mark.skipif(POSTGRES_URL is None, reason="needs a PostgreSQL server")
def test_a_database_that_does_not_exist(tmp_path: Path) -> None:
    assert POSTGRES_URL is not None
    missing = POSTGRES_URL.rsplit("/", 1)[0] + "/sharekeeper_no_such_database"
    result = run("migrate", "--database", missing, data_dir=tmp_path)
    one_line(result, 1, "does not exist", "createdb sharekeeper_no_such_database")


@pytest.mark.parametrize("url", ["mysql://root:s3cret@127.0.0.1/x", "::s3cret::"])
def test_a_database_url_of_another_kind(tmp_path: Path, url: str) -> None:
    line = one_line(run("migrate", "--database", url, data_dir=tmp_path), 1, "sqlite:///PATH")
    assert "s3cret" not in line


def test_a_data_directory_that_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")  # a data directory inside a file: even root cannot make it
    result = run("account", "create", "--name", "x", data_dir=blocker / "data")
    one_line(result, 1, "cannot write", "SHAREKEEPER_DATA_DIR")


@pytest.mark.parametrize(
    ("key", "says"), [("not base64!", "not base64"), ("YWJj", "3 bytes, not 32")]
)
def test_a_bad_master_key(tmp_path: Path, key: str, says: str) -> None:
    result = run(
        "account", "create", "--name", "x", data_dir=tmp_path, env={"SHAREKEEPER_MASTER_KEY": key}
    )
    one_line(result, 1, "SHAREKEEPER_MASTER_KEY", says)
    (tmp_path / "keyed").mkdir()
    (tmp_path / "keyed" / "master.key").write_text("garbage\n")
    result = run("account", "create", "--name", "x", data_dir=tmp_path / "keyed")
    one_line(result, 1, "master.key", "not")


def test_a_database_newer_than_the_code(tmp_path: Path) -> None:
    database = tmp_path / "newer.db"
    assert run("migrate", "--database", f"sqlite:///{database}", data_dir=tmp_path).returncode == 0
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    result = run("migrate", "--database", f"sqlite:///{database}", data_dir=tmp_path)
    one_line(result, 1, "newer schema", "upgrade ShareKeeper")
    # --debug shows what happened underneath.
    debug = run("--debug", "migrate", "--database", f"sqlite:///{database}", data_dir=tmp_path)
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_bad_settings(tmp_path: Path) -> None:
    result = run("migrate", data_dir=tmp_path, env={"SHAREKEEPER_PORT": "99999"})
    one_line(result, 2, "SHAREKEEPER_PORT", "65535")


@pytest.fixture
def not_json() -> Iterator[str]:
    """A web server answering every request with HTML, as a wrong endpoint would."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<html>hello</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_client_against_a_server_that_is_down_or_not_ram(tmp_path: Path, not_json: str) -> None:
    keys = ("--ak", "AK", "--sk", "SK")
    down = run(
        "ram", "shares", "list", "--endpoint", "http://127.0.0.1:1", *keys, data_dir=tmp_path
    )
    one_line(down, 3, "cannot reach http://127.0.0.1:1", "--endpoint")
    html = run("ram", "shares", "list", "--endpoint", not_json, *keys, data_dir=tmp_path)
    one_line(html, 3, "not JSON")


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[str]:
    """A database of the test's own: SQLite, or a new PostgreSQL database dropped after."""
    if POSTGRES_URL is None:
        yield f"sqlite:///{tmp_path / 'keyed.db'}"
        return
    import uuid

    import psycopg

    name = "sharekeeper_key_" + uuid.uuid4().hex[:12]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    yield POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _fingerprint_row(database: str, delete: bool = False) -> str | None:
    from sqlalchemy import text

    from sharekeeper.store.engine import create_database_engine

    engine = create_database_engine(database)
    try:
        with engine.begin() as connection:
            if delete:
                connection.execute(text("DELETE FROM master_key"))
            value = connection.execute(text("SELECT fingerprint FROM master_key")).scalar()
            return None if value is None else str(value)
    finally:
        engine.dispose()


def test_a_master_key_the_database_was_not_made_with(tmp_path: Path, own_database: str) -> None:
    """The probe's N16: a command run with another key (or without SHAREKEEPER_DATA_DIR, which
    used to make a second key) sealed secrets no server could open; now every command that
    opens the database refuses, in one line, and makes no key file."""
    first = tmp_path / "first"
    made = run("account", "create", "--name", "a", "--database", own_database, data_dir=first)
    assert made.returncode == 0, made.stderr
    figures.issued(made.stdout.split("secret_key: ")[1].split()[0])
    key_text = (first / "master.key").read_text().strip()
    recorded = _fingerprint_row(own_database)
    assert recorded == master_key_fingerprint(base64.b64decode(key_text))  # not the key itself
    other = {"SHAREKEEPER_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    for command in (
        ("account", "create", "--name", "b"),
        ("migrate",),
        ("audit", "list"),
        ("serve", "--port", "0"),
    ):
        refused = run(*command, "--database", own_database, data_dir=first, env=other)
        words = ("SHAREKEEPER_MASTER_KEY is not the one", f"expected {recorded[:12]}")
        one_line(refused, 1, *words, "SHAREKEEPER_DATA_DIR")
    # Another data directory holds no key: refused, and no second key is made there.
    second = tmp_path / "second"
    refused = run("account", "create", "--name", "c", "--database", own_database, data_dir=second)
    one_line(refused, 1, f"there is no master key at {second / 'master.key'}", recorded[:12])
    assert not (second / "master.key").exists()
    assert run("migrate", "--database", own_database, data_dir=first).returncode == 0


def test_a_database_made_before_fingerprints_checks_the_key_against_its_secrets(
    tmp_path: Path, own_database: str
) -> None:
    made = run("account", "create", "--name", "a", "--database", own_database, data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    figures.issued(made.stdout.split("secret_key: ")[1].split()[0])
    assert _fingerprint_row(own_database, delete=True) is None  # as before revision 0007
    other = {"SHAREKEEPER_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    refused = run("migrate", "--database", own_database, data_dir=tmp_path, env=other)
    one_line(refused, 1, "does not open the secrets", "SHAREKEEPER_MASTER_KEY")
    assert _fingerprint_row(own_database) is None  # nothing recorded for the wrong key
    assert run("migrate", "--database", own_database, data_dir=tmp_path).returncode == 0
    assert _fingerprint_row(own_database) is not None  # the right key, recorded on first use


def test_the_operators_reset_keeps_the_master_keys_fingerprint(
    tmp_path: Path, own_database: str
) -> None:
    """A reset empties every table but the fingerprint: the serving processes keep their key,
    and a process started later with another key is still refused."""
    from sharekeeper.bootstrap import build_runtime
    from sharekeeper.config import Settings
    from sharekeeper.services.admin import reset_all_data

    settings = Settings(data_dir=tmp_path, database_url=own_database)
    runtime = build_runtime(settings)
    try:
        recorded = _fingerprint_row(own_database)
        assert recorded is not None
        reset_all_data(runtime.context)
        assert _fingerprint_row(own_database) == recorded
    finally:
        runtime.close()
    other = {"SHAREKEEPER_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    refused = run("migrate", "--database", own_database, data_dir=tmp_path, env=other)
    one_line(refused, 1, "is not the one", recorded[:12])
