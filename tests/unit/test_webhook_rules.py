"""The webhooks' pure rules (domain/webhooks.py): type patterns, URLs, where a delivery may go,
the backoff between tries; and their settings."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import pytest

from sharekeeper.config import Settings, SettingsError
from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.domain.webhooks import (
    Destinations,
    Webhook,
    backoff,
    check_types,
    check_url,
    cut,
    shown_url,
    signature,
)


def hook(*types: str) -> Webhook:
    return Webhook("wh-1", "http://x/", types, "sealed", 0)


def test_patterns_are_a_type_or_a_prefix_ending_in_a_star_that_matches_one() -> None:
    assert check_types(["sharekeeper.*", "sharekeeper.*"]) == ("sharekeeper.*",)
    assert check_types(["sharekeeper.ram.invitation.accepted"])
    for wrong in (
        "*",
        "sharekeeper.ram.invitation",  # neither a type nor a prefix with .*
        "sharekeeper.ram.invitations.*",
        "sharekeeper.ram.*.accepted",
        "ram.invitation.accepted",
        "sharekeeper.RAM.*",
    ):
        with pytest.raises(InvalidParameter, match="matches no event type"):
            check_types([wrong])
    with pytest.raises(InvalidParameter, match="at most 20"):
        check_types([f"sharekeeper.ram.{k}.*" for k in range(21)])


def test_a_webhook_wants_every_type_without_patterns_else_the_matching_ones() -> None:
    assert hook().wants("sharekeeper.organizations.unit.created")
    invitations = hook("sharekeeper.ram.invitation.*", "sharekeeper.ram.resource_share.created")
    assert invitations.wants("sharekeeper.ram.invitation.accepted")
    assert invitations.wants("sharekeeper.ram.resource_share.created")
    assert not invitations.wants("sharekeeper.ram.resource_share.deleted")
    assert not invitations.wants("sharekeeper.ram.invitation")


def test_only_plain_http_urls_with_a_host_and_no_credentials() -> None:
    assert check_url("https://hooks.example.com:8443/in?x=1") == (
        "https://hooks.example.com:8443/in?x=1"
    )
    for wrong in (
        "ftp://h/",
        "HTTP//h",
        "javascript:alert(1)",
        "http://u:p@h/",
        "http://h/#f",
        "http://h:0/",
        "http://h:70000/",
        "http://h/ x",
        "http://h/\x00",
        "http://" + "h" * 2050,
    ):
        with pytest.raises(InvalidParameter):
            check_url(wrong)


def address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


def test_without_an_allow_list_loopback_link_local_and_non_unicast_are_refused() -> None:
    open_ = Destinations()
    for refused in ("127.0.0.1", "169.254.169.254", "0.0.0.0", "::1", "fe80::1", "224.0.0.1"):
        assert open_.refusal("h", address(refused)) is not None, refused
    # The IPv4 loopback written as IPv6 is still the loopback.
    assert open_.refusal("h", address("::ffff:127.0.0.1")) is not None
    # Review finding: other clouds' metadata addresses, and IPv6 forms carrying a refused
    # IPv4 address (compatible, NAT64, 6to4, Teredo's client, stored inverted).
    carried = (
        "fd00:ec2::254",
        "100.100.100.200",
        "::7f00:1",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "2002:7f00:1::",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
    )
    for refused in carried:
        assert open_.refusal("h", address(refused)) is not None, refused
    assert open_.refusal("h", address("64:ff9b::cb00:7109")) is None  # 203.0.113.9
    for allowed in ("10.0.0.5", "192.168.1.1", "203.0.113.9", "2001:db8::1"):
        assert open_.refusal("h", address(allowed)) is None, allowed


def test_with_an_allow_list_only_listed_networks_and_names_are_reached() -> None:
    allow = Destinations.parse(["127.0.0.1/32", "hooks.example.com.", "10.0.0.0/8", " "])
    assert allow.refusal("localhost", address("127.0.0.1")) is None
    assert allow.refusal("anything", address("10.1.2.3")) is None
    assert allow.refusal("HOOKS.example.com", address("203.0.113.9")) is None
    refused = allow.refusal("other.example.com", address("203.0.113.9"))
    assert refused is not None and "SHAREKEEPER_WEBHOOK_ALLOW" in refused
    # A listed name that resolves to the metadata service is still refused (DNS rebinding).
    assert allow.refusal("hooks.example.com", address("169.254.169.254")) is not None
    with pytest.raises(ValueError, match="neither a host name nor a network"):
        Destinations.parse(["http://x/"])


def test_the_backoff_doubles_from_the_first_wait_up_to_the_most() -> None:
    waits = [backoff(n, 1.0, 60.0) for n in range(1, 10)]
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]
    assert backoff(10_000, 0.5, 300.0) == 300.0


def test_the_signature_is_the_hmac_sha256_of_the_body_in_hex() -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    assert signature("Jefe", b"what do ya want for nothing?") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_a_failure_is_kept_as_one_bounded_line() -> None:
    assert cut("a\nb\tc") == "a b c"
    assert len(cut("x" * 2000)) == 500


def test_webhook_settings_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "SHAREKEEPER_DATA_DIR": "/tmp/x",
            "SHAREKEEPER_WEBHOOK_ATTEMPTS": "3",
            "SHAREKEEPER_WEBHOOK_BACKOFF": "0.5",
            "SHAREKEEPER_WEBHOOK_BACKOFF_MAX": "10",
            "SHAREKEEPER_WEBHOOK_TIMEOUT": "2",
            "SHAREKEEPER_WEBHOOK_ALLOW": "10.0.0.0/8, hooks.example.com",
        }
    ).webhooks
    assert (settings.attempts, settings.backoff, settings.backoff_max, settings.timeout) == (
        3,
        0.5,
        10.0,
        2.0,
    )
    assert settings.allow == ("10.0.0.0/8", "hooks.example.com")
    assert Settings.from_env({"SHAREKEEPER_DATA_DIR": "/tmp/x"}).webhooks.attempts == 8
    for name, value, said in (
        ("SHAREKEEPER_WEBHOOK_ALLOW", "10.0.0.0/8,http://x/", "SHAREKEEPER_WEBHOOK_ALLOW"),
        ("SHAREKEEPER_WEBHOOK_ATTEMPTS", "0", "at least 1"),
        ("SHAREKEEPER_WEBHOOK_TIMEOUT", "0", "SHAREKEEPER_WEBHOOK_TIMEOUT"),
        ("SHAREKEEPER_WEBHOOK_BACKOFF", "500", "SHAREKEEPER_WEBHOOK_BACKOFF_MAX"),
    ):
        with pytest.raises(SettingsError, match=said):
            Settings.from_env({"SHAREKEEPER_DATA_DIR": "/tmp/x", name: value})


def test_the_verification_example_of_the_docs_runs_as_written() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "enforcement.md").read_text("utf-8")
    (block,) = re.findall(r"<!-- webhook-verify -->\n```python\n(.*?)```", doc, re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(block, "docs/enforcement.md", "exec"), namespace)
    body = b'{"id": "e-1"}'
    header = signature("the secret", body)
    assert namespace["verified"]("the secret", body, header)
    assert not namespace["verified"]("the secret", body + b" ", header)
    assert not namespace["verified"]("another secret", body, header)


def test_logs_show_a_url_without_its_query() -> None:
    """A receiver's token may ride in the query (review finding: logged on every try)."""
    assert shown_url("https://hooks.example.com:8443/in?token=s3cret") == (
        "https://hooks.example.com:8443/in"
    )
