"""The multi-host topology, made once for the session (tests/cluster/topology.py). Without root,
network namespaces or the Debian packages the tests skip with the reason and the install
command, unless SHAREKEEPER_REQUIRE_CLUSTER=1 (CI), where they fail."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import figures
from tests.cluster import topology
from tests.cluster.topology import Cluster, inside
from tests.support import Account

REQUIRED = os.environ.get("SHAREKEEPER_REQUIRE_CLUSTER") == "1"
BUILD = Path(__file__).resolve().parents[2] / "build"
# What the scenarios measured, written to build/cluster-figures.json at the end of the session.
FIGURES: dict[str, Any] = {}
# Keeps the processes' logs after a run that passed too, to read a failover's timeline.
KEEP_LOGS = os.environ.get("SHAREKEEPER_CLUSTER_KEEP_LOGS") == "1"


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    chosen = request.config.getoption("markexpr") or ""
    if "cluster" not in chosen or "not cluster" in chosen:
        # Another -m (e.g. "not slow") replaces pyproject's "not cluster": these minutes of
        # namespaces as root still take being asked for by name.
        pytest.skip("the cluster tests run only when chosen: pytest -m cluster tests/cluster")
    reason = topology.missing_requirement()
    if reason is not None:
        if REQUIRED:
            pytest.fail(f"SHAREKEEPER_REQUIRE_CLUSTER=1 but {reason}")
        pytest.skip(reason)
    topology.clean_stale()
    made = Cluster(topology.patroni_timing(os.environ.get(topology.TIMING_VARIABLE, "tuned")))
    FIGURES["patroni timing"] = made.timing
    failed = False
    try:
        made.up()
        yield made
    except BaseException:
        failed = True
        print(made.tails())
        raise
    finally:
        figures.PROCESS_OUTPUT.extend(made.host_output())
        made.down(keep_logs=failed or request.session.testsfailed > 0 or KEEP_LOGS)
        BUILD.mkdir(exist_ok=True)
        (BUILD / "cluster-figures.json").write_text(json.dumps(FIGURES, indent=2))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test shows the end of every process's log (they go with the topology)."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    cluster = getattr(item, "funcargs", {}).get("client_side")
    if report.failed and cluster is not None:
        report.sections.append(("cluster logs", cluster.tails()))


@pytest.fixture
def client_side(cluster: Cluster) -> Iterator[Cluster]:
    """The test runs in the client namespace: its requests cross the bridge to HAProxy."""
    with inside(cluster.ns("client")):
        yield cluster


def account(cluster: Cluster, name: str) -> Account:
    """A new account, made with the command line on the first host; its clients are sent to
    the load balancer."""
    reply = json.loads(cluster.command("account", "create", "--name", name, "--json"))
    figures.issued(reply["secret_key"])
    return Account(reply["account_id"], reply["access_key"], reply["secret_key"], cluster.balancer)


@pytest.fixture(scope="session")
def receiver(cluster: Cluster) -> Account:
    return account(cluster, "receiver")


@pytest.fixture
def accounts(cluster: Cluster, receiver: Account) -> list[Account]:
    """A fresh owner for each test (its share quota is its own) and the session's receiver."""
    return [account(cluster, "owner"), receiver]
