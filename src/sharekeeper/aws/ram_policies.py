"""AWS RAM's GetResourcePolicies: each shared resource's policy as an IAM policy document,
written from what the core says the resource's shares give (docs/aws.md "Resource
policies")."""

from __future__ import annotations

import json
from typing import Any

from sharekeeper.aws import arns
from sharekeeper.aws import wire as w
from sharekeeper.aws.accounts import UNKNOWN
from sharekeeper.aws.call import AwsCall, page_of
from sharekeeper.aws.ram import principal_name, principals_of, resource_urns
from sharekeeper.domain.ids import is_account_id
from sharekeeper.domain.organizations import parse_organization_principal
from sharekeeper.domain.policies import Statement
from sharekeeper.domain.resource_policies import ResourcePolicy, ShareGrant
from sharekeeper.domain.share_sources import service_name
from sharekeeper.services import resource_policies
from sharekeeper.services.context import Context

VERSION = "2012-10-17"


def get_resource_policies(ctx: Context, call: AwsCall[w.GetResourcePolicies]) -> w.PoliciesReply:
    body = call.body
    principal = None if body.principal is None else principals_of(ctx, call, [body.principal])[0]
    page = resource_policies.resource_policies(
        ctx,
        call.caller,
        resource_urns(ctx, call, body.resource_arns),
        principal,
        page_of(body.max_results, body.next_token),
    )
    owner = call.ids.aws_id(ctx, call.caller.account_id)
    return w.PoliciesReply([document(ctx, call, p, owner) for p in page.items], page.next_marker)


def document(ctx: Context, call: AwsCall[object], policy: ResourcePolicy, owner: str) -> str:
    """One resource's policy: per share, per statement of its permission, one statement for
    each kind of principal it is associated with."""
    resource = arns.resource_arn(policy.resource_urn, policy.resource_type, owner)
    statements = [
        {
            "Sid": f"{grant.share_id.replace('-', '')}{index}",
            **_effect(statement),
            **kind,
            "Resource": resource or policy.resource_urn,
        }
        for grant in policy.grants
        for statement in grant.statements
        for index, kind in enumerate(_kinds(ctx, call, grant, statement))
    ]
    return json.dumps({"Version": VERSION, "Statement": statements}, separators=(",", ":"))


def _effect(statement: Statement) -> dict[str, Any]:
    if statement.not_actions:
        return {"Effect": statement.effect.value, "NotAction": list(statement.not_actions)}
    return {"Effect": statement.effect.value, "Action": list(statement.actions)}


def _kinds(
    ctx: Context, call: AwsCall[object], grant: ShareGrant, statement: Statement
) -> list[dict[str, Any]]:
    """The Principal and Condition of each kind of principal the share reaches: accounts by
    id; an organization by aws:PrincipalOrgID, a root or OU by aws:PrincipalOrgPaths; services
    by name, constrained to the source accounts by aws:SourceAccount."""
    accounts: list[str] = []
    organizations: list[str] = []
    paths: list[str] = []
    services: list[str] = []
    for entity in grant.principals:
        node = None if is_account_id(entity) else parse_organization_principal(entity)
        if service_name(entity) is not None:
            services.append(principal_name(ctx, call, entity))
        elif node is None:
            accounts.append(principal_name(ctx, call, entity))
        elif node.node_id is None:
            organizations.append(node.organization_id or "*")
        else:
            paths.append(_org_path(node.organization_id, node.node_id))
    kinds = []
    if accounts:
        kinds.append({"Principal": {"AWS": accounts}, **_conditioned(statement, {})})
    if organizations:
        kinds.append(_anyone(statement, {"StringEquals": {"aws:PrincipalOrgID": organizations}}))
    if paths:
        kinds.append(
            _anyone(statement, {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": paths}})
        )
    if services:
        found = call.ids.aws_ids(ctx, grant.sources)
        sources = [found.get(s, UNKNOWN) for s in grant.sources]
        condition = {"StringEquals": {"aws:SourceAccount": sources}}
        kinds.append({"Principal": {"Service": services}, **_conditioned(statement, condition)})
    return kinds


def _org_path(organization_id: str | None, node_id: str) -> str:
    """The aws:PrincipalOrgPaths pattern of the accounts under a root (``o-ID/r-ID/*``, the
    root being the path's first node) or an OU (``o-ID/*/ou-ID/*``, wherever it sits)."""
    organization = organization_id or "o-*"
    if node_id.startswith("r-"):
        return f"{organization}/{node_id}/*"
    return f"{organization}/*/{arns.aws_node_id(node_id)}/*"


def _anyone(statement: Statement, condition: dict[str, Any]) -> dict[str, Any]:
    return {"Principal": {"AWS": "*"}, **_conditioned(statement, condition)}


def _conditioned(statement: Statement, condition: dict[str, Any]) -> dict[str, Any]:
    """``condition`` with the permission statement's own, operator by operator."""
    merged = {operator: dict(keys) for operator, keys in (statement.condition or {}).items()}
    for operator, keys in condition.items():
        merged.setdefault(operator, {}).update(keys)
    return {"Condition": merged} if merged else {}
