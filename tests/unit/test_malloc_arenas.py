"""serve caps glibc's malloc arenas before any thread starts: threads that come and go then
share two arenas instead of leaving memory held in one each (docs/performance.md, "Memory")."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Starts 8 threads that each allocate through malloc, then counts the arenas malloc_info lists.
_COUNT_ARENAS = """
import ctypes, ctypes.util, sys, tempfile, threading
if sys.argv[1] == "capped":
    from sharekeeper.memory import limit_malloc_arenas
    assert limit_malloc_arenas()
barrier = threading.Barrier(8)
def allocate():
    kept = [bytearray(4000) for _ in range(200)]  # above pymalloc's 512 bytes: malloc's
    barrier.wait(10)
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join(10)
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fopen.restype = ctypes.c_void_p
with tempfile.NamedTemporaryFile(suffix=".xml") as out:
    stream = libc.fopen(out.name.encode(), b"w")
    libc.malloc_info(0, ctypes.c_void_p(stream))
    libc.fclose(ctypes.c_void_p(stream))
    print(open(out.name).read().count("<heap nr="))
"""


def _arenas(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    result = subprocess.run(
        [sys.executable, "-c", _COUNT_ARENAS, mode],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.confstr("CS_GNU_LIBC_VERSION") is None,
    reason="glibc's malloc only",
)
def test_threads_share_two_arenas_once_capped() -> None:
    assert _arenas("uncapped") > 2  # what the cap prevents: an arena per thread
    assert _arenas("capped") <= 2
