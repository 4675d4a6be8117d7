"""The fixed command-line contracts while a server runs on the same database: in-process
(Typer's CliRunner, the same parsing and commands as ``python -m sharekeeper``, which
tests/cli/test_failures.py and test_ram_client.py run as processes), since a process per call
added only start-up time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from typer.testing import CliRunner

from sharekeeper.cli.main import app, hoist
from tests import figures
from tests.sdk.helpers import create_share, shares
from tests.support import Account, LiveServer, SignedHttp, env_for_subprocess, settings_for


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run(database_url: str, data_dir: Path, *args: str, check: bool = True) -> Ran:
    env = env_for_subprocess("sqlite:////nonexistent/ignored.db", data_dir)
    result = CliRunner().invoke(app, hoist([*args, "--database", database_url]), env=env)
    ran = Ran(result.exit_code, result.stdout, result.stderr)
    if check and ran.returncode != 0:
        raise AssertionError(f"exit {ran.returncode}: {ran.stderr}")
    return ran


def run_json(database_url: str, data_dir: Path, *args: str) -> dict[str, Any]:
    completed = run(database_url, data_dir, *args, "--json")
    figures.PROCESS_OUTPUT.append(completed.stderr)
    output: dict[str, Any] = json.loads(completed.stdout)
    if isinstance(output, dict):
        figures.issued(output.get("secret_key"), output.get("security_token"))
    return output


@pytest.fixture(scope="module")
def fresh_server(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    """A server of its own whose clock no other test has moved: the session server's may be
    weeks ahead (expiry tests jump it), past the longest life temporary credentials may have,
    so a key the command makes on the real clock would already be expired there."""
    live = LiveServer(settings_for(database_url, data_dir)).start()
    yield live
    live.stop()


def test_account_and_keys_work_against_a_running_server(
    fresh_server: LiveServer, database_url: str, data_dir: Path
) -> None:
    server = fresh_server
    created = run_json(database_url, data_dir, "account", "create", "--name", "cli-user")
    assert set(created) == {"account_id", "name", "access_key", "secret_key", "aws_account_id"}
    assert created["name"] == "cli-user"
    assert len(created["aws_account_id"]) == 12 and created["aws_account_id"].isdigit()
    assert len(created["account_id"]) == 32 and created["account_id"].islower()
    user = Account(
        created["account_id"], created["access_key"], created["secret_key"], server.endpoint
    )
    share = create_share(user, "from-cli-key")
    assert share.owning_account_id == user.account_id

    second = run_json(database_url, data_dir, "key", "create", user.account_id)
    assert set(second) == {"access_key", "secret_key"}
    other = Account(user.account_id, second["access_key"], second["secret_key"], server.endpoint)
    assert share.id in {s.id for s in shares(other)}

    # The command runs on the real clock, as this test's own server does.
    assert server.clock.offset == 0
    ttl = 900
    temporary = run_json(
        database_url, data_dir, "key", "create-temporary", user.account_id, "--ttl", str(ttl)
    )
    assert set(temporary) == {"access_key", "secret_key", "security_token", "expires_at"}
    expires = datetime.fromisoformat(temporary["expires_at"].replace("Z", "+00:00"))
    assert ttl - 100 < (expires - datetime.now(UTC)).total_seconds() <= ttl
    sts = Account(
        user.account_id,
        temporary["access_key"],
        temporary["secret_key"],
        server.endpoint,
        temporary["security_token"],
    )
    assert share.id in {s.id for s in shares(sts)}

    revoked = run(database_url, data_dir, "key", "revoke", second["access_key"])
    assert second["access_key"] in revoked.stdout
    try:
        shares(other)
    except ClientRequestException as error:
        assert (error.status_code, error.error_code) == (401, "APIGW.0301")
    else:
        raise AssertionError("a revoked key still works")
    assert shares(user)  # the account's other keys are untouched


def test_errors_exit_non_zero_with_a_clear_line(database_url: str, data_dir: Path) -> None:
    missing = run(database_url, data_dir, "key", "create", "0" * 32, check=False)
    assert missing.returncode == 1
    assert "RAM.9405" in missing.stderr and "0" * 32 in missing.stderr
    unknown = run(database_url, data_dir, "key", "revoke", "NOSUCHKEY", check=False)
    assert unknown.returncode == 1 and "RAM.9406" in unknown.stderr


def test_migrate_reports_the_revision(database_url: str, data_dir: Path) -> None:
    from sharekeeper.store.migrate import head_revision

    assert f"revision {head_revision()}" in run(database_url, data_dir, "migrate").stdout


def test_organization_commands_drive_sharing(
    server: LiveServer, database_url: str, data_dir: Path
) -> None:
    from huaweicloudsdkram.v1 import EnableOrganizationShareRequest

    management = server.account("management")
    member = server.account("member")
    org = run_json(
        database_url, data_dir, "org", "create", "--management-account", management.account_id
    )
    assert set(org) == {"organization_id", "organization_urn", "root_id", "root_urn"}
    assert org["organization_id"].startswith("o-") and org["root_id"].startswith("r-")
    assert org["organization_urn"] == (
        f"organizations::{management.account_id}:organization:{org['organization_id']}"
    )
    assert org["root_urn"] == (
        f"organizations::{management.account_id}:root:{org['organization_id']}/{org['root_id']}"
    )
    ou = run_json(
        database_url, data_dir, "org", "create-ou", "--parent", org["root_id"], "--name", "eng"
    )
    assert set(ou) == {"ou_id", "ou_urn"} and ou["ou_id"].startswith("ou-")
    nested = run_json(
        database_url, data_dir, "org", "create-ou", "--parent", ou["ou_id"], "--name", "net"
    )
    run(
        database_url, data_dir, "org", "add-account", member.account_id, "--parent", nested["ou_id"]
    )

    management.ram.enable_organization_share(EnableOrganizationShareRequest())
    share = create_share(management, "to-eng", principals=[ou["ou_urn"]])
    assert share.id in {s.id for s in shares(member, "other-accounts")}

    refused = run(database_url, data_dir, "org", "delete-ou", ou["ou_id"], check=False)
    assert refused.returncode == 1 and "RAM.9110" in refused.stderr
    run(database_url, data_dir, "org", "remove-account", member.account_id)
    assert share.id not in {s.id for s in shares(member, "other-accounts")}
    run(database_url, data_dir, "org", "delete-ou", nested["ou_id"])
    run(database_url, data_dir, "org", "delete-ou", ou["ou_id"])
    gone = run(database_url, data_dir, "org", "delete-ou", ou["ou_id"], check=False)
    assert gone.returncode == 1 and "RAM.9407" in gone.stderr
    again = run(
        database_url,
        data_dir,
        "org",
        "create",
        "--management-account",
        management.account_id,
        check=False,
    )
    assert again.returncode == 1 and "already belongs" in again.stderr


def test_every_state_change_is_audited_without_secrets(
    server: LiveServer, database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.sdk.helpers import accept, associate, invitation_for

    owner, receiver = server.account("audited"), server.account("audited-receiver")
    share = create_share(owner, "audited", principals=[receiver.account_id])
    shares(owner)  # a read: not audited
    try:
        associate(owner, share.id, principals=["not-an-account"])
    except ClientRequestException as error:
        refused_request_id = error.request_id
    else:
        raise AssertionError("the bad principal was accepted")
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)

    records = json.loads(
        run(database_url, data_dir, "audit", "list", "--account", owner.account_id, "--json").stdout
    )
    assert [(r["operation"], r["targets"], r["outcome"]) for r in records] == [
        ("CreateResourceShare", [share.id], "201"),
        ("AssociateResourceShare", [share.id], "400 RAM.1004"),
    ]
    assert records[1]["request_id"] == refused_request_id
    assert {r["access_key"] for r in records} == {owner.access_key}
    assert {r["source_address"] for r in records} == {"127.0.0.1"}
    (accepted,) = json.loads(
        run(
            database_url, data_dir, "audit", "list", "--account", receiver.account_id, "--json"
        ).stdout
    )
    assert (accepted["operation"], accepted["outcome"]) == ("AcceptResourceShareInvitation", "200")

    # At 80 columns the table keeps who did it (it used to keep the source address instead).
    monkeypatch.setenv("COLUMNS", "80")
    table = run(database_url, data_dir, "audit", "list", "--account", owner.account_id).stdout
    header, *rows = table.splitlines()
    assert header.split() == ["AT", "ACCOUNT", "OPERATION", "OUTCOME"]
    assert [row.split()[1] for row in rows[:2]] == [owner.account_id] * 2, rows
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "source" in " ".join(rows[2:])

    everything = run(database_url, data_dir, "audit", "list", "--json").stdout
    assert owner.secret_key not in everything and receiver.secret_key not in everything
    later = datetime.now(UTC).replace(year=datetime.now(UTC).year + 1).isoformat()
    assert (
        json.loads(run(database_url, data_dir, "audit", "list", "--since", later, "--json").stdout)
        == []
    )
    bad = run(database_url, data_dir, "audit", "list", "--since", "yesterday", check=False)
    assert bad.returncode != 0 and "ISO-8601" in bad.stderr


def test_service_principals_create_list_and_revoke(
    server: LiveServer, http: SignedHttp, database_url: str, data_dir: Path
) -> None:
    """The fixed contract of `sharekeeper service ...`: the key it prints signs decisions on
    the running server, and a revocation refuses it at once."""
    created = run_json(
        database_url,
        data_dir,
        "service",
        "create",
        "--name",
        "vpc-control",
        "--namespace",
        "vpc",
        "--namespace",
        "dns",
    )
    assert set(created) == {"service_id", "access_key", "secret_key"}
    service = Account(
        created["service_id"], created["access_key"], created["secret_key"], server.endpoint
    )
    someone = server.account("someone")
    body = {
        "principal": someone.account_id,
        "action": "dns:zone:get",
        "resource": someone.urn("zone-1", "dns:zone"),
    }
    asked = http.request(service, "POST", "/sharekeeper/v1/authorize", body, omit=("X-Domain-Id",))
    assert asked.status_code == 200, asked.text
    assert asked.json()["reasons"] == [
        {
            "code": "principal_is_owner",
            "resource_share_id": None,
            "permission_id": None,
            "permission_version": None,
            "policy_id": None,
        }
    ]

    listed = run(database_url, data_dir, "service", "list", "--json")
    (mine,) = [s for s in json.loads(listed.stdout) if s["service_id"] == service.account_id]
    assert mine["name"] == "vpc-control" and mine["namespaces"] == ["vpc", "dns"]
    assert mine["access_key"] == service.access_key and mine["revoked_at"] is None
    assert created["secret_key"] not in listed.stdout
    plain = run(database_url, data_dir, "service", "list")  # not a terminal: 80 columns
    (row,) = [line for line in plain.stdout.splitlines() if service.account_id in line]
    assert row.split()[:3] == [service.account_id, service.access_key, "vpc-control"], row
    assert all(len(line) <= 80 for line in plain.stdout.splitlines()), plain.stdout

    revoked = run(database_url, data_dir, "service", "revoke", service.account_id)
    assert revoked.stdout.strip() == f"revoked {service.account_id}"
    again = http.request(service, "POST", "/sharekeeper/v1/authorize", body, omit=("X-Domain-Id",))
    assert again.status_code == 401
    (after,) = [
        s
        for s in json.loads(run(database_url, data_dir, "service", "list", "--json").stdout)
        if s["service_id"] == service.account_id
    ]
    assert after["revoked_at"] is not None

    unknown = run(database_url, data_dir, "service", "revoke", "svc-none", check=False)
    assert unknown.returncode == 1 and "RAM.9408" in unknown.stderr
    bad = run(
        database_url,
        data_dir,
        "service",
        "create",
        "--name",
        "x",
        "--namespace",
        "VPC",
        check=False,
    )
    assert bad.returncode == 1 and "RAM.9100" in bad.stderr
    missing = run(database_url, data_dir, "service", "create", "--name", "x", check=False)
    assert missing.returncode == 2
