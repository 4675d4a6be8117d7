"""The call sequences of terraform-provider-huaweicloud's RAM resources and data sources
(real-clients.md sections 1.2 to 1.6), through the Go-style client: what ``terraform apply``,
``plan``, ``import`` and ``destroy`` send, and what the provider reads back from each answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.clients.golang import GoClient, GoError

LIVE = ("associating", "associated")


@dataclass
class ShareConfig:
    """``resource "huaweicloud_ram_resource_share"``: the arguments a user writes."""

    name: str
    principals: list[str]
    resource_urns: list[str]
    description: str = ""
    allow_external_principals: bool = True
    permission_ids: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


def _ignore_empty(value: Any) -> Any:
    """utils.ValueIgnoreEmpty: "" and [] become nil (and RemoveNil drops them)."""
    return value if value not in ("", [], {}) else None


def _remove_nil(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def _tags(tags: dict[str, str]) -> list[dict[str, str]] | None:
    return [{"key": k, "value": v} for k, v in tags.items()] or None


class Provider:
    """One ``provider "huaweicloud"`` block: AK/SK and endpoints, no project_id, no domain_id."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, region: str) -> None:
        self.region = region
        # Start-up: the project from IAM (auth_url), the domain from IAM (a WARN if it fails).
        iam = GoClient(endpoint, access_key, secret_key)
        try:
            projects = iam.call("GET", "/v3/projects", query=f"name={region}")["projects"]
            self.project_id = projects[0]["id"]
            self.domain_id = iam.call("GET", "/v3/auth/domains")["domains"][0]["id"]
        finally:
            iam.close()
        # The RAM client carries the project, added after signing, on every call.
        self.ram = GoClient(endpoint, access_key, secret_key, project_id=self.project_id)

    def close(self) -> None:
        self.ram.close()

    def pages(
        self, method: str, path: str, key: str, body: dict[str, Any] | None = None, query: str = ""
    ) -> Iterator[dict[str, Any]]:
        """Items of every page, following page_info.next_marker (a string, never a number)."""
        marker = ""
        while True:
            if body is None:
                suffix = f"&marker={marker}" if marker else ""
                reply = self.ram.call(method, path, query=(query + suffix).lstrip("&"))
            else:
                reply = self.ram.call(
                    method, path, {**body, **({"marker": marker} if marker else {})}
                )
            yield from reply.get(key) or []
            marker = (reply.get("page_info") or {}).get("next_marker") or ""
            assert isinstance(marker, str)
            if not marker:
                return

    # huaweicloud_ram_resource_share

    def create_share(self, config: ShareConfig) -> str:
        body = _remove_nil(
            {
                "name": _ignore_empty(config.name),
                "description": _ignore_empty(config.description),
                "permission_ids": _ignore_empty(config.permission_ids),
                "principals": _ignore_empty(config.principals),
                "resource_urns": _ignore_empty(config.resource_urns),
                "tags": _tags(config.tags),
            }
        )
        if not config.allow_external_principals:
            body["allow_external_principals"] = False
        share_id: str = self.ram.call("POST", "/v1/resource-shares", body)["resource_share"]["id"]
        return share_id

    def read_share(self, share_id: str) -> dict[str, Any] | None:
        """The state Read sets, or None when the share is gone (404, none, or deleted)."""
        try:
            found = self.ram.call(
                "POST",
                "/v1/resource-shares/search",
                {"resource_share_ids": [share_id], "resource_owner": "self"},
            )["resource_shares"]
        except GoError as error:
            if error.status == 404:
                return None
            raise
        if not found:
            return None
        assert len(found) == 1, f"except retrieving one RAM share, but got {len(found)}"
        share = found[0]
        if share["status"] == "deleted":
            return None

        def associated(kind: str) -> list[str]:
            rows = self.pages(
                "POST",
                "/v1/resource-share-associations/search",
                "resource_share_associations",
                {"resource_share_ids": [share_id], "association_type": kind},
            )
            return [r["associated_entity"] for r in rows if r["status"] in LIVE]

        permissions = [
            p
            for p in self.pages(
                "GET",
                f"/v1/resource-shares/{share_id}/associated-permissions",
                "associated_permissions",
            )
            if p["status"] in LIVE
        ]
        return {
            "name": share["name"],
            "description": share["description"],
            "owning_account_id": share["owning_account_id"],
            "status": share["status"],
            "created_at": share["created_at"],
            "updated_at": share["updated_at"],
            "tags": {t["key"]: t["value"] for t in share.get("tags") or []},
            "allow_external_principals": share["allow_external_principals"],
            "resource_urns": sorted(associated("resource")),
            "principals": sorted(associated("principal")),
            "associated_permissions": [
                {k: p[k] for k in ("permission_id", "permission_name", "resource_type", "status")}
                for p in permissions
            ],
        }

    def update_share(self, share_id: str, old: ShareConfig, new: ShareConfig) -> None:
        if (old.name, old.description, old.allow_external_principals) != (
            new.name,
            new.description,
            new.allow_external_principals,
        ):
            self.ram.call(
                "PUT",
                f"/v1/resource-shares/{share_id}",
                _remove_nil(
                    {
                        "name": new.name,
                        "description": _ignore_empty(new.description),
                        "allow_external_principals": new.allow_external_principals,
                    }
                ),
            )
        if old.tags != new.tags:
            if old.tags:
                self.ram.call(
                    "POST", f"/v1/resource-shares/{share_id}/tags/delete", {"tags": _tags(old.tags)}
                )
            if new.tags:
                self.ram.call(
                    "POST", f"/v1/resource-shares/{share_id}/tags/create", {"tags": _tags(new.tags)}
                )
        if (old.principals, old.resource_urns) != (new.principals, new.resource_urns):
            gone = {
                "principals": [p for p in old.principals if p not in new.principals],
                "resource_urns": [u for u in old.resource_urns if u not in new.resource_urns],
            }
            added = {
                "principals": [p for p in new.principals if p not in old.principals],
                "resource_urns": [u for u in new.resource_urns if u not in old.resource_urns],
            }
            self.ram.call("POST", f"/v1/resource-shares/{share_id}/disassociate", gone)
            self.ram.call("POST", f"/v1/resource-shares/{share_id}/associate", added)

    def delete_share(self, share_id: str, config: ShareConfig) -> None:
        try:
            self.ram.call("DELETE", f"/v1/resource-shares/{share_id}")
        except GoError as error:
            if error.status != 400 or error.code != "ram.1102":
                raise
            everything = {"principals": config.principals, "resource_urns": config.resource_urns}
            self.ram.call("POST", f"/v1/resource-shares/{share_id}/disassociate", everything)
            self.ram.call("DELETE", f"/v1/resource-shares/{share_id}")

    # huaweicloud_ram_resource_share_accepter

    def answer_invitation(self, invitation_id: str, action: str) -> str:
        reply = self.ram.call("POST", f"/v1/resource-share-invitations/{invitation_id}/{action}")
        found: str = reply["resource_share_invitation"]["resource_share_invitation_id"]
        assert found, "unable to find the resource share invitation ID"
        return found

    # huaweicloud_ram_organization

    def set_organization_sharing(self, enabled: bool) -> str:
        action = "enable" if enabled else "disable"
        self.ram.call("POST", f"/v1/organization-share/{action}")
        return str(uuid.uuid4())

    def read_organization_sharing(self) -> bool:
        return bool(self.ram.call("GET", "/v1/organization-share").get("enabled", False))

    # huaweicloud_ram_resource_share_permission

    def create_share_permission(self, share_id: str, permission_id: str, replace: bool) -> str:
        self.ram.call(
            "POST",
            f"/v1/resource-shares/{share_id}/associate-permission",
            {"permission_id": permission_id, "replace": replace},
        )
        return f"{share_id}/{permission_id}"

    def read_share_permission(self, resource_id: str) -> dict[str, Any] | None:
        share_id, permission_id = resource_id.split("/")
        rows = self.pages(
            "GET",
            f"/v1/resource-shares/{share_id}/associated-permissions",
            "associated_permissions",
            query="limit=2000",
        )
        matching = [
            r for r in rows if r["permission_id"] == permission_id and r["status"] == "associated"
        ]
        return matching[0] if matching else None

    def delete_share_permission(self, resource_id: str) -> None:
        share_id, permission_id = resource_id.split("/")
        self.ram.call(
            "POST",
            f"/v1/resource-shares/{share_id}/disassociate-permission",
            {"permission_id": permission_id},
        )
