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


def test_partial_indexes_name_the_statuses_the_code_uses() -> None:
    """The conditions written out for ix_complaint_group_open and ix_timeline_event_handling
    are the code's NOT_OPEN and HANDLING (a status added there needs a new migration)."""
    from storage.handling import HANDLING
    from storage.models.complaints import HANDLING_ACTIONS, NOT_OPEN_STATUSES
    from storage.triage import NOT_OPEN

    assert set(NOT_OPEN_STATUSES) == set(NOT_OPEN)
    assert set(HANDLING_ACTIONS) == set(HANDLING)
