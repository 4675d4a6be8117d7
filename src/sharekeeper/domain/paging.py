"""Page requests and pages. A marker is opaque outside the component that issued it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sharekeeper.domain.errors import InvalidParameter

T = TypeVar("T")

MAX_LIMIT = 2000
# Huawei's current API pages give 2000 as the default page size (spec section 3); a client
# that never pages then sees what it would see against Huawei.
DEFAULT_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    marker: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidParameter(f"limit must be between 1 and {MAX_LIMIT}.")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_marker: str | None = None


def decode_position(marker: str | None) -> int:
    """A digit-string marker as a non-negative integer that fits a 64-bit column."""
    if marker is None:
        return 0
    if not marker.isascii() or not marker.isdigit() or len(marker) > 18:
        raise InvalidParameter(f"marker {marker[:64]!r} is not a marker this service issued.")
    return int(marker)


def page_of_sequence(items: Sequence[T], request: PageRequest) -> Page[T]:
    """Pages an in-memory sequence (the permission catalogue); the marker is a position."""
    start = decode_position(request.marker)
    chunk = items[start : start + request.limit]
    end = start + len(chunk)
    return Page(chunk, str(end) if end < len(items) else None)
