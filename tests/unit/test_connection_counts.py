"""The connection counts of a worker process: caps per address and per network prefix, and, when
the process is full, a connection of the heaviest source group closed to make room."""

from __future__ import annotations

from pathlib import Path

import pytest

from sharekeeper.api.http.connections import ConnectionCounts, TrustedProxies, network_of, peer_key
from sharekeeper.config import Settings, SettingsError


class Conn:
    def __init__(self, name: str, answering: bool = False) -> None:
        self.name = name
        self.evicted = False
        self.answering = answering  # an answer begun: refuses to be closed

    def evict(self) -> bool:
        if self.answering:
            return False
        self.evicted = True
        return True


def admitted(counts: ConnectionCounts, source: str, name: str, exempt: bool = False) -> Conn:
    conn = Conn(name)
    assert counts.admit(conn, source, exempt) is None
    return conn


def test_a_full_process_makes_room_at_the_expense_of_the_heaviest_group() -> None:
    counts = ConnectionCounts(total=4, per_source=0)
    a, b, c = (admitted(counts, f"127.0.0.{i}", name) for i, name in enumerate("abc", 1))
    d = admitted(counts, "127.0.1.1", "d")
    counts.idle(b)
    counts.idle(a)
    counts.idle(d)  # idle longer than a, but of a lighter group
    # c, just admitted, has a request running: never closed.
    e = admitted(counts, "127.0.2.1", "e")
    assert (a.evicted, b.evicted, c.evicted, d.evicted) == (False, True, False, False)
    assert counts.open == 4 and "127.0.0.2" not in counts.by_source
    counts.idle(b)  # an evicted connection reporting itself idle again is not counted back
    f = admitted(counts, "127.0.2.2", "f")
    assert a.evicted and not d.evicted
    counts.release(a)  # its connection_lost after the eviction: already counted out
    assert counts.open == 4
    # The newcomer's group (127.0.2.0/24, 2) is now the heaviest with anything to close
    # (127.0.1.0/24, 1): refused, and nothing is closed for it.
    refusal = counts.admit(Conn("g"), "127.0.2.3")
    assert refusal is not None and refusal.code == "RAM.9008"
    assert "The server" in str(refusal) and not any(x.evicted for x in (c, d, e, f))
    # Another /24 takes d's place.
    admitted(counts, "127.0.3.1", "h")
    assert d.evicted


def test_connections_reading_a_request_are_closed_after_the_idle_ones_never_one_answering() -> None:
    """Issue 22 review S1: a group whose connections are never idle (each begins its next head
    at once, or drips a body) still makes room; one answering is never closed."""
    counts = ConnectionCounts(total=4, per_source=0)
    first, second = admitted(counts, "127.0.0.1", "first"), admitted(counts, "127.0.0.2", "2nd")
    answering = Conn("answering", answering=True)
    assert counts.admit(answering, "127.0.0.3") is None
    for conn in (answering, first, second):
        counts.idle(conn)
        counts.began(conn)  # a byte of the next head: reading, in this order
    counts.began(answering)  # already reading: keeps its place
    other = admitted(counts, "127.0.9.1", "other")
    counts.idle(other)
    newcomer = admitted(counts, "127.0.1.1", "newcomer")
    # The heaviest group has no idle connection: its oldest reading one that can be closed.
    assert (answering.evicted, first.evicted, second.evicted, other.evicted) == (
        False,
        True,
        False,
        False,
    )
    counts.reading(newcomer)
    admitted(counts, "127.0.2.1", "next")
    assert second.evicted and not other.evicted
    counts.busy(answering)
    counts.busy(newcomer)
    counts.busy(other)
    refusal = counts.admit(Conn("late"), "127.0.3.1")  # nothing left to close
    assert refusal is not None and not answering.evicted


def test_connections_stuck_writing_are_closed_after_the_idle_before_the_reading() -> None:
    """Issue 22's re-probe D-A: a connection whose client stopped taking its answer (writing
    paused) is closable, after the idle ones and before those reading a request; reading again,
    it is busy again and never closed."""
    counts = ConnectionCounts(total=4, per_source=0)
    reading, stuck, idle, flowing = (
        admitted(counts, f"127.0.0.{i}", name)
        for i, name in enumerate(("reading", "stuck", "idle", "flowing"), 1)
    )
    counts.reading(reading)
    counts.stalled(stuck)
    counts.idle(idle)
    counts.stalled(flowing)
    counts.flowing(flowing)
    order = []
    for index in range(3):
        admitted(counts, f"127.0.{index + 1}.1", f"newcomer{index}")
        order.append([c.name for c in (reading, stuck, idle, flowing) if c.evicted])
    assert order == [["idle"], ["stuck", "idle"], ["reading", "stuck", "idle"]]
    assert not flowing.evicted
    refusal = counts.admit(Conn("late"), "127.0.9.1")
    assert refusal is not None and refusal.code == "RAM.9008"


def test_falling_idle_again_moves_a_connection_to_the_back() -> None:
    counts = ConnectionCounts(total=2, per_source=0)
    a, b = admitted(counts, "127.0.0.1", "a"), admitted(counts, "127.0.0.2", "b")
    counts.idle(a)
    counts.idle(b)
    counts.busy(a)
    counts.idle(a)  # answered a request since: now the most recently idle
    admitted(counts, "127.0.1.3", "c")
    assert b.evicted and not a.evicted


def test_caps_per_address_and_per_prefix_refuse_before_anything_is_closed() -> None:
    counts = ConnectionCounts(total=100, per_source=2, per_prefix=3)
    idle = admitted(counts, "10.1.2.3", "idle")
    counts.idle(idle)
    admitted(counts, "10.1.2.3", "second")
    by_address = counts.admit(Conn("x"), "10.1.2.3")
    assert by_address is not None and "The address 10.1.2.3" in str(by_address)
    admitted(counts, "::ffff:10.1.2.4", "mapped")  # an IPv4-mapped address counts as IPv4
    by_prefix = counts.admit(Conn("y"), "10.1.2.200")
    assert by_prefix is not None and "The network 10.1.2.0/24" in str(by_prefix)
    assert not idle.evicted
    admitted(counts, "10.1.3.1", "next /24")
    # IPv6: one /64 however many addresses it spreads over.
    for n in range(3):
        admitted(counts, f"2001:db8::{n + 1}", f"v6 {n}")
    assert counts.admit(Conn("z"), "2001:db8::ffff:1") is not None
    admitted(counts, "2001:db8:0:1::1", "next /64")


def test_a_trusted_proxy_skips_the_per_source_caps_but_not_the_total() -> None:
    counts = ConnectionCounts(total=5, per_source=1, per_prefix=1)
    proxied = [admitted(counts, "127.0.0.1", f"proxied {n}", exempt=True) for n in range(4)]
    admitted(counts, "127.0.0.2", "a neighbour keeps its share of the /24")
    assert counts.admit(Conn("sixth"), "127.0.0.1", True) is not None
    counts.release(proxied[0])
    counts.release(proxied[0])
    assert counts.open == 4 and dict(counts.by_source) == {"127.0.0.2": 1}


def test_a_cap_of_zero_is_off() -> None:
    counts = ConnectionCounts(total=50, per_source=0, per_prefix=0)
    for n in range(50):
        admitted(counts, "127.0.0.1", str(n))


def test_addresses_and_prefixes() -> None:
    assert peer_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert network_of("::ffff:192.0.2.7") == "192.0.2.0/24"
    assert network_of("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert network_of("") == ""  # not an IP peer: counted under its own name
    trusted = TrustedProxies(("10.0.0.0/8", "::1"))
    assert "10.9.8.7" in trusted and "::ffff:10.9.8.7" in trusted and "::1" in trusted
    assert "127.0.0.1" not in trusted and "" not in trusted
    assert "::ffff:10.0.0.0/104" in trusted.for_uvicorn()


def test_trusted_proxies_and_the_prefix_cap_are_settings() -> None:
    settings = Settings.from_env(
        {
            "SHAREKEEPER_TRUSTED_PROXIES": " 10.0.0.5, 192.168.0.0/16 ,,::1",
            "SHAREKEEPER_MAX_CONNECTIONS_PER_PREFIX": "0",
        }
    )
    assert settings.trusted_proxies == ("10.0.0.5", "192.168.0.0/16", "::1")
    assert settings.max_connections_per_prefix == 0
    defaults = Settings.from_env({})
    assert defaults.trusted_proxies == () and defaults.max_connections_per_prefix == 512
    for bad in ("nginx", "10.0.0.1/24", "*"):
        with pytest.raises(SettingsError, match="SHAREKEEPER_TRUSTED_PROXIES"):
            Settings.from_env({"SHAREKEEPER_TRUSTED_PROXIES": bad})


def test_the_config_file_takes_trusted_proxies_as_a_list_or_a_string(tmp_path: Path) -> None:
    listed, joined = tmp_path / "listed.toml", tmp_path / "joined.toml"
    listed.write_text(
        'trusted_proxies = ["10.0.0.5", "fd00::/8"]\nmax_connections_per_prefix = 64\n'
    )
    joined.write_text('trusted_proxies = "10.0.0.5, fd00::/8"\n')
    for path in (listed, joined):
        settings = Settings.from_env({"SHAREKEEPER_CONFIG": str(path)})
        assert settings.trusted_proxies == ("10.0.0.5", "fd00::/8")
    assert Settings.from_env({"SHAREKEEPER_CONFIG": str(listed)}).max_connections_per_prefix == 64
