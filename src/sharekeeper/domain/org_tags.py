"""Tags on an organization's roots, OUs, accounts and policies (Huawei's Organizations tag
API), the contact details of a created account, and the record of a closed account. Tag keys
and values follow the same character rules as tags on shares (domain/tags.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import InvalidParameter, OrgInvalidParameter, OrgTagLimitExceeded
from sharekeeper.domain.tags import (
    Tag,
    TagQuery,
    matches,
    unique_tags,
    validate_key,
    validate_value,
)

# Huawei's quota page: at most 20 tags on a root, OU, account, SCP or tag policy.
MAX_TAGS_PER_RESOURCE = 20


class TagResourceType(StrEnum):
    """The ``resource_type`` path segment of the tag API, one per kind of tagged thing."""

    ROOTS = "organizations:roots"
    OUS = "organizations:ous"
    ACCOUNTS = "organizations:accounts"
    POLICIES = "organizations:policies"


# Not an API type: the tags an invitation carries, given to the account once it joins.
HANDSHAKE_TAGS = "organizations:handshakes"


def org_tags(pairs: Sequence[tuple[str, str]]) -> tuple[Tag, ...]:
    """Tags of one request, each key once, in the Organizations API's error shape."""
    try:
        return unique_tags(Tag(key, value) for key, value in pairs)
    except InvalidParameter as error:
        raise OrgInvalidParameter(error.message) from None


def org_tag_keys(pairs: Sequence[tuple[str, str | None]]) -> None:
    """Checks the keys (and values, where given) of a removal."""
    try:
        for key, value in pairs:
            validate_key(key)
            if value is not None:
                validate_value(value)
    except InvalidParameter as error:
        raise OrgInvalidParameter(error.message) from None


def require_tag_room(resource_id: str, have: set[str], adding: Sequence[Tag]) -> None:
    """A key already on the resource takes a new value; new keys must fit in the limit."""
    total = len(have | {t.key for t in adding})
    if total > MAX_TAGS_PER_RESOURCE:
        raise OrgTagLimitExceeded(resource_id, MAX_TAGS_PER_RESOURCE, len(have))


@dataclass(frozen=True, slots=True)
class TaggedResource:
    """A root, OU, account or policy as the resource-instances filter lists it."""

    id: str
    name: str
    tags: tuple[Tag, ...]

    @property
    def tag_map(self) -> dict[str, str]:
        return {t.key: t.value for t in self.tags}


_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
# Digits, with a leading + and hyphens allowed (``+86-138...``), as a phone number is written.
_PHONE = re.compile(r"\+?[0-9][0-9-]{3,31}")


@dataclass(frozen=True, slots=True)
class ContactDetails:
    """The email and phone an account was created with; either may be absent."""

    email: str | None = None
    mobile_phone: str | None = None

    def __post_init__(self) -> None:
        if self.email is not None and (
            len(self.email) > 64 or _EMAIL.fullmatch(self.email) is None
        ):
            raise OrgInvalidParameter("email must be an email address of at most 64 characters.")
        if self.mobile_phone is not None and _PHONE.fullmatch(self.mobile_phone) is None:
            raise OrgInvalidParameter(
                "phone must be 4 to 32 digits, optionally with a leading + and hyphens."
            )

    @property
    def given(self) -> bool:
        return self.email is not None or self.mobile_phone is not None


NO_CONTACTS = ContactDetails()


class CloseState(StrEnum):
    PENDING_CLOSURE = "pending_closure"
    SUSPENDED = "suspended"


@dataclass(frozen=True, slots=True)
class CloseAccountStatus:
    organization_id: str
    account_id: str
    state: CloseState
    created_at: Millis
    updated_at: Millis


def selects(query: TagQuery, resource: TaggedResource) -> bool:
    """Whether the resource-instances filter selects the resource: untagged ones only with
    ``without_any_tag`` (which makes ``tags`` ignored, as in Huawei's tag service); otherwise
    every tag filter (AND across keys, OR across one key's values); a ``resource_name`` match
    is a prefix of the name, or the exact name when empty; a match on another key selects
    nothing (the same rules as RAM's filter, docs/api.md)."""
    if query.matches_nothing:
        return False
    if query.without_any_tag:
        if resource.tags:
            return False
    elif not matches(query.tags, resource.tag_map):
        return False
    if query.name_match == "":
        return resource.name == ""
    return query.name_match is None or resource.name.startswith(query.name_match)
