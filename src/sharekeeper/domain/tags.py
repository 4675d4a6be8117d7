"""Tags on resource shares: value objects, Huawei's character rules and the tag-filter match."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sharekeeper.domain.errors import InvalidParameter

_KEY_EXTRA = frozenset("_.:=+-@")
_VALUE_EXTRA = _KEY_EXTRA | {"/"}


def _allowed(char: str, extra: frozenset[str]) -> bool:
    # Huawei's patterns use \p{L}, \p{Z} and \p{N}: letters, separators and numbers.
    return char in extra or unicodedata.category(char)[0] in "LZN"


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str

    def __post_init__(self) -> None:
        validate_key(self.key)
        validate_value(self.value)

    @classmethod
    def stored(cls, key: str, value: str) -> Tag:
        """A tag read back from storage, validated when it was written: checking every
        character of every tag again was a third of the cost of a tag search."""
        tag = object.__new__(cls)
        object.__setattr__(tag, "key", key)
        object.__setattr__(tag, "value", value)
        return tag


class TagLine(NamedTuple):
    """A tag as a listing shows it (``ShareLine``): read back as stored, validated when it
    was written, so nothing is checked or built per character."""

    key: str
    value: str


def validate_key(key: str) -> None:
    if not 1 <= len(key) <= 128:
        raise InvalidParameter(f"Tag key {key!r} must have 1 to 128 characters.")
    if key != key.strip() or key.startswith("_sys_"):
        raise InvalidParameter(
            f"Tag key {key!r} must not start or end with white space nor start with _sys_."
        )
    if not all(_allowed(c, _KEY_EXTRA) for c in key):
        raise InvalidParameter(f"Tag key {key!r} may hold only letters, digits, spaces and _.:=+-@")


def validate_value(value: str) -> None:
    if len(value) > 255:
        raise InvalidParameter(f"Tag value {value[:32]!r}... is longer than 255 characters.")
    if not all(_allowed(c, _VALUE_EXTRA) for c in value):
        raise InvalidParameter(
            f"Tag value {value!r} may hold only letters, digits, spaces and _.:/=+-@"
        )


def unique_tags(tags: Iterable[Tag]) -> tuple[Tag, ...]:
    """Tags of one request: each key at most once (how many a share may hold is a quota)."""
    result = tuple(tags)
    keys = [t.key for t in result]
    if len(set(keys)) != len(keys):
        raise InvalidParameter("Tag keys must be unique within a request.")
    return result


@dataclass(frozen=True, slots=True)
class TagFilter:
    """Matches shares that carry ``key`` with one of ``values`` (any value when empty)."""

    key: str
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        validate_key(self.key)
        for value in self.values:
            validate_value(value)


def matches(filters: Sequence[TagFilter], tags: Mapping[str, str]) -> bool:
    """AND across filters (keys), OR across the values of one filter."""
    for f in filters:
        if f.key not in tags:
            return False
        if f.values and tags[f.key] not in f.values:
            return False
    return True


MATCHABLE_KEYS = ("resource_name",)
# The most resources one filter call answers, in RAM's and in Organizations' tag APIs alike.
MAX_FILTER_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class TagQuery:
    """The tag query over one's own shares (resource-instances filter and count).

    ``without_any_tag`` selects untagged shares and, as in Huawei's tag service, makes ``tags``
    ignored. ``name_match`` is the ``resource_name`` match: a non-empty value is a prefix, an
    empty one an exact match. ``matches_nothing``: a match on a field shares do not have (any
    key but ``resource_name``), which no share satisfies; Terraform's own acceptance tests send
    one and expect an answer, not an error (docs/api.md).
    """

    tags: tuple[TagFilter, ...] = ()
    without_any_tag: bool = False
    name_match: str | None = None
    matches_nothing: bool = False


def read_matches(matches: Sequence[tuple[str, str]]) -> tuple[str | None, bool]:
    """The ``resource_name`` match value, and whether another key makes the query match
    nothing."""
    keys = [key for key, _ in matches]
    if len(set(keys)) != len(keys):
        raise InvalidParameter("Each matches key may be given once.")
    names = [value for key, value in matches if key in MATCHABLE_KEYS]
    return (names[0] if names else None), len(names) != len(keys)


def tag_filters(filters: Sequence[TagFilter]) -> tuple[TagFilter, ...]:
    keys = [f.key for f in filters]
    if len(set(keys)) != len(keys):
        raise InvalidParameter("Each tag key may be filtered once.")
    return tuple(filters)
