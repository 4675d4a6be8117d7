"""The decision rules (domain/decisions.py), without a database: the action grammar, wildcard
patterns, Deny over Allow within a permission and across shares, SCP denials, the owner, and
the spellings of a resource's type."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sharekeeper.domain.decisions import (
    Grant,
    Ground,
    Question,
    Reason,
    Verdict,
    check_action,
    decide,
    spelled,
)
from sharekeeper.domain.errors import InvalidParameter, OutsideNamespaces
from sharekeeper.domain.ids import ResourceUrn
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.domain.service_principals import ServicePrincipal, check_namespaces

OWNER = "a" * 32
PRINCIPAL = "b" * 32
URN = ResourceUrn.parse(f"vpc:cn-north-4:{OWNER}:subnet:subnet-1")


def question(action: str, principal: str = PRINCIPAL) -> Question:
    return Question(principal, action, URN, "vpc:subnet", (URN.value,))


def grant(share: str, *statements: dict[str, Any]) -> Grant:
    content = json.dumps({"Version": "5.0", "Statement": list(statements)})
    return Grant(share, "perm-" + share, 1, content)


def allow(*actions: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions)}


def deny(*actions: str) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": list(actions)}


@pytest.mark.parametrize(
    ("pattern", "action", "verdict"),
    [
        ("vpc:subnets:get", "vpc:subnets:get", Verdict.ALLOW),
        ("vpc:subnets:get", "vpc:subnets:list", Verdict.DENY),
        ("vpc:subnets:*", "vpc:subnets:delete", Verdict.ALLOW),
        ("vpc:subnets:*", "vpc:ports:get", Verdict.DENY),
        ("vpc:*:get", "vpc:ports:get", Verdict.ALLOW),
        ("vpc:*:get", "vpc:ports:create", Verdict.DENY),
        ("vpc:*", "vpc:ports:create", Verdict.ALLOW),
        ("*", "vpc:ports:create", Verdict.ALLOW),
        ("vpc:subnets:ge?", "vpc:subnets:get", Verdict.ALLOW),
        ("VPC:Subnets:GET", "vpc:subnets:get", Verdict.ALLOW),  # case-insensitive, as IAM
        ("dns:*", "vpc:subnets:get", Verdict.DENY),
    ],
)
def test_action_patterns(pattern: str, action: str, verdict: Verdict) -> None:
    assert decide(question(action), [grant("s1", allow(pattern))], []).verdict is verdict


def test_an_allowing_grant_names_its_share_and_permission() -> None:
    decided = decide(question("vpc:subnets:get"), [grant("s1", allow("vpc:subnets:get"))], [])
    assert decided.verdict is Verdict.ALLOW
    assert decided.reasons == (Reason(Ground.SHARE_ALLOWS, "s1", "perm-s1", 1),)


def test_deny_beats_allow_in_one_permission_and_across_shares() -> None:
    mixed = grant("s1", allow("vpc:*"), deny("vpc:subnets:delete"))
    assert decide(question("vpc:subnets:get"), [mixed], []).verdict is Verdict.ALLOW
    denied = decide(question("vpc:subnets:delete"), [mixed], [])
    assert denied.verdict is Verdict.DENY
    assert denied.reasons == (Reason(Ground.SHARE_DENIES, "s1", "perm-s1", 1),)
    other = grant("s2", deny("vpc:subnets:get"))
    across = decide(question("vpc:subnets:get"), [grant("s1", allow("*")), other], [])
    assert across.verdict is Verdict.DENY
    assert [r.share_id for r in across.reasons] == ["s2"]
    not_action = grant("s3", {"Effect": "Deny", "NotAction": ["vpc:subnets:get"]}, allow("*"))
    assert decide(question("vpc:subnets:get"), [not_action], []).verdict is Verdict.ALLOW
    assert decide(question("vpc:ports:get"), [not_action], []).verdict is Verdict.DENY


def test_nothing_allowing_is_a_deny_without_reasons() -> None:
    assert decide(question("vpc:subnets:get"), [], []).reasons == ()
    unbound = Grant("s1", None, None, None)  # a type with no permission bound allows nothing
    assert decide(question("vpc:subnets:get"), [unbound], []).verdict is Verdict.DENY


def test_a_denying_scp_denies_what_a_share_allows_and_says_which() -> None:
    decided = decide(question("vpc:subnets:get"), [grant("s1", allow("*"))], ["p-1", "p-2"])
    assert decided.verdict is Verdict.DENY
    assert [(r.ground, r.policy_id) for r in decided.reasons] == [
        (Ground.POLICY_DENIES, "p-1"),
        (Ground.POLICY_DENIES, "p-2"),
    ]
    # With no share allowing it, the policy is still the reason given.
    alone = decide(question("vpc:subnets:get"), [], ["p-1"])
    assert [(r.ground, r.policy_id) for r in alone.reasons] == [(Ground.POLICY_DENIES, "p-1")]


def test_the_owner_is_not_decided_here() -> None:
    decided = decide(question("vpc:subnets:get", OWNER), [grant("s1", allow("*"))], [])
    assert decided == decide(question("vpc:subnets:get", OWNER), [], [])
    assert decided.reasons == (Reason(Ground.OWNER),)


@pytest.mark.parametrize(
    "action",
    ["vpc:subnets", "vpc:subnets:get:x", "vpc:*:get", "VPC:subnets:get", "vpc::get", "", "v" * 200],
)
def test_malformed_actions_are_refused(action: str) -> None:
    with pytest.raises(InvalidParameter):
        check_action(action)


def test_every_spelling_of_a_type_is_looked_up() -> None:
    catalogue = Catalogue.packaged()
    spellings = catalogue.spellings("vpc:subnets")
    assert spellings == ("vpc:subnet", "vpc:subnets")
    plural = ResourceUrn.parse(f"vpc:cn-north-4:{OWNER}:subnets:a/b:c")
    assert spelled(plural, spellings) == (
        plural.value,
        f"vpc:cn-north-4:{OWNER}:subnet:a/b:c",
    )
    assert catalogue.spellings("dns:zone") == ("dns:zone",)
    assert catalogue.spellings("no:such") == ("no:such",)


def test_namespaces_are_service_names_and_bound_what_a_service_asks() -> None:
    assert check_namespaces(["vpc", "dns", "vpc"]) == ("vpc", "dns")
    for bad in ([], ["VPC"], ["vpc:subnet"], ["x" * 33], [f"n{i}" for i in range(21)]):
        with pytest.raises(InvalidParameter):
            check_namespaces(bad)
    service = ServicePrincipal("svc-1", "n", ("vpc",), "AK", "sealed", 0)
    service.require_namespace("vpc", "x")
    with pytest.raises(OutsideNamespaces):
        service.require_namespace("dns", "The resource dns:...")
