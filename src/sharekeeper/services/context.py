"""What every service needs, composed once by the entry point (API app, CLI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sharekeeper.auth.secrets import SecretBox
from sharekeeper.domain.clock import Clock, Millis
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.domain.quotas import Quotas
from sharekeeper.store.group_commit import GroupCommit
from sharekeeper.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Context:
    unit_of_work: Callable[[bool], UnitOfWork]
    clock: Clock
    catalogue: Catalogue
    secret_box: SecretBox
    invitation_ttl: Millis
    max_clock_skew_seconds: int = 900
    quotas: Quotas = field(default_factory=Quotas)
    # SQLite: the API's write use cases on the event loop commit in groups (store/group_commit).
    group_commit: GroupCommit | None = None

    def reading(self) -> UnitOfWork:
        return self.unit_of_work(False)

    def writing(self) -> UnitOfWork:
        return self.unit_of_work(True)
