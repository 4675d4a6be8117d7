"""Huawei's OpenAPI files (kept in tests/data/oas) as JSON Schema validators."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import regex
from jsonschema import Draft7Validator, ValidationError, validators

OAS_DIR = Path(__file__).resolve().parent / "data" / "oas"


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    # Huawei's patterns use \p{L}, \p{Z}, \p{N}: the `regex` module understands them, `re` not.
    if isinstance(instance, str) and regex.search(pattern, instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# types-jsonschema leaves extend unannotated.
HuaweiValidator = validators.extend(Draft7Validator, {"pattern": _pattern})  # type: ignore[no-untyped-call]


def _without_known_flaws(components: dict[str, Any]) -> dict[str, Any]:
    """A share may have no description, yet the schema says minLength 1: we answer "" there
    (the one known flaw, named in the core issue)."""
    fixed = copy.deepcopy(components)
    share = fixed.setdefault("schemas", {}).get("ResourceShare")
    if share is not None:
        share["properties"]["description"].pop("minLength", None)
    return fixed


@cache
def success_validator(operation: str) -> tuple[int, Draft7Validator | None]:
    """The success status of the operation and a validator of its body (None: no body)."""
    document = json.loads((OAS_DIR / f"{operation}.json").read_text("utf-8"))
    (methods,) = document["paths"].values()
    (spec,) = methods.values()
    ((status, response),) = [(int(k), v) for k, v in spec["responses"].items() if k.startswith("2")]
    content = response.get("content", {}).get("application/json")
    if content is None:
        return status, None
    schema = {
        "$ref": content["schema"]["$ref"],
        "components": _without_known_flaws(document["components"]),
    }
    return status, HuaweiValidator(schema)


def check(operation: str, status: int, body: bytes | str | None) -> None:
    expected_status, validator = success_validator(operation)
    assert status == expected_status, f"{operation}: status {status}, OAS says {expected_status}"
    if validator is None:
        assert not body, f"{operation}: Huawei answers no body, we sent {body!r}"
        return
    errors = sorted(validator.iter_errors(json.loads(body or "{}")), key=str)
    assert not errors, f"{operation}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )
