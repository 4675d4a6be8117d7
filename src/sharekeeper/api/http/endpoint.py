"""Turns a handler into a signed endpoint: read the body, verify the signature, run the use case
off the event loop, encode the reply. Every response carries X-Request-Id."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import UnionType
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin, get_type_hints

import msgspec
from starlette.types import Receive, Scope, Send

from sharekeeper.api.errors import InternalError, render_error, status_of
from sharekeeper.api.http.access import Access, noted
from sharekeeper.auth.signing import query_pairs
from sharekeeper.auth.verify import IncomingRequest, KeyMaterial
from sharekeeper.bootstrap import Serving
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.audit import AuditRecord, FailureTally, PendingAudit
from sharekeeper.domain.errors import (
    InvalidParameter,
    MalformedBody,
    ServiceBusy,
    ShareKeeperError,
)
from sharekeeper.domain.ratelimit import Guesses, RateLimiter
from sharekeeper.services.audit import record_calls
from sharekeeper.services.context import Context
from sharekeeper.services.identity import authenticate
from sharekeeper.store.group_commit import Seat
from sharekeeper.store.key_cache import KeyCache
from sharekeeper.store.unit_of_work import SharedReads

T = TypeVar("T")
# A JSON \u0000 escape (not itself escaped): PostgreSQL text cannot hold NUL, and no RAM field
# has a use for it, so it is refused before it reaches a query.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


B = TypeVar("B")
Q = TypeVar("Q")


@dataclass(frozen=True, slots=True)
class Call(Generic[B, Q]):
    """One request as a handler sees it: authenticated, its body and query decoded as the
    handler's own signature declares (``Call[Body, Query]``; None for neither)."""

    caller: Caller
    path: dict[str, str]
    body: B
    query: Q

    def path_id(self, name: str) -> str:
        return path_id(name, self.path[name])


def path_id(name: str, value: str) -> str:
    """A path id: 1 to 36 ASCII letters, digits, _ or - (Huawei's ^[\\w-]+$ read as ASCII)."""
    if _ID.fullmatch(value) is None:
        raise InvalidParameter(f"{name} must be 1 to 36 letters, digits, _ or -.")
    return value


# What an audit record keeps of a path id that fails ``path_id``: the record is written
# before the handler checks its ids (a refusal is recorded too), and the caller's text, which
# may hold terminal escapes or markup, has no place in the operator's trail.
INVALID_TARGET = "invalid"


def audit_targets(path: dict[str, str]) -> list[str]:
    """The path ids a write names, as its audit record keeps them."""
    return [audit_target(v) for v in path.values()]


def audit_target(value: str) -> str:
    """An id a write names, as its audit record keeps it (AWS's edge names them in members)."""
    return value if _ID.fullmatch(value) else INVALID_TARGET


# ``handler(ctx, call) -> reply body``, its wire types in its signature: ``call: Call[Body,
# Query]`` and the reply's Struct (None: an empty answer).
Handler = Callable[[Context, Call[Any, Any]], msgspec.Struct | None]


@dataclass(frozen=True, slots=True)
class Operation:
    """One API operation: Huawei's name, the route, the status of its success, whether it
    writes, and its handler, whose signature declares the wire types (read here once, for
    decoding and for /openapi.json)."""

    name: str
    method: str
    path: str
    handler: Handler
    status: int = 200
    # It may change state: it runs in a writing unit of work and is audited, refusals too.
    writes: bool = False
    # Signed by a service principal's key, not an account's (the /sharekeeper/v1 decisions).
    service_key: bool = False
    body: type[msgspec.Struct] | None = field(init=False)
    query: type[msgspec.Struct] | None = field(init=False)
    reply: type[msgspec.Struct] | None = field(init=False)

    def __post_init__(self) -> None:
        hints = get_type_hints(self.handler)
        body, query = get_args(hints["call"]) or (None, None)
        for name, kind in (("body", body), ("query", query), ("reply", hints["return"])):
            declared = None if kind is type(None) or kind is None else kind
            if declared is not None and not issubclass(declared, msgspec.Struct):
                raise TypeError(f"{self.name}: its {name} type {kind} is not a wire Struct")
            object.__setattr__(self, name, declared)


_encode = msgspec.json.Encoder().encode


_ID = re.compile(r"[A-Za-z0-9_-]{1,36}")
_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}


def _decoder(kind: type[T]) -> msgspec.json.Decoder[T]:
    """One decoder per wire type, built on first use (building one costs more than decoding)."""
    decoder = _decoders.get(kind)
    if decoder is None:
        decoder = _decoders[kind] = msgspec.json.Decoder(kind)
    return decoder


def decode_body(body: bytes, kind: type[T]) -> T:
    """A JSON body as ``kind``, for every endpoint (RAM and admin): an empty body is an empty
    object, and each way a body can be wrong is a 400 of its own."""
    # The substring first: the pattern, starting with a lookbehind, is tried at every byte
    # (1 ms for a batch of 100 decisions), and it cannot match without this substring.
    if b"\\u0000" in body and _NUL_ESCAPE.search(body):
        raise InvalidParameter("Invalid request body: NUL characters are not allowed.")
    try:
        return _decoder(kind).decode(body or b"{}")
    except msgspec.ValidationError as error:
        raise InvalidParameter(f"Invalid request body: {error}") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise MalformedBody(str(error)) from None
    except RecursionError:
        # Nesting deeper than the decoder may recurse (an unknown field is skipped, not
        # refused, and skipping recurses too): bad input, however the stack stands.
        raise MalformedBody("the JSON is nested too deeply") from None


def decode_query(pairs: list[tuple[str, str]], kind: type[T]) -> T:
    """Query parameters as ``kind``, converting digit strings where numbers are expected. A
    list field takes its key repeated (``states=a&states=b``, as the SDKs send a list); any
    other key may come once."""
    repeatable = _list_fields(kind)
    values: dict[str, Any] = {}
    for key, value in pairs:
        if "\x00" in value:
            raise InvalidParameter(f"Query parameter {key} holds a NUL character.")
        if key in repeatable:
            values.setdefault(key, []).append(value)
        elif key in values:
            raise InvalidParameter(f"Query parameter {key} is given more than once.")
        else:
            values[key] = value
    try:
        return msgspec.convert(values, kind, strict=False)
    except msgspec.ValidationError as error:
        raise InvalidParameter(f"Invalid query parameter: {error}") from None


def _list_fields(kind: type[Any]) -> frozenset[str]:
    """The query fields of ``kind`` that hold a list (read once per kind)."""
    found = _LIST_FIELDS.get(kind)
    if found is None:
        hints = get_type_hints(kind, include_extras=True)
        fields = msgspec.structs.fields(kind)
        found = frozenset(f.encode_name for f in fields if _is_list(hints[f.name]))
        _LIST_FIELDS[kind] = found
    return found


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_list(get_args(annotation)[0])
    if origin in (UnionType, Union):
        return any(_is_list(arm) for arm in get_args(annotation))
    return origin is list


_LIST_FIELDS: dict[type[Any], frozenset[str]] = {}


def new_request_id() -> str:
    return os.urandom(16).hex()


def _headers(raw: list[tuple[bytes, bytes]]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in raw:
        # Signed values are UTF-8 text; ASGI hands over the raw bytes.
        headers.setdefault(name.decode("latin-1").lower(), []).append(
            value.decode("utf-8", "replace")
        )
    return headers


def incoming_request(scope: Scope, body: bytes) -> IncomingRequest:
    """The request as the signature check reads it, for every signed route."""
    return IncomingRequest(
        method=scope["method"],
        raw_path=(scope.get("raw_path") or scope["path"].encode()).decode("latin-1"),
        raw_query=scope["query_string"].decode("latin-1"),
        headers=_headers(scope["headers"]),
        body=body,
    )


def signed_caller(
    edge: Edge,
    incoming: IncomingRequest,
    access: Access,
    source: str,
    service: bool,
    ctx: Context | None = None,
) -> Caller:
    """Who signed the request (an account's key, or a service principal's with ``service``),
    within the rate limit; raises otherwise (not audited). A derived-key signature is checked
    only within the source's and the key's allowance of failures (``Guesses.derived``). The
    key is read through ``ctx`` (by default the edge's)."""
    caller = authenticate(
        ctx or edge.ctx, incoming, lambda key: edge.guesses.derived(source, key), service=service
    )
    access.account_id = caller.account_id  # for the request's log line, whatever the outcome
    if edge.limiter is not None:
        edge.limiter.take(caller.account_id)
    return caller


def _serve(
    operation: Operation,
    ctx: Context,
    caller: Caller,
    incoming: IncomingRequest,
    path: dict[str, str],
) -> msgspec.Struct | None:
    """Decodes the request's body and query as the handler declares them, and runs it."""
    body = None if operation.body is None else decode_body(incoming.body, operation.body)
    query = None
    if operation.query is not None:
        query = decode_query(query_pairs(incoming.raw_query), operation.query)
    return operation.handler(ctx, Call(caller, path, body, query))


def run_operation(
    edge: Edge,
    operation: Operation,
    caller: Caller,
    incoming: IncomingRequest,
    path: dict[str, str],
    request_id: str,
    source: str,
    seat: Seat | None = None,
    channel: str = "api",
    ctx: Context | None = None,
) -> msgspec.Struct | None:
    """The use case, in the request's scope: a write is audited (``audited``), as coming
    through ``channel`` (the API, or the console calling the same operation). A read-only
    operation runs in ``ctx`` (a read's shared unit), by default the edge's reader; either
    refuses a write (``Context.reader``)."""
    if not operation.writes:
        return _serve(operation, ctx or edge.serving.reader, caller, incoming, path)
    ctx = edge.ctx
    record = AuditRecord(
        at=ctx.clock(),
        account_id=caller.account_id,
        access_key=caller.access_key,
        operation=operation.name,
        request_id=request_id,
        source_address=source,
        targets=audit_targets(path),
        outcome=str(operation.status),
        channel=channel,
    )
    return audited(
        ctx, record, lambda scoped: _serve(operation, scoped, caller, incoming, path), seat
    )


def audited(
    ctx: Context,
    record: AuditRecord,
    use_case: Callable[[Context], T],
    seat: Seat | None = None,
) -> T:
    """Runs a write in a scope whose units of work commit ``record`` with the change (and join
    ``seat``'s group commit, if any); a refusal, or a call that changed nothing, is
    recorded on its own, with the refusal's status and code as its outcome."""
    pending = PendingAudit(record)
    try:
        result = use_case(ctx.scoped(pending, seat))
    except ServiceBusy:
        raise  # the record could not be written either; waiting again would double the wait
    except Exception as error:
        failure = error if isinstance(error, ShareKeeperError) else InternalError()
        record.outcome = f"{status_of(type(failure))} {failure.code}"
        record.claim = None  # a refusal claims no clientToken: the request may be tried again
        record_calls(ctx.scoped(None, seat), [record])
        raise
    if not pending.written:  # it changed nothing, so no unit of work committed the record
        record_calls(ctx.scoped(None, seat), [record])
    return result


@dataclass(frozen=True, slots=True)
class Edge:
    """What every endpoint of one app shares."""

    serving: Serving
    limiter: RateLimiter | None = None
    # Failed attempts at a secret (sign-ins, the admin token, derived-key signatures): their
    # limits, and their audit records gathered per source and minute.
    guesses: Guesses = field(default_factory=Guesses)
    failures: FailureTally = field(default_factory=FailureTally)

    def forget(self) -> None:
        """Forgets what earlier requests taught the app (rate-limit buckets, failed guesses,
        refusals not yet recorded), as a new app would start: the pytest plugin empties one
        server between tests rather than start another. On the event loop, like the tally."""
        if self.limiter is not None:
            self.limiter.clear()
        self.guesses.clear()
        self.failures.clear()

    @property
    def ctx(self) -> Context:
        return self.serving.context


async def _read_body(receive: Receive) -> bytes:
    message = await receive()
    body: bytes = message.get("body", b"")
    while message.get("more_body", False):
        message = await receive()
        body += message.get("body", b"")
    return body


class Endpoint:
    """One operation as a plain ASGI app: it reads the body, runs the use case and writes the
    answer itself (Starlette's request and response objects cost more than a SQLite query)."""

    def __init__(self, edge: Edge, operation: Operation) -> None:
        self.edge = edge
        self.operation = operation

    async def _inline(
        self, incoming: IncomingRequest, access: Access, arguments: tuple[Any, ...]
    ) -> msgspec.Struct | None:
        """Runs the use case on the event loop; a write answers once its group is committed
        (its audit record too, when it is refused)."""
        edge, operation = self.edge, self.operation
        if not operation.writes:
            return self._read(access, arguments)
        caller = signed_caller(edge, incoming, access, arguments[3], operation.service_key)
        group = edge.ctx.group_commit
        if group is None:
            return run_operation(edge, operation, caller, *arguments)
        # The write lock, waited for off the event loop's back, and only for a signed caller.
        incoming_, path, request_id, source = arguments
        return await group.seated(
            lambda seat: run_operation(
                edge, operation, caller, incoming_, path, request_id, source, seat
            )
        )

    def _read(self, access: Access, arguments: tuple[Any, ...]) -> msgspec.Struct | None:
        """A read-only operation: the signing key and the use case's rows are read in one
        read unit (one connection taken, one unit built), given back when it is answered."""
        edge, operation = self.edge, self.operation
        incoming, path, request_id, source = arguments
        reads = SharedReads(edge.ctx.unit_of_work)
        try:
            ctx = edge.serving.reader.sharing(reads)
            caller = signed_caller(edge, incoming, access, source, operation.service_key, ctx)
            return run_operation(
                edge, operation, caller, incoming, path, request_id, source, ctx=ctx
            )
        finally:
            reads.close()

    async def _read_while_catching_up(
        self, cache: KeyCache[KeyMaterial], access: Access, arguments: tuple[Any, ...]
    ) -> msgspec.Struct | None:
        """A read (PostgreSQL, key cache on) runs while the cache catches up, its statements
        in the same stretch as the cache's round trip rather than after it; its answer, or
        refusal, is kept only if the cache heard no notice meanwhile (one about its key would
        have been among them). Else it runs again, with every change committed before the
        request now known: a revoked key is refused as if the read had waited
        (docs/security.md, "The key cache on PostgreSQL")."""
        run = self.edge.serving.run
        generation = cache.generation
        catching_up = cache.caught_up()
        failure: Exception | None = None
        reply: msgspec.Struct | None = None
        try:
            reply = await run(self._threaded, access, arguments)
        except Exception as error:
            failure = error
        await catching_up
        if cache.generation != generation:
            return await run(self._threaded, access, arguments)
        if failure is not None:
            raise failure
        return reply

    def _threaded(self, access: Access, arguments: tuple[Any, ...]) -> msgspec.Struct | None:
        if not self.operation.writes:
            return self._read(access, arguments)
        caller = signed_caller(
            self.edge, arguments[0], access, arguments[3], self.operation.service_key
        )
        return run_operation(self.edge, self.operation, caller, *arguments)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        edge, operation = self.edge, self.operation
        request_id = new_request_id()
        access = noted(scope)
        access.operation = operation.name
        access.request_id = request_id
        headers: dict[str, str] = {"X-Request-Id": request_id}
        try:
            incoming = incoming_request(scope, await _read_body(receive))
            client = scope.get("client")
            source = client[0] if client else ""
            path = scope.get("path_params", {})
            arguments = (incoming, path, request_id, source)
            if edge.serving.inline:
                reply = await self._inline(incoming, access, arguments)
            elif edge.ctx.key_cache is None:
                reply = await edge.serving.run(self._threaded, access, arguments)
            elif operation.writes:
                # Whatever happened to a key before this request is known before it is used.
                await edge.ctx.key_cache.caught_up()
                reply = await edge.serving.run(self._threaded, access, arguments)
            else:
                reply = await self._read_while_catching_up(edge.ctx.key_cache, access, arguments)
            status = operation.status
            body = b"" if reply is None else _encode(reply)
        except Exception as failure:
            rendered = render_error(failure, request_id)
            access.error_code = rendered.code
            status, headers, body = rendered.status, rendered.headers, rendered.body
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        raw.append((b"content-length", str(len(body)).encode()))
        if body:
            raw.append((b"content-type", b"application/json"))
        access.status = status
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})
