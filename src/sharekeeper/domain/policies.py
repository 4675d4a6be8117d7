"""Organizations policies: service control policies (SCPs) and tag policies, their content
parsed into rules, Huawei's limits, the SCP decision the enforcement work calls, and the
effective tag policy of an entity. Standard library only."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sharekeeper.domain.errors import OrgInvalidParameter, PolicyContentInvalid


class PolicyType(StrEnum):
    SERVICE_CONTROL = "service_control_policy"
    TAG = "tag_policy"


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


class Decision(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    NONE = "none"  # no statement matches: implicitly denied where SCPs are enabled


# Huawei Organizations' quotas page (org_01_0015) and API reference.
NAME_MOST = 64
DESCRIPTION_MOST = 512
CONTENT_MOST = {PolicyType.SERVICE_CONTROL: 5120, PolicyType.TAG: 10_000}
POLICIES_MOST = 1000  # of each type, in an organization
ATTACHED_MOST = {PolicyType.SERVICE_CONTROL: 5, PolicyType.TAG: 10}  # per root, OU, account
# A policy's JSON nests a few levels (document, Statement list, statement, Condition, operator,
# key, values): json.loads recurses per level and raises RecursionError near a thousand, so
# deeper text is refused before it is parsed.
NESTING_MOST = 32
_NAME = re.compile(r"^[^<>]+$")

# Huawei's system SCP: attached to every entity while SCPs are enabled (user guide org_03_0034:
# "Organizations automatically attach the FullAccess policy ... to all OUs and accounts").
FULL_ACCESS_ID = "p-FullAccess"
FULL_ACCESS_NAME = "FullAccess"
FULL_ACCESS_CONTENT = '{"Version":"5.0","Statement":[{"Effect":"Allow","Action":["*"]}]}'


@dataclass(frozen=True, slots=True)
class Statement:
    """One SCP statement. ``actions`` or ``not_actions`` (exactly one is set); ``condition``
    is kept as written: ShareKeeper has no request context to evaluate it against yet."""

    effect: Effect
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ("*",)
    condition: Mapping[str, Any] | None = None
    sid: str = ""

    def matches(self, action: str) -> bool:
        if self.not_actions:
            return not any(_action_matches(p, action) for p in self.not_actions)
        return any(_action_matches(p, action) for p in self.actions)


@dataclass(frozen=True, slots=True)
class ServiceControlContent:
    version: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    """One field of a tag policy rule with its inheritance operator."""

    operator: str  # "@@assign", "@@append" or "@@remove"
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TagRule:
    """One policy key of a tag policy: ``key`` lowercased, as Huawei compares policy keys."""

    key: str
    tag_key: str | None
    tag_value: tuple[Assignment, ...]
    enforced_for: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class TagPolicyContent:
    rules: tuple[TagRule, ...]


Content = ServiceControlContent | TagPolicyContent


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    organization_id: str
    type: PolicyType
    name: str
    description: str
    content: str  # as the caller wrote it: Terraform compares it JSON-equivalently
    dry_run: bool = False
    created_at: int = 0
    updated_at: int = 0
    builtin: bool = False

    @property
    def rules(self) -> Content:
        return parse_content(self.type, self.content)


def full_access(organization_id: str) -> Policy:
    return Policy(
        FULL_ACCESS_ID,
        organization_id,
        PolicyType.SERVICE_CONTROL,
        FULL_ACCESS_NAME,
        "Allows every action: attached to every entity while SCPs are enabled.",
        FULL_ACCESS_CONTENT,
        builtin=True,
    )


def check_policy(type_: PolicyType, name: str, description: str, content: str) -> Content:
    """What a create or update must satisfy; the parsed content on success."""
    if not 1 <= len(name) <= NAME_MOST or not _NAME.match(name) or name != name.strip():
        raise OrgInvalidParameter(
            f"name must have 1 to {NAME_MOST} characters, no < or >, and no surrounding spaces."
        )
    if len(description) > DESCRIPTION_MOST:
        raise OrgInvalidParameter(f"description may have at most {DESCRIPTION_MOST} characters.")
    return parse_content(type_, content)


def parse_content(type_: PolicyType, text: str) -> Content:
    most = CONTENT_MOST[type_]
    if len(text) > most:
        raise PolicyContentInvalid(f"A {type_} may have at most {most} characters.")
    if _nesting(text) > NESTING_MOST:
        raise PolicyContentInvalid(f"content may nest at most {NESTING_MOST} levels.")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise PolicyContentInvalid("content is not valid JSON.") from None
    if not isinstance(document, dict):
        raise PolicyContentInvalid("content must be a JSON object.")
    if type_ is PolicyType.SERVICE_CONTROL:
        return _service_control(document)
    return _tag_policy(document)


def _nesting(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings (one pass, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _service_control(document: dict[str, Any]) -> ServiceControlContent:
    unknown = set(document) - {"Version", "Statement"}
    if unknown:
        raise PolicyContentInvalid(f"unknown element(s) {sorted(unknown)} in the policy.")
    version = document.get("Version", "5.0")
    if not isinstance(version, str):
        raise PolicyContentInvalid("Version must be a string.")
    raw = document.get("Statement")
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        raise PolicyContentInvalid("Statement must be a non-empty list of statements.")
    return ServiceControlContent(version, tuple(_statement(s, i) for i, s in enumerate(raw)))


def _statement(raw: Any, index: int) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, dict):
        raise PolicyContentInvalid(f"{where} must be an object.")
    unknown = set(raw) - {"Sid", "Effect", "Action", "NotAction", "Resource", "Condition"}
    if unknown:
        raise PolicyContentInvalid(f"unknown element(s) {sorted(unknown)} in {where}.")
    effect = raw.get("Effect")
    if effect not in (Effect.ALLOW, Effect.DENY):
        raise PolicyContentInvalid(f"{where}.Effect must be Allow or Deny.")
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyContentInvalid(f"{where} must have exactly one of Action and NotAction.")
    actions = _strings(raw.get("Action", []), f"{where}.Action")
    not_actions = _strings(raw.get("NotAction", []), f"{where}.NotAction")
    if not actions and not not_actions:
        raise PolicyContentInvalid(f"{where} names no action.")
    resources = _strings(raw.get("Resource", "*"), f"{where}.Resource")
    condition = raw.get("Condition")
    if condition is not None and not isinstance(condition, dict):
        raise PolicyContentInvalid(f"{where}.Condition must be an object.")
    sid = raw.get("Sid", "")
    if not isinstance(sid, str):
        raise PolicyContentInvalid(f"{where}.Sid must be a string.")
    return Statement(Effect(effect), actions, not_actions, resources, condition, sid)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    """A string or a list of non-empty strings, as IAM-style policies allow."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        raise PolicyContentInvalid(f"{where} must be a string or a list of non-empty strings.")
    return tuple(items)


_OPERATORS = ("@@assign", "@@append", "@@remove")


def _tag_policy(document: dict[str, Any]) -> TagPolicyContent:
    tags = document.get("tags")
    if set(document) != {"tags"} or not isinstance(tags, dict):
        raise PolicyContentInvalid('A tag policy is an object with one element, "tags".')
    rules: dict[str, TagRule] = {}
    for policy_key, body in tags.items():
        key = policy_key.lower()
        if not policy_key or len(policy_key) > 128 or key in rules:
            raise PolicyContentInvalid(f"policy key {policy_key!r} is empty, too long or repeated.")
        rules[key] = _tag_rule(key, body)
    return TagPolicyContent(tuple(rules.values()))


def _tag_rule(key: str, body: Any) -> TagRule:
    if not isinstance(body, dict) or set(body) - {"tag_key", "tag_value", "enforced_for"}:
        raise PolicyContentInvalid(
            f"tags.{key} may hold only tag_key, tag_value and enforced_for objects."
        )
    tag_key = None
    if "tag_key" in body:
        assigned = _assignments(body["tag_key"], f"tags.{key}.tag_key", single=True)
        tag_key = assigned[0].values[0]
        if tag_key.lower() != key:
            raise PolicyContentInvalid(
                f"tags.{key}.tag_key must be the policy key, in any capitalization."
            )
    values = _assignments(body.get("tag_value", {}), f"tags.{key}.tag_value")
    enforced = _assignments(body.get("enforced_for", {}), f"tags.{key}.enforced_for")
    return TagRule(key, tag_key, values, enforced)


def _assignments(raw: Any, where: str, single: bool = False) -> tuple[Assignment, ...]:
    if not isinstance(raw, dict) or set(raw) - set(_OPERATORS):
        raise PolicyContentInvalid(f"{where} must be an object of {', '.join(_OPERATORS)}.")
    if single:
        value = raw.get("@@assign")
        if set(raw) != {"@@assign"} or not isinstance(value, str) or not value:
            raise PolicyContentInvalid(f'{where} must be {{"@@assign": "<tag key>"}}.')
        return (Assignment("@@assign", (value,)),)
    found = []
    for operator in _OPERATORS:
        if operator in raw:
            values = raw[operator]
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise PolicyContentInvalid(f"{where}.{operator} must be a list of strings.")
            found.append(Assignment(operator, tuple(values)))
    return tuple(found)


# -- service control: the decision the enforcement work calls ---------------------------------


def _action_matches(pattern: str, action: str) -> bool:
    """IAM-style action patterns, case-insensitive, ``*`` and ``?`` as wildcards."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower())


def scp_decision(content: ServiceControlContent, action: str) -> Decision:
    """What one SCP says of ``action``: Deny over Allow, and NONE when no statement names it.
    Resources and conditions are not evaluated yet (no request context reaches here)."""
    matching = [s.effect for s in content.statements if s.matches(action)]
    if Effect.DENY in matching:
        return Decision.DENY
    return Decision.ALLOW if matching else Decision.NONE


def scp_allows(levels: Sequence[Sequence[ServiceControlContent]], action: str) -> bool:
    """Whether the SCPs along an account's path allow ``action``: ``levels`` holds the
    policies attached at the root, each OU down, and the account. An explicit Deny anywhere
    denies; otherwise every level must allow it (an SCP only filters, as Huawei's guide
    says: an action must be allowed at each level of the hierarchy)."""
    decisions = [[scp_decision(p, action) for p in level] for level in levels]
    if any(Decision.DENY in level for level in decisions):
        return False
    return all(Decision.ALLOW in level for level in decisions)


def scp_within(content: str, services: Sequence[str]) -> str | None:
    """An SCP's content reduced to the statements that can bear on an action of ``services``
    (None when none can), for a resource service that decides only on those actions: a
    statement that matches none of them changes none of its decisions, whatever its effect
    (docs/enforcement.md, "What a snapshot shows")."""
    parsed = parse_content(PolicyType.SERVICE_CONTROL, content)
    assert isinstance(parsed, ServiceControlContent)
    document = json.loads(content)
    raw = document["Statement"]
    kept = [
        written
        for written, statement in zip(
            [raw] if isinstance(raw, dict) else raw, parsed.statements, strict=True
        )
        if any(_bears_on(statement, service) for service in services)
    ]
    if not kept:
        return None
    return json.dumps({"Version": parsed.version, "Statement": kept}, separators=(",", ":"))


def _bears_on(statement: Statement, service: str) -> bool:
    """Whether the statement can match some action ``service:...``. Erring towards yes: a
    pattern with a character class is taken to match."""
    prefix = f"{service}:".lower()
    if statement.not_actions:
        return not any(_covers(p.lower(), prefix) for p in statement.not_actions)
    return any(_may_match(p.lower(), prefix) for p in statement.actions)


def _covers(pattern: str, prefix: str) -> bool:
    """Whether ``pattern`` matches every string that starts with ``prefix``: a literal
    start of ``prefix`` followed by nothing but ``*``."""
    literal = pattern.rstrip("*")
    return (
        literal != pattern and not any(c in literal for c in "*?[") and prefix.startswith(literal)
    )


def _may_match(pattern: str, prefix: str) -> bool:
    """Whether ``pattern`` matches some string that starts with ``prefix``: the pattern's
    positions reachable after reading ``prefix`` (as fnmatch's ``*`` and ``?`` read it);
    whatever is left of the pattern then matches some rest."""
    if "[" in pattern:
        return True

    def closed(positions: set[int]) -> set[int]:
        found = set(positions)
        for i in sorted(positions):
            while i < len(pattern) and pattern[i] == "*":
                i += 1
                found.add(i)
        return found

    positions = closed({0})
    for char in prefix:
        step: set[int] = set()
        for i in positions:
            if i == len(pattern):
                continue
            if pattern[i] == "*":
                step.add(i)
            elif pattern[i] in ("?", char):
                step.add(i + 1)
        positions = closed(step)
        if not positions:
            return False
    return True


# -- tag policies: the effective policy of an entity ------------------------------------------


def effective_tag_policy(levels: Sequence[Sequence[TagPolicyContent]]) -> dict[str, Any]:
    """The tag policies attached from the root down to the entity, merged (docs/api.md,
    "Effective policies"): levels in order, policies of a level in the order given; per policy
    key, ``@@assign`` replaces what the levels above gave, ``@@append`` adds values not yet
    there, ``@@remove`` takes values out; a tag_key given lower down replaces the one above."""
    merged: dict[str, dict[str, Any]] = {}
    for level in levels:
        for policy in level:
            for rule in policy.rules:
                entry = merged.setdefault(rule.key, {"tag_key": rule.key})
                if rule.tag_key is not None:
                    entry["tag_key"] = rule.tag_key
                _apply(entry, "tag_value", rule.tag_value)
                _apply(entry, "enforced_for", rule.enforced_for)
    return {"tags": merged}


def _apply(entry: dict[str, Any], field: str, assignments: tuple[Assignment, ...]) -> None:
    for assignment in assignments:
        current: list[str] = entry.get(field, [])
        if assignment.operator == "@@assign":
            current = list(dict.fromkeys(assignment.values))
        elif assignment.operator == "@@append":
            current = current + [v for v in assignment.values if v not in current]
        else:
            current = [v for v in current if v not in assignment.values]
        entry[field] = current


@dataclass(frozen=True, slots=True)
class DryRunConfig:
    """A root's dry-run configuration for a policy type (where dry-run logs would go)."""

    organization_id: str
    policy_type: PolicyType
    enabled: bool
    bucket_name: str = ""
    region_id: str = ""
    bucket_prefix: str = ""
    agency_name: str = ""
    created_at: int = 0
    updated_at: int = 0


@dataclass(frozen=True, slots=True)
class Attachment:
    policy_id: str
    entity_id: str
    attached_at: int
