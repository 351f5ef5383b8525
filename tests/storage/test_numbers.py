"""What the roster loader guarantees about complaint numbering: it never touches the counter."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.db import Database
from storage.roster import load_roster

ROSTER = (Path(__file__).parents[1] / "fixtures" / "roster_wd2023.yaml").read_text("utf-8")


async def load(database: Database, roster: str = ROSTER) -> bool:
    """Load roster text; return whether anything changed."""
    async with database.transaction() as session:
        return (await load_roster(session=session, text=roster, source="roster.yaml")).changed


async def last_number(database: Database) -> int:
    """The round's counter, read with plain SQL."""
    async with database.transaction() as session:
        connection = await session.connection()
        result = await connection.execute(
            text("SELECT last_number FROM round WHERE code = 'WD2023-1'")
        )
        return int(result.scalar_one())


async def test_a_new_round_starts_counting_at_zero(database: Database) -> None:
    await load(database)
    assert await last_number(database) == 0


async def test_reloading_never_resets_the_counter(database: Database) -> None:
    await load(database)
    # What complaint filing does, in effect: bump the counter in a transaction.
    async with database.transaction() as session:
        connection = await session.connection()
        await connection.execute(
            text("UPDATE round SET last_number = last_number + 41 WHERE code = 'WD2023-1'")
        )
    assert await last_number(database) == 41

    assert not await load(database)
    assert await last_number(database) == 41

    # An edit of the round itself leaves the counter alone too.
    renamed = ROSTER.replace(
        "name: 卫东区委2023年第一轮巡察", "name: 卫东区委2023年第一轮巡察（延长）"
    )
    assert await load(database, renamed.replace("2023-04-12", "2023-04-30"))
    assert await last_number(database) == 41
