"""Choosing the leader among the processes on one database (docs/DESIGN.md "Replicas").

PostgreSQL: a session-level advisory lock, held on a connection of its own. The lock is the
leadership: PostgreSQL gives it to one session at a time and drops it the moment that
session ends. A process killed (SIGKILL, a crash) closes its socket and the lock is free at
once; a machine that vanishes, or a process that freezes, is cut off by the server after a
few seconds (TCP keepalives and a user timeout for the first, `idle_session_timeout` for the
second, all set on the lock's session). Every HEARTBEAT seconds the leader asks the server
whether it still holds the lock; a standby asks for it. A leader that has not heard "yes"
for FENCE seconds, shorter than the server's cut-off, stops sending on its own: it stops
before anyone else can take over.

SQLite is for one process: the first takes an exclusive lock on a file beside the database
and is the leader for good; a second is refused at start with one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import math
import os
import time
from pathlib import Path
from typing import IO, Any

import asyncpg
from sqlalchemy.engine import make_url

from bot.leader import Role, RoleWatch

log = logging.getLogger(__name__)

# The advisory lock's key (the two-int form, which never meets the one-bigint chat locks of
# bot/application.py): "xunc", 1.
LOCK_KEY = (0x78756E63, 1)
# Seconds between two heartbeats (leader) or two tries for the lock (standby).
HEARTBEAT = 1.0
# A leader whose last confirmed heartbeat is older than this stops sending.
FENCE = 3.0
# The server ends the lock's session after this long without a word from it (a frozen
# process), or without the client's TCP acknowledgements (a partition): longer than FENCE,
# so the old leader has stopped before the lock can pass on.
SERVER_CUTOFF_MS = 6000
# One query on the lock's connection may take this long before the leader gives up.
QUERY_TIMEOUT = 2.0


class AnotherProcess(Exception):
    """A second process on a SQLite database: refused at start."""


class Election:
    """Holds the process's RoleWatch up to date; `may_act()` guards every send."""

    def __init__(self, watch: RoleWatch) -> None:
        self.watch = watch
        # Monotonic time until which this process may act as the leader.
        self._fresh_until = 0.0
        # Monotonic time before which a new leader sends nothing (see PostgresElection).
        self.quiet_until = 0.0

    def may_act(self) -> bool:
        """Whether this process may send, poll and sweep now (leader, lock confirmed)."""
        return self.watch.is_leader and time.monotonic() < self._fresh_until

    async def run(self) -> None:
        """Keep the role up to date until cancelled."""
        raise NotImplementedError

    async def close(self) -> None:
        """Let the leadership go."""


class SoloElection(Election):
    """SQLite: one process, always the leader, kept alone by a file lock."""

    def __init__(self, watch: RoleWatch, database_path: str | None) -> None:
        super().__init__(watch)
        self._file: IO[bytes] | None = None
        if database_path and database_path != ":memory:":
            self._file = _lock_file(Path(database_path))
        self._fresh_until = math.inf
        watch.change(Role.leader, "SQLite: the only process")

    async def run(self) -> None:
        """Nothing to watch."""
        await asyncio.Event().wait()

    async def close(self) -> None:
        """Release the file lock."""
        if self._file is not None:
            self._file.close()
            self._file = None


def _lock_file(database: Path) -> IO[bytes]:
    """An exclusive lock on DATABASE.lock, held while the file stays open."""
    path = database.with_name(database.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AnotherProcess(
            f"another xuncha process is running on {database}: SQLite is for one process; "
            "replicas need PostgreSQL"
        ) from None
    handle.truncate(0)
    handle.write(f"{os.getpid()}\n".encode())
    handle.flush()
    return handle


class PostgresElection(Election):
    """PostgreSQL: the advisory lock LOCK_KEY on a connection of its own."""

    def __init__(self, watch: RoleWatch, database_url: str) -> None:
        super().__init__(watch)
        self._dsn = make_url(database_url).set(drivername="postgresql")
        self._connection: asyncpg.Connection[Any] | None = None
        self.watch.change(Role.standby, "connected; waiting for the leader's lock")

    async def _connect(self) -> asyncpg.Connection[Any]:
        """A connection the server cuts off soon after it stops hearing from us."""
        url = self._dsn
        return await asyncpg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            database=url.database,
            timeout=QUERY_TIMEOUT * 2,
            server_settings={
                "application_name": "xuncha-leader-lock",
                "idle_session_timeout": str(SERVER_CUTOFF_MS),
                "tcp_user_timeout": str(SERVER_CUTOFF_MS),
                "tcp_keepalives_idle": "2",
                "tcp_keepalives_interval": "1",
                "tcp_keepalives_count": "3",
            },
        )

    async def run(self) -> None:
        """Try for the lock as a standby, confirm it as the leader; reconnect on any failure."""
        while True:
            await self.beat_once()
            await asyncio.sleep(HEARTBEAT)

    async def beat_once(self) -> None:
        """One heartbeat, (re)connecting first; a failure makes this process a standby."""
        try:
            if self._connection is None or self._connection.is_closed():
                self._connection = await self._connect()
            await self._beat(self._connection)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._step_down(f"lost the database connection of the lock ({exc!r})")
            await self._drop_connection()

    async def _beat(self, connection: asyncpg.Connection[Any]) -> None:
        """One heartbeat: hold on to the lock, or try to take it."""
        asked = time.monotonic()
        if self.watch.is_leader:
            held = await connection.fetchval(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND classid = $1 AND objid = $2 AND objsubid = 2",
                *LOCK_KEY,
                timeout=QUERY_TIMEOUT,
            )
            if not held:
                self._step_down("the lock is no longer held")
                return
            self._fresh_until = asked + FENCE
            return
        taken = await connection.fetchval(
            "SELECT pg_try_advisory_lock($1, $2)", *LOCK_KEY, timeout=QUERY_TIMEOUT
        )
        if taken:
            # Counted from before the question: the server's cut-off runs from its last word.
            self._fresh_until = asked + FENCE
            # The lock can be free while the old leader still thinks it leads: its session
            # ended by the server (or an operator) is only noticed at its next heartbeat. It
            # confirmed the lock last before the lock was freed, so FENCE from now its own
            # fence has closed: only then does this one start sending.
            self.quiet_until = time.monotonic() + FENCE
            self.watch.change(Role.leader, "took the leader's lock")

    def _step_down(self, reason: str) -> None:
        """Stop acting as the leader at once."""
        self._fresh_until = 0.0
        self.watch.change(Role.standby, reason)

    async def _drop_connection(self) -> None:
        """Close the lock's connection without waiting on a server that may be gone."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.terminate()

    async def close(self) -> None:
        """Step down and close the connection (the server frees the lock with it)."""
        self._step_down("stopping")
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), QUERY_TIMEOUT)
            if not connection.is_closed():
                connection.terminate()


def election_for(watch: RoleWatch, database_url: str) -> Election:
    """The election for this database: SoloElection on SQLite, PostgresElection otherwise."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return SoloElection(watch, url.database)
    return PostgresElection(watch, database_url)
