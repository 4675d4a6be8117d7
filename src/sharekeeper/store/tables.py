"""Tables, with named constraints and indexes. Portable SQL only (SQLite and PostgreSQL).

Times are integer milliseconds since the epoch (see domain/clock.py). Every list is paged by a
``seq`` column that only grows, so a marker is the last ``seq`` seen and a page is an index range.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# SQLite only makes INTEGER PRIMARY KEY an alias of the rowid; AUTOINCREMENT keeps it from
# reusing the highest value after a purge, so an old marker never skips a new row.
Seq = BigInteger().with_variant(Integer(), "sqlite")
Millis = BigInteger


def _seq() -> Column[int]:
    return Column("seq", Seq, primary_key=True, autoincrement=True)


accounts = Table(
    "accounts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("created_at", Millis, nullable=False),
    # The management account whose CreateAccount made it (none for the operator's): the
    # accounts-a-day quota counts these, which outlive the organization (migration 0014).
    Column("created_by", String(32)),
    # The same account's id on AWS's wire API (docs/aws.md): 12 digits, given at creation.
    Column("aws_account_id", String(12), nullable=False),
    # How many active shares the account owns: its share quota's count, kept by the create
    # (which raises it with one UPDATE that also takes the quota's lock) and the delete, so a
    # create does not count the owner's shares (migration 0024, docs/performance.md).
    Column("active_shares", Integer, nullable=False, server_default=text("0")),
    Index("ix_accounts_created_by", "created_by", "created_at"),
    UniqueConstraint("aws_account_id"),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("access_key", String(40), primary_key=True),
    Column(
        "account_id",
        String(32),
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("sealed_secret", String(256), nullable=False),
    Column("token_hash", String(64)),
    Column("expires_at", Millis),
    Column("revoked_at", Millis),
    Column("created_at", Millis, nullable=False),
)

resource_shares = Table(
    "resource_shares",
    metadata,
    _seq(),
    Column("id", String(36), nullable=False, unique=True),
    Column("owner_account_id", String(32), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("description", String(256), nullable=False),
    Column("allow_external_principals", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    # The share's tags (share_tags) in key order as JSON text, [[key, value], ...], kept by
    # every write of them (store/tags.py, store/shares.py): a page of shares reads its tags
    # with its rows instead of a subquery per share (migration 0026, docs/performance.md).
    Column("tags", Text, nullable=False, server_default="[]"),
    Index("ix_resource_shares_owner_seq", "owner_account_id", "seq"),
    Index("ix_resource_shares_owner_status", "owner_account_id", "status"),
    Index("ix_resource_shares_status_updated", "status", "updated_at"),
    sqlite_autoincrement=True,
)

associations = Table(
    "associations",
    metadata,
    _seq(),
    Column(
        "resource_share_id",
        String(36),
        ForeignKey("resource_shares.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("association_type", String(16), nullable=False),
    Column("entity", Text, nullable=False),
    # SHA-256 of ``entity``: a URN may be 1,500 characters of any script, too wide for a
    # portable unique index, so uniqueness and look-ups go through the hash.
    Column("entity_hash", String(64), nullable=False),
    # The account a principal association gives access to (NULL for other principals).
    Column("principal_account_id", String(32)),
    Column("resource_type", String(100)),
    Column("resource_region", String(255)),
    Column("resource_id", Text),
    Column("status", String(16), nullable=False),
    Column("status_message", Text),
    Column("external", Boolean),
    Column("expires_at", Millis),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    UniqueConstraint("resource_share_id", "association_type", "entity_hash"),
    Index("ix_associations_principal_account", "principal_account_id", "status"),
    Index("ix_associations_entity_hash", "entity_hash"),
    Index("ix_associations_status_updated", "status", "updated_at"),
    sqlite_autoincrement=True,
)

# The accounts a share's service principals may act for (domain/share_sources.py).
share_sources = Table(
    "share_sources",
    metadata,
    _seq(),
    Column(
        "resource_share_id",
        String(36),
        ForeignKey("resource_shares.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("source_id", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_message", Text),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    UniqueConstraint("resource_share_id", "source_id"),
    sqlite_autoincrement=True,
)

invitations = Table(
    "invitations",
    metadata,
    _seq(),
    Column("id", String(36), nullable=False, unique=True),
    Column(
        "resource_share_id",
        String(36),
        ForeignKey("resource_shares.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # The share's name, copied (migration 0025): an invitation is read, listed above all, far
    # more often than a share is renamed, and its reads then need no join or lookup of the
    # share. A rename changes it in the same unit of work (store/shares.py: ``save``).
    Column("resource_share_name", String(64), nullable=False),
    Column("sender_account_id", String(32), nullable=False),
    Column("receiver_account_id", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    Column("expires_at", Millis, nullable=False),
    Index("ix_invitations_receiver_seq", "receiver_account_id", "seq"),
    Index("ix_invitations_sender_seq", "sender_account_id", "seq"),
    # Forgetting a receiver's withdrawn invitations from one owner (store/invitations.py).
    Index("ix_invitations_receiver_sender", "receiver_account_id", "sender_account_id"),
    # At most one open invitation per share and receiver, enforced by the database.
    Index(
        "uq_invitations_pending",
        "resource_share_id",
        "receiver_account_id",
        unique=True,
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
    sqlite_autoincrement=True,
)

share_permissions = Table(
    "share_permissions",
    metadata,
    _seq(),
    Column(
        "resource_share_id",
        String(36),
        ForeignKey("resource_shares.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("permission_id", String(36), nullable=False, index=True),
    Column("permission_version", Integer, nullable=False),
    # RAM_MANAGED: the catalogue's; CUSTOMER_MANAGED: the share owner's own (migration 0022).
    Column("permission_type", String(16), nullable=False, server_default="RAM_MANAGED"),
    Column("resource_type", String(100), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    UniqueConstraint("resource_share_id", "resource_type"),
    sqlite_autoincrement=True,
)

# Customer-managed permissions (AWS RAM's CreatePermission; domain/customer_permissions.py):
# an account's own, by name, and their versions' policy templates.
customer_permissions = Table(
    "customer_permissions",
    metadata,
    _seq(),
    Column("id", String(36), nullable=False, unique=True),
    Column(
        "owner_account_id",
        String(32),
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(36), nullable=False),
    Column("resource_type", String(100), nullable=False),
    Column("default_version", Integer, nullable=False),
    # ATTACHABLE or DEPRECATED (UpdatePermission; migration 0022).
    Column("status", String(16), nullable=False, server_default="ATTACHABLE"),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    UniqueConstraint("owner_account_id", "name"),
    sqlite_autoincrement=True,
)

customer_permission_versions = Table(
    "customer_permission_versions",
    metadata,
    Column(
        "permission_id",
        String(36),
        ForeignKey("customer_permissions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("template", Text, nullable=False),
    Column("created_at", Millis, nullable=False),
    PrimaryKeyConstraint("permission_id", "version"),
)

# ReplacePermissionAssociations' work records (domain/permission_work.py).
permission_replacements = Table(
    "permission_replacements",
    metadata,
    _seq(),
    Column("id", String(36), nullable=False, unique=True),
    Column(
        "owner_account_id",
        String(32),
        ForeignKey("accounts.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("from_permission_id", String(36), nullable=False),
    Column("from_version", Integer),
    Column("to_permission_id", String(36), nullable=False),
    Column("to_version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("replaced", Integer, nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    Index("ix_permission_replacements_owner_seq", "owner_account_id", "seq"),
    sqlite_autoincrement=True,
)

share_tags = Table(
    "share_tags",
    metadata,
    Column(
        "resource_share_id",
        String(36),
        ForeignKey("resource_shares.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("key", String(128), nullable=False),
    Column("value", String(255), nullable=False),
    PrimaryKeyConstraint("resource_share_id", "key"),
    Index("ix_share_tags_key_value", "key", "value"),
    # On SQLite the value lives in the primary key's B-tree: a search's tag filter finds it
    # there, with no look-up of a row by its rowid (migration 0026).
    sqlite_with_rowid=False,
)

organizations = Table(
    "organizations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column(
        "management_account_id",
        String(32),
        ForeignKey("accounts.id"),
        nullable=False,
        unique=True,
    ),
    Column("root_id", String(40), nullable=False),
    Column("sharing_enabled", Boolean, nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("sharing_enabled_at", Millis),
)

# The root of an organization is the unit without a parent; OUs nest under it.
org_units = Table(
    "org_units",
    metadata,
    Column("id", String(40), primary_key=True),
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("parent_id", String(40), ForeignKey("org_units.id")),
    Column("name", String(128), nullable=False),
    Column("created_at", Millis, nullable=False),
)

org_members = Table(
    "org_members",
    metadata,
    Column(
        "account_id", String(32), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("parent_id", String(40), ForeignKey("org_units.id"), nullable=False),
    Column("joined_at", Millis, nullable=False),
    # "invited" (a handshake, or placed by the command line) or "created" (CreateAccount, or
    # the account that founded the organization).
    Column("join_method", String(16), nullable=False, server_default="invited"),
    # The Organizations API's description of the member account (UpdateAccount).
    Column("description", String(1024), nullable=False, server_default=""),
)

handshakes = Table(
    "handshakes",
    metadata,
    Column("id", String(40), primary_key=True),
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("management_account_id", String(32), nullable=False),
    Column("target_account_id", String(32), nullable=False),
    Column("notes", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    Column("expired_at", Millis, nullable=False),
)

create_account_statuses = Table(
    "create_account_statuses",
    metadata,
    Column("id", String(40), primary_key=True),
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("account_id", String(32), nullable=False),
    Column("account_name", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("completed_at", Millis, nullable=False),
)

# The services an organization trusts, other than RAM: RAM's trust is the organization's own
# sharing_enabled (one switch, two APIs), with its time in sharing_enabled_at.
trusted_services = Table(
    "trusted_services",
    metadata,
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("service_principal", String(64), primary_key=True),
    Column("enabled_at", Millis, nullable=False),
)

audit_records = Table(
    "audit_records",
    metadata,
    _seq(),
    Column("at", Millis, nullable=False),
    Column("account_id", String(32), nullable=False),
    Column("access_key", String(40), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("targets", Text, nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("source_address", String(64), nullable=False),
    Column("outcome", String(64), nullable=False),
    # Where the call came from: "api" (signed HTTP) or "console" (the web console).
    # "api", "console" or "admin" (domain/audit.py: AuditRecord.channel).
    Column("channel", String(16), nullable=False, server_default="api"),
    # How many calls the record stands for: refused attempts at a secret are gathered per
    # source and minute (domain/audit.py: FailureTally).
    Column("count", Integer, nullable=False, server_default="1"),
    # An AWS write's clientToken and the SHA-256 of its members (domain/audit.py: Claim); NULL
    # for every other record, and NULLs never collide in the unique index.
    Column("client_token", String(64)),
    Column("request_digest", String(64)),
    Index("ix_audit_records_account_seq", "account_id", "seq"),
    Index("ix_audit_records_at", "at"),
    Index("uq_audit_records_client_token", "account_id", "operation", "client_token", unique=True),
    sqlite_autoincrement=True,
)

console_sessions = Table(
    "console_sessions",
    metadata,
    # SHA-256 of the browser's token: the database never holds a usable session.
    Column("token_hash", String(64), primary_key=True),
    # The account and key signed in with; both NULL for the operator. A key or account that is
    # deleted takes its sessions with it.
    Column("account_id", String(32), ForeignKey("accounts.id", ondelete="CASCADE")),
    Column("access_key", String(40), ForeignKey("access_keys.access_key", ondelete="CASCADE")),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("seen_at", Millis, nullable=False),
    Column("expires_at", Millis, nullable=False, index=True),
    # The operator's sessions: a fingerprint (keyed HMAC) of the admin token they signed in
    # with.
    Column("admin_token_hash", String(64)),
)

# One row: a fingerprint of the master key the database's secrets are sealed under (an HMAC of
# a fixed label under the key, never the key), so a process given another key refuses to start
# instead of answering every signed request with a failure (store/master_key.py).
master_key = Table(
    "master_key",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("fingerprint", String(64), nullable=False),
    Column("recorded_at", Millis, nullable=False),
    CheckConstraint("id = 1", name="one_row"),
)

# The directory's reads page on these (store/paging.py's keyset over a time and an id): each
# list's filter, then its order, so a page of n rows reads n + 1 index entries whatever the
# organization's size. They also serve the lookups by their leading column (foreign keys
# included): the single-column indexes they superseded were dropped (migration 0013).
# Declared apart from their tables so that changes to the tables and to the reads stay apart.
DIRECTORY_INDEXES = (
    Index("ix_organizations_created", organizations.c.created_at, organizations.c.id),
    Index(
        "ix_org_units_org_created",
        org_units.c.organization_id,
        org_units.c.created_at,
        org_units.c.id,
    ),
    Index(
        "ix_org_units_parent_created", org_units.c.parent_id, org_units.c.created_at, org_units.c.id
    ),
    Index(
        "ix_org_members_org_joined",
        org_members.c.organization_id,
        org_members.c.joined_at,
        org_members.c.account_id,
    ),
    Index(
        "ix_org_members_parent_joined",
        org_members.c.parent_id,
        org_members.c.joined_at,
        org_members.c.account_id,
    ),
    Index(
        "ix_handshakes_org_created",
        handshakes.c.organization_id,
        handshakes.c.created_at,
        handshakes.c.id,
    ),
    Index(
        "ix_handshakes_target_created",
        handshakes.c.target_account_id,
        handshakes.c.created_at,
        handshakes.c.id,
    ),
    Index(
        "ix_create_account_statuses_org_state_created",
        create_account_statuses.c.organization_id,
        create_account_statuses.c.state,
        create_account_statuses.c.created_at,
        create_account_statuses.c.id,
    ),
)

# Delegated administrators (store/delegation.py): one row per member account and service. The
# membership key cascades, so an account that leaves (RemoveAccount, LeaveOrganization,
# CloseAccount, a deleted organization) stops being one in the same statement.
delegated_administrators = Table(
    "delegated_administrators",
    metadata,
    Column(
        "account_id",
        String(32),
        ForeignKey("org_members.account_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("service_principal", String(100), primary_key=True),
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("enabled_at", Millis, nullable=False),
    Index(
        "ix_delegated_administrators_org_service",
        "organization_id",
        "service_principal",
        "account_id",
    ),
)

# -- Organizations policies (store/policies.py) -----------------------------------------------
# Customer policies, and dry-run policies beside them (``dry_run``): one domain, one table.
# Huawei's system policy (FullAccess) is no row: it is the same in every organization.
policies = Table(
    "policies",
    metadata,
    Column("id", String(40), primary_key=True),
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("dry_run", Boolean, nullable=False),
    Column("type", String(32), nullable=False),
    Column("name", String(64), nullable=False),
    Column("description", String(512), nullable=False),
    Column("content", Text, nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
    UniqueConstraint("organization_id", "dry_run", "type", "name"),
)
# Which policy is attached to which root, OU or account (an entity's id, whichever kind).
policy_attachments = Table(
    "policy_attachments",
    metadata,
    Column(
        "policy_id",
        String(40),
        ForeignKey("policies.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("entity_id", String(40), primary_key=True, index=True),
    Column("attached_at", Millis, nullable=False),
)
# The policy types enabled in an organization's root (absent: disabled).
root_policy_types = Table(
    "root_policy_types",
    metadata,
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("policy_type", String(32), primary_key=True),
    Column("enabled_at", Millis, nullable=False),
)
# The dry-run configuration of a root, per policy type (only SCPs on Huawei).
dry_run_configs = Table(
    "dry_run_configs",
    metadata,
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("policy_type", String(32), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("bucket_name", String(64), nullable=False),
    Column("region_id", String(64), nullable=False),
    Column("bucket_prefix", String(256), nullable=False),
    Column("agency_name", String(64), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
)

# --- Organizations tags, contact details and closed accounts (branch tags) ---

# Tags on the nodes and policies of an organization (Huawei's Organizations tag API), kept per
# organization: a node that leaves it (an account, a deleted OU) has its tags dropped, and an
# organization's tags go with it. ``resource_type`` is the API's ("organizations:ous", ...),
# or "organizations:handshakes" for the tags an invitation carries to the account that joins.
org_tags = Table(
    "org_tags",
    metadata,
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("resource_type", String(32), nullable=False),
    Column("resource_id", String(130), nullable=False),
    Column("key", String(128), nullable=False),
    Column("value", String(255), nullable=False),
    PrimaryKeyConstraint("organization_id", "resource_type", "resource_id", "key"),
    Index("ix_org_tags_type_key", "organization_id", "resource_type", "key"),
)

# The contact details an account was created with (CreateAccount's email and phone), shown
# only to a caller that asks for them (with_register_contact_info=true).
account_contacts = Table(
    "account_contacts",
    metadata,
    Column(
        "account_id", String(32), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("email", String(64)),
    Column("mobile_phone", String(32)),
)

# One record per account an organization closed (ListCloseAccountStatuses); closing is done at
# once, so its state is "suspended" from the start.
close_account_statuses = Table(
    "close_account_statuses",
    metadata,
    Column(
        "organization_id",
        String(40),
        ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("account_id", String(32), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("updated_at", Millis, nullable=False),
)

# Resource services that ask for decisions (domain/service_principals.py): one key each, its
# secret sealed under the master key as an account key's is. ``namespaces`` is the services'
# names joined by spaces (a namespace holds none).
service_principals = Table(
    "service_principals",
    metadata,
    _seq(),
    Column("id", String(40), nullable=False, unique=True),
    Column("name", String(64), nullable=False),
    Column("namespaces", Text, nullable=False),
    Column("access_key", String(40), nullable=False, unique=True),
    Column("sealed_secret", String(256), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("revoked_at", Millis),
    sqlite_autoincrement=True,
)

# Decisions start from the hashes of a resource's URN and of the principal's entities, and want
# only live associations of one type (store/decisions.py): with equality on three columns this
# index is the planner's pick over ix_associations_status_updated, whose leading status matches
# most rows (SQLite has no statistics to tell them apart).
DECISION_INDEXES = (
    Index(
        "ix_associations_entity_type_status",
        associations.c.entity_hash,
        associations.c.association_type,
        associations.c.status,
    ),
)

# The change feed's outbox (domain/events.py, docs/enforcement.md): one row per change, written
# in the change's own transaction. ``seq`` is the feed's cursor: rows are inserted under a
# lock that serialises the writers until they commit (store/events.py), so ``seq`` grows in
# commit order. ``share_id`` is the share a change is about (NULL for directory changes) and
# ``resource_type`` the type of the share's item it is about (a resource's association, a bound
# permission; NULL otherwise), for the service principals' scoping; ``data`` the changed object
# in the API's wire shape (JSON).
events = Table(
    "events",
    metadata,
    _seq(),
    Column("id", String(36), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("share_id", String(36)),
    Column("at", Millis, nullable=False),
    Column("data", Text, nullable=False),
    Column("resource_type", String(64)),
    Index("ix_events_at", "at"),
    Index("ix_events_share_id", "share_id"),
    sqlite_autoincrement=True,
)

# The outbox's relays (events/nats_relay.py): one row per relay target, its position (the feed
# cursor published and acknowledged up to, NULL before the first) and a lease: only the holder
# whose lease runs publishes, so several workers or hosts on one database relay once.
relays = Table(
    "relays",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", Seq),
    Column("holder", String(128), nullable=False),
    Column("lease_until", Millis, nullable=False),
)

# Webhooks (domain/webhooks.py, events/webhooks.py): where the feed is POSTed. ``types`` is the
# type patterns joined by spaces (empty: every type); the secret is sealed under the master key
# as an account key's is (the server recomputes each body's HMAC). Each webhook's lease and
# position is its row in ``relays``, named ``webhook:<id>``.
webhooks = Table(
    "webhooks",
    metadata,
    _seq(),
    Column("id", String(40), nullable=False, unique=True),
    Column("url", Text, nullable=False),
    Column("types", Text, nullable=False),
    Column("sealed_secret", String(256), nullable=False),
    Column("created_at", Millis, nullable=False),
    Column("state", String(16), nullable=False),
    sqlite_autoincrement=True,
)

# Events a webhook's receiver did not take in every try, with the body sent; a replay is
# asked for by setting ``replay_requested_at``, and done by the delivering server.
webhook_dead_letters = Table(
    "webhook_dead_letters",
    metadata,
    _seq(),
    Column("id", String(40), nullable=False, unique=True),
    Column(
        "webhook_id",
        String(40),
        ForeignKey("webhooks.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("cursor", Seq, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("body", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(500), nullable=False),
    Column("failed_at", Millis, nullable=False),
    Column("replay_requested_at", Millis),
    Index("ix_webhook_dead_letters_webhook", "webhook_id", "seq"),
    sqlite_autoincrement=True,
)
