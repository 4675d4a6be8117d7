"""Service principals: the resource services (a cloud's VPC, DNS, KMS, ...) that ask
ShareKeeper for decisions. Each holds one key and a set of namespaces, the URN services whose
resources it may ask about; it is no account and calls no RAM operation."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import InvalidParameter, OutsideNamespaces

NAME_MAX = 64
NAMESPACES_MOST = 20
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,64}")
# A namespace is the service segment of a resource URN and of an action (``vpc`` in
# ``vpc:cn-north-4:...:subnet:...`` and in ``vpc:subnets:get``), lower case as Huawei writes it.
_NAMESPACE = re.compile(r"[a-z][a-z0-9-]{0,31}")


@dataclass(frozen=True, slots=True)
class ServicePrincipal:
    id: str
    name: str
    namespaces: tuple[str, ...]
    access_key: str
    sealed_secret: str
    created_at: Millis
    revoked_at: Millis | None = None

    def require_namespace(self, namespace: str, what: str) -> None:
        """Raises OutsideNamespaces unless ``namespace`` is one of this service's."""
        require_namespace(self.namespaces, namespace, what)


def require_namespace(namespaces: tuple[str, ...], namespace: str, what: str) -> None:
    """Raises OutsideNamespaces unless ``namespace`` is one of ``namespaces``."""
    if namespace not in namespaces:
        raise OutsideNamespaces(what, namespaces)


def new_service_id() -> str:
    return "svc-" + uuid.uuid4().hex


def check_name(name: str) -> str:
    if _NAME.fullmatch(name) is None:
        raise InvalidParameter(
            f"A service name must be 1 to {NAME_MAX} letters, digits, '.', '_' or '-'."
        )
    return name


def check_namespaces(values: Sequence[str]) -> tuple[str, ...]:
    """The namespaces, deduplicated in the order given; at least one, each a URN service."""
    if not values:
        raise InvalidParameter("A service needs at least one namespace (--namespace vpc).")
    for value in values:
        if _NAMESPACE.fullmatch(value) is None:
            raise InvalidParameter(
                f"The namespace {value[:40]!r} is not a service name: 1 to 32 lower-case "
                "letters, digits or '-', starting with a letter (vpc, dns, kms, ...)."
            )
    found = tuple(dict.fromkeys(values))
    if len(found) > NAMESPACES_MOST:
        raise InvalidParameter(f"A service may have at most {NAMESPACES_MOST} namespaces.")
    return found
