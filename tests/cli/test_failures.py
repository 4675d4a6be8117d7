"""Every operational failure of a command is one line a person can act on, through the real
entry point (``python -m sharekeeper``), with a non-zero exit code; a traceback only with
--debug."""

from __future__ import annotations

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
