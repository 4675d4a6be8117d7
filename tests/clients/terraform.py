"""The call sequences of terraform-provider-huaweicloud's RAM resources and data sources
(real-clients.md sections 1.2 to 1.6), through the Go-style client: what ``terraform apply``,
``plan``, ``import`` and ``destroy`` send, and what the provider reads back from each answer."""

from __future__ import annotations

import json
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


# Organizations (huaweicloud/services/organizations/*.go): the helpers every resource shares
# (gone, ListRoots, getTags, MarkerPager), then delegated administrators (R9, D17) and the
# organization data source (D1) (tf-organizations-calls.md 2.8, 2.12).

ORGANIZATION_GONE = "Organizations.1015"
DELEGATED = "/v1/organizations/delegated-administrators"
TAG_PAGE = 200


def org_gone(error: GoError, *codes: str) -> bool:
    """CheckDeletedDiag after ConvertExpected401ErrInto404Err: a 404, or a 401/400 whose
    error_code the resource names (1015, the organization not found, everywhere)."""
    if error.status == 404:
        return True
    return error.status in (400, 401) and error.code in (ORGANIZATION_GONE, *codes)


def list_roots(go: GoClient) -> list[dict[str, Any]]:
    """common.go getRoot: ListRoots with Content-Type: application/json and no body."""
    roots: list[dict[str, Any]] = go.call("GET", "/v1/organizations/roots", json_type=True)["roots"]
    return roots


def get_tags(go: GoClient, kind: str, resource_id: str) -> dict[str, str] | None:
    """common.go getTags: P1 with a short-page stop; any failure is only a [WARN], and the
    attribute stays unset (None)."""
    found: dict[str, str] = {}
    marker = ""
    for _ in range(50):  # bounded
        try:
            page = go.call(
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


def marker_pager(go: GoClient, path: str, key: str, query: str = "") -> list[dict[str, Any]]:
    """P2, httphelper.MarkerPager: no limit; stops on an empty list (checked before the page
    is used) or a missing next_marker, else the same URL with marker=<next_marker>."""
    found: list[dict[str, Any]] = []
    marker = ""
    for _ in range(100):  # bounded
        suffix = f"marker={marker}" if marker else ""
        page = go.call(
            "GET", path, query="&".join(p for p in (query, suffix) if p), httphelper=True
        )
        items = page.get(key) or []
        if not items:
            return found
        found += items
        marker = (page.get("page_info") or {}).get("next_marker") or ""
        if not marker:
            return found
    raise AssertionError("paging never ended")


def _marker_pages(go: GoClient, path: str, key: str, query: str) -> list[dict[str, Any]]:
    """The hand loop without ``limit`` (P1): ``query``, then ``&marker=<next_marker>`` (or
    ``?marker=`` with no query) until next_marker is empty or missing."""
    found: list[dict[str, Any]] = []
    marker = ""
    for _ in range(100):  # bounded
        suffix = f"marker={marker}" if marker else ""
        page = go.call("GET", path, query="&".join(p for p in (query, suffix) if p))
        found += page.get(key) or []
        marker = (page.get("page_info") or {}).get("next_marker") or ""
        if not marker:
            return found
    raise AssertionError("paging never ended")


class DelegatedAdministrator:
    """``resource "huaweicloud_organizations_delegated_administrator"``: account_id and
    service_principal (both Required, ForceNew); ID ``<account_id>/<service_principal>``."""

    def __init__(self, go: GoClient) -> None:
        self.go = go

    def create(self, account_id: str, service_principal: str) -> str:
        body = {"account_id": account_id, "service_principal": service_principal}
        self.go.call("POST", DELEGATED + "/register", body)
        return f"{account_id}/{service_principal}"

    def read(self, resource_id: str) -> dict[str, str] | None:
        """The state Read sets, or None when gone (absent from the list, 401 1015, 404)."""
        account_id, service_principal = resource_id.split("/", 1)
        try:
            listed = _marker_pages(
                self.go,
                DELEGATED,
                "delegated_administrators",
                f"service_principal={service_principal}",
            )
        except GoError as error:
            if org_gone(error):
                return None
            raise
        found = [a for a in listed if a["account_id"] == account_id]
        if not found:
            return None
        return {"account_id": found[0]["account_id"], "service_principal": service_principal}

    def delete(self, resource_id: str) -> None:
        """400 Organizations.1500 (not found), 401 1015 and 404 are "already gone"."""
        account_id, service_principal = resource_id.split("/", 1)
        body = {"account_id": account_id, "service_principal": service_principal}
        try:
            self.go.call("POST", DELEGATED + "/deregister", body)
        except GoError as error:
            if not org_gone(error, "Organizations.1500"):
                raise


def delegated_services(go: GoClient, account_id: str) -> list[dict[str, str]]:
    """``data "huaweicloud_organizations_delegated_services"``: ``?marker=`` paging."""
    path = f"/v1/organizations/accounts/{account_id}/delegated-services"
    return [
        {
            "service_principal": s["service_principal"],
            "delegation_enabled_at": s["delegation_enabled_at"],
        }
        for s in _marker_pages(go, path, "delegated_services", "")
    ]


def organization_data_source(go: GoClient) -> dict[str, Any]:
    """``data "huaweicloud_organizations_organization"`` and R1's read: ShowOrganization and
    ListRoots, then the root's tags (only a warning when that fails: None)."""
    organization = go.call("GET", "/v1/organizations", json_type=True)["organization"]
    assert organization["id"], "the organization ID is empty"
    root = list_roots(go)[0]
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
            p["type"] for p in root.get("policy_types") or [] if p["status"] == "enabled"
        ],
        "root_tags": get_tags(go, "organizations:roots", root["id"]),
    }


# -- Organizations policies (huaweicloud/services/organizations/*policy*.go) ------------------
# R1's enabled_policy_types, R10 policy, R11 policy_attach, R12 dry_run_policy, R13
# dry_run_policy_entity_attach, R14 policy_dry_run_configuration; data sources D4 policies, D5
# policy_attached_entities, D6 effective_policies, D18 dry_run_policies, D19
# dry_run_policy_attached_entities. The sequences and what each reads back are those of the
# newest provider files (file ids in the spec's section 2.6 and 2.7).

POLLS = 10  # the provider polls for minutes, once a second; ShareKeeper switches at once


@dataclass
class PolicyConfig:
    """``resource "huaweicloud_organizations_policy"`` (or ``..._dry_run_policy``)."""

    name: str
    content: str
    type: str
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class DryRunConfig:
    """``resource "huaweicloud_organizations_policy_dry_run_configuration"``."""

    root_id: str
    policy_type: str = "service_control_policy"
    status: str = ""
    bucket_name: str = ""
    region_id: str = ""
    bucket_prefix: str = ""
    agency_name: str = ""


def json_equal(left: str, right: str) -> bool:
    """The provider's diff suppression of ``content``: equal once parsed."""
    return bool(json.loads(left) == json.loads(right))


class PolicyResources:
    """The provider's organizations client (global, X-Project-Id after signing) replaying the
    policy resources and data sources."""

    def __init__(self, go: GoClient) -> None:
        self.go = go

    # R1's enabled_policy_types, and its read

    def roots(self) -> list[dict[str, Any]]:
        return list_roots(self.go)

    def enabled_policy_types(self) -> list[str]:
        """roots|[0].policy_types[?status=='enabled'].type"""
        return [t["type"] for t in self.roots()[0]["policy_types"] if t["status"] == "enabled"]

    def set_policy_type(self, root_id: str, policy_type: str, enabled: bool) -> int:
        """POST enable|disable, then poll ListRoots for the status; the number of polls."""
        action, wanted = ("enable", "enabled") if enabled else ("disable", "disabled")
        body = {"policy_type": policy_type, "root_id": root_id}
        self.go.call("POST", f"/v1/organizations/policies/{action}", body)
        for polls in range(1, POLLS + 1):
            types = self.roots()[0]["policy_types"]
            status = [t["status"] for t in types if t["type"] == policy_type]
            if status[:1] == [wanted]:
                return polls
        raise AssertionError(f"{policy_type} never became {wanted}")

    def update_policy_types(self, root_id: str, old: set[str], new: set[str]) -> None:
        for added in sorted(new - old):
            self.set_policy_type(root_id, added, True)
        for removed in sorted(old - new):
            self.set_policy_type(root_id, removed, False)

    # R10 huaweicloud_organizations_policy and R12 huaweicloud_organizations_dry_run_policy

    def create_policy(self, config: PolicyConfig, dry_run: bool = False) -> str:
        body: dict[str, Any] = {"name": config.name, "content": config.content, "type": config.type}
        if dry_run or config.description:  # the dry-run resource always sends it
            body["description"] = config.description
        if config.tags:
            body["tags"] = _tags(config.tags)
        path = "/v1/organizations/dry-run-policies" if dry_run else "/v1/organizations/policies"
        policy_id: str = self.go.call("POST", path, body)["policy"]["policy_summary"]["id"]
        assert policy_id, "unable to find the policy ID"
        return policy_id

    def read_policy(self, policy_id: str, dry_run: bool = False) -> dict[str, Any] | None:
        try:
            policy = self.go.call("GET", self._policy_path(policy_id, dry_run))["policy"]
        except GoError as error:
            if org_gone(error):
                return None
            raise
        summary = policy["policy_summary"]
        state = {
            "name": summary["name"],
            "content": policy["content"],
            "type": summary["type"],
            "description": summary["description"],
            "urn": summary["urn"],
            "is_builtin": summary["is_builtin"],
        }
        state["tags"] = get_tags(self.go, "organizations:policies", policy_id)
        return state

    def update_policy(
        self, policy_id: str, old: PolicyConfig, new: PolicyConfig, dry_run: bool = False
    ) -> None:
        if (old.name, old.content, old.description) != (new.name, new.content, new.description):
            body = {"name": new.name, "content": new.content, "description": new.description}
            if not dry_run:  # the policy resource leaves out an empty name or content
                body = {k: v for k, v in body.items() if v or k == "description"}
            self.go.call("PATCH", self._policy_path(policy_id, dry_run), body)
        if old.tags != new.tags:
            path = f"/v1/organizations/organizations:policies/{policy_id}/tags"
            if old.tags:
                self.go.call("POST", path + "/delete", {"tags": _tags(old.tags)})
            if new.tags:
                self.go.call("POST", path + "/create", {"tags": _tags(new.tags)})

    def delete_policy(self, policy_id: str, dry_run: bool = False) -> bool:
        """False when the policy was already gone (the provider's CheckDeletedDiag)."""
        try:
            self.go.call("DELETE", self._policy_path(policy_id, dry_run))
        except GoError as error:
            if org_gone(error):
                return False
            raise
        return True

    @staticmethod
    def plan_changes(config: PolicyConfig, state: dict[str, Any] | None) -> list[str]:
        """The attributes a plan would change: all of them once the resource is gone;
        ``content`` compared JSON-equivalently; ``tags`` (Optional+Computed) as read, and a
        tag read that failed (None) leaves "known after apply": a change."""
        if state is None:
            return ["(create)"]
        changed = [
            name for name in ("name", "type", "description") if getattr(config, name) != state[name]
        ]
        if not json_equal(config.content, state["content"]):
            changed.append("content")
        if state["tags"] != config.tags:
            changed.append("tags")
        return changed

    # R11 huaweicloud_organizations_policy_attach, R13 ..._dry_run_policy_entity_attach

    def attach(self, policy_id: str, entity_id: str, dry_run: bool = False) -> str:
        path = self._policy_path(policy_id, dry_run) + "/attach"
        self.go.call("POST", path, {"entity_id": entity_id})
        return f"{policy_id}/{entity_id}"

    def read_attachment(self, resource_id: str, dry_run: bool = False) -> dict[str, str] | None:
        policy_id, entity_id = resource_id.split("/")
        try:
            entities = self.attached_entities(policy_id, dry_run)
        except GoError as error:
            if org_gone(error):
                return None
            raise
        found = [e for e in entities if e["id"] == entity_id]
        if not found:
            return None
        return {
            "entity_id": found[0]["id"],
            "entity_name": found[0]["name"],
            "entity_type": found[0]["type"],
        }

    def detach(self, resource_id: str, dry_run: bool = False) -> bool:
        policy_id, entity_id = resource_id.split("/")
        try:
            path = self._policy_path(policy_id, dry_run) + "/detach"
            self.go.call("POST", path, {"entity_id": entity_id})
        except GoError as error:
            if org_gone(error):
                return False
            raise
        return True

    def attached_entities(self, policy_id: str, dry_run: bool = False) -> list[dict[str, Any]]:
        """R11, R13, D19: P1 with ``?marker=`` and no limit."""
        path = self._policy_path(policy_id, dry_run) + "/attached-entities"
        found: list[dict[str, Any]] = []
        query = ""
        for _ in range(100):  # bounded
            page = self.go.call("GET", path, query=query)
            found += page.get("attached_entities") or []
            marker = (page.get("page_info") or {}).get("next_marker")
            if not marker:
                return found
            query = f"marker={marker}"
        raise AssertionError("paging never ended")

    def attached_entities_p2(self, policy_id: str) -> list[dict[str, Any]]:
        """D5: httphelper.MarkerPager."""
        path = self._policy_path(policy_id, False) + "/attached-entities"
        return marker_pager(self.go, path, "attached_entities")

    # D4 huaweicloud_organizations_policies, D18 huaweicloud_organizations_dry_run_policies

    def list_policies(self, name: str = "", type_: str = "", build_type: str = "") -> list[Any]:
        """D4: P1 with limit=200, filtered client-side; is_builtin read as a bool."""
        found: list[dict[str, Any]] = []
        marker = ""
        for _ in range(100):  # bounded
            page = self.go.call("GET", "/v1/organizations/policies", query=f"limit=200{marker}")
            found += page.get("policies") or []
            following = (page.get("page_info") or {}).get("next_marker")
            if not following:
                break
            marker = f"&marker={following}"
        for policy in found:
            assert isinstance(policy["is_builtin"], bool), policy
        return [
            p
            for p in found
            if (not name or p["name"] == name)
            and (not type_ or p["type"] == type_)
            and (not build_type or ("system" if p["is_builtin"] else "custom") == build_type)
        ]

    def list_dry_run_policies(
        self, policy_type: str = "", attached_entity_id: str = ""
    ) -> list[Any]:
        """D18: filters in the query; without one, the provider would append the marker
        as "&marker=" to a URL with no "?", so no page may name a next one."""
        query = "&".join(
            f"{k}={v}"
            for k, v in (("policy_type", policy_type), ("attached_entity_id", attached_entity_id))
            if v
        )
        found: list[dict[str, Any]] = []
        for _ in range(100):  # bounded
            page = self.go.call("GET", "/v1/organizations/dry-run-policies", query=query)
            found += page.get("policies") or []
            following = (page.get("page_info") or {}).get("next_marker")
            if not following:
                return found
            assert query, "a next_marker without a filter: the provider builds a bad URL"
            query += f"&marker={following}"
        raise AssertionError("paging never ended")

    # D6 huaweicloud_organizations_effective_policies

    def effective_policy(self, entity_id: str, policy_type: str) -> dict[str, str]:
        reply = self.go.call(
            "GET",
            "/v1/organizations/entities/effective-policies",
            query=f"entity_id={entity_id}&policy_type={policy_type}",
        )
        return {
            "last_updated_at": reply["last_updated_at"],
            "policy_content": reply["policy_content"],
        }

    # R14 huaweicloud_organizations_policy_dry_run_configuration

    def apply_dry_run_config(self, config: DryRunConfig, status: str | None = None) -> str:
        """Create, update, and (with status "disabled") delete: one POST, then the poll."""
        body: dict[str, Any] = {
            "root_id": config.root_id,
            "policy_type": config.policy_type,
            "bucket_prefix": config.bucket_prefix,
        }
        wanted = status if status is not None else config.status
        if wanted:
            body["status"] = wanted
        for name in ("bucket_name", "region_id", "agency_name"):
            if getattr(config, name):
                body[name] = getattr(config, name)
        self.go.call("POST", "/v1/organizations/dry-run-config", body)
        for _ in range(POLLS):
            state = self.read_dry_run_config(config.root_id, config.policy_type)
            if state is not None and state["status"] in ("enabled", "disabled"):
                return f"{config.root_id}/{config.policy_type}"
        raise AssertionError("the dry-run configuration never settled")

    def read_dry_run_config(self, root_id: str, policy_type: str) -> dict[str, Any] | None:
        try:
            root = self.go.call(
                "GET",
                "/v1/organizations/dry-run-config",
                query=f"root_id={root_id}&policy_type={policy_type}",
            )["root"]
        except GoError as error:
            if org_gone(error):
                return None
            raise
        names = ("root_id", "policy_type", "status", "bucket_name", "region_id")
        extra = ("bucket_prefix", "agency_name", "created_at", "updated_at")
        return {name: root.get(name) for name in names + extra}

    @staticmethod
    def dry_run_plan_changes(config: DryRunConfig, state: dict[str, Any] | None) -> list[str]:
        """status and bucket_prefix are Optional (a diff whenever they differ); bucket_name,
        region_id and agency_name Optional+Computed (a diff only when configured)."""
        if state is None:
            return ["(create)"]
        changed = [
            n
            for n in ("root_id", "policy_type", "status", "bucket_prefix")
            if getattr(config, n) != state[n]
        ]
        changed += [
            n
            for n in ("bucket_name", "region_id", "agency_name")
            if getattr(config, n) and getattr(config, n) != state[n]
        ]
        return changed

    @staticmethod
    def _policy_path(policy_id: str, dry_run: bool) -> str:
        kind = "dry-run-policies" if dry_run else "policies"
        return f"/v1/organizations/{kind}/{policy_id}"


# --- Organizations: tags, the organization, OUs, accounts and the small data sources
# (branch tags; huaweicloud/services/organizations/*.go, tf-organizations-calls.md 2.1-2.4,
# 2.10-2.12) ---


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
        return get_tags(self.go, kind, resource_id)

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
        return list_roots(self.go)[0]

    def read_organization(self) -> dict[str, Any] | None:
        """R1's read: the data source's calls, with a missing organization (or root) gone."""
        try:
            return organization_data_source(self.go)
        except GoError as error:
            if org_gone(error):
                return None
            raise

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
            self.go.call("GET", "/v1/organizations/services", httphelper=True).get("services") or []
        )
        return found

    def quotas(self) -> list[dict[str, Any]]:
        """``data "huaweicloud_organizations_quotas"``: ``quotas`` read as an object
        (schemas.ObjectToList), its ``resources`` flattened with numbers as numbers."""
        reply = self.go.call("GET", "/v1/organizations/quotas", httphelper=True)
        return [
            {key: r[key] for key in ("type", "quota", "min", "max", "used")}
            for r in reply["quotas"]["resources"]
        ]

    def tag_policy_services(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (
            self.go.call("GET", "/v1/organizations/tag-policy-services", httphelper=True).get(
                "services"
            )
            or []
        )
        return found

    def resource_tags(self, kind: str) -> list[dict[str, Any]]:
        tags = self.go.call("GET", f"/v1/organizations/{kind}/tags", httphelper=True)
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
                httphelper=True,
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
            "GET", "/v1/organizations/close-account-status", query=query, httphelper=True
        )
        found: list[dict[str, Any]] = reply.get("close_account_statuses") or []
        return found

    # The P1 loops of D2 and D3: limit, then marker=next_marker until a short page or none.

    def paged(self, path: str, key: str, query: str, limit: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        marker = ""
        for _ in range(100):  # bounded
            page = self.go.call("GET", path, query=f"limit={limit}{query}{marker}")
            found += page.get(key) or []
            following = (page.get("page_info") or {}).get("next_marker")
            if len(page.get(key) or []) < limit or not following:
                return found
            marker = f"&marker={following}"
        raise AssertionError("paging never ended")

    # huaweicloud_organizations_account_associate (R4): ID = the account's id

    def create_associate(self, account_id: str, parent_id: str) -> str:
        current = self.parent_of(account_id)
        if current != parent_id:
            self.move(account_id, current, parent_id)
        return account_id

    def read_associate(self, account_id: str) -> dict[str, Any] | None:
        """ShowAccount without a query and no status check, then ListEntities."""
        try:
            account = self.go.call("GET", f"/v1/organizations/accounts/{account_id}")["account"]
        except GoError as error:
            if org_gone(error):
                return None
            raise
        return {
            "account_id": account["id"],
            "parent_id": self.parent_of(account_id),
            "name": account["name"],
            "urn": account["urn"],
            "joined_at": account["joined_at"],
            "joined_method": account["join_method"],
        }

    def update_associate(self, account_id: str, parent_id: str) -> None:
        """Unconditionally: the current parent, then a move from it to the new one."""
        self.move(account_id, self.parent_of(account_id), parent_id)

    def delete_associate(self, account_id: str, parent_id: str) -> None:
        """Back to the root from the parent in state (the root itself included)."""
        try:
            self.move(account_id, parent_id, self.root()["id"])
        except GoError as error:
            if not org_gone(error):
                raise

    # huaweicloud_organizations_account_invite (R5) and _invite_decliner (R7)

    def invite(self, account_id: str) -> str:
        body = {"target": {"type": "account", "entity": account_id}, "notes": ""}
        reply = self.go.call("POST", "/v1/organizations/accounts/invite", body)
        handshake_id: str = reply["handshake"]["id"]
        return handshake_id

    def read_invite(self, handshake_id: str) -> dict[str, Any] | None:
        """R5's and R6's read: cancelled or expired is gone; an accepted invitation reads the
        account too (gone with it)."""
        try:
            reply = self.go.call(
                "GET", f"/v1/organizations/handshakes/{handshake_id}", json_type=True
            )
            handshake = reply.get("handshake")
            if handshake is None or handshake["status"] in ("cancelled", "expired"):
                return None
            if handshake["status"] == "accepted":
                self.go.call(
                    "GET",
                    f"/v1/organizations/accounts/{handshake['target']['entity']}",
                    json_type=True,
                )
        except GoError as error:
            if org_gone(error):
                return None
            raise
        return {
            "urn": handshake["urn"],
            "account_id": handshake["target"]["entity"],
            "master_account_id": handshake["management_account_id"],
            "master_account_name": handshake["management_account_name"],
            "organization_id": handshake["organization_id"],
            "created_at": handshake["created_at"],
            "updated_at": handshake["updated_at"],
            "status": handshake["status"],
        }

    def delete_invite(self, handshake_id: str, state: dict[str, Any], remove: bool) -> None:
        """By the status in state: pending is cancelled; accepted with
        remove_account_on_destroy removes the account; anything else sends nothing."""
        try:
            if state["status"] == "pending":
                self.go.call("POST", f"/v1/organizations/handshakes/{handshake_id}/cancel")
            elif state["status"] == "accepted" and remove:
                self.go.call("POST", f"/v1/organizations/accounts/{state['account_id']}/remove")
        except GoError as error:
            if not org_gone(error, "Organizations.1401"):
                raise

    def decline(self, invitation_id: str) -> str:
        """R7's create, its only call (its read and delete send nothing)."""
        reply = self.go.call("POST", f"/v1/received-handshakes/{invitation_id}/decline")
        handshake_id: str = reply["handshake"]["id"]
        assert handshake_id, "unable to find the handshake ID"
        return handshake_id

    # Data sources D7, D13, D14, D15 (httphelper.MarkerPager)

    def trusted_services(self) -> list[dict[str, str]]:
        return [
            {"service_principal": s["service_principal"], "enabled_at": s["enabled_at"]}
            for s in marker_pager(self.go, "/v1/organizations/trusted-services", "trusted_services")
        ]

    def sent_invitations(self) -> list[dict[str, Any]]:
        return [
            _invitation(h)
            for h in marker_pager(self.go, "/v1/organizations/handshakes", "handshakes")
        ]

    def received_invitations(self) -> list[dict[str, Any]]:
        return [
            _invitation(h) for h in marker_pager(self.go, "/v1/received-handshakes", "handshakes")
        ]

    def create_account_statuses(self, states: list[str]) -> list[dict[str, Any]]:
        names = ("id", "state", "account_id", "account_name", "created_at", "completed_at")
        rows = marker_pager(
            self.go,
            "/v1/organizations/create-account-status",
            "create_account_statuses",
            "&".join(f"states={s}" for s in states),
        )
        return [{n: r.get(n, "") for n in (*names, "failure_reason")} for r in rows]


def _invitation(handshake: dict[str, Any]) -> dict[str, Any]:
    """D13's and D14's handshakes[]: ``target`` flattened to a one-element list."""
    names = ("id", "urn", "status", "organization_id", "management_account_id")
    extra = ("management_account_name", "created_at", "updated_at", "notes")
    row = {n: handshake.get(n, "") for n in names + extra}
    row["target"] = [{"type": handshake["target"]["type"], "entity": handshake["target"]["entity"]}]
    return row
