"""Account ids both ways, 32-hex <-> 12-digit: AWS's wire API names accounts by the second.
A pair never changes while its account exists, so each process keeps the pairs it has read
(no invalidation needed); a miss costs one read of all the ids a request names.

A 12-digit id that no account has still names a principal, as AWS takes any 12 digits and as
Huawei's API takes any 32-hex id: it stands for the 32-hex id of twenty zeros and its digits,
which no account can have (an account id is a UUID4, whose 13th digit is 4). Refusing it
instead would tell a caller which AWS account ids exist here."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sharekeeper.services.context import Context
from sharekeeper.services.identity import paired_account_ids

_NO_ACCOUNT = "0" * 20
# How an account id that no AWS id pairs with reads (a deleted account, or a 32-hex principal
# that Huawei's API named and no account has): AWS's own shape for no account.
UNKNOWN = "0" * 12


def _placeholder(aws_id: str) -> str:
    return _NO_ACCOUNT + aws_id


def _is_placeholder(account_id: str) -> bool:
    # Twenty zeros then hex that is not 12 digits (Huawei's API takes any 32-hex principal)
    # stands for no AWS account id at all: it reads as UNKNOWN, never as a 12-character id
    # that is not one.
    digits = account_id[len(_NO_ACCOUNT) :]
    return (
        account_id.startswith(_NO_ACCOUNT)
        and len(digits) == 12
        and digits.isascii()
        and digits.isdecimal()
    )


# Enough for every account of a large installation; past it the pairs are read again.
MAX_PAIRS = 200_000


class AccountIds:
    def __init__(self) -> None:
        self._aws: dict[str, str] = {}  # account id -> AWS account id
        self._account: dict[str, str] = {}  # AWS account id -> account id
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._aws.clear()
            self._account.clear()

    def _learn(self, ctx: Context, account_ids: list[str], aws_ids: list[str]) -> None:
        pairs = paired_account_ids(ctx, account_ids, aws_ids)
        with self._lock:
            if len(self._aws) + len(pairs) > MAX_PAIRS:
                self._aws.clear()
                self._account.clear()
            for account_id, aws_id in pairs:
                self._aws[account_id] = aws_id
                self._account[aws_id] = account_id

    def aws_ids(self, ctx: Context, account_ids: Iterable[str]) -> dict[str, str]:
        """account id -> AWS account id, for those that exist (and the placeholders of ids no
        account has)."""
        found: dict[str, str] = {}
        missing: list[str] = []
        known = self._aws
        # Once per id of a page (a list's two per item): the cache first, as nearly every id
        # is in it; a placeholder never is, since no account has it.
        for account_id in account_ids:
            if account_id in found:
                continue
            aws_id = known.get(account_id)
            if aws_id is not None:
                found[account_id] = aws_id
            elif _is_placeholder(account_id):
                found[account_id] = account_id[len(_NO_ACCOUNT) :]
            elif account_id not in missing:
                missing.append(account_id)
        if missing:
            self._learn(ctx, missing, [])
            found |= {a: self._aws[a] for a in missing if a in self._aws}
        return found

    def cached(self, account_id: str) -> str | None:
        """An account's AWS id if this process has read it already (no read: a page's header
        asks on every request)."""
        return self._aws.get(account_id)

    def aws_id(self, ctx: Context, account_id: str) -> str:
        """An account's AWS id; one no AWS id pairs with reads as UNKNOWN rather than failing
        the whole answer."""
        return self.aws_ids(ctx, [account_id]).get(account_id, UNKNOWN)

    def account_ids(self, ctx: Context, aws_ids: Iterable[str]) -> dict[str, str]:
        """AWS account id -> account id; an id no account has -> its placeholder."""
        wanted = list(dict.fromkeys(aws_ids))
        missing = [a for a in wanted if a not in self._account]
        if missing:
            self._learn(ctx, [], missing)
        return {a: self._account.get(a) or _placeholder(a) for a in wanted}
