"""A replacement of one permission by another on every share of an owner that binds it (AWS
RAM's ReplacePermissionAssociations), and its work record."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.permissions import Permission


class WorkStatus(StrEnum):
    # ShareKeeper replaces in the request's own transaction, so a record it keeps is always
    # COMPLETED (AWS's IN_PROGRESS and FAILED belong to its asynchronous work).
    COMPLETED = "COMPLETED"


@dataclass(frozen=True, slots=True)
class ReplacementWork:
    id: str
    owner_account_id: str
    from_permission_id: str
    from_version: int | None  # None: every version of it
    to_permission_id: str
    to_version: int
    status: WorkStatus
    replaced: int  # how many shares it changed
    created_at: Millis
    updated_at: Millis


def check_replacement(source: Permission, target: Permission) -> None:
    """A share binds one permission per resource type: the new one must be of the same type
    (it may be the same permission: its shares then move to its default version)."""
    if source.resource_type != target.resource_type:
        raise InvalidParameter(
            f"The permission {target.name} is for {target.resource_type}, not for "
            f"{source.resource_type}: a replacement keeps the resource type."
        )
