"""Every reply stays well-formed whatever a caller puts in a path or a name (issue 22, second
round): a path id never reaches the audit trail raw, nor routes to another operation, the
name-prefix filter answers alike on both databases, and a key this server cannot open is a
401, not a 500."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sharekeeper.api.http.endpoint import Operation
from sharekeeper.api.routes import OPERATIONS
from sharekeeper.auth.secrets import SecretBox
from sharekeeper.cli.main import app, hoist
from sharekeeper.domain.audit import AuditRecord
from sharekeeper.services import audit
from tests import figures
from tests.sdk.helpers import associations, create_share
from tests.support import Account, LiveServer, SignedHttp, env_for_subprocess

# The probe's id: red text, then an OSC sequence retitling the terminal, ended by BEL.
SEARCH = {"resource_owner": "self", "limit": 1}
ESCAPES = "%1B%5B31mRED%1B%5B0m%1B%5D0%3Btitle%07"


def cli(database_url: str, data_dir: Path, *args: str) -> str:
    """A command's standard output as a terminal would get it (click strips no sequence)."""
    env = env_for_subprocess("sqlite:////nonexistent/ignored.db", data_dir)
    result = CliRunner().invoke(
        app, hoist([*args, "--database", database_url]), env=env, color=True
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout


def assert_no_control(text: str) -> None:
    assert not any((ord(c) < 32 and c != "\n") or 127 <= ord(c) < 160 for c in text), repr(text)


def test_a_path_id_with_terminal_escapes_is_refused_and_kept_out_of_the_audit_trail(
    server: LiveServer,
    http: SignedHttp,
    database_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caller = server.account("escapes")
    body = {"principals": [server.account("someone").account_id]}
    answer = http.request(caller, "POST", f"/v1/resource-shares/{ESCAPES}/associate", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error_code"] == "RAM.9100"
    assert answer.json()["request_id"] == answer.headers["x-request-id"]
    as_json = cli(database_url, data_dir, "audit", "list", "--account", caller.account_id, "--json")
    (record,) = json.loads(as_json)
    assert record["operation"] == "AssociateResourceShare"
    assert record["targets"] == ["invalid"]  # the caller's text is not kept
    assert record["outcome"] == "400 RAM.9100"
    monkeypatch.setenv("COLUMNS", "200")  # room for the targets beside the account
    table = cli(database_url, data_dir, "audit", "list", "--account", caller.account_id)
    assert "AssociateResourceShare 400 RAM.9100 invalid" in " ".join(table.split())
    for output in (as_json, table):
        assert "\x1b" not in output and "\x07" not in output


def test_audit_fields_are_printed_with_their_control_characters_written_out(
    server: LiveServer, database_url: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record holding a caller's text (kept by an earlier version, or a source address a
    proxy passed on): the CLI's table and JSON write every control character out."""
    account_id = server.account("old-record").account_id
    hostile = "\x1b]52;c;cGF5bG9hZA==\x07\x1b[2J\x9b31m\r\nforged"
    audit.record_calls(
        server.runtime.context,
        [
            AuditRecord(
                at=server.clock(),
                account_id=account_id,
                access_key="AK",
                operation="DeleteResourceShare",
                request_id="r" * 32,
                source_address=hostile,
                targets=[hostile],
                outcome="400 RAM.9100",
            )
        ],
    )
    # Wide enough for every column: the header, one line for the record (\r\n does not forge
    # a second) and the closing hint.
    monkeypatch.setenv("COLUMNS", "400")
    table = cli(database_url, data_dir, "audit", "list", "--account", account_id)
    assert_no_control(table)
    assert table.count("\n") == 3
    assert "\\x1b]52;c;cGF5bG9hZA==\\x07\\x1b[2J\\x9b31m\\x0d\\x0aforged" in table
    as_json = cli(database_url, data_dir, "audit", "list", "--account", account_id, "--json")
    assert_no_control(as_json)
    assert json.loads(as_json)[0]["targets"] == [hostile]  # escaped, not altered
    # An account name the operator typed is echoed back written out too.
    made = cli(database_url, data_dir, "account", "create", "--name", "\x1b]0;x\x07eve")
    figures.issued(made.split("secret_key: ")[1].split()[0])
    assert_no_control(made)
    assert "name: \\x1b]0;x\\x07eve" in made


SHOW_ROUTES = [op for op in OPERATIONS if op.method == "GET" and op.path.endswith("}")]


def test_the_show_routes_include_the_probes() -> None:
    names = {op.name for op in SHOW_ROUTES}
    assert {
        "ShowPermission",
        "ShowOrganizationalUnit",
        "ShowAccount",
        "ShowHandshake",
        "ShowCreateAccountStatus",
    } <= names


@pytest.mark.parametrize("operation", SHOW_ROUTES, ids=lambda op: op.name)
@pytest.mark.parametrize("given", ["%2F", "", "a%2Fb", "%2F%2F"])
def test_an_id_with_a_slash_or_none_is_refused_not_routed_to_the_list(
    server: LiveServer, http: SignedHttp, operation: Operation, given: str
) -> None:
    prefix = operation.path[: operation.path.rindex("{")]
    caller = server.account("show")
    answer = http.request(caller, "GET", prefix + given + ("/" if given == "" else ""))
    assert answer.status_code in (400, 404), (answer.status_code, answer.text)
    error = answer.json()
    assert set(error) == {"error_code", "error_msg", "request_id"}
    assert error["request_id"] == answer.headers["x-request-id"]
    # The id, empty or holding a slash, reached its own operation, whose check refused it.
    assert answer.status_code == 400 and "must be 1 to 36" in error["error_msg"]


def test_a_slash_inside_an_id_never_reaches_another_operation(
    server: LiveServer, http: SignedHttp
) -> None:
    owner, other = server.account("slash-owner"), server.account("slash-other")
    share = create_share(owner, "slashed", resource_urns=[owner.urn("subnet-slash")])
    body = {"principals": [other.account_id]}
    # Decoded, this is /v1/resource-shares/{id}/associate; as sent, it is no RAM path.
    answer = http.request(owner, "POST", f"/v1/resource-shares/{share.id}%2Fassociate", body)
    assert answer.status_code == 404, answer.text
    assert answer.json()["error_code"] == "APIGW.0101"
    assert associations(owner, "principal", resource_share_ids=[share.id]) == []
    # The list still answers with one trailing slash, as the SDK may send it.
    assert http.request(owner, "GET", "/v1/permissions/").status_code == 200


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("A", ["ABC"]), ("a", ["a_c", "abc", "axc"]), ("a_", ["a_c"]), ("a%", []), ("", [])],
)
def test_the_name_prefix_filter_is_a_case_sensitive_literal_prefix_on_both_databases(
    server: LiveServer, http: SignedHttp, prefix: str, expected: list[str]
) -> None:
    owner = server.account("prefixes")
    for name in ("abc", "ABC", "a_c", "axc"):
        create_share(owner, name, resource_urns=[owner.urn(f"subnet-{name}")])
    body = {"matches": [{"key": "resource_name", "value": prefix}]}
    found = http.request(owner, "POST", "/v1/resource-shares/resource-instances/filter", body)
    assert found.status_code == 200, found.text
    assert sorted(r["resource_name"] for r in found.json()["resources"]) == expected
    counted = http.request(owner, "POST", "/v1/resource-shares/resource-instances/count", body)
    assert counted.json()["total_count"] == len(expected)


def test_a_key_sealed_under_another_master_key_is_a_401_told_to_the_operator_once(
    server: LiveServer, http: SignedHttp, caplog: pytest.LogCaptureFixture
) -> None:
    """A row written by a process given another master key (before fingerprints, or through
    a copy of the database): its requests are refused as unauthenticated, not a 500. Written
    to the store directly: a process whose key is not the recorded one issues no key."""
    import os

    from sharekeeper.domain import accounts, ids

    ctx = server.runtime.context
    secret = ids.new_secret_key()
    figures.issued(secret)
    account = accounts.Account(
        ids.new_account_id(), "sealed-elsewhere", ctx.clock(), ids.new_aws_account_id()
    )
    sealed = SecretBox(os.urandom(32)).seal(secret)
    key = accounts.AccessKey(ids.new_access_key_id(), account.id, sealed, ctx.clock())
    with ctx.writing() as uow:
        uow.accounts.add(account)
        uow.accounts.add_key(key)
        uow.commit()
    stranger = Account(account.id, key.access_key, secret, server.endpoint)
    caplog.set_level(logging.ERROR, logger="sharekeeper.auth")
    for _ in range(3):
        answer = http.request(stranger, "POST", "/v1/resource-shares/search", SEARCH)
        assert answer.status_code == 401, answer.text
        assert answer.json()["error_code"] == "APIGW.0301"
        assert "operator has been told" in answer.json()["error_msg"]
    told = [r.getMessage() for r in caplog.records if r.name == "sharekeeper.auth"]
    assert len(told) == 1, told
    assert key.access_key in told[0] and "another master key" in told[0]
    assert secret not in told[0]
    # The server's own keys still work.
    own = server.account("own-key")
    assert http.request(own, "POST", "/v1/resource-shares/search", SEARCH).status_code == 200
