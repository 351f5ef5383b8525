"""The schema comes from Alembic migrations and matches the models."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import inspect
from sqlmodel import SQLModel

from storage.db import Database
from storage.migrate import alembic_config


async def test_migrations_create_every_table(database: Database) -> None:
    async with database.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


async def test_models_and_migrations_agree(database_url: str) -> None:
    """A model change without its migration fails here (alembic check)."""
    await asyncio.to_thread(command.check, alembic_config(database_url))
