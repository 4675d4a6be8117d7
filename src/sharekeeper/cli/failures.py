"""Operational failures as one line a person can act on: what went wrong, where, and what to do.
The command line prints the line and exits 1; ``--debug`` shows the traceback instead."""

from __future__ import annotations

import errno

from sharekeeper.config import Settings


class CommandError(Exception):
    """A failure already put in words for the person at the terminal; exit code 1, or 2 for
    settings that are wrong (a usage error)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _database(settings: Settings) -> str:
    from sharekeeper.store.engine import display_url

    try:
        return display_url(settings.database_url)
    except Exception:  # a URL SQLAlchemy cannot parse: not shown, it may hold a password
        return "the URL given"


def _database_failure(error: Exception, settings: Settings) -> str | None:
    """The driver's reason for a database that cannot be opened, and what to do."""
    from sharekeeper.store.engine import driver_reason

    reason = driver_reason(error)
    if reason is None:
        return None
    where = _database(settings)
    lowered = reason.lower()
    if "does not exist" in lowered and "database" in lowered:
        name = settings.database_url.rsplit("/", 1)[-1].split("?")[0]
        return f"{reason} at {where}: create it (createdb {name}) or fix --database"
    if "connection refused" in lowered or "could not connect" in lowered or "timeout" in lowered:
        return f"cannot connect to the database at {where} ({reason}): is it running there?"
    if "password authentication failed" in lowered or "role" in lowered:
        return f"the database at {where} refused the login ({reason}): check the URL's user"
    if "unable to open database file" in lowered:
        return (
            f"cannot open the SQLite database {where}: its directory must exist and be "
            "writable (set SHAREKEEPER_DATA_DIR or --database)"
        )
    if "database is locked" in lowered:
        return f"the database {where} stayed locked by another process; retry when it is done"
    return f"the database at {where} failed: {reason}"


def describe(error: BaseException, settings: Settings) -> str | None:
    """The line for a failure while opening ShareKeeper's storage or keys, or None."""
    from alembic.util import CommandError as AlembicError

    from sharekeeper.auth.secrets import InvalidMasterKey
    from sharekeeper.store.engine import UnsupportedDatabase

    if isinstance(error, UnsupportedDatabase):
        return (
            f"{error} in {_database(settings)}: use sqlite:///PATH or "
            "postgresql://USER@HOST:PORT/DB (hosts may be listed: HOST1:PORT1,HOST2:PORT2)"
        )
    if isinstance(
        error, PermissionError | FileNotFoundError | FileExistsError | NotADirectoryError
    ) or (isinstance(error, OSError) and error.errno in (errno.EROFS, errno.ENOSPC)):
        path = error.filename or settings.data_dir
        return (
            f"cannot write {path} ({error.strerror}): make it writable, or point "
            "SHAREKEEPER_DATA_DIR (or --database) elsewhere"
        )
    if isinstance(error, InvalidMasterKey):
        return str(error)
    if isinstance(error, AlembicError) and "locate revision" in str(error):
        return (
            f"the database at {_database(settings)} has a newer schema than this ShareKeeper "
            f"knows ({error}): upgrade ShareKeeper, or use another database"
        )
    return _database_failure(error, settings) if isinstance(error, Exception) else None


def first_line(error: BaseException) -> str:
    """What an unexpected failure says, without a database statement's parameters."""
    from sharekeeper.store.engine import driver_reason

    reason = driver_reason(error)
    lines = str(error).strip().splitlines() if reason is None else [reason]
    return (lines[0] if lines else type(error).__name__)[:300]
