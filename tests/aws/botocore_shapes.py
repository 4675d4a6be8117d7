"""Checks a boto3 answer against botocore's own service model: every required member, each
member's type, every enum value; a member the model does not know is an error too. Reused by
every test of AWS's wire API (docs/aws.md)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "long": (int,),
    "float": (float, int),
    "double": (float, int),
    "timestamp": (datetime,),
    "blob": (bytes,),
}


@cache
def operation(service: str, name: str) -> OperationModel:
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(name)


def problems(service: str, name: str, answer: dict[str, Any]) -> list[str]:
    """What in ``answer`` (boto3's, ResponseMetadata aside) the model does not allow."""
    output = operation(service, name).output_shape
    body = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    if output is None:
        return [] if not body else [f"{name} has no output, got {sorted(body)}"]
    return _check(output, body, name)


def _check(shape: Shape, value: Any, where: str) -> list[str]:
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return [f"{where}: expected a structure, got {type(value).__name__}"]
        found = [
            f"{where}.{m}: required, missing" for m in shape.required_members if m not in value
        ]
        for key, item in value.items():
            member = shape.members.get(key)
            if member is None:
                found.append(f"{where}.{key}: not a member of {shape.name}")
            else:
                found += _check(member, item, f"{where}.{key}")
        return found
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {type(value).__name__}"]
        return [
            p for i, item in enumerate(value) for p in _check(shape.member, item, f"{where}[{i}]")
        ]
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return [f"{where}: expected a map, got {type(value).__name__}"]
        return [p for k, v in value.items() for p in _check(shape.value, v, f"{where}[{k}]")]
    if shape.name == "policyDocumentType" and isinstance(value, dict):
        return []  # IAM's URL-encoded policy JSON, which botocore decodes into a dict
    allowed = _SCALARS[shape.type_name]
    if not isinstance(value, allowed) or (shape.type_name != "boolean" and isinstance(value, bool)):
        return [f"{where}: expected {shape.type_name}, got {type(value).__name__} {value!r}"]
    enum = getattr(shape, "enum", None)
    if enum and value not in enum:
        return [f"{where}: {value!r} is not one of {enum}"]
    return []


def valid(service: str, name: str, answer: dict[str, Any]) -> dict[str, Any]:
    """``answer``, asserted valid against the model."""
    found = problems(service, name, answer)
    assert not found, "\n".join(found)
    return answer
