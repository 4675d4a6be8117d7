"""The IAM and STS calls Huawei's clients make before they call RAM, when they are not given
ids: the Python and Go SDKs ask ``GET /v3/auth/domains`` for the account (falling back to STS
``GET /v5/caller-identity``), Terraform asks ``GET /v3/projects?name=REGION`` for a project.
Signed like RAM; each answers about the caller alone (real-clients.md section 4)."""

from __future__ import annotations

from msgspec import Struct

from sharekeeper.api.http.endpoint import Call
from sharekeeper.services import identity
from sharekeeper.services.context import Context


class Links(Struct):
    self: str
    next: str | None = None
    previous: str | None = None


class DomainWire(Struct):
    id: str
    name: str
    enabled: bool
    description: str
    links: Links


class DomainsReply(Struct):
    domains: list[DomainWire]
    links: Links


class ProjectWire(Struct):
    id: str
    name: str
    domain_id: str
    parent_id: str
    enabled: bool
    is_domain: bool
    description: str
    links: Links


class ProjectsReply(Struct):
    projects: list[ProjectWire]
    links: Links


class ProjectsQuery(Struct):
    name: str | None = None


class CallerIdentityReply(Struct):
    account_id: str
    principal_id: str
    principal_urn: str


def list_auth_domains(ctx: Context, call: Call[None, None]) -> DomainsReply:
    account = identity.describe_caller(ctx, call.caller)
    domain = DomainWire(account.id, account.name, True, "", Links(f"/v3/domains/{account.id}"))
    # Never an empty list: the Go SDK dereferences domains[0] without a check.
    return DomainsReply([domain], Links("/v3/auth/domains"))


def list_projects(ctx: Context, call: Call[None, ProjectsQuery]) -> ProjectsReply:
    q = call.query
    account_id = call.caller.account_id
    projects = [
        ProjectWire(
            project, name, account_id, account_id, True, False, "", Links(f"/v3/projects/{project}")
        )
        for project, name in identity.caller_projects(ctx, call.caller, q.name)
    ]
    return ProjectsReply(projects, Links("/v3/projects"))


def show_caller_identity(ctx: Context, call: Call[None, None]) -> CallerIdentityReply:
    account = identity.describe_caller(ctx, call.caller)
    return CallerIdentityReply(account.id, account.id, f"iam::{account.id}:root")
