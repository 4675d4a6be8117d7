"""``sharekeeper key rotate-master``: every secret re-sealed under a new master key in one
transaction, through the real entry point, then the official SDK signing with a key made
before the rotation against a server started with the new key."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from sharekeeper.auth.secrets import SecretBox, master_key_fingerprint
from sharekeeper.bootstrap import build_runtime
from sharekeeper.config import Settings
from sharekeeper.services import identity, sessions, webhooks
from sharekeeper.services import master_key as rotation
from sharekeeper.store.engine import create_database_engine
from sharekeeper.store.master_key import MasterKeyRepository
from sharekeeper.testing import Account
from tests import figures
from tests.cli.test_failures import one_line, own_database, run
from tests.support import LiveServer, ServerProcess, signed_headers

__all__ = ["own_database"]  # the fixture, shared with the failures' tests


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")


def stored(database: str) -> dict[str, Any]:
    """What a rotation changes: the recorded fingerprint, each key's (and webhook's) sealed
    secret, and the console sessions."""
    engine = create_database_engine(database)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT access_key, sealed_secret FROM access_keys "
                    "UNION ALL SELECT id, sealed_secret FROM webhooks"
                )
            ).all()
            sessions_left = connection.execute(text("SELECT token_hash FROM console_sessions"))
            return {
                "fingerprint": connection.execute(
                    text("SELECT fingerprint FROM master_key")
                ).scalar(),
                "sealed": {row[0]: row[1] for row in rows},
                "sessions": sorted(row[0] for row in sessions_left),
            }
    finally:
        engine.dispose()


def made(*args: str, database: str, data_dir: Path) -> dict[str, Any]:
    result = run(*args, "--json", "--database", database, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    issued: dict[str, Any] = json.loads(result.stdout)
    figures.issued(issued["secret_key"], issued.get("security_token") or "")
    return issued


def test_after_a_rotation_existing_keys_sign_against_a_server_on_the_new_key(
    tmp_path: Path, own_database: str
) -> None:
    data = tmp_path / "data"
    alice = made("account", "create", "--name", "alice", database=own_database, data_dir=data)
    temporary = made(
        "key", "create-temporary", alice["account_id"], database=own_database, data_dir=data
    )
    service = made(
        "service", "create", "--name", "vpc-control", "--namespace", "vpc",
        database=own_database, data_dir=data,
    )  # fmt: skip
    old = (data / "master.key").read_text().strip()
    before = stored(own_database)
    key_file = tmp_path / "new.key"
    key_file.write_text(new_key() + "\n")
    rotated = run(
        "key", "rotate-master", "--new-key-file", str(key_file), "--database", own_database,
        data_dir=data,
    )  # fmt: skip
    assert rotated.returncode == 0, rotated.stderr
    assert "re-sealed 3 secrets" in rotated.stdout
    assert f"{data / 'master.key'} now holds the new key" in rotated.stdout
    assert (data / "master.key").read_text().strip() == key_file.read_text().strip()
    after = stored(own_database)
    assert after["fingerprint"] == master_key_fingerprint(base64.b64decode(key_file.read_text()))
    assert after["sealed"].keys() == before["sealed"].keys()
    assert all(after["sealed"][k] != before["sealed"][k] for k in before["sealed"])
    # The old key is refused by every command, in one line.
    refused = run(
        "account", "create", "--name", "b", "--database", own_database, data_dir=data,
        env={"SHAREKEEPER_MASTER_KEY": old},
    )  # fmt: skip
    one_line(refused, 1, "SHAREKEEPER_MASTER_KEY is not the one", after["fingerprint"][:12])
    server = ServerProcess(own_database, data)
    try:
        for issued in (alice, temporary):
            account = Account(
                alice["account_id"], issued["access_key"], issued["secret_key"],
                server.endpoint, issued.get("security_token"),
            )  # fmt: skip
            from huaweicloudsdkram.v1 import ListQuotaRequest

            quotas = account.ram.list_quota(ListQuotaRequest()).quotas
            assert quotas.resources, quotas
        # A resource service's key, sealed under the master key too, still signs.
        signer = Account(
            service["service_id"], service["access_key"], service["secret_key"], server.endpoint
        )
        question = {
            "principal": alice["account_id"],
            "action": "vpc:subnets:get",
            "resource": f"vpc:cn-north-4:{alice['account_id']}:subnet:subnet-1",
        }
        body = json.dumps(question).encode()
        host = server.endpoint.removeprefix("http://")
        headers = signed_headers(signer, "POST", "/sharekeeper/v1/authorize", "", body, host=host)
        answer = httpx.post(
            f"{server.endpoint}/sharekeeper/v1/authorize", content=body, headers=headers
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["decision"] == "deny"  # alice owns it: decided by its owner
    finally:
        server.stop()


def test_a_wrong_current_key_is_refused_and_nothing_changes(
    tmp_path: Path, own_database: str
) -> None:
    data = tmp_path / "data"
    made("account", "create", "--name", "alice", database=own_database, data_dir=data)
    before, key_text = stored(own_database), (data / "master.key").read_text()
    wrong = {"SHAREKEEPER_MASTER_KEY": new_key(), "SHAREKEEPER_NEW_MASTER_KEY": new_key()}
    refused = run("key", "rotate-master", "--database", own_database, data_dir=data, env=wrong)
    one_line(refused, 1, "is not the one", before["fingerprint"][:12])
    # The key file of the data directory is not the current key either: no rotation from it.
    elsewhere = {"SHAREKEEPER_NEW_MASTER_KEY": new_key()}
    refused = run(
        "key", "rotate-master", "--database", own_database, data_dir=tmp_path / "other",
        env=elsewhere,
    )  # fmt: skip
    one_line(refused, 1, "there is no master key at")
    assert stored(own_database) == before
    assert (data / "master.key").read_text() == key_text


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({}, "--new-key-file PATH"),
        ({"SHAREKEEPER_NEW_MASTER_KEY": "not a key"}, "SHAREKEEPER_NEW_MASTER_KEY is not base64"),
        ({"SHAREKEEPER_NEW_MASTER_KEY": base64.b64encode(b"short").decode()}, "5 bytes"),
    ],
)
def test_a_missing_or_bad_new_key_is_a_usage_error(
    tmp_path: Path, given: dict[str, str], says: str
) -> None:
    refused = run("key", "rotate-master", data_dir=tmp_path, env=given)
    one_line(refused, 2, says)
    both = run(
        "key", "rotate-master", "--new-key-file", str(tmp_path / "missing.key"), data_dir=tmp_path,
        env={"SHAREKEEPER_NEW_MASTER_KEY": new_key()},
    )  # fmt: skip
    one_line(both, 2, "both --new-key-file and SHAREKEEPER_NEW_MASTER_KEY")
    unreadable = run(
        "key", "rotate-master", "--new-key-file", str(tmp_path / "no.key"), data_dir=tmp_path
    )
    one_line(unreadable, 2, f"cannot read {tmp_path / 'no.key'}")
    assert not (tmp_path / "master.key").exists()  # refused before the database was opened


def _settings(database: str, data_dir: Path, key: str) -> Settings:
    return Settings(data_dir=data_dir, database_url=database, master_key=key)


def test_a_rotation_that_fails_midway_leaves_the_old_key_valid(
    tmp_path: Path, own_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = new_key()
    runtime = build_runtime(_settings(own_database, tmp_path, old))
    try:
        issued = [identity.create_account(runtime.context, f"a{i}")[1] for i in range(5)]
        before = stored(own_database)
        monkeypatch.setattr(rotation, "RESEAL_BATCH", 2)
        written = MasterKeyRepository.reseal
        calls: list[int] = []

        def failing(self: MasterKeyRepository, holder: str, sealed: list[tuple[str, str]]) -> None:
            calls.append(len(sealed))
            if len(calls) == 2:  # the second batch: the first is written, in the transaction
                raise ConnectionError("the connection was lost")
            written(self, holder, sealed)

        monkeypatch.setattr(MasterKeyRepository, "reseal", failing)
        with pytest.raises(ConnectionError):
            rotation.rotate_master_key(runtime.context, base64.b64decode(new_key()))
        assert calls == [2, 2]
        assert stored(own_database) == before
    finally:
        runtime.close()
    again = build_runtime(_settings(own_database, tmp_path, old))  # the old key still opens it
    try:
        box = again.context.secret_box
        for key in issued:
            assert box.open(before["sealed"][key.access_key]) == key.secret_key
    finally:
        again.close()


def test_a_rotation_ends_the_operators_sessions_and_keeps_the_accounts(
    tmp_path: Path, own_database: str
) -> None:
    old, new = new_key(), new_key()
    runtime = build_runtime(_settings(own_database, tmp_path, old))
    try:
        ctx = runtime.context
        _, key = identity.create_account(ctx, "alice")
        hook, hook_secret = webhooks.add_webhook(ctx, "https://hooks.example.com/", [])
        _, account_session = sessions.sign_in(ctx, key.access_key, key.secret_key, None)
        sessions.operator_sign_in(ctx, ctx.secret_box.fingerprint("admin token " * 4))
        with pytest.raises(ValueError, match="the new master key is the current one"):
            rotation.rotate_master_key(ctx, base64.b64decode(old))
        done = rotation.rotate_master_key(ctx, base64.b64decode(new))
        # The account's key and the webhook's signing secret.
        assert (done.resealed, done.unreadable, done.operator_sessions_ended) == (2, (), 1)
        assert stored(own_database)["sessions"] == [account_session.token_hash]
        # A second rotation from the key this process opened the database with is refused.
        with pytest.raises(ValueError, match="changed after this command opened it"):
            rotation.rotate_master_key(ctx, base64.b64decode(new_key()))
    finally:
        runtime.close()
    sealed = stored(own_database)["sealed"][key.access_key]
    assert SecretBox(base64.b64decode(new)).open(sealed) == key.secret_key
    hook_sealed = stored(own_database)["sealed"][hook.id]
    assert SecretBox(base64.b64decode(new)).open(hook_sealed) == hook_secret


def test_a_server_left_running_on_the_old_key_issues_no_key_under_it(
    tmp_path: Path, own_database: str
) -> None:
    """The documented mistake: rotating while a server runs. That server cannot seal a secret
    that the restarted servers could open, so it refuses to issue one, 503 RAM.9010, and the
    database holds no key it made after the rotation."""
    import httpx

    token = "t" * 40
    old = new_key()
    left_running = LiveServer(
        _settings(own_database, tmp_path, old).with_overrides(admin_token=token)
    )
    left_running.start()
    try:
        admin = httpx.Client(
            base_url=left_running.endpoint, headers={"Authorization": f"Bearer {token}"}
        )
        made = admin.post("/admin/v1/accounts", json={"name": "before"})
        assert made.status_code == 201, made.text
        figures.issued(made.json()["secret_key"])
        rotator = build_runtime(_settings(own_database, tmp_path, old))
        try:
            rotation.rotate_master_key(rotator.context, base64.b64decode(new_key()))
        finally:
            rotator.close()
        keys = stored(own_database)["sealed"]
        refused = admin.post("/admin/v1/accounts", json={"name": "after"})
        assert refused.status_code == 503, refused.text
        assert refused.json()["error_code"] == "RAM.9010"
        account = made.json()["account_id"]
        again = admin.post(f"/admin/v1/accounts/{account}/access-keys")
        assert (again.status_code, again.json()["error_code"]) == (503, "RAM.9010")
        assert stored(own_database)["sealed"] == keys
        admin.close()
    finally:
        left_running.stop()
