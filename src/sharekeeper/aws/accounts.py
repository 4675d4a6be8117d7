"""Account ids both ways, 32-hex <-> 12-digit: AWS's wire API names accounts by the second.
A pair never changes while its account exists, so each process keeps the pairs it has read
(no invalidation needed); a miss costs one read of all the ids a request names."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.services.context import Context
from sharekeeper.services.identity import paired_account_ids

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
        """account id -> AWS account id, for those that exist."""
        wanted = list(dict.fromkeys(account_ids))
        missing = [a for a in wanted if a not in self._aws]
        if missing:
            self._learn(ctx, missing, [])
        return {a: self._aws[a] for a in wanted if a in self._aws}

    def aws_id(self, ctx: Context, account_id: str) -> str:
        """An account's AWS id; an account deleted since its id was read reads as 12 zeros,
        AWS's shape for no account, rather than failing the whole answer."""
        return self.aws_ids(ctx, [account_id]).get(account_id, "0" * 12)

    def account_ids(self, ctx: Context, aws_ids: Iterable[str]) -> dict[str, str]:
        """AWS account id -> account id; an id no account has is refused."""
        wanted = list(dict.fromkeys(aws_ids))
        missing = [a for a in wanted if a not in self._account]
        if missing:
            self._learn(ctx, [], missing)
        unknown = [a for a in wanted if a not in self._account]
        if unknown:
            raise InvalidParameter(
                f"No account of this ShareKeeper has the AWS account id {unknown[0]}."
            )
        return {a: self._account[a] for a in wanted}
