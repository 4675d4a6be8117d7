"""Times on the wire: ISO-8601 UTC with exactly three digits of milliseconds and a Z."""

from __future__ import annotations

import datetime
import random

import pytest

from sharekeeper.api import convert
from sharekeeper.api.convert import invitation_lines, share_lines, timestamp
from sharekeeper.domain.invitations import InvitationLine
from sharekeeper.domain.shares import ShareLine


@pytest.mark.parametrize(
    ("millis", "wire"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (1661171306631, "2022-08-22T12:28:26.631Z"),
        (1661171306009, "2022-08-22T12:28:26.009Z"),
        (1661171306999, "2022-08-22T12:28:26.999Z"),
        (1661171307000, "2022-08-22T12:28:27.000Z"),
    ],
)
def test_times_are_written_as_huawei_writes_them(millis: int, wire: str) -> None:
    assert timestamp(millis) == wire


def test_a_pages_unanswered_invitation_has_its_one_time_formatted_once() -> None:
    made, answered = 1661171306631, 1661171399009
    pending = InvitationLine("i-1", "s-1", "share", "a", "b", "pending", made, made)
    accepted = InvitationLine("i-2", "s-1", "share", "a", "b", "accepted", made, answered)
    unanswered, moved = invitation_lines([pending, accepted])
    assert unanswered.created_at == "2022-08-22T12:28:26.631Z"
    assert unanswered.updated_at is unanswered.created_at
    assert (moved.created_at, moved.updated_at) == (
        "2022-08-22T12:28:26.631Z",
        "2022-08-22T12:29:59.009Z",
    )


def test_the_listings_write_every_time_as_timestamp_does_and_keep_few_seconds() -> None:
    """Over more distinct seconds than are kept (the kept ones emptied, formatted again), each
    time a page builder writes is ``timestamp``'s and the calendar's."""
    rng = random.Random(26)
    times = [rng.randrange(0, 4_102_444_800_000) for _ in range(3 * convert._SECONDS_MOST)]
    times += [1661171306999, 1661171307000, 0]
    for made, updated in zip(times, reversed(times), strict=True):
        (invitation,) = invitation_lines(
            [InvitationLine("i", "s", "n", "a", "b", "x", made, updated)]
        )
        (share,) = share_lines([ShareLine("s", "n", "", "a", False, "x", made, updated, ())])
        when = datetime.datetime.fromtimestamp(made // 1000, datetime.UTC)
        expected = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{made % 1000:03d}Z"
        assert invitation.created_at == share.created_at == timestamp(made) == expected
        assert invitation.updated_at == share.updated_at == timestamp(updated)
        assert len(convert._SECONDS) <= convert._SECONDS_MOST
