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


# --- Organizations: tags, the organization, OUs, accounts and the small data sources
# (branch tags; huaweicloud/services/organizations/*.go, tf-organizations-calls.md 2.1-2.4,
# 2.10-2.12) ---

ORGANIZATION_GONE = "Organizations.1015"
TAG_PAGE = 200


def org_gone(error: GoError, *codes: str) -> bool:
    """CheckDeletedDiag after ConvertExpected401ErrInto404Err: a 404, or a 401/400 whose
    error_code the resource names (1015, the organization not found, everywhere)."""
    if error.status == 404:
        return True
    return error.status in (400, 401) and error.code in (ORGANIZATION_GONE, *codes)


def changed(config: dict[str, Any] | None, state: dict[str, Any] | None) -> bool:
    """Whether a plan shows an Optional+Computed map (tags, root_tags) as changing: when Read
    could not set it ("known after apply"), or when the configuration sets another value."""
    if state is None:
        return True
    return bool(config) and config != state


@dataclass
class AccountConfig:
    """``resource "huaweicloud_organizations_account"``."""

    name: str
    description: str = ""
    parent_id: str = ""
    email: str = ""
    phone: str = ""
    tags: dict[str, str] = field(default_factory=dict)


class OrgProvider:
    """The provider's organizations client: global, X-Project-Id sent, hand-written calls."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, region: str) -> None:
        provider = Provider(endpoint, access_key, secret_key, region)
        provider.close()
        self.go = GoClient(endpoint, access_key, secret_key, project_id=provider.project_id)

    def close(self) -> None:
        self.go.close()

    # common.go: getTags, addTags, deleteTags, updateTags

    def get_tags(self, kind: str, resource_id: str) -> dict[str, str] | None:
        """P1 with a short-page stop; any failure is only a [WARN]: None (left unset)."""
        found: dict[str, str] = {}
        marker = ""
        for _ in range(50):  # bounded
            try:
                page = self.go.call(
                    "GET",
                    f"/v1/organizations/{kind}/{resource_id}/tags",
                    query=f"limit={TAG_PAGE}{marker}",
                )
            except GoError:
                return None
            tags = page.get("tags") or []
            found |= {t["key"]: t["value"] for t in tags}
            following = (page.get("page_info") or {}).get("next_marker")
            if len(tags) < TAG_PAGE or not following:
                return found
            marker = f"&marker={following}"
        raise AssertionError("tag paging never ended")

    def update_tags(
        self, kind: str, resource_id: str, old: dict[str, str], new: dict[str, str]
    ) -> None:
        base = f"/v1/organizations/{kind}/{resource_id}/tags"
        if old:
            self.go.call("POST", base + "/delete", {"tags": _tags(old)})
        if new:
            self.go.call("POST", base + "/create", {"tags": _tags(new)})

    # huaweicloud_organizations_organization (R1) and its data source (D1)

    def create_organization(self, root_tags: dict[str, str]) -> str:
        reply = self.go.call("POST", "/v1/organizations", json_type=True)
        organization_id: str = reply["organization"]["id"]
        if root_tags:
            self.update_tags("organizations:roots", self.root()["id"], {}, root_tags)
        return organization_id

    def root(self) -> dict[str, Any]:
        roots: list[dict[str, Any]] = self.go.call("GET", "/v1/organizations/roots")["roots"]
        return roots[0]

    def read_organization(self) -> dict[str, Any] | None:
        try:
            organization = self.go.call("GET", "/v1/organizations", json_type=True)
        except GoError as error:
            if org_gone(error):
                return None
            raise
        organization = organization["organization"]
        root = self.root()
        return {
            "id": organization["id"],
            "urn": organization["urn"],
            "master_account_id": organization["management_account_id"],
            "master_account_name": organization["management_account_name"],
            "created_at": organization["created_at"],
            "root_id": root["id"],
            "root_name": root["name"],
            "root_urn": root["urn"],
            "enabled_policy_types": [
                p["type"] for p in root["policy_types"] if p["status"] == "enabled"
            ],
            "root_tags": self.get_tags("organizations:roots", root["id"]),
        }

    def update_organization(self, old: dict[str, str], new: dict[str, str]) -> None:
        root_id = self.root()["id"]
        if old != new:
            self.update_tags("organizations:roots", root_id, old, new)

    # huaweicloud_organizations_organizational_unit (R2)

    def create_ou(self, name: str, parent_id: str, tags: dict[str, str]) -> str:
        body = {"name": name, "parent_id": parent_id, "tags": _tags(tags)}
        ou_id: str = self.go.call("POST", "/v1/organizations/organizational-units", body)[
            "organizational_unit"
        ]["id"]
        return ou_id

    def read_ou(self, ou_id: str) -> dict[str, Any] | None:
        try:
            reply = self.go.call("GET", f"/v1/organizations/organizational-units/{ou_id}")
        except GoError as error:
            if org_gone(error):
                return None
            raise
        ou = reply.get("organizational_unit")
        if ou is None:
            return None
        return {
            "name": ou["name"],
            "urn": ou["urn"],
            "created_at": ou["created_at"],
            "tags": self.get_tags("organizations:ous", ou_id),
        }

    def update_ou(
        self, ou_id: str, old: tuple[str, dict[str, str]], new: tuple[str, dict[str, str]]
    ) -> None:
        if old[0] != new[0]:
            self.go.call(
                "PATCH", f"/v1/organizations/organizational-units/{ou_id}", {"name": new[0]}
            )
        if old[1] != new[1]:
            self.update_tags("organizations:ous", ou_id, old[1], new[1])

    # huaweicloud_organizations_account (R3)

    def create_account(self, config: AccountConfig) -> str:
        body = _remove_nil(
            {
                "name": config.name,
                "email": _ignore_empty(config.email),
                "phone": _ignore_empty(config.phone),
                "description": _ignore_empty(config.description),
                "tags": _tags(config.tags),
            }
        )
        version = "v1" if config.email or config.phone else "v2"
        created = self.go.call("POST", f"/{version}/organizations/accounts", body)
        status_id = created["create_account_status"]["id"]
        assert status_id, "unable to find the create account status ID"
        status = self.go.call(
            "GET", f"/v1/organizations/create-account-status/{status_id}", json_type=True
        )["create_account_status"]
        # The newest refresh: anything but succeeded or failed is an "unexpected state".
        assert status["state"] == "succeeded", status
        account_id: str = status["account_id"]
        if config.parent_id:
            current = self.parent_of(account_id)
            if current != config.parent_id:
                self.move(account_id, current, config.parent_id)
        return account_id

    def parent_of(self, account_id: str) -> str:
        entities = self.go.call("GET", "/v1/organizations/entities", query=f"child_id={account_id}")
        parent: str = entities["entities"][0]["id"]
        return parent

    def move(self, account_id: str, source: str, destination: str) -> None:
        body = {"source_parent_id": source, "destination_parent_id": destination}
        self.go.call("POST", f"/v1/organizations/accounts/{account_id}/move", body)

    def read_account(self, account_id: str) -> dict[str, Any] | None:
        try:
            account = self.go.call(
                "GET",
                f"/v1/organizations/accounts/{account_id}",
                query="with_register_contact_info=true",
                json_type=True,
            )["account"]
        except GoError as error:
            if org_gone(error):
                return None
            raise
        if account.get("status", "") in ("", "pending_closure", "suspended"):
            return None
        return {
            "name": account["name"],
            "description": account.get("description", ""),
            "email": account.get("email", ""),
            "phone": account.get("mobile_phone", ""),
            "intl_number_prefix": account.get("intl_number_prefix", ""),
            "urn": account["urn"],
            "joined_at": account["joined_at"],
            "joined_method": account["join_method"],
            "parent_id": self.parent_of(account_id),
            "tags": self.get_tags("organizations:accounts", account_id),
        }

    def update_account(self, account_id: str, old: AccountConfig, new: AccountConfig) -> None:
        if old.parent_id != new.parent_id:
            self.move(account_id, old.parent_id, new.parent_id)
        if old.description != new.description:
            self.go.call(
                "PATCH",
                f"/v1/organizations/accounts/{account_id}",
                {"description": new.description},
            )
        if old.tags != new.tags:
            self.update_tags("organizations:accounts", account_id, old.tags, new.tags)

    def delete_account(self, account_id: str) -> None:
        try:
            self.go.call("POST", f"/v1/organizations/accounts/{account_id}/close")
        except GoError as error:
            if not org_gone(error, "Organizations.1325"):
                raise

    # Data sources D8, D9, D11, D12, D16

    def services(self) -> list[str]:
        found: list[str] = (
            self.go.call("GET", "/v1/organizations/services", json_type=True).get("services") or []
        )
        return found

    def tag_policy_services(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (
            self.go.call("GET", "/v1/organizations/tag-policy-services", json_type=True).get(
                "services"
            )
            or []
        )
        return found

    def resource_tags(self, kind: str) -> list[dict[str, Any]]:
        tags = self.go.call("GET", f"/v1/organizations/{kind}/tags", json_type=True)
        return [
            {"key": t["key"], "values": [str(v) for v in t["values"]]}
            for t in tags.get("tags") or []
        ]

    def resource_instances(self, kind: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """P4: limit=100 and offset, until a page holds fewer than 100."""
        found: list[dict[str, Any]] = []
        for page in range(100):  # bounded
            reply = self.go.call(
                "POST",
                f"/v1/organizations/{kind}/resource-instances/filter",
                _remove_nil(body),
                query=f"limit=100&offset={page * 100}",
            )
            resources = reply.get("resources") or []
            found += [
                {
                    "resource_id": r["resource_id"],
                    "resource_name": r.get("resource_name", ""),
                    "tags": {t["key"]: t["value"] for t in r.get("tags") or []},
                }
                for r in resources
            ]
            if len(resources) < 100:
                return found
        raise AssertionError("resource paging never ended")

    def close_account_statuses(self, states: list[str]) -> list[dict[str, Any]]:
        query = "&".join(f"states={s}" for s in states)
        reply = self.go.call(
            "GET", "/v1/organizations/close-account-status", query=query, json_type=True
        )
        found: list[dict[str, Any]] = reply.get("close_account_statuses") or []
        return found
