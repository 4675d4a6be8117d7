"""The AWS edge on the API's port: a request signed with SigV4 (or sent to one of AWS RAM's
paths) is served here, told apart by its credential scope's service; anything else goes on to
Huawei's API. Handed its requests by the front layer (``api/http/front.py``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote
from xml.sax.saxutils import escape

import msgspec
from starlette.types import Receive, Scope, Send

from sharekeeper.api.errors import render_error
from sharekeeper.api.http.access import Access, noted
from sharekeeper.api.http.endpoint import (
    Edge,
    _read_body,
    audited,
    decode_body,
    decode_query,
    incoming_request,
    new_request_id,
)
from sharekeeper.auth.signing import query_pairs
from sharekeeper.auth.sigv4 import is_sigv4
from sharekeeper.auth.verify import IncomingRequest
from sharekeeper.aws.accounts import AccountIds
from sharekeeper.aws.call import AwsCall
from sharekeeper.aws.errors import STS_NAMESPACE, Protocol, shape
from sharekeeper.aws.idempotency import REPLAYS, claim_of, earlier_answer
from sharekeeper.aws.routes import (
    ORGANIZATIONS_BY_TARGET,
    QUERY_APIS,
    RAM_BY_PATH,
    RAM_PATHS,
    AwsOperation,
)
from sharekeeper.aws.targets import targets_of
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.audit import AuditRecord, Claim
from sharekeeper.domain.errors import (
    ApiNotFound,
    InvalidParameter,
    MethodNotAllowed,
    OperationNotServed,
    ShareKeeperError,
    SignatureMissing,
)
from sharekeeper.services.audit import record_calls
from sharekeeper.services.context import Context
from sharekeeper.services.identity import authenticate_sigv4
from sharekeeper.store.group_commit import Seat
from sharekeeper.store.unit_of_work import SharedReads

_encode = msgspec.json.Encoder().encode


_BY_SERVICE = {
    "ram": Protocol.REST_JSON,
    "organizations": Protocol.JSON,
    **{service: Protocol.QUERY for service in QUERY_APIS},
}
_SCOPE_SERVICE = re.compile(r"Credential=[^/,&\s]*/\d{8}/[^/,&\s]*/([a-z0-9-]{1,64})/aws4_request")


def _claimed_service(incoming: IncomingRequest) -> str | None:
    """The service the credential scope claims, signed or not yet checked."""
    claimed = f"{incoming.header('authorization') or ''} {unquote(incoming.raw_query)}"
    found = _SCOPE_SERVICE.search(claimed)
    return None if found is None else found[1]


def _namespace(service: str | None) -> str:
    """The XML namespace of an awsQuery service's answers (STS's when none is claimed)."""
    api = QUERY_APIS.get(service or "")
    return STS_NAMESPACE if api is None else api.namespace


def _protocol(incoming: IncomingRequest) -> Protocol:
    """The protocol a request speaks, from the service its credential scope claims, else its
    shape: its errors are answered in it, even before (or without) a valid signature."""
    service = _claimed_service(incoming)
    if service in _BY_SERVICE:
        return _BY_SERVICE[service]
    if incoming.raw_path.split("?", 1)[0] in RAM_PATHS:
        return Protocol.REST_JSON
    if incoming.headers.get("x-amz-target"):
        return Protocol.JSON
    return Protocol.QUERY


# What the access log and the metrics name a request whose operation is not known (yet): one
# name, never the path, Action or target as sent, which a caller could vary without bound.
UNKNOWN_OPERATION = "aws:Unknown"


def _claimed_name(incoming: IncomingRequest) -> str:
    """The operation a request names before its signature is checked: a RAM path's (its 36,
    as Huawei's refusals count under their route's operation) or an Organizations target's
    (those served); STS's Action is read from the form once the signature holds."""
    known = RAM_PATHS.get(incoming.raw_path.split("?", 1)[0])
    if known is not None:
        return f"aws:{known[1]}"
    served = ORGANIZATIONS_BY_TARGET.get(incoming.header("x-amz-target") or "")
    return UNKNOWN_OPERATION if served is None else f"aws:{served.name}"


def _query_params(incoming: IncomingRequest) -> dict[str, str]:
    """awsQuery's parameters: the form body, or the query of a presigned GET."""
    text = incoming.body.decode("utf-8", "replace") or incoming.raw_query
    params: dict[str, str] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        # Which of two Actions (or Versions) runs must not be a parser's choice.
        if params.setdefault(name, value) != value:
            raise InvalidParameter(f"parameter {name[:64]!r} is given twice, differently")
    return params


def _operation(incoming: IncomingRequest, service: str) -> AwsOperation:
    path = incoming.raw_path.split("?", 1)[0]
    if service == "ram":
        known = RAM_PATHS.get(path)
        if known is None:
            raise ApiNotFound(incoming.method, path)
        method, name = known
        if incoming.method != method:
            raise MethodNotAllowed(incoming.method, path, method)
        served = RAM_BY_PATH.get(path)
        if served is None:
            raise OperationNotServed("AWS RAM", name)
        return served
    api = QUERY_APIS.get(service)
    if api is not None:
        params = _query_params(incoming)
        action = params.get("Action", "")
        version = params.get("Version")
        if version != api.version:
            shown = "none" if version is None else repr(version[:64])
            raise ApiNotFound(
                incoming.method, f"{api.name} Version {shown} (served: {api.version})"
            )
        found = api.operations.get(action)
        if found is None:
            raise OperationNotServed(api.name, action[:64] or "(no Action)")
        return found
    if service == "organizations":
        target = incoming.header("x-amz-target") or ""
        served = ORGANIZATIONS_BY_TARGET.get(target)
        if served is None:
            name = target.rpartition(".")[2][:64] or "(no X-Amz-Target)"
            raise OperationNotServed("AWS Organizations", name)
        return served
    raise ApiNotFound(incoming.method, f"AWS service {service[:64]!r}")


def _xml_members(reply: msgspec.Struct) -> str:
    """A result's members as elements, a nested structure's within its own (no lists are
    answered yet)."""
    parts = []
    for f in msgspec.structs.fields(reply):
        value = getattr(reply, f.name)
        inner = _xml_members(value) if isinstance(value, msgspec.Struct) else escape(str(value))
        parts.append(f"<{f.encode_name}>{inner}</{f.encode_name}>")
    return "".join(parts)


def _xml_reply(name: str, reply: msgspec.Struct, request_id: str, namespace: str) -> bytes:
    """awsQuery's answer: the result's members as elements."""
    members = _xml_members(reply)
    return (
        f'<{name}Response xmlns="{namespace}">'
        f"<{name}Result>{members}</{name}Result>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{name}Response>"
    ).encode()


class AwsWire:
    """AWS's requests, as an ASGI app: the front layer (``api/http/front.py``) hands it those
    that are ``mine``."""

    def __init__(self, edge: Edge) -> None:
        self.edge = edge
        self.ids = AccountIds()

    @staticmethod
    def mine(scope: Scope) -> bool:
        if scope["path"] in RAM_PATHS or b"X-Amz-Algorithm=" in scope["query_string"]:
            return True
        for name, value in scope["headers"]:
            if name == b"authorization":
                return bool(value.startswith(b"AWS4-HMAC-SHA256"))
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = new_request_id()
        access = noted(scope)  # the access line's record, before anything can fail
        access.request_id = request_id
        access.operation = UNKNOWN_OPERATION
        # The body as far as it came: one broken off by the body's limits (too large, too
        # slow) is answered in AWS's shape too, as a request with no body.
        incoming = incoming_request(scope, b"")
        access.operation = _claimed_name(incoming)
        try:
            incoming = incoming_request(scope, await _read_body(receive))
            status, headers, payload = await self._serve(scope, incoming, request_id)
        except Exception as failure:
            namespace = _namespace(_claimed_service(incoming))
            shaped = shape(_protocol(incoming), namespace)
            rendered = render_error(failure, request_id, scope, shaped)
            access.status = rendered.status
            await send(
                {
                    "type": "http.response.start",
                    "status": rendered.status,
                    "headers": rendered.raw_headers(),
                }
            )
            await send({"type": "http.response.body", "body": rendered.body})
            return
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
        raw.append((b"content-length", str(len(payload)).encode()))
        access.status = status
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": payload})

    async def _serve(
        self, scope: Scope, incoming: IncomingRequest, request_id: str
    ) -> tuple[int, dict[str, str], bytes]:
        if not is_sigv4(incoming):
            raise SignatureMissing("the request is not signed: no AWS4-HMAC-SHA256 signature")
        client = scope.get("client")
        request = _Request(incoming, noted(scope), request_id, client[0] if client else "")
        edge = self.edge
        if edge.serving.inline:
            reply = await self._inline(request)
        else:
            if edge.ctx.key_cache is not None:
                # Whatever happened to a key before this request is known before it is used.
                await edge.ctx.key_cache.caught_up()
            reply = await edge.serving.run(self._whole, request)  # one hop, as Huawei's
        headers = {"x-amzn-RequestId": request_id}
        if request.operation.protocol is Protocol.QUERY:
            headers["content-type"] = "text/xml"
            namespace = _namespace(request.service)
            return 200, headers, _xml_reply(request.operation.name, reply, request_id, namespace)
        json_type = "x-amz-json-1.1" if request.operation.protocol is Protocol.JSON else "json"
        headers["content-type"] = f"application/{json_type}"
        return 200, headers, _encode(reply)

    def _prepared(self, request: _Request) -> tuple[AwsCall[Any], msgspec.Struct | None]:
        """The call, and a read-only operation's answer (None for a write): its signing key
        and its rows read in one read unit, one connection taken, as Huawei's reads are; a
        write's units are its own, after this one is given back."""
        reads = SharedReads(self.edge.ctx.unit_of_work)
        try:
            reader = self.edge.serving.reader.sharing(reads)
            call = self._prepare(request, reader)
            if request.operation.writes:
                return call, None
            return call, request.operation.handler(reader, call)
        finally:
            reads.close()

    def _prepare(self, request: _Request, ctx: Context) -> AwsCall[Any]:
        """Who signed, within the rate limit; the operation its scope and path name; its
        members decoded as the handler declares them."""
        edge, incoming = self.edge, request.incoming
        caller, signed = authenticate_sigv4(ctx, incoming)
        request.access.account_id = caller.account_id
        if edge.limiter is not None:
            edge.limiter.take(caller.account_id)
        request.service = signed.service
        operation = request.operation = _operation(incoming, signed.service)
        request.access.operation = f"aws:{operation.name}"
        if operation.protocol is Protocol.QUERY:
            # A presigned GET carries its signature in the query: not the operation's members.
            params = [
                (k, v) for k, v in _query_params(incoming).items() if not k.startswith("X-Amz-")
            ]
            decoded: Any = decode_query(params, operation.body)
        elif operation.in_query:
            decoded = decode_query(query_pairs(incoming.raw_query), operation.body)
        else:
            decoded = decode_body(incoming.body, operation.body)
        return AwsCall(caller, decoded, signed.region, self.ids)

    def _execute(self, request: _Request, call: AwsCall[Any], seat: Seat | None) -> msgspec.Struct:
        """The use case; a write audited as ``aws:Name``, refusals too (``audited``); a write
        whose clientToken an earlier request claimed answered as a replay (idempotency.py). A
        read-only operation is answered by ``_prepared``, in the reader context, which refuses
        a write."""
        ctx, operation = self.edge.ctx, request.operation
        record = _record(ctx, call.caller, operation, request.request_id, request.source)
        # The ids it names, as Huawei's path does, before it runs: a refusal keeps them too.
        record.targets = targets_of(ctx, operation.handler, call)
        if operation.name in REPLAYS:
            record.claim = request.claim = claim_of(call.body)
        if request.claim is not None:
            earlier = earlier_answer(ctx, call, operation.name, request.claim)
            if earlier is not None:
                # Recorded as a call that changed nothing is: the token stays the first's.
                record.claim = None
                record_calls(ctx.scoped(None, seat), [record])
                return earlier
        return audited(ctx, record, lambda scoped: operation.handler(scoped, call), seat)

    def _after_failure(
        self, request: _Request, call: AwsCall[Any], failure: Exception
    ) -> msgspec.Struct:
        """A write with a clientToken that failed may have lost the race to another request
        with its token (the unique index refused its record, or the winner's change refused
        its own): once that one has committed, the loser is answered as its replay."""
        if request.claim is None or not isinstance(failure, ShareKeeperError):
            raise failure
        earlier = earlier_answer(self.edge.ctx, call, request.operation.name, request.claim)
        if earlier is None:
            raise failure
        return earlier

    def _whole(self, request: _Request) -> msgspec.Struct:
        call, answer = self._prepared(request)
        if answer is not None:
            return answer
        try:
            return self._execute(request, call, None)
        except Exception as failure:
            return self._after_failure(request, call, failure)

    async def _inline(self, request: _Request) -> msgspec.Struct:
        """On the event loop (SQLite): a write joins the turn's group commit and is answered
        once the group is committed, as Huawei's endpoints are."""
        call, answer = self._prepared(request)
        if answer is not None:
            return answer
        group = self.edge.ctx.group_commit
        if group is None:
            return self._execute(request, call, None)
        try:
            return await group.seated(lambda seat: self._execute(request, call, seat))
        except Exception as failure:
            return self._after_failure(request, call, failure)


@dataclass(slots=True)
class _Request:
    incoming: IncomingRequest
    access: Access
    request_id: str
    source: str
    operation: AwsOperation = field(init=False)
    service: str = ""  # the signed credential scope's
    claim: Claim | None = None


def _record(
    ctx: Context, caller: Caller, operation: AwsOperation, request_id: str, source: str
) -> AuditRecord:
    return AuditRecord(
        at=ctx.clock(),
        account_id=caller.account_id,
        access_key=caller.access_key,
        operation=f"aws:{operation.name}",
        request_id=request_id,
        source_address=source,
        outcome="200",
    )
