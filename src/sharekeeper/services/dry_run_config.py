"""A root's dry-run configuration (Huawei's UpdateDryRunConfig and ShowDryRunConfig): where
the dry-run policies' logs would go. Recorded and answered; ShareKeeper writes no logs."""

from __future__ import annotations

from dataclasses import replace

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import OrgEntityNotFound, OrgInvalidParameter
from sharekeeper.domain.organizations import Organization
from sharekeeper.domain.policies import DryRunConfig, PolicyType
from sharekeeper.services.context import Context
from sharekeeper.services.directory import managed_organization, readable_organization


def show_dry_run_config(
    ctx: Context, caller: Caller, root_id: str, type_: PolicyType
) -> DryRunConfig:
    """A root that was never configured reads as disabled, every field empty. The management
    account's read, and a delegated administrator's (Huawei's ShowDryRunConfig page)."""
    with ctx.reading() as uow:
        organization = _dry_run_root(readable_organization(uow, caller), root_id, type_)
        found = uow.policies.dry_run_config(organization.id, type_)
    return found or DryRunConfig(
        organization.id,
        type_,
        False,
        created_at=organization.created_at,
        updated_at=organization.created_at,
    )


def update_dry_run_config(
    ctx: Context,
    caller: Caller,
    root_id: str,
    type_: PolicyType,
    enabled: bool | None,
    fields: dict[str, str | None],
) -> DryRunConfig:
    """Sets the status and the log destination; a field left out (None) keeps its value."""
    now = ctx.clock()
    with ctx.writing() as uow:
        organization = managed_organization(uow, caller, lock=True)
        _dry_run_root(organization, root_id, type_)
        old = uow.policies.dry_run_config(organization.id, type_)
        base = old or DryRunConfig(organization.id, type_, False, created_at=now)
        config = replace(
            base,
            enabled=base.enabled if enabled is None else enabled,
            bucket_name=_kept(fields, "bucket_name", base.bucket_name),
            region_id=_kept(fields, "region_id", base.region_id),
            bucket_prefix=_kept(fields, "bucket_prefix", base.bucket_prefix),
            agency_name=_kept(fields, "agency_name", base.agency_name),
            updated_at=now,
        )
        uow.policies.save_dry_run_config(config, exists=old is not None)
        uow.note_target(root_id)
        uow.commit()
    return config


def _kept(fields: dict[str, str | None], name: str, old: str) -> str:
    value = fields.get(name)
    return old if value is None else value


def _dry_run_root(organization: Organization, root_id: str, type_: PolicyType) -> Organization:
    if type_ is not PolicyType.SERVICE_CONTROL:
        raise OrgInvalidParameter("Dry runs are for service_control_policy only.")
    if root_id != organization.root_id:
        raise OrgEntityNotFound(root_id)
    return organization
