"""`sharekeeper ram ...` through its real entry point against a live server: credentials from
flags, from the SDK's environment variables and from a profile file; tables, JSON, error lines
and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support import Account, LiveServer


def ram(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUAWEICLOUD_SDK_", "SHAREKEEPER_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "sharekeeper", "ram", *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def flags(account: Account) -> list[str]:
    return [
        "--endpoint",
        account.endpoint,
        "--ak",
        account.access_key,
        "--sk",
        account.secret_key,
        "--domain-id",
        account.account_id,
    ]


def sdk_env(account: Account) -> dict[str, str]:
    return {
        "SHAREKEEPER_ENDPOINT": account.endpoint,
        "HUAWEICLOUD_SDK_AK": account.access_key,
        "HUAWEICLOUD_SDK_SK": account.secret_key,
        "HUAWEICLOUD_SDK_DOMAIN_ID": account.account_id,
    }


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_share_invite_accept_from_the_terminal(
    server: LiveServer, owner: Account, receiver: Account, tmp_path: Path
) -> None:
    created = as_json(
        ram(
            *flags(owner),
            "shares",
            "create",
            "--name",
            "from-cli",
            "--principal",
            receiver.account_id,
            "--resource",
            owner.urn("cli-subnet"),
            "--tag",
            "env=dev",
            "--json",
        )
    )["resource_share"]
    assert (created["name"], created["tags"]) == ("from-cli", [{"key": "env", "value": "dev"}])

    # The receiver's credentials come from the SDK's own environment variables.
    listing = ram("invitations", "list", "--status", "pending", env=sdk_env(receiver))
    assert listing.returncode == 0 and "from-cli" in listing.stdout and "pending" in listing.stdout
    (invitation,) = as_json(ram("invitations", "list", "--json", env=sdk_env(receiver)))[
        "resource_share_invitations"
    ]

    # ... and from a profile file.
    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        f'[bob]\nendpoint = "{receiver.endpoint}"\naccess_key = "{receiver.access_key}"\n'
        f'secret_key = "{receiver.secret_key}"\ndomain_id = "{receiver.account_id}"\n'
    )
    profile_env = {"SHAREKEEPER_PROFILE_FILE": str(profiles)}
    accepted = ram(
        "--profile",
        "bob",
        "invitations",
        "accept",
        invitation["resource_share_invitation_id"],
        env=profile_env,
    )
    assert accepted.returncode == 0 and "accepted" in accepted.stdout, accepted.stderr
    received = as_json(
        ram(
            "--profile",
            "bob",
            "shares",
            "list",
            "--owner",
            "other-accounts",
            "--json",
            env=profile_env,
        )
    )["resource_shares"]
    assert [s["id"] for s in received] == [created["id"]]

    shown = ram(*flags(owner), "shares", "show", created["id"])
    assert shown.returncode == 0
    assert receiver.account_id in shown.stdout and owner.urn("cli-subnet") in shown.stdout
    updated = as_json(
        ram(*flags(owner), "shares", "update", created["id"], "--name", "renamed", "--json")
    )
    assert updated["resource_share"]["name"] == "renamed"
    left = as_json(
        ram(
            *flags(owner),
            "shares",
            "disassociate",
            created["id"],
            "--principal",
            receiver.account_id,
            "--json",
        )
    )
    assert left["resource_share_associations"][0]["status"] == "disassociated"
    assert ram(*flags(owner), "shares", "delete", created["id"]).returncode == 0


def test_catalogue_and_organization_commands(owner: Account) -> None:
    types = as_json(ram(*flags(owner), "resource-types", "--json"))["resource_types"]
    assert {"resource_type": "vpc:subnet", "region_id": "cn-north-4"} in types
    listed = ram(*flags(owner), "permissions", "list", "--resource-type", "dns:zone")
    assert listed.returncode == 0 and "default-dns-zone" in listed.stdout
    assert as_json(ram(*flags(owner), "org-sharing", "show", "--json")) == {"enabled": False}


def test_errors_and_exit_codes(server: LiveServer, owner: Account) -> None:
    refused = ram(*flags(owner), "shares", "create", "--name", "x", "--principal", "nobody")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: RAM.1004 (HTTP 400, request ")
    missing = ram(*flags(owner), "shares", "show", "no-such-share")
    assert missing.returncode == 1 and "RAM.9401" in missing.stderr
    wrong_key = ram(
        "--endpoint", owner.endpoint, "--ak", owner.access_key, "--sk", "x" * 40, "shares", "list"
    )
    assert wrong_key.returncode == 1 and "APIGW.0301" in wrong_key.stderr
    no_credentials = ram("shares", "list", env={"SHAREKEEPER_PROFILE_FILE": "/nonexistent.toml"})
    assert no_credentials.returncode == 2 and "missing endpoint" in no_credentials.stderr
    unreachable = ram(
        "--endpoint", "http://127.0.0.1:9", "--ak", "A", "--sk", "B", "shares", "list"
    )
    assert unreachable.returncode == 3 and "cannot reach" in unreachable.stderr


def test_query_values_with_spaces_reach_the_server_as_sent(owner: Account) -> None:
    """httpx sends a space as a bare +: the server reads it as a space, as Go clients mean it,
    so a tag marker with a space pages on from the right key."""
    from sharekeeper.cli.client import Credentials, RamClient
    from tests.sdk.helpers import create_share

    share = create_share(owner, "spaced")
    client = RamClient(Credentials(owner.endpoint, owner.access_key, owner.secret_key))
    keys = [{"key": k, "value": "v"} for k in ("a b", "a c", "a+b")]
    client.call("POST", f"/v1/resource-shares/{share.id}/tags/create", {"tags": keys})
    seen, marker = [], None
    while True:
        page = client.call("GET", "/v1/resource-shares/tags", query={"limit": 1, "marker": marker})
        seen += [t["key"] for t in page["tags"]]
        marker = page["page_info"].get("next_marker")
        if not marker:
            break
    client.close()
    assert [k for k in seen if k.startswith("a")] == ["a b", "a c", "a+b"]
