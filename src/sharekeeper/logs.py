"""Logging: one JSON object a line for machines, plain lines for a terminal. Request lines carry
the request id, operation, status, duration and account; nothing logs bodies or credentials."""

from __future__ import annotations

import asyncio
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


class LineHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that writes whole lines and, on the event loop, flushes them once a
    loop turn rather than once a line: the lines of one turn (one per request answered) go out
    in one write. A crash loses at most the lines of the turn it happened in; a line logged off
    the event loop (a thread, the CLI) is written and flushed at once, and ``logging.shutdown``
    (at exit) flushes what is left. It also takes a line already formatted (``line``), which
    the access log writes without a LogRecord when this handler is the only one it reaches
    (``direct_handler``)."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self._pending: list[str] = []
        self._flush_on: asyncio.AbstractEventLoop | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._add(self.format(record))
        except Exception:
            self.handleError(record)

    def line(self, text: str) -> None:
        """A line formatted by its caller (no newline), written as ``emit`` writes one."""
        with self.lock:  # type: ignore[union-attr]
            self._add(text)

    def _add(self, text: str) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            self.stream.write(text + self.terminator)
            self.flush()
            return
        # Scheduled once a turn; again if the loop it was scheduled on ended before running it.
        if self._flush_on is not loop:
            loop.call_soon(self.flush)
            self._flush_on = loop
        self._pending.append(text)

    def flush(self) -> None:
        with self.lock:  # type: ignore[union-attr]
            self._flush_on = None
            if self._pending:
                lines, self._pending = self._pending, []
                self.stream.write(self.terminator.join(lines) + self.terminator)
            if self.stream and hasattr(self.stream, "flush"):
                self.stream.flush()


def direct_handler(logger: logging.Logger) -> LineHandler | None:
    """The one handler a record of ``logger`` at INFO would reach, when that is a JSON
    ``LineHandler`` with no filter on the way, so a line can be written to it without a
    LogRecord; None when an operator's (or a test's) logging configuration is in the way:
    another handler, a filter, a level, a formatter of its own."""
    if not logger.isEnabledFor(logging.INFO):
        return None
    # Every handler the record would reach, as Logger.callHandlers walks the hierarchy.
    reached: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters:
            return None
        reached += current.handlers
        current = current.parent if current.propagate else None
    if len(reached) != 1:
        return None
    (handler,) = reached
    if (
        type(handler) is not LineHandler
        or handler.filters
        or handler.level > logging.INFO
        or type(handler.formatter) is not JsonFormatter
    ):
        return None
    return handler


def json_line(name: str, message: str, fields: dict[str, object]) -> str:
    """An INFO line as ``JsonFormatter`` writes one of ``name``'s records carrying ``fields``."""
    now = time.time()
    seconds = int(now)
    data: dict[str, object] = {
        "time": f"{_second(seconds)}.{int((now - seconds) * 1000):03d}Z",
        "level": "info",
        "logger": name,
        "message": message,
    }
    data.update(fields)
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
    handler = LineHandler(stream)
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
