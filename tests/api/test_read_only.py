"""An operation declared read-only cannot write: its context opens no writing unit, and a read
unit's connection refuses writes (SQLite's query_only, PostgreSQL's read-only session). The
write fails at once as a defect (500 RAM.9000, logged), writes nothing, and leaves the other
requests of its event-loop turn unharmed, on both databases."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy import event, func, insert, select

from sharekeeper.api.http.endpoint import Call, Edge, Endpoint, Operation
from sharekeeper.api.routes import OPERATIONS
from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.domain.ids import new_aws_account_id
from sharekeeper.services import identity
from sharekeeper.services.context import Context
from sharekeeper.store.tables import access_keys, accounts
from sharekeeper.store.transaction import WriteRefused
from tests.conftest import POSTGRES_URL
from tests.support import Account, settings_for, signed_headers

HOST = "sharekeeper.test"
INTRUDER = uuid.uuid4().hex  # ids of rows a test writes or must not: the database is shared


@pytest.fixture
def runtime(tmp_path: Path, data_dir: Path) -> Iterator[Runtime]:
    # PostgreSQL: the run's database, sealed under the run's master key (in ``data_dir``).
    if POSTGRES_URL is not None:
        runtime = build_runtime(settings_for(POSTGRES_URL, data_dir))
    else:
        runtime = build_runtime(settings_for(f"sqlite:///{tmp_path / 'read-only.db'}", tmp_path))
    yield runtime
    runtime.close()


def issues_a_key(ctx: Context, call: Call[None, None]) -> None:
    """A read-only operation that calls a writing service (the defect under test)."""
    identity.create_access_key(ctx, call.caller.account_id)


def writes_in_a_read_unit(ctx: Context, call: Call[None, None]) -> None:
    """A read-only operation whose read unit writes, through the driver's cursor."""
    with ctx.reading() as uow:
        uow.tx.command(
            f"UPDATE accounts SET name = 'changed' WHERE id = '{call.caller.account_id}'"
        )


def writes_through_sqlalchemy(ctx: Context, call: Call[None, None]) -> None:
    """The same, through SQLAlchemy's execution path (its own error handling)."""
    with ctx.reading() as uow:
        uow.tx.execute(
            insert(accounts).values(
                id=INTRUDER, name="intruder", created_at=0, aws_account_id=new_aws_account_id()
            )
        )


def _operation(name: str) -> Operation:
    return next(op for op in OPERATIONS if op.name == name)


async def _call(edge: Edge, operation: Operation, account: Account, body: Any) -> tuple[int, Any]:
    """One request to the operation's endpoint, as uvicorn would pass it."""
    raw = b"" if body is None else json.dumps(body).encode()
    headers = signed_headers(account, operation.method, operation.path, "", raw, host=HOST)
    scope = {
        "type": "http",
        "method": operation.method,
        "path": operation.path,
        "raw_path": operation.path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 40000),
        "path_params": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    await Endpoint(edge, operation)(scope, receive, send)
    status = sent[0]["status"]
    body_sent = sent[1]["body"]
    return status, msgspec.json.decode(body_sent) if body_sent else None


def _keys(runtime: Runtime, account_id: str) -> int:
    with runtime.engine.connect() as connection:
        query = select(func.count()).where(access_keys.c.account_id == account_id)
        return int(connection.execute(query.select_from(access_keys)).scalar_one())


def _names(runtime: Runtime, *ids: str) -> set[str]:
    with runtime.engine.connect() as connection:
        query = select(accounts.c.name).where(accounts.c.id.in_(ids))
        return set(connection.execute(query).scalars())


@pytest.mark.parametrize(
    "handler", [issues_a_key, writes_in_a_read_unit, writes_through_sqlalchemy]
)
def test_a_read_only_operation_that_writes_fails_alone_and_writes_nothing(
    runtime: Runtime, handler: Any, caplog: pytest.LogCaptureFixture
) -> None:
    account, key = identity.create_account(runtime.context, "reader")
    caller = Account(account.id, key.access_key, key.secret_key, f"http://{HOST}")
    wrong = Operation("WritesWhenReading", "POST", "/v1/resource-shares/wrong", handler)
    keys_before = _keys(runtime, account.id)

    async def turn() -> list[tuple[int, Any]]:
        serving = runtime.serving()
        await serving.start()
        invalidated: list[object] = []
        event.listen(serving.engine, "invalidate", lambda *args: invalidated.append(args))
        edge = Edge(serving)
        try:
            create = _operation("CreateResourceShare")
            search = _operation("SearchResourceShares")
            # One turn of the event loop: a write, the defect and a read, side by side.
            answers = list(
                await asyncio.gather(
                    _call(edge, create, caller, {"name": "beside-the-defect"}),
                    _call(edge, wrong, caller, None),
                    _call(edge, search, caller, {"resource_owner": "self"}),
                )
            )
            # A refused write says nothing about the server: no connection is dropped.
            assert not invalidated
            answers.append(await _call(edge, search, caller, {"resource_owner": "self"}))
            return answers
        finally:
            await serving.close()

    with caplog.at_level(logging.ERROR, logger="sharekeeper"):
        created, refused, searched, after = asyncio.run(turn())
    assert created[0] == 201, created
    assert refused[0] == 500 and refused[1]["error_code"] == "RAM.9000", refused
    assert searched[0] == 200 and after[0] == 200
    names = [share["name"] for share in after[1]["resource_shares"]]
    assert names == ["beside-the-defect"]  # the write of the same turn was committed
    # The defect is logged with its cause, and wrote nothing.
    assert any(isinstance(r.exc_info and r.exc_info[1], WriteRefused) for r in caplog.records)
    assert _keys(runtime, account.id) == keys_before
    assert _names(runtime, account.id, INTRUDER) == {"reader"}


def test_a_read_only_context_refuses_a_writing_unit(runtime: Runtime) -> None:
    with pytest.raises(WriteRefused):
        runtime.context.reader().writing()
    # Its reads are the context's reads.
    with runtime.context.reader().reading() as uow:
        assert uow.accounts is not None


def test_a_connection_writes_again_after_a_read_unit(runtime: Runtime) -> None:
    """A read unit's connection refuses writes; the next writing unit on it (SQLite: the same
    thread's kept connection) and, once it is back in the pool, any other user of it (a
    migration, a tool) write as before."""
    with runtime.context.reading() as uow:
        uow.tx.execute(select(accounts.c.id)).all()
    made, _ = identity.create_account(runtime.context, "after-a-read")
    with runtime.context.reading() as uow:
        driver = uow.tx.connection.connection.dbapi_connection
    runtime.connections.close()  # the kept connection goes back to the pool
    if POSTGRES_URL is None:
        assert driver is not None
        assert driver.execute("PRAGMA query_only").fetchone() == (0,)
    tool = uuid.uuid4().hex
    with runtime.engine.begin() as connection:
        connection.execute(
            insert(accounts).values(
                id=tool, name="by a tool", created_at=0, aws_account_id=new_aws_account_id()
            )
        )
    assert _names(runtime, made.id, tool) == {"after-a-read", "by a tool"}
