"""Alembic environment: runs migrations over the project's async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import Database

config = context.config
target_metadata = SQLModel.metadata
# Indexes a migration makes on PostgreSQL only, outside the models (alembic check skips them).
SERVER_ONLY_INDEXES = frozenset({"ix_complaint_description_trgm"})


def _include(obj: object, name: str | None, kind: str, reflected: bool, _compare: object) -> bool:
    """Whether autogenerate compares this object (not a server-only index)."""
    return not (kind == "index" and reflected and name in SERVER_ONLY_INDEXES)


def _run(connection: Connection) -> None:
    """Run the migrations on one connection."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    """Open the engine the bot uses and migrate through it."""
    database = Database(config.get_main_option("sqlalchemy.url") or "")
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await database.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `xuncha db upgrade`")
asyncio.run(_run_async())
