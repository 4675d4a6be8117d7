"""The pytest plugin, used exactly as the docs show, in a separate pytest run."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from sharekeeper.testing import start_server
from tests import figures

GUIDE = (Path(__file__).resolve().parents[1] / "docs" / "guide.md").read_text("utf-8")


def test_the_documented_example_passes(pytester: pytest.Pytester) -> None:
    (example,) = re.findall(r"<!-- plugin-example -->\n```python\n(.*?)```", GUIDE, re.DOTALL)
    pytester.makepyfile(test_user_suite=example)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_a_failing_user_test_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_wrong="""
def test_sharing_with_myself(sharekeeper):
    from huaweicloudsdkram.v1 import CreateResourceShareReqBody, CreateResourceShareRequest
    alice = sharekeeper.account("alice")
    alice.ram.create_resource_share(CreateResourceShareRequest(
        body=CreateResourceShareReqBody(name="s", principals=[alice.account_id])))
"""
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RAM.1005*"])


def test_a_fresh_server_starts_in_milliseconds(tmp_path: Path) -> None:
    start_server(tmp_path / "warm").stop()  # the first builds the migrated template
    timings = []
    for i in range(5):
        started = time.perf_counter()
        server = start_server(tmp_path / f"s{i}")
        timings.append(time.perf_counter() - started)
        server.stop()
    figures.add("plugin start-up ms (median of 5)", round(sorted(timings)[2] * 1000))
