"""The migrations build exactly the schema tables.py declares, on the test database."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import IntegrityError

from sharekeeper.store import migrate
from sharekeeper.store.engine import (
    UnsupportedDatabase,
    create_database_engine,
    display_url,
    driver_url,
)
from sharekeeper.store.tables import metadata
from tests.conftest import POSTGRES_URL
from tests.support import LiveServer


def test_migrated_schema_matches_the_tables(server: LiveServer, database_url: str) -> None:
    with server.runtime.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    assert migrate.current_revision(server.runtime.engine) == migrate.head_revision()


def test_upgrade_twice_is_a_no_op(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_sqlite_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_plain_urls_get_our_drivers() -> None:
    assert driver_url("sqlite:///x.db") == "sqlite+pysqlite:///x.db"
    assert driver_url("postgresql://u@h:5432/d") == "postgresql+psycopg://u@h:5432/d"
    create_engine(driver_url("postgresql://u@h:5432/d")).dispose()


def test_a_multi_host_url_reaches_the_driver_with_every_host() -> None:
    """libpq's spelling, which SQLAlchemy cannot parse, becomes the one it can: libpq is given
    every host and port, in order, and the other parameters."""
    url = "postgresql://u:pw@h1:5432,[::1]:5433,h3/d?target_session_attrs=read-write"
    engine = create_engine(driver_url(url))
    _, parameters = engine.dialect.create_connect_args(engine.url)
    engine.dispose()
    parameters.pop("context", None)  # psycopg's type adapters, not a connection parameter
    assert parameters == {
        "user": "u",
        "password": "pw",
        "dbname": "d",
        "host": "h1,::1,h3",
        "port": "5432,5433,",
        "target_session_attrs": "read-write",
    }
    shown = display_url("postgresql://u:pw@h1:5432,h2:5433/d?target_session_attrs=read-write")
    assert (
        shown == "postgresql://u:***@/d?host=h1,h2&port=5432,5433&target_session_attrs=read-write"
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://u@h1,h2/d?port=5432", "names its hosts twice"),
        ("postgresql://u@h1:x,h2/d", "host list that cannot be parsed"),
        ("postgresql://u@h1,,h2/d", "host list that cannot be parsed"),
        ("postgresql://u@h1:x/d", "cannot be parsed"),
    ],
)
def test_a_bad_host_list_is_refused_with_its_reason(url: str, reason: str) -> None:
    with pytest.raises(UnsupportedDatabase, match=reason):
        driver_url(url)


def test_0014_credits_the_accounts_of_existing_organizations_to_their_managers(
    tmp_path: Path,
) -> None:
    """The accounts-a-day quota counts accounts.created_by: an account its organization
    created before the column existed counts for that organization's management account."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'backfill.db'}")
    _upgrade(engine, "0013")
    with engine.begin() as connection:
        for account in ("manager", "created", "alone"):
            connection.execute(
                text("INSERT INTO accounts (id, name, created_at) VALUES (:id, :id, 1)"),
                {"id": account},
            )
        connection.execute(
            text(
                "INSERT INTO organizations (id, management_account_id, root_id, sharing_enabled,"
                " created_at) VALUES ('o-1', 'manager', 'r-1', false, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO create_account_statuses VALUES"
                " ('s-1', 'o-1', 'created', 'created', 'succeeded', 1, 1)"
            )
        )
    _upgrade(engine, "0014")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, created_by FROM accounts ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("alone", None),
        ("created", "manager"),
        ("manager", None),
    ]


def _upgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = Config()
        config.set_main_option(
            "script_location", str(Path(migrate.__file__).with_name("migrations"))
        )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_0018_gives_existing_events_their_items_type(tmp_path: Path) -> None:
    """A service's feed filters a share's items by the event's resource type: the events
    written before the column existed get it from their data."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'events.db'}")
    _upgrade(engine, "0017")
    subnet = "vpc:cn-north-4:0123456789abcdef0123456789abcdef:subnets:subnet-1"
    written = [
        ("ram.resource_share.created", {"id": "s-1"}),
        (
            "ram.association.associated",
            {"association_type": "resource", "associated_entity": subnet},
        ),
        ("ram.association.associated", {"association_type": "principal", "associated_entity": "a"}),
        ("ram.permission.replaced", {"resource_type": "dns:zone", "permission_id": "p"}),
        ("organizations.account.joined", {"id": "a"}),
    ]
    with engine.begin() as connection:
        for kind, data in written:
            connection.execute(
                text(
                    "INSERT INTO events (id, kind, subject, share_id, at, data)"
                    " VALUES ('e', :kind, 's-1', 's-1', 1, :data)"
                ),
                {"kind": kind, "data": json.dumps(data)},
            )
    _upgrade(engine, "0018")
    with engine.connect() as connection:
        found = connection.execute(text("SELECT resource_type FROM events ORDER BY seq")).all()
    engine.dispose()
    assert [row[0] for row in found] == [None, "vpc:subnets", None, "dns:zone", None]


def test_0020_gives_every_existing_account_its_own_aws_account_id(tmp_path: Path) -> None:
    """Accounts made before AWS's wire API get 12 digits each, all different, and the column
    then refuses a second account with the same."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'aws.db'}")
    _upgrade(engine, "0019")
    with engine.begin() as connection:
        for n in range(50):
            connection.execute(
                text("INSERT INTO accounts (id, name, created_at) VALUES (:id, :id, 1)"),
                {"id": f"account-{n}"},
            )
    _upgrade(engine, "0020")
    with engine.connect() as connection:
        given = [row[0] for row in connection.execute(text("SELECT aws_account_id FROM accounts"))]
    assert len(given) == len(set(given)) == 50
    assert all(len(a) == 12 and a.isdigit() for a in given)
    with pytest.raises(Exception, match="UNIQUE"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, name, created_at, aws_account_id)"
                " VALUES ('twin', 'twin', 1, :aws)"
            ),
            {"aws": given[0]},
        )
    engine.dispose()


def test_0024_counts_each_owners_active_shares_under_the_foreign_keys(tmp_path: Path) -> None:
    """The count starts as what the create counted (active shares only), on a database whose
    shares name their owners: adding the column must not copy and drop the accounts table,
    which those foreign keys refuse."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'counts.db'}")
    _upgrade(engine, "0023")
    with engine.begin() as connection:
        for n, owner in enumerate(("owner", "idle")):
            connection.execute(
                text(
                    "INSERT INTO accounts (id, name, created_at, aws_account_id)"
                    " VALUES (:id, :id, 1, :aws)"
                ),
                {"id": owner, "aws": f"{n:012d}"},
            )
        for n, status in enumerate(("active", "active", "deleted", "active")):
            connection.execute(
                text(
                    "INSERT INTO resource_shares (id, owner_account_id, name, description,"
                    " allow_external_principals, status, created_at, updated_at)"
                    " VALUES (:id, 'owner', 's', '', true, :status, 1, 1)"
                ),
                {"id": f"share-{n}", "status": status},
            )
    _upgrade(engine, "0024")
    with engine.connect() as connection:
        counts = connection.execute(text("SELECT id, active_shares FROM accounts ORDER BY id"))
        found = [tuple(row) for row in counts]
    engine.dispose()
    assert found == [("idle", 0), ("owner", 3)]


def test_0021_keeps_the_trail_and_claims_each_client_token_once(tmp_path: Path) -> None:
    """Records written before it keep no token (any number of them per account and operation);
    a token is then claimed once per account and operation."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'tokens.db'}")
    _upgrade(engine, "0020")
    insert = text(
        "INSERT INTO audit_records (at, account_id, access_key, operation, targets, request_id,"
        " source_address, outcome) VALUES (1, 'a', 'k', 'aws:CreateResourceShare', '[]', 'r',"
        " 's', '200')"
    )
    with engine.begin() as connection:
        connection.execute(insert)
        connection.execute(insert)
    _upgrade(engine, "0021")
    claim = text(
        "INSERT INTO audit_records (at, account_id, access_key, operation, targets, request_id,"
        " source_address, outcome, client_token, request_digest) VALUES (1, :account, 'k',"
        " 'aws:CreateResourceShare', '[]', 'r', 's', '200', 't', 'd')"
    )
    with engine.begin() as connection:
        connection.execute(insert)  # still no token: never a collision
        connection.execute(claim, {"account": "a"})
        connection.execute(claim, {"account": "b"})  # another account's own token
    with pytest.raises(Exception, match="UNIQUE"), engine.begin() as connection:
        connection.execute(claim, {"account": "a"})
    engine.dispose()


def test_0022_reads_every_existing_binding_as_the_catalogues(tmp_path: Path) -> None:
    """Bindings and customer-managed permissions made before it: the catalogue's, and
    attachable."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'bindings.db'}")
    _upgrade(engine, "0021")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, name, created_at, aws_account_id)"
                " VALUES ('a', 'a', 1, '123456789012')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO resource_shares (id, name, description, owner_account_id,"
                " allow_external_principals, status, created_at, updated_at)"
                " VALUES ('s', 's', '', 'a', 1, 'active', 1, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO share_permissions (resource_share_id, permission_id,"
                " permission_version, resource_type, status, created_at, updated_at)"
                " VALUES ('s', 'p', 1, 'vpc:subnet', 'associated', 1, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO customer_permissions (id, owner_account_id, name, resource_type,"
                " default_version, created_at, updated_at) VALUES ('c', 'a', 'n', 'vpc:subnet',"
                " 1, 1, 1)"
            )
        )
    _upgrade(engine, "0022")
    with engine.connect() as connection:
        kinds = connection.execute(text("SELECT permission_type FROM share_permissions")).all()
        statuses = connection.execute(text("SELECT status FROM customer_permissions")).all()
    engine.dispose()
    assert [row[0] for row in kinds] == ["RAM_MANAGED"]
    assert [row[0] for row in statuses] == ["ATTACHABLE"]


def test_a_database_with_shares_upgrades_from_0019_and_keeps_its_foreign_keys(
    tmp_path: Path,
) -> None:
    """0020 copies the accounts table (a batch on SQLite): with shares and associations naming
    their owners, the foreign keys refused the copy's drop, so a database in use could not be
    upgraded. The upgrade runs with them off, checks the rows after, and leaves every pooled
    connection with them on again."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'used.db'}")
    _upgrade(engine, "0019")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO accounts (id, name, created_at) VALUES ('owner', 'owner', 1)")
        )
        connection.execute(
            text(
                "INSERT INTO resource_shares (id, owner_account_id, name, description,"
                " allow_external_principals, status, created_at, updated_at)"
                " VALUES ('share-1', 'owner', 's', '', true, 'active', 1, 1)"
            )
        )
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as connection:
        owners = connection.execute(text("SELECT owner_account_id FROM resource_shares")).all()
        aws_ids = connection.execute(text("SELECT aws_account_id FROM accounts")).all()
        enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    engine.dispose()
    assert [tuple(r) for r in owners] == [("owner",)]
    assert len(aws_ids[0][0]) == 12
    assert enforced == 1


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of each kind: a file for SQLite, a schema of its own in
    the test database for PostgreSQL (skipped without one)."""
    if request.param == "sqlite":
        engine = create_database_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    if POSTGRES_URL is None:
        pytest.skip("SHAREKEEPER_TEST_POSTGRES_URL is not set")
    schema = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(driver_url(POSTGRES_URL))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_database_engine(POSTGRES_URL)

    @event.listens_for(engine, "connect")
    def in_the_schema(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute(f"SET search_path TO {schema}")
        cursor.close()
        connection.commit()

    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_0025_copies_each_share_name_onto_its_invitations(empty_engine: Engine) -> None:
    """Invitations written before it get their share's name; the column then refuses an
    invitation without one (no default hides a writer that forgot it)."""
    engine = empty_engine
    _upgrade(engine, "0024")
    invitation = text(
        "INSERT INTO invitations (id, resource_share_id, sender_account_id,"
        " receiver_account_id, status, created_at, updated_at, expires_at)"
        " VALUES (:id, :share, 'owner', 'receiver', 'accepted', 1, 1, 2)"
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, name, created_at, aws_account_id)"
                " VALUES ('owner', 'owner', 1, '000000000001')"
            )
        )
        for share, name in (("share-1", "first"), ("share-2", "second")):
            connection.execute(
                text(
                    "INSERT INTO resource_shares (id, owner_account_id, name, description,"
                    " allow_external_principals, status, created_at, updated_at)"
                    " VALUES (:id, 'owner', :name, '', true, 'active', 1, 1)"
                ),
                {"id": share, "name": name},
            )
        for n, share in enumerate(("share-1", "share-2", "share-2")):
            connection.execute(invitation, {"id": f"invitation-{n}", "share": share})
    _upgrade(engine, "0025")
    with engine.connect() as connection:
        named = connection.execute(
            text("SELECT id, resource_share_name FROM invitations ORDER BY id")
        ).all()
    assert [tuple(row) for row in named] == [
        ("invitation-0", "first"),
        ("invitation-1", "second"),
        ("invitation-2", "second"),
    ]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(invitation, {"id": "invitation-3", "share": "share-1"})
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            created = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'invitations'")
            ).scalar_one()
        # The copy keeps AUTOINCREMENT: an invitation's seq is never reused.
        assert "AUTOINCREMENT" in created


def test_0026_keeps_each_shares_tags_on_its_row_and_share_tags_without_rowid(
    empty_engine: Engine,
) -> None:
    """Shares tagged before it get their tags on their row in key order ([] without any);
    on SQLite share_tags is copied WITHOUT ROWID and keeps its rows, its primary key and
    its cascade from the share."""
    engine = empty_engine
    _upgrade(engine, "0025")
    tag = text("INSERT INTO share_tags (resource_share_id, key, value) VALUES (:s, :k, :v)")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO accounts (id, name, created_at, aws_account_id)"
                " VALUES ('owner', 'owner', 1, '000000000001')"
            )
        )
        for share in ("share-1", "share-2", "share-3"):
            connection.execute(
                text(
                    "INSERT INTO resource_shares (id, owner_account_id, name, description,"
                    " allow_external_principals, status, created_at, updated_at)"
                    " VALUES (:id, 'owner', :id, '', true, 'active', 1, 1)"
                ),
                {"id": share},
            )
        for share, key, value in (
            ("share-1", "zone", "z"),
            ("share-1", "app", "a"),
            ("share-1", "env", "prod"),
            ("share-3", "env", "dev"),
        ):
            connection.execute(tag, {"s": share, "k": key, "v": value})
    _upgrade(engine, "0026")
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT id, tags FROM resource_shares ORDER BY id")).all()
        rows = connection.execute(text("SELECT count(*) FROM share_tags")).scalar_one()
    assert [(share, json.loads(tags)) for share, tags in kept] == [
        ("share-1", [["app", "a"], ["env", "prod"], ["zone", "z"]]),
        ("share-2", []),
        ("share-3", [["env", "dev"]]),
    ]
    assert rows == 4
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(tag, {"s": "share-3", "k": "env", "v": "again"})
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM resource_shares WHERE id = 'share-1'"))
        left = connection.execute(text("SELECT resource_share_id FROM share_tags")).all()
    assert [row[0] for row in left] == ["share-3"]
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            created = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'share_tags'")
            ).scalar_one()
        assert created.rstrip().endswith("WITHOUT ROWID"), created
