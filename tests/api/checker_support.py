"""What the checker tests share: a checker on the decider's vpc service, and the bounded wait
until its in-process answers equal POST /sharekeeper/v1/authorize's (no timing asserted)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sharekeeper.enforce import AccessChecker, Answer
from sharekeeper.testing import Account
from tests.api.decision_support import ask
from tests.support import LiveServer, SignedHttp

# Granted or not by the catalogue's subnet permissions (wildcards among their actions).
ACTIONS = ("vpc:subnets:get", "vpc:subnets:delete", "vpc:ports:create", "vpc:subnets:list")
PAUSE, TRIES = 0.02, 500  # at most ten seconds for a change to reach the checker


def checker_for(server: LiveServer, service: Account, **options: Any) -> AccessChecker:
    options.setdefault("max_staleness", 60)
    options.setdefault("poll_wait", 1)
    return AccessChecker(
        server.endpoint, access_key=service.access_key, secret_key=service.secret_key, **options
    )


def _sorted(reasons: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(reasons, key=lambda r: (r["code"], r["resource_share_id"] or ""))


def local(checker: AccessChecker, principal: Account, action: str, urn: str) -> dict[str, Any]:
    answer: Answer = checker.decide(principal.account_id, action, urn)
    return {"decision": answer.decision, "reasons": _sorted(answer.reasons)}


def agree(
    checker: AccessChecker, wire: SignedHttp, service: Account, principal: Account, urn: str
) -> str:
    """Waits until the checker answers every ACTIONS question on ``urn`` as the HTTP API does
    now; returns the decision for vpc:subnets:get."""
    expected = []
    for action in ACTIONS:
        http = ask(wire, service, principal, action, urn)
        expected.append({"decision": http["decision"], "reasons": _sorted(http["reasons"])})
    for _ in range(TRIES):
        if [local(checker, principal, a, urn) for a in ACTIONS] == expected:
            break
        time.sleep(PAUSE)
    assert [local(checker, principal, a, urn) for a in ACTIONS] == expected
    decided: str = expected[0]["decision"]
    return decided
