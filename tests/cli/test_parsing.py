"""The command line's parsing and help, in-process (Typer's CliRunner: a subprocess would add
nothing here); the import-time figure of ``--help`` is measured through the real entry point
and reported, never asserted."""

from __future__ import annotations

import subprocess
import sys
import time

from typer.testing import CliRunner

from sharekeeper.cli.main import MAX_TEMPORARY_TTL_SECONDS, app, hoist
from sharekeeper.services.identity import MAX_TEMPORARY_TTL_SECONDS as SERVICE_MAX_TTL
from tests import figures

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, hoist(list(args)), prog_name="sharekeeper")
    return result.exit_code, result.output


def test_help_pages_describe_and_show_defaults() -> None:
    for command in (
        (),
        ("serve",),
        ("key", "create-temporary"),
        ("ram",),
        ("ram", "shares", "list"),
        ("ram", "shares", "create"),
        ("ram", "invitations", "list"),
    ):
        code, text = invoke(*command, "--help")
        assert code == 0, (command, text)
        assert "<bool>" not in text, command
        assert "Show this message and exit." in text
    _, ttl = invoke("key", "create-temporary", "--help")
    assert "default: 3600" in ttl and "at most 7 days" in ttl
    _, listing = invoke("ram", "invitations", "list", "--help")
    assert "pending|accepted|rejected|expired|withdrawn" in listing
    assert "--output" in listing and "table|json|yaml" in listing and "--json" in listing
    _, serve = invoke("serve", "--help")
    flat = " ".join(serve.split())
    assert "[default: SHAREKEEPER_HOST, else 127.0.0.1]" in flat
    assert "[default: SHAREKEEPER_PORT, else 9460]" in flat
    assert "[default: SHAREKEEPER_WORKERS, else 1]" in flat


def test_the_version() -> None:
    from importlib.metadata import version

    assert invoke("--version") == (0, f"sharekeeper {version('sharekeeper')}\n")


def test_a_value_outside_a_choice_is_refused() -> None:
    code, text = invoke("ram", "invitations", "list", "--status", "bogus")
    assert code == 2 and "'bogus' is not one of" in text
    code, text = invoke("ram", "shares", "list", "--owner", "everyone")
    assert code == 2 and "other-accounts" in text


def test_group_options_are_taken_where_users_put_them() -> None:
    assert hoist(["ram", "shares", "list", "--endpoint", "E", "--ak=A", "--sk", "S"]) == [
        "ram",
        "--endpoint",
        "E",
        "--ak=A",
        "--sk",
        "S",
        "shares",
        "list",
    ]
    assert hoist(["migrate", "--database", "D", "--config", "c.toml", "--debug"]) == [
        "--config",
        "c.toml",
        "--debug",
        "migrate",
        "--database",
        "D",
    ]
    # Outside ram, --endpoint is nobody's: left where it is, for Click to refuse.
    assert hoist(["migrate", "--endpoint", "E"]) == ["migrate", "--endpoint", "E"]
    # An option's value stays its value, even when it looks like an option; so does all
    # after "--".
    typed = ["ram", "shares", "create", "--description", "--endpoint", "--endpoint", "E"]
    assert hoist(typed) == ["ram", "--endpoint", "E", *typed[1:5]]
    assert hoist(["ram", "shares", "create", "--name", "--debug"]) == [
        "ram",
        "shares",
        "create",
        "--name",
        "--debug",
    ]
    assert hoist(["ram", "--", "--endpoint", "x"]) == ["ram", "--", "--endpoint", "x"]
    assert hoist(["account", "create", "--name", "ram", "--endpoint", "E"])[-2:] == [
        "--endpoint",
        "E",
    ]


def test_the_limit_on_temporary_credentials_is_the_services() -> None:
    assert MAX_TEMPORARY_TTL_SECONDS == SERVICE_MAX_TTL


def test_help_start_up_time_is_reported() -> None:
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sharekeeper", "--help"], capture_output=True, check=True
        )
        runs.append(time.perf_counter() - started)
    figures.FIGURES["cli --help ms (best of 3)"] = int(min(runs) * 1000)
