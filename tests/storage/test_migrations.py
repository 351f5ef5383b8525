"""The schema comes from Alembic migrations and matches the models."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlmodel import SQLModel

from storage.db import Database


async def test_migrations_create_every_table(database: Database) -> None:
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables
