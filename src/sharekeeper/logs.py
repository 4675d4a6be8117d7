"""Logging: one JSON object a line for machines, plain lines for a terminal. Request lines carry
the request id, operation, status, duration and account; nothing logs bodies or credentials."""

from __future__ import annotations

import logging
import sys
import time
from functools import lru_cache
from typing import TextIO

import msgspec

FIELDS = (
    "request_id",
    "operation",
    "method",
    "path",
    "status",
    "error_code",
    "duration_ms",
    "account_id",
    "source",
)
# A request's path is the caller's text: a newline in it must not start a log line of its own,
# nor an escape sequence (C0, DEL, or the C1 controls some terminals obey) reach a terminal.
_CONTROL = str.maketrans({c: f"\\x{c:02x}" for c in (*range(32), *range(127, 160))})


def printable(text: str) -> str:
    """``text`` with each control character written out as ``\\xNN``: text a caller chose
    (a path, an id, a name) shown to an operator, in a log line, a terminal or a page, can
    neither start a line nor move the cursor, retitle the window or write the clipboard."""
    return text.translate(_CONTROL)


_encode = msgspec.json.Encoder().encode


@lru_cache(maxsize=64)
def _second(seconds: int) -> str:
    # Every line of a second shares it: formatted once, not once a line.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": f"{_second(int(record.created))}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        # The record's own attributes, looked up in its __dict__ (hasattr and getattr for
        # each field were a third of what formatting an access line cost).
        given = record.__dict__
        data.update({k: given[k] for k in FIELDS if k in given})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        # msgspec: a tenth of json.dumps's time, on the one line every request writes.
        return _encode(data).decode()


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = " ".join(
            f"{k}={printable(str(getattr(record, k)))}"
            for k in FIELDS
            if getattr(record, k, "") not in ("", None)
        )
        return f"{line} {extra}" if extra else line


def error_line(error: BaseException) -> str:
    """An exception as a log line's cause: its kind, and its text when it has one."""
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def configure_logging(log_format: str, level: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    # No line shows the caller, thread or process: not gathering them for every record (the
    # caller is found by walking the stack) halves what a request's log line costs.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    if log_format == "auto":
        log_format = "text" if stream.isatty() else "json"
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic says which dialect it found each time a revision is read (every /readyz);
    # ShareKeeper logs the migrations it runs itself (store/migrate.py).
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    # uvicorn's start-up and shutdown chatter: ShareKeeper says where it listens, and when it
    # stops, in lines of its own.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
