"""The few statements every update runs, compiled once and run on the transaction's own
DBAPI cursor (issue 12).

Through SQLAlchemy's execution layer (an execution context, a cursor result, the ORM's
statement events) each of these cost more CPU than the database took to run it, and the bot
runs them for every update and every message sent. Here a statement is compiled once per
dialect, with the bind and result processors of its columns' types, and run on the cursor of
the connection that holds the session's (or the connection's) transaction: transactions,
the pool, the locks and the types' conversions stay SQLAlchemy's. What that layer did is
done here:
- a driver's error is raised as SQLAlchemy's (`DBAPIError.instance`), so the retries that
  look for OperationalError still see it, and a lost connection is invalidated, not pooled;
- on a session, pending ORM changes are flushed and the hooks of `before_statement` run
  first (the outbox's queued rows are written, as before an ORM statement).
What is given up: these statements do not show in SQLAlchemy's statement events (`echo`).
Only statements run for every update or send belong here; anything else stays on the session.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

# Run on the session before each of its fast statements (as do_orm_execute listeners are
# before an ORM statement): registered by the modules that queue rows to write.
_BEFORE: list[Callable[[Session], None]] = []


def before_statement(hook: Callable[[Session], None]) -> Callable[[Session], None]:
    """Register a hook run on the session before each fast statement runs on it."""
    _BEFORE.append(hook)
    return hook


@dataclass(frozen=True)
class _Compiled:
    """A statement as one dialect runs it."""

    sql: str
    compiled: Any
    order: tuple[str, ...]
    binds: tuple[Callable[[Any], Any] | None, ...]
    results: tuple[Callable[[Any], Any] | None, ...]


class FastStatement:
    """A statement built once (per dialect: `build(dialect_name)`), run on the DBAPI cursor."""

    def __init__(self, build: Callable[[str], Any], *, columns: Sequence[str] = ()) -> None:
        self._build = build
        # An INSERT's columns, as at its execution with values of those keys.
        self._columns = list(columns) or None
        self._compiled: dict[type[Dialect], _Compiled] = {}

    @classmethod
    def of(cls, statement: Any, *, columns: Sequence[str] = ()) -> FastStatement:
        """The same statement on every dialect."""
        return cls(lambda _dialect: statement, columns=columns)

    def _for(self, dialect: Dialect) -> _Compiled:
        """The statement compiled for this dialect (once)."""
        found = self._compiled.get(type(dialect))
        if found is not None:
            return found
        statement = self._build(dialect.name)
        compiled = statement.compile(dialect=dialect, column_keys=self._columns)
        order = tuple(compiled.positiontup or ())
        binds = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in order
        )
        # What it returns: a SELECT's columns, or an INSERT's or UPDATE's RETURNING.
        results = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.exported_columns
        )
        found = _Compiled(compiled.string, compiled, order, binds, results)
        self._compiled[type(dialect)] = found
        return found

    def on_connection(
        self, connection: Connection, params: dict[str, Any]
    ) -> tuple[list[Any], int]:
        """Run it on a sync connection's cursor (in SQLAlchemy's greenlet: `run_sync`); the rows
        (converted) and the rowcount."""
        dialect = connection.dialect
        compiled = self._for(dialect)
        values = compiled.compiled.construct_params(params)
        args = [
            process(values[name]) if process is not None else values[name]
            for name, process in zip(compiled.order, compiled.binds, strict=True)
        ]
        dbapi_connection = connection.connection.dbapi_connection
        assert dbapi_connection is not None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(compiled.sql, args)
            raw = cursor.fetchall() if cursor.description else []
            count = cursor.rowcount
        except dialect.loaded_dbapi.Error as error:
            # As Connection does: a lost connection is thrown away, not pooled again.
            gone = dialect.is_disconnect(error, dbapi_connection, cursor)
            if gone:
                connection.invalidate(error)
            raise exc.DBAPIError.instance(
                compiled.sql,
                args,
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=gone,
                dialect=dialect,
            ) from error
        finally:
            cursor.close()
        processors = compiled.results
        rows = [
            tuple(p(v) if p is not None else v for p, v in zip(processors, row, strict=True))
            for row in raw
        ]
        return rows, count

    def _on_session(self, session: Session, params: dict[str, Any]) -> tuple[list[Any], int]:
        """Inside the session's greenlet: its hooks, then the statement on its connection."""
        for hook in _BEFORE:
            hook(session)
        session.flush()
        return self.on_connection(session.connection(), params)

    async def rows(
        self, target: AsyncSession | AsyncConnection, params: dict[str, Any]
    ) -> list[Any]:
        """Run it in the session's (or connection's) transaction; the rows it returned."""
        return (await self.execute(target, params))[0]

    async def execute(
        self, target: AsyncSession | AsyncConnection, params: dict[str, Any]
    ) -> tuple[list[Any], int]:
        """Run it; (rows, rowcount)."""
        if isinstance(target, AsyncConnection):
            return await target.run_sync(self.on_connection, params)
        return await target.run_sync(self._on_session, params)
