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


def test_the_documented_aws_example_passes(pytester: pytest.Pytester) -> None:
    """The guide's boto3 example, as a plugin user runs it: ready clients per account for RAM,
    STS and Organizations, a region of the user's choice, expiry by the server's clock."""
    (example,) = re.findall(r"<!-- plugin-aws-example -->\n```python\n(.*?)```", GUIDE, re.DOTALL)
    pytester.makepyfile(test_aws_suite=example)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_the_documented_settings_fixture_empties_its_server(pytester: pytest.Pytester) -> None:
    (fixtures,) = re.findall(
        r"<!-- plugin-settings-example -->\n```python\n(.*?)```", GUIDE, re.DOTALL
    )
    pytester.makepyfile(
        test_short=fixtures
        + """
from huaweicloudsdkram.v1 import (CreateResourceShareReqBody, CreateResourceShareRequest,
    SearchResourceShareInvitationReqBody, SearchResourceShareInvitationRequest)

def invitation_after(server, millis):
    # The statuses of the invitations its receiver sees, millis after one was sent.
    alice, bob = server.account("alice"), server.account("bob")
    alice.ram.create_resource_share(CreateResourceShareRequest(
        body=CreateResourceShareReqBody(name="brief", principals=[bob.account_id])))
    server.clock.advance(millis)
    return [i.status for i in bob.ram.search_resource_share_invitation(
        SearchResourceShareInvitationRequest(body=SearchResourceShareInvitationReqBody())
    ).resource_share_invitations]

def test_an_invitation_expires_after_a_minute(short_lived):
    assert invitation_after(short_lived, 61_000) == ["expired"]

def test_the_next_test_starts_empty(short_lived):
    # Only this test's invitation, and the clock the system's again: 59 s, not 120 s, later.
    assert invitation_after(short_lived, 59_000) == ["pending"]
"""
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


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


# A user's suite whose first test leaves everything changed that a server keeps (accounts,
# keys, an organization, a share and its invitation, audit records, request counts, the clock,
# failed sign-ins) and whose second looks for it from outside, as a user would.
_LEAVES_AND_LOOKS = """
import re, time
import httpx
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkram.v1 import (CreateResourceShareReqBody, CreateResourceShareRequest,
    SearchResourceSharesReqBody, SearchResourceSharesRequest)
from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services.audit import list_audit_records

EARLIER = {}
DAY = 24 * 3600 * 1000
INVITATIONS = re.compile(r"sharekeeper_invitations[{]status=.[a-z]+.[}] [1-9]")

def failed_sign_in(endpoint, access_key):
    with httpx.Client(base_url=endpoint, timeout=10) as browser:
        form = browser.get("/console/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        return browser.post("/console/sign-in", data={
            "csrf_token": token, "access_key": access_key, "secret_key": "wrong"}).status_code

def audit_trail(server):
    return list_audit_records(server.runtime.context, AuditFilter(), PageRequest(100)).items

def test_leaves_everything_changed(sharekeeper):
    alice, bob = sharekeeper.account("alice"), sharekeeper.account("bob")
    sharekeeper.organization(alice)
    alice.ram.create_resource_share(CreateResourceShareRequest(body=CreateResourceShareReqBody(
        name="left-behind", principals=[bob.account_id], resource_urns=[alice.urn("subnet-1")])))
    sharekeeper.clock.advance(8 * DAY)
    # Five failures are allowed a source and key, then one each 12 s: a 429 well before 10.
    statuses = []
    while len(statuses) < 10 and 429 not in statuses:
        statuses.append(failed_sign_in(sharekeeper.endpoint, bob.access_key))
    assert statuses[-1] == 429, statuses
    metrics = httpx.get(sharekeeper.endpoint + "/metrics").text
    assert "CreateResourceShare" in metrics and INVITATIONS.search(metrics)
    assert audit_trail(sharekeeper) and sharekeeper.clock() > time.time() * 1000 + 7 * DAY
    EARLIER.update(alice=alice, bob=bob, endpoint=sharekeeper.endpoint)

def test_sees_none_of_it(sharekeeper):
    assert sharekeeper.endpoint == EARLIER["endpoint"]  # the same server, emptied
    metrics = httpx.get(sharekeeper.endpoint + "/metrics").text
    assert "CreateResourceShare" not in metrics and not INVITATIONS.search(metrics)
    assert audit_trail(sharekeeper) == []
    assert abs(sharekeeper.clock() - time.time() * 1000) < DAY
    try:
        EARLIER["alice"].ram.search_resource_shares(SearchResourceSharesRequest(
            body=SearchResourceSharesReqBody(resource_owner="self")))
    except ClientRequestException as refused:
        assert refused.status_code == 401, refused
    else:
        raise AssertionError("the earlier test's account still signs requests")
    assert failed_sign_in(sharekeeper.endpoint, EARLIER["bob"].access_key) == 401
    carol = sharekeeper.account("carol")
    shares = carol.ram.search_resource_shares(SearchResourceSharesRequest(
        body=SearchResourceSharesReqBody(resource_owner="self"))).resource_shares
    assert shares == []

def test_stops_its_server(sharekeeper):
    EARLIER["stopped"] = sharekeeper.endpoint
    sharekeeper.stop()

def test_gets_a_running_one(sharekeeper):
    assert sharekeeper.endpoint != EARLIER["stopped"]
    assert httpx.get(sharekeeper.endpoint + "/healthz").status_code == 200
    sharekeeper.account("dave")

def test_the_session_server_keeps_its_accounts(sharekeeper_session):
    EARLIER["kept"] = sharekeeper_session.account("erin")

def test_the_session_server_is_another(sharekeeper, sharekeeper_session):
    assert sharekeeper.endpoint != sharekeeper_session.endpoint
    shares = EARLIER["kept"].ram.search_resource_shares(SearchResourceSharesRequest(
        body=SearchResourceSharesReqBody(resource_owner="self"))).resource_shares
    assert shares == []  # answered: the session server still knows erin
"""


def test_each_test_sees_an_empty_server(pytester: pytest.Pytester) -> None:
    """One server lent to test after test, emptied in between: nothing an earlier test left
    shows, seen through the API, the console, /metrics and the service layer."""
    pytester.makepyfile(test_user_suite=_LEAVES_AND_LOOKS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)


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


def test_emptying_a_server_is_reported(tmp_path: Path) -> None:
    """What the ``sharekeeper`` fixture pays before each test instead of a start and a stop
    (bench/plugin.py sets it against moto's mock_aws)."""
    server = start_server(tmp_path / "emptied")
    timings = []
    for _ in range(5):
        server.account("left-behind")
        started = time.perf_counter()
        server.reset()
        timings.append(time.perf_counter() - started)
        assert httpx.get(f"{server.endpoint}/healthz", timeout=5).status_code == 200
    server.stop()
    figures.add("plugin reset us (median of 5)", round(sorted(timings)[2] * 1_000_000))
