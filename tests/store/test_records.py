"""What the database holds: secrets only sealed or hashed, purge after 48 hours, conflicts
surfaced as a retryable error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from sharekeeper.domain.errors import ConcurrentChange
from sharekeeper.services.housekeeping import purge_expired_records
from sharekeeper.store.tables import access_keys, accounts, invitations, resource_shares
from tests.sdk.helpers import create_share, invitation_for
from tests.support import Account, LiveServer


def test_secrets_are_not_stored_in_the_clear(server: LiveServer, owner: Account) -> None:
    temporary = server.temporary(owner, ttl_seconds=60)
    with server.runtime.engine.connect() as connection:
        rows = connection.execute(
            select(access_keys).where(access_keys.c.account_id == owner.account_id)
        ).all()
    stored = " ".join(str(value) for row in rows for value in row)
    assert len(rows) == 2
    assert owner.secret_key not in stored
    assert temporary.secret_key not in stored
    assert temporary.security_token and temporary.security_token not in stored


def test_deleted_shares_are_purged_with_their_records(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    from huaweicloudsdkram.v1 import DeleteResourceShareRequest

    share = create_share(owner, principals=[receiver.account_id])
    invitation_for(receiver, share.id)
    owner.ram.delete_resource_share(DeleteResourceShareRequest(resource_share_id=share.id))

    def count(table: object, column: object) -> int:
        with server.runtime.engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count()).select_from(table).where(column == share.id)  # type: ignore[arg-type]
                ).scalar_one()
            )

    purge_expired_records(server.runtime.context)
    assert count(resource_shares, resource_shares.c.id) == 1
    server.clock.advance(48 * 3600 * 1000 + 1)
    assert purge_expired_records(server.runtime.context) >= 1
    assert count(resource_shares, resource_shares.c.id) == 0
    assert count(invitations, invitations.c.resource_share_id) == 0


def test_a_constraint_conflict_is_a_retryable_error(server: LiveServer, owner: Account) -> None:
    with pytest.raises(ConcurrentChange), server.runtime.context.writing() as uow:
        uow.tx.execute(
            insert(accounts).values(
                id=owner.account_id, name="twin", created_at=0, aws_account_id="000000000001"
            )
        )
        uow.commit()


def test_expired_temporary_keys_are_purged_after_48_hours(
    server: LiveServer, owner: Account
) -> None:
    temporary = server.temporary(owner, ttl_seconds=60)

    def keys() -> set[str]:
        with server.runtime.engine.connect() as connection:
            listed = select(access_keys.c.access_key).where(
                access_keys.c.account_id == owner.account_id
            )
            return set(connection.execute(listed).scalars())

    server.clock.advance(48 * 3600 * 1000)
    purge_expired_records(server.runtime.context)
    assert keys() == {owner.access_key, temporary.access_key}  # expired, not yet 48 hours
    server.clock.advance(61 * 1000)
    purge_expired_records(server.runtime.context)
    assert keys() == {owner.access_key}
