"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, literal_column
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        """Refuse naive datetimes and store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Later(FunctionElement[datetime]):
    """In SQL: a UTCDateTime column plus a whole number of hours (`Later(column, delta)`);
    each backend has its own date arithmetic."""

    type = UTCDateTime()
    name = "later"
    inherit_cache = True

    def __init__(self, moment: Any, delta: timedelta) -> None:
        """The moment (a column or expression) and how much later, in whole hours."""
        # A literal argument, so it is part of the statement's cache key.
        super().__init__(moment, literal_column(str(int(delta.total_seconds() // 3600))))


@compiles(Later)
def _later_postgresql(element: Later, compiler: SQLCompiler, **kw: Any) -> str:
    """PostgreSQL: timestamptz + interval."""
    moment, hours = element.clauses
    return f"({compiler.process(moment, **kw)} + INTERVAL '{compiler.process(hours)} hours')"


@compiles(Later, "sqlite")
def _later_sqlite(element: Later, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLite: the stored text 'YYYY-MM-DD HH:MM:SS.ffffff' moved by whole hours, keeping its
    microseconds (strftime's %f keeps only milliseconds), so it still compares as text."""
    moment, hours = element.clauses
    at, shift = compiler.process(moment, **kw), compiler.process(hours)
    return f"(strftime('%Y-%m-%d %H:%M:%S', {at}, '+{shift} hours') || substr({at}, 20))"
