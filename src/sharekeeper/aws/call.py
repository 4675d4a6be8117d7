"""One AWS request as a handler sees it, and what every handler formats the same way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

from sharekeeper.aws.accounts import AccountIds
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.paging import DEFAULT_LIMIT, PageRequest

B = TypeVar("B", covariant=True)
# Every share and permission is a standard one (none is created from a resource policy), and
# every resource type served through AWS's API is regional.
STANDARD = "STANDARD"
REGIONAL = "REGIONAL"


@dataclass(frozen=True, slots=True)
class AwsCall(Generic[B]):
    """One AWS request as a handler sees it: authenticated, its body decoded as the handler
    declares (``AwsCall[Body]``), the region the client signed for, the edge's id pairs."""

    caller: Caller
    body: B
    region: str
    ids: AccountIds


def seconds(millis: int) -> float:
    return millis / 1000


def iso_time(millis: int) -> str:
    """A timestamp as awsQuery's XML answers write it (ISO 8601, UTC, whole seconds)."""
    return datetime.fromtimestamp(seconds(millis), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def page_of(max_results: int | None, next_token: str | None) -> PageRequest:
    return PageRequest(max_results or DEFAULT_LIMIT, next_token)
