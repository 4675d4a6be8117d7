"""What a test pays for its fixture: the same N small tests run three ways in this one run, each
way in pytest in a process of its own, the ways taking turns round after round:

- ``sharekeeper``: the function-scoped fixture (one server per session, emptied before each test);
- ``sharekeeper_session``: the session's server, never emptied (fresh accounts per test);
- ``mock_aws``: moto's decorator-equivalent context manager per test, the baseline, with boto3.

Each test does what the README's snippet does: two accounts, a share of a subnet, the receiver
accepts. moto's RAM has no invitations, so its test does the nearest: two accounts created
through Organizations, a share with the second as principal, and the share's principal
association read back (ASSOCIATED) where the others accept an invitation.

A test's fixture cost is pytest's own setup plus teardown time for it, the median over the tests
between the first and the last: the first setup (ShareKeeper's server imported, its template
database migrated and the server started; moto's backends loaded) and the last teardown (the
server stopped) happen once a session, and are reported apart. So is the whole pytest process's
wall time (interpreter, imports, collection, the N tests): moto's users import moto and boto3 at
collection, ShareKeeper's users import the server at the first setup. Ratios are against moto's
in the same run. A way whose run fails reports its error, never a rate.

    pip install -e '.[bench]'     # moto and boto3
    python bench/plugin.py [--tests 20] [--rounds 3]

The last line of output is one JSON object."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Writes each phase's duration as pytest measured it, one JSON line a phase.
_TIMING_CONFTEST = """
import json, os

def pytest_runtest_logreport(report):
    with open(os.environ["PLUGIN_BENCH_TIMES"], "a") as out:
        out.write(json.dumps({"test": report.nodeid, "phase": report.when,
                              "seconds": report.duration, "outcome": report.outcome}) + "\\n")
"""

_SHAREKEEPER_TEST = """
import pytest
from huaweicloudsdkram.v1 import (
    AcceptResourceShareInvitationRequest, CreateResourceShareReqBody, CreateResourceShareRequest,
    SearchResourceShareInvitationReqBody, SearchResourceShareInvitationRequest,
    SearchResourceSharesReqBody, SearchResourceSharesRequest)

@pytest.mark.parametrize("n", range({tests}))
def test_bob_accepts_alices_subnet({fixture}, n):
    alice, bob = {fixture}.account("alice"), {fixture}.account("bob")
    share = alice.ram.create_resource_share(CreateResourceShareRequest(
        body=CreateResourceShareReqBody(name="shared-subnet", principals=[bob.account_id],
                                        resource_urns=[alice.urn("subnet-1")]))).resource_share
    (invitation,) = bob.ram.search_resource_share_invitation(
        SearchResourceShareInvitationRequest(body=SearchResourceShareInvitationReqBody(
            status="pending"))).resource_share_invitations
    bob.ram.accept_resource_share_invitation(AcceptResourceShareInvitationRequest(
        resource_share_invitation_id=invitation.resource_share_invitation_id))
    received = bob.ram.search_resource_shares(SearchResourceSharesRequest(
        body=SearchResourceSharesReqBody(resource_owner="other-accounts"))).resource_shares
    assert [s.id for s in received] == [share.id]
"""

_MOTO_TEST = """
import boto3
import pytest
from moto import mock_aws

@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield

@pytest.mark.parametrize("n", range({tests}))
def test_bob_is_associated_with_alices_subnet(aws, n):
    organizations = boto3.client("organizations", region_name="us-east-1")
    organizations.create_organization(FeatureSet="ALL")
    alice, bob = (
        organizations.create_account(AccountName=name, Email=f"{name}@example.com")
        ["CreateAccountStatus"]["AccountId"] for name in ("alice", "bob"))
    ram = boto3.client("ram", region_name="us-east-1")
    share = ram.create_resource_share(
        name="shared-subnet", principals=[bob],
        resourceArns=[f"arn:aws:ec2:us-east-1:{alice}:subnet/subnet-1"])["resourceShare"]
    associations = ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[share["resourceShareArn"]]
    )["resourceShareAssociations"]
    assert [(a["associatedEntity"], a["status"]) for a in associations] == [(bob, "ASSOCIATED")]
"""

WAYS = {
    "mock_aws": _MOTO_TEST,
    "sharekeeper": _SHAREKEEPER_TEST.replace("{fixture}", "sharekeeper"),
    "sharekeeper_session": _SHAREKEEPER_TEST.replace("{fixture}", "sharekeeper_session"),
}
BASELINE = "mock_aws"


@dataclass
class Way:
    """What the rounds of one way measured, in seconds."""

    steady: list[float] = field(default_factory=list)  # setup + teardown, tests 2..N-1
    whole_test: list[float] = field(default_factory=list)  # setup + call + teardown, 2..N-1
    first_setup: list[float] = field(default_factory=list)
    last_teardown: list[float] = field(default_factory=list)
    session: list[float] = field(default_factory=list)  # the pytest process, start to end
    error: str | None = None


def run_once(name: str, tests: int, folder: Path) -> dict[str, Any]:
    """Runs one way's N tests in a pytest process of their own; their phases, or an error."""
    suite = folder / name
    suite.mkdir(exist_ok=True)
    (suite / "conftest.py").write_text(_TIMING_CONFTEST)
    (suite / f"test_{name}.py").write_text(WAYS[name].replace("{tests}", str(tests)))
    times = suite / "times.jsonl"
    times.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PLUGIN_BENCH_TIMES": str(times),
        "HOME": str(suite),  # the Huawei SDK writes $HOME/.huaweicloud on import
        "NO_PROXY": "127.0.0.1,localhost",
    }
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=suite, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    session = time.perf_counter() - started
    phases = [json.loads(line) for line in times.read_text().splitlines()] if times.exists() else []
    failed = [p for p in phases if p["outcome"] != "passed"]
    calls = [p for p in phases if p["phase"] == "call"]
    if done.returncode != 0 or failed or len(calls) != tests:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        return {
            "error": f"{name}: pytest exited {done.returncode}, {len(calls)} of {tests} "
            f"tests ran\n{tail}"
        }
    return {"phases": phases, "session": session}


def fixture_costs(phases: list[dict[str, Any]]) -> tuple[list[float], list[float]]:
    """Per test, in the order run: setup + teardown, and setup + call + teardown."""
    by_test: dict[str, dict[str, float]] = {}
    for phase in phases:
        by_test.setdefault(phase["test"], {})[phase["phase"]] = phase["seconds"]
    ordered = list(by_test.values())
    fixture = [t["setup"] + t["teardown"] for t in ordered]
    whole = [t["setup"] + t["call"] + t["teardown"] for t in ordered]
    return fixture, whole


def measure(tests: int, rounds: int) -> dict[str, Way]:
    ways = {name: Way() for name in WAYS}
    with tempfile.TemporaryDirectory(prefix="plugin-bench-") as folder:
        for round_number in range(rounds):
            for name, way in ways.items():
                if way.error is not None:
                    continue
                print(f"round {round_number + 1}/{rounds}: {name}", file=sys.stderr, flush=True)
                outcome = run_once(name, tests, Path(folder))
                if "error" in outcome:
                    way.error = outcome["error"]
                    continue
                phases = outcome["phases"]
                setups = [p["seconds"] for p in phases if p["phase"] == "setup"]
                teardowns = [p["seconds"] for p in phases if p["phase"] == "teardown"]
                fixture, whole = fixture_costs(phases)
                way.steady += fixture[1:-1]
                way.whole_test += whole[1:-1]
                way.first_setup.append(setups[0])
                way.last_teardown.append(teardowns[-1])
                way.session.append(outcome["session"])
    return ways


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def figures(ways: dict[str, Way]) -> dict[str, Any]:
    """Each way's figures (medians over the rounds), with ratios against the baseline's; a
    way that failed, or a baseline that failed, has its error instead of a ratio."""
    report: dict[str, Any] = {}
    base = ways[BASELINE]
    for name, way in ways.items():
        if way.error is not None:
            report[name] = {"error": way.error}
            continue
        entry = {
            "fixture_ms_per_test": ms(statistics.median(way.steady)),
            "test_ms": ms(statistics.median(way.whole_test)),
            "first_setup_ms": ms(statistics.median(way.first_setup)),
            "last_teardown_ms": ms(statistics.median(way.last_teardown)),
            "session_s": round(statistics.median(way.session), 2),
        }
        if base.error is None:
            entry["fixture_vs_mock_aws"] = round(
                statistics.median(way.steady) / statistics.median(base.steady), 2
            )
            entry["session_vs_mock_aws"] = round(
                statistics.median(way.session) / statistics.median(base.session), 2
            )
        report[name] = entry
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=20, help="tests per run (at least 3)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each way, taking turns")
    arguments = parser.parse_args()
    if arguments.tests < 3 or arguments.rounds < 1:
        parser.error("--tests must be at least 3 and --rounds at least 1")
    ways = measure(arguments.tests, arguments.rounds)
    report = figures(ways)
    print(f"{arguments.tests} tests a run, {arguments.rounds} rounds, {os.cpu_count()} cores")
    columns = (
        ("fixture_ms_per_test", "fixture ms"),
        ("fixture_vs_mock_aws", "vs moto"),
        ("test_ms", "test ms"),
        ("first_setup_ms", "1st setup ms"),
        ("last_teardown_ms", "last teardown ms"),
        ("session_s", "session s"),
        ("session_vs_mock_aws", "vs moto"),
    )
    print(f"{'way':<20}" + "".join(f"{title:>17}" for _, title in columns))
    for name, entry in report.items():
        if "error" in entry:
            print(f"{name:<20} ERROR: {entry['error']}")
            continue
        print(f"{name:<20}" + "".join(f"{entry.get(key, '-'):>17}" for key, _ in columns))
    summary = {
        "tests": arguments.tests,
        "rounds": arguments.rounds,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "ways": report,
    }
    print(json.dumps(summary, sort_keys=True))
    return 1 if any("error" in entry for entry in report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
