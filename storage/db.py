"""Engine and transactions: the one place database sessions are opened."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import inline_sqlite

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A pooled PostgreSQL connection idle for longer than this is pinged before it is used again.
PING_AFTER_IDLE_SECONDS = 10.0
# Connections per process on PostgreSQL: kept, and opened beyond those at busy moments.
PG_POOL_SIZE = 15
PG_MAX_OVERFLOW = 10
# Execution option marking the engine view that `Database.snapshot` reads through.
SNAPSHOT_OPTION = "xuncha_snapshot"


def async_url(url: str) -> URL:
    """Turn an ordinary database URL into one with the async driver this project uses."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


def _prepare_sqlite(engine: AsyncEngine, *, inline: bool) -> None:
    """WAL, busy timeout, BEGIN IMMEDIATE for writers (never 'locked'), deferred for snapshots.

    `inline`: the engine calls SQLite on the event loop's thread (storage/inline_sqlite.py), so
    a lock is never waited for inside SQLite, where it would block the loop.
    """
    busy_timeout = inline_sqlite.INLINE_BUSY_TIMEOUT_MS if inline else SQLITE_BUSY_TIMEOUT_MS

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see "begin").
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(SNAPSHOT_OPTION):
            # A reader: a deferred BEGIN takes no lock; in WAL mode its first read fixes the
            # state it sees. query_only makes a stray write fail instead of taking the lock.
            conn.exec_driver_sql("BEGIN")
            conn.exec_driver_sql("PRAGMA query_only=ON")
            conn.info["query_only"] = True
            return
        if conn.info.pop("query_only", False):
            # The pooled connection served a snapshot last: let it write again.
            conn.exec_driver_sql("PRAGMA query_only=OFF")
        # A deferred transaction that later writes can fail with SQLITE_BUSY without waiting
        # for the busy timeout; taking the write lock up front makes it wait instead.
        if inline:
            inline_sqlite.begin_immediate(conn)
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Ping a pooled connection only when it sat idle for a while (PING_AFTER_IDLE_SECONDS).

    pool_pre_ping pings at every checkout, and asyncpg's ping is three round trips (BEGIN,
    an empty query, ROLLBACK): under a crowd that was most of the statements of a step. A
    connection the server closed while idle (a restart, an idle timeout) is what a ping
    finds; one that breaks while in use fails its statement, which is retried like any other
    failed update or send.
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            # The pool throws this connection away and checks out another.
            raise exc.DisconnectionError(f"pooled connection is gone: {error}") from error


class Database:
    """An engine plus the rule for transactions on it."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        else:
            # No JIT: its compiling costs a few hundred ms on every large count (/stats, the
            # reports, a round of a million complaints) and saves nothing on queries this size.
            kwargs["connect_args"] = {"server_settings": {"jit": "off"}}
            # Connections kept in the pool, and how many more a crowd may open. SQLAlchemy's
            # 5 were too few: a batch of updates and the sender's workers hold more at once,
            # and each connection above the pool's size was opened (a connect, a login,
            # SQLAlchemy's set-up, every statement prepared again) and closed again for each
            # transaction. Three processes at most stay under PostgreSQL's 100 connections.
            kwargs["pool_size"] = PG_POOL_SIZE
            kwargs["max_overflow"] = PG_MAX_OVERFLOW
        if self.is_sqlite:
            # Transactions call SQLite on the loop's thread (storage/inline_sqlite.py); long
            # reads (snapshots) go through aiosqlite's thread, which leaves the loop free.
            self.engine = create_async_engine(
                self.url.set(drivername=f"sqlite+{inline_sqlite.DRIVER}"), **kwargs
            )
            _prepare_sqlite(self.engine, inline=True)
            in_memory = self.url.database in (None, "", ":memory:")
            self._reader_engine = (
                self.engine if in_memory else create_async_engine(self.url, **kwargs)
            )
            if self._reader_engine is not self.engine:
                _prepare_sqlite(self._reader_engine, inline=False)
        else:
            self.engine = create_async_engine(self.url, **kwargs)
            self._reader_engine = self.engine
            _ping_when_idle(self.engine)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        # PostgreSQL: connections whose every statement commits on its own (`single_write`).
        self._autocommit_engine = (
            None if self.is_sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        # Options that make every transaction a read-only snapshot.
        if self.is_sqlite:
            readers = self._reader_engine.execution_options(**{SNAPSHOT_OPTION: True})
        else:
            readers = self.engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        self._snapshots = async_sessionmaker(readers, class_=AsyncSession, autoflush=False)
        # SQLite has one writer at a time; queueing writers of this process here keeps them
        # from spinning on the busy handler. Other processes still wait via busy_timeout.
        self._sqlite_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """Open a session in a transaction: commit when the block ends, roll back on error."""
        if self._sqlite_lock is not None:
            async with self._sqlite_lock, self._sessions() as session, session.begin():
                yield session
        else:
            async with self._sessions() as session, session.begin():
                yield session

    @asynccontextmanager
    async def single_write(self) -> AsyncIterator[AsyncConnection]:
        """A connection (no ORM session) for one write statement that needs no transaction
        around it.

        On PostgreSQL the statement commits on its own: no BEGIN and no COMMIT, two round
        trips of three (the sender records most messages this way, issue 12). On SQLite it is
        an ordinary transaction, under the same lock as `transaction()`: a statement of its own
        would wait for the write lock inside SQLite, on the event loop's thread
        (storage/inline_sqlite.py). No session: setting one up and closing it cost more than
        the statement (about 150 µs of a 400 µs transaction, SQLite).
        """
        if self._autocommit_engine is None:
            assert self._sqlite_lock is not None
            async with self._sqlite_lock, self.engine.begin() as connection:
                yield connection
        else:
            async with self._autocommit_engine.connect() as connection:
                yield connection

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A read-only session on one consistent state that blocks no writer, for long reads.

        For exports and reports that read much and write nothing: unlike `transaction()` it
        takes neither the in-process lock nor SQLite's write lock (a deferred BEGIN in WAL
        mode; REPEATABLE READ, READ ONLY on PostgreSQL), so handlers, the outbox and other
        processes keep writing while it reads; it sees nothing committed after its first read.
        It always rolls back. Never nest it inside `transaction()`: it is another connection,
        blind to that transaction's changes, and the write lock would be held throughout.
        """
        async with self._snapshots() as session:
            try:
                yield session
            finally:
                await session.rollback()

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self._reader_engine is not self.engine:
            await self._reader_engine.dispose()
