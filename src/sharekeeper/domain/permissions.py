"""The managed-permission catalogue: permissions, their versions, the default per resource type,
and the shareable resource types. Read-only in API v1; loaded once from ``catalogue.json``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import PermissionNotFound, ResourceTypeNotShareable

RAM_MANAGED = "RAM_MANAGED"
CUSTOMER_MANAGED = "CUSTOMER_MANAGED"
# Huawei leaves the catalogue status vocabulary open (spec 7.6); every v1 entry can be bound.
ATTACHABLE = "attachable"


@dataclass(frozen=True, slots=True)
class Permission:
    """One version of a managed permission."""

    id: str
    name: str
    resource_type: str
    version: int
    is_default_version: bool
    is_resource_type_default: bool
    content: str
    created_at: Millis
    updated_at: Millis
    permission_type: str = RAM_MANAGED
    status: str = ATTACHABLE

    @property
    def urn(self) -> str:
        return f"ram::system:permission:{self.name}"

    @property
    def actions(self) -> tuple[str, ...]:
        """The actions the permission's document allows, in its order: what a receiver is
        granted, shown before it accepts."""
        return allowed_actions(self.content)


def allowed_actions(content: str) -> tuple[str, ...]:
    """The ``Action`` entries of the ``Allow`` statements of a permission document (a policy
    of ``{"Statement": [{"Effect", "Action"}]}``); a document of another shape allows none
    that can be named, so none are listed."""
    try:
        document = json.loads(content)
    except ValueError:
        return ()
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    found: list[str] = []
    for statement in statements if isinstance(statements, list) else []:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        action = statement.get("Action", [])
        names = [action] if isinstance(action, str) else action
        for name in names if isinstance(names, list) else []:
            if isinstance(name, str) and name not in found:
                found.append(name)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class ResourceType:
    name: str
    allows_leaving: bool
    regions: tuple[str, ...]
    # Other spellings clients use (Terraform and Huawei's error sample say vpc:subnets).
    aliases: tuple[str, ...] = ()

    @property
    def service(self) -> str:
        """The cloud service the type belongs to: ``vpc`` of ``vpc:subnet``."""
        return self.name.partition(":")[0]


def _millis(text: str) -> Millis:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


class Catalogue:
    def __init__(
        self,
        types: Sequence[ResourceType],
        versions: Sequence[Permission],
        aws_regions: Sequence[str] = (),
    ) -> None:
        # AWS's regions, which a resource shared through AWS's wire API names (docs/aws.md):
        # a URN may name one for any type; Huawei's listing of types by region leaves them out.
        self.aws_regions = frozenset(aws_regions)
        self.types: dict[str, ResourceType] = {t.name: t for t in types}
        self._names = {name: t.name for t in types for name in (t.name, *t.aliases)}
        self._versions: dict[str, list[Permission]] = {}
        for p in versions:
            self._versions.setdefault(p.id, []).append(p)
        for vs in self._versions.values():
            vs.sort(key=lambda p: p.version)
        self._current = [
            next(v for v in vs if v.is_default_version) for vs in self._versions.values()
        ]
        self._default_for = {
            p.resource_type: p for p in self._current if p.is_resource_type_default
        }
        self.type_regions = [(region, t.name) for t in types for region in t.regions]

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Catalogue:
        # The regions a URN may name, listed once; a type names a subset, or is in every one.
        regions = tuple(data.get("regions", ()))
        types = [
            ResourceType(
                t["resource_type"],
                bool(t["allows_leaving"]),
                tuple(t.get("regions", regions)),
                tuple(t.get("aliases", ())),
            )
            for t in data["resource_types"]
        ]
        for t in types:
            if not set(t.regions) <= set(regions):
                raise ValueError(f"{t.name} names regions the catalogue does not list")
        versions: list[Permission] = []
        for p in data["permissions"]:
            updated = max(_millis(v["created_at"]) for v in p["versions"])
            for v in p["versions"]:
                versions.append(
                    Permission(
                        id=p["id"],
                        name=p["name"],
                        resource_type=p["resource_type"],
                        version=int(v["version"]),
                        is_default_version=v["version"] == p["default_version"],
                        is_resource_type_default=bool(p["is_resource_type_default"]),
                        content=v["content"],
                        created_at=_millis(v["created_at"]),
                        updated_at=updated,
                    )
                )
        return cls(types, versions, tuple(data.get("aws_regions", ())))

    @classmethod
    def packaged(cls) -> Catalogue:
        text = resources.files("sharekeeper.domain").joinpath("catalogue.json").read_text("utf-8")
        return cls.from_mapping(json.loads(text))

    def canonical(self, resource_type: str) -> str:
        """The catalogue's name for a type or one of its aliases; other names as they are (a
        filter on a type the catalogue lacks then matches nothing)."""
        return self._names.get(resource_type, resource_type)

    def spellings(self, resource_type: str) -> tuple[str, ...]:
        """Every name of the type (the catalogue's first, then its aliases); a type the
        catalogue lacks has only the name given."""
        found = self.types.get(self.canonical(resource_type))
        return (resource_type,) if found is None else (found.name, *found.aliases)

    def require_shareable(self, resource_type: str) -> ResourceType:
        found = self.types.get(self.canonical(resource_type))
        if found is None:
            raise ResourceTypeNotShareable(resource_type)
        return found

    def permissions(
        self, resource_type: str | None = None, permission_type: str | None = None
    ) -> list[Permission]:
        """The default version of every permission, filtered."""
        if resource_type is not None:
            resource_type = self.canonical(resource_type)
        return [
            p
            for p in self._current
            if (resource_type is None or p.resource_type == resource_type)
            and (permission_type in (None, "ALL") or p.permission_type == permission_type)
        ]

    def get(self, permission_id: str, version: int | None = None) -> Permission:
        versions = self._versions.get(permission_id)
        if versions is None:
            raise PermissionNotFound(permission_id)
        for p in versions:
            if (version is None and p.is_default_version) or p.version == version:
                return p
        raise PermissionNotFound(permission_id, version)

    def holds(self, permission_id: str) -> bool:
        return permission_id in self._versions

    def versions(self, permission_id: str) -> list[Permission]:
        if permission_id not in self._versions:
            raise PermissionNotFound(permission_id)
        return self._versions[permission_id]

    def default_for(self, resource_type: str) -> Permission | None:
        return self._default_for.get(self.canonical(resource_type))
