"""The operator's kit as an operator meets it: `serve` with a config file, JSON logs with request
ids, health, readiness and metrics over HTTP, several workers, graceful shutdown, demo mode."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkram.v1 import ListQuotaRequest

from sharekeeper.testing import start_server
from tests.sdk.helpers import create_share, shares
from tests.support import Account, LiveServer, ServerProcess, env_for_subprocess, signed_headers


def test_health_readiness_and_metrics(server: LiveServer, owner: Account) -> None:
    assert httpx.get(server.endpoint + "/healthz").json()["status"] == "ok"
    ready = httpx.get(server.endpoint + "/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    create_share(owner, "metered", principals=["0" * 32])
    text = httpx.get(server.endpoint + "/metrics").text
    assert 'sharekeeper_requests_total{operation="CreateResourceShare",status="201"}' in text
    bucket = r'_duration_seconds_bucket\{operation="CreateResourceShare",le="\+Inf"\} [1-9]'
    assert re.search("sharekeeper_request" + bucket, text)
    pending = re.search(r'sharekeeper_invitations\{status="pending"\} (\d+)', text)
    assert pending and int(pending.group(1)) >= 1


def test_readiness_fails_when_the_schema_is_not_current(tmp_path: Path) -> None:
    behind = start_server(tmp_path / "behind")
    try:
        with behind.runtime.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0001'")
        answer = httpx.get(behind.endpoint + "/readyz")
        assert answer.status_code == 503
        assert "0001" in answer.json()["reason"]
    finally:
        behind.stop()


def test_config_file_and_json_logs_with_request_ids(
    server: LiveServer, database_url: str, data_dir: Path, tmp_path: Path
) -> None:
    config = tmp_path / "sharekeeper.toml"
    config.write_text(
        f'database_url = "{database_url}"\nlog_format = "json"\n[quotas]\nresource_share = 1\n'
    )
    process = ServerProcess(
        "sqlite:////nonexistent.db",
        data_dir,
        "--port",
        "0",
        env={"SHAREKEEPER_CONFIG": str(config), "SHAREKEEPER_DATABASE_URL": ""},
    )
    try:
        account = Account(
            **{**server.account("configured").__dict__, "endpoint": process.endpoint, "_ram": None}
        )
        quotas = {
            q.type: q.quota for q in account.ram.list_quota(ListQuotaRequest()).quotas.resources
        }
        assert quotas["resource_share"] == 1  # from the file
        create_share(account, "first")
        with pytest.raises(ClientRequestException) as refused:
            create_share(account, "second")
        records = [json.loads(line) for line in process.output if line.startswith("{")]
        # The console's address is announced, and answers there.
        console = f"{process.endpoint}/console/"
        assert f"console: {console}" in [r["message"] for r in records]
        assert httpx.get(console).status_code < 400
    finally:
        process.stop()
    records = [json.loads(line) for line in process.output if line.startswith("{")]
    (line,) = [r for r in records if r.get("request_id") == refused.value.request_id]
    assert (line["operation"], line["status"], line["account_id"]) == (
        "CreateResourceShare",
        400,
        account.account_id,
    )
    assert "duration_ms" in line and line["level"] == "info"


def test_bad_settings_are_refused_at_start_up(data_dir: Path, tmp_path: Path) -> None:
    def migrate(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sharekeeper", *args, "migrate"],
            env={**env_for_subprocess("sqlite:////tmp/never.db", data_dir), **env},
            capture_output=True,
            text=True,
            timeout=60,
        )

    bad = tmp_path / "bad.toml"
    bad.write_text('colour = "blue"\n')
    result = migrate("--config", str(bad))
    assert result.returncode == 2 and "unknown setting 'colour'" in result.stderr
    result = migrate(SHAREKEEPER_RATE_LIMIT="fast")
    assert result.returncode == 2 and "SHAREKEEPER_RATE_LIMIT must be a number" in result.stderr
    result = migrate("--config", str(tmp_path / "missing.toml"))
    assert result.returncode == 2 and "does not exist" in result.stderr


@pytest.mark.slow
def test_several_workers_serve_one_database(
    server: LiveServer, database_url: str, data_dir: Path
) -> None:
    process = ServerProcess(database_url, data_dir, "--workers", "2")
    try:
        pids = set()
        for _ in range(60):
            pids.add(
                httpx.get(process.endpoint + "/healthz", headers={"Connection": "close"}).json()[
                    "pid"
                ]
            )
            if len(pids) == 2:
                break
        assert len(pids) == 2, "one worker answered everything"
        account = Account(
            **{**server.account("workers").__dict__, "endpoint": process.endpoint, "_ram": None}
        )
        made = [create_share(account, f"w{i}").id for i in range(6)]
        assert {s.id for s in shares(account)} == set(made)
    finally:
        process.process.send_signal(signal.SIGTERM)
        assert process.process.wait(30) == 0
        process.stop()


@pytest.mark.slow
def test_sigterm_finishes_the_request_in_flight(
    server: LiveServer, database_url: str, data_dir: Path
) -> None:
    process = ServerProcess(database_url, data_dir)
    account = server.account("graceful")
    host = process.endpoint.removeprefix("http://")
    body = b'{"name": "in-flight"}'
    headers = signed_headers(account, "POST", "/v1/resource-shares", "", body, host=host)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    address = host.split(":")
    with socket.create_connection((address[0], int(address[1])), timeout=30) as conn:
        start = f"POST /v1/resource-shares HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\n\r\n"
        conn.sendall(start.encode() + body[:5])
        time.sleep(0.3)
        process.process.send_signal(signal.SIGTERM)  # while the body is still arriving
        time.sleep(0.3)
        conn.sendall(body[5:])
        answer = conn.recv(65536).decode()
    assert answer.startswith("HTTP/1.1 201"), answer
    # After draining, uvicorn re-raises the signal, so the exit status says "ended by SIGTERM".
    assert process.process.wait(30) in (0, -signal.SIGTERM)
    process.stop()


@pytest.mark.slow
def test_demo_mode_shows_an_invitation_accepted(data_dir: Path, tmp_path: Path) -> None:
    demo_dir = tmp_path / "demo"
    for attempt in range(2):  # the second start prints the same demo accounts again
        process = ServerProcess(f"sqlite:///{demo_dir / 'demo.db'}", demo_dir, "--demo")
        output = "".join(process.output)
        if attempt == 0:
            first = output
        else:
            alice_line = re.search(r"alice  account .*", first)
            assert alice_line and alice_line.group(0) in output
        (snippet,) = re.findall(r"----- SDK example.*?\n(.*?)----- end -----", output, re.DOTALL)
        ran = subprocess.run(
            [sys.executable, "-c", snippet],
            capture_output=True,
            text=True,
            timeout=60,
            env=env_for_subprocess("", demo_dir),
        )
        assert ran.stdout.strip() == "accepted", ran.stderr
        # The command as printed runs as it is (the full path when the PATH lacks it).
        cli = re.search(
            r"^(\S*sharekeeper) ram (.*) invitations list --status pending$", output, re.MULTILINE
        )
        assert cli
        listed = subprocess.run(
            [cli.group(1), "ram", *cli.group(2).split(), "invitations", "list"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0 and "demo-share" in listed.stdout
        process.stop()
