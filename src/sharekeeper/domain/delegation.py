"""Delegated administrators: member accounts the management account names, per trusted
service, to read the organization on that service's behalf (Huawei's
RegisterDelegatedAdministrator: "read-only access to Organizations service data")."""

from __future__ import annotations

from dataclasses import dataclass

from sharekeeper.domain.clock import Millis

# Huawei publishes no per-service limit; AWS's most generous service (Config) allows three, and
# a limit at all keeps the read path's check (any delegation of the caller) an index probe.
ADMINISTRATORS_PER_SERVICE = 3
SERVICE_PRINCIPAL_MAX = 100


@dataclass(frozen=True, slots=True)
class Delegation:
    """An account delegated administrator for one service of its organization."""

    account_id: str
    organization_id: str
    service_principal: str
    enabled_at: Millis
