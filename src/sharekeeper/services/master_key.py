"""Rotating the master key: every secret sealed under the current key is sealed again under a
new one and the database's record of its key replaced, in one transaction, so that a failure
anywhere (a crash, a lost connection) leaves the current key valid and nothing half changed."""

from __future__ import annotations

from dataclasses import dataclass

from sharekeeper.auth.secrets import InvalidMasterKey, SealedByAnotherKey, SecretBox
from sharekeeper.services.context import Context
from sharekeeper.store.master_key import HOLDERS, RESEAL_BATCH


@dataclass(frozen=True, slots=True)
class Rotation:
    resealed: int
    # Access keys (accounts' or services') whose secret no key opened before the rotation (a
    # row written by a process given a wrong key, before fingerprints were recorded): left as
    # they were, as unusable.
    unreadable: tuple[str, ...]
    operator_sessions_ended: int
    fingerprint: str


def rotate_master_key(ctx: Context, new_key: bytes) -> Rotation:
    """Re-seals under ``new_key`` what ``ctx.secret_box`` (the database's current key, checked
    when the context was built) sealed. The operator's console sessions end: each holds a
    fingerprint keyed by the master key, so the operator signs in again."""
    current, new = ctx.secret_box, SecretBox(new_key)
    if new.key_fingerprint == current.key_fingerprint:
        raise InvalidMasterKey("the new master key is the current one: give another key")
    resealed, unreadable = 0, []
    with ctx.writing() as uow:
        # First: the compare-and-set takes the row's lock, so racing rotations run one at a time.
        if not uow.master_key.replace_fingerprint(
            current.key_fingerprint, new.key_fingerprint, ctx.clock()
        ):
            raise InvalidMasterKey(
                "the database's master key changed after this command opened it (another "
                "rotation): run it again with the key the database now records"
            )
        for holder in HOLDERS:
            after = ""
            # Keyset order: each batch starts past the last, so the loop ends with the keys.
            while batch := uow.master_key.sealed_secrets(holder, after, RESEAL_BATCH):
                after = batch[-1][0]
                sealed = []
                for access_key, secret in batch:
                    try:
                        sealed.append((access_key, new.seal(current.open(secret))))
                    except SealedByAnotherKey:
                        unreadable.append(access_key)
                uow.master_key.reseal(holder, sealed)
                resealed += len(sealed)
        ended = uow.sessions.remove_operators()
        uow.commit()
    return Rotation(resealed, tuple(unreadable), ended, new.key_fingerprint)
