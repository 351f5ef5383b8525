"""SQLite called on the event loop's own thread, for the short transactions of updates and sends.

aiosqlite runs every call (a cursor, an execute, a fetch, a close) in a thread of its own and
wakes the event loop for each answer: four thread hand-offs for a statement that SQLite itself
answers in microseconds. Measured here, a one-row SELECT in an open transaction cost 0.32 ms
of CPU through aiosqlite, most of it those hand-offs. This dialect calls the standard sqlite3
module directly instead; SQLAlchemy's asyncio layer still runs it, so sessions are the same
AsyncSessions as with any other driver.

What makes that safe:
- A call never waits long for a lock on the loop's thread: `Database` keeps the busy timeout
  short here (INLINE_BUSY_TIMEOUT_MS) and waits for the write lock in `begin_immediate`,
  asleep on the event loop, not blocked in SQLite (another process may hold it for seconds).
- Long reads (exports, reports: `Database.snapshot`) do not come here: they go through
  aiosqlite, whose thread keeps the loop free while SQLite reads.

What it costs: the loop waits while SQLite works, and that includes the WAL's automatic
checkpoint, which a commit runs about every 4 MB written and which syncs the database file to
disk (on a slow disk, a pause of that sync's length).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

from sqlalchemy import exc, pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.base import SQLiteExecutionContext
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL
from sqlalchemy.engine.interfaces import AdaptedConnection
from sqlalchemy.util.concurrency import await_, in_greenlet

DRIVER = "xuncha_inline"
# A statement of a transaction that holds the write lock waits at most this long for SQLite's
# other locks (a reader's checkpoint, WAL recovery); the write lock itself is waited for
# asleep, in `begin_immediate`.
INLINE_BUSY_TIMEOUT_MS = 50
# How long `begin_immediate` waits for another process's write transaction to end.
WRITE_LOCK_WAIT_SECONDS = 30.0


async def _answered() -> None:
    """An awaitable that is done at once."""


def _note_await() -> None:
    """Await something that is done at once: AsyncConnection.execute refuses a driver that
    never awaits (AwaitRequired). A switch of greenlets, not a turn of the event loop."""
    if in_greenlet():
        await_(_answered())


class InlineCursor(sqlite3.Cursor):
    """A sqlite3 cursor whose statements count as awaited (see `_note_await`)."""

    def execute(self, sql: str, parameters: Any = (), /) -> InlineCursor:
        _note_await()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> InlineCursor:
        _note_await()
        return super().executemany(sql, parameters)

    async def _async_soft_close(self) -> None:
        """What AsyncConnection.execute asks of an async driver's cursor before it hands the
        result out; the rows are read from this cursor as they are, on the loop's thread."""


class InlineConnection(AdaptedConnection):
    """A sqlite3 connection, presented as the adapted connection of an async dialect."""

    __slots__ = ("_db",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        # What SQLAlchemy hands out as the driver's connection (`driver_connection`).
        self._connection = connection  # type: ignore[assignment]

    @property
    def isolation_level(self) -> str | None:
        """The sqlite3 module's isolation level (None: SQLAlchemy issues BEGIN itself)."""
        return self._db.isolation_level

    @isolation_level.setter
    def isolation_level(self, value: Any) -> None:
        self._db.isolation_level = value

    def cursor(self, server_side: bool = False) -> InlineCursor:
        """A sqlite3 cursor: every call on it answers at once."""
        return self._db.cursor(InlineCursor)

    def execute(self, operation: Any, parameters: Any = ()) -> InlineCursor:
        """Run one statement on a new cursor."""
        return self.cursor().execute(operation, parameters)

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register an SQL function (as sqlite3 does)."""
        self._db.create_function(*args, **kwargs)

    def commit(self) -> None:
        """Commit (SQLite appends to its WAL; nothing here waits on a lock)."""
        self._db.commit()

    def rollback(self) -> None:
        """Roll back."""
        self._db.rollback()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def terminate(self) -> None:
        """Close at once (a pool throwing the connection away)."""
        self._db.close()


class _InlineDBAPI:
    """The sqlite3 module, with `connect` returning an InlineConnection."""

    def __init__(self) -> None:
        for name in (
            "DatabaseError",
            "Error",
            "IntegrityError",
            "InterfaceError",
            "InternalError",
            "NotSupportedError",
            "OperationalError",
            "ProgrammingError",
            "DataError",
            "Warning",
            "sqlite_version",
            "sqlite_version_info",
            "PARSE_COLNAMES",
            "PARSE_DECLTYPES",
            "Binary",
        ):
            setattr(self, name, getattr(sqlite3, name))
        self.paramstyle = "qmark"
        self.version = sqlite3.version if hasattr(sqlite3, "version") else "2.6.0"

    def connect(self, *args: Any, **kwargs: Any) -> InlineConnection:
        """Open a sqlite3 connection (usable from any thread: the pool may close it late)."""
        kwargs["check_same_thread"] = False
        return InlineConnection(sqlite3.connect(*args, **kwargs))


class _InlineExecutionContext(SQLiteExecutionContext):
    """Streamed results (`AsyncConnection.stream`) read from a plain cursor: sqlite3 steps
    through rows as they are fetched anyway."""

    def create_server_side_cursor(self) -> Any:
        return self._dbapi_connection.cursor()


class InlineSQLiteDialect(SQLiteDialect_pysqlite):
    """SQLite through sqlite3 on the calling thread, under SQLAlchemy's asyncio extension."""

    driver = DRIVER
    is_async = True
    supports_statement_cache = True
    has_terminate = True
    supports_server_side_cursors = True
    execution_ctx_cls = _InlineExecutionContext

    @classmethod
    def import_dbapi(cls) -> Any:
        return _InlineDBAPI()

    @classmethod
    def get_pool_class(cls, url: URL) -> type[pool.Pool]:
        # The pool waits for a free connection on the event loop, not in a thread lock.
        if cls._is_url_file_db(url):
            return pool.AsyncAdaptedQueuePool
        return pool.StaticPool

    def get_driver_connection(self, connection: Any) -> Any:
        return connection._connection

    def do_terminate(self, dbapi_connection: Any) -> None:
        dbapi_connection.terminate()


registry.register(f"sqlite.{DRIVER}", __name__, "InlineSQLiteDialect")


def begin_immediate(connection: Any) -> None:
    """BEGIN IMMEDIATE, waiting for another process's write lock asleep on the event loop.

    Runs inside SQLAlchemy's greenlet (the engine's "begin" event), so it may await.
    """
    deadline = time.monotonic() + WRITE_LOCK_WAIT_SECONDS
    pause = 0.005
    # Straight to sqlite3: SQLAlchemy's statement machinery around a bare BEGIN cost more than
    # SQLite took to run it, once per transaction.
    raw = connection.connection.dbapi_connection
    assert isinstance(raw, InlineConnection)
    while True:
        try:
            raw._db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error).lower() or time.monotonic() >= deadline:
                raise exc.OperationalError("BEGIN IMMEDIATE", (), error) from error
        await_(asyncio.sleep(pause))
        pause = min(pause * 2, 0.1)
