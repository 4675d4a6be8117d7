"""serve raises the soft limit on open files to the hard one: each connection is a file."""

from __future__ import annotations

import subprocess
import sys


def test_the_soft_limit_is_raised_to_the_hard_one() -> None:
    code = (
        "import resource\n"
        "from sharekeeper.api.http.connections import raise_file_limit\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (min(256, hard), hard))\n"
        "now = raise_file_limit()\n"
        "assert now == resource.getrlimit(resource.RLIMIT_NOFILE)[0], now\n"
        "assert now == hard or hard == resource.RLIM_INFINITY, (now, hard)\n"
        "print(now)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 256
