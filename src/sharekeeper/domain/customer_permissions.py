"""Customer-managed permissions: an account's own permission for one resource type, a policy
template in versions, one of them the default (AWS RAM's CreatePermission and friends;
docs/aws.md, "Customer-managed permissions"). Huawei's API has no shape for them."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import (
    DefaultVersionStays,
    InvalidParameter,
    MalformedPolicyTemplate,
    PermissionDeprecated,
    PermissionNotFound,
    PermissionVersionLimit,
)
from sharekeeper.domain.permissions import CUSTOMER_MANAGED, Permission

# AWS's limits: five versions per permission; names of AWS's PermissionName shape.
MAX_VERSIONS = 5
MAX_TEMPLATE_CHARS = 5120
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,36}")
# An action: a service prefix, a colon, a name of letters, digits and wildcards.
_ACTION = re.compile(r"(?P<service>[a-z0-9-]{1,64}):[A-Za-z0-9*?]{1,128}(?::[A-Za-z0-9*?]{1,128})*")
_TEMPLATE_KEYS = {"Effect", "Action", "Condition"}
# AWS's UpdatePermission statuses: a deprecated permission binds to no new share, and the
# shares that bind it keep it.
ATTACHABLE = "ATTACHABLE"
DEPRECATED = "DEPRECATED"
STATUSES = (ATTACHABLE, DEPRECATED)


def check_name(name: str) -> str:
    if _NAME.fullmatch(name) is None:
        raise InvalidParameter(
            "A permission's name is 1 to 36 letters, digits, hyphens, underscores or periods."
        )
    return name


def check_template(text: str, services: Collection[str]) -> str:
    """A policy template as AWS RAM takes one: a JSON object of ``Effect`` (``Allow``),
    ``Action`` (one action or a list, each of the resource type's service) and an optional
    ``Condition`` object; never ``Principal`` or ``Resource``, which the share supplies."""
    if len(text) > MAX_TEMPLATE_CHARS:
        raise MalformedPolicyTemplate(
            f"The policy template is longer than {MAX_TEMPLATE_CHARS} characters."
        )
    try:
        document: Any = json.loads(text)
    except ValueError:
        raise MalformedPolicyTemplate("The policy template is not JSON.") from None
    if not isinstance(document, dict):
        raise MalformedPolicyTemplate("The policy template is not a JSON object.")
    extra = sorted(set(document) - _TEMPLATE_KEYS)
    if extra:
        raise MalformedPolicyTemplate(
            f"The policy template may hold only Effect, Action and Condition, not {extra[:5]}: "
            "the resource share supplies the principals and resources."
        )
    if document.get("Effect") != "Allow":
        raise MalformedPolicyTemplate('The policy template\'s Effect must be "Allow".')
    actions = document.get("Action")
    listed = [actions] if isinstance(actions, str) else actions
    if not isinstance(listed, list) or not listed:
        raise MalformedPolicyTemplate("The policy template names no Action.")
    for action in listed:
        found = _ACTION.fullmatch(action) if isinstance(action, str) else None
        if found is None or found["service"] not in services:
            shown = json.dumps(action)[:130]
            raise MalformedPolicyTemplate(
                f"The action {shown} is not an action of the resource type's service "
                f"({', '.join(sorted(services))})."
            )
    if "Condition" in document and not isinstance(document["Condition"], dict):
        raise MalformedPolicyTemplate("The policy template's Condition is not a JSON object.")
    return text


@dataclass(frozen=True, slots=True)
class PermissionVersion:
    version: int
    template: str
    created_at: Millis


@dataclass(frozen=True, slots=True)
class CustomerPermission:
    """An account's permission; ``name`` is unique among the account's."""

    id: str
    owner_account_id: str
    name: str
    resource_type: str  # the catalogue's
    default_version: int
    created_at: Millis
    updated_at: Millis
    versions: tuple[PermissionVersion, ...]
    status: str = ATTACHABLE

    def version(self, number: int | None = None) -> PermissionVersion:
        """A version, or the default one (None)."""
        wanted = self.default_version if number is None else number
        for found in self.versions:
            if found.version == wanted:
                return found
        raise PermissionNotFound(self.name, wanted)

    def with_version(self, template: str, now: Millis) -> CustomerPermission:
        """A new version, numbered after the highest, and made the default as AWS makes it."""
        if len(self.versions) >= MAX_VERSIONS:
            raise PermissionVersionLimit(self.name, MAX_VERSIONS)
        number = max(v.version for v in self.versions) + 1
        added = PermissionVersion(number, template, now)
        return replace(
            self, versions=(*self.versions, added), default_version=number, updated_at=now
        )

    def with_default(self, number: int, now: Millis) -> CustomerPermission:
        self.version(number)
        return replace(self, default_version=number, updated_at=now)

    def without_version(self, number: int, now: Millis) -> CustomerPermission:
        self.version(number)
        if number == self.default_version:
            raise DefaultVersionStays(self.name, number)
        kept = tuple(v for v in self.versions if v.version != number)
        return replace(self, versions=kept, updated_at=now)

    def with_status(self, status: str, now: Millis) -> CustomerPermission:
        if status not in STATUSES:
            raise InvalidParameter(f"A permission's status is {' or '.join(STATUSES)}.")
        return replace(self, status=status, updated_at=now)

    def bindable(self, number: int | None = None) -> Permission:
        """A version (the default if None) as a share binds it: refused while deprecated."""
        if self.status == DEPRECATED:
            raise PermissionDeprecated(self.name)
        return self.as_bound(number)

    def as_bound(self, number: int | None = None) -> Permission:
        """A version (the default if None) as a share's binding reads it; its content is the
        template (decisions read it through ``decision_document``)."""
        shown = self.version(number)
        return Permission(
            id=self.id,
            name=self.name,
            resource_type=self.resource_type,
            version=shown.version,
            is_default_version=shown.version == self.default_version,
            is_resource_type_default=False,
            content=shown.template,
            created_at=shown.created_at,
            updated_at=self.updated_at,
            permission_type=CUSTOMER_MANAGED,
            status=self.status,
        )


def decision_document(template: str) -> str | None:
    """A template as the document an access decision reads (``{"Statement": [...]}``, the
    catalogue's shape); None, which allows nothing, for a template with a ``Condition``: no
    request context reaches a decision to evaluate it, and allowing regardless would grant
    more than its owner wrote."""
    document = json.loads(template)
    if "Condition" in document:
        return None
    return json.dumps({"Statement": [{"Effect": "Allow", "Action": document["Action"]}]})


def policy_document(template: str) -> str:
    """A template as the content a resource's policy is written from: its one statement
    whole, its ``Condition`` kept (a policy states the condition; only a decision, which has
    no request context, must refuse what it cannot evaluate)."""
    return json.dumps({"Version": "5.0", "Statement": [json.loads(template)]})
