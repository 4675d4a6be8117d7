"""The system's Chromium (Debian's ``chromium`` package), driven by Playwright. Playwright's own
browser download is never used: the tests run the browser the machine has."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# No sandbox (CI runs as root), and nothing that would reach for the internet: this machine's
# closed network refuses Chromium's background connections.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def find_chromium() -> str | None:
    """SHAREKEEPER_CHROMIUM, or the first Chromium on the PATH."""
    given = os.environ.get("SHAREKEEPER_CHROMIUM")
    if given:
        return given
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


MISSING = (
    "no Chromium to drive: install Debian's chromium package (apt-get install chromium; "
    ".ci/run does) or set SHAREKEEPER_CHROMIUM to a Chromium binary"
)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium browser; raises LookupError(MISSING) when the machine has none."""
    from playwright.sync_api import sync_playwright

    path = find_chromium()
    if path is None:
        raise LookupError(MISSING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
