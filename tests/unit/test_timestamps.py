"""Times on the wire: ISO-8601 UTC with exactly three digits of milliseconds and a Z."""

from __future__ import annotations

import pytest

from sharekeeper.api.convert import invitation_lines, timestamp
from sharekeeper.domain.invitations import InvitationLine


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
