"""The policy domain: content parsed (and refused) as Huawei documents it, the SCP decision
the enforcement work will call, and the effective tag policy's merge."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sharekeeper.domain.errors import OrgInvalidParameter, PolicyContentInvalid
from sharekeeper.domain.policies import (
    FULL_ACCESS_CONTENT,
    Decision,
    Effect,
    PolicyType,
    ServiceControlContent,
    TagPolicyContent,
    check_policy,
    effective_tag_policy,
    parse_content,
    scp_allows,
    scp_decision,
    scp_within,
)

SCP = PolicyType.SERVICE_CONTROL


def scp(*statements: dict[str, Any]) -> ServiceControlContent:
    parsed = parse_content(SCP, json.dumps({"Version": "5.0", "Statement": list(statements)}))
    assert isinstance(parsed, ServiceControlContent)
    return parsed


def tags(document: dict[str, Any]) -> TagPolicyContent:
    parsed = parse_content(PolicyType.TAG, json.dumps({"tags": document}))
    assert isinstance(parsed, TagPolicyContent)
    return parsed


def test_statements_are_parsed_into_the_domain() -> None:
    parsed = scp(
        {
            "Sid": "one",
            "Effect": "Deny",
            "Action": "ecs:servers:delete",
            "Resource": ["*"],
            "Condition": {"StringEquals": {"g:RequestedRegion": ["cn-north-4"]}},
        },
        {"Effect": "Allow", "NotAction": ["iam:*"]},
    )
    first, second = parsed.statements
    assert (first.effect, first.actions, first.sid) == (Effect.DENY, ("ecs:servers:delete",), "one")
    assert first.condition == {"StringEquals": {"g:RequestedRegion": ["cn-north-4"]}}
    assert (second.effect, second.not_actions, second.resources) == (
        Effect.ALLOW,
        ("iam:*",),
        ("*",),
    )


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        json.dumps({"Version": "5.0"}),
        json.dumps({"Statement": []}),
        json.dumps({"Statement": [{"Effect": "allow", "Action": "*"}]}),
        json.dumps({"Statement": [{"Effect": "Deny"}]}),
        json.dumps({"Statement": [{"Effect": "Deny", "Action": "*", "NotAction": "a:b"}]}),
        json.dumps({"Statement": [{"Effect": "Deny", "Action": [1]}]}),
        json.dumps({"Statement": [{"Effect": "Deny", "Action": "*", "Condition": "x"}]}),
        json.dumps({"Statement": [{"Effect": "Deny", "Action": "*", "Principal": "*"}]}),
        json.dumps({"Statement": [{"Effect": "Deny", "Action": "*"}], "Extra": 1}),
        json.dumps({"Statement": [{"Effect": "Deny", "Action": "a:" + "b" * 5120}]}),
    ],
)
def test_bad_service_control_content_is_refused(content: str) -> None:
    with pytest.raises(PolicyContentInvalid):
        parse_content(SCP, content)


@pytest.mark.parametrize(
    "document",
    [
        {"k": 1},
        {"k": {"tag_key": {"@@assign": "Other"}}},
        {"k": {"tag_key": "K"}},
        {"k": {"tag_value": {"@@merge": ["a"]}}},
        {"k": {"tag_value": {"@@assign": "a"}}},
        {"k": {"unknown": {}}},
        {"K": {}, "k": {}},
    ],
)
def test_bad_tag_policy_content_is_refused(document: dict[str, Any]) -> None:
    with pytest.raises(PolicyContentInvalid):
        tags(document)


def test_size_limits_are_per_type() -> None:
    long_value = {"k": {"tag_value": {"@@assign": ["v" * 6000]}}}
    tags(long_value)  # 6,000 characters: within a tag policy's 10,000
    with pytest.raises(PolicyContentInvalid):
        parse_content(SCP, json.dumps(long_value))
    with pytest.raises(OrgInvalidParameter):
        check_policy(SCP, "x" * 65, "", FULL_ACCESS_CONTENT)
    with pytest.raises(OrgInvalidParameter):
        check_policy(SCP, "ok", "d" * 513, FULL_ACCESS_CONTENT)


def test_deny_wins_over_allow_and_wildcards_match() -> None:
    policy = scp(
        {"Effect": "Allow", "Action": ["ecs:*"]},
        {"Effect": "Deny", "Action": ["ecs:servers:delete*"]},
    )
    assert scp_decision(policy, "ecs:servers:list") is Decision.ALLOW
    assert scp_decision(policy, "ECS:Servers:DeleteTags") is Decision.DENY
    assert scp_decision(policy, "ecs:servers:delete") is Decision.DENY
    assert scp_decision(policy, "evs:volumes:list") is Decision.NONE
    single = scp({"Effect": "Deny", "Action": "obs:object:?et*"})
    assert scp_decision(single, "obs:object:getObject") is Decision.DENY
    assert scp_decision(single, "obs:object:putObject") is Decision.NONE


def test_not_action_matches_every_other_action() -> None:
    policy = scp({"Effect": "Deny", "NotAction": ["iam:*", "sts:*"]})
    assert scp_decision(policy, "ecs:servers:list") is Decision.DENY
    assert scp_decision(policy, "iam:users:list") is Decision.NONE


def test_an_action_must_be_allowed_at_every_level_and_denied_at_none() -> None:
    full = parse_content(SCP, FULL_ACCESS_CONTENT)
    assert isinstance(full, ServiceControlContent)
    deny = scp({"Effect": "Deny", "Action": "ecs:servers:delete"})
    only_ecs = scp({"Effect": "Allow", "Action": "ecs:*"})
    assert scp_allows([[full], [full]], "ecs:servers:delete")
    assert not scp_allows([[full], [full, deny]], "ecs:servers:delete")
    assert scp_allows([[full], [only_ecs]], "ecs:servers:list")
    # The OU allows only ECS: an action it names not is denied below it.
    assert not scp_allows([[full], [only_ecs], [full]], "evs:volumes:list")
    # A level with no SCP allows nothing.
    assert not scp_allows([[full], []], "ecs:servers:list")


def test_effective_tag_policy_merges_down_the_path() -> None:
    root = tags(
        {
            "CostCenter": {
                "tag_key": {"@@assign": "CostCenter"},
                "tag_value": {"@@assign": ["100", "200"]},
                "enforced_for": {"@@assign": ["ecs:instance"]},
            },
            "owner": {},
        }
    )
    ou = tags({"costcenter": {"tag_value": {"@@append": ["300", "100"]}}})
    account = tags(
        {
            "costcenter": {
                "tag_key": {"@@assign": "COSTCENTER"},
                "tag_value": {"@@remove": ["200"]},
                "enforced_for": {"@@append": ["evs:volume"]},
            }
        }
    )
    merged = effective_tag_policy([[root], [ou], [account]])
    assert merged == {
        "tags": {
            "costcenter": {
                "tag_key": "COSTCENTER",
                "tag_value": ["100", "300"],
                "enforced_for": ["ecs:instance", "evs:volume"],
            },
            "owner": {"tag_key": "owner"},
        }
    }
    # A lower @@assign replaces what came from above.
    reset = tags({"costcenter": {"tag_value": {"@@assign": ["999"]}}})
    below = effective_tag_policy([[root], [reset]])
    assert below["tags"]["costcenter"]["tag_value"] == ["999"]
    assert effective_tag_policy([[], []]) == {"tags": {}}


@pytest.mark.parametrize(
    ("statement", "bears"),
    [
        ({"Effect": "Deny", "Action": ["vpc:ports:*"]}, True),
        ({"Effect": "Deny", "Action": ["*"]}, True),
        ({"Effect": "Deny", "Action": ["V*:subnets:get"]}, True),  # case-insensitive
        ({"Effect": "Deny", "Action": ["*:*:delete"]}, True),
        ({"Effect": "Deny", "Action": ["?pc:subnets:get"]}, True),
        ({"Effect": "Allow", "Action": ["vpc:subnets:get"]}, True),
        ({"Effect": "Deny", "Action": ["[vx]pc:*"]}, True),  # a class: taken to match
        ({"Effect": "Deny", "Action": ["kms:*"]}, False),
        ({"Effect": "Deny", "Action": ["vpcx:*", "vp"]}, False),
        ({"Effect": "Deny", "NotAction": ["kms:*"]}, True),  # denies every vpc action
        ({"Effect": "Deny", "NotAction": ["vpc:*"]}, False),
        ({"Effect": "Deny", "NotAction": ["v*"]}, False),
        ({"Effect": "Deny", "NotAction": ["vpc:subnets:*"]}, True),  # vpc:ports:* remain
    ],
)
def test_an_scp_is_reduced_to_the_statements_about_a_services_actions(
    statement: dict[str, Any], bears: bool
) -> None:
    other = {"Sid": "other", "Effect": "Deny", "Action": ["dns:*"]}
    content = json.dumps({"Version": "5.0", "Statement": [other, statement]})
    reduced = scp_within(content, ("vpc",))
    if bears:
        assert reduced is not None
        assert json.loads(reduced) == {"Version": "5.0", "Statement": [statement]}
        # Every vpc action is decided alike by the reduced policy and the whole one.
        for action in ("vpc:subnets:get", "vpc:ports:create", "vpc:subnets:delete"):
            assert scp_decision(parse_scp(reduced), action) is scp_decision(
                parse_scp(content), action
            )
    else:
        assert reduced is None
    assert scp_within(content, ("vpc", "dns")) is not None


def parse_scp(content: str) -> ServiceControlContent:
    parsed = parse_content(SCP, content)
    assert isinstance(parsed, ServiceControlContent)
    return parsed
