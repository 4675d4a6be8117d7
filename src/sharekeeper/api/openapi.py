"""The OpenAPI 3.1 document, generated from the route table and the msgspec wire types, so it
cannot drift from what the server enforces."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import msgspec

from sharekeeper import __version__
from sharekeeper.api.http.endpoint import Operation
from sharekeeper.api.routes import OPERATIONS
from sharekeeper.api.schemas import ErrorReply

_REF = "#/components/schemas/{name}"
_PATH_ID = {"type": "string", "minLength": 1, "maxLength": 36, "pattern": "^[A-Za-z0-9_-]+$"}
_REQUEST_ID = {
    "X-Request-Id": {
        "description": "Unique id of this request; quote it when reporting a problem.",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
    }
}


_SHARE_ID = {"resource_share_id": "$response.body#/resource_share/id"}
_FIRST_INVITATION = {
    "resource_share_invitation_id": (
        "$response.body#/resource_share_invitations/0/resource_share_invitation_id"
    )
}
# Where one operation's answer feeds the next: clients and stateful fuzzing follow these.
_LINKS: dict[str, dict[str, dict[str, str]]] = {
    "CreateResourceShare": {
        name: _SHARE_ID
        for name in (
            "UpdateResourceShare",
            "DeleteResourceShare",
            "AssociateResourceShare",
            "DisassociateResourceShare",
            "AssociateResourceSharePermission",
            "DisassociateResourceSharePermission",
            "ListResourceSharePermissions",
            "BatchCreateResourceShareTags",
            "BatchDeleteResourceShareTags",
        )
    },
    "SearchResourceShareInvitation": {
        "AcceptResourceShareInvitation": _FIRST_INVITATION,
        "RejectResourceShareInvitation": _FIRST_INVITATION,
    },
}


def _types() -> list[type[msgspec.Struct]]:
    found: list[type[msgspec.Struct]] = [ErrorReply]
    for op in OPERATIONS:
        found += [t for t in (op.body, op.query, op.reply) if t is not None and t not in found]
    return found


def _query_parameters(kind: type[msgspec.Struct], components: dict[str, Any]) -> list[Any]:
    properties = components[kind.__name__]["properties"]
    return [
        {
            "name": field.encode_name,
            "in": "query",
            "required": field.required,
            "schema": properties[field.encode_name],
        }
        for field in msgspec.structs.fields(kind)
    ]


def _operation(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _PATH_ID}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query, components)
    success: dict[str, Any] = {"description": "Success.", "headers": _REQUEST_ID}
    links = _LINKS.get(op.name)
    if links:
        success["links"] = {
            target: {"operationId": target, "parameters": parameters}
            for target, parameters in links.items()
        }
    if op.reply is not None:
        success["content"] = {
            "application/json": {"schema": {"$ref": _REF.format(name=op.reply.__name__)}}
        }
    spec: dict[str, Any] = {
        "operationId": op.name,
        "parameters": parameters,
        "responses": {
            str(op.status): success,
            "default": {
                "description": "An error in Huawei's shape.",
                "headers": _REQUEST_ID,
                "content": {
                    "application/json": {"schema": {"$ref": _REF.format(name="ErrorReply")}}
                },
            },
        },
    }
    if op.body is not None:
        # An empty body is read as {}: the body is required only where a field is.
        required = any(f.required for f in msgspec.structs.fields(op.body))
        spec["requestBody"] = {
            "required": required,
            "content": {
                "application/json": {"schema": {"$ref": _REF.format(name=op.body.__name__)}}
            },
        }
    return spec


@cache
def document() -> dict[str, Any]:
    _, components = msgspec.json.schema_components(_types(), ref_template=_REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ShareKeeper (Huawei Cloud RAM API v1)",
            "version": __version__,
            "description": "Every /v1 operation is signed with SDK-HMAC-SHA256, as the "
            "official Huawei SDK signs it; see docs/api.md.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "sdkHmacSha256": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": "SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=...",
                }
            },
        },
        "security": [{"sdkHmacSha256": []}],
    }
