"""Times on the wire: ISO-8601 UTC with exactly three digits of milliseconds and a Z."""

from __future__ import annotations

import pytest

from sharekeeper.api.convert import timestamp


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
