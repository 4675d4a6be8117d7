"""The organization directory: organizations, their units (root and OUs) and members."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.organizations import (
    JoinMethod,
    Membership,
    Organization,
    OrgUnit,
    TrustedService,
)
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.store.paging import (
    after_key,
    decode_key,
    encode_key,
    fetch_key_page,
    key_page_of,
)
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.rows import Field, RowMapping, enum_of
from sharekeeper.store.tables import (
    accounts,
    create_account_statuses,
    handshakes,
    org_members,
    org_units,
    organizations,
    trusted_services,
)
from sharekeeper.store.transaction import Transaction

ORG = organizations.c
U = org_units.c
M = org_members.c
T = trusted_services.c
ORGANIZATION = RowMapping(
    Organization,
    ORG.id,
    ORG.management_account_id,
    ORG.root_id,
    Field(ORG.sharing_enabled, convert=bool),
    ORG.created_at,
    ORG.sharing_enabled_at,
)
TRUSTED = RowMapping(TrustedService, T.service_principal, T.enabled_at)
UNIT = RowMapping(OrgUnit, U.id, U.organization_id, U.parent_id, U.name, U.created_at)
MEMBERSHIP = RowMapping(
    Membership,
    M.account_id,
    M.organization_id,
    M.parent_id,
    Field(M.join_method, convert=enum_of(JoinMethod)),
    M.joined_at,
    M.description,
)
# Built once: building it per call cost more than running it (a create's 0.7 ms, cProfile).
_MEMBERS = (
    select(*MEMBERSHIP.columns)
    .where(M.account_id.in_(bindparam("account_ids", expanding=True)))
    .order_by(M.account_id)
)
_LOCK_SHARED = _MEMBERS.with_for_update(read=True)
_LOCK_EXCLUSIVE = _MEMBERS.with_for_update()
_ONE_MEMBER = select(*MEMBERSHIP.columns).where(M.account_id == bindparam("account_id"))


def _join(dialect: Any) -> Prepared:
    """Inserts a membership unless the account has one (its primary key): RETURNING, not the
    row count, says which, since psycopg reports -1 for an insert that did nothing. Each
    dialect spells the upsert its own way; each statement is built and compiled once."""
    values = {c.name: bindparam(c.name, type_=c.type) for c in MEMBERSHIP.columns}
    statement = dialect.insert(org_members).values(values)
    return Prepared(
        statement.on_conflict_do_nothing(index_elements=[M.account_id]).returning(M.account_id)
    )


_JOIN_SQLITE = _join(sqlite)
_JOIN_POSTGRESQL = _join(postgresql)
_MEMBERSHIP = Prepared(_ONE_MEMBER)
_MEMBERSHIP_SHARED = Prepared(_ONE_MEMBER.with_for_update(read=True))
# A member and its account's name, in one row (the name is the row's last column).
_NAMED_MEMBERS = select(*MEMBERSHIP.columns, accounts.c.name).join(
    accounts, accounts.c.id == M.account_id
)

# A member with its account's name, as a directory page lists it.
NamedMember = tuple[Membership, str]


def _named(row: Any) -> NamedMember:
    return MEMBERSHIP.read(row), row[-1]


class OrganizationRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, organization: Organization, root: OrgUnit) -> None:
        self._tx.execute(insert(organizations).values(ORGANIZATION.values(organization)))
        self.add_unit(root)

    def named_by(
        self, organization_ids: Sequence[str], unit_ids: Sequence[str]
    ) -> list[Organization]:
        """The organizations with these ids or holding these roots or OUs (principals that
        name a node without its organization), in one statement."""
        if not organization_ids and not unit_ids:
            return []
        holding = select(U.organization_id).where(U.id.in_(sorted(set(unit_ids))))
        statement = (
            select(*ORGANIZATION.columns)
            .where(or_(ORG.id.in_(sorted(set(organization_ids))), ORG.id.in_(holding)))
            .order_by(ORG.created_at, ORG.id)
        )
        return [ORGANIZATION.read(row) for row in self._tx.execute(statement).all()]

    def get(self, organization_id: str, lock: bool = False) -> Organization | None:
        statement = select(*ORGANIZATION.columns).where(ORG.id == organization_id)
        if lock:
            statement = statement.with_for_update()
        row = self._tx.execute(statement).first()
        return None if row is None else ORGANIZATION.read(row)

    def set_sharing(self, organization_id: str, enabled: bool, now: Millis) -> None:
        """Switches organization sharing (RAM's trust); a switch to what it is keeps its time."""
        self._tx.execute(
            update(organizations)
            .where(ORG.id == organization_id, ORG.sharing_enabled != enabled)
            .values(sharing_enabled=enabled, sharing_enabled_at=now if enabled else None)
        )

    def delete(self, organization_id: str) -> None:
        """An organization left with its root and management account, and what it recorded."""
        self._tx.execute(delete(org_members).where(M.organization_id == organization_id))
        for table in (trusted_services, handshakes, create_account_statuses):
            self._tx.execute(delete(table).where(table.c.organization_id == organization_id))
        # Only its root is left (the service refuses to delete one that holds OUs).
        self._tx.execute(delete(org_units).where(U.organization_id == organization_id))
        self._tx.execute(delete(organizations).where(ORG.id == organization_id))

    def members(self, organization_id: str) -> list[Membership]:
        return self.members_of([organization_id])

    def units(self, organization_id: str) -> list[OrgUnit]:
        """The root and every OU, oldest first."""
        return self.units_of([organization_id])

    def members_of(self, organization_ids: Sequence[str]) -> list[Membership]:
        """The members of several organizations in one statement (the operator's pages)."""
        if not organization_ids:
            return []
        statement = (
            select(*MEMBERSHIP.columns)
            .where(M.organization_id.in_(organization_ids))
            .order_by(M.joined_at, M.account_id)
        )
        return [MEMBERSHIP.read(row) for row in self._tx.execute(statement)]

    def units_of(self, organization_ids: Sequence[str]) -> list[OrgUnit]:
        """The roots and OUs of several organizations in one statement."""
        if not organization_ids:
            return []
        statement = (
            select(*UNIT.columns)
            .where(U.organization_id.in_(organization_ids))
            .order_by(U.created_at, U.id)
        )
        return [UNIT.read(row) for row in self._tx.execute(statement)]

    def rename_unit(self, unit_id: str, name: str) -> None:
        self._tx.execute(update(org_units).where(U.id == unit_id).values(name=name))

    def other_trusted_services(self, organization_id: str) -> list[TrustedService]:
        rows = self._tx.execute(
            select(*TRUSTED.columns).where(T.organization_id == organization_id)
        )
        return [TRUSTED.read(row) for row in rows]

    def trust(self, organization_id: str, service: TrustedService) -> None:
        self._tx.execute(
            insert(trusted_services).values(
                organization_id=organization_id, **TRUSTED.values(service)
            )
        )

    def distrust(self, organization_id: str, service_principal: str) -> None:
        self._tx.execute(
            delete(trusted_services).where(
                T.organization_id == organization_id, T.service_principal == service_principal
            )
        )

    def add_unit(self, unit: OrgUnit) -> None:
        self._tx.execute(insert(org_units).values(UNIT.values(unit)))

    def get_unit(self, unit_id: str) -> OrgUnit | None:
        row = self._tx.execute(select(*UNIT.columns).where(U.id == unit_id)).first()
        return None if row is None else UNIT.read(row)

    def parents(self, organization_id: str) -> dict[str, str | None]:
        """unit id -> parent unit id, for the whole organization (a small tree)."""
        rows = self._tx.execute(
            select(U.id, U.parent_id).where(U.organization_id == organization_id)
        )
        return {row.id: row.parent_id for row in rows}

    def unit_is_empty(self, unit_id: str) -> bool:
        child = exists().where(U.parent_id == unit_id)
        member = exists().where(M.parent_id == unit_id)
        return not self._tx.execute(select(or_(child, member))).scalar()

    def delete_unit(self, unit_id: str) -> None:
        self._tx.execute(delete(org_units).where(U.id == unit_id))

    def membership(self, account_id: str, shared_lock: bool = False) -> Membership | None:
        """``shared_lock``: held until the transaction ends (see ``lock_members``)."""
        statement = _MEMBERSHIP_SHARED if shared_lock else _MEMBERSHIP
        row = self._tx.first(statement, {"account_id": account_id})
        return None if row is None else MEMBERSHIP.read(row)

    def memberships(self, account_ids: Iterable[str]) -> dict[str, Membership]:
        """The memberships of those of ``account_ids`` that are members, unlocked (a read)."""
        ids = sorted(set(account_ids))
        if len(ids) == 1:  # a single decision's: the prepared statement
            found = self.membership(ids[0])
            return {} if found is None else {ids[0]: found}
        if not ids:
            return {}
        statement = select(*MEMBERSHIP.columns).where(M.account_id.in_(ids))
        return {row.account_id: MEMBERSHIP.read(row) for row in self._tx.execute(statement)}

    def members_among(self, organization_id: str, account_ids: Sequence[str]) -> set[str]:
        """Those of ``account_ids`` that are members of the organization."""
        if not account_ids:
            return set()
        statement = select(M.account_id).where(
            M.organization_id == organization_id, M.account_id.in_(sorted(set(account_ids)))
        )
        return {row.account_id for row in self._tx.execute(statement)}

    def lock_members(self, account_ids: Iterable[str], exclusive: bool) -> dict[str, Membership]:
        """The memberships of those of ``account_ids`` that are members, their rows locked in
        one order: shared by a writer that decides by membership (a member is bound at once),
        exclusive by one that ends a membership, so that each sees the other's outcome."""
        ids = sorted(set(account_ids))
        if not ids:
            return {}
        statement = _LOCK_EXCLUSIVE if exclusive else _LOCK_SHARED
        rows = self._tx.execute(statement, {"account_ids": ids})
        return {row.account_id: MEMBERSHIP.read(row) for row in rows}

    def join(self, membership: Membership) -> bool:
        """Adds an account in no organization; false if another write made it a member
        meanwhile (the primary key decides, waiting for that write to end), and nothing is
        written: the caller answers in its own API's terms."""
        joined = _JOIN_SQLITE if self._tx.backend.name == "sqlite" else _JOIN_POSTGRESQL
        return self._tx.first(joined, MEMBERSHIP.values(membership)) is not None

    def move(self, membership: Membership, destination_id: str) -> bool:
        """Moves the member from where ``membership`` says it is; false if it is no longer
        there (it left, was removed or moved meanwhile)."""
        moved = self._tx.execute(
            update(org_members)
            .where(
                M.account_id == membership.account_id,
                M.organization_id == membership.organization_id,
                M.parent_id == membership.parent_id,
            )
            .values(parent_id=destination_id)
        )
        return bool(moved.rowcount)

    def describe_member(self, membership: Membership, description: str) -> bool:
        described = self._tx.execute(
            update(org_members)
            .where(
                M.account_id == membership.account_id,
                M.organization_id == membership.organization_id,
            )
            .values(description=description)
        )
        return bool(described.rowcount)

    def remove_member(self, account_id: str) -> bool:
        """False if it was no member (another removal came first): of racing removals, one
        wins."""
        removed = self._tx.execute(delete(org_members).where(M.account_id == account_id))
        return bool(removed.rowcount)

    def count_members(self, organization_id: str) -> int:
        """Its members, the management account among them (its account quota)."""
        counted = (
            select(func.count())
            .select_from(org_members)
            .where(M.organization_id == organization_id)
        )
        return int(self._tx.execute(counted).scalar_one())

    # -- the directory's pages: each an index range (tables.DIRECTORY_INDEXES) -------------

    def member_page(
        self, organization_id: str, parent_id: str | None, page: PageRequest
    ) -> Page[NamedMember]:
        """Members of the organization, or those directly under ``parent_id`` (a unit of it),
        with their names, in the order they joined (then account id)."""
        statement = _NAMED_MEMBERS.where(_members_in(organization_id, parent_id))
        return fetch_key_page(self._tx, statement, M.joined_at, M.account_id, page, _named)

    def unit_page(
        self, organization_id: str, parent_id: str | None, page: PageRequest, ous_only: bool
    ) -> Page[OrgUnit]:
        """Units of the organization (its OUs alone if ``ous_only``), or those directly under
        ``parent_id``, oldest first (then id)."""
        statement = select(*UNIT.columns).where(_units_in(organization_id, parent_id))
        if ous_only:
            statement = statement.where(U.parent_id.is_not(None))
        return fetch_key_page(self._tx, statement, U.created_at, U.id, page, UNIT.read)

    def entity_page(
        self, organization_id: str, parent_id: str | None, page: PageRequest
    ) -> Page[OrgUnit | NamedMember]:
        """ListEntities: the units (oldest first), then the members (in joining order), of the
        organization or directly under ``parent_id``. A marker names a unit or a member (a
        unit's id holds a dash, an account's never does): its kind says which list goes on."""
        in_members = page.marker is not None and "-" not in decode_key(page.marker)[1]
        items: list[OrgUnit | NamedMember] = []
        marker = page.marker
        if not in_members:
            units = self.unit_page(organization_id, parent_id, page, ous_only=False)
            if units.next_marker is not None:
                return Page(list(units.items), units.next_marker)
            items += units.items
            marker = None
        # As many members as are left, and one more to tell whether a next page exists.
        room = page.limit - len(items)
        statement = _NAMED_MEMBERS.where(_members_in(organization_id, parent_id))
        if marker is not None:
            statement = statement.where(after_key(M.joined_at, M.account_id, marker))
        statement = statement.order_by(M.joined_at, M.account_id).limit(room + 1)
        rows = self._tx.execute(statement).all()
        if room == 0:  # the units filled the page: go on after the last of them
            last = items[-1]
            following = _unit_marker(last) if rows and isinstance(last, OrgUnit) else None
            return Page(items, following)
        members = key_page_of(rows, room, M.joined_at, M.account_id, _named)
        return Page(items + list(members.items), members.next_marker)

    def organization_page(self, page: PageRequest) -> Page[Organization]:
        """Organizations, newest first (the operator's directory: what changed lately)."""
        statement = select(*ORGANIZATION.columns)
        return fetch_key_page(
            self._tx, statement, ORG.created_at, ORG.id, page, ORGANIZATION.read, descending=True
        )

    def first_members(
        self, organization_ids: Sequence[str], limit: int
    ) -> dict[str, Page[NamedMember]]:
        """The first ``limit`` members of each organization, with their names, in one
        statement: one index range per organization, however large each is."""
        if not organization_ids:
            return {}
        branches = [
            _NAMED_MEMBERS.where(M.organization_id == organization_id)
            .order_by(M.joined_at, M.account_id)
            .limit(limit + 1)
            .subquery()
            .select()
            for organization_id in organization_ids
        ]
        rows = self._tx.execute(union_all(*branches)).all()
        by_organization: dict[str, list[Any]] = {i: [] for i in organization_ids}
        for row in rows:
            by_organization[row.organization_id].append(row)
        return {
            i: key_page_of(found, limit, M.joined_at, M.account_id, _named)
            for i, found in by_organization.items()
        }


def _members_in(organization_id: str, parent_id: str | None) -> ColumnElement[bool]:
    return M.organization_id == organization_id if parent_id is None else M.parent_id == parent_id


def _units_in(organization_id: str, parent_id: str | None) -> ColumnElement[bool]:
    return U.organization_id == organization_id if parent_id is None else U.parent_id == parent_id


def _unit_marker(unit: OrgUnit) -> str:
    return encode_key(unit.created_at, unit.id)
