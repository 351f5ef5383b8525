"""Database.snapshot: a long read that sees one state and holds up no writer."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, func, select

from storage.db import Database
from storage.models import Round, Village

VILLAGES = 1200
PAGE = 100
# Generous: a writer held up by the reader would wait for the busy timeout (30 s) or forever.
PROMPTLY = 10.0


async def make_round(database: Database) -> int:
    """A round whose last_number the tests bump, and VILLAGES villages to stream."""
    async with database.transaction() as session:
        row = Round(code="S1", name="snap", starts_on=date(2023, 1, 1), ends_on=date(2023, 2, 1))
        session.add(row)
        session.add_all(Village(code=f"v{n}", name="村", township="乡") for n in range(VILLAGES))
        await session.flush()
        assert row.id is not None
        return row.id


async def bump(database: Database, round_id: int, code: str) -> None:
    """One committed write: the counter goes up and a village is added."""
    async with database.transaction() as session:
        await session.exec(
            update(Round)
            .where(col(Round.id) == round_id)
            .values(last_number=col(Round.last_number) + 1)
        )
        session.add(Village(code=code, name="村", township="乡"))


async def counter(database: Database, round_id: int) -> int:
    """The counter as committed now."""
    async with database.transaction() as session:
        return (await session.exec(select(Round.last_number).where(Round.id == round_id))).one()


async def test_a_writer_commits_while_a_snapshot_streams_and_the_snapshot_does_not_see_it(
    database: Database,
) -> None:
    round_id = await make_round(database)
    seen = 0
    async with database.snapshot() as reader:
        result = await reader.stream(
            select(Village.code).order_by(col(Village.id)).execution_options(yield_per=PAGE)
        )
        async for page in result.partitions(PAGE):
            if seen == 0:
                # Mid-read: the write lock is free and the in-process lock is not taken.
                await asyncio.wait_for(bump(database, round_id, "during"), PROMPTLY)
            seen += len(page)
        await result.close()
        assert seen == VILLAGES
        assert (await reader.exec(select(Round.last_number))).one() == 0
        assert (await reader.exec(select(func.count()).select_from(Village))).one() == VILLAGES
    assert await counter(database, round_id) == 1


async def test_a_snapshot_reads_while_a_write_transaction_is_open(database: Database) -> None:
    round_id = await make_round(database)

    async def read() -> int:
        async with database.snapshot() as reader:
            return (await reader.exec(select(Round.last_number))).one()

    async with database.transaction() as session:
        await session.exec(update(Round).values(last_number=7))
        await session.flush()
        # The writer holds every lock it takes until it commits; the reader needs none.
        assert await asyncio.wait_for(read(), PROMPTLY) == 0
    assert await asyncio.wait_for(read(), PROMPTLY) == 7
    assert await counter(database, round_id) == 7


async def test_a_snapshot_cannot_write_and_its_connection_writes_again_afterwards(
    database: Database,
) -> None:
    round_id = await make_round(database)
    with pytest.raises(DBAPIError):
        async with database.snapshot() as reader:
            await reader.exec(update(Round).values(last_number=99))
    assert await counter(database, round_id) == 0
    # The pool hands the snapshot's connection to a writer within these (SQLite: query_only
    # is switched off again; PostgreSQL: read-only applies to the snapshot's transaction).
    for n in range(3):
        await asyncio.wait_for(bump(database, round_id, f"after-{n}"), PROMPTLY)
    assert await counter(database, round_id) == 3
