"""The pytest plugin, used exactly as the docs show, in a separate pytest run."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from sharekeeper.testing import start_server
from tests import figures

GUIDE = (Path(__file__).resolve().parents[1] / "docs" / "guide.md").read_text("utf-8")


def test_the_documented_example_passes(pytester: pytest.Pytester) -> None:
    (example,) = re.findall(r"<!-- plugin-example -->\n```python\n(.*?)```", GUIDE, re.DOTALL)
    pytester.makepyfile(test_user_suite=example)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


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


def test_fresh_plugin_servers_answer_and_their_start_up_is_reported(tmp_path: Path) -> None:
    """Each server the fixture starts answers at once; how long starting took is a figure of
    the run (bench/run.py measures start-up against a bare uvicorn app)."""
    start_server(tmp_path / "warm").stop()  # the first builds the migrated template
    timings = []
    for i in range(5):
        started = time.perf_counter()
        server = start_server(tmp_path / f"s{i}")
        timings.append(time.perf_counter() - started)
        assert httpx.get(f"{server.endpoint}/healthz", timeout=5).status_code == 200
        server.stop()
    figures.add("plugin start-up ms (median of 5)", round(sorted(timings)[2] * 1000))
