"""A PostgreSQL pipeline driven through libpq's pipeline mode directly, with one wait a round
trip, for every statement ``Transaction`` runs on the asyncio driver: a write unit's, queued
and sent together, and a statement alone (a read's) as a pipeline of one.

psycopg's own pipeline (``async with connection.pipeline()``) waits once for every
``execute`` in it (a poll and a flush each) and once for the sync: about 20 µs of client CPU a
statement that travels without a round trip (docs/performance.md, "PostgreSQL: what a unit
costs around the driver"). Here every statement is handed to libpq (``psycopg.pq``: the
wrapper psycopg itself runs on), then one sync, one flush, and the event loop is asked once
for the answers. Values are dumped and rows loaded by psycopg's own adapters
(``psycopg.adapt.Transformer`` of the connection), so they travel and come back as psycopg's
``execute`` would send and return them.

A statement with parameters is prepared server-side the first time its connection sees it
(psycopg does after its fifth use), under a name of ours (psycopg's are ``_pg3_*``), per SQL
text and parameter types as psycopg keys its own. A statement without parameters (BEGIN,
COMMIT, a lock) goes as it is, unparsed, as psycopg sends a statement given ``None``."""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from psycopg import AsyncConnection, OperationalError, errors, pq
from psycopg.adapt import PyFormat, Transformer

from sharekeeper.store.transaction import Answer

if TYPE_CHECKING:
    from sharekeeper.store.transaction import Parameters

# At most this many statements prepared a connection: past it, a new text goes unprepared
# (parsed at each use, as psycopg sends a statement it has not seen five times). Our hot
# statements are a few dozen; the bound keeps a text made per call (a change of many events'
# insert) from filling the server's memory.
PREPARED_MAX = 100
# How long an interrupted pipeline waits for the server to take its cancel request: the
# request is on its way out, and a database that does not answer must not hold it long.
CANCEL_SECONDS = 2.0

log = logging.getLogger("sharekeeper.store")

_PIPELINE_SYNC = pq.ExecStatus.PIPELINE_SYNC
_FATAL_ERROR = pq.ExecStatus.FATAL_ERROR
_COMMAND_OK = pq.ExecStatus.COMMAND_OK
_BAD = pq.ConnStatus.BAD
_OK = pq.ConnStatus.OK
_OFF = pq.PipelineStatus.OFF
_ACTIVE = pq.TransactionStatus.ACTIVE
_PLACEHOLDER = re.compile(rb"%(?:\(([^)]+)\))?s|%%|%")


class Statement:
    """A SQL text in psycopg's placeholder style (``%(name)s`` or ``%s``, ``%%`` for a
    percent sign) turned into libpq's (``$1``), once per text."""

    __slots__ = ("bare", "names", "sql")

    def __init__(self, sql: str) -> None:
        self.bare = sql.encode()
        names: list[bytes] = []
        positional = 0

        def number(match: re.Match[bytes]) -> bytes:
            nonlocal positional
            token = match.group(0)
            if token == b"%%":
                return b"%"
            if token == b"%":
                raise ValueError(f"a lone % in a statement: {sql[:60]}")
            name = match.group(1)
            if name is None:
                positional += 1
                names.append(b"")
                return b"$%d" % len(names)
            if name not in names:
                names.append(name)
            return b"$%d" % (names.index(name) + 1)

        self.sql = _PLACEHOLDER.sub(number, self.bare)
        if positional and positional != len(names):
            raise ValueError(f"named and positional placeholders mixed: {sql[:60]}")
        # None for positional placeholders: the values are taken in order.
        self.names: tuple[str, ...] | None = (
            None if positional else tuple(n.decode() for n in names)
        )

    def values(self, parameters: Sequence[Any] | Mapping[str, Any]) -> Sequence[Any]:
        if self.names is None:
            return parameters  # type: ignore[return-value]
        return [parameters[name] for name in self.names]  # type: ignore[call-overload]


_statements: dict[str, Statement] = {}


def statement(sql: str) -> Statement:
    """``sql``'s ``Statement``, converted once per text in the process (the hot statements'
    texts are fixed; one made per call is converted each time, and not kept past a bound)."""
    found = _statements.get(sql)
    if found is None:
        found = Statement(sql)
        if len(_statements) < 1000:
            _statements[sql] = found
    return found


# Prepared statements' names, never the same twice in the process: one forgotten (its PREPARE
# skipped after a failure) or a connection's ``Pipeline`` made again cannot meet a name the
# server still holds.
_names = itertools.count()


class Pipeline:
    """One asyncio psycopg connection's pipelines, made once for as long as it stays open:
    its adapters, and the names of the statements it prepared. The connection must be idle
    (no psycopg pipeline, no unread result), as it is between a unit's statements."""

    __slots__ = ("_formats", "_prepared", "connection", "pgconn", "transformer")

    def __init__(self, connection: AsyncConnection[Any]) -> None:
        self.connection = connection
        self.pgconn = connection.pgconn
        self.transformer = Transformer(connection)
        # The statements this connection prepared, by SQL text and parameter types.
        self._prepared: dict[tuple[bytes, tuple[int, ...]], bytes] = {}
        self._formats: dict[int, list[PyFormat]] = {}

    def clean(self) -> bool:
        """Whether the connection is out of pipeline mode with every answer read, and whole:
        true after ``run`` returned or raised a statement's failure; false after an
        interruption, or a failure before every answer was read (the connection must go)."""
        pgconn = self.pgconn
        return pgconn.status == _OK and pgconn.pipeline_status == _OFF

    async def run(
        self, statements: Sequence[tuple[str, Parameters]], answered: range
    ) -> list[Answer]:
        """Sends ``statements`` in one pipeline, waits once for their answers, and returns
        those of the statements whose indexes are in ``answered``. The first failure is raised
        (psycopg's exception for its SQLSTATE, as psycopg would raise it) once every answer up
        to the sync is read: the database skipped the statements after it, and the connection
        is left idle, or in its (aborted) transaction, as psycopg's pipeline leaves it. An
        interruption (a cancelled wait) leaves results unread: the caller must then close the
        connection."""
        pgconn = self.pgconn
        transformer = self.transformer
        prepared = self._prepared
        # Per statement, the key it is prepared under in this pipeline, if it is: its
        # PREPARE's result comes before its own.
        preparing: list[tuple[bytes, tuple[int, ...]] | None] = []
        pgconn.enter_pipeline_mode()
        try:
            for sql, parameters in statements:
                each = statement(sql)
                if parameters is None:
                    pgconn.send_query_params(each.bare, None)
                    preparing.append(None)
                    continue
                values = each.values(parameters)
                formats = self._formats.get(len(values))
                if formats is None:
                    formats = self._formats[len(values)] = [PyFormat.AUTO] * len(values)
                dumped = transformer.dump_sequence(values, formats)
                types = transformer.types or ()
                key = (each.sql, types)
                name = prepared.get(key)
                if name is None and len(prepared) < PREPARED_MAX:
                    name = prepared[key] = b"_sk_%d" % next(_names)
                    pgconn.send_prepare(name, each.sql, types)
                    preparing.append(key)
                else:
                    preparing.append(None)
                if name is None:
                    pgconn.send_query_params(each.sql, dumped, types, transformer.formats)
                else:
                    pgconn.send_query_prepared(name, dumped, transformer.formats)
            pgconn.pipeline_sync()
            await self._flush()
            results = await self._results()
        except BaseException:
            # Whether the database prepared this pipeline's statements is not known: they are
            # forgotten (the caller drops the connection anyway).
            for made in preparing:
                if made is not None:
                    prepared.pop(made, None)
            if pgconn.status == _OK and pgconn.transaction_status == _ACTIVE:
                # Interrupted (a cancelled request) while the server still runs the pipeline.
                # The caller then closes the connection, but that alone would not stop it: the
                # server process runs what it was sent, COMMIT included, before it reads the
                # end of the connection, holding the unit's locks meanwhile.
                await self._cancel()
            raise
        finally:
            if pgconn.status != _BAD:
                # With results unread (an interruption) libpq refuses: the caller drops the
                # connection then.
                with suppress(OperationalError):
                    pgconn.exit_pipeline_mode()
        return self._answers(results, preparing, answered)

    def _answers(
        self,
        results: list[pq.abc.PGresult],
        preparing: list[tuple[bytes, tuple[int, ...]] | None],
        answered: range,
    ) -> list[Answer]:
        answers: list[Answer] = []
        failure: pq.abc.PGresult | None = None
        position = 0
        for index, key in enumerate(preparing):
            if key is not None:
                prepare = results[position]
                position += 1
                if prepare.status != _COMMAND_OK:
                    # Failed, or skipped after a failure: the database holds no such name.
                    del self._prepared[key]
                    if failure is None and prepare.status == _FATAL_ERROR:
                        failure = prepare
            result = results[position]
            position += 1
            if result.status == _FATAL_ERROR:
                if failure is None:
                    failure = result
            elif failure is None and index in answered:
                answers.append(self._answer(result))
        if failure is not None:
            error = errors.error_from_result(failure, encoding=self.connection.info.encoding)
            if isinstance(error, errors.InvalidSqlStatementName):
                # Our statements were deallocated behind our back (a DEALLOCATE ALL: psycopg
                # sends one after a ROLLBACK it runs itself, or a pooler's reset): the
                # statement fails, and the connection's next pipeline prepares them again.
                self._prepared.clear()
            raise error
        return answers

    def _answer(self, result: pq.abc.PGresult) -> Answer:
        rowcount = result.command_tuples
        if not result.nfields:
            return Answer([], -1 if rowcount is None else rowcount)
        transformer = self.transformer
        transformer.set_pgresult(result)
        rows: list[tuple[Any, ...]] = transformer.load_rows(0, result.ntuples, tuple)
        return Answer(rows, result.ntuples if rowcount is None else rowcount)

    async def _cancel(self) -> None:
        """Asks the server to cancel the statement it runs, as psycopg does for its own
        interrupted statements: it then skips the rest of the pipeline up to the sync, COMMIT
        included (unless the COMMIT itself had begun), and its transaction ends with the
        connection."""
        try:
            await self.connection.cancel_safe(timeout=CANCEL_SECONDS)
        except Exception as error:
            log.warning("an interrupted statement could not be cancelled: %s", error)

    async def _flush(self) -> None:
        """Sends what libpq holds; waits for the socket only if it could not take it all."""
        pgconn = self.pgconn
        while pgconn.flush():
            # The server may be waiting for us to read before it reads more.
            if await self._ready(write=True):
                pgconn.consume_input()

    async def _results(self) -> list[pq.abc.PGresult]:
        """Every result up to the sync's, one a request (a PREPARE's, a statement's, or its
        skip: PIPELINE_ABORTED), waiting on the event loop only when libpq has none ready."""
        pgconn = self.pgconn
        results: list[pq.abc.PGresult] = []
        handler = pgconn.notify_handler
        between = False
        while True:
            if pgconn.is_busy():
                await self._ready(write=False)
                pgconn.consume_input()
                # NOTIFY messages read with the answers go to psycopg's handlers, as its
                # own fetch passes them on.
                while notice := pgconn.notifies():
                    if handler is not None:
                        handler(notice)
                continue
            result = pgconn.get_result()
            if result is None:
                if between:
                    # Twice in a row and not busy: libpq holds nothing more before the sync.
                    # A lost connection says so; else the socket is read (as psycopg's own
                    # pipeline does), never spun on in the event loop.
                    if pgconn.status == _BAD:
                        raise OperationalError("the connection was lost in a pipeline")
                    await self._ready(write=False)
                    pgconn.consume_input()
                between = True  # between one request's results and the next's
                continue
            between = False
            if result.status == _PIPELINE_SYNC:
                return results
            results.append(result)

    async def _ready(self, write: bool) -> bool:
        """One wait on the event loop for the connection's socket: readable (or, when
        ``write``, writable or readable). True when it is readable."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        fileno = self.pgconn.socket

        def readable() -> None:
            if not future.done():
                future.set_result(True)

        def writable() -> None:
            if not future.done():
                future.set_result(False)

        loop.add_reader(fileno, readable)
        if write:
            loop.add_writer(fileno, writable)
        try:
            return await future
        finally:
            loop.remove_reader(fileno)
            if write:
                loop.remove_writer(fileno)
