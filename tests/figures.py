"""Figures the robustness tests measure (requests fuzzed, races run, crashes survived, writes
verified); written to build/test-figures.json and shown at the end of a run, for
docs/security.md."""

from __future__ import annotations

FIGURES: dict[str, int] = {}
# Every secret key and security token handed out during the run: none may appear in a log.
ISSUED_SECRETS: set[str] = set()
# Output of server processes the tests started, scanned with the in-process log.
PROCESS_OUTPUT: list[str] = []


def add(name: str, amount: int = 1) -> None:
    FIGURES[name] = FIGURES.get(name, 0) + amount


def issued(*secrets: str | None) -> None:
    ISSUED_SECRETS.update(s for s in secrets if s)
