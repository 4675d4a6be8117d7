"""An outbox relay's lease and position (events/nats_relay.py): one relay per target and
database publishes, whatever the number of server processes; its position moves only after
the target acknowledged what precedes it, so a restart resumes there (at least once)."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

from sharekeeper.domain.clock import Millis
from sharekeeper.services.context import Context


@dataclass(frozen=True, slots=True)
class Claim:
    """Whether this holder may publish now, and from where (None: from the oldest kept)."""

    held: bool
    position: int | None


def new_holder() -> str:
    """A lease holder's name: which host and process holds it, unique per relay started."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim_relay(ctx: Context, name: str, holder: str, lease: Millis) -> Claim:
    """Takes or renews the lease of relay ``name`` for ``lease`` milliseconds, unless another
    holder's lease still runs."""
    with ctx.writing() as uow:
        now = ctx.clock()
        held, position = uow.relays.claim(name, holder, now, now + lease)
        uow.commit()
    return Claim(held, position)


def advance_relay(ctx: Context, name: str, holder: str, position: int, lease: Millis) -> bool:
    """Records that everything up to ``position`` was acknowledged; False when the lease was
    lost to another holder (which then publishes from the position it read)."""
    with ctx.writing() as uow:
        moved = uow.relays.advance(name, holder, position, ctx.clock() + lease)
        uow.commit()
    return moved


def release_relay(ctx: Context, name: str, holder: str) -> None:
    """Gives the lease up (a relay stopping cleanly), so another process takes over at once."""
    with ctx.writing() as uow:
        uow.relays.release(name, holder)
        uow.commit()
