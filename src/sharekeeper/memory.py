"""The serving process's malloc arenas, capped.

glibc gives each new thread a malloc arena of its own, up to eight per core. The server's worker
threads (console pages, SQLite reads off the event loop) come and go with the load; memory freed
in an arena stays with it, so every burst that started new threads left more of it held, and a
soak's RSS kept climbing after its warm-up. Two arenas held it flat at the same load
(docs/performance.md, "Memory"). Other C libraries do not read these settings."""

from __future__ import annotations

import ctypes
import ctypes.util
import os

ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number (glibc's malloc.h)
_VARIABLE = "MALLOC_ARENA_MAX"


def limit_malloc_arenas() -> bool:
    """Caps this process's arenas (for threads started from now on) and, through the variable
    glibc reads at start-up, those of the worker processes it starts. An operator's own
    MALLOC_ARENA_MAX is left as it is. Whether this process's cap took effect."""
    if os.environ.get(_VARIABLE):
        return False
    os.environ[_VARIABLE] = str(ARENAS)
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_ARENA_MAX, ARENAS))
