"""Organizations policies, their attachments, the policy types enabled in a root and the
dry-run configurations: rows <-> domain objects."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select, update

from sharekeeper.domain.policies import Attachment, DryRunConfig, Policy, PolicyType
from sharekeeper.store.rows import Field, RowMapping, enum_of
from sharekeeper.store.tables import (
    dry_run_configs,
    policies,
    policy_attachments,
    root_policy_types,
)
from sharekeeper.store.transaction import Transaction

P = policies.c
A = policy_attachments.c
R = root_policy_types.c
D = dry_run_configs.c
POLICY = RowMapping(
    Policy,
    P.id,
    P.organization_id,
    Field(P.type, convert=enum_of(PolicyType)),
    P.name,
    P.description,
    P.content,
    Field(P.dry_run, convert=bool),
    P.created_at,
    P.updated_at,
)
ATTACHMENT = RowMapping(Attachment, A.policy_id, A.entity_id, A.attached_at)
DRY_RUN = RowMapping(
    DryRunConfig,
    D.organization_id,
    Field(D.policy_type, convert=enum_of(PolicyType)),
    Field(D.enabled, convert=bool),
    D.bucket_name,
    D.region_id,
    D.bucket_prefix,
    D.agency_name,
    D.created_at,
    D.updated_at,
)


class PolicyRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, policy: Policy) -> None:
        self._tx.execute(insert(policies).values(POLICY.values(policy)))

    def get(self, organization_id: str, policy_id: str, dry_run: bool) -> Policy | None:
        statement = select(*POLICY.columns).where(
            P.id == policy_id, P.organization_id == organization_id, P.dry_run == dry_run
        )
        row = self._tx.execute(statement).first()
        return None if row is None else POLICY.read(row)

    def of_organization(self, organization_id: str, dry_run: bool) -> list[Policy]:
        """Every policy of the kind, oldest first."""
        statement = (
            select(*POLICY.columns)
            .where(P.organization_id == organization_id, P.dry_run == dry_run)
            .order_by(P.created_at, P.id)
        )
        return [POLICY.read(row) for row in self._tx.execute(statement)]

    def named(self, organization_id: str, dry_run: bool, type_: PolicyType, name: str) -> bool:
        statement = select(P.id).where(
            P.organization_id == organization_id,
            P.dry_run == dry_run,
            P.type == type_.value,
            P.name == name,
        )
        return self._tx.execute(statement).first() is not None

    def count(self, organization_id: str, dry_run: bool, type_: PolicyType) -> int:
        statement = (
            select(func.count())
            .select_from(policies)
            .where(
                P.organization_id == organization_id,
                P.dry_run == dry_run,
                P.type == type_.value,
            )
        )
        return int(self._tx.execute(statement).scalar_one())

    def change(self, policy: Policy) -> None:
        self._tx.execute(
            update(policies)
            .where(P.id == policy.id)
            .values(
                name=policy.name,
                description=policy.description,
                content=policy.content,
                updated_at=policy.updated_at,
            )
        )

    def remove(self, policy_id: str) -> None:
        self._tx.execute(delete(policies).where(P.id == policy_id))

    # -- attachments ---------------------------------------------------------------------

    def attach(self, attachment: Attachment) -> None:
        self._tx.execute(insert(policy_attachments).values(ATTACHMENT.values(attachment)))

    def detach(self, policy_id: str, entity_id: str) -> bool:
        gone = self._tx.execute(
            delete(policy_attachments).where(A.policy_id == policy_id, A.entity_id == entity_id)
        )
        return bool(gone.rowcount)

    def attachments_of(self, policy_id: str) -> list[Attachment]:
        statement = (
            select(*ATTACHMENT.columns)
            .where(A.policy_id == policy_id)
            .order_by(A.attached_at, A.entity_id)
        )
        return [ATTACHMENT.read(row) for row in self._tx.execute(statement)]

    def attached_to(
        self, organization_id: str, entity_ids: Sequence[str], dry_run: bool
    ) -> list[tuple[Attachment, Policy]]:
        """Every policy of the kind attached to any of ``entity_ids``, with its attachment,
        in the order they were attached."""
        if not entity_ids:
            return []
        statement = (
            select(*ATTACHMENT.columns, *POLICY.columns)
            .join(policies, P.id == A.policy_id)
            .where(
                A.entity_id.in_(sorted(set(entity_ids))),
                P.organization_id == organization_id,
                P.dry_run == dry_run,
            )
            .order_by(A.attached_at, A.policy_id)
        )
        width = len(ATTACHMENT.columns)
        return [
            (ATTACHMENT.read(row), POLICY.read(row[width:])) for row in self._tx.execute(statement)
        ]

    def detach_type(self, organization_id: str, type_: PolicyType) -> None:
        """Every attachment of the organization's policies of the type (the type disabled)."""
        chosen = select(P.id).where(
            P.organization_id == organization_id, P.type == type_.value, P.dry_run.is_(False)
        )
        self._tx.execute(delete(policy_attachments).where(A.policy_id.in_(chosen)))

    def forget_entity(self, entity_id: str) -> None:
        """The attachments of an OU deleted or an account gone from its organization."""
        self._tx.execute(delete(policy_attachments).where(A.entity_id == entity_id))

    # -- the root's policy types -----------------------------------------------------------

    def enabled_types(self, organization_id: str) -> set[PolicyType]:
        rows = self._tx.execute(select(R.policy_type).where(R.organization_id == organization_id))
        return {PolicyType(row.policy_type) for row in rows}

    def enable_type(self, organization_id: str, type_: PolicyType, now: int) -> None:
        self._tx.execute(
            insert(root_policy_types).values(
                organization_id=organization_id, policy_type=type_.value, enabled_at=now
            )
        )

    def disable_type(self, organization_id: str, type_: PolicyType) -> None:
        self._tx.execute(
            delete(root_policy_types).where(
                R.organization_id == organization_id, R.policy_type == type_.value
            )
        )

    # -- dry-run configurations ------------------------------------------------------------

    def dry_run_config(self, organization_id: str, type_: PolicyType) -> DryRunConfig | None:
        statement = select(*DRY_RUN.columns).where(
            D.organization_id == organization_id, D.policy_type == type_.value
        )
        row = self._tx.execute(statement).first()
        return None if row is None else DRY_RUN.read(row)

    def save_dry_run_config(self, config: DryRunConfig, exists: bool) -> None:
        values = DRY_RUN.values(config)
        if exists:
            self._tx.execute(
                update(dry_run_configs)
                .where(
                    D.organization_id == config.organization_id,
                    D.policy_type == config.policy_type.value,
                )
                .values(values)
            )
        else:
            self._tx.execute(insert(dry_run_configs).values(values))
