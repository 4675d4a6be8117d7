"""Resource shares (with their tags and bound permissions) and their associations."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import msgspec
from sqlalchemy import (
    BigInteger,
    BindParameter,
    Boolean,
    ColumnElement,
    Select,
    String,
    Text,
    and_,
    bindparam,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.sql.dml import Update

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.shares import (
    RETENTION_MILLIS,
    Association,
    AssociationQuery,
    AssociationStatus,
    AssociationType,
    ResourceShare,
    ShareLine,
    ShareQuery,
    ShareStatus,
)
from sharekeeper.domain.tags import Tag, TagLine, TagQuery
from sharekeeper.store.paging import fetch_page, page_of, start_position
from sharekeeper.store.prepared import Prepared, any_of
from sharekeeper.store.rows import Field, RowMapping, enum_of, optional_bool
from sharekeeper.store.tables import (
    associations,
    invitations,
    resource_shares,
    share_permissions,
    share_tags,
)
from sharekeeper.store.tags import RETAG, tag_query
from sharekeeper.store.transaction import Transaction

S = resource_shares.c
A = associations.c


def entity_hash(entity: str) -> str:
    return hashlib.sha256(entity.encode("utf-8")).hexdigest()


SHARE = RowMapping(
    ResourceShare,
    S.id,
    S.name,
    S.description,
    S.owner_account_id,
    S.allow_external_principals,
    Field(S.status, convert=enum_of(ShareStatus)),
    S.created_at,
    S.updated_at,
)
# A share's columns, then its keyset position; its tags are read apart.
_SHARES = select(*SHARE.columns, S.seq)


def _share(row: Sequence[Any], tags: Sequence[Tag] = ()) -> ResourceShare:
    return SHARE.read(row, tuple(tags))


def _entity(line: ShareLine) -> ResourceShare:
    id, name, description, owner, external, status, created, updated, tags = line
    stored = Tag.stored
    return ResourceShare(
        id,
        name,
        description,
        owner,
        external,
        ShareStatus(status),
        created,
        updated,
        tuple(stored(key, value) for key, value in tags),
    )


def share_visible(now: Millis | ColumnElement[int]) -> ColumnElement[bool]:
    """A deleted share is listed for 48 hours, then purged (``now`` a value or a parameter)."""
    return or_(S.status != ShareStatus.DELETED, S.updated_at > now - RETENTION_MILLIS)


def received_share_ids(through: Sequence[str]) -> Select[Any]:
    """Ids of the shares in which any of the principals ``through`` is associated."""
    return select(A.resource_share_id).where(
        A.association_type == AssociationType.PRINCIPAL,
        A.entity_hash.in_([entity_hash(e) for e in through]),
        A.status == AssociationStatus.ASSOCIATED,
    )


_LOCK = Prepared(
    select(S.id)
    .where(S.id == bindparam("share_id"), share_visible(bindparam("now", type_=BigInteger)))
    .with_for_update()
)
_INSERT_SHARE = Prepared.insert(resource_shares)
# Invitations keep a copy of their share's name (store/tables.py): a save that renames the
# share renames them, and one that keeps the name changes no row.
_NAME_ON_INVITATIONS = Prepared(
    update(invitations)
    .where(
        invitations.c.resource_share_id == bindparam("share_id"),
        invitations.c.resource_share_name != bindparam("name", type_=String),
    )
    .values(resource_share_name=bindparam("name", type_=String))
)
_INSERT_TAG = Prepared.insert(share_tags)


_T = share_tags.c
_TAGS_OF = Prepared(
    select(_T.resource_share_id, _T.key, _T.value)
    .where(any_of(_T.resource_share_id, "share_ids"))
    .order_by(_T.resource_share_id, _T.key)
)
# A listed share (ShareLine): its columns, its tags (kept on its row as JSON text), then its
# keyset position.
_LINES = select(*SHARE.columns, S.tags, S.seq)
_LINE_SEQ = len(ShareLine._fields)
_DECODE_TAGS = msgspec.json.Decoder(tuple[TagLine, ...]).decode


@dataclass(frozen=True, slots=True)
class _SearchShape:
    """Which filters a share search uses: its statement, on bound parameters, is built once
    per shape (building it cost more than running it, docs/performance.md)."""

    owned: bool
    name: bool
    status: bool
    ids: bool
    permission: bool
    tag_values: tuple[bool, ...]  # per tag filter: whether it names values
    principal: bool = False
    newest_first: bool = False
    permission_version: bool = False

    @classmethod
    def of(cls, query: ShareQuery, owned: bool) -> _SearchShape:
        return cls(
            owned,
            query.name is not None,
            query.status is not None,
            bool(query.ids),
            query.permission_id is not None,
            tuple(bool(f.values) for f in query.tag_filters),
            query.principal is not None,
            query.newest_first,
            query.permission_version is not None,
        )

    def statement(self) -> Prepared:
        statement = _SEARCHES.get(self)
        if statement is None:
            statement = Prepared(self._build())
            if len(_SEARCHES) < _MOST_SHAPES:
                _SEARCHES[self] = statement
        return statement

    def _build(self) -> Select[Any]:
        now = bindparam("now", type_=BigInteger)
        after: BindParameter[int] = bindparam("after")
        conditions = [share_visible(now), S.seq < after if self.newest_first else S.seq > after]
        if self.owned:
            conditions.append(S.owner_account_id == bindparam("owner"))
        else:
            received = select(A.resource_share_id).where(
                A.association_type == AssociationType.PRINCIPAL,
                any_of(A.entity_hash, "through"),
                A.status == AssociationStatus.ASSOCIATED,
            )
            conditions += [S.owner_account_id != bindparam("receiver"), S.id.in_(received)]
        if self.name:
            conditions.append(S.name == bindparam("name"))
        if self.status:
            conditions.append(S.status == bindparam("status"))
        if self.ids:
            conditions.append(any_of(S.id, "ids"))
        if self.permission:
            P = share_permissions.c
            bound = [P.resource_share_id == S.id, P.permission_id == bindparam("permission_id")]
            if self.permission_version:
                bound.append(P.permission_version == bindparam("permission_version"))
            conditions.append(exists().where(*bound))
        for index, values in enumerate(self.tag_values):
            tagged = and_(_T.resource_share_id == S.id, _T.key == bindparam(f"tag_key_{index}"))
            if values:
                tagged = and_(tagged, any_of(_T.value, f"tag_values_{index}"))
            conditions.append(exists().where(tagged))
        if self.principal:
            conditions.append(
                exists().where(
                    A.resource_share_id == S.id,
                    A.association_type == AssociationType.PRINCIPAL,
                    A.entity_hash == bindparam("principal"),
                    # Not IN (...): a literal list is an expanding parameter too.
                    or_(
                        A.status == AssociationStatus.ASSOCIATED,
                        A.status == AssociationStatus.ASSOCIATING,
                    ),
                )
            )
        order = S.seq.desc() if self.newest_first else S.seq
        return _LINES.where(*conditions).order_by(order).limit(bindparam("limit"))


_SEARCHES: dict[_SearchShape, Prepared] = {}
# Shapes beyond this many (a caller trying every combination) are built each time.
_MOST_SHAPES = 256


class ShareRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, share: ResourceShare) -> None:
        values = {
            "id": share.id,
            "owner_account_id": share.owner_account_id,
            "name": share.name,
            "description": share.description,
            "allow_external_principals": share.allow_external_principals,
            "status": share.status.value,
            "created_at": share.created_at,
            "updated_at": share.updated_at,
            "tags": "[]",
        }
        self._tx.send(_INSERT_SHARE, values)
        self.add_tags(share.id, share.tags)

    def add_tags(self, share_id: str, tags: Iterable[Tag]) -> None:
        added = False
        for t in tags:
            self._tx.send(
                _INSERT_TAG, {"resource_share_id": share_id, "key": t.key, "value": t.value}
            )
            added = True
        if added:
            self._tx.send(RETAG, {"share_id": share_id})

    def get(self, share_id: str, now: Millis, lock: bool = False) -> ResourceShare | None:
        """The share, or None once purged; ``lock`` serializes writers of one share."""
        statement = _SHARES.where(S.id == share_id, share_visible(now))
        if lock:
            statement = statement.with_for_update()
        row = self._tx.execute(statement).first()
        if row is None:
            return None
        return _share(row, self._tags([share_id]).get(share_id, ()))

    def lock(self, share_id: str, now: Millis) -> bool:
        """Locks the share's row for this transaction; False when there is no such share."""
        return self._tx.first(_LOCK, {"share_id": share_id, "now": now}) is not None

    def lock_many(self, share_ids: Sequence[str]) -> None:
        """Locks shares in the given order (callers sort it), as a batch writer must."""
        if share_ids:
            self._tx.execute(
                select(S.id).where(S.id.in_(share_ids)).order_by(S.id).with_for_update()
            ).all()

    def owners_of(self, share_ids: Sequence[str]) -> dict[str, str]:
        """share id -> owner account id, for those of ``share_ids`` that exist."""
        if not share_ids:
            return {}
        statement = select(S.id, S.owner_account_id).where(S.id.in_(share_ids))
        return {row[0]: row[1] for row in self._tx.execute(statement).all()}

    def save(self, share: ResourceShare) -> None:
        """The share's row, and its name on its invitations, in the unit of work."""
        self._tx.send(_NAME_ON_INVITATIONS, {"share_id": share.id, "name": share.name})
        self._tx.execute(
            update(resource_shares)
            .where(S.id == share.id)
            .values(
                name=share.name,
                description=share.description,
                allow_external_principals=share.allow_external_principals,
                status=share.status,
                updated_at=share.updated_at,
            )
        )

    def search(
        self,
        query: ShareQuery,
        page: PageRequest,
        now: Millis,
        owner: str | None = None,
        receiver: str | None = None,
        through: Sequence[str] = (),
    ) -> Page[ResourceShare]:
        """``lines``' shares as entities, for a caller that decides on them."""
        found = self.lines(query, page, now, owner, receiver, through)
        return Page([_entity(line) for line in found.items], found.next_marker)

    def lines(
        self,
        query: ShareQuery,
        page: PageRequest,
        now: Millis,
        owner: str | None = None,
        receiver: str | None = None,
        through: Sequence[str] = (),
    ) -> Page[ShareLine]:
        """Shares ``owner`` owns, or shares others gave ``receiver`` through any of the
        principals ``through`` (itself, its organization units); exactly one side is set.
        Each with its tags, in one statement."""
        shape = _SearchShape.of(query, owned=owner is not None)
        parameters: dict[str, Any] = {
            "now": now,
            "after": start_position(page.marker, query.newest_first),
            "limit": page.limit + 1,
            "owner": owner,
            "receiver": receiver,
            "through": [entity_hash(e) for e in through],
            "name": query.name,
            "status": query.status,
            "ids": list(query.ids),
            "permission_id": query.permission_id,
            "permission_version": query.permission_version,
            "principal": entity_hash(query.principal) if query.principal is not None else None,
        }
        for index, tag_filter in enumerate(query.tag_filters):
            parameters[f"tag_key_{index}"] = tag_filter.key
            parameters[f"tag_values_{index}"] = list(tag_filter.values)
        rows = self._tx.rows(shape.statement(), parameters)
        line, decode = ShareLine, _DECODE_TAGS
        items = [
            line(id, name, text, by, bool(external), status, created, updated, decode(tags))
            for id, name, text, by, external, status, created, updated, tags, _ in rows[
                : page.limit
            ]
        ]
        return page_of(items, rows, page.limit, _LINE_SEQ)

    def count_by_tags(self, owner: str, query: TagQuery) -> int:
        statement = select(func.count()).select_from(resource_shares)
        return int(self._tx.execute(statement.where(*tag_query(owner, query))).scalar_one())

    def find_by_tags(
        self, owner: str, query: TagQuery, limit: int, offset: int
    ) -> list[ResourceShare]:
        """The owner's matching active shares in creation order, ``offset`` rows in."""
        rows = self._tx.execute(
            _SHARES.where(*tag_query(owner, query)).order_by(S.seq).limit(limit).offset(offset)
        ).all()
        tags = self._tags([row[0] for row in rows])
        return [_share(row, tags.get(row[0], ())) for row in rows]

    def _tags(self, share_ids: Sequence[str]) -> dict[str, list[Tag]]:
        result: dict[str, list[Tag]] = defaultdict(list)
        if share_ids:
            for share_id, key, value in self._tx.rows(_TAGS_OF, {"share_ids": list(share_ids)}):
                result[share_id].append(Tag.stored(key, value))
        return result

    def purge_deleted(self, now: Millis) -> int:
        """Removes shares deleted more than 48 hours ago, with everything that hangs off them."""
        result = self._tx.execute(
            delete(resource_shares).where(
                S.status == ShareStatus.DELETED, S.updated_at <= now - RETENTION_MILLIS
            )
        )
        return int(result.rowcount)


def status_is(status: str, now: Millis | ColumnElement[int]) -> ColumnElement[bool]:
    """The SQL twin of Association.seen_at: what an association's status reads as at ``now``."""
    unanswered = and_(
        A.status == AssociationStatus.ASSOCIATING, A.expires_at.is_not(None), A.expires_at <= now
    )
    if status == AssociationStatus.ASSOCIATING:
        return and_(A.status == status, not_(unanswered))
    if status == AssociationStatus.DISASSOCIATED:
        return or_(A.status == status, unanswered)
    return A.status == status


def _association_visible(now: Millis) -> ColumnElement[bool]:
    cutoff = now - RETENTION_MILLIS
    return not_(
        or_(
            and_(A.status == AssociationStatus.DISASSOCIATED, A.updated_at <= cutoff),
            and_(
                A.status == AssociationStatus.ASSOCIATING,
                A.expires_at.is_not(None),
                A.expires_at <= cutoff,
            ),
        )
    )


ASSOCIATION = RowMapping(
    Association,
    A.resource_share_id,
    Field(S.name, "resource_share_name"),
    Field(A.association_type, convert=enum_of(AssociationType)),
    A.entity,
    Field(A.status, convert=enum_of(AssociationStatus)),
    A.created_at,
    A.updated_at,
    Field(A.external, convert=optional_bool),
    A.status_message,
    A.expires_at,
    A.resource_type,
)
# An association's columns, then its keyset position.
_WITH_SHARE_NAME = select(*ASSOCIATION.columns, A.seq).join(
    resource_shares, S.id == A.resource_share_id
)


def move_principal(share_id: ColumnElement[str]) -> Update:
    """Moves a principal's ``associating`` association to :new_status, returning what the
    moved association's event needs; ``share_id`` a parameter or a subquery."""
    return (
        update(associations)
        .where(
            # The association's natural key, which its unique index answers exactly: the
            # receiver's own index matches every share it was ever invited to.
            A.resource_share_id == share_id,
            A.association_type == AssociationType.PRINCIPAL,
            A.entity_hash == bindparam("principal_hash"),
            A.status == AssociationStatus.ASSOCIATING,
        )
        .values(
            status=bindparam("new_status", type_=String),
            status_message=bindparam("message", type_=Text),
            expires_at=None,
            updated_at=bindparam("now", type_=BigInteger),
        )
        .returning(A.created_at, A.external)
    )


_MOVE_PRINCIPAL = Prepared(move_principal(bindparam("share_id", type_=String)))


def moved_principal(
    share_id: str,
    share_name: str,
    account_id: str,
    status: AssociationStatus,
    now: Millis,
    message: str | None,
    created_at: Millis,
    external: Any,
) -> Association:
    """The account's association as ``move_principal`` left it."""
    return Association(
        share_id,
        share_name,
        AssociationType.PRINCIPAL,
        account_id,
        status,
        created_at,
        now,
        optional_bool(external),
        message,
    )


_FIND_ONE = Prepared(
    _WITH_SHARE_NAME.where(
        A.resource_share_id == bindparam("share_id"),
        A.association_type == bindparam("kind"),
        A.entity_hash == bindparam("hash"),
    )
)
_FIND = _WITH_SHARE_NAME.where(
    A.resource_share_id == bindparam("share_id"),
    A.association_type == bindparam("kind"),
    A.entity_hash.in_(bindparam("hashes", expanding=True)),
)
_OVERWRITE = Prepared(
    update(associations)
    .where(
        A.resource_share_id == bindparam("k_share"),
        A.association_type == bindparam("k_kind"),
        A.entity_hash == bindparam("k_hash"),
    )
    .values(
        status=bindparam("v_status", type_=String),
        status_message=bindparam("v_status_message", type_=Text),
        external=bindparam("v_external", type_=Boolean),
        expires_at=bindparam("v_expires_at", type_=BigInteger),
        updated_at=bindparam("v_updated_at", type_=BigInteger),
    )
)
_INSERT = Prepared.insert(associations)
_COUNT_LIVE = Prepared(
    select(func.count())
    .select_from(associations)
    .where(
        A.resource_share_id == bindparam("share_id"),
        A.association_type == bindparam("kind"),
        not_(status_is(AssociationStatus.DISASSOCIATED, bindparam("now", type_=BigInteger))),
    )
)


class AssociationRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def find(
        self, share_id: str, association_type: AssociationType, entities: Iterable[str]
    ) -> dict[str, Association]:
        hashes = [entity_hash(e) for e in entities]
        if not hashes:
            return {}
        kind = association_type.value
        if len(hashes) == 1:
            rows = self._tx.rows(_FIND_ONE, {"share_id": share_id, "kind": kind, "hash": hashes[0]})
        else:
            parameters = {"share_id": share_id, "kind": kind, "hashes": hashes}
            rows = [tuple(row) for row in self._tx.execute(_FIND, parameters)]
        return {row[3]: ASSOCIATION.read(row) for row in rows}

    def save(
        self,
        association: Association,
        principal_account_id: str | None = None,
        resource_region: str | None = None,
        resource_id: str | None = None,
    ) -> None:
        """Inserts the association, or overwrites the ended one for the same entity."""
        self._write(association, principal_account_id, resource_region, resource_id, True)

    def add(
        self,
        association: Association,
        principal_account_id: str | None = None,
        resource_region: str | None = None,
        resource_id: str | None = None,
    ) -> None:
        """Inserts the association of an entity the share never had (a share made in this
        unit of work): nothing to overwrite, and no answer to wait for."""
        self._write(association, principal_account_id, resource_region, resource_id, False)

    def _write(
        self,
        association: Association,
        principal_account_id: str | None,
        resource_region: str | None,
        resource_id: str | None,
        overwrite_ended: bool,
    ) -> None:
        values = {
            "status": association.status.value,
            "status_message": association.status_message,
            "external": association.external,
            "expires_at": association.expires_at,
            "updated_at": association.updated_at,
        }
        key = {
            "k_share": association.resource_share_id,
            "k_kind": association.association_type.value,
            "k_hash": entity_hash(association.entity),
        }
        overwrite = {**key, **{f"v_{name}": value for name, value in values.items()}}
        if overwrite_ended and self._tx.rowcount(_OVERWRITE, overwrite):
            return
        row = {
            "resource_share_id": key["k_share"],
            "association_type": key["k_kind"],
            "entity": association.entity,
            "entity_hash": key["k_hash"],
            "principal_account_id": principal_account_id,
            "resource_type": association.resource_type,
            "resource_region": resource_region,
            "resource_id": resource_id,
            "created_at": association.created_at,
            **values,
        }
        self._tx.send(_INSERT, row)

    def end_all(self, share_id: str, now: Millis, message: str) -> list[Association]:
        """Disassociates every association of the (locked) share; returns them as ended."""
        return self._end(
            [A.resource_share_id == share_id, A.status != AssociationStatus.DISASSOCIATED],
            now,
            message,
        )

    def _end(self, scope: list[Any], now: Millis, message: str) -> list[Association]:
        """Disassociates the associations in ``scope`` of a locked share, returning each as
        the change left it (for the change feed)."""
        found = [ASSOCIATION.read(row) for row in self._tx.execute(_WITH_SHARE_NAME.where(*scope))]
        self._tx.execute(
            update(associations)
            .where(*scope)
            .values(
                status=AssociationStatus.DISASSOCIATED,
                status_message=message,
                expires_at=None,
                updated_at=now,
            )
        )
        ended = AssociationStatus.DISASSOCIATED
        return [
            replace(a, status=ended, status_message=message, expires_at=None, updated_at=now)
            for a in found
        ]

    def set_principal_status(
        self,
        share_id: str,
        share_name: str,
        account_id: str,
        status: AssociationStatus,
        now: Millis,
        message: str | None = None,
    ) -> Association | None:
        """Moves the account's ``associating`` association on and returns it as moved (in the
        same statement: an accept is a round trip fewer); None when it was not waiting."""
        parameters = {
            "share_id": share_id,
            "principal_hash": entity_hash(account_id),
            "new_status": status.value,
            "message": message,
            "now": now,
        }
        moved = self.move_principal(parameters)
        if moved is None:
            return None
        return moved_principal(share_id, share_name, account_id, status, now, message, *moved)

    def move_principal(self, parameters: dict[str, Any]) -> tuple[Millis, Any] | None:
        """``move_principal``'s statement: (created_at, external) of the moved association."""
        row = self._tx.first(_MOVE_PRINCIPAL, parameters)
        return None if row is None else (row[0], row[1])

    def first_live_external_principal(self, share_id: str, now: Millis) -> str | None:
        row = self._tx.execute(
            select(A.entity)
            .where(
                A.resource_share_id == share_id,
                A.association_type == AssociationType.PRINCIPAL,
                A.external.is_(True),
                A.status != AssociationStatus.DISASSOCIATED,
                not_(status_is(AssociationStatus.DISASSOCIATED, now)),
            )
            .limit(1)
        ).first()
        return None if row is None else str(row.entity)

    def count_live(self, share_id: str, association_type: AssociationType, now: Millis) -> int:
        """Principals or resources that count against the share's quota: not ended."""
        parameters = {"share_id": share_id, "kind": association_type.value, "now": now}
        row = self._tx.first(_COUNT_LIVE, parameters)
        return 0 if row is None else int(row[0])

    def internal_principals_of(self, account_id: str) -> list[tuple[str, str]]:
        """(share id, principal) of the live associations that rely on ``account_id`` being in
        its organization: other members' shares naming it, and its own shares naming the
        organization, a unit, or another member."""
        live_internal = and_(
            A.association_type == AssociationType.PRINCIPAL,
            A.external.is_(False),
            A.status != AssociationStatus.DISASSOCIATED,
        )
        rows = self._tx.execute(
            select(A.resource_share_id, A.entity)
            .join(resource_shares, S.id == A.resource_share_id)
            .where(
                live_internal,
                or_(A.principal_account_id == account_id, S.owner_account_id == account_id),
            )
        )
        return [(row.resource_share_id, row.entity) for row in rows]

    def principals_named(self, names: Iterable[str]) -> list[tuple[str, str]]:
        """(share id, principal) of the live principal associations naming any of ``names``."""
        rows = self._tx.execute(
            select(A.resource_share_id, A.entity).where(
                A.association_type == AssociationType.PRINCIPAL,
                A.entity_hash.in_([entity_hash(n) for n in names]),
                A.status != AssociationStatus.DISASSOCIATED,
            )
        )
        return [(row.resource_share_id, row.entity) for row in rows]

    def end_principal(
        self, share_id: str, entity: str, now: Millis, message: str
    ) -> list[Association]:
        scope = [
            A.resource_share_id == share_id,
            A.association_type == AssociationType.PRINCIPAL,
            A.entity_hash == entity_hash(entity),
            A.status != AssociationStatus.DISASSOCIATED,
        ]
        return self._end(scope, now, message)

    def end_invited(
        self, share_id: str, account_id: str, at: Millis, message: str
    ) -> list[Association]:
        """Ends the account's ``associating`` association (its invitation expired) as readers
        already show it (``Association.seen_at``): disassociated at ``at``."""
        scope = [
            A.resource_share_id == share_id,
            A.association_type == AssociationType.PRINCIPAL,
            A.entity_hash == entity_hash(account_id),
            A.status == AssociationStatus.ASSOCIATING,
        ]
        return self._end(scope, at, message)

    def live_resource_types(self, share_id: str) -> set[str]:
        rows = self._tx.execute(
            select(A.resource_type)
            .where(
                A.resource_share_id == share_id,
                A.association_type == AssociationType.RESOURCE,
                A.status != AssociationStatus.DISASSOCIATED,
            )
            .distinct()
        )
        return {row.resource_type for row in rows}

    def principals_of_every_share(self, now: Millis, limit: int) -> list[Association]:
        """The principal associations in effect or under way, of every owner's active shares:
        the operator's picture of who shares with whom (the newest ``limit``: what changed
        lately)."""
        statement = _WITH_SHARE_NAME.where(
            S.status == ShareStatus.ACTIVE,
            A.association_type == AssociationType.PRINCIPAL,
            or_(
                status_is(AssociationStatus.ASSOCIATED, now),
                status_is(AssociationStatus.ASSOCIATING, now),
            ),
        )
        rows = self._tx.execute(statement.order_by(A.seq.desc()).limit(limit)).all()
        return [ASSOCIATION.read(row).seen_at(now) for row in reversed(rows)]

    def search(
        self, owner: str, query: AssociationQuery, page: PageRequest, now: Millis
    ) -> Page[Association]:
        statement = _WITH_SHARE_NAME.where(
            S.owner_account_id == owner,
            share_visible(now),
            A.association_type == query.association_type,
            _association_visible(now),
        )
        if query.status is not None:
            statement = statement.where(status_is(query.status, now))
        for entity in (query.principal, query.resource_urn):
            if entity is not None:
                statement = statement.where(A.entity_hash == entity_hash(entity))
        if query.share_ids:
            statement = statement.where(A.resource_share_id.in_(query.share_ids))
        if query.resource_ids:
            statement = statement.where(A.resource_id.in_(query.resource_ids))
        return fetch_page(
            self._tx, statement, A.seq, page, lambda row: ASSOCIATION.read(row).seen_at(now)
        )
